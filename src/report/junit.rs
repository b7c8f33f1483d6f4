//! `--format junit`: JUnit XML for CI test report viewers.
//!
//! A `<testsuite>` per file, a `<testcase>` per (resource, rule) that was checked, with a
//! `<failure>` when the rule found something and `<skipped>` when all it found was
//! suppressed. Which rules check which resources is derived from the rule id, by the class
//! of the resource ([`resource_class`]):
//!
//! | rules | apply to |
//! |---|---|
//! | DDB1xx, DDB201, DDB4xx, DDB5xx | tables |
//! | DDB202 | KMS keys |
//! | DDB203, DDB204 | DAX clusters |
//! | DDB301 | VPCs |
//! | DDB302, DDB303 | VPC endpoints |
//! | DDB6xx | resources that carry IAM policy statements |
//!
//! File-level rules (DDB001, DDB002, DDB003) get one test case per file with resources,
//! named by the rule, with classname `<path> (file)`; a file without resources (one that did
//! not parse, the config file) gets test cases only for what was found in it. Any finding not covered by these test cases (a rule that reports
//! on another class of resource) gets its own test case, so no finding is ever left out.

use super::{Finding, Report};
use crate::model::Kind;
use quick_xml::Writer;
use quick_xml::escape::{escape, partial_escape};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use std::collections::BTreeMap;

/// The class of a resource, as `ScopeInfo::checked` records it.
pub fn resource_class(kind: &Kind) -> &'static str {
    match kind {
        Kind::Table(_) => "table",
        Kind::Dax(_) => "dax",
        Kind::Vpc => "vpc",
        Kind::VpcEndpoint(_) => "vpc_endpoint",
        Kind::EndpointRouteTable(_) => "endpoint_route_table",
        Kind::Alarm(_) => "alarm",
        Kind::KmsKey(_) => "kms_key",
        Kind::KmsAlias(_) => "kms_alias",
        Kind::Policy(_) => "policy",
        Kind::ContributorInsights(_) => "contributor_insights",
        Kind::ScalableTarget(_) => "scalable_target",
        Kind::Other => "other",
    }
}

/// Whether some rule checks resources of this class (DDB4xx rules read alarms too, so
/// alarms count).
pub fn checked_class(class: &str) -> bool {
    matches!(
        class,
        "table" | "kms_key" | "dax" | "alarm" | "vpc" | "vpc_endpoint" | "policy"
    )
}

/// Whether a rule checks resources of this class.
pub fn applies(rule_id: &str, class: &str) -> bool {
    let Some(n) = rule_id
        .strip_prefix("DDB")
        .and_then(|n| n.parse::<u32>().ok())
    else {
        return false;
    };
    match n {
        202 => class == "kms_key",
        203..=205 => class == "dax",
        407 => class == "alarm",
        301 => class == "vpc",
        302 | 303 => class == "vpc_endpoint",
        100..=299 | 400..=599 => class == "table",
        600..=699 => class == "policy",
        _ => false,
    }
}

/// Rules that are about a file rather than a resource.
pub fn file_level(rule_id: &str) -> bool {
    matches!(rule_id, "DDB001" | "DDB002" | "DDB003")
}

/// (resource id or "" for the file, rule id) → findings.
type Cases<'a> = BTreeMap<(String, &'static str), Vec<&'a Finding>>;

