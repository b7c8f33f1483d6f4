//! Parse-only floor for the Terraform frontend: read and parse every `.tf` file under the
//! given directories with hcl-edit, nothing else. Prints files, bytes, failures and time.
//!
//! `cargo run --release --example tf_parse_floor -- DIR...` (with `KEEP=1`, every parsed
//! body is kept until the end, as the frontend keeps them for evaluation).

use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 64 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if name != ".git" && name != ".terraform" && name != "node_modules" {
                collect(&p, out, depth + 1);
            }
        } else if name.ends_with(".tf") {
            out.push(p);
        }
    }
}

fn main() {
    let start = std::time::Instant::now();
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        collect(Path::new(&arg), &mut files, 0);
    }
    // KEEP=1 keeps every parsed body until the end, as the frontend does.
    let keep = std::env::var_os("KEEP").is_some();
    let results: Vec<(usize, Option<String>, Option<hcl_edit::structure::Body>)> = files
        .par_iter()
        .map(|p| match std::fs::read_to_string(p) {
            Ok(text) => match hcl_edit::parser::parse_body(&text) {
                Ok(b) => (text.len(), None, keep.then_some(b)),
                Err(e) => (text.len(), Some(format!("{}: {}", p.display(), e)), None),
            },
            Err(e) => (0, Some(format!("{}: {e}", p.display())), None),
        })
        .collect();
    let bytes: usize = results.iter().map(|r| r.0).sum();
    let failures: Vec<&String> = results.iter().filter_map(|r| r.1.as_ref()).collect();
    for f in &failures {
        eprintln!("{f}");
    }
    println!(
        "files {} bytes {} failures {} time {:.3}s",
        files.len(),
        bytes,
        failures.len(),
        start.elapsed().as_secs_f64()
    );
}
