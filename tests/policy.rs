//! Guard policies end to end: loading, the three documents, findings through every report,
//! suppressions and severities, evaluation errors, and `ddbguard policy test` on the AWS
//! Guard Rules Registry's own test specs.

mod common;

use common::{ddbguard, json};
use std::path::{Path, PathBuf};

const PITR: &str = "examples/policies/pitr_every_table.guard";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> std::process::Output {
    ddbguard(root(), args)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `(rule, path, line, resource, cdk_path, suppressed)` of a finding.
type Seen = (String, String, u64, String, Option<String>, bool);

/// [`Seen`] of every finding of `rules`.
fn findings(report: &serde_json::Value, rules: &[&str]) -> Vec<Seen> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| rules.contains(&f["rule_id"].as_str().unwrap()))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["location"]["start_line"].as_u64().unwrap(),
                f["resource"]["id"].as_str().unwrap_or_default().to_string(),
                f["resource"]["cdk_path"].as_str().map(str::to_string),
                !f["suppression"].is_null(),
            )
        })
        .collect()
}

#[test]
fn one_policy_catches_tables_without_pitr_in_cloudformation_cdk_and_terraform() {
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "testdata/rules/DDB101/fail_cdk_assembly",
        "testdata/policy/terraform",
        "--policy",
        PITR,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let s = |x: &str| x.to_string();
    let nested = "testdata/rules/DDB101/fail_cdk_assembly/DataStackArchiveNestedStackArchive97AE72BA.nested.template.json";
    assert_eq!(
        findings(&report, &["ORG_TABLE_PITR", "ORG_REPLICA_PITR"]),
        [
            // PointInTimeRecoveryEnabled: false, at the value.
            (
                s("ORG_TABLE_PITR"),
                s("testdata/policy/cloudformation/tables.yaml"),
                15,
                s("OrdersTable"),
                None,
                false
            ),
            // Not set: at the logical ID.
            (
                s("ORG_TABLE_PITR"),
                s("testdata/policy/cloudformation/tables.yaml"),
                16,
                s("SessionsTable"),
                None,
                false
            ),
            // Suppressed in its Metadata.
            (
                s("ORG_TABLE_PITR"),
                s("testdata/policy/cloudformation/tables.yaml"),
                26,
                s("LegacyTable"),
                None,
                true
            ),
            (
                s("ORG_TABLE_PITR"),
                s("testdata/policy/terraform/main.tf"),
                19,
                s("aws_dynamodb_table.per_service[\"orders\"]"),
                None,
                false
            ),
            (
                s("ORG_TABLE_PITR"),
                s("testdata/policy/terraform/main.tf"),
                23,
                s("aws_dynamodb_table.events"),
                None,
                false
            ),
            // Suppressed by a comment.
            (
                s("ORG_TABLE_PITR"),
                s("testdata/policy/terraform/main.tf"),
                33,
                s("aws_dynamodb_table.scratch"),
                None,
                true
            ),
            (
                s("ORG_TABLE_PITR"),
                s(nested),
                8,
                s("ArchiveTable4E5864BF"),
                Some(s(
                    "DataStack/Archive.NestedStack/Archive/ArchiveTable/Resource"
                )),
                false
            ),
        ]
    );
    let first = &report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "ORG_TABLE_PITR")
        .unwrap();
    assert_eq!(
        first["message"],
        "the table has no point-in-time recovery: a bad write or delete cannot be undone"
    );
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .starts_with("enable point-in-time recovery")
    );
    assert_eq!(first["rule_name"], "ORG_TABLE_PITR");
    assert_eq!(first["severity"], "error");
}