/// Render the report; `enabled` lists the ids of the rules that ran.
pub fn render(report: &Report, enabled: &[&'static str]) -> String {
    let mut files: BTreeMap<String, Cases> = BTreeMap::new();
    for scope in &report.scopes {
        for file in &scope.files {
            files.entry(report.file_path(*file)).or_default();
        }
        for (file, id, class) in &scope.checked {
            let cases = files.entry(report.file_path(*file)).or_default();
            for rule in enabled.iter().filter(|r| applies(r, class)) {
                cases.entry((id.clone(), rule)).or_default();
            }
        }
    }
    for cases in files.values_mut() {
        for rule in enabled.iter().filter(|r| file_level(r)) {
            cases.entry((String::new(), rule)).or_default();
        }
    }
    // Findings the base had and head fixed (pull-request mode) are not test results.
    let present = report
        .findings
        .iter()
        .filter(|f| f.baseline_state != Some(super::BaselineState::Absent));
    for f in present {
        // A file without resources (one that did not parse, the config file) lists only
        // what was found in it.
        let cases = files.entry(f.path.clone()).or_default();
        let resource = f.resource.as_ref().map_or("", |r| r.id.as_str());
        let key =
            if cases.contains_key(&(resource.to_string(), f.rule_id)) || !file_level(f.rule_id) {
                (resource.to_string(), f.rule_id)
            } else {
                (String::new(), f.rule_id)
            };
        cases.entry(key).or_default().push(f);
    }

    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for cases in files.values() {
        let (t, fl, sk) = counts(cases);
        tests += t;
        failures += fl;
        skipped += sk;
    }
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = (|| -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let totals = [
            ("tests", tests.to_string()),
            ("failures", failures.to_string()),
            ("errors", "0".into()),
            ("skipped", skipped.to_string()),
            ("time", "0".into()),
        ];
        let root = start("testsuites", &[("name", "ddbguard")], &totals);
        w.write_event(Event::Start(root))?;
        for (path, cases) in &files {
            let (t, fl, sk) = counts(cases);
            let counts = [
                ("tests", t.to_string()),
                ("failures", fl.to_string()),
                ("errors", "0".into()),
                ("skipped", sk.to_string()),
                ("time", "0".into()),
            ];
            w.write_event(Event::Start(start("testsuite", &[("name", path)], &counts)))?;
            for ((resource, rule), findings) in cases {
                testcase(&mut w, &report.policies, path, resource, rule, findings)?;
            }
            w.write_event(Event::End(BytesEnd::new("testsuite")))?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuites")))
    })();
    let mut out = String::from_utf8(w.into_inner()).unwrap_or_default();
    if written.is_err() {
        // Writing to memory does not fail; were it to, no half document.
        out.clear();
    }
    out.push('\n');
    out
}

/// (tests, failures, skipped) of a file's cases.
fn counts(cases: &Cases) -> (usize, usize, usize) {
    let mut c = (cases.len(), 0, 0);
    for findings in cases.values() {
        if findings.iter().any(|f| f.suppression.is_none()) {
            c.1 += 1;
        } else if !findings.is_empty() {
            c.2 += 1;
        }
    }
    c
}

fn testcase(
    w: &mut Writer<Vec<u8>>,
    policies: &crate::vocab::Policies,
    path: &str,
    resource: &str,
    rule: &str,
    findings: &[&Finding],
) -> std::io::Result<()> {
    let name = match crate::rules::find(rule, policies) {
        Some(m) => format!("{} {}", m.id, m.name),
        None => rule.to_string(),
    };
    let classname = if resource.is_empty() {
        format!("{path} (file)")
    } else {
        format!("{path} {resource}")
    };
    let line = findings
        .iter()
        .find(|f| f.suppression.is_none())
        .or(findings.first())
        .map(|f| f.location.start_line.max(1).to_string());
    let mut more = Vec::new();
    if let Some(line) = line {
        more.push(("line", line));
    }
    more.push(("time", "0".to_string()));
    let case = start(
        "testcase",
        &[("name", &name), ("classname", &classname), ("file", path)],
        &more,
    );
    let active: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .collect();
    if findings.is_empty() {
        return w.write_event(Event::Empty(case));
    }
    w.write_event(Event::Start(case))?;
    if let Some(first) = active.first() {
        let message = if active.len() == 1 {
            first.message.clone()
        } else {
            format!("{} ({} findings)", first.message, active.len())
        };
        let mut text = String::new();
        for f in &active {
            text.push_str(&format!(
                "{}:{}:{}: {}: {}\n",
                f.path,
                f.location.start_line.max(1),
                f.location.start_column.max(1),
                f.severity.as_str(),
                f.message
            ));
            if !f.help.is_empty() {
                text.push_str(&format!("  help: {}\n", f.help));
            }
        }
        let failure = start(
            "failure",
            &[("message", &message), ("type", first.severity.as_str())],
            &[],
        );
        w.write_event(Event::Start(failure))?;
        let text: String = text.chars().filter(|c| xml_char(*c)).collect();
        w.write_event(Event::Text(BytesText::from_escaped(partial_escape(&text))))?;
        w.write_event(Event::End(BytesEnd::new("failure")))?;
    } else {
        let reasons: Vec<&str> = findings
            .iter()
            .filter_map(|f| f.suppression.as_ref().map(|s| s.justification.as_str()))
            .collect();
        let message = format!("suppressed: {}", reasons.join("; "));
        w.write_event(Event::Empty(start(
            "skipped",
            &[("message", &message)],
            &[],
        )))?;
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))
}

/// An element's start tag with its attributes, in order.
fn start<'a>(
    name: &'a str,
    text: &[(&'a str, &str)],
    numbers: &[(&'a str, String)],
) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (key, value) in text {
        e.push_attribute(attribute(key, value));
    }
    for (key, value) in numbers {
        e.push_attribute(attribute(key, value));
    }
    e
}

/// Characters XML 1.0 allows (others cannot be written, not even escaped).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// An attribute, escaped by quick-xml, with line breaks and tabs kept as character
/// references (a parser turns literal ones into spaces).
fn attribute<'a>(key: &'a str, value: &str) -> Attribute<'a> {
    let value: String = value.chars().filter(|c| xml_char(*c)).collect();
    let escaped = escape(value.as_str())
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;");
    Attribute {
        key: QName(key),
        value: escaped.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_checked_classes_have_rules() {
        let classes = [
            "table",
            "dax",
            "vpc",
            "vpc_endpoint",
            "endpoint_route_table",
            "alarm",
            "kms_key",
            "kms_alias",
            "policy",
            "contributor_insights",
            "scalable_target",
            "other",
        ];
        for class in classes {
            let any = (0..1000).any(|n| applies(&format!("DDB{n:03}"), class));
            assert_eq!(any, checked_class(class), "{class}");
        }
    }

    #[test]
    fn rules_apply_by_class() {
        assert!(applies("DDB101", "table"));
        assert!(applies("DDB503", "table"));
        assert!(!applies("DDB101", "dax"));
        assert!(applies("DDB203", "dax"));
        assert!(!applies("DDB203", "table"));
        assert!(applies("DDB301", "vpc"));
        assert!(!applies("DDB301", "vpc_endpoint"));
        assert!(applies("DDB303", "vpc_endpoint"));
        assert!(applies("DDB202", "kms_key"));
        assert!(!applies("DDB202", "table"));
        assert!(applies("DDB201", "table"));
        assert!(applies("DDB601", "policy"));
        assert!(!applies("DDB001", "table"));
        assert!(!applies("XYZ", "table"));
    }

    #[test]
    fn escaping_drops_what_xml_cannot_hold() {
        let a = attribute("m", "a<b>&\"'\n\u{1}");
        assert_eq!(a.value, "a&lt;b&gt;&amp;&quot;&apos;&#10;");
    }
}
