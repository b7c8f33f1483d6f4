//! Hostile inputs built at test time: each run stays within a time and memory cap, reports
//! the bound it met as a DDB001 at the value that met it, and still checks the control
//! template beside it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One megabyte of text.
fn big() -> String {
    "x".repeat(1_000_000)
}

/// A table without point-in-time recovery: DDB101 when it is checked.
const CONTROL: &str = "AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  Control:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      BillingMode: PAY_PER_REQUEST
";

/// Virtual memory the checks may use (`ulimit -v`, KB): a copy per alias or per instance
/// would need gigabytes.
const MEMORY_KB: u64 = 2_000_000;
/// Wall time each check may take (a debug build).
const TIME: Duration = Duration::from_secs(120);

/// Check a directory holding `name` with `text` and the control template; returns the
/// findings of the JSON report.
fn check_hostile(name: &str, text: &str) -> (tempfile::TempDir, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    std::fs::write(dir.path().join("control.yaml"), CONTROL).unwrap();
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_KB}; exec timeout {} \"$0\" check \"$1\" --format json --fail-on never",
            TIME.as_secs()
        ))
        .arg(env!("CARGO_BIN_EXE_ddbguard"))
        .arg(dir.path())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{name}: exit {:?} after {took:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap().clone();
    let control = findings
        .iter()
        .any(|f| f["rule_id"] == "DDB101" && f["path"].as_str().unwrap().ends_with("control.yaml"));
    assert!(control, "{name}: the control template was not checked");
    (dir, findings)
}

/// The DDB001 findings on `name`, with the text each one points at.
fn ddb001<'a>(
    dir: &Path,
    name: &str,
    findings: &'a [serde_json::Value],
) -> Vec<(&'a serde_json::Value, String)> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    findings
        .iter()
        .filter(|f| f["rule_id"] == "DDB001" && f["path"].as_str().unwrap().ends_with(name))
        .map(|f| {
            let line = f["location"]["start_line"].as_u64().unwrap() as usize;
            let col = f["location"]["start_column"].as_u64().unwrap() as usize;
            let at = lines[line - 1].chars().skip(col - 1).take(40).collect();
            (f, at)
        })
        .collect()
}

#[test]
fn a_large_scalar_aliased_ten_thousand_times() {
    let mut text = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nMetadata:\n  Big: &b \"{}\"\n  Copies:\n",
        big()
    );
    text.push_str(&"    - *b\n".repeat(10_000));
    text.push_str("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n");
    let (dir, findings) = check_hostile("aliases.yaml", &text);
    let found = ddb001(dir.path(), "aliases.yaml", &findings);
    let [(f, at)] = found.as_slice() else {
        panic!("{findings:#?}")
    };
    assert!(f["message"].as_str().unwrap().contains("alias"), "{f}");
    assert_eq!(at, "*b", "at the alias that passed the bound");
}

#[test]
fn a_large_body_in_a_loop_over_twenty_thousand_items() {
    let items: Vec<String> = (0..20_000).map(|i| format!("A{i}")).collect();
    let text = format!(
        "Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Tables:\n    - Name\n    - [{}]\n    - Table${{Name}}:\n        Type: AWS::DynamoDB::Table\n        Properties:\n          TableName: \"{}\"\n",
        items.join(", "),
        big()
    );
    let (dir, findings) = check_hostile("loop.yaml", &text);
    let found = ddb001(dir.path(), "loop.yaml", &findings);
    let [(f, at)] = found.as_slice() else {
        panic!("{findings:#?}")
    };
    assert!(f["message"].as_str().unwrap().contains("MB"), "{f}");
    assert_eq!(at, "Fn::ForEach::Tables:");
}

#[test]
fn a_join_repeating_a_large_parameter_default() {
    let refs = vec!["!Ref Big"; 10_000].join(", ");
    let text = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  Big:\n    Type: String\n    Default: \"{}\"\nResources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !Join [\"\", [{refs}]]\n",
        big()
    );
    let (dir, findings) = check_hostile("join.yaml", &text);
    let found = ddb001(dir.path(), "join.yaml", &findings);
    let [(f, at)] = found.as_slice() else {
        panic!("{findings:#?}")
    };
    assert!(
        f["message"].as_str().unwrap().contains("longer than"),
        "{f}"
    );
    assert!(at.starts_with("!Join"), "{at}");
}

/// A Terraform module whose `locals` hold a 1 MB string, then `rest`.
fn terraform(rest: &str) -> String {
    format!("locals {{\n  big = \"{}\"\n}}\n{rest}", big())
}

/// The one DDB001 on `main.tf` and the text it points at.
fn terraform_bound(rest: &str) -> (serde_json::Value, String) {
    let (dir, findings) = check_hostile("main.tf", &terraform(rest));
    let found = ddb001(dir.path(), "main.tf", &findings);
    let [(f, at)] = found.as_slice() else {
        panic!("{findings:#?}")
    };
    ((*f).clone(), at.clone())
}

#[test]
fn terraform_count_copying_a_large_value() {
    let (f, at) = terraform_bound(
        "resource \"aws_dynamodb_table\" \"t\" {\n  count = 10000\n  name = local.big\n  hash_key = \"id\"\n}\n",
    );
    assert!(
        f["message"].as_str().unwrap().contains("copy more than"),
        "{f}"
    );
    assert_eq!(at, "local.big");
}

#[test]
fn terraform_for_each_copying_a_large_value() {
    let (f, at) = terraform_bound(
        "resource \"aws_dynamodb_table\" \"t\" {\n  for_each = toset([for i in range(10000) : tostring(i)])\n  name = \"${local.big}${each.key}\"\n  hash_key = \"id\"\n}\n",
    );
    assert!(
        f["message"].as_str().unwrap().contains("copy more than"),
        "{f}"
    );
    assert_eq!(at, "local.big}${each.key}\"");
}

#[test]
fn terraform_for_expression_over_a_large_value() {
    let (f, at) = terraform_bound(
        "locals {\n  l = [for i in range(10000) : local.big]\n}\nresource \"aws_dynamodb_table\" \"t\" {\n  name = local.l[0]\n  hash_key = \"id\"\n}\n",
    );
    assert!(f["message"].as_str().unwrap().contains("not built"), "{f}");
    assert!(at.starts_with("[for i in range(10000)"), "{at}");
}

#[test]
fn terraform_string_functions_on_large_values() {
    for call in [
        "format(\"%1000000000s\", \"x\")",
        "join(local.big, range(10000))",
        "replace(local.big, \"x\", local.big)",
        "format(\"%s%s\", local.big, local.big)",
    ] {
        let (f, at) = terraform_bound(&format!(
            "resource \"aws_dynamodb_table\" \"t\" {{\n  name = {call}\n  hash_key = \"id\"\n}}\n"
        ));
        assert!(f["message"].as_str().unwrap().contains("not built"), "{f}");
        assert!(
            call.starts_with(&at[..at.len().min(call.len())]),
            "{call}: {at}"
        );
    }
}
