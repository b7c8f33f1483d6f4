//! Reports for code scanning and CI (SARIF, GitHub, JUnit) and the suppression pass.
//!
//! Part one builds the model by hand (a scope with two tables, inline and config
//! suppressions, a parse error) so every format is tested on exactly known findings.

use ddbguard::config::{Config, ConfigSuppression, Settings};
use ddbguard::model::{
    Format, InlineSuppression, Kind, Problem, Resource, Scope, Table, TableKind,
};
use ddbguard::report::{Report, SuppressionKind, github, junit, sarif};
use ddbguard::source::{SourceFile, SourceMap, Span};
use ddbguard::{Loaded, check_loaded};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const APP: &str = "\
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Metadata:
      ddbguard:
        ignore:
          - rule: DDB103
            reason: deletion is guarded by the backup plan
          - rule: table-not-retained
          - rule: DDB504
            reason: the table will get many indexes
  Legacy Table:
    Type: AWS::DynamoDB::Table
";

const BROKEN: &str = "Resources:\n  A: [\n";

fn span_of(file: ddbguard::source::FileId, text: &str, needle: &str) -> Span {
    let start = text.find(needle).expect("needle in fixture");
    Span::new(file, start, start + needle.len())
}

fn table(id: &str, file: ddbguard::source::FileId, span: Span) -> Resource {
    Resource {
        id: id.into(),
        rtype: "AWS::DynamoDB::Table".into(),
        file,
        span,
        cdk_path: None,
        suppressions: Vec::new(),
        kind: Kind::Table(Box::new(Table::new(TableKind::Table))),
    }
}

/// Two files: `hand/app.yaml` (two tables, three inline suppressions) and
/// `hand/broken.yaml` (a parse error).
fn loaded() -> Loaded {
    let sources = Arc::new(SourceMap::default());
    let app = sources.add(SourceFile::new(PathBuf::from("hand/app.yaml"), APP));
    let broken = sources.add(SourceFile::new(PathBuf::from("hand/broken.yaml"), BROKEN));
    let mut orders = table("Orders", app, span_of(app, APP, "Orders"));
    orders.suppressions = vec![
        InlineSuppression {
            rule: "DDB103".into(),
            reason: Some("deletion is guarded by the backup plan".into()),
            span: span_of(app, APP, "- rule: DDB103"),
            module: None,
        },
        InlineSuppression {
            rule: "table-not-retained".into(),
            reason: None,
            span: span_of(app, APP, "- rule: table-not-retained"),
            module: None,
        },
        InlineSuppression {
            rule: "DDB504".into(),
            reason: Some("the table will get many indexes".into()),
            span: span_of(app, APP, "- rule: DDB504"),
            module: None,
        },
    ];
    let mut legacy = table("Legacy Table", app, span_of(app, APP, "Legacy Table"));
    legacy.cdk_path = Some("App/Stack/Legacy/Resource".into());
    let mut s1 = Scope::new(Format::Cloudformation, "hand/app.yaml");
    s1.files.push(app);
    s1.resources = vec![orders, legacy];
    let mut s2 = Scope::new(Format::Cloudformation, "hand/broken.yaml");
    s2.files.push(broken);
    s2.problems.push(Problem {
        rule: "DDB001",
        span: Span::new(broken, 16, 17),
        message: "hand/broken.yaml is not valid YAML: a flow sequence is not closed".into(),
        help: Some("close the sequence with `]`".into()),
        resource: None,
    });
    Loaded {
        scopes: vec![s1, s2],
        sources,
        skipped: Vec::new(),
        messages: Vec::new(),
        files: 2,
    }
}

fn config_entry(
    rule: &str,
    path: Option<&str>,
    resource: Option<&str>,
    reason: Option<&str>,
    expires: Option<&str>,
    line: u32,
) -> ConfigSuppression {
    ConfigSuppression {
        rule: rule.into(),
        path: path.map(Into::into),
        resource: resource.map(Into::into),
        reason: reason.map(Into::into),
        expires: expires.map(Into::into),
        line,
    }
}

