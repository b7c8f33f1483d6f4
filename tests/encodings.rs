//! Encodings, line ends and named files, end to end: a template saved with a UTF-8
//! byte-order mark, in UTF-16, or with CR or CRLF line ends gives the findings of the plain
//! file, on the same lines and columns, in the JSON report and in SARIF; JSON and Terraform
//! in UTF-16 are refused with a message that says so; a NUL byte is reported where it is;
//! and a file named on the command line is never skipped in silence.
//!
//! The fixtures (`testdata/encodings/`) are byte-exact (`.gitattributes` keeps git from
//! touching their line ends).

mod common;

use common::{ddbguard, json};
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A finding as (rule, start line, start column, end line, end column).
type Loc = (String, u64, u64, u64, u64);

/// The findings of `path` (relative to the repository), sorted.
fn findings(path: &str) -> Vec<Loc> {
    let out = ddbguard(repo(), &["check", path, "--format", "json"]);
    let report = json(&out);
    let mut found: Vec<Loc> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                f["rule_id"].as_str().unwrap().to_string(),
                l["start_line"].as_u64().unwrap(),
                l["start_column"].as_u64().unwrap(),
                l["end_line"].as_u64().unwrap(),
                l["end_column"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

/// The SARIF results of `path`, as [`Loc`]s, sorted.
fn sarif_findings(path: &str) -> Vec<Loc> {
    let out = ddbguard(repo(), &["check", path, "--format", "sarif"]);
    let sarif = json(&out);
    let mut found: Vec<Loc> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
                region["endLine"].as_u64().unwrap(),
                region["endColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

fn has(found: &[Loc], rule: &str, at: (u64, u64, u64, u64)) -> bool {
    found
        .iter()
        .any(|(r, a, b, c, d)| r == rule && (*a, *b, *c, *d) == at)
}

/// A rule and where its finding is: (start line, start column, end line, end column).
type Expected = (&'static str, (u64, u64, u64, u64));

/// Each format's plain file, where its findings are, and its variants.
const CASES: &[(&str, [Expected; 2], &[&str])] = &[
    (
        "testdata/encodings/yaml/lf.yaml",
        [("DDB103", (1, 13, 1, 19)), ("DDB101", (2, 68, 2, 73))],
        &[
            "testdata/encodings/yaml/bom.yaml",
            "testdata/encodings/yaml/crlf.yaml",
            "testdata/encodings/yaml/cr.yaml",
            "testdata/encodings/yaml/utf16le.yaml",
            "testdata/encodings/yaml/utf16be.yaml",
        ],
    ),
    (
        "testdata/encodings/json/lf.json",
        [("DDB103", (1, 16, 1, 24)), ("DDB101", (2, 70, 2, 75))],
        &[
            "testdata/encodings/json/bom.json",
            "testdata/encodings/json/crlf.json",
            "testdata/encodings/json/cr.json",
        ],
    ),
    (
        "testdata/encodings/tf/lf",
        [("DDB103", (1, 1, 1, 39)), ("DDB101", (9, 15, 9, 20))],
        &["testdata/encodings/tf/bom", "testdata/encodings/tf/crlf"],
    ),
    (
        "testdata/encodings/tfjson/lf",
        [("DDB103", (1, 38, 1, 46)), ("DDB101", (3, 41, 3, 46))],
        &[
            "testdata/encodings/tfjson/bom",
            "testdata/encodings/tfjson/crlf",
        ],
    ),
];

#[test]
fn byte_order_marks_utf16_and_line_ends_give_the_plain_files_findings() {
    for (plain, expected, variants) in CASES {
        let want = findings(plain);
        for (rule, at) in expected {
            assert!(
                has(&want, rule, *at),
                "{plain}: no {rule} at {at:?}: {want:?}"
            );
        }
        assert!(!want.iter().any(|f| f.0 == "DDB001"), "{plain}: {want:?}");
        for variant in *variants {
            // Columns count from after a byte-order mark; CR and CRLF end lines.
            assert_eq!(findings(variant), want, "{variant} against {plain}");
        }
    }
}

#[test]
fn sarif_regions_are_the_json_locations() {
    for (plain, _, variants) in CASES {
        for path in std::iter::once(plain).chain(variants.iter()) {
            assert_eq!(sarif_findings(path), findings(path), "{path}");
        }
    }
}

#[test]
fn json_and_terraform_in_utf16_are_refused_with_a_plain_message() {
    for path in [
        "testdata/encodings/json/utf16.json",
        "testdata/encodings/tf/utf16",
    ] {
        let out = ddbguard(repo(), &["check", path, "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{path}");
        let report = json(&out);
        let found = report["findings"].as_array().unwrap();
        assert_eq!(found.len(), 1, "{path}: {found:?}");
        assert_eq!(found[0]["rule_id"], "DDB001");
        assert_eq!(
            found[0]["message"], "the file is UTF-16; save it as UTF-8",
            "{path}"
        );
        assert_eq!(found[0]["location"]["start_line"], 1);
    }
}

#[test]
fn a_named_file_that_is_not_a_template_is_said_so_on_stderr() {
    let path = "testdata/encodings/not_a_template.yaml";
    let out = ddbguard(repo(), &["check", path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(path) && stderr.contains("not checked"),
        "{stderr}"
    );
    assert_eq!(json(&out)["findings"].as_array().unwrap().len(), 0);
    // The human report says it too, without --verbose.
    let out = ddbguard(repo(), &["check", path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not checked"), "{stdout}");
}

#[test]
fn a_named_document_that_does_not_parse_is_a_ddb001_at_its_error() {
    let dir = tempfile::tempdir().unwrap();
    // A plan nested 5,000 deep: it carries no template marker.
    let deep = format!(
        "{{\"format_version\": \"1.2\", \"x\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    std::fs::write(dir.path().join("plan.json"), deep).unwrap();
    let out = ddbguard(dir.path(), &["check", "plan.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let found = report["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule_id"], "DDB001");
    assert_eq!(found[0]["path"], "plan.json");
    assert!(
        found[0]["message"].as_str().unwrap().contains("deeper"),
        "{found:?}"
    );
    // Found in a walk, a file that is no template and does not parse is left alone.
    let out = ddbguard(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn a_nul_byte_is_reported_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("a.json"),
        "{\"Resources\": {\"T\": {\"Type\": \"AWS::DynamoDB::Table\",\n \"Properties\": {\"TableName\": \"a\0b\"}}}}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("b.yaml"),
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: {TableName: \"a\0b\"}\n",
    )
    .unwrap();
    std::fs::create_dir(d.join("tf")).unwrap();
    std::fs::write(
        d.join("tf/main.tf"),
        "resource \"aws_dynamodb_table\" \"t\0x\" {\n  name = \"a\"\n}\n",
    )
    .unwrap();
    for (path, line, column) in [("a.json", 2, 32), ("b.yaml", 4, 31), ("tf", 1, 31)] {
        let out = ddbguard(d, &["check", path, "--format", "json"]);
        let report = json(&out);
        let found = report["findings"].as_array().unwrap();
        let nul = found
            .iter()
            .find(|f| f["rule_id"] == "DDB001")
            .unwrap_or_else(|| panic!("{path}: no DDB001: {found:?}"));
        assert!(
            nul["message"].as_str().unwrap().contains("NUL"),
            "{path}: {nul}"
        );
        assert_eq!(nul["location"]["start_line"], line, "{path}: {nul}");
        assert_eq!(nul["location"]["start_column"], column, "{path}: {nul}");
    }
}
