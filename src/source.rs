//! The file table: every file read in a run, with byte spans and a line index; and the one
//! place where a file's bytes become text.
//!
//! Every frontend reads through [`SourceMap::read`] (or [`read_text`] for files that keep no
//! spans), which:
//!
//! - opens only what lies inside the checked tree ([`Roots`]): the paths named on the
//!   command line and the config file, after symbolic links are resolved;
//! - reads regular files only: a FIFO, a socket or a device is refused before it is read
//!   (and opened non-blocking, so a FIFO swapped in at the last moment cannot hang the run);
//! - checks the size on the opened handle and reads at most [`MAX_FILE_BYTES`] + 1 bytes;
//! - decodes the bytes ([`decode`]): a UTF-8 byte-order mark is dropped, YAML in UTF-16 or
//!   UTF-32 is decoded as the YAML spec requires, and JSON or HCL in UTF-16/32 is refused
//!   with a message that says so, as Terraform and CloudFormation refuse it.
//!
//! The decoded text is the file's text: spans, lines and columns count in it, so a column
//! counts from after a byte-order mark, as editors show it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Files larger than this are reported (DDB001) instead of parsed.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// An index into the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { file, start, end }
    }

    /// A span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// 1-based line and column (column counted in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// One file: its display path, its text and where its lines start.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user will see it (relative to the current directory when possible).
    pub path: PathBuf,
    /// Empty once the file is released ([`SourceMap::release`]).
    pub text: Arc<str>,
    /// Made when a position in the file is first asked for: most files get no finding.
    lines: OnceLock<Lines>,
    /// How the file was read from disk ([`SourceMap::read`]): it can be read again.
    syntax: Option<Syntax>,
    /// The length of the text it had, once released.
    released: Option<usize>,
    /// Where it was read from when that is not `path` ([`SourceMap::rename`]).
    read_from: Option<PathBuf>,
}

#[derive(Debug)]
struct Lines {
    starts: Vec<u32>,
    /// Whether the text is all ASCII: columns are then byte differences.
    ascii: bool,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            path,
            text: text.into(),
            lines: OnceLock::new(),
            syntax: None,
            released: None,
            read_from: None,
        }
    }

    /// Whether the text was dropped ([`SourceMap::release`]): [`SourceMap::reload`] reads it
    /// again.
    pub fn is_released(&self) -> bool {
        self.released.is_some()
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(
                line_ends(self.text.as_bytes()).map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            );
            Lines {
                starts,
                ascii: self.text.is_ascii(),
            }
        })
    }

    /// The display path with forward slashes.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// Line and column (1-based, column in characters) of a byte offset. Offsets past the end
    /// or inside a UTF-8 sequence are clamped, never a panic.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = (offset as usize).min(self.text.len());
        let lines = self.lines();
        let line = match lines.starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = lines.starts[line] as usize;
        let mut end = offset;
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = if lines.ascii {
            end - start + 1
        } else {
            self.text[start..end].chars().count() + 1
        };
        LineCol {
            line: line as u32 + 1,
            column: column as u32,
        }
    }

    /// The byte offset of a 1-based line and a 0-based character column.
    pub fn offset_of(&self, line: usize, char_col: usize) -> usize {
        let Some(&start) = self.lines().starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let start = start as usize;
        let rest = &self.text[start..];
        let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line_text = &rest[..line_end];
        if line_text.is_ascii() {
            return start + char_col.min(line_text.len());
        }
        start
            + line_text
                .char_indices()
                .nth(char_col)
                .map_or(line_text.len(), |(i, _)| i)
    }

    /// The byte range of the 1-based line holding `offset`, without its line end (LF, CRLF
    /// or CR).
    pub fn line_range(&self, offset: u32) -> std::ops::Range<usize> {
        let line = self.line_col(offset).line as usize;
        let starts = &self.lines().starts;
        let start = starts.get(line - 1).map_or(0, |s| *s as usize);
        let end = starts
            .get(line)
            .map_or(self.text.len(), |next| *next as usize);
        let bytes = self.text.as_bytes();
        let mut end = end.min(bytes.len());
        // The line end of this line: `\n`, `\r\n` or `\r` (the last line may have none).
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end.max(start)
    }

    pub fn line_count(&self) -> usize {
        self.lines().starts.len()
    }
}