/// Settings whose config (`testdata/reports/suppressions.ddbguard.yaml`, as the config
/// loader would read it) suppresses DDB101 on `Legacy*`, plus an expired entry, one that
/// matches nothing and one for files this run does not check.
fn settings() -> Settings {
    Settings {
        config: Config {
            path: Some(PathBuf::from("testdata/reports/suppressions.ddbguard.yaml")),
            suppressions: vec![
                config_entry(
                    "DDB101",
                    Some("hand/**"),
                    Some("Legacy*"),
                    Some("legacy table, removed in Q3"),
                    Some("2999-12-31"),
                    3,
                ),
                config_entry(
                    "DDB104",
                    None,
                    Some("Legacy*"),
                    Some("old"),
                    Some("2000-01-01"),
                    8,
                ),
                config_entry(
                    "DDB101",
                    Some("hand/*.yaml"),
                    Some("Gone*"),
                    Some("the table was deleted"),
                    None,
                    12,
                ),
                // Out of this run's reach: not reported as unused.
                config_entry(
                    "DDB101",
                    Some("other/**"),
                    None,
                    Some("files not checked in this run"),
                    None,
                    16,
                ),
            ],
            ..Config::default()
        },
        select: RULES_UNDER_TEST.iter().map(|r| r.to_string()).collect(),
        ..Settings::default()
    }
}

/// The rules these tests run: a fixed set, so that new rules do not change the reports.
const RULES_UNDER_TEST: &[&str] = &[
    "DDB001", "DDB002", "DDB003", "DDB101", "DDB103", "DDB104", "DDB504",
];

fn report() -> Report {
    check_loaded(loaded(), &settings())
}

fn by_rule<'a>(r: &'a Report, rule: &str) -> Vec<&'a ddbguard::report::Finding> {
    r.findings.iter().filter(|f| f.rule_id == rule).collect()
}

fn resource_id(f: &ddbguard::report::Finding) -> &str {
    f.resource.as_ref().map_or("", |r| r.id.as_str())
}

#[test]
fn suppressions_apply_with_a_reason_and_report_their_problems() {
    let r = report();
    // DDB103 on Orders: suppressed in source; on Legacy Table: not.
    let f = by_rule(&r, "DDB103");
    let orders = f.iter().find(|f| resource_id(f) == "Orders").unwrap();
    let s = orders
        .suppression
        .as_ref()
        .expect("DDB103 on Orders is suppressed");
    assert_eq!(s.kind, SuppressionKind::InSource);
    assert_eq!(s.justification, "deletion is guarded by the backup plan");
    let legacy = f.iter().find(|f| resource_id(f) == "Legacy Table").unwrap();
    assert!(legacy.suppression.is_none());
    // DDB101 on Legacy Table: suppressed by config; on Orders: not.
    let pitr = by_rule(&r, "DDB101");
    assert_eq!(pitr.len(), 2);
    for f in pitr {
        assert_eq!(f.suppression.is_some(), resource_id(f) == "Legacy Table");
        if let Some(s) = &f.suppression {
            assert_eq!(s.kind, SuppressionKind::External);
        }
    }
    // DDB104: the inline entry has no reason and the config one expired: nothing suppressed.
    assert!(!by_rule(&r, "DDB104").is_empty());
    assert!(
        by_rule(&r, "DDB104")
            .iter()
            .all(|f| f.suppression.is_none())
    );
    let ddb003: Vec<(&str, u32, &str)> = by_rule(&r, "DDB003")
        .iter()
        .map(|f| (f.path.as_str(), f.location.start_line, f.message.as_str()))
        .collect();
    assert_eq!(
        ddb003,
        vec![
            (
                "hand/app.yaml",
                9,
                "suppression of DDB104 table-not-retained on Orders has no reason, so it does not apply"
            ),
            (
                "hand/app.yaml",
                10,
                "suppression of DDB504 gsi-limit-exceeded on Orders matched no finding"
            ),
            (
                "testdata/reports/suppressions.ddbguard.yaml",
                8,
                "config suppression of DDB104 table-not-retained (resource Legacy*) expired on 2000-01-01 and no longer applies"
            ),
            (
                "testdata/reports/suppressions.ddbguard.yaml",
                12,
                "config suppression of DDB101 pitr-disabled (path hand/*.yaml, resource Gone*) matched no finding"
            ),
        ]
    );
    // The config entry is pointed at exactly: its line, from its first character.
    let cfg = by_rule(&r, "DDB003")
        .into_iter()
        .find(|f| f.location.start_line == 8)
        .unwrap();
    assert_eq!(cfg.location.start_column, 3);
    // Counted: suppressed apart from findings.
    assert_eq!(r.summary.suppressed, 2);
    assert_eq!(r.summary.findings, r.findings.len() - 2);
    assert_eq!(
        r.summary.errors + r.summary.warnings + r.summary.notes,
        r.summary.findings
    );
}

