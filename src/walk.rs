//! Finding the files to check.
//!
//! Directories are walked recursively, honouring `.gitignore`; `.git`, `node_modules`,
//! `target`, hidden directories and CDK asset directories (`asset.*`) are skipped. Paths
//! named on the command line are always checked. A directory holding a CDK cloud assembly
//! (`manifest.json`) is one unit, handed whole to the CDK frontend; a `cdk.out` assembly
//! below a directory is found even when `.gitignore` lists it.
//!
//! A path that cannot be read (a loop of symbolic links, a directory that cannot be
//! listed), named or met in the walk, is listed in [`Found::unreadable`] and the walk goes
//! on; only a named path that does not exist stops the command. The walk also gives the
//! [`Roots`] of the checked tree: what the frontends may open.

use crate::source::{Roots, display_path};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What the walk found, grouped by how it will be read.
#[derive(Debug, Default)]
pub struct Found {
    /// YAML/JSON files that may be templates (CFN, bare CDK templates, TF plans).
    pub documents: Vec<PathBuf>,
    /// Directories holding `.tf` / `.tf.json` files.
    pub terraform_dirs: Vec<PathBuf>,
    /// CDK cloud assembly directories.
    pub assemblies: Vec<PathBuf>,
    /// Directories that look like a CDK app (`cdk.json`) with no `cdk.out`.
    pub unsynthesized_cdk_apps: Vec<PathBuf>,
    /// Documents named on the command line: always checked, never skipped in silence.
    pub named: HashSet<PathBuf>,
    /// Paths that could not be read, and why (each becomes a DDB001).
    pub unreadable: Vec<(PathBuf, String)>,
    /// The checked tree: the paths named (a named `manifest.json` or `.tf` file stands for
    /// its directory, which is what is read).
    pub roots: Roots,
}

/// Whether a file name is one ddbguard reads as a document.
pub fn is_document(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yaml")
        || lower.ends_with(".yml")
        || lower.ends_with(".json")
        || lower.ends_with(".template"))
        && !lower.ends_with(".tf.json")
        && !NOT_TEMPLATES.contains(&lower.as_str())
}

/// Well-known JSON/YAML files that are never templates.
const NOT_TEMPLATES: &[&str] = &[
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "cdk.json",
    "cdk.context.json",
    ".ddbguard.yaml",
    ".ddbguard.yml",
    "composer.json",
    "composer.lock",
];