/// The offsets of the last byte of every line end: LF, CR LF (its LF) and a CR alone, as
/// YAML, editors and old Mac files have it.
fn line_ends(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter_map(|(i, b)| match b {
        b'\n' => Some(i),
        b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i),
        _ => None,
    })
}

pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

/// All files of a run. Frontends add files from any thread; reports read them.
/// File ids depend on scheduling, so nothing that is output may depend on them: sort by path.
///
/// A map made by [`SourceMap::confined`] reads only inside its [`Roots`]; the default map
/// reads anywhere (tests, and tools over trusted paths).
#[derive(Debug, Default)]
pub struct SourceMap {
    files: std::sync::Mutex<Vec<Arc<SourceFile>>>,
    roots: Roots,
}

/// Why [`SourceMap::read`] gives no text.
#[derive(Debug)]
pub enum Unread {
    /// The file lies outside the checked tree: it was not opened and nothing was added.
    Outside,
    /// The file was added to the map (with no text, or with the text that could be
    /// decoded), and this is the problem to report there (DDB001).
    Problem {
        file: FileId,
        span: Span,
        message: String,
    },
}

impl SourceMap {
    /// A map that reads only inside `roots`.
    pub fn confined(roots: Roots) -> SourceMap {
        SourceMap {
            files: std::sync::Mutex::default(),
            roots,
        }
    }

    /// What this map may read.
    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    pub fn add(&self, file: SourceFile) -> FileId {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.push(Arc::new(file));
        FileId(files.len() as u32 - 1)
    }

    /// Read a file as `syntax` into the map: the way every frontend reads a file (see the
    /// module documentation). A file outside the roots is not opened; a file that cannot be
    /// read or decoded is added with the problem to report.
    pub fn read(&self, path: &Path, syntax: Syntax) -> Result<FileId, Unread> {
        let unreadable = |message: String| {
            let file = self.add(SourceFile::new(path.to_path_buf(), ""));
            Unread::Problem {
                file,
                span: Span::new(file, 0, 0),
                message,
            }
        };
        let bytes = match read_bytes(path, &self.roots, MAX_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(ReadError::Outside) => return Err(Unread::Outside),
            Err(e) => return Err(unreadable(e.to_string())),
        };
        let decoded = decode(bytes, syntax);
        let file = self.add(SourceFile {
            syntax: Some(syntax),
            ..SourceFile::new(path.to_path_buf(), decoded.text)
        });
        match decoded.error {
            None => Ok(file),
            Some((at, message)) => Err(Unread::Problem {
                file,
                span: Span::new(file, at, at + 1),
                message,
            }),
        }
    }

    pub fn get(&self, id: FileId) -> Arc<SourceFile> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .get(id.0 as usize)
            .cloned()
            .unwrap_or_else(|| Arc::new(SourceFile::new(PathBuf::from("<unknown>"), "")))
    }

    pub fn len(&self) -> usize {
        self.files.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every file, in the order they were added.
    pub fn all(&self) -> Vec<Arc<SourceFile>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Drop the text (and line index) of these files once every scope that reads them has
    /// been checked: a run keeps only the paths. Only files read from disk
    /// ([`SourceMap::read`]) are released, since only they can be read again
    /// ([`SourceMap::reload`]); a text made in memory stays.
    pub fn release(&self, ids: impl IntoIterator<Item = FileId>) {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            let Some(slot) = files.get_mut(id.0 as usize) else {
                continue;
            };
            if slot.syntax.is_none() || slot.released.is_some() {
                continue;
            }
            // One empty text for every released file.
            static EMPTY: OnceLock<Arc<str>> = OnceLock::new();
            let empty = EMPTY.get_or_init(|| Arc::from("")).clone();
            *slot = Arc::new(SourceFile {
                syntax: slot.syntax,
                released: Some(slot.text.len()),
                read_from: slot.read_from.clone(),
                ..SourceFile::new(slot.path.clone(), empty)
            });
        }
    }

    /// Show file `id` at another path: pull-request mode reads the base where it was
    /// checked out and reports it at the head's paths. Its text stays as it is, and once
    /// released it is read again from where it was read.
    pub fn rename(&self, id: FileId, path: PathBuf) {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let Some(slot) = files.get_mut(id.0 as usize) else {
            return;
        };
        *slot = Arc::new(SourceFile {
            path,
            text: slot.text.clone(),
            lines: OnceLock::new(),
            syntax: slot.syntax,
            released: slot.released,
            read_from: Some(slot.read_from.clone().unwrap_or_else(|| slot.path.clone())),
        });
    }

    /// The files added from `from` on (in the order they were added).
    pub fn ids_from(&self, from: usize) -> impl Iterator<Item = FileId> + use<> {
        (from..self.len()).map(|i| FileId(i as u32))
    }

    /// File `id` with its text: the file itself while it holds its text; once released,
    /// read again from disk the way it was first read (a report shows a few of its
    /// lines). `None` when it can no longer be read, or has changed length since: the
    /// lines would not be the ones checked.
    pub fn reload(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let file = self.get(id);
        let (Some(len), Some(syntax)) = (file.released, file.syntax) else {
            return Some(file);
        };
        let from = file.read_from.as_ref().unwrap_or(&file.path);
        let bytes = read_bytes(from, &self.roots, MAX_FILE_BYTES).ok()?;
        let decoded = decode(bytes, syntax);
        (decoded.text.len() == len).then(|| {
            Arc::new(SourceFile {
                syntax: Some(syntax),
                ..SourceFile::new(file.path.clone(), decoded.text)
            })
        })
    }
}