#[test]
fn registry_rules_run_on_templates_as_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bucket.yaml"),
        "Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n    Properties:\n      VersioningConfiguration:\n        Status: Suspended\n  Data:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("versioning.guard"),
        "let buckets = Resources.*[ Type == 'AWS::S3::Bucket' ]\n\
         rule BUCKET_VERSIONING when %buckets !empty {\n\
           %buckets.Properties.VersioningConfiguration.Status == 'Enabled'\n\
         }\n",
    )
    .unwrap();
    let out = ddbguard(
        dir.path(),
        &[
            "check",
            ".",
            "--policy",
            "versioning.guard",
            "--select",
            "BUCKET_VERSIONING",
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    let got: Vec<(u64, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["start_line"].as_u64().unwrap(),
                f["resource"]["id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                6,
                "Logs".into(),
                "Status is \"Suspended\", expected == \"Enabled\"".into()
            ),
            (
                7,
                "Data".into(),
                "Properties.VersioningConfiguration.Status is missing".into()
            ),
        ]
    );
}

#[test]
fn exit_codes() {
    // Findings of a policy rule: 1.
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        PITR,
        "--select",
        "ORG_TABLE_PITR",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // None: 0.
    let out = run(&[
        "check",
        "testdata/rules/DDB101/pass_enabled.json",
        "--policy",
        PITR,
        "--select",
        "ORG_TABLE_PITR",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A policy that does not exist, a directory without policies: 2.
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        "no/such.guard",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no/such.guard: cannot read the policy"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        "testdata/policy/terraform",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("testdata/policy/terraform: no .guard files"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_policy_that_does_not_parse_stops_the_run_at_its_line_and_column() {
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        "testdata/policy/policies/broken.guard",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).starts_with(
            "ddbguard: testdata/policy/policies/broken.guard:4:36: the policy does not parse"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rule_names_are_unique_and_distinct_from_built_in_ids() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.guard"),
        "rule SAME { Resources exists }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.guard"),
        "# b\nrule SAME { Resources exists }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("c.guard"),
        "rule DDB101 { Resources exists }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("t.yaml"), "Resources: {}\n").unwrap();
    let out = ddbguard(
        dir.path(),
        &[
            "check", "t.yaml", "--policy", "a.guard", "--policy", "b.guard",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "ddbguard: b.guard:2: rule SAME is also defined at a.guard:1: policy rule names must be unique"
    );
    let out = ddbguard(dir.path(), &["check", "t.yaml", "--policy", "c.guard"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("c.guard:1: rule DDB101 has the name of the built-in rule DDB101"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_rule_that_errors_is_ddb004_at_the_policy_file_and_the_others_still_run() {
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        "testdata/policy/policies/error.guard",
        "--policy",
        PITR,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let all = report["findings"].as_array().unwrap();
    let errors: Vec<_> = all.iter().filter(|f| f["rule_id"] == "DDB004").collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "testdata/policy/policies/error.guard");
    assert_eq!(errors[0]["location"]["start_line"], 1);
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("policy testdata/policy/policies/error.guard could not be evaluated on testdata/policy/cloudformation/tables.yaml: cfn-guard failed to evaluate it: Regex"),
        "{message}"
    );
    assert!(
        errors[0]["help"]
            .as_str()
            .unwrap()
            .contains("BROKEN_PATTERN")
    );
    assert!(all.iter().any(|f| f["rule_id"] == "ORG_TABLE_PITR"));
    assert!(!all.iter().any(|f| f["rule_id"] == "BROKEN_PATTERN"));
}

#[test]
fn sarif_lists_policy_rules_and_points_results_at_them() {
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        PITR,
        "--format",
        "sarif",
    ]);
    let sarif = json(&out);
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let index = rules
        .iter()
        .position(|r| r["id"] == "ORG_TABLE_PITR")
        .expect("policy rule in rules[]");
    assert!(rules.iter().any(|r| r["id"] == "ORG_REPLICA_PITR"));
    assert!(rules.iter().any(|r| r["id"] == "DDB101"));
    assert_eq!(rules[index]["properties"]["policy"], PITR);
    assert_eq!(rules[index]["defaultConfiguration"]["level"], "error");
    let results: Vec<_> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "ORG_TABLE_PITR")
        .collect();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["ruleIndex"] == index));
    assert_eq!(
        results
            .iter()
            .filter(|r| r["suppressions"].is_array())
            .count(),
        1
    );
}

