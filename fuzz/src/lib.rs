//! What the fuzz targets share: running the whole check on a document held in memory,
//! and on a directory of files unpacked from one input.
//!
//! A directory input is a bundle of files, each introduced by a header line
//! `==> relative/path <==` (as `head` prints several files). Text before the first header
//! is the target's default file (`main.tf`, `manifest.json`). Paths that are absolute,
//! climb out with `..` or go deeper than four levels are skipped.

use ddbguard::model::Scope;
use ddbguard::source::SourceMap;
use ddbguard::{Loaded, Settings};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Run the rules over `scopes` and render the report in every format, as `check` does.
pub fn check_scopes(scopes: Vec<Scope>, sources: Arc<SourceMap>) {
    let files = sources.len();
    let loaded = Loaded {
        scopes,
        sources,
        skipped: Vec::new(),
        messages: Vec::new(),
        files,
    };
    let report = ddbguard::check_loaded(loaded, &Settings::default());
    render(&report);
}

/// Render a report in every format (each must hold whatever the model holds).
pub fn render(report: &ddbguard::report::Report) {
    let _ = ddbguard::report::json::render(report);
    let _ = ddbguard::report::sarif::render(report, None);
    let _ = ddbguard::report::github::render(report);
    let _ = ddbguard::report::human::render(report, false);
}

/// One YAML or JSON document (`name` decides which parser reads it).
pub fn check_document(name: &str, data: &[u8]) {
    let sources = Arc::new(SourceMap::default());
    let (scopes, _) = ddbguard::model::cfn::load_bytes(Path::new(name), data.to_vec(), &sources);
    check_scopes(scopes, sources);
}

/// This process's scratch directory, in memory (`/dev/shm` when there is one).
pub fn scratch() -> PathBuf {
    let base = Path::new("/dev/shm");
    let base = if base.is_dir() {
        base.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    // Scratch directories of fuzzing processes that have exited (libFuzzer's fork mode
    // starts a process per job, and none of them can clean up after itself).
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("ddbguard-fuzz-")) else {
                continue;
            };
            if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    base.join(format!("ddbguard-fuzz-{}", std::process::id()))
}

/// Unpack a bundle into a fresh `dir`; `default` names the text before the first header.
pub fn unpack(data: &[u8], dir: &Path, default: &str) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("scratch directory");
    for (name, body) in split(data, default).into_iter().take(16) {
        let Some(rel) = safe_path(&name) else {
            continue;
        };
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            if std::fs::create_dir_all(parent).is_err() {
                continue;
            }
        }
        let _ = std::fs::write(&path, body);
    }
}

const HEADER: &[u8] = b"==> ";
const HEADER_END: &[u8] = b" <==";

fn split(data: &[u8], default: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut name = default.to_string();
    let mut body = Vec::new();
    for line in data.split_inclusive(|&b| b == b'\n') {
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        if let Some(rest) = trimmed.strip_prefix(HEADER)
            && let Some(path) = rest.strip_suffix(HEADER_END)
        {
            if !body.is_empty() || name != default {
                out.push((std::mem::take(&mut name), std::mem::take(&mut body)));
            }
            name = String::from_utf8_lossy(path).into_owned();
            continue;
        }
        body.extend_from_slice(line);
    }
    out.push((name, body));
    out
}

fn safe_path(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(s) if !s.is_empty() => out.push(s),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (out.components().count() > 0 && out.components().count() <= 4).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_split_into_files() {
        let files = split(b"a = 1\n==> m/x.tf <==\nb = 2\n==> y.tf <==\n", "main.tf");
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["main.tf", "m/x.tf", "y.tf"]);
        assert_eq!(files[1].1, b"b = 2\n");
        assert!(safe_path("../x").is_none());
        assert!(safe_path("/etc/x").is_none());
        assert!(safe_path("a/./b").is_some());
    }
}