impl SourceMap {
    /// File `id` with its text, put back in the map when it was released (read again as
    /// [`SourceMap::reload`] does): for a frontend that parses a released file again, whose
    /// findings are then located in it. `None` as for `reload`.
    pub fn restore(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let file = self.get(id);
        if !file.is_released() {
            return Some(file);
        }
        let back = self.reload(id)?;
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let slot = files.get_mut(id.0 as usize)?;
        if slot.is_released() {
            // Still read from where it was read, once released again.
            *slot = Arc::new(SourceFile {
                syntax: slot.syntax,
                read_from: slot.read_from.clone(),
                ..SourceFile::new(slot.path.clone(), back.text.clone())
            });
        }
        Some(slot.clone())
    }
}

/// The checked tree: the only places ddbguard opens files in. A path is inside when its
/// canonical form (symbolic links resolved, `..` applied) is one of the roots or lies
/// below one, so a `..`, an absolute path or a symbolic link that leads out is refused
/// wherever it was written (a CDK manifest, a Terraform `file()` or module `source`).
#[derive(Clone, Debug, Default)]
pub struct Roots {
    /// Canonical roots; `None` reads anywhere.
    roots: Option<Vec<PathBuf>>,
}

impl Roots {
    /// Everywhere: no confinement (tests, and tools over trusted paths).
    pub fn anywhere() -> Roots {
        Roots { roots: None }
    }

    /// The canonical forms of `paths` (files or directories). A path that cannot be made
    /// canonical (it does not exist) admits nothing.
    pub fn new<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Roots {
        let mut roots: Vec<PathBuf> = paths
            .into_iter()
            .filter_map(|p| std::fs::canonicalize(p.as_ref()).ok())
            .collect();
        roots.sort();
        roots.dedup();
        Roots { roots: Some(roots) }
    }

    /// These roots and `path` too (the config file, a `--var-file`).
    pub fn with(mut self, path: &Path) -> Roots {
        if let (Some(roots), Ok(c)) = (&mut self.roots, std::fs::canonicalize(path))
            && !roots.contains(&c)
        {
            roots.push(c);
            roots.sort();
        }
        self
    }

    /// Whether these roots admit every path.
    pub fn is_anywhere(&self) -> bool {
        self.roots.is_none()
    }

    /// The canonical form of `path` when it is inside the roots. [`ReadError::Outside`]
    /// when it is not, whether it exists or not (so that nothing tells what exists
    /// outside); the I/O error when it cannot be resolved (missing, a loop of links).
    pub fn admit(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let Some(roots) = &self.roots else {
            return std::fs::canonicalize(path).map_err(ReadError::Io);
        };
        let inside = |p: &Path| roots.iter().any(|r| p.starts_with(r));
        match std::fs::canonicalize(path) {
            Ok(c) if inside(&c) => Ok(c),
            Ok(_) => Err(ReadError::Outside),
            Err(e) => match resolve_missing(path) {
                Some(p) if !inside(&p) => Err(ReadError::Outside),
                _ => Err(ReadError::Io(e)),
            },
        }
    }

