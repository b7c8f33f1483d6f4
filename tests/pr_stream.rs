//! Pull-request mode reads the base as a stream and keeps only what DDB501 and DDB502
//! compare: these runs pin its findings (messages, head spans, fingerprints, states) for
//! CloudFormation, CDK and Terraform, whether the base is a git ref or a directory, and
//! whatever directory the run starts in.

mod common;
use common::{ddbguard as run, git, json};
use serde_json::Value;
use std::path::Path;

const CFN_BASE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
        - AttributeName: sk
          AttributeType: S
        - AttributeName: at
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
        - AttributeName: sk
          KeyType: RANGE
      LocalSecondaryIndexes:
        - IndexName: ByAt
          KeySchema:
            - AttributeName: pk
              KeyType: HASH
            - AttributeName: at
              KeyType: RANGE
          Projection:
            ProjectionType: ALL
        - IndexName: Gone
          KeySchema:
            - AttributeName: pk
              KeyType: HASH
            - AttributeName: at
              KeyType: RANGE
          Projection:
            ProjectionType: KEYS_ONLY
  Sessions:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: sessionId
          AttributeType: S
      KeySchema:
        - AttributeName: sessionId
          KeyType: HASH
  Events:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "events-${Stage}"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: S
        - AttributeName: id
          AttributeType: N
      KeySchema:
        - AttributeName: id
          KeyType: HASH
  Audit:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: audit
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: S
      KeySchema:
        - AttributeName: id
          KeyType: HASH
"#;

/// The head: Orders gets an LSI (ByBy), loses one (Gone), and the type of ByAt's sort key
/// changes (DDB501); Sessions' partition key changes (DDB502); Events' key type changes
/// from the last definition's (DDB502); Audit's fixed name is removed (DDB502).
fn cfn_head() -> String {
    edit(
        CFN_BASE,
        &[
            (
                "        - AttributeName: at\n          AttributeType: S\n",
                "        - AttributeName: at\n          AttributeType: N\n        - AttributeName: by\n          AttributeType: S\n",
            ),
            ("IndexName: Gone", "IndexName: ByBy"),
            (
                "            - AttributeName: at\n              KeyType: RANGE\n          Projection:\n            ProjectionType: KEYS_ONLY",
                "            - AttributeName: by\n              KeyType: RANGE\n          Projection:\n            ProjectionType: ALL",
            ),
            ("sessionId", "userId"),
            (
                "          AttributeType: S\n        - AttributeName: id\n          AttributeType: N\n",
                "          AttributeType: S\n",
            ),
            ("      TableName: audit\n", ""),
        ],
    )
}

/// `text` with each `(from, to)` replaced (each `from` must be there).
fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (from, to) in edits {
        assert!(out.contains(from), "{from:?}");
        out = out.replace(from, to);
    }
    out
}

const TF_MODULE: &str = r#"variable "hash_key" {
  type = string
}

resource "aws_dynamodb_table" "this" {
  name         = "tf-events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.hash_key

  attribute {
    name = var.hash_key
    type = "S"
  }
}
"#;

const TF_BASE: &str = r#"module "events" {
  source   = "./modules/table"
  hash_key = "id"
}

resource "aws_dynamodb_table" "orders" {
  name         = "tf-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "customerId"
  range_key    = "orderId"

  attribute {
    name = "customerId"
    type = "S"
  }
  attribute {
    name = "orderId"
    type = "S"
  }

  lifecycle {
    prevent_destroy = true
  }
}
"#;

/// The head: the module's table gets another partition key through the module's input
/// (DDB502, at the `module` argument); orders gets an LSI (DDB501).
fn tf_head() -> String {
    edit(
        TF_BASE,
        &[
            ("hash_key = \"id\"", "hash_key = \"eventId\""),
            (
                "  }\n\n  lifecycle {",
                "  }\n  attribute {\n    name = \"createdAt\"\n    type = \"S\"\n  }\n\n  local_secondary_index {\n    name            = \"ByCreatedAt\"\n    range_key       = \"createdAt\"\n    projection_type = \"ALL\"\n  }\n\n  lifecycle {",
            ),
        ],
    )
}

