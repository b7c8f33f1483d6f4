//! Pull-request mode: the base version of the checked paths, and how head compares to it.
//!
//! `--base` names a git ref of the repository the paths are in, or a directory holding a
//! checkout of the base. A git ref is written into a temporary directory (through a
//! temporary index, so the user's index and work tree are untouched). The base is then
//! read through the same frontends as the head, at the same paths relative to the
//! repository root, scope by scope as the head is ([`BaseTree::walk`]): each base scope and
//! its files are renamed to the head's paths ([`BaseTree::rename`]), checked, summarised
//! ([`BaseScope`]: what DDB501 and DDB502 compare), then dropped with its files' text. A
//! base scope and a head scope are the same when their names are equal, and base findings
//! carry the head's paths (so their fingerprints compare).
//!
//! Resources are matched by identity within a scope: a CloudFormation logical ID in the
//! same template, a Terraform address in the same module, a CDK construct path in the same
//! assembly (a CDK resource whose construct moved is a new resource). Findings are
//! matched by rule, resource and fingerprint, never by line.

use crate::config::Settings;
use crate::load::Walked;
use crate::model::Scope;
use crate::rules::replacement::BaseScope;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::vocab::{BaselineState, Changes, Finding, Report};
use crate::vocab::{Error, relative};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where the base comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseSpec {
    /// A commit, branch or tag of the repository the paths are in.
    Git(String),
    /// A directory holding a checkout of the base (its root is the repository root).
    Dir(PathBuf),
}

impl BaseSpec {
    /// An existing directory is a directory; anything else a git ref.
    pub fn parse(spec: &str) -> BaseSpec {
        let p = Path::new(spec);
        if p.is_dir() {
            BaseSpec::Dir(p.to_path_buf())
        } else {
            BaseSpec::Git(spec.to_string())
        }
    }
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for attempt in 0..100u32 {
            let dir = std::env::temp_dir().join(format!(
                "ddbguard-base-{}-{nanos}-{attempt}",
                std::process::id()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error(format!("cannot create a temporary directory: {e}"))),
            }
        }
        Err(Error("cannot create a temporary directory".into()))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(dir: &Path, args: &[&str], index: Option<&Path>) -> Result<String, String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    if let Some(index) = index {
        cmd.env("GIT_INDEX_FILE", index);
    }
    let out = cmd.output().map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The directory a path is in (itself for a directory).
fn dir_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The root of the git repository `path` is in.
fn repo_root(path: &Path) -> Option<PathBuf> {
    let top = git(&dir_of(path), &["rev-parse", "--show-toplevel"], None).ok()?;
    std::fs::canonicalize(top).ok()
}

/// Write the tree of `rev` into `dest` without touching the repository's index or work tree.
fn extract(root: &Path, spec: &str, rev: &str, temp: &Path, dest: &Path) -> Result<(), Error> {
    let index = temp.join("index");
    git(root, &["read-tree", rev], Some(&index))
        .map_err(|e| Error(format!("--base {spec}: cannot read the base tree: {e}")))?;
    let mut prefix = dest.to_string_lossy().to_string();
    prefix.push('/');
    git(
        root,
        &[
            "checkout-index",
            "--all",
            "--force",
            &format!("--prefix={prefix}"),
        ],
        Some(&index),
    )
    .map_err(|e| Error(format!("--base {spec}: cannot write the base tree: {e}")))?;
    Ok(())
}

/// Resolve a git ref to a commit, with a clear error for a missing ref and a shallow clone.
fn resolve_commit(root: &Path, spec: &str) -> Result<String, Error> {
    if spec.starts_with('-') {
        return Err(Error(format!(
            "--base {spec}: not a git ref or a directory"
        )));
    }
    match git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{spec}^{{commit}}"),
        ],
        None,
    ) {
        Ok(sha) if !sha.is_empty() => Ok(sha),
        _ => {
            let shallow = git(root, &["rev-parse", "--is-shallow-repository"], None)
                .is_ok_and(|s| s == "true");
            let root = crate::source::display_path(root);
            if shallow {
                Err(Error(format!(
                    "--base {spec}: no such commit in {root}, which is a shallow clone: fetch the base \
                     (actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
                )))
            } else {
                Err(Error(format!(
                    "--base {spec}: no such commit, branch or tag in the git repository {root}, \
                     and no such directory"
                )))
            }
        }
    }
}