    /// Whether `path` leads outside the roots (existing or not).
    pub fn is_outside(&self, path: &Path) -> bool {
        matches!(self.admit(path), Err(ReadError::Outside))
    }

    /// Whether `path` exists inside the roots.
    pub fn contains(&self, path: &Path) -> bool {
        self.admit(path).is_ok()
    }
}

/// Where a path that does not exist would be: its deepest existing ancestor made
/// canonical, then the rest with `..` applied. `None` when nothing of it resolves.
fn resolve_missing(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut rest = Vec::new();
    let mut base = absolute.as_path();
    let canonical = loop {
        if let Ok(c) = std::fs::canonicalize(base) {
            break c;
        }
        rest.push(base.file_name()?.to_os_string());
        base = base.parent()?;
    };
    let mut out = canonical;
    for part in rest.iter().rev() {
        if part == ".." {
            out.pop();
        } else if part != "." {
            out.push(part);
        }
    }
    Some(out)
}

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Outside the checked tree ([`Roots`]): never opened.
    Outside,
    /// Not a regular file: never read. The kind of file it is.
    NotRegular(&'static str),
    /// Larger than the limit (bytes seen, at least limit + 1): not read whole.
    TooLarge { size: u64, limit: u64 },
    /// The system's error (missing, unreadable, a loop of symbolic links).
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Outside => f.write_str("outside the checked paths: not read"),
            ReadError::NotRegular(kind) => write!(f, "not a regular file ({kind}): not read"),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "the file is {} MB, larger than the {} MB ddbguard reads",
                size / 1_000_000,
                limit / 1_000_000
            ),
            ReadError::Io(e) => write!(f, "cannot read the file: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// What kind of file a non-regular file is, for messages.
fn file_kind(t: std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a file")
}

/// Open a regular file inside `roots` for reading, and its size as the opened handle
/// tells it. The type is checked on the name first (a FIFO or a device is never opened)
/// and again on the handle: on Unix the file is opened non-blocking and without following
/// a symbolic link put in its place after the check, so nothing swapped in can hang the
/// run or lead out of the tree.
pub fn open_regular(path: &Path, roots: &Roots) -> Result<(std::fs::File, u64), ReadError> {
    let target = if roots.is_anywhere() {
        path.to_path_buf()
    } else {
        roots.admit(path)?
    };
    let meta = std::fs::metadata(&target).map_err(ReadError::Io)?;
    if let Some(kind) = file_kind(meta.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if !roots.is_anywhere() {
            // `target` is canonical: no component is a link unless one was swapped in.
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    let file = options.open(&target).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(kind) = file_kind(meta.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    Ok((file, meta.len()))
}

/// The bytes of a regular file inside `roots`, at most `limit` of them (see
/// [`open_regular`]). The size is checked on the opened handle, and at most `limit` + 1
/// bytes are read, so a file that grows while it is read is still refused.
pub fn read_bytes(path: &Path, roots: &Roots, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open_regular(path, roots)?;
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(ReadError::TooLarge { size: read, limit });
    }
    Ok(bytes)
}

/// The first `n` bytes (or fewer) of a regular file inside `roots`.
pub fn read_head(path: &Path, roots: &Roots, n: u64) -> Result<Vec<u8>, ReadError> {
    let (file, _) = open_regular(path, roots)?;
    let mut bytes = Vec::new();
    file.take(n)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    Ok(bytes)
}

/// A whole file inside `roots` as text (for files that keep no spans: `tree.json`, CDK
/// metadata, `modules.json`). The message says why not.
pub fn read_text(path: &Path, roots: &Roots, syntax: Syntax) -> Result<String, String> {
    let shown = display_path(path);
    let bytes = read_bytes(path, roots, MAX_FILE_BYTES).map_err(|e| format!("{shown}: {e}"))?;
    let decoded = decode(bytes, syntax);
    match decoded.error {
        None => Ok(decoded.text),
        Some((_, message)) => Err(format!("{shown}: {message}")),
    }
}

/// How a format's own tools take a file's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// YAML: UTF-8, UTF-16 or UTF-32, told by the byte-order mark or, without one, by the
    /// pattern of NUL bytes in the first characters (YAML 1.2, 5.2).
    Yaml,
    /// JSON and HCL: UTF-8 only (a leading byte-order mark is skipped, as Terraform and
    /// CloudFormation skip it); UTF-16 and UTF-32 are refused.
    Utf8,
}

impl Syntax {
    /// By the file name: JSON (`.json`), Terraform (`.tf`, `.tfvars`) are [`Syntax::Utf8`];
    /// everything else may be YAML.
    pub fn of(path: &Path) -> Syntax {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".json") || name.ends_with(".tf") || name.ends_with(".tfvars") {
            Syntax::Utf8
        } else {
            Syntax::Yaml
        }
    }
}

/// The encoding of a file's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le | Encoding::Utf16Be => "UTF-16",
            Encoding::Utf32Le | Encoding::Utf32Be => "UTF-32",
        }
    }
}

