//! The config file end to end: the bundled example against the JSON Schema, what
//! `ddbguard init` writes, discovery, `--config`, and exit status 2 on a bad config.

use ddbguard::config::{Config, RULE_OPTIONS};
use ddbguard::rules::rule_id;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/ddbguard.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).expect("the schema is a valid JSON Schema")
}

/// YAML to JSON, as an editor's schema validation sees it.
fn yaml_json(text: &str) -> Value {
    serde_yaml::from_str::<Option<Value>>(text)
        .expect("valid YAML")
        .unwrap_or(Value::Null)
}

fn schema_errors(text: &str) -> Vec<String> {
    let instance = yaml_json(text);
    schema()
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn bundled_example_validates_against_the_schema_and_loads() {
    let text = std::fs::read_to_string(root().join("ddbguard.example.yaml")).unwrap();
    assert_eq!(schema_errors(&text), Vec::<String>::new());
    let config = Config::parse(&text, Path::new("ddbguard.example.yaml"), &rule_id).unwrap();
    assert_eq!(config.default_tier(), "standard");
    assert_eq!(config.tier_tag(), "compliance-tier");
    assert!(config.rules.contains_key("DDB102"));
    // Every top-level key is shown.
    for key in [
        "default_tier:",
        "tier_tag:",
        "tiers:",
        "tables:",
        "rules:",
        "exclude:",
        "suppressions:",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(key)),
            "{key} missing from the example"
        );
    }
}

#[test]
fn full_config_validates_and_loads() {
    let text = std::fs::read_to_string(root().join("testdata/config/full.yaml")).unwrap();
    assert_eq!(schema_errors(&text), Vec::<String>::new());
    let config = Config::parse(&text, Path::new("full.yaml"), &rule_id).unwrap();
    assert_eq!(config.default_tier(), "internal");
    assert_eq!(config.tables.len(), 3);
    assert_eq!(config.suppressions.len(), 2);
    assert_eq!(config.suppressions[1].rule, "DDB104");
    assert_eq!(config.rules["DDB102"].options["min_days"], 14);
}

#[test]
fn init_template_is_the_example_and_loads() {
    let text = std::fs::read_to_string(root().join("ddbguard.example.yaml")).unwrap();
    assert_eq!(ddbguard::config::INIT_TEMPLATE, text);
    Config::parse(
        ddbguard::config::INIT_TEMPLATE,
        Path::new(".ddbguard.yaml"),
        &rule_id,
    )
    .unwrap();
}

/// Configs both the loader and the schema reject.
#[test]
fn schema_and_loader_agree_on_bad_configs() {
    let bad = [
        "rulez: {}\n",
        "rules:\n  DDB101: loud\n",
        "rules:\n  DDB102: {min_days: 90}\n",
        "rules:\n  DDB102: {min_day: 9}\n",
        "rules:\n  DDB101: {min_days: 9}\n",
        "rules:\n  pitr-recovery-period-short: {min_days: 0}\n",
        "exclude: '*.yaml'\n",
        "tiers:\n  secret: customer-owned\n",
        "tables:\n  - tier: regulated\n",
        "tables:\n  - name: x\n",
        "tables:\n  - name: x\n    tier: regulated\n    owner: me\n",
        "suppressions:\n  - reason: x\n",
        "suppressions:\n  - rule: DDB101\n    expires: 2030/01/01\n",
        "suppressions:\n  - rule: DDB101\n    until: 2030-01-01\n",
        "tier_tag: ''\n",
        "- a\n",
    ];
    for text in bad {
        assert!(
            Config::parse(text, Path::new("c.yaml"), &rule_id).is_err(),
            "the loader accepts {text:?}"
        );
        assert!(
            !schema_errors(text).is_empty(),
            "the schema accepts {text:?}"
        );
    }
}

