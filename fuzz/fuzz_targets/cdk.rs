//! The CDK frontend and every rule on a cloud assembly unpacked from a bundle
//! (`manifest.json` first, then the stack templates, `tree.json`: see `src/lib.rs`).
#![no_main]

use ddbguard::source::SourceMap;
use std::sync::{Arc, OnceLock};

static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let dir = DIR.get_or_init(ddbguard_fuzz::scratch);
    ddbguard_fuzz::unpack(data, dir, "manifest.json");
    let sources = Arc::new(SourceMap::default());
    let scopes = ddbguard::model::cdk::load_assembly(dir, &sources);
    ddbguard_fuzz::check_scopes(scopes, sources);
});
