//! Streaming: `check` reads and checks scope by scope and releases each file's text once
//! its scopes are checked; the report must be the one a run holding every scope at once
//! (`load` then `check_loaded`) gives, in every format.

mod common;

use common::same_reports;
use ddbguard::report::human;
use ddbguard::{Settings, check};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_streamed_report_is_the_loaded_one_over_all_of_testdata() {
    same_reports(&[root().join("testdata")], &Settings::default());
}

/// With Guard policies loaded: their rules are the run's, so this shares a process with
/// tests that render reports without them.
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

#[test]
fn the_streamed_report_is_the_loaded_one_per_format_and_with_several_paths() {
    let t = root().join("testdata");
    for dir in ["examples", "terraform", "cdk", "rules", "encodings"] {
        same_reports(&[t.join(dir)], &Settings::default());
    }
    same_reports(
        &[
            t.join("examples/terraform"),
            t.join("examples/cloudformation"),
        ],
        &Settings::default(),
    );
}

/// A tree with a template, a plan beside the Terraform it was made from, and a CDK
/// assembly: plans wait for the root module they point into.
#[test]
fn plans_are_linked_to_their_root_module_when_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let t = root().join("testdata");
    let tf = t.join("terraform");
    let plans: Vec<PathBuf> = walk_files(&tf)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|s| s.contains("\"resource_changes\"")))
        .collect();
    assert!(!plans.is_empty(), "testdata/terraform holds plans");
    // The whole Terraform testdata (plans beside their configurations) and a copy of one
    // plan's directory.
    let plan_dir = plans[0].parent().unwrap();
    common_copy(plan_dir, &dir.path().join("copy"));
    same_reports(&[tf, dir.path().to_path_buf()], &Settings::default());
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn common_copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_file() {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

const TABLE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
";

/// The text of a checked file is released; the human report reads the lines it shows
/// again, and shows none (one plain line a finding) when the file changed since.
#[test]
fn checked_files_keep_no_text_and_the_human_report_reads_its_lines_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.yaml");
    std::fs::write(&path, TABLE).unwrap();
    let report = check(std::slice::from_ref(&path), &Settings::default()).unwrap();
    let files = report.sources.all();
    assert!(!files.is_empty());
    assert!(
        files.iter().all(|f| f.is_released() && f.text.is_empty()),
        "every file read from disk is released once checked"
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.rule_id == "DDB101")
        .expect("PITR is off");
    let shown = human::render(&report, false);
    assert!(shown.contains("Orders:"), "{shown}");
    assert!(
        shown.contains(&format!(":{}:", f.location.start_line)),
        "{shown}"
    );

    // Edited after the check: no snippet of lines that are not the ones checked.
    std::fs::write(&path, format!("# a comment\n{TABLE}")).unwrap();
    let shown = human::render(&report, false);
    assert!(!shown.contains("Orders:"), "{shown}");
    assert!(shown.contains("DDB101"), "{shown}");
    // Gone: the same.
    std::fs::remove_file(&path).unwrap();
    let shown = human::render(&report, false);
    assert!(shown.contains("DDB101"), "{shown}");
}

/// With `brief_scopes` (a check whose reports do not list scopes) the report keeps no
/// per-scope entry, and is otherwise the same: findings, counts and every report but JUnit.
#[test]
fn brief_scopes_keep_the_findings_and_counts() {
    use ddbguard::report::{json, sarif};
    let paths = [root().join("testdata")];
    let full = check(&paths, &Settings::default()).unwrap();
    let brief_settings = Settings {
        brief_scopes: true,
        ..Settings::default()
    };
    let brief = check(&paths, &brief_settings).unwrap();
    assert!(!full.scopes.is_empty());
    assert!(brief.scopes.is_empty());
    assert_eq!(brief.summary, full.summary);
    assert!(full.summary.findings > 0 && full.summary.resources > 0);
    assert_eq!(json::render(&brief), json::render(&full));
    assert_eq!(sarif::render(&brief, None), sarif::render(&full, None));
    assert_eq!(human::render(&brief, false), human::render(&full, false));
}
