//! The CloudFormation frontend and every rule on one document read as `template.json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ddbguard_fuzz::check_document("template.json", data);
});
