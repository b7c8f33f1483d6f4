//! Pull-request mode end to end: `--base` with a git ref or a directory, `--only-new`,
//! DDB501/DDB502 against the base, and the ways a base can be missing or broken.

mod common;
use common::{copy_dir, ddbguard as run, git, json};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn clear_except_git(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_name() == ".git" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            std::fs::remove_dir_all(e.path()).unwrap();
        } else {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
}

fn pr_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pr")
}

/// A repository whose first commit (tagged `base`) holds `base` and whose second holds
/// `head`. Returns the temp dir and the base commit.
fn repo(base: &Path, head: &Path) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    copy_dir(base, d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "base"]);
    git(d, &["tag", "base"]);
    let sha = git(d, &["rev-parse", "HEAD"]);
    clear_except_git(d);
    copy_dir(head, d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "head", "--allow-empty"]);
    (dir, sha)
}

/// The JSON report of a run, which must have exited with `code`.
fn report_of(out: &Output, code: i32) -> Value {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(out)
}

/// The first finding of `rule`.
fn first<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
}

/// `(rule, resource, baseline_state)` of every finding.
fn states(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["id"].as_str().unwrap_or("").to_string(),
                f["baseline_state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn has(report: &Value, rule: &str, resource: &str, state: &str) -> bool {
    states(report)
        .iter()
        .any(|(r, id, s)| r == rule && id == resource && s == state)
}

#[test]
fn git_ref_base_marks_new_unchanged_and_absent() {
    let (dir, _) = repo(&pr_data().join("base"), &pr_data().join("head"));
    let out = run(
        dir.path(),
        &["check", "infra", "--base", "base", "--format", "json"],
    );
    let r = report_of(&out, 1);
    // The LSI added to an existing table, on the new index's item in head.
    let lsi = first(&r, "DDB501");
    assert_eq!(lsi["resource"]["id"], "OrdersTable");
    assert_eq!(lsi["path"], "infra/orders.yaml");
    assert_eq!(lsi["location"]["start_line"], 27);
    assert_eq!(lsi["baseline_state"], "new");
    let msg = lsi["message"].as_str().unwrap();
    assert!(
        msg.contains("ByCreatedAt") && msg.contains("TableName is fixed"),
        "{msg}"
    );
    assert!(has(&r, "DDB502", "SessionsTable", "new"));
    // A new table with an LSI is not a replacement.
    assert!(!has(&r, "DDB501", "InvoicesTable", "new"));
    assert!(has(&r, "DDB101", "InvoicesTable", "new"));
    assert!(has(&r, "DDB101", "OrdersTable", "unchanged"));
    // Fixed by the change: listed as absent, with the head's path, not counted.
    assert!(has(&r, "DDB101", "CustomersTable", "absent"));
    let absent = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["baseline_state"] == "absent")
        .unwrap();
    assert_eq!(absent["path"], "infra/orders.yaml");
    let counted = states(&r).iter().filter(|(_, _, s)| s != "absent").count();
    assert_eq!(r["summary"]["findings"], counted);
    let errors = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" && f["baseline_state"] != "absent")
        .count();
    assert_eq!(r["summary"]["errors"], errors);
    assert_eq!(errors, 4, "DDB501, DDB502 and two DDB101");
}

