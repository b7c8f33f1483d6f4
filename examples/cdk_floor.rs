//! Parse-only floor for the CDK benchmark: find every cloud assembly below the given
//! directories, then read and parse (spanned JSON, as the frontend does) its `manifest.json`
//! and every `*.template.json` in it, in parallel, and nothing else.
//!
//! `cargo run --release --example cdk_floor -- ../shared/corpus/cdk`

use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if depth < 32 && !name.starts_with("asset.") && name != "node_modules" && name != ".git"
            {
                collect(&path, out, depth + 1);
            }
        } else if name == "manifest.json" || name.ends_with(".template.json") {
            out.push(path);
        }
    }
}

fn main() {
    let start = std::time::Instant::now();
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        collect(Path::new(&arg), &mut files, 0);
    }
    let (bytes, nodes): (usize, usize) = files
        .par_iter()
        .enumerate()
        .map(|(i, path)| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let file = ddbguard::source::FileId(u32::try_from(i).unwrap_or(u32::MAX));
            let ok = ddbguard::model::cfn::json::parse(&text, file).is_ok();
            (text.len(), usize::from(ok))
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} files ({} parsed), {:.1} MB in {:.3} s: {:.0} files/s, {:.0} MB/s",
        files.len(),
        nodes,
        bytes as f64 / 1e6,
        secs,
        files.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}
