//! The parse-only floor for the benchmark: find the YAML/JSON documents under the given
//! paths the way `ddbguard check` does, read and parse each one once (in parallel), and
//! do nothing else. `ddbguard check` on the same paths should stay within 2x of this.
//!
//! cargo run --release --example parse_floor -- ../shared/corpus/cloudformation

use rayon::prelude::*;
use std::path::PathBuf;

fn main() {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let found = ddbguard::walk::walk(&paths, &globset::GlobSet::empty()).expect("paths exist");
    let sources = ddbguard::source::SourceMap::default();
    let (ok, failed): (usize, usize) = found
        .documents
        .par_iter()
        .map(|path| {
            let (file, problem) = ddbguard::model::cfn::read_file(path, &sources);
            if problem.is_some() {
                return (0, 1);
            }
            let text = sources.get(file).text.clone();
            match ddbguard::model::cfn::parse(path, &text, file) {
                Ok(_) => (1, 0),
                Err(_) => (0, 1),
            }
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let bytes: usize = sources.all().iter().map(|f| f.text.len()).sum();
    println!("documents parsed: {ok}, not parsed: {failed}, bytes: {bytes}");
}