/// A policy rule has no page of ours: the human report points at its file and `explain`,
/// the GitHub summary names it without a link; a built-in rule keeps its page.
#[test]
fn human_and_github_reports_point_policy_rules_at_their_file() {
    let human = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        PITR,
        "--format",
        "human",
        "--color",
        "never",
    ]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(&format!(
            "  policy: {PITR} (ddbguard explain ORG_TABLE_PITR)"
        )),
        "{text}"
    );
    assert!(!text.contains("rules/ORG_TABLE_PITR.md"), "{text}");
    assert!(text.contains("rules/DDB101.md"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .args([
            "check",
            "testdata/policy/cloudformation",
            "--policy",
            PITR,
            "--format",
            "github",
        ])
        .current_dir(root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("| ORG_TABLE_PITR |"), "{md}");
    assert!(!md.contains("rules/ORG_TABLE_PITR.md"), "{md}");
}

#[test]
fn policy_findings_are_suppressed_by_config_entries_and_follow_select() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &root().join("testdata/policy/cloudformation"),
        &dir.path().join("infra"),
    );
    std::fs::copy(root().join(PITR), dir.path().join("pitr.guard")).unwrap();
    std::fs::write(
        dir.path().join(".ddbguard.yaml"),
        "suppressions:\n  - rule: ORG_TABLE_PITR\n    resource: Sessions*\n    reason: sessions expire after a day\n",
    )
    .unwrap();
    let out = ddbguard(
        dir.path(),
        &[
            "check",
            "infra",
            "--policy",
            "pitr.guard",
            "--select",
            "ORG_TABLE_PITR",
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    let f = findings(&report, &["ORG_TABLE_PITR"]);
    let suppressed: Vec<&str> = f.iter().filter(|x| x.5).map(|x| x.3.as_str()).collect();
    assert_eq!(suppressed, ["SessionsTable", "LegacyTable"]);
    assert_eq!(report["summary"]["findings"], 1);
}

#[test]
fn rules_and_explain_know_policy_rules() {
    let out = run(&["rules", "--policy", PITR]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Guard policy rules:"), "{text}");
    assert!(text.contains("ORG_TABLE_PITR"), "{text}");
    let out = run(&["rules", "--format", "json", "--policy", PITR]);
    let catalog = json(&out);
    let rule = catalog["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ORG_REPLICA_PITR")
        .unwrap();
    assert_eq!(rule["policy"], PITR);
    let out = run(&["explain", "ORG_TABLE_PITR", "--policy", PITR]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rule ORG_TABLE_PITR when %tables !empty {"),
        "{text}"
    );
    assert!(
        !text.contains("ORG_REPLICA_PITR when"),
        "only the rule asked for: {text}"
    );
}

#[test]
fn model_documents_show_what_policies_see() {
    let out = run(&["model", "--documents", "testdata/policy/terraform"]);
    let docs = json(&out);
    let model = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "model")
        .unwrap();
    let tables = model["value"]["tables"].as_array().unwrap();
    let orders = tables
        .iter()
        .find(|t| t["id"] == "aws_dynamodb_table.per_service[\"orders\"]")
        .unwrap();
    assert_eq!(orders["pitr"], false);
    assert_eq!(orders["hash_key"], "id");
    assert_eq!(orders["path"], "testdata/policy/terraform/main.tf");
}

#[test]
fn policy_test_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(PITR), dir.path().join("pitr.guard")).unwrap();
    let spec = |expected: &str| {
        format!(
            "- name: one table without PITR\n  input:\n    tables:\n      - id: T\n        table_kind: table\n        replicas: []\n  expectations:\n    rules:\n      ORG_TABLE_PITR: {expected}\n      ORG_REPLICA_PITR: SKIP\n"
        )
    };
    std::fs::write(dir.path().join("ok.yaml"), spec("FAIL")).unwrap();
    std::fs::write(dir.path().join("wrong.yaml"), spec("PASS")).unwrap();
    let out = ddbguard(
        dir.path(),
        &[
            "policy",
            "test",
            "--rules",
            "pitr.guard",
            "--test-data",
            "ok.yaml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = ddbguard(
        dir.path(),
        &[
            "policy",
            "test",
            "--rules",
            "pitr.guard",
            "--test-data",
            "wrong.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("  FAIL Rules:\n    ORG_TABLE_PITR: Expected = PASS, Evaluated = [FAIL]"),
        "{text}"
    );
    let out = ddbguard(
        dir.path(),
        &[
            "policy",
            "test",
            "--rules",
            "pitr.guard",
            "--test-data",
            "missing.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// The registry's specs whose expectations name a rule the paired file does not define
/// (cfn-guard checks nothing for them either, and says so).
const MISNAMED: &[&str] = &[
    "cfn_no_explicit_resource_names_tests.yml",
    "s3_bucket_default_lock_enable_tests.yml",
];

/// Every test spec of the AWS Guard Rules Registry holds through `ddbguard policy test`.
#[test]
fn registry_specs_hold() {
    let registry = root().join("../shared/guard-registry/rules/aws");
    if !registry.is_dir() {
        eprintln!("skipped: {} is not here", registry.display());
        return;
    }
    let mut specs = Vec::new();
    for service in std::fs::read_dir(&registry).unwrap().flatten() {
        if let Ok(tests) = std::fs::read_dir(service.path().join("tests")) {
            specs.extend(tests.flatten().map(|e| e.path()));
        }
    }
    specs.sort();
    let mut failed = Vec::new();
    let mut ran = 0;
    for spec in &specs {
        let name = spec.file_name().unwrap().to_string_lossy().to_string();
        let Some(rules) = paired_rules(spec) else {
            failed.push(format!("{}: no rule file to pair with", spec.display()));
            continue;
        };
        let out = ddbguard(
            root(),
            &[
                "policy",
                "test",
                "--rules",
                rules.to_str().unwrap(),
                "--test-data",
                spec.to_str().unwrap(),
            ],
        );
        ran += 1;
        if out.status.code() != Some(0) {
            failed.push(format!(
                "{}: exit {:?}\n{}{}",
                spec.display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            ));
        }
        let unchecked = stderr(&out).contains("so its expectation was not checked");
        assert_eq!(
            unchecked,
            MISNAMED.contains(&name.as_str()),
            "{name}: {}",
            stderr(&out)
        );
    }
    assert!(ran >= 160, "only {ran} specs found");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The rule file of a spec: the one in the service folder whose name the spec's stem starts
/// with (`x_tests.yml` → `x.guard`), else the one defining the rules the spec expects.
fn paired_rules(spec: &Path) -> Option<PathBuf> {
    let dir = spec.parent()?.parent()?;
    let stem = spec
        .file_stem()?
        .to_string_lossy()
        .trim_end_matches("_tests")
        .to_string();
    let guards: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "guard"))
        .collect();
    if let Some(g) = guards
        .iter()
        .find(|g| g.file_stem().is_some_and(|s| s.to_string_lossy() == stem))
    {
        return Some(g.clone());
    }
    let text = std::fs::read_to_string(spec).ok()?;
    guards
        .iter()
        .find(|g| {
            let rules = std::fs::read_to_string(g).unwrap_or_default();
            ddbguard::policy::load::declared_rules(&rules)
                .iter()
                .any(|(name, _)| text.contains(&format!("{name}:")))
        })
        .or_else(|| {
            guards.iter().find(|g| {
                g.file_stem()
                    .is_some_and(|s| s.to_string_lossy().starts_with(&stem))
            })
        })
        .cloned()
}

#[test]
fn config_policies_are_relative_to_the_config_and_rules_set_their_severity() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &root().join("testdata/policy/cloudformation"),
        &dir.path().join("infra"),
    );
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::copy(root().join(PITR), dir.path().join("policies/pitr.guard")).unwrap();
    std::fs::write(
        dir.path().join(".ddbguard.yaml"),
        "policies:\n  - policies\nrules:\n  ORG_TABLE_PITR: warning\n",
    )
    .unwrap();
    // Run from a subdirectory: the config is found upward, its policies relative to it.
    let out = ddbguard(
        &dir.path().join("infra"),
        &[
            "check",
            ".",
            "--select",
            "ORG_TABLE_PITR",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["summary"]["warnings"], 2);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "warning")
    );
    // A rule name that no policy defines is still an error in the config.
    std::fs::write(
        dir.path().join(".ddbguard.yaml"),
        "policies: [policies]\nrules:\n  ORG_TABLE_PTIR: warning\n",
    )
    .unwrap();
    let out = ddbguard(dir.path(), &["check", "infra"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".ddbguard.yaml:3:3: unknown rule \"ORG_TABLE_PTIR\""),
        "{}",
        stderr(&out)
    );
}

/// The example policies come with cfn-guard test specs; they hold.
#[test]
fn example_policy_specs_hold() {
    for name in [
        "pitr_every_table",
        "owner_tag",
        "billing_by_environment",
        "terraform_plan",
    ] {
        let out = run(&[
            "policy",
            "test",
            "--rules",
            &format!("examples/policies/{name}.guard"),
            "--test-data",
            &format!("examples/policies/tests/{name}_tests.yaml"),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The model documents of every test scope match the published schema.
#[test]
fn model_documents_match_their_schema() {
    let text = std::fs::read_to_string(root().join("schema/policy-model.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("a valid JSON Schema");
    let out = run(&[
        "model",
        "--documents",
        "testdata/policy",
        "testdata/rules",
        "testdata/cdk",
    ]);
    let docs = json(&out);
    let mut models = 0;
    for d in docs
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "model")
    {
        models += 1;
        let errors: Vec<String> = validator
            .iter_errors(&d["value"])
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", d["document"]);
    }
    assert!(models > 20, "{models} model documents");
}

/// An evaluation past its time budget is abandoned and reported, and the run goes on.
#[test]
fn a_policy_past_its_time_budget_is_ddb004() {
    let out = run(&[
        "check",
        "testdata/policy/cloudformation",
        "--policy",
        PITR,
        "--policy-timeout",
        "0",
        "--format",
        "json",
    ]);
    let report = json(&out);
    let errors: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "DDB004")
        .collect();
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|f| f["message"]
            .as_str()
            .unwrap()
            .ends_with("it ran past its time budget of 0 s and was stopped")),
        "{errors:?}"
    );
    // The built-in rules still ran.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "DDB101")
    );
}

/// Rules written for plan files give the same verdicts on a plan JSON and on the HCL it
/// was planned from; on HCL, findings stand at the value in the `.tf` file (the block
/// header when it is missing) and name the Terraform address, `for_each` instances of a
/// module included.
#[test]
fn plan_rules_run_on_hcl_as_on_the_plan() {
    let check = |dir: &str| {
        let out = run(&[
            "check",
            dir,
            "--policy",
            "examples/policies/terraform_plan.guard",
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        findings(
            &json(&out),
            &[
                "TF_TABLE_PITR",
                "TF_TABLE_DELETION_PROTECTION",
                "TF_TABLE_OWNER_TAG",
                "TF_TOPIC_ENCRYPTED",
            ],
        )
    };
    let hcl = check("testdata/policy/terraform-plan/hcl");
    let plan = check("testdata/policy/terraform-plan/plan");
    let verdicts = |f: &[Seen]| {
        let mut v: Vec<(String, String)> = f.iter().map(|f| (f.0.clone(), f.3.clone())).collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(verdicts(&hcl), verdicts(&plan));
    assert_eq!(verdicts(&hcl).len(), 8, "{hcl:?}");
    let at = |rule: &str, resource: &str| {
        hcl.iter()
            .filter(|f| f.0 == rule && f.3 == resource)
            .map(|f| (f.1.rsplit_once("hcl/").unwrap().1.to_string(), f.2))
            .collect::<Vec<_>>()
    };
    let main = |line| vec![("main.tf".to_string(), line)];
    // A value that fails: at the value; a value not set: at the block header.
    assert_eq!(at("TF_TABLE_PITR", "aws_dynamodb_table.events"), main(41));
    assert_eq!(
        at("TF_TABLE_DELETION_PROTECTION", "aws_dynamodb_table.events"),
        main(35)
    );
    assert_eq!(
        at("TF_TABLE_OWNER_TAG", "aws_dynamodb_table.events"),
        main(31)
    );
    assert_eq!(at("TF_TOPIC_ENCRYPTED", "aws_sns_topic.alerts"), main(52));
    // Suppressed by its comment, as any finding on HCL.
    assert!(
        hcl.iter().all(|f| f.5 == (f.0 == "TF_TOPIC_ENCRYPTED")),
        "{hcl:?}"
    );
    assert_eq!(
        at(
            "TF_TABLE_PITR",
            "module.stores[\"wishlists\"].aws_dynamodb_table.this"
        ),
        vec![("modules/store/main.tf".to_string(), 5)]
    );
}

#[test]
fn model_documents_show_hcl_as_a_plan() {
    let out = run(&["model", "--documents", "testdata/policy/terraform-plan/hcl"]);
    let docs = json(&out);
    let plan = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "terraform-plan")
        .expect("a plan-shaped document");
    let changes = plan["value"]["resource_changes"].as_array().unwrap();
    let by = |address: &str| {
        changes
            .iter()
            .find(|c| c["address"] == address)
            .unwrap_or_else(|| panic!("{address} in {changes:?}"))
    };
    let orders = by("aws_dynamodb_table.orders");
    assert_eq!(orders["type"], "aws_dynamodb_table");
    assert_eq!(orders["name"], "orders");
    assert_eq!(orders["change"]["actions"], serde_json::json!(["create"]));
    let after = &orders["change"]["after"];
    assert_eq!(after["name"], "orders-prod");
    assert_eq!(
        after["point_in_time_recovery"],
        serde_json::json!([{"enabled": true}])
    );
    // The key's ARN is known only after apply: left out of `after`, true in `after_unknown`.
    assert_eq!(
        after["server_side_encryption"],
        serde_json::json!([{"enabled": true}])
    );
    assert_eq!(
        orders["change"]["after_unknown"]["server_side_encryption"],
        serde_json::json!([{"kms_key_arn": true}])
    );
    let cart = by("module.stores[\"carts\"].aws_dynamodb_table.this");
    assert_eq!(cart["module_address"], "module.stores[\"carts\"]");
    assert_eq!(cart["change"]["after"]["tags"]["owner"], "carts-team");
    // Types ddbguard does not model are evaluated too.
    assert_eq!(
        by("aws_sns_topic.audit")["change"]["after"]["kms_master_key_id"],
        "alias/aws/sns"
    );
    assert!(
        by("aws_dynamodb_table.orders")
            .get("module_address")
            .is_none()
    );
}

/// The policy rules of a run belong to that run: two checks in one process with different
/// policies each list their own rules in SARIF `rules[]` (and point their results at them),
/// whichever was loaded last.
#[test]
fn each_run_lists_only_its_own_policy_rules() {
    use ddbguard::report::sarif;
    use std::sync::Arc;
    let settings = |policy: &str| ddbguard::Settings {
        policies: Arc::new(
            ddbguard::policy::load(&[root().join(policy)]).expect("the example policy loads"),
        ),
        ..ddbguard::Settings::default()
    };
    let pitr = settings(PITR);
    let owner = settings("examples/policies/owner_tag.guard");
    let none = ddbguard::Settings::default();
    let paths = [root().join("testdata/policy/cloudformation")];
    let built_in = ddbguard::rules::RULES.len();
    // (policy rules in rules[], the policy rules results name, the rule count)
    let listed = |settings: &ddbguard::Settings| {
        let report = ddbguard::check(&paths, settings).expect("the check runs");
        let log = sarif::sarif(&report, None);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let policy_rules: Vec<String> = rules[built_in..]
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        assert!(
            rules[..built_in]
                .iter()
                .all(|r| r["properties"]["policy"].is_null())
        );
        let mut named: Vec<String> = Vec::new();
        for r in run["results"].as_array().unwrap() {
            let id = r["ruleId"].as_str().unwrap();
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], id, "ruleIndex of {id}");
            if !id.starts_with("DDB") && !named.iter().any(|n| n == id) {
                named.push(id.to_string());
            }
        }
        named.sort();
        (policy_rules, named, rules.len())
    };
    for _ in 0..2 {
        let (rules, named, _) = listed(&pitr);
        assert_eq!(rules, ["ORG_TABLE_PITR", "ORG_REPLICA_PITR"]);
        assert_eq!(named, ["ORG_TABLE_PITR"]);
        let (rules, named, _) = listed(&owner);
        assert_eq!(rules, ["ORG_TABLE_OWNER_TAG"]);
        assert_eq!(named, ["ORG_TABLE_OWNER_TAG"]);
        let (rules, named, count) = listed(&none);
        assert!(rules.is_empty() && named.is_empty(), "{rules:?} {named:?}");
        assert_eq!(count, built_in);
    }
    // The catalog, the rule lookups and the human report take the same policies.
    let ids = |settings: &ddbguard::Settings| -> Vec<&str> {
        ddbguard::rules::catalog(&settings.policies)[built_in..]
            .iter()
            .map(|m| m.id)
            .collect()
    };
    assert_eq!(ids(&pitr), ["ORG_TABLE_PITR", "ORG_REPLICA_PITR"]);
    assert_eq!(ids(&owner), ["ORG_TABLE_OWNER_TAG"]);
    assert!(pitr.rule_meta("ORG_TABLE_OWNER_TAG").is_none());
    assert!(owner.rule_meta("ORG_TABLE_OWNER_TAG").is_some());
    assert!(none.rule_meta("ORG_TABLE_PITR").is_none());
    let human = ddbguard::report::human::render(&ddbguard::check(&paths, &owner).unwrap(), false);
    assert!(
        human.contains("owner_tag.guard (ddbguard explain ORG_TABLE_OWNER_TAG)"),
        "{human}"
    );
    assert!(!human.contains("pitr_every_table.guard"), "{human}");
    // An inline suppression of ORG_TABLE_PITR applies where that rule is loaded, and names
    // no rule (DDB003) where it is not.
    let unknown = |settings: &ddbguard::Settings| {
        ddbguard::check(&paths, settings)
            .unwrap()
            .findings
            .iter()
            .any(|f| f.rule_id == "DDB003" && f.message.contains("no rule \"ORG_TABLE_PITR\""))
    };
    assert!(!unknown(&pitr));
    assert!(unknown(&owner));
}

/// A plan beside the configuration it was made from: the plan speaks for the root module
/// to policies (one finding per rule and resource, not one from the plan and one from the
/// configuration), and each finding stands on the resource's block in the `.tf` file.
#[test]
fn plan_rules_on_a_plan_beside_its_configuration_report_once_on_the_tf_block() {
    let out = run(&[
        "check",
        "testdata/terraform/plan",
        "--policy",
        "examples/policies/terraform_plan.guard",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let seen = findings(
        &json(&out),
        &[
            "TF_TABLE_PITR",
            "TF_TABLE_DELETION_PROTECTION",
            "TF_TABLE_OWNER_TAG",
        ],
    );
    let mut once: Vec<(&str, &str)> = seen.iter().map(|f| (f.0.as_str(), f.3.as_str())).collect();
    once.sort();
    let all = once.len();
    once.dedup();
    assert_eq!(
        once.len(),
        all,
        "one finding per rule and resource: {seen:?}"
    );
    assert_eq!(all, 6, "{seen:?}");
    for f in &seen {
        assert!(f.1.ends_with(".tf"), "on the configuration: {f:?}");
        assert!(!f.3.is_empty(), "names its resource: {f:?}");
    }
}