/// The base version of the checked paths, ready to be read (see [`BaseTree::walk`]) as a
/// stream, and how its paths become the head's ([`BaseTree::rename`]).
pub struct BaseTree {
    /// The base version of each path given that the base has.
    paths: Vec<PathBuf>,
    /// (base prefix, head prefix): the longest prefix first.
    mapping: Vec<(PathBuf, PathBuf)>,
    /// What the user should know (a path new in head).
    pub messages: Vec<String>,
    /// The files already given the head's path.
    renamed: Mutex<HashSet<FileId>>,
    /// The temporary checkout of a git ref, removed with the tree.
    _temp: Option<TempDir>,
}

impl BaseTree {
    /// Find the base of `paths`: a directory holding its checkout, or a git ref written into a
    /// temporary directory. Fails when `spec` names no base.
    pub fn open(paths: &[PathBuf], spec: &BaseSpec) -> Result<BaseTree, Error> {
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .map_err(|e| Error(format!("the current directory: {e}")))?;
        let first = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
        let mut temp = None;
        // The head's repository root, and the directory that holds the same tree in the base.
        let (head_root, base_root) = match spec {
            BaseSpec::Git(r) => {
                let root = repo_root(&first).ok_or_else(|| {
                    Error(format!(
                        "--base {r}: {} is not inside a git repository (give --base a directory holding the base checkout instead)",
                        crate::source::display_path(&first)
                    ))
                })?;
                let rev = resolve_commit(&root, r)?;
                let dir = TempDir::new()?;
                let tree = dir.0.join("tree");
                std::fs::create_dir(&tree)
                    .map_err(|e| Error(format!("{}: {e}", tree.display())))?;
                extract(&root, r, &rev, &dir.0, &tree)?;
                // Walked like the head: `.gitignore` files apply only inside a repository.
                let _ = std::fs::create_dir(tree.join(".git"));
                temp = Some(dir);
                (root, tree)
            }
            BaseSpec::Dir(d) => {
                let dir = std::fs::canonicalize(d)
                    .map_err(|e| Error(format!("--base {}: {e}", d.display())))?;
                let root = repo_root(&first).unwrap_or_else(|| cwd.clone());
                (root, dir)
            }
        };
        let mut mapping: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut base_paths = Vec::new();
        let mut messages = Vec::new();
        for p in paths {
            let abs = std::fs::canonicalize(p)
                .map_err(|e| Error(format!("{}: {e}", crate::source::display_path(p))))?;
            let Ok(rel) = abs.strip_prefix(&head_root) else {
                return Err(Error(format!(
                    "{}: not inside {}, the repository compared with the base",
                    crate::source::display_path(p),
                    crate::source::display_path(&head_root)
                )));
            };
            let in_base = if rel.as_os_str().is_empty() {
                base_root.clone()
            } else {
                base_root.join(rel)
            };
            if in_base.exists() {
                mapping.push((in_base.clone(), p.clone()));
                base_paths.push(in_base);
            } else {
                messages.push(format!(
                    "{}: not in the base: every finding in it is new",
                    crate::source::display_path(p)
                ));
            }
        }
        mapping.push((base_root.clone(), relative(&cwd, &head_root)));
        mapping.sort_by_key(|(from, _)| std::cmp::Reverse(from.components().count()));
        Ok(BaseTree {
            paths: base_paths,
            mapping,
            messages,
            renamed: Mutex::new(HashSet::new()),
            _temp: temp,
        })
    }