pub fn is_terraform(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// Whether `dir` holds a CDK cloud assembly: a `manifest.json` that is a JSON object with
/// the schema `"version"` and `"artifacts"` CDK writes (a `cdk.out` may hold only a
/// `"version"` when the app has no stack). Other tools' `manifest.json` files (web app
/// manifests, browser extensions) are not assemblies. Only a manifest inside `roots` is
/// opened.
pub fn is_assembly_dir(dir: &Path, roots: &Roots) -> bool {
    let is_cdk_out = dir.file_name().is_some_and(|n| n == "cdk.out");
    match manifest_head(&dir.join("manifest.json"), roots) {
        Some(head) => {
            head.trim_start().starts_with('{')
                && head.contains("\"version\"")
                && (head.contains("\"artifacts\"") || (is_cdk_out && !head.contains("\"name\"")))
        }
        None => false,
    }
}

/// The first 4 KB of a file, when it is a readable regular file (CDK writes `"version"`
/// and `"artifacts"` first). Read like every file (see [`crate::source::read_head`]): a
/// FIFO named `manifest.json` is not opened.
fn manifest_head(path: &Path, roots: &Roots) -> Option<String> {
    let buf = crate::source::read_head(path, roots, 4096).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Whether `inner` is a nested assembly of `outer` (`outer/assembly-*/…`), which the
/// CDK frontend reads with its parent.
fn is_nested_assembly(inner: &Path, outer: &Path) -> bool {
    inner != outer
        && inner.strip_prefix(outer).is_ok_and(|rel| {
            rel.components()
                .next()
                .is_some_and(|c| c.as_os_str().to_string_lossy().starts_with("assembly-"))
        })
}

const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target", ".terraform"];

/// Walk `paths`. A named path that does not exist is an error (the command cannot run);
/// one that cannot be read is listed in [`Found::unreadable`].
pub fn walk(paths: &[PathBuf], exclude: &globset::GlobSet) -> Result<Found, String> {
    let mut found = Found::default();
    // First what each named path is, which gives the roots; then the walk, inside them.
    let mut named = Vec::new();
    for root in paths {
        match std::fs::metadata(root) {
            Ok(meta) => named.push((root, meta.is_dir())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("{}: {}", display_path(root), e));
            }
            Err(e) => found
                .unreadable
                .push((root.clone(), format!("cannot read the path: {e}"))),
        }
    }
    found.roots = Roots::new(named.iter().map(|(root, is_dir)| {
        let name = root.file_name().map(|n| n.to_string_lossy().to_string());
        let unit = name.is_some_and(|n| is_terraform(&n) || n == "manifest.json");
        if !is_dir && unit {
            parent_or_dot(root)
        } else {
            root.to_path_buf()
        }
    }));
    let mut tf_dirs = std::collections::BTreeSet::new();
    for (root, is_dir) in named {
        if is_dir {
            if is_assembly_dir(root, &found.roots) {
                found.assemblies.push(root.clone());
            } else {
                walk_dir(root, exclude, &mut found, &mut tf_dirs);
            }
            continue;
        }
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if is_terraform(&name) {
            tf_dirs.insert(parent_or_dot(root));
        } else if name == "manifest.json" && is_assembly_dir(&parent_or_dot(root), &found.roots) {
            found.assemblies.push(parent_or_dot(root));
        } else {
            // Named on the command line: always checked.
            found.documents.push(root.clone());
            found.named.insert(root.clone());
        }
    }
    found.terraform_dirs = tf_dirs.into_iter().collect();
    found.documents.sort();
    found.documents.dedup();
    found.assemblies.sort();
    found.assemblies.dedup();
    found.unreadable.sort();
    found.unreadable.dedup();
    let all: HashSet<PathBuf> = found.assemblies.iter().cloned().collect();
    found.assemblies.retain(|a| {
        !a.ancestors()
            .skip(1)
            .any(|outer| all.contains(outer) && is_nested_assembly(a, outer))
    });
    Ok(found)
}

/// The path a walk error is about and the system's reason, for errors of the file system
/// (a directory that cannot be listed, a loop of links); not for a bad ignore file.
fn walk_error(err: &ignore::Error) -> Option<(PathBuf, String)> {
    fn io(err: &ignore::Error) -> Option<String> {
        match err {
            ignore::Error::Io(e) => Some(e.to_string()),
            ignore::Error::WithDepth { err, .. } => io(err),
            _ => None,
        }
    }
    match err {
        ignore::Error::WithPath { path, err } => io(err).map(|why| (path.clone(), why)),
        ignore::Error::WithDepth { err, .. } => walk_error(err),
        ignore::Error::Loop { child, .. } => {
            Some((child.clone(), "a loop of symbolic links".to_string()))
        }
        _ => None,
    }
}

/// The stack directories of a CDK for Terraform app: `cdktf.out/stacks/*` holding a
/// `cdk.tf.json`. A `cdktf.out` that links out of `roots` is not listed.
fn cdktf_stacks(app: &Path, roots: &Roots) -> Vec<PathBuf> {
    let stacks = app.join("cdktf.out").join("stacks");
    if roots.is_outside(&stacks) {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(&stacks) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|d| d.join("cdk.tf.json").is_file())
        .collect();
    out.sort();
    out
}

fn parent_or_dot(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn walk_dir(
    root: &Path,
    exclude: &globset::GlobSet,
    found: &mut Found,
    tf_dirs: &mut std::collections::BTreeSet<PathBuf>,
) {
    let exclude_filter = exclude.clone();
    let root_owned = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .parents(true)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir
                && entry.depth() > 0
                && (SKIP_DIRS.contains(&name.as_ref()) || name.starts_with("asset."))
            {
                return false;
            }
            let rel = entry
                .path()
                .strip_prefix(&root_owned)
                .unwrap_or(entry.path());
            !(entry.depth() > 0
                && (exclude_filter.is_match(rel) || exclude_filter.is_match(entry.path())))
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                // A directory that cannot be listed: reported, and the walk goes on.
                if let Some((path, why)) = walk_error(&err) {
                    found
                        .unreadable
                        .push((path, format!("cannot read the directory: {why}")));
                }
                continue;
            }
        };
        let path = entry.path();
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir {
            // A git-ignored cdk.out is still an assembly of this project.
            let cdk_out = path.join("cdk.out");
            let rel = cdk_out.strip_prefix(root).unwrap_or(&cdk_out);
            let excluded = exclude.is_match(rel) || exclude.is_match(&cdk_out);
            if cdk_out.is_dir() && !excluded && is_assembly_dir(&cdk_out, &found.roots) {
                found.assemblies.push(cdk_out);
            } else if path.join("cdk.json").is_file() {
                found.unsynthesized_cdk_apps.push(path.to_path_buf());
            }
            // Likewise the stacks a CDK for Terraform app synthesized (`cdktf synth`).
            if path.join("cdktf.json").is_file() {
                for stack in cdktf_stacks(path, &found.roots) {
                    let rel = stack.strip_prefix(root).unwrap_or(&stack);
                    if !(exclude.is_match(rel) || exclude.is_match(&stack)) {
                        tf_dirs.insert(stack);
                    }
                }
            }
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name == "manifest.json" {
            let dir = parent_or_dot(path);
            if is_assembly_dir(&dir, &found.roots) {
                found.assemblies.push(dir);
                continue;
            }
        }
        if is_terraform(&name) {
            tf_dirs.insert(parent_or_dot(path));
        } else if is_document(&name) {
            found.documents.push(path.to_path_buf());
        }
    }
    // Documents inside an assembly belong to the CDK frontend.
    let assemblies: HashSet<&Path> = found.assemblies.iter().map(PathBuf::as_path).collect();
    found
        .documents
        .retain(|d| !d.ancestors().skip(1).any(|a| assemblies.contains(a)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const MANIFEST: &str = r#"{"version": "38.0.0", "artifacts": {}}"#;

    #[test]
    fn only_cdk_manifests_make_assemblies() {
        let dir = tempfile::tempdir().unwrap();
        let cdk = dir.path().join("cdk.out");
        write(&cdk.join("manifest.json"), MANIFEST);
        assert!(is_assembly_dir(&cdk, &Roots::anywhere()));
        let web = dir.path().join("public");
        write(
            &web.join("manifest.json"),
            r#"{"name": "app", "version": "1", "icons": []}"#,
        );
        assert!(!is_assembly_dir(&web, &Roots::anywhere()));
        // Even in a directory named cdk.out, a web manifest is not an assembly.
        let odd = dir.path().join("x/cdk.out");
        write(
            &odd.join("manifest.json"),
            r#"{"name": "app", "version": "1"}"#,
        );
        assert!(!is_assembly_dir(&odd, &Roots::anywhere()));
        write(&odd.join("manifest.json"), "not json at all");
        assert!(!is_assembly_dir(&odd, &Roots::anywhere()));
        assert!(!is_assembly_dir(
            &dir.path().join("missing"),
            &Roots::anywhere()
        ));
    }

    #[test]
    fn git_ignored_cdktf_stacks_are_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        write(&dir.path().join(".gitignore"), "cdktf.out/\n");
        let app = dir.path().join("infra");
        write(&app.join("cdktf.json"), r#"{"language": "typescript"}"#);
        let stacks = app.join("cdktf.out/stacks");
        write(&stacks.join("prod/cdk.tf.json"), "{}");
        write(&stacks.join("dev/cdk.tf.json"), "{}");
        write(&stacks.join("notes/readme.txt"), "");
        let found = walk(&[dir.path().to_path_buf()], &globset::GlobSet::empty()).unwrap();
        assert_eq!(
            found.terraform_dirs,
            vec![stacks.join("dev"), stacks.join("prod")]
        );
        // Excluded by the config: not read.
        let mut b = globset::GlobSetBuilder::new();
        b.add(globset::Glob::new("**/stacks/dev").unwrap());
        let found = walk(&[dir.path().to_path_buf()], &b.build().unwrap()).unwrap();
        assert_eq!(found.terraform_dirs, vec![stacks.join("prod")]);
        // Without the app's cdktf.json the ignored directory stays ignored.
        std::fs::remove_file(app.join("cdktf.json")).unwrap();
        let found = walk(&[dir.path().to_path_buf()], &globset::GlobSet::empty()).unwrap();
        assert!(
            found.terraform_dirs.is_empty(),
            "{:?}",
            found.terraform_dirs
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_roots_are_not_listed_and_unreadable_paths_are() {
        let dir = tempfile::tempdir().unwrap();
        let checked = dir.path().join("checked");
        let outside = dir.path().join("outside");
        write(&outside.join("cdktf.out/stacks/prod/cdk.tf.json"), "{}");
        write(&checked.join("app/cdktf.json"), "{}");
        std::os::unix::fs::symlink(outside.join("cdktf.out"), checked.join("app/cdktf.out"))
            .unwrap();
        std::os::unix::fs::symlink("loop", checked.join("loop")).unwrap();
        let found = walk(
            &[checked.clone(), checked.join("loop")],
            &globset::GlobSet::empty(),
        )
        .unwrap();
        assert!(
            found.terraform_dirs.is_empty(),
            "{:?}",
            found.terraform_dirs
        );
        assert_eq!(found.unreadable.len(), 1, "{:?}", found.unreadable);
        assert_eq!(found.unreadable[0].0, checked.join("loop"));
        assert!(found.roots.contains(&checked.join("app/cdktf.json")));
        assert!(found.roots.is_outside(&outside));
        // A path that does not exist still stops the command.
        assert!(walk(&[checked.join("missing")], &globset::GlobSet::empty()).is_err());
    }

    #[test]
    fn nested_assemblies_are_not_listed_twice() {
        let dir = tempfile::tempdir().unwrap();
        let cdk = dir.path().join("cdk.out");
        write(&cdk.join("manifest.json"), MANIFEST);
        write(&cdk.join("assembly-Prod/manifest.json"), MANIFEST);
        write(
            &cdk.join("assembly-Prod/assembly-Inner/manifest.json"),
            MANIFEST,
        );
        write(&cdk.join("elsewhere/manifest.json"), MANIFEST);
        write(&cdk.join("asset.abc/manifest.json"), MANIFEST);
        let found = walk(&[dir.path().to_path_buf()], &globset::GlobSet::empty()).unwrap();
        assert_eq!(found.assemblies, vec![cdk.clone(), cdk.join("elsewhere")]);
        assert!(found.documents.is_empty(), "{:?}", found.documents);
    }
}
