//! The CloudFormation frontend and every rule on one document read as `template.yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ddbguard_fuzz::check_document("template.yaml", data);
});