const CDK_MANIFEST: &str = r#"{
 "version": "38.0.1",
 "artifacts": {
  "Data": {
   "type": "aws:cloudformation:stack",
   "environment": "aws://unknown-account/unknown-region",
   "properties": {
    "templateFile": "Data.template.json"
   },
   "displayName": "Data"
  }
 }
}
"#;

/// A CDK stack's table: `LOGICAL_ID`, its LSIs and the type of `pk`.
fn cdk_template(logical_id: &str, pk_type: &str, lsis: &str) -> String {
    format!(
        r#"{{
 "Resources": {{
  "{logical_id}": {{
   "Type": "AWS::DynamoDB::Table",
   "Properties": {{
    "AttributeDefinitions": [
     {{"AttributeName": "pk", "AttributeType": "{pk_type}"}},
     {{"AttributeName": "sk", "AttributeType": "S"}},
     {{"AttributeName": "at", "AttributeType": "S"}}
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [
     {{"AttributeName": "pk", "KeyType": "HASH"}},
     {{"AttributeName": "sk", "KeyType": "RANGE"}}
    ]{lsis}
   }},
   "UpdateReplacePolicy": "Retain",
   "DeletionPolicy": "Retain",
   "Metadata": {{"aws:cdk:path": "Data/Orders/Resource"}}
  }}
 }}
}}
"#
    )
}

const CDK_LSI: &str = r#",
    "LocalSecondaryIndexes": [
     {
      "IndexName": "ByAt",
      "KeySchema": [
       {"AttributeName": "pk", "KeyType": "HASH"},
       {"AttributeName": "at", "KeyType": "RANGE"}
      ],
      "Projection": {"ProjectionType": "ALL"}
     }
    ]"#;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The base version of the tree in `dir`; `head` the head version (the CDK construct
/// keeps its path under a new logical ID).
fn tree(dir: &Path, head: bool) {
    let (cfn, tf, cdk) = if head {
        (
            cfn_head(),
            tf_head(),
            cdk_template("OrdersB2C4D6E8", "N", CDK_LSI),
        )
    } else {
        (
            CFN_BASE.to_string(),
            TF_BASE.to_string(),
            cdk_template("OrdersA1B3C5D7", "S", ""),
        )
    };
    write(dir, "cfn/app.yaml", &cfn);
    write(dir, "tf/main.tf", &tf);
    write(dir, "tf/modules/table/main.tf", TF_MODULE);
    write(dir, "cdk.out/manifest.json", CDK_MANIFEST);
    write(dir, "cdk.out/Data.template.json", &cdk);
}

/// A repository whose commit tagged `base` holds the base tree and whose HEAD the head's.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    tree(d, false);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "base"]);
    git(d, &["tag", "base"]);
    tree(d, true);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "head"]);
    dir
}

/// One line per finding: rule, state, location, scope, resource, fingerprint, message,
/// related locations.
fn lines(report: &Value) -> String {
    let mut out = String::new();
    for f in report["findings"].as_array().unwrap() {
        let loc = &f["location"];
        out.push_str(&format!(
            "{} {} {}:{}:{}-{}:{} [{}] {} {} | {}\n",
            f["rule_id"].as_str().unwrap(),
            f["baseline_state"].as_str().unwrap_or("-"),
            f["path"].as_str().unwrap(),
            loc["start_line"],
            loc["start_column"],
            loc["end_line"],
            loc["end_column"],
            f["scope"].as_str().unwrap(),
            f["resource"]["id"].as_str().unwrap_or("-"),
            f["fingerprint"].as_str().unwrap(),
            f["message"].as_str().unwrap(),
        ));
        for r in f["related"].as_array().unwrap() {
            out.push_str(&format!(
                "    related {}:{} {}\n",
                r["path"].as_str().unwrap(),
                r["location"]["start_line"],
                r["message"].as_str().unwrap()
            ));
        }
    }
    out.push_str(&format!("changes {}\n", report["summary"]["changes"]));
    out
}