    /// Walk the base like the head, to read it scope by scope ([`Walked::stream`], where
    /// each scope is to be [renamed](BaseTree::rename) first): `None` when the base has
    /// none of the paths.
    pub fn walk(&self, settings: &Settings) -> Result<Option<Walked>, Error> {
        if self.paths.is_empty() {
            return Ok(None);
        }
        crate::load::walk(&self.paths, settings)
            .map(Some)
            .map_err(|e| Error(format!("--base: cannot read the base: {e}")))
    }

    /// Give a base scope and its files the head's paths, before its rules run: a base scope
    /// and a head scope are the same when their names are equal, and base findings carry
    /// the head's paths (so their fingerprints compare).
    pub fn rename(&self, scope: &mut Scope, sources: &SourceMap) {
        let mut name =
            crate::source::display_path(&map_path(Path::new(&scope.name), &self.mapping));
        // The head names a Terraform root module after the directory of its files, without
        // the trailing slash a path given as `infra/` has: so must the base, or its tables
        // are not found (DDB501, DDB502) and its findings do not compare.
        if scope.format == crate::model::Format::Terraform {
            while name.len() > 1 && name.ends_with('/') {
                name.pop();
            }
        }
        scope.name = name;
        self.rename_files(sources, scope.files.iter().copied());
    }

    /// Give every file of `sources` not renamed yet the head's path (the files no scope
    /// lists), once the stream is over.
    pub fn rename_rest(&self, sources: &SourceMap) {
        self.rename_files(sources, sources.ids_from(0));
    }

    fn rename_files(&self, sources: &SourceMap, ids: impl IntoIterator<Item = FileId>) {
        let mut renamed = self.renamed.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            if renamed.insert(id) {
                sources.rename(id, map_path(&sources.get(id).path, &self.mapping));
            }
        }
    }
}

fn map_path(path: &Path, mapping: &[(PathBuf, PathBuf)]) -> PathBuf {
    for (from, to) in mapping {
        if let Ok(rest) = path.strip_prefix(from) {
            return if rest.as_os_str().is_empty() {
                to.clone()
            } else {
                to.join(rest)
            };
        }
    }
    path.to_path_buf()
}

/// Messages about base scopes the head has too (`head`: the names of its scopes) but that
/// could not be read.
pub fn unreadable_bases(head: &[&str], base: &[BaseScope]) -> Vec<String> {
    let head: HashSet<&str> = head.iter().copied().collect();
    let mut out = Vec::new();
    for b in base {
        if b.does_not_parse && head.contains(b.name.as_str()) {
            out.push(format!(
                "{}: the base version does not parse: its tables cannot be compared (DDB501 and DDB502 see them as new)",
                b.name
            ));
        }
    }
    out
}

