//! A Terraform plan (`terraform show -json`) read as a document, and every rule on it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ddbguard_fuzz::check_document("plan.json", data);
});