/// A file's bytes as text.
#[derive(Debug)]
pub struct Decoded {
    /// The text, without a byte-order mark; invalid sequences are replaced (U+FFFD).
    pub text: String,
    pub encoding: Encoding,
    /// The offset in `text` where decoding failed and why; for an encoding the syntax
    /// refuses, offset 0 and an empty text.
    pub error: Option<(usize, String)>,
}

/// The encoding of `bytes` and the length of its byte-order mark: the marks, then the
/// YAML spec's NUL patterns for a stream that starts with an ASCII character.
pub fn sniff(bytes: &[u8]) -> (Encoding, usize) {
    match bytes {
        [0, 0, 0xFE, 0xFF, ..] => (Encoding::Utf32Be, 4),
        [0xFF, 0xFE, 0, 0, ..] => (Encoding::Utf32Le, 4),
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0, 0, 0, a, ..] if *a != 0 => (Encoding::Utf32Be, 0),
        [a, 0, 0, 0, ..] if *a != 0 => (Encoding::Utf32Le, 0),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Be, 0),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => (Encoding::Utf16Le, 0),
        _ => (Encoding::Utf8, 0),
    }
}

/// Decode a file's bytes as `syntax` reads them (see [`Syntax`]).
pub fn decode(mut bytes: Vec<u8>, syntax: Syntax) -> Decoded {
    let (encoding, bom) = sniff(&bytes);
    if encoding != Encoding::Utf8 && syntax == Syntax::Utf8 {
        return Decoded {
            text: String::new(),
            encoding,
            error: Some((
                0,
                format!("the file is {}; save it as UTF-8", encoding.name()),
            )),
        };
    }
    bytes.drain(..bom);
    match encoding {
        Encoding::Utf8 => match String::from_utf8(bytes) {
            Ok(text) => Decoded {
                text,
                encoding,
                error: None,
            },
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                // The lossy text has the same bytes up to `at`.
                Decoded {
                    text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    encoding,
                    error: Some((at, "the file is not valid UTF-8".into())),
                }
            }
        },
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let unit = |c: &[u8]| {
                let pair = [c[0], c[1]];
                if encoding == Encoding::Utf16Le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            };
            let chunks = bytes.chunks_exact(2);
            let odd = !chunks.remainder().is_empty();
            let chars = char::decode_utf16(chunks.map(unit)).map(|c| c.ok());
            finish(chars, odd, encoding)
        }
        Encoding::Utf32Le | Encoding::Utf32Be => {
            let chunks = bytes.chunks_exact(4);
            let odd = !chunks.remainder().is_empty();
            let chars = chunks.map(|c| {
                let quad = [c[0], c[1], c[2], c[3]];
                char::from_u32(if encoding == Encoding::Utf32Le {
                    u32::from_le_bytes(quad)
                } else {
                    u32::from_be_bytes(quad)
                })
            });
            finish(chars, odd, encoding)
        }
    }
}