/// The schema generated from the config's types agrees with the option table the rules
/// read their defaults and bounds from.
#[test]
fn every_rule_option_is_in_the_schema() {
    let text = std::fs::read_to_string(root().join("schema/ddbguard.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let resolve = |v: &Value| -> Value {
        match v["$ref"].as_str() {
            Some(r) => schema["$defs"][r.trim_start_matches("#/$defs/")].clone(),
            None => v.clone(),
        }
    };
    for option in RULE_OPTIONS {
        let rule = resolve(&schema["properties"]["rules"]["properties"][option.rule]);
        let alternatives = rule["oneOf"].as_array().expect("a level or a mapping");
        let table = alternatives
            .iter()
            .map(&resolve)
            .find(|t| t["type"] == "object")
            .expect("a mapping");
        let prop = &table["properties"][option.name];
        assert_eq!(
            prop["minimum"], option.min,
            "{}.{}",
            option.rule, option.name
        );
        assert_eq!(
            prop["maximum"], option.max,
            "{}.{}",
            option.rule, option.name
        );
        assert_eq!(
            prop["default"], option.default,
            "{}.{}",
            option.rule, option.name
        );
        // The rule's name takes the same options.
        let name = ddbguard::rules::meta_by_id(option.rule)
            .expect("a built-in rule")
            .name;
        assert_eq!(
            schema["properties"]["rules"]["properties"][option.rule],
            schema["properties"]["rules"]["properties"][name],
            "{name}"
        );
    }
}

fn ddbguard(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TEMPLATE: &str = "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n      AttributeDefinitions:\n        - AttributeName: id\n          AttributeType: S\n";

#[test]
fn bad_config_exits_2_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), TEMPLATE).unwrap();
    std::fs::write(
        dir.path().join(".ddbguard.yaml"),
        "rules:\n  DDB101: loud\n",
    )
    .unwrap();
    let (code, stdout, stderr) = ddbguard(dir.path(), &["check", "app.yaml"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(
        stderr.trim(),
        ".ddbguard.yaml:2:11: unknown level \"loud\": expected off, note, warning or error"
    );
    assert!(stdout.is_empty());
    // A named config that does not exist.
    let (code, _, stderr) = ddbguard(dir.path(), &["check", "--config", "nope.yaml", "app.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("nope.yaml: "), "{stderr}");
}

#[test]
fn config_is_found_upward_and_overridden_by_flag() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("infra/app");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("app.yaml"), TEMPLATE).unwrap();
    let json = [
        "check",
        "--format",
        "json",
        "--fail-on",
        "never",
        "app.yaml",
    ];
    let rules_of = |stdout: &str| -> Vec<(String, String)> {
        let v: Value = serde_json::from_str(stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (code, stdout, stderr) = ddbguard(&sub, &json);
    assert_eq!(code, 0, "{stderr}");
    let before = rules_of(&stdout);
    assert!(
        before.contains(&("DDB101".into(), "error".into())),
        "{before:?}"
    );
    std::fs::write(
        dir.path().join(".ddbguard.yaml"),
        "rules:\n  pitr-disabled: off\n  DDB103: note\n",
    )
    .unwrap();
    let (_, stdout, stderr) = ddbguard(&sub, &json);
    let after = rules_of(&stdout);
    assert!(
        !after.iter().any(|(id, _)| id == "DDB101"),
        "{after:?} {stderr}"
    );
    assert!(
        after.contains(&("DDB103".into(), "note".into())),
        "{after:?}"
    );
    // --config wins over the file found upward.
    std::fs::write(sub.join("strict.yaml"), "rules:\n  DDB103: error\n").unwrap();
    let mut args = json.to_vec();
    args.splice(1..1, ["--config", "strict.yaml"]);
    let (_, stdout, _) = ddbguard(&sub, &args);
    let strict = rules_of(&stdout);
    assert!(
        strict.contains(&("DDB101".into(), "error".into())),
        "{strict:?}"
    );
    assert!(
        strict.contains(&("DDB103".into(), "error".into())),
        "{strict:?}"
    );
}

#[test]
fn init_writes_a_config_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = ddbguard(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(dir.path().join("app.yaml"), TEMPLATE).unwrap();
    let (code, stdout, stderr) = ddbguard(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "app.yaml",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["summary"]["findings"].as_u64().unwrap() > 0);
}

#[test]
fn config_sets_tiers_and_rule_options_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("infra/pci");
    std::fs::create_dir_all(&infra).unwrap();
    let table = |id: &str, name: &str, extra: &str| {
        format!(
            "  {id}:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: {name}\n      BillingMode: PAY_PER_REQUEST\n      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n      AttributeDefinitions:\n        - AttributeName: id\n          AttributeType: S\n{extra}"
        )
    };
    let pitr7 = "      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: true\n        RecoveryPeriodInDays: 7\n";
    let sse = "      SSESpecification:\n        SSEEnabled: true\n";
    std::fs::write(
        infra.join("app.yaml"),
        format!(
            "Resources:\n{}{}",
            table("Payments", "payments-prod", pitr7),
            table("Sessions", "sessions", sse)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".ddbguard.yaml"),
        "default_tier: internal\ntiers:\n  internal: aws-managed\ntables:\n  - name: 'payments-*'\n    tier: regulated\nrules:\n  DDB102: {min_days: 7}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = ddbguard(
        dir.path(),
        &[
            "check",
            "infra",
            "--format",
            "json",
            "--select",
            "DDB102,DDB201",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let findings: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Payments: regulated by the tables entry; Sessions: internal by default and SSE on.
    // DDB102 accepts 7 days with min_days: 7.
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "DDB201");
    assert!(
        findings[0].1.starts_with(
            "table Payments is encrypted with an AWS owned key, below its tier regulated (from the tables entry on line 5 of the config)"
        ),
        "{findings:?}"
    );
}

/// Configs both the loader and the schema accept.
#[test]
fn schema_and_loader_agree_on_good_configs() {
    let good = [
        "",
        "rules:\ntiers:\ntables:\nexclude:\nsuppressions:\n",
        "rules:\n  DDB101: off\n  pitr-disabled-not: note\n",
        "tiers:\n  Secret: customer-managed\ndefault_tier: secret\n",
        "rules:\n  DDB102: warning\n  DDB404: {level: off}\n",
    ];
    for text in good {
        assert!(
            schema_errors(text).is_empty(),
            "the schema rejects {text:?}: {:?}",
            schema_errors(text)
        );
    }
    // A rule name the catalog does not have: the schema only checks its form.
    assert!(Config::parse(good[2], Path::new("c.yaml"), &rule_id).is_err());
    for text in [good[0], good[1], good[3], good[4]] {
        if let Err(e) = Config::parse(text, Path::new("c.yaml"), &rule_id) {
            panic!("the loader rejects {text:?}: {e}");
        }
    }
}

/// DDB404 is off by default; `rules: {DDB404: note}` in the config turns it on.
#[test]
fn an_opt_in_rule_runs_when_the_config_gives_it_a_severity() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("testdata/rules/DDB404/fail_unset.yaml"),
        dir.path().join("app.yaml"),
    )
    .unwrap();
    let rules_of = |args: &[&str]| -> Vec<String> {
        let out = Command::new(env!("CARGO_BIN_EXE_ddbguard"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect()
    };
    let args = ["check", "app.yaml", "--format", "json"];
    assert!(!rules_of(&args).contains(&"DDB404".to_string()));
    std::fs::write(
        dir.path().join(".ddbguard.yaml"),
        "rules:\n  DDB404: note\n",
    )
    .unwrap();
    assert!(rules_of(&args).contains(&"DDB404".to_string()));
    std::fs::write(dir.path().join(".ddbguard.yaml"), "rules:\n  DDB404: off\n").unwrap();
    assert!(!rules_of(&args).contains(&"DDB404".to_string()));
}

/// The README's config examples (YAML blocks that start with a config key) validate against
/// the schema, as the example `ddbguard init` writes does.
#[test]
fn readme_config_examples_validate_against_the_schema() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let keys = [
        "default_tier:",
        "tier_tag:",
        "tiers:",
        "tables:",
        "rules:",
        "exclude:",
        "suppressions:",
        "policies:",
    ];
    let mut checked = 0;
    for block in readme.split("```yaml\n").skip(1) {
        let text = block.split("```").next().unwrap_or_default();
        if !keys.iter().any(|k| text.starts_with(k)) {
            continue;
        }
        assert_eq!(schema_errors(text), Vec::<String>::new(), "{text}");
        checked += 1;
    }
    assert!(checked > 0, "no config example found in the README");
}