/// A config suppression with a pattern that is not a glob does not apply, and says which.
#[test]
fn invalid_patterns_make_a_suppression_not_apply() {
    let mut s = settings();
    s.config.suppressions = vec![
        config_entry("DDB101", Some("hand/[x"), None, Some("why"), None, 3),
        config_entry("DDB101", None, Some("Legacy[x"), Some("why"), None, 8),
    ];
    let r = ddbguard::check_loaded(loaded(), &s);
    let messages: Vec<(u32, &str)> = by_rule(&r, "DDB003")
        .iter()
        .filter(|f| f.message.starts_with("config suppression"))
        .map(|f| (f.location.start_line, f.message.as_str()))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].0 == 3 && messages[0].1.contains("invalid path pattern"));
    assert!(messages[1].0 == 8 && messages[1].1.contains("invalid resource pattern"));
    // Only the template's own suppression applies.
    let mut none = settings();
    none.config.suppressions.clear();
    let without = ddbguard::check_loaded(loaded(), &none);
    assert_eq!(r.summary.suppressed, without.summary.suppressed);
}

#[test]
fn ddb003_follows_select_ignore_and_config_levels() {
    let mut s = settings();
    s.ignore = vec!["DDB003".into()];
    let r = check_loaded(loaded(), &s);
    assert!(by_rule(&r, "DDB003").is_empty());
    // The suppression without a reason still does not apply.
    assert!(
        by_rule(&r, "DDB104")
            .iter()
            .all(|f| f.suppression.is_none())
    );

    let mut s = settings();
    s.config.rules.insert(
        "DDB003".into(),
        ddbguard::config::RuleConfig {
            level: Some(ddbguard::config::Level::On(
                ddbguard::rules::Severity::Error,
            )),
            ..Default::default()
        },
    );
    let r = check_loaded(loaded(), &s);
    assert!(!by_rule(&r, "DDB003").is_empty());
    assert!(
        by_rule(&r, "DDB003")
            .iter()
            .all(|f| f.severity == ddbguard::rules::Severity::Error)
    );

    // A suppression of a rule that did not run is not "unused".
    let mut s = settings();
    s.select = vec!["DDB003".into(), "DDB103".into()];
    let r = check_loaded(loaded(), &s);
    let messages: Vec<&str> = by_rule(&r, "DDB003")
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        messages.iter().all(|m| !m.contains("matched no finding")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("has no reason")),
        "{messages:?}"
    );
}

#[test]
fn config_suppression_problems_without_a_readable_config_keep_their_line() {
    let mut s = settings();
    s.config.path = Some(PathBuf::from("testdata/reports/does-not-exist.yaml"));
    s.config.suppressions = vec![config_entry("DDB999", None, None, Some("x"), None, 7)];
    let r = check_loaded(loaded(), &s);
    let f: Vec<_> = by_rule(&r, "DDB003")
        .into_iter()
        .filter(|f| f.resource.is_none())
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].path, "testdata/reports/does-not-exist.yaml");
    assert_eq!(f[0].location.start_line, 7);
    assert!(
        f[0].message.contains("names no rule \"DDB999\""),
        "{}",
        f[0].message
    );
    // Every format can render it.
    assert!(ddbguard::report::human::render(&r, false).contains("DDB999"));
    assert_valid_sarif(&sarif::render(&r, None));
}

fn schema_validator() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Validate SARIF text against the official schema; panics with every error.
fn assert_valid_sarif(text: &str) {
    let instance: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let validator = schema_validator();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_and_complete() {
    let r = report();
    let text = sarif::render(&r, Some(Path::new("/work/my project")));
    assert_valid_sarif(&text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), ddbguard::rules::RULES.len());
    // A rule that is off unless the config turns it on says so; the others leave SARIF's
    // default (enabled) unwritten.
    for rule in rules {
        let opt_in = rule["id"] == "DDB404";
        assert_eq!(
            rule["defaultConfiguration"].get("enabled"),
            opt_in.then_some(&Value::Bool(false)),
            "{}",
            rule["id"]
        );
    }
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///work/my%20project/"
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), r.findings.len());
    for (res, f) in results.iter().zip(&r.findings) {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        assert_eq!(res["ruleId"], f.rule_id);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc["region"]["startLine"], f.location.start_line);
        assert_eq!(
            res["partialFingerprints"]["ddbguard/v1"],
            f.fingerprint.as_str()
        );
        assert_eq!(res["suppressions"].is_array(), f.suppression.is_some());
    }
    let legacy = results
        .iter()
        .find(|r| {
            r["ruleId"] == "DDB101"
                && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Legacy Table"
        })
        .unwrap();
    assert_eq!(legacy["suppressions"][0]["kind"], "external");
    assert_eq!(
        legacy["suppressions"][0]["justification"],
        "legacy table, removed in Q3"
    );
    assert_eq!(
        legacy["locations"][0]["logicalLocations"][1]["fullyQualifiedName"],
        "App/Stack/Legacy/Resource"
    );
    let inline = results
        .iter()
        .find(|r| r["ruleId"] == "DDB103" && r["suppressions"].is_array())
        .unwrap();
    assert_eq!(inline["suppressions"][0]["kind"], "inSource");
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["associatedRule"]["id"], "DDB001");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_without_findings_or_root_is_valid() {
    let loaded = Loaded {
        scopes: Vec::new(),
        sources: Arc::new(SourceMap::default()),
        skipped: Vec::new(),
        messages: Vec::new(),
        files: 0,
    };
    let r = check_loaded(loaded, &Settings::default());
    let text = sarif::render(&r, None);
    assert_valid_sarif(&text);
    assert!(!text.contains("toolExecutionNotifications"));
}