/// Collect decoded characters (`None` for an invalid unit), noting the first error.
fn finish(chars: impl Iterator<Item = Option<char>>, odd: bool, encoding: Encoding) -> Decoded {
    let mut text = String::new();
    let mut error = None;
    for c in chars {
        match c {
            Some(c) => text.push(c),
            None => {
                error.get_or_insert((
                    text.len(),
                    format!("the file is not valid {}", encoding.name()),
                ));
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    if odd {
        error.get_or_insert((
            text.len(),
            format!("the file ends inside a {} character", encoding.name()),
        ));
    }
    Decoded {
        text,
        encoding,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_characters() {
        let f = SourceFile::new("a.yaml".into(), "ab\nçé: x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'ç' and 'é' are two bytes each: byte 7 is the ':' at column 3.
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 3 });
        // Past the end: clamped.
        assert_eq!(f.line_col(1000).line, 3);
    }

    #[test]
    fn offset_of_maps_character_columns_to_bytes() {
        let f = SourceFile::new("a.yaml".into(), "ab\nçé: x\n");
        assert_eq!(f.offset_of(2, 2), 7);
        assert_eq!(f.offset_of(1, 1), 1);
        assert_eq!(f.offset_of(99, 0), f.text.len());
    }

    #[test]
    fn cr_lf_and_crlf_all_end_lines() {
        for (nl, width) in [("\n", 1), ("\r\n", 2), ("\r", 1)] {
            let text = format!("ab{nl}cd: x{nl}{nl}é{nl}");
            let f = SourceFile::new("a.yaml".into(), text.as_str());
            let c = 2 + width;
            assert_eq!(
                f.line_col(c as u32),
                LineCol { line: 2, column: 1 },
                "{nl:?}"
            );
            assert_eq!(f.line_col(c as u32 + 4), LineCol { line: 2, column: 5 });
            assert_eq!(f.line_range(c as u32 + 1), c..c + 5, "{nl:?}");
            assert_eq!(f.line_range(0), 0..2);
            // The empty third line, and the last one.
            let third = c + 5 + width;
            assert_eq!(f.line_col(third as u32).line, 3);
            assert_eq!(f.line_range(third as u32), third..third);
            assert_eq!(f.offset_of(2, 4), c + 4);
            assert_eq!(f.offset_of(2, 40), c + 5, "clamped to the line's end");
            assert_eq!(f.line_count(), 5);
        }
        // A CR at the very end of the last line, and one alone.
        let f = SourceFile::new("a".into(), "\r");
        assert_eq!(f.line_col(1).line, 2);
        assert_eq!(f.line_range(0), 0..0);
    }

    #[test]
    fn a_utf8_byte_order_mark_is_dropped_and_columns_count_after_it() {
        let d = decode(b"\xEF\xBB\xBFa: b\n".to_vec(), Syntax::Utf8);
        assert_eq!(d.text, "a: b\n");
        assert!(d.error.is_none());
        let f = SourceFile::new("a.yaml".into(), d.text);
        assert_eq!(f.line_col(3), LineCol { line: 1, column: 4 });
    }

    fn utf16(text: &str, big: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for u in (if bom { "\u{FEFF}" } else { "" })
            .encode_utf16()
            .chain(text.encode_utf16())
        {
            out.extend(if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    fn utf32(text: &str, big: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for c in "\u{FEFF}".chars().chain(text.chars()) {
            let u = c as u32;
            out.extend(if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn yaml_reads_utf16_and_utf32_other_syntaxes_refuse_them() {
        let text = "Resources: {T: {Type: 'AWS::DynamoDB::Table'}} # é 😀\n";
        for (bytes, enc) in [
            (utf16(text, false, true), Encoding::Utf16Le),
            (utf16(text, true, true), Encoding::Utf16Be),
            (utf16(text, false, false), Encoding::Utf16Le),
            (utf16(text, true, false), Encoding::Utf16Be),
            (utf32(text, false), Encoding::Utf32Le),
            (utf32(text, true), Encoding::Utf32Be),
        ] {
            let d = decode(bytes.clone(), Syntax::Yaml);
            assert_eq!(d.encoding, enc);
            assert_eq!(d.text, text, "{enc:?}");
            assert!(d.error.is_none());
            let d = decode(bytes, Syntax::Utf8);
            assert!(d.text.is_empty());
            let (at, message) = d.error.unwrap();
            assert_eq!(at, 0);
            assert!(message.ends_with("; save it as UTF-8"), "{message}");
            assert!(message.contains(enc.name()), "{message}");
        }
    }

    #[test]
    fn invalid_bytes_are_reported_where_they_are() {
        let d = decode(b"\xEF\xBB\xBFab\xFFcd".to_vec(), Syntax::Utf8);
        assert_eq!(d.error.as_ref().map(|e| e.0), Some(2));
        assert!(d.text.starts_with("ab"));
        // A lone surrogate, then an odd trailing byte.
        let mut bytes = utf16("ab", false, true);
        bytes.extend([0x00, 0xD8, b'c', 0, b'x']);
        let d = decode(bytes, Syntax::Yaml);
        assert_eq!(d.text, "ab\u{FFFD}c");
        assert_eq!(d.error.unwrap(), (2, "the file is not valid UTF-16".into()));
        let d = decode(vec![0xFF, 0xFE, b'a'], Syntax::Yaml);
        assert!(d.error.unwrap().1.contains("ends inside"));
        assert_eq!(decode(Vec::new(), Syntax::Yaml).text, "");
    }

    #[test]
    fn reads_only_regular_files_inside_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("in");
        std::fs::create_dir(&inside).unwrap();
        std::fs::write(inside.join("a.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        let roots = Roots::new([&inside]);
        assert_eq!(
            read_bytes(&inside.join("a.yaml"), &roots, 100).unwrap(),
            b"a: 1\n"
        );
        assert!(matches!(
            read_bytes(&inside.join("a.yaml"), &roots, 3),
            Err(ReadError::TooLarge { .. })
        ));
        for escape in [
            inside.join("../secret"),
            dir.path().join("secret"),
            inside.join("../missing"),
        ] {
            assert!(
                matches!(read_bytes(&escape, &roots, 100), Err(ReadError::Outside)),
                "{escape:?}"
            );
        }
        assert!(matches!(
            read_bytes(&inside.join("missing"), &roots, 100),
            Err(ReadError::Io(_))
        ));
        assert!(matches!(
            read_bytes(&inside, &roots, 100),
            Err(ReadError::NotRegular("a directory"))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret"), inside.join("link")).unwrap();
            assert!(matches!(
                read_bytes(&inside.join("link"), &roots, 100),
                Err(ReadError::Outside)
            ));
            std::os::unix::fs::symlink("/dev/zero", inside.join("zero.yaml")).unwrap();
            assert!(matches!(
                read_bytes(&inside.join("zero.yaml"), &Roots::anywhere(), 100),
                Err(ReadError::NotRegular("a character device"))
            ));
            std::os::unix::fs::symlink("loop", inside.join("loop")).unwrap();
            assert!(matches!(
                read_bytes(&inside.join("loop"), &roots, 100),
                Err(ReadError::Io(_))
            ));
        }
        // A map reads through the same door, and adds what it could not read.
        let map = SourceMap::confined(roots);
        assert!(matches!(
            map.read(&dir.path().join("secret"), Syntax::Yaml),
            Err(Unread::Outside)
        ));
        assert!(map.is_empty());
        let id = map.read(&inside.join("a.yaml"), Syntax::Yaml).unwrap();
        assert_eq!(&*map.get(id).text, "a: 1\n");
    }

    #[test]
    fn a_released_file_keeps_its_path_and_reads_its_text_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, b"\xEF\xBB\xBFa: 1\nb: 2\n").unwrap();
        let map = SourceMap::confined(Roots::new([dir.path()]));
        let id = map.read(&path, Syntax::Yaml).unwrap();
        let memory = map.add(SourceFile::new("m.yaml".into(), "m: 1\n"));
        assert_eq!(map.get(id).line_col(6).line, 2);
        map.release([id, memory, FileId(99)]);
        let released = map.get(id);
        assert!(released.is_released());
        assert!(released.text.is_empty());
        assert_eq!(released.path, path);
        // Read again as it was read: the byte-order mark dropped, the same lines.
        let again = map.reload(id).unwrap();
        assert_eq!(&*again.text, "a: 1\nb: 2\n");
        assert_eq!(again.line_col(6).line, 2);
        // A text made in memory is not released: it could not be read again.
        assert!(!map.get(memory).is_released());
        assert_eq!(&*map.reload(memory).unwrap().text, "m: 1\n");
        // Changed since, or gone: no text rather than other lines.
        std::fs::write(&path, "a: 1\n").unwrap();
        assert!(map.reload(id).is_none());
        std::fs::remove_file(&path).unwrap();
        assert!(map.reload(id).is_none());
        assert_eq!(map.ids_from(1).collect::<Vec<_>>(), vec![memory]);
    }

    #[test]
    fn display_path_strips_dot_slash() {
        assert_eq!(display_path(Path::new("./infra/a.yaml")), "infra/a.yaml");
        assert_eq!(display_path(Path::new(".")), ".");
    }
}