fn json_run(dir: &Path, args: &[&str]) -> Value {
    let out = run(dir, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

fn replacement_findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "DDB501" || f["rule_id"] == "DDB502")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_git_base_gives_the_same_findings_in_every_format() {
    let dir = repo();
    let d = dir.path();
    let r = json_run(d, &["check", ".", "--base", "base", "--format", "json"]);
    let found = replacement_findings(&r);
    let has = |rule: &str, id: &str, text: &str| {
        found
            .iter()
            .any(|(r, i, m)| r == rule && i == id && m.contains(text))
    };
    // CloudFormation.
    assert!(has("DDB501", "Orders", "ByBy is added"), "{found:#?}");
    assert!(has("DDB501", "Orders", "Gone is removed"), "{found:#?}");
    assert!(
        has("DDB501", "Orders", "type of attribute at"),
        "{found:#?}"
    );
    assert!(has("DDB502", "Sessions", "key schema"), "{found:#?}");
    assert!(has("DDB502", "Events", "from N to S"), "{found:#?}");
    assert!(has("DDB502", "Audit", "fixed name audit"), "{found:#?}");
    // CDK: matched by construct path under a new logical ID.
    assert!(
        has("DDB501", "OrdersB2C4D6E8", "ByAt is added"),
        "{found:#?}"
    );
    assert!(has("DDB502", "OrdersB2C4D6E8", "from S to N"), "{found:#?}");
    // Terraform, through a module input too.
    assert!(
        has("DDB501", "aws_dynamodb_table.orders", "ByCreatedAt"),
        "{found:#?}"
    );
    assert!(
        has(
            "DDB502",
            "module.events.aws_dynamodb_table.this",
            "key schema"
        ),
        "{found:#?}"
    );
    insta::assert_snapshot!("pr_stream_git_json", lines(&r));

    // The human report reads the head's lines back.
    let out = run(d, &["check", ".", "--base", "base"]);
    insta::assert_snapshot!("pr_stream_git_human", String::from_utf8_lossy(&out.stdout));
    let out = run(d, &["check", ".", "--base", "base", "--format", "sarif"]);
    let sarif: Value = json(&out);
    let states: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["ruleId"].as_str().unwrap(),
                r["baselineState"].as_str().unwrap_or("-"),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!("pr_stream_git_sarif_states", states.join("\n"));
}

#[test]
fn a_base_directory_and_a_subdirectory_run_agree_with_the_git_base() {
    let dir = repo();
    let d = dir.path();
    let whole = json_run(d, &["check", ".", "--base", "base", "--format", "json"]);
    // The base as a directory holding its checkout, paths named one by one.
    let base = tempfile::tempdir().unwrap();
    tree(base.path(), false);
    let named = json_run(
        d,
        &[
            "check",
            "cfn",
            "tf",
            "cdk.out",
            "--base",
            &base.path().to_string_lossy(),
            "--format",
            "json",
        ],
    );
    assert_eq!(lines(&named), lines(&whole));
    // Directories named with a trailing slash, as in `check --base origin/main infra/`.
    let slashed = json_run(
        d,
        &[
            "check", "cfn/", "tf/", "cdk.out/", "--base", "base", "--format", "json",
        ],
    );
    assert_eq!(lines(&slashed), lines(&whole));
    // From a subdirectory: the same findings for its templates, paths and fingerprints
    // still from the root.
    let sub = json_run(
        &d.join("cfn"),
        &["check", ".", "--base", "base", "--format", "json"],
    );
    let from_root: Vec<&Value> = whole["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "cfn/app.yaml")
        .collect();
    let from_sub: Vec<&Value> = sub["findings"].as_array().unwrap().iter().collect();
    assert_eq!(from_root.len(), from_sub.len());
    for (a, b) in from_root.iter().zip(&from_sub) {
        assert_eq!(a["message"], b["message"]);
        assert_eq!(a["baseline_state"], b["baseline_state"]);
        assert_eq!(a["location"], b["location"]);
        assert_eq!(a["fingerprint"], b["fingerprint"]);
    }
    // Unchanged: the base against itself has nothing new and nothing absent.
    let same = json_run(
        d,
        &[
            "check",
            ".",
            "--base",
            &base.path().to_string_lossy(),
            "--format",
            "json",
        ],
    );
    assert_eq!(replacement_findings(&same), replacement_findings(&whole));
    let base_self = run(
        base.path(),
        &["check", ".", "--base", ".", "--format", "json"],
    );
    let r = json(&base_self);
    assert_eq!(r["summary"]["changes"]["new"], 0, "{}", lines(&r));
    assert_eq!(r["summary"]["changes"]["fixed"], 0, "{}", lines(&r));
    assert!(replacement_findings(&r).is_empty(), "{}", lines(&r));
}