#[test]
fn sarif_schema_rejects_a_broken_log() {
    // The validation above can fail: a region line of 0 is rejected.
    let r = report();
    let mut v = sarif::sarif(&r, None);
    v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema_validator().is_valid(&v));
}

/// Parse `::cmd key=value,…::message` back, undoing the escapes.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let unescape = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let rest = line.strip_prefix("::").expect("a workflow command");
    let (head, message) = rest.split_once("::").expect("command and message");
    let (cmd, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_string(), unescape(v))
        })
        .collect();
    (cmd.to_string(), props, unescape(message))
}

#[test]
fn github_annotations_parse_back_to_each_finding() {
    let r = report();
    let text = github::render(&r);
    let commands: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(parse_command)
        .collect();
    let active: Vec<_> = r.active().collect();
    assert_eq!(commands.len(), active.len());
    assert!(r.summary.suppressed > 0);
    for ((cmd, props, message), f) in commands.iter().zip(&active) {
        let get = |k: &str| {
            props
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        let expected = match f.severity {
            ddbguard::rules::Severity::Error => "error",
            ddbguard::rules::Severity::Warning => "warning",
            ddbguard::rules::Severity::Note => "notice",
        };
        assert_eq!(cmd, expected);
        assert_eq!(get("file"), f.path);
        assert_eq!(get("line"), f.location.start_line.to_string());
        assert_eq!(get("col"), f.location.start_column.to_string());
        assert_eq!(get("title"), format!("{} {}", f.rule_id, f.rule_name));
        assert!(message.starts_with(&f.message), "{message}");
    }
    assert!(text.ends_with(", 2 suppressed\n"), "{text}");
}

#[test]
fn github_escapes_properties_and_data() {
    let r = report();
    let mut f = r.findings[0].clone();
    f.path = "a,b:c%.yaml".into();
    f.message = "line one\r\nline two: 100%".into();
    let line = github::annotation(&f);
    assert!(line.contains("file=a%2Cb%3Ac%25.yaml,"), "{line}");
    assert!(line.contains("::line one%0D%0Aline two: 100%25"), "{line}");
    assert_eq!(line.lines().count(), 1);
}

#[test]
fn github_step_summary_counts_and_links() {
    let r = report();
    let md = github::summary_markdown(&r);
    let s = r.summary;
    assert!(
        md.contains(&format!(
            "| {} | {} | {} | {} |",
            s.errors, s.warnings, s.notes, s.suppressed
        )),
        "{md}"
    );
    let rows = md
        .lines()
        .filter(|l| {
            l.starts_with("| error |") || l.starts_with("| warning |") || l.starts_with("| note |")
        })
        .count();
    assert_eq!(rows, s.findings);
    assert!(md.contains("[DDB101 pitr-disabled](https://github.com/ddbguard/ddbguard/blob/v"));
    assert!(md.contains("| `hand/app.yaml:2` | `Orders` |"), "{md}");
}

/// One test case read back.
#[derive(Debug)]
struct Case {
    classname: String,
    name: String,
    failed: bool,
    skipped: bool,
}

/// Each suite's name and cases.
type Suites = Vec<(String, Vec<Case>)>;
type Attrs = std::collections::HashMap<String, String>;

/// A JUnit report read back: each suite and the root's attributes.
fn read_junit(xml: &str) -> (Suites, Attrs) {
    use quick_xml::events::{BytesStart, Event};
    let attrs = |e: &BytesStart| -> Attrs {
        e.attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::default())
                        .expect("escaped value")
                        .into_owned(),
                )
            })
            .collect()
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut suites: Suites = Vec::new();
    let mut root = std::collections::HashMap::new();
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (e, empty) = match &event {
            Event::Eof => break,
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            _ => continue,
        };
        let a = attrs(e);
        match e.name().as_ref() {
            "testsuites" => root = a,
            "testsuite" => suites.push((a["name"].clone(), Vec::new())),
            "testcase" => suites.last_mut().unwrap().1.push(Case {
                classname: a["classname"].clone(),
                name: a["name"].clone(),
                failed: false,
                skipped: false,
            }),
            "failure" => suites.last_mut().unwrap().1.last_mut().unwrap().failed = true,
            "skipped" => suites.last_mut().unwrap().1.last_mut().unwrap().skipped = true,
            other => panic!("unexpected element {other:?}"),
        }
        if !empty {
            depth += 1;
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    (suites, root)
}