#[test]
fn only_new_drops_unchanged_findings_and_counts_only_new_ones() {
    let (dir, _) = repo(&pr_data().join("base"), &pr_data().join("head"));
    let out = run(
        dir.path(),
        &[
            "check",
            ".",
            "--base",
            "base",
            "--only-new",
            "--format",
            "json",
        ],
    );
    let r = report_of(&out, 1);
    let s = states(&r);
    assert!(
        s.iter().all(|(_, _, st)| st == "new" || st == "absent"),
        "{s:?}"
    );
    assert!(!has(&r, "DDB101", "OrdersTable", "unchanged"));
    assert!(has(&r, "DDB101", "CustomersTable", "absent"));
    let new = s.iter().filter(|(_, _, st)| st == "new").count();
    assert_eq!(r["summary"]["findings"], new);

    // The human report shows neither unchanged nor absent findings.
    let out = run(
        dir.path(),
        &["check", "infra", "--base", "base", "--only-new"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("InvoicesTable"), "{text}");
    assert!(!text.contains("CustomersTable"), "{text}");
    assert!(
        !text.contains("on table OrdersTable [pitr-disabled]"),
        "{text}"
    );
}

#[test]
fn only_new_with_nothing_new_passes() {
    let (dir, _) = repo(&pr_data().join("base"), &pr_data().join("base"));
    let out = run(
        dir.path(),
        &[
            "check",
            "infra",
            "--base",
            "base",
            "--only-new",
            "--format",
            "json",
        ],
    );
    let r = report_of(&out, 0);
    assert_eq!(r["summary"]["findings"], 0);
    // Without --only-new the old findings still count.
    let out = run(dir.path(), &["check", "infra", "--base", "base"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_commit_sha_and_a_subdirectory_cwd_work() {
    let (dir, sha) = repo(&pr_data().join("base"), &pr_data().join("head"));
    let infra = dir.path().join("infra");
    let out = run(&infra, &["check", ".", "--base", &sha, "--format", "json"]);
    let r = report_of(&out, 1);
    let lsi = first(&r, "DDB501");
    // Report paths are relative to the repository root, whatever directory the run is in.
    assert_eq!(lsi["path"], "infra/orders.yaml");
    assert!(has(&r, "DDB101", "CustomersTable", "absent"));
}

#[test]
fn a_base_directory_is_the_root_of_a_base_checkout() {
    let head = tempfile::tempdir().unwrap();
    copy_dir(&pr_data().join("head"), head.path());
    let base = tempfile::tempdir().unwrap();
    copy_dir(&pr_data().join("base"), base.path());
    let base_arg = base.path().to_string_lossy().to_string();
    let out = run(
        head.path(),
        &[
            "check",
            "infra/orders.yaml",
            "--base",
            &base_arg,
            "--format",
            "json",
        ],
    );
    let r = report_of(&out, 1);
    assert!(has(&r, "DDB501", "OrdersTable", "new"));
    assert!(has(&r, "DDB502", "SessionsTable", "new"));
    assert!(has(&r, "DDB101", "OrdersTable", "unchanged"));
    assert!(has(&r, "DDB101", "CustomersTable", "absent"));
}

#[test]
fn a_missing_ref_is_exit_2_with_a_clear_message() {
    let (dir, _) = repo(&pr_data().join("base"), &pr_data().join("head"));
    let out = run(dir.path(), &["check", ".", "--base", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-branch") && err.contains("no such commit"),
        "{err}"
    );
}

#[test]
fn outside_a_repository_a_ref_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&pr_data().join("head"), dir.path());
    let out = run(dir.path(), &["check", ".", "--base", "main"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not inside a git repository"), "{err}");
}

#[test]
fn a_shallow_clone_without_the_base_commit_is_exit_2() {
    let (dir, sha) = repo(&pr_data().join("base"), &pr_data().join("head"));
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    git(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = clones.path().join("shallow");
    let out = run(&shallow, &["check", ".", "--base", &sha]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("shallow") && err.contains("fetch-depth: 0"),
        "{err}"
    );
}

#[test]
fn a_path_new_in_head_is_all_new() {
    let base = tempfile::tempdir().unwrap();
    std::fs::write(base.path().join("README.md"), "nothing yet\n").unwrap();
    let (dir, _) = repo(base.path(), &pr_data().join("head"));
    let out = run(
        dir.path(),
        &["check", "infra", "--base", "base", "--format", "json"],
    );
    let r = report_of(&out, 1);
    let s = states(&r);
    assert!(
        !s.is_empty() && s.iter().all(|(_, _, st)| st == "new"),
        "{s:?}"
    );
    // No table exists in the base: nothing is a replacement.
    assert!(
        !s.iter()
            .any(|(rule, _, _)| rule == "DDB501" || rule == "DDB502")
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not in the base"), "{err}");
}

#[test]
fn a_base_that_does_not_parse_is_said_not_passed_silently() {
    let base = tempfile::tempdir().unwrap();
    std::fs::create_dir(base.path().join("infra")).unwrap();
    std::fs::write(
        base.path().join("infra/orders.yaml"),
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  OrdersTable: [\n",
    )
    .unwrap();
    let (dir, _) = repo(base.path(), &pr_data().join("head"));
    let out = run(
        dir.path(),
        &["check", "infra", "--base", "base", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the base version does not parse"), "{err}");
    let r = json(&out);
    // The base's parse error is fixed in head.
    assert!(has(&r, "DDB001", "", "absent"), "{:?}", states(&r));
}

/// Check `head` against `base` (two template texts) with `--base DIR`; returns the report.
fn compare(base: &str, head: &str) -> Value {
    let h = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    std::fs::write(h.path().join("t.yaml"), head).unwrap();
    std::fs::write(b.path().join("t.yaml"), base).unwrap();
    let out = run(
        h.path(),
        &[
            "check",
            "t.yaml",
            "--base",
            &b.path().to_string_lossy(),
            "--select",
            "DDB501,DDB502",
            "--format",
            "json",
        ],
    );
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

fn table(name_line: &str, attrs: &str, keys: &str, extra: &str) -> String {
    format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  Stage:\n    Type: String\nResources:\n  T:\n    Type: AWS::DynamoDB::Table\n    {extra}\n    Properties:\n{name_line}      BillingMode: PAY_PER_REQUEST\n      AttributeDefinitions:\n{attrs}      KeySchema:\n{keys}"
    )
}

const PK_S: &str = "        - AttributeName: pk\n          AttributeType: S\n";
const PK_N: &str = "        - AttributeName: pk\n          AttributeType: N\n";
const HASH_PK: &str = "        - AttributeName: pk\n          KeyType: HASH\n";

fn messages(r: &Value, rule: &str) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn ddb502_key_attribute_type_and_name_changes() {
    let base = table("", PK_S, HASH_PK, "");
    let r = compare(&base, &table("", PK_N, HASH_PK, ""));
    let m = messages(&r, "DDB502");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].contains("type of key attribute pk of table T changed from S to N"),
        "{m:?}"
    );
    let r = compare(
        &base,
        &table("      TableName: orders-v2\n", PK_S, HASH_PK, ""),
    );
    let m = messages(&r, "DDB502");
    assert!(m.iter().any(|m| m.contains("is set to orders-v2")), "{m:?}");
    let base_named = table("      TableName: orders\n", PK_S, HASH_PK, "");
    let r = compare(
        &base_named,
        &table("      TableName: orders-v2\n", PK_S, HASH_PK, ""),
    );
    let m = messages(&r, "DDB502");
    assert!(
        m.iter()
            .any(|m| m.contains("changed from orders to orders-v2") && m.contains("update fails")),
        "{m:?}"
    );
    // An unknown name is never compared.
    let r = compare(
        &base_named,
        &table("      TableName: !Ref Stage\n", PK_S, HASH_PK, ""),
    );
    assert!(messages(&r, "DDB502").is_empty());
    // No change, no finding.
    let r = compare(&base, &base);
    assert!(r["findings"].as_array().unwrap().is_empty());
}

#[test]
fn ddb501_lsi_removed_and_changed() {
    let attrs = "        - AttributeName: pk\n          AttributeType: S\n        - AttributeName: sk\n          AttributeType: S\n        - AttributeName: at\n          AttributeType: S\n        - AttributeName: by\n          AttributeType: S\n";
    let keys = "        - AttributeName: pk\n          KeyType: HASH\n        - AttributeName: sk\n          KeyType: RANGE\n";
    let lsi = |range: &str| {
        format!(
            "{keys}      LocalSecondaryIndexes:\n        - IndexName: Idx\n          KeySchema:\n            - AttributeName: pk\n              KeyType: HASH\n            - AttributeName: {range}\n              KeyType: RANGE\n          Projection:\n            ProjectionType: ALL\n"
        )
    };
    let base = table("", attrs, &lsi("at"), "");
    let r = compare(&base, &table("", attrs, keys, ""));
    let m = messages(&r, "DDB501");
    assert!(
        m.iter().any(|m| m.contains("Idx is removed from table T")),
        "{m:?}"
    );
    let r = compare(&base, &table("", attrs, &lsi("by"), ""));
    let m = messages(&r, "DDB501");
    assert!(
        m.iter()
            .any(|m| m.contains("key schema of local secondary index Idx")
                && m.contains("by (RANGE)")),
        "{m:?}"
    );
}

#[test]
fn cdk_resources_match_by_construct_path_not_logical_id() {
    let meta = |path: &str| format!("Metadata:\n      aws:cdk:path: {path}");
    let base = table("", PK_S, HASH_PK, &meta("App/Data/Orders/Resource"));
    // The logical ID is content-hashed by CDK: a different one, same construct.
    let head = table("", PK_N, HASH_PK, &meta("App/Data/Orders/Resource"))
        .replace("\n  T:\n", "\n  OrdersABC123:\n");
    let r = compare(&base, &head);
    assert_eq!(messages(&r, "DDB502").len(), 1, "{r}");
    // Another construct path with the old logical ID is another table.
    let head = table("", PK_N, HASH_PK, &meta("App/Data/Other/Resource"));
    let r = compare(&base, &head);
    assert!(messages(&r, "DDB502").is_empty(), "{r}");
}

#[test]
fn the_base_tree_honours_gitignore_like_the_head() {
    let (dir, _) = repo(&pr_data().join("base"), &pr_data().join("base"));
    let d = dir.path();
    // A template committed in an ignored directory: skipped in head, and so in the base.
    std::fs::write(d.join(".gitignore"), "generated/\n").unwrap();
    std::fs::create_dir(d.join("generated")).unwrap();
    std::fs::copy(
        pr_data().join("base/infra/orders.yaml"),
        d.join("generated/orders.yaml"),
    )
    .unwrap();
    git(d, &["add", "-f", "-A"]);
    git(d, &["commit", "-qm", "generated"]);
    git(d, &["tag", "with-generated"]);
    std::fs::remove_dir_all(d.join("generated")).unwrap();
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "drop generated"]);
    let out = run(
        d,
        &["check", ".", "--base", "with-generated", "--format", "json"],
    );
    let r = json(&out);
    let s = states(&r);
    assert!(!s.is_empty());
    assert!(s.iter().all(|(_, _, st)| st == "unchanged"), "{s:?}");
}

#[test]
fn the_summary_counts_new_unchanged_and_fixed_and_what_only_new_hid() {
    let (dir, _) = repo(&pr_data().join("base"), &pr_data().join("head"));
    let out = run(
        dir.path(),
        &["check", ".", "--base", "HEAD~1", "--format", "json"],
    );
    let r = report_of(&out, 1);
    let count = |state: &str| states(&r).iter().filter(|(_, _, s)| s == state).count();
    let changes = &r["summary"]["changes"];
    assert_eq!(changes["new"], count("new"));
    assert_eq!(changes["unchanged"], count("unchanged"));
    assert_eq!(changes["fixed"], count("absent"));
    assert_eq!(changes["hidden"], 0);
    assert!(count("new") > 0 && count("unchanged") > 0 && count("absent") > 0);
    let unchanged = count("unchanged");

    let out = run(
        dir.path(),
        &[
            "check",
            ".",
            "--base",
            "HEAD~1",
            "--only-new",
            "--format",
            "json",
        ],
    );
    let r = report_of(&out, 1);
    assert_eq!(r["summary"]["changes"]["hidden"], unchanged);
    assert_eq!(r["summary"]["changes"]["unchanged"], unchanged);

    let out = run(
        dir.path(),
        &["check", ".", "--base", "HEAD~1", "--only-new"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("compared with the base: "), "{text}");
    assert!(
        text.contains(&format!("; {unchanged} unchanged findings are not shown")),
        "{text}"
    );
    // Without a base, the JSON summary has no changes.
    let out = run(dir.path(), &["check", ".", "--format", "json"]);
    assert!(report_of(&out, 1)["summary"].get("changes").is_none());
}
