//! The generic rule fixture runner: each rule runs alone over `testdata/rules/DDBnnn/`.
//! Every `fail*` fixture must produce at least one finding of the rule, every `pass*`
//! fixture none; the rendered diagnostics of each fixture are snapshotted.
//!
//! A fixture is a file (CloudFormation YAML/JSON, a CDK `*.template.json`, a Terraform
//! `.tf` checked as a module of its own) or a directory (a CDK assembly, a Terraform module
//! tree) whose name starts with `pass` or `fail`.

use ddbguard::Settings;
use std::path::{Path, PathBuf};

fn fixtures(rule_dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(rule_dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        let name = p.file_name().unwrap().to_string_lossy();
        name.starts_with("pass") || name.starts_with("fail")
    });
    out.sort();
    out
}

/// Check one fixture with only `rule` enabled; returns the rendered report and the count.
fn run(rule: &str, fixture: &Path) -> (String, usize) {
    let settings = Settings {
        select: vec![rule.to_string()],
        ..Settings::default()
    };
    let is_tf = fixture.extension().is_some_and(|e| e == "tf");
    let (path, temp) = if is_tf {
        // A .tf file is a module of its own: copy it into a directory alone.
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(fixture, dir.path().join("main.tf")).unwrap();
        (dir.path().to_path_buf(), Some(dir))
    } else {
        (fixture.to_path_buf(), None)
    };
    let report = ddbguard::check(std::slice::from_ref(&path), &settings).expect("check runs");
    let mut text = ddbguard::report::human::render(&report, false);
    if let Some(dir) = &temp {
        let tmp = dir.path().join("main.tf").to_string_lossy().to_string();
        text = text.replace(&tmp, &fixture.to_string_lossy());
    }
    let count = report.active().filter(|f| f.rule_id == rule).count();
    (text, count)
}

#[test]
fn every_rule_passes_and_fails_its_fixtures() {
    let root = Path::new("testdata/rules");
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in ddbguard::rules::RULES {
        let id = rule.meta().id;
        let dir = root.join(id);
        for fixture in fixtures(&dir) {
            checked += 1;
            let name = fixture.file_name().unwrap().to_string_lossy().to_string();
            let (text, count) = run(id, &fixture);
            if name.starts_with("fail") && count == 0 {
                failures.push(format!(
                    "{}: expected a {id} finding, got none\n{text}",
                    fixture.display()
                ));
            }
            if name.starts_with("pass") && count > 0 {
                failures.push(format!(
                    "{}: expected no {id} finding, got {count}\n{text}",
                    fixture.display()
                ));
            }
            insta::with_settings!({
                snapshot_path => "snapshots/rules",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => fixture.display().to_string(),
            }, {
                insta::assert_snapshot!(format!("{id}__{name}"), text);
            });
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every rule but DDB003 (which needs a suppression, tested with the reports) and DDB004
/// (which needs a policy, tested in tests/policy.rs) has fixtures that pass and fail.
#[test]
fn every_rule_has_pass_and_fail_fixtures() {
    let root = Path::new("testdata/rules");
    let mut missing = Vec::new();
    for rule in ddbguard::rules::RULES {
        let id = rule.meta().id;
        if id == "DDB003" || id == "DDB004" {
            continue;
        }
        let names: Vec<String> = fixtures(&root.join(id))
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        if !names.iter().any(|n| n.starts_with("pass"))
            || !names.iter().any(|n| n.starts_with("fail"))
        {
            missing.push(id);
        }
    }
    assert!(
        missing.is_empty(),
        "rules without pass and fail fixtures: {missing:?}"
    );
}
