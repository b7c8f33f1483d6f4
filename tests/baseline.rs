//! The baseline file: `--write-baseline FILE` records today's findings and `--baseline FILE`
//! reports only the others; and the fingerprints it matches on, which must not move when
//! unrelated lines are added above a finding.

mod common;
use common::{copy_dir, ddbguard, json};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn status(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// What identifies a finding across edits: rule, path, resource, fingerprint.
type Identity = (String, String, String, String);

/// The identity of every finding, sorted, and their start lines.
fn identities(report: &Value) -> (Vec<Identity>, Vec<u64>) {
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    for f in report["findings"].as_array().expect("findings") {
        let s = |v: &Value| v.as_str().unwrap_or("").to_string();
        ids.push((
            s(&f["rule_id"]),
            s(&f["path"]),
            s(&f["resource"]["id"]),
            s(&f["fingerprint"]),
        ));
        lines.push(f["location"]["start_line"].as_u64().unwrap_or(0));
    }
    ids.sort();
    (ids, lines)
}

/// Put unrelated lines at the top of every template: a comment where the format has one,
/// blank lines in JSON. Returns how many files changed.
fn add_lines_above(dir: &Path) -> usize {
    let mut changed = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        if e.file_type().unwrap().is_dir() {
            changed += add_lines_above(&path);
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if text.starts_with('\u{feff}') {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let head = if name.ends_with(".json") || name.ends_with(".template") {
            "\n\n\n"
        } else if [".yaml", ".yml", ".tf", ".tfvars"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            "# an unrelated comment\n\n# and another\n"
        } else {
            continue;
        };
        std::fs::write(&path, format!("{head}{text}")).unwrap();
        changed += 1;
    }
    changed
}

#[test]
fn fingerprints_do_not_move_when_lines_are_added_above_a_finding() {
    // Every rule's fixtures (CloudFormation, CDK, Terraform) and the example application.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("testdata/rules"), &dir.path().join("rules"));
    copy_dir(
        &root().join("testdata/examples"),
        &dir.path().join("examples"),
    );
    let args = [
        "check",
        "rules",
        "examples",
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    let before = ddbguard(dir.path(), &args);
    assert_eq!(status(&before), Some(0), "{}", stderr(&before));
    let (ids_before, lines_before) = identities(&json(&before));
    assert!(ids_before.len() > 100, "{} findings", ids_before.len());

    assert!(add_lines_above(dir.path()) > 100);
    let after = ddbguard(dir.path(), &args);
    assert_eq!(status(&after), Some(0), "{}", stderr(&after));
    let (ids_after, lines_after) = identities(&json(&after));

    let moved = lines_before
        .iter()
        .zip(&lines_after)
        .filter(|(b, a)| b != a)
        .count();
    assert!(
        moved * 10 > lines_before.len() * 9,
        "only {moved} of {} findings moved down",
        lines_before.len()
    );
    let gone: Vec<_> = ids_before
        .iter()
        .filter(|i| !ids_after.contains(i))
        .collect();
    let new: Vec<_> = ids_after
        .iter()
        .filter(|i| !ids_before.contains(i))
        .collect();
    assert!(
        gone.is_empty() && new.is_empty() && ids_before == ids_after,
        "fingerprints moved:\nbefore only: {gone:#?}\nafter only: {new:#?}"
    );
}

/// `ddbguard check infra --baseline baseline.json --format FORMAT` in `dir`.
fn with_baseline(dir: &Path, format: &str) -> std::process::Output {
    ddbguard(
        dir,
        &[
            "check",
            "infra",
            "--baseline",
            "baseline.json",
            "--format",
            format,
        ],
    )
}

const NEW_TABLE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AuditTable:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      BillingMode: PAY_PER_REQUEST
      DeletionProtectionEnabled: true
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
"#;

#[test]
fn a_baseline_passes_todays_findings_and_fails_on_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&root().join("testdata/examples"), &d.join("infra"));

    // Today: findings, errors among them.
    let today = ddbguard(d, &["check", "infra", "--format", "json"]);
    assert_eq!(status(&today), Some(1), "{}", stderr(&today));
    let today = json(&today);
    let counted = today["summary"]["findings"].as_u64().unwrap();
    assert!(today["summary"]["errors"].as_u64().unwrap() > 0);

    // Write the baseline: the run still reports (and fails on) today's findings.
    let write = ddbguard(d, &["check", "infra", "--write-baseline", "baseline.json"]);
    assert_eq!(status(&write), Some(1), "{}", stderr(&write));
    let text = std::fs::read_to_string(d.join("baseline.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["version"], 1);
    let entries = file["findings"].as_array().unwrap();
    assert_eq!(entries.len() as u64, counted);
    let keys: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] <= w[1]),
        "not sorted: {keys:?}"
    );
    // Written again: the same bytes.
    ddbguard(d, &["check", "infra", "--write-baseline", "again.json"]);
    assert_eq!(std::fs::read_to_string(d.join("again.json")).unwrap(), text);

    // With the baseline: nothing new, exit 0.
    let pass = with_baseline(d, "json");
    assert_eq!(status(&pass), Some(0), "{}", stderr(&pass));
    let report = json(&pass);
    assert_eq!(report["summary"]["findings"], 0, "{report:#}");
    let human = with_baseline(d, "human");
    assert_eq!(status(&human), Some(0));
    let human = String::from_utf8_lossy(&human.stdout).to_string();
    assert!(
        human.contains(&format!(
            "{counted} findings in baseline.json are not shown"
        )),
        "{human}"
    );

    // Unrelated lines above every finding: still nothing new.
    assert!(add_lines_above(&d.join("infra")) >= 3);
    let pass = with_baseline(d, "human");
    assert_eq!(
        status(&pass),
        Some(0),
        "{}",
        String::from_utf8_lossy(&pass.stdout)
    );

    // A new table without point-in-time recovery: one new error, exit 1.
    std::fs::write(d.join("infra/cloudformation/audit.yaml"), NEW_TABLE).unwrap();
    let fail = with_baseline(d, "json");
    assert_eq!(status(&fail), Some(1), "{}", stderr(&fail));
    let report = json(&fail);
    let counted: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["baseline_state"] != "absent" && f["suppression"].is_null())
        .collect();
    assert!(!counted.is_empty());
    assert!(
        counted.iter().all(|f| f["path"] == "infra/cloudformation/audit.yaml"
            && f["baseline_state"] == "new"),
        "{report:#}"
    );
    assert!(counted.iter().any(|f| f["rule_id"] == "DDB101"));

    // A fixed finding (a template removed) is listed as absent in SARIF, and not counted.
    std::fs::remove_file(d.join("infra/cloudformation/network.yaml")).unwrap();
    let sarif_run = with_baseline(d, "sarif");
    assert_eq!(status(&sarif_run), Some(1));
    let sarif = json(&sarif_run);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let state = |r: &Value| r["baselineState"].as_str().unwrap_or("").to_string();
    let uri = |r: &Value| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        results
            .iter()
            .any(|r| state(r) == "new" && uri(r).ends_with("audit.yaml"))
    );
    let absent: Vec<&Value> = results.iter().filter(|r| state(r) == "absent").collect();
    assert!(!absent.is_empty(), "{sarif:#}");
    assert!(absent.iter().all(|r| uri(r).ends_with("network.yaml")));
    assert!(absent.iter().all(|r| {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .is_some_and(|l| l >= 1)
    }));
}