fn enabled() -> Vec<&'static str> {
    RULES_UNDER_TEST.to_vec()
}

#[test]
fn junit_is_well_formed_with_a_case_per_resource_and_rule() {
    let r = report();
    let xml = junit::render(&r, &enabled());
    let (suites, root) = read_junit(&xml);
    let names: Vec<&str> = suites.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "hand/app.yaml",
            "hand/broken.yaml",
            "testdata/reports/suppressions.ddbguard.yaml"
        ]
    );
    let app = &suites[0].1;
    let table_rules = enabled()
        .into_iter()
        .filter(|id| junit::applies(id, "table"))
        .count();
    let file_rules = enabled()
        .into_iter()
        .filter(|id| junit::file_level(id))
        .count();
    assert_eq!(app.len(), 2 * table_rules + file_rules);
    let case = |class: &str, name: &str| {
        app.iter()
            .find(|c| c.classname == class && c.name == name)
            .unwrap_or_else(|| panic!("{class} {name}: {app:?}"))
    };
    assert!(case("hand/app.yaml Orders", "DDB101 pitr-disabled").failed);
    // Suppressed only: skipped, not failed.
    let c = case(
        "hand/app.yaml Orders",
        "DDB103 deletion-protection-disabled",
    );
    assert!(!c.failed && c.skipped);
    let c = case("hand/app.yaml Legacy Table", "DDB101 pitr-disabled");
    assert!(!c.failed && c.skipped);
    // A rule that found nothing passes.
    let c = case("hand/app.yaml Legacy Table", "DDB504 gsi-limit-exceeded");
    assert!(!c.failed && !c.skipped);
    assert!(case("hand/app.yaml (file)", "DDB003 unused-suppression").failed);
    assert!(
        suites[1]
            .1
            .iter()
            .any(|c| c.name == "DDB001 template-parse-error" && c.failed)
    );
    let failures = suites
        .iter()
        .flat_map(|s| &s.1)
        .filter(|c| c.failed)
        .count();
    assert_eq!(root["failures"], failures.to_string());
    let tests: usize = suites.iter().map(|s| s.1.len()).sum();
    assert_eq!(root["tests"], tests.to_string());
}

#[test]
fn junit_lists_only_enabled_rules() {
    let mut s = settings();
    s.select = vec!["DDB101".into()];
    let r = check_loaded(loaded(), &s);
    let xml = junit::render(&r, &["DDB101"]);
    let (suites, _) = read_junit(&xml);
    let app = &suites[0].1;
    assert_eq!(app.len(), 2, "{app:?}");
    assert!(
        app.iter().all(|c| c.name == "DDB101 pitr-disabled"),
        "{app:?}"
    );
}

#[test]
fn hand_report_snapshots() {
    let r = report();
    insta::assert_snapshot!("hand_sarif", stable_sarif(&sarif::render(&r, None)));
    insta::assert_snapshot!("hand_github", github::render(&r));
    insta::assert_snapshot!("hand_github_summary", github::summary_markdown(&r));
    insta::assert_snapshot!("hand_junit", junit::render(&r, &enabled()));
    insta::assert_snapshot!("hand_human", ddbguard::report::human::render(&r, false));
}

// Part two: the binary on `testdata/reports/cfn` (two tables, one suppressed finding, one
// file that does not parse), every format, several at once.

const FIXTURES: &str = "testdata/reports/cfn";

