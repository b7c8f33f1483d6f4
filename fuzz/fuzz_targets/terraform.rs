//! The whole check on a Terraform directory unpacked from a bundle (`main.tf` first, then
//! modules, `.tfvars`, templates: see `src/lib.rs`).
#![no_main]

use std::sync::OnceLock;

static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let dir = DIR.get_or_init(ddbguard_fuzz::scratch);
    ddbguard_fuzz::unpack(data, dir, "main.tf");
    if let Ok(report) = ddbguard::check(std::slice::from_ref(dir), &ddbguard::Settings::default()) {
        ddbguard_fuzz::render(&report);
    }
});