#[test]
fn a_bad_baseline_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&root().join("testdata/examples"), &d.join("infra"));
    let missing = ddbguard(d, &["check", "infra", "--baseline", "nope.json"]);
    assert_eq!(status(&missing), Some(2));
    assert!(
        stderr(&missing).contains("nope.json"),
        "{}",
        stderr(&missing)
    );
    std::fs::write(d.join("bad.json"), r#"{"version": 1, "findings": 3}"#).unwrap();
    let bad = ddbguard(d, &["check", "infra", "--baseline", "bad.json"]);
    assert_eq!(status(&bad), Some(2));
    assert!(
        stderr(&bad).contains("not a ddbguard baseline"),
        "{}",
        stderr(&bad)
    );
    // --baseline and --base do not go together.
    let both = ddbguard(
        d,
        &["check", "infra", "--baseline", "bad.json", "--base", "HEAD"],
    );
    assert_eq!(status(&both), Some(2));
}

/// A baseline written at the repository root holds when the check runs from a directory
/// below it (fingerprints name paths relative to the root, not to the current directory).
#[test]
fn a_baseline_written_at_the_root_holds_from_a_subdirectory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::git(d, &["init", "-q"]);
    copy_dir(&root().join("testdata/examples"), &d.join("infra"));
    let written = ddbguard(
        d,
        &[
            "check",
            "infra",
            "--write-baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(status(&written), Some(1), "{}", stderr(&written));
    let total = json(&written)["findings"].as_array().unwrap().len();
    assert!(total > 0);
    for (cwd, paths, baseline) in [
        (d.join("infra"), ".", "../baseline.json"),
        (d.join("infra/cloudformation"), "..", "../../baseline.json"),
    ] {
        let out = ddbguard(
            &cwd,
            &["check", paths, "--baseline", baseline, "--format", "json"],
        );
        assert_eq!(status(&out), Some(0), "{}", stderr(&out));
        let report = json(&out);
        assert_eq!(report["summary"]["findings"], 0, "from {}", cwd.display());
        // The same fingerprints as at the root.
        let ran = ddbguard(&cwd, &["check", paths, "--format", "json"]);
        assert_eq!(identities(&json(&ran)).0.len(), total);
        let fingerprints = |r: &Value| -> Vec<String> {
            let mut v: Vec<String> = r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["fingerprint"].as_str().unwrap().to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(fingerprints(&json(&ran)), fingerprints(&json(&written)));
    }
}
