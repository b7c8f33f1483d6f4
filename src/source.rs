//! The file table: every file read in a run, with byte spans and a line index.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

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
    pub text: Arc<str>,
    /// Made when a position in the file is first asked for: most files get no finding.
    lines: OnceLock<Lines>,
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
        }
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(
                memchr_newlines(self.text.as_bytes())
                    .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
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
        let line_end = rest.find('\n').unwrap_or(rest.len());
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

    /// The byte range of the 1-based line holding `offset`, without its newline.
    pub fn line_range(&self, offset: u32) -> std::ops::Range<usize> {
        let line = self.line_col(offset).line as usize;
        let starts = &self.lines().starts;
        let start = starts[line - 1] as usize;
        let end = starts
            .get(line)
            .map_or(self.text.len(), |next| (*next as usize).saturating_sub(1));
        start..end.max(start)
    }

    pub fn line_count(&self) -> usize {
        self.lines().starts.len()
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(i, b)| (*b == b'\n').then_some(i))
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
#[derive(Debug, Default)]
pub struct SourceMap {
    files: std::sync::Mutex<Vec<Arc<SourceFile>>>,
}

impl SourceMap {
    pub fn add(&self, file: SourceFile) -> FileId {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.push(Arc::new(file));
        FileId(files.len() as u32 - 1)
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
    fn display_path_strips_dot_slash() {
        assert_eq!(display_path(Path::new("./infra/a.yaml")), "infra/a.yaml");
        assert_eq!(display_path(Path::new(".")), ".");
    }
}