/// Mark each head finding new or unchanged, list base findings the change fixed as absent,
/// and with `only_new` drop the unchanged ones. Absent findings are not counted.
pub fn compare(head: &mut Report, base: Report, only_new: bool) {
    type Key = (&'static str, String, String);
    let key = |f: &Finding| -> Key {
        (
            f.rule_id,
            f.resource.as_ref().map_or(String::new(), |r| r.id.clone()),
            f.fingerprint.clone(),
        )
    };
    let mut counts: HashMap<Key, usize> = HashMap::new();
    for f in &base.findings {
        *counts.entry(key(f)).or_default() += 1;
    }
    for f in &mut head.findings {
        let k = key(f);
        f.baseline_state = Some(match counts.get_mut(&k) {
            Some(n) if *n > 0 => {
                *n -= 1;
                BaselineState::Unchanged
            }
            _ => BaselineState::New,
        });
    }
    let mut changes = Changes::default();
    for f in head.findings.iter().filter(|f| f.suppression.is_none()) {
        match f.baseline_state {
            Some(BaselineState::New) => changes.new += 1,
            _ => changes.unchanged += 1,
        }
    }
    if only_new {
        changes.hidden = changes.unchanged;
        head.findings
            .retain(|f| f.baseline_state != Some(BaselineState::Unchanged));
    }
    let mut files: HashMap<crate::source::FileId, crate::source::FileId> = HashMap::new();
    for mut f in base.findings {
        if f.suppression.is_some() {
            continue;
        }
        let Some(n) = counts.get_mut(&key(&f)) else {
            continue;
        };
        if *n == 0 {
            continue;
        }
        *n -= 1;
        let file = *files.entry(f.span.file).or_insert_with(|| {
            let src = base.sources.get(f.span.file);
            head.sources
                .add(SourceFile::new(src.path.clone(), src.text.clone()))
        });
        f.span = Span { file, ..f.span };
        f.baseline_state = Some(BaselineState::Absent);
        changes.fixed += 1;
        head.findings.push(f);
    }
    head.findings.sort_by(|a, b| {
        (&a.path, a.location, a.rule_id, &a.message)
            .cmp(&(&b.path, b.location, b.rule_id, &b.message))
    });
    head.summary.count(&head.findings);
    head.summary.changes = Some(changes);
}

/// Recount the findings of a summary: absent ones do not count.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_walk_up_and_down() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a")),
            PathBuf::from("..")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/b")),
            PathBuf::from("b")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a")),
            PathBuf::from(".")
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/c/d")),
            PathBuf::from("../c/d")
        );
    }

    #[test]
    fn map_path_takes_the_longest_prefix() {
        let mapping = vec![
            (PathBuf::from("/t/tree/infra"), PathBuf::from("infra")),
            (PathBuf::from("/t/tree"), PathBuf::from(".")),
        ];
        assert_eq!(
            map_path(Path::new("/t/tree/infra/a.yaml"), &mapping),
            PathBuf::from("infra/a.yaml")
        );
        assert_eq!(
            crate::source::display_path(&map_path(Path::new("/t/tree/mods/x.tf"), &mapping)),
            "mods/x.tf"
        );
        assert_eq!(
            map_path(Path::new("/t/tree/infra"), &mapping),
            PathBuf::from("infra")
        );
        assert_eq!(
            map_path(Path::new("/else"), &mapping),
            PathBuf::from("/else")
        );
    }

    #[test]
    fn a_renamed_base_file_shows_the_head_path_and_is_read_again_where_it_was() {
        use crate::source::{Roots, Syntax};
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("tree/infra/app.yaml");
        std::fs::create_dir_all(base.parent().unwrap()).unwrap();
        std::fs::write(&base, "Resources: {}\n").unwrap();
        let sources = SourceMap::confined(Roots::new([dir.path().join("tree")]));
        let id = sources.read(&base, Syntax::Yaml).ok().unwrap();
        let mapping = vec![(dir.path().join("tree"), PathBuf::from("."))];
        sources.rename(id, map_path(&base, &mapping));
        assert_eq!(sources.get(id).display_path(), "infra/app.yaml");
        assert_eq!(&*sources.get(id).text, "Resources: {}\n");
        sources.release([id]);
        assert!(sources.get(id).is_released());
        assert_eq!(sources.get(id).display_path(), "infra/app.yaml");
        let again = sources
            .reload(id)
            .expect("read again from the base checkout");
        assert_eq!(&*again.text, "Resources: {}\n");
        // Once the checkout is gone there is nothing to show, never another file's lines.
        drop(dir);
        assert!(sources.reload(id).is_none());
    }

    #[test]
    fn base_spec_is_a_directory_only_when_one_exists() {
        assert_eq!(BaseSpec::parse("."), BaseSpec::Dir(PathBuf::from(".")));
        assert_eq!(
            BaseSpec::parse("origin/main"),
            BaseSpec::Git("origin/main".into())
        );
    }
}