/// Run the binary from the repository root on the fixed rule set.
fn ddbguard(args: &[&str], envs: &[(&str, &Path)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ddbguard"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .arg("--select")
        .arg(RULES_UNDER_TEST.join(","))
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run ddbguard")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

/// The SARIF with the absolute source root replaced, for snapshots.
fn portable_sarif(text: &str) -> String {
    let root = sarif::sarif(
        &check_loaded(
            Loaded {
                scopes: Vec::new(),
                sources: Arc::new(SourceMap::default()),
                skipped: Vec::new(),
                messages: Vec::new(),
                files: 0,
            },
            &Settings::default(),
        ),
        Some(Path::new(env!("CARGO_MANIFEST_DIR"))),
    )["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains(&root),
        "the source root is the working directory"
    );
    stable_sarif(&text.replace(&root, "file:///[srcroot]/"))
}

/// SARIF for a snapshot that new rules and edited rule docs leave unchanged: only the rules
/// the results use, without their documentation, and rule indexes checked then hidden.
fn stable_sarif(text: &str) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    let run = &mut v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap().clone();
    assert_eq!(rules.len(), ddbguard::rules::RULES.len());
    let mut used = std::collections::BTreeSet::new();
    let check = |value: &mut Value, id: &Value| {
        let idx = value.as_u64().unwrap() as usize;
        assert_eq!(&rules[idx]["id"], id);
        *value = "[index]".into();
    };
    for r in run["results"].as_array_mut().unwrap() {
        let id = r["ruleId"].clone();
        check(&mut r["ruleIndex"], &id);
        used.insert(id.as_str().unwrap().to_string());
    }
    if let Some(notes) = run["invocations"][0]["toolExecutionNotifications"].as_array_mut() {
        for n in notes {
            let id = n["associatedRule"]["id"].clone();
            check(&mut n["associatedRule"]["index"], &id);
        }
    }
    let kept: Vec<Value> = rules
        .into_iter()
        .filter(|r| used.contains(r["id"].as_str().unwrap()))
        .map(|mut r| {
            let meta = ddbguard::rules::meta_by_id(r["id"].as_str().unwrap()).unwrap();
            assert_eq!(
                r["help"]["markdown"],
                ddbguard::rules::docs::rule_page(meta)
            );
            r["help"] = "[documentation]".into();
            r["fullDescription"] = "[What it checks]".into();
            r
        })
        .collect();
    run["tool"]["driver"]["rules"] = Value::Array(kept);
    serde_json::to_string_pretty(&sorted_keys(v)).unwrap()
}

/// A JSON value with every object's keys in sorted order, whatever order `serde_json::Map`
/// keeps (cfn-guard turns on `preserve_order` for the whole build).
fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

#[test]
fn every_format_on_the_fixtures() {
    for format in ["human", "json", "sarif", "github", "junit"] {
        let out = ddbguard(&["check", FIXTURES, "--format", format], &[]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: errors make the exit status 1"
        );
        let text = stdout(&out);
        match format {
            "sarif" => {
                assert_valid_sarif(&text);
                let v: Value = serde_json::from_str(&text).unwrap();
                let results = v["runs"][0]["results"].as_array().unwrap();
                let suppressed: Vec<_> = results
                    .iter()
                    .filter(|r| r["suppressions"].is_array())
                    .collect();
                assert_eq!(suppressed.len(), 1);
                assert_eq!(suppressed[0]["ruleId"], "DDB103");
                assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
                assert_eq!(
                    v["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["associatedRule"]
                        ["id"],
                    "DDB001"
                );
                insta::assert_snapshot!("cfn_sarif", portable_sarif(&text));
            }
            "github" => {
                let lines: Vec<_> = text
                    .lines()
                    .filter(|l| l.starts_with("::"))
                    .map(parse_command)
                    .collect();
                let places: Vec<(String, String, String)> = lines
                    .iter()
                    .map(|(_, props, _)| {
                        let get =
                            |k: &str| props.iter().find(|(key, _)| key == k).unwrap().1.clone();
                        (get("title"), get("file"), get("line"))
                    })
                    .collect();
                assert_eq!(
                    places,
                    [
                        ("DDB101 pitr-disabled", "testdata/reports/cfn/app.yaml", "4"),
                        (
                            "DDB104 table-not-retained",
                            "testdata/reports/cfn/app.yaml",
                            "21"
                        ),
                        (
                            "DDB001 template-parse-error",
                            "testdata/reports/cfn/broken.yaml",
                            "5"
                        ),
                    ]
                    .map(|(a, b, c)| (
                        a.to_string(),
                        b.to_string(),
                        c.to_string()
                    ))
                );
                insta::assert_snapshot!("cfn_github", text);
            }
            "junit" => {
                let (suites, root) = read_junit(&text);
                assert_eq!(suites.len(), 2);
                assert_eq!(root["failures"], "3");
                assert_eq!(root["skipped"], "1");
                insta::assert_snapshot!("cfn_junit", text);
            }
            "json" => {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["summary"]["suppressed"], 1);
                insta::assert_snapshot!("cfn_json", text);
            }
            _ => {
                assert!(
                    !text.contains("DDB103"),
                    "suppressed findings are not shown:\n{text}"
                );
                assert!(text.contains(", 1 suppressed\n"), "{text}");
                insta::assert_snapshot!("cfn_human", text);
            }
        }
    }
}

#[test]
fn several_reports_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sarif_path = dir.path().join("out dir.sarif");
    let junit_path = dir.path().join("junit.xml");
    let json_path = dir.path().join("report.json");
    let out = ddbguard(
        &[
            "check",
            FIXTURES,
            // --output goes to the first --format without =FILE.
            "--format",
            "json",
            "--format",
            "human",
            "--format",
            &format!("sarif={}", sarif_path.display()),
            "--format",
            &format!("junit={}", junit_path.display()),
            "--output",
            &json_path.display().to_string(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let human = stdout(&out);
    assert!(human.contains("[DDB101] error"), "{human}");
    assert_valid_sarif(&std::fs::read_to_string(&sarif_path).unwrap());
    read_junit(&std::fs::read_to_string(&junit_path).unwrap());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 4);
    // Two reports on standard output is an argument error.
    let out = ddbguard(
        &["check", FIXTURES, "--format", "human", "--format", "sarif"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn github_step_summary_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let out = ddbguard(
        &["check", FIXTURES, "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("# earlier step\n## ddbguard\n"), "{md}");
    assert!(md.contains("| 2 | 1 | 0 | 1 |"), "{md}");
    assert!(
        md.contains("| error | [DDB101 pitr-disabled](https://github.com/ddbguard/ddbguard/blob/v"),
        "{md}"
    );
    assert!(
        md.contains("| `testdata/reports/cfn/app.yaml:4` | `OrdersTable` |"),
        "{md}"
    );
    insta::assert_snapshot!("cfn_github_summary", md);
    // Without the variable nothing is written anywhere.
    let out = ddbguard(&["check", FIXTURES, "--format", "github"], &[]);
    assert!(stdout(&out).lines().all(|l| !l.starts_with('|')));
}

/// Validate any SARIF file against the schema:
/// `DDBGUARD_SARIF=corpus.sarif cargo test --test reports -- --ignored validate_sarif_file --nocapture`
#[test]
#[ignore = "validates the SARIF file named by DDBGUARD_SARIF"]
fn validate_sarif_file() {
    let path = std::env::var("DDBGUARD_SARIF").expect("DDBGUARD_SARIF names a SARIF file");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_valid_sarif(&text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    let suppressed = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .count();
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .map_or(0, Vec::len);
    println!(
        "{path}: valid SARIF 2.1.0; {} results ({suppressed} suppressed), {} rules, {notifications} notifications",
        results.len(),
        run["tool"]["driver"]["rules"].as_array().unwrap().len()
    );
}

#[test]
fn sarif_uris_are_relative_and_percent_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("infra dir");
    std::fs::create_dir(&infra).unwrap();
    let app = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURES)
        .join("app.yaml");
    std::fs::copy(app, infra.join("app #1.yaml")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .current_dir(dir.path())
        .args(["check", "infra dir", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_valid_sarif(&text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    let loc = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "infra%20dir/app%20%231.yaml");
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
}

#[test]
fn unused_inline_suppression_is_reported_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let template = "\
Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Metadata:
      ddbguard:
        ignore:
          - rule: gsi-limit-exceeded
            reason: many indexes are planned
    Properties:
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
";
    std::fs::write(dir.path().join("t.yaml"), template).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .current_dir(dir.path())
        .args([
            "check",
            "t.yaml",
            "--format",
            "github",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let unused: Vec<_> = text
        .lines()
        .filter(|l| l.contains("title=DDB003"))
        .map(parse_command)
        .collect();
    assert_eq!(unused.len(), 1, "{text}");
    let (cmd, props, message) = &unused[0];
    assert_eq!(cmd, "warning");
    assert!(
        props.contains(&("line".to_string(), "7".to_string())),
        "{props:?}"
    );
    assert!(
        message.starts_with(
            "suppression of DDB504 gsi-limit-exceeded on OrdersTable matched no finding"
        ),
        "{message}"
    );
}

#[test]
fn absent_findings_are_not_junit_results_but_are_sarif_results() {
    let mut r = report();
    let n = r
        .findings
        .iter()
        .position(|f| f.rule_id == "DDB101" && f.suppression.is_none())
        .unwrap();
    r.findings[n].baseline_state = Some(ddbguard::report::BaselineState::Absent);
    let (suites, _) = read_junit(&junit::render(&r, &enabled()));
    let case = suites[0]
        .1
        .iter()
        .find(|c| c.classname == "hand/app.yaml Orders" && c.name == "DDB101 pitr-disabled")
        .unwrap();
    assert!(!case.failed && !case.skipped);
    let text = sarif::render(&r, None);
    assert_valid_sarif(&text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let absent: Vec<_> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baselineState"] == "absent")
        .collect();
    assert_eq!(absent.len(), 1);
    assert_eq!(absent[0]["ruleId"], "DDB101");
}

#[test]
fn terraform_comment_suppressions_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let tf = "\
# ddbguard:ignore DDB103 protection is handled by an SCP
resource \"aws_dynamodb_table\" \"orders\" {
  name         = \"orders\"
  hash_key     = \"pk\"
  billing_mode = \"PAY_PER_REQUEST\"
  attribute {
    name = \"pk\"
    type = \"S\"
  }
  # ddbguard:ignore DDB101
  tags = {}
}
";
    std::fs::write(dir.path().join("main.tf"), tf).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .current_dir(dir.path())
        .args([
            "check",
            ".",
            "--format",
            "sarif",
            "--select",
            "DDB003,DDB101,DDB103",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_valid_sarif(&text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let results: Vec<(String, u64, bool)> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
                r["suppressions"][0]["justification"] == "protection is handled by an SCP",
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("DDB101".to_string(), 2, false),
            ("DDB103".to_string(), 2, true),
            ("DDB003".to_string(), 10, false),
        ]
    );
}

#[test]
fn config_suppressions_end_to_end() {
    let out = ddbguard(
        &[
            "check",
            FIXTURES,
            "--config",
            "testdata/reports/config.ddbguard.yaml",
            "--format",
            "sarif",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_valid_sarif(&text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let find = |rule: &str, resource: &str| {
        results
            .iter()
            .find(|r| {
                r["ruleId"] == rule
                    && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == resource
            })
            .unwrap_or_else(|| panic!("{rule} on {resource}"))
    };
    // Suppressed by the first entry: an external suppression with its reason.
    let audit = find("DDB104", "AuditTable");
    assert_eq!(audit["suppressions"][0]["kind"], "external");
    assert_eq!(
        audit["suppressions"][0]["justification"],
        "the audit table is rebuilt nightly from the archive"
    );
    // The second entry expired: DDB101 on OrdersTable counts again.
    assert!(find("DDB101", "OrdersTable")["suppressions"].is_null());
    // The inline suppression in the template still applies.
    assert_eq!(
        find("DDB103", "OrdersTable")["suppressions"][0]["kind"],
        "inSource"
    );
    // The expired and the unused entries are DDB003 at their lines of the config file.
    let ddb003: Vec<(String, u64)> = results
        .iter()
        .filter(|r| r["ruleId"] == "DDB003")
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ddb003,
        [
            ("testdata/reports/config.ddbguard.yaml".to_string(), 7),
            ("testdata/reports/config.ddbguard.yaml".to_string(), 11),
        ]
    );
}

#[test]
fn junit_from_a_subdirectory_has_one_suite_per_file() {
    // Paths are relative to the repository root, whatever the current directory: the
    // passing cases of a file and its failures are one suite, under one name.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ddbguard"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"))
        .args(["check", "examples", "--format", "junit"])
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run ddbguard");
    assert_eq!(out.status.code(), Some(1));
    let (suites, _) = read_junit(&stdout(&out));
    let names: Vec<&str> = suites.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"testdata/examples/cloudformation/orders.yaml"),
        "{names:?}"
    );
    for (name, cases) in &suites {
        assert!(name.starts_with("testdata/examples/"), "{names:?}");
        let failed = cases.iter().filter(|c| c.failed).count();
        let passed = cases.iter().filter(|c| !c.failed && !c.skipped).count();
        if name.ends_with("orders.yaml") {
            assert!(
                failed > 0 && passed > 0,
                "{name}: {failed} failed, {passed} passed"
            );
        }
    }
}
