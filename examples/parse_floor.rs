//! The parse-only floor for the benchmark: find what `ddbguard check` would read under the
//! given paths (the same walker), then read and parse each file once, in parallel, with the
//! same parsers — YAML/JSON documents, the manifest and templates of every CDK assembly,
//! every `.tf` file of every Terraform module — and do nothing else. The full check on the
//! same paths is measured against this.
//!
//! cargo run --release --example parse_floor -- ../shared/corpus/cloudformation

use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Files of a CDK assembly the frontend parses: the manifest and the templates.
fn assembly_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if depth < 8 && name.starts_with("assembly-") {
                assembly_files(&path, out, depth + 1);
            }
        } else if name == "manifest.json" || name.ends_with(".template.json") {
            out.push(path);
        }
    }
}

fn terraform_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "tf"))
                .collect()
        })
        .unwrap_or_default()
}

fn main() {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let found = ddbguard::walk::walk(&paths, &globset::GlobSet::empty()).expect("paths exist");
    let mut json_or_yaml = found.documents.clone();
    for a in &found.assemblies {
        assembly_files(a, &mut json_or_yaml, 0);
    }
    let tf: Vec<PathBuf> = found
        .terraform_dirs
        .iter()
        .flat_map(|d| terraform_files(d))
        .collect();
    let sources = ddbguard::source::SourceMap::default();
    let parsed_docs: usize = json_or_yaml
        .par_iter()
        .map(|path| {
            let Ok(file) = ddbguard::model::cfn::read_file(path, &sources) else {
                return 0;
            };
            let text = sources.get(file).text.clone();
            usize::from(ddbguard::model::cfn::parse(path, &text, file).is_ok())
        })
        .sum();
    let (parsed_tf, tf_bytes): (usize, usize) = tf
        .par_iter()
        .map(|path| match std::fs::read_to_string(path) {
            Ok(text) => (
                usize::from(hcl_edit::parser::parse_body(&text).is_ok()),
                text.len(),
            ),
            Err(_) => (0, 0),
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let bytes: usize = sources.all().iter().map(|f| f.text.len()).sum::<usize>() + tf_bytes;
    println!(
        "files: {} yaml/json ({parsed_docs} parsed), {} tf ({parsed_tf} parsed); {bytes} bytes",
        json_or_yaml.len(),
        tf.len()
    );
}

/// The same allocator as the `ddbguard` binary, so the floor measures the same work.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
