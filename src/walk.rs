//! Finding the files to check.
//!
//! Directories are walked recursively, honouring `.gitignore`; `.git`, `node_modules`,
//! `target`, hidden directories and CDK asset directories (`asset.*`) are skipped. Paths
//! named on the command line are always checked. A directory holding a CDK cloud assembly
//! (`manifest.json`) is one unit, handed whole to the CDK frontend; a `cdk.out` assembly
//! below a directory is found even when `.gitignore` lists it.

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

fn is_assembly_dir(dir: &Path) -> bool {
    dir.join("manifest.json").is_file()
        && (dir.file_name().is_some_and(|n| n == "cdk.out")
            || dir.join("tree.json").is_file()
            || looks_like_assembly_manifest(&dir.join("manifest.json")))
}

fn looks_like_assembly_manifest(path: &Path) -> bool {
    // A cloud assembly manifest has `"artifacts"` and a schema `"version"`; read only the start.
    use std::io::Read;
    let mut buf = [0u8; 4096];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let n = f.read(&mut buf).unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    head.contains("\"artifacts\"") || head.contains("aws:cloudformation:stack")
}

const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target", ".terraform"];

/// Walk `paths`. Missing paths are returned as errors (the command cannot run).
pub fn walk(paths: &[PathBuf], exclude: &globset::GlobSet) -> Result<Found, String> {
    let mut found = Found::default();
    let mut tf_dirs = std::collections::BTreeSet::new();
    for root in paths {
        let meta = std::fs::metadata(root)
            .map_err(|e| format!("{}: {}", crate::source::display_path(root), e))?;
        if meta.is_file() {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if is_terraform(&name) {
                tf_dirs.insert(parent_or_dot(root));
            } else if name == "manifest.json" && is_assembly_dir(&parent_or_dot(root)) {
                found.assemblies.push(parent_or_dot(root));
            } else {
                // Named on the command line: always checked.
                found.documents.push(root.clone());
            }
            continue;
        }
        if is_assembly_dir(root) {
            found.assemblies.push(root.clone());
            continue;
        }
        walk_dir(root, exclude, &mut found, &mut tf_dirs);
    }
    found.terraform_dirs = tf_dirs.into_iter().collect();
    found.documents.sort();
    found.documents.dedup();
    found.assemblies.sort();
    found.assemblies.dedup();
    Ok(found)
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
    for entry in walker.flatten() {
        let path = entry.path();
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir {
            // A git-ignored cdk.out is still an assembly of this project.
            let cdk_out = path.join("cdk.out");
            if cdk_out.is_dir() && is_assembly_dir(&cdk_out) {
                found.assemblies.push(cdk_out);
            } else if path.join("cdk.json").is_file() {
                found.unsynthesized_cdk_apps.push(path.to_path_buf());
            }
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name == "manifest.json" {
            let dir = parent_or_dot(path);
            if is_assembly_dir(&dir) {
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
    let assemblies = found.assemblies.clone();
    found
        .documents
        .retain(|d| !assemblies.iter().any(|a| d.starts_with(a)));
}
