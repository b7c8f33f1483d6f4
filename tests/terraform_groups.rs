//! Terraform streamed group by group: module directories that call each other are
//! evaluated together, then their trees dropped and their files released; the report must
//! be the one a run holding every module at once gives, in every format.

mod common;

use common::same_reports;
use ddbguard::report::human;
use ddbguard::{Settings, check};
use std::path::{Path, PathBuf};

/// Write `files` under `dir`.
fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
}

const TABLE: &str = r#"variable "name" {}
resource "aws_dynamodb_table" "t" {
  name     = var.name
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
"#;

const CALL: &str = r#"module "db" {
  source = "../../modules/table"
  name   = "orders"
}
"#;

/// Two roots call a shared module (one group), a root in JSON syntax calls it too, a third
/// root stands alone (another group), a module calls itself, and one root's call is
/// written with an escape the scan does not read (the run falls back to the whole tree).
fn layouts(dir: &Path) -> Vec<PathBuf> {
    let shared = dir.join("shared");
    write(
        &shared,
        &[
            ("modules/table/main.tf", TABLE),
            ("envs/prod/main.tf", CALL),
            ("envs/dev/main.tf", CALL),
            (
                "envs/json/main.tf.json",
                r#"{"module": {"db": {"source": "../../modules/table", "name": "j"}}}"#,
            ),
            (
                "alone/main.tf",
                "resource \"aws_dynamodb_table\" \"alone\" {\n  name = \"alone\"\n}\n",
            ),
            (
                "loop/main.tf",
                "module \"me\" {\n  source = \".\"\n}\nresource \"aws_dynamodb_table\" \"l\" {\n  name = \"l\"\n}\n",
            ),
        ],
    );
    let escaped = dir.join("escaped");
    write(
        &escaped,
        &[
            ("modules/table/main.tf", TABLE),
            (
                "app/main.tf",
                "module \"db\" {\n  source = \"../m\\u006fdules/table\"\n  name   = \"e\"\n}\n",
            ),
        ],
    );
    vec![shared, escaped]
}

#[test]
fn groups_give_the_report_of_the_whole_tree() {
    let dir = tempfile::tempdir().unwrap();
    let [shared, escaped]: [PathBuf; 2] = layouts(dir.path()).try_into().unwrap();
    same_reports(std::slice::from_ref(&shared), &Settings::default());
    same_reports(std::slice::from_ref(&escaped), &Settings::default());
    same_reports(&[shared.clone(), escaped], &Settings::default());
    // With a `--var` (the variables the roots declare are the run's) and every resource
    // body kept (for policies' documents), the same.
    let mut settings = Settings::default();
    settings.tf_vars.push(("name".into(), "v".into()));
    settings.tf_vars.push(("nowhere".into(), "v".into()));
    settings.policy_documents = true;
    same_reports(&[shared], &settings);
}

#[test]
fn a_released_group_still_shows_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let paths = layouts(dir.path());
    let report = check(&paths, &Settings::default()).unwrap();
    // Scopes: prod, dev, json, alone, loop; app (the module it calls is no root).
    assert_eq!(report.summary.scopes, 6, "{:?}", report.summary);
    let files = report.sources.all();
    assert!(
        files.iter().all(|f| f.is_released() && f.text.is_empty()),
        "every Terraform file is released once its group is checked"
    );
    let scopes: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "DDB101")
        .map(|f| f.scope.as_str())
        .collect();
    assert_eq!(scopes.len(), 6, "{scopes:?}");
    let shown = human::render(&report, false);
    assert!(
        shown.contains(r#"resource "aws_dynamodb_table" "t" {"#),
        "{shown}"
    );
    assert!(shown.contains("modules/table/main.tf:2:1"), "{shown}");
}
