//! Streaming with Guard policies loaded, in a test binary of its own: loaded policy rules
//! are known to the whole process (reports list them), so a test that loads them must not
//! share a process with tests that render reports without them.

mod common;

use common::same_reports;
use ddbguard::Settings;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_streamed_report_is_the_loaded_one_with_policies() {
    let policies = ddbguard::policy::load::load(&[root().join("examples/policies")])
        .expect("the example policies load");
    let settings = Settings {
        policies: policies.into(),
        ..Settings::default()
    };
    same_reports(&[root().join("testdata/policy")], &settings);
}
