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
use std::collections::BTreeMap;

/// The class of a resource, as `ScopeInfo::resources` records it.
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
        for (path, id, class) in &scope.resources {
            let cases = files.entry(path.to_string()).or_default();
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
    let mut body = String::new();
    for (path, cases) in &files {
        let (t, fl, sk) = counts(cases);
        tests += t;
        failures += fl;
        skipped += sk;
        body.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{fl}\" errors=\"0\" skipped=\"{sk}\" time=\"0\">\n",
            attr(path)
        ));
        for ((resource, rule), findings) in cases {
            testcase(&mut body, path, resource, rule, findings);
        }
        body.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"ddbguard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">\n\
         {body}</testsuites>\n"
    )
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

fn testcase(out: &mut String, path: &str, resource: &str, rule: &str, findings: &[&Finding]) {
    let name = match crate::rules::meta_by_id(rule) {
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
        .map(|f| format!(" line=\"{}\"", f.location.start_line.max(1)))
        .unwrap_or_default();
    let open = format!(
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"{line} time=\"0\"",
        attr(&name),
        attr(&classname),
        attr(path)
    );
    let active: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .collect();
    if findings.is_empty() {
        out.push_str(&open);
        out.push_str("/>\n");
    } else if let Some(first) = active.first() {
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
        out.push_str(&open);
        out.push_str(">\n");
        out.push_str(&format!(
            "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
            attr(&message),
            attr(first.severity.as_str()),
            text_node(&text)
        ));
        out.push_str("    </testcase>\n");
    } else {
        let reasons: Vec<&str> = findings
            .iter()
            .filter_map(|f| f.suppression.as_ref().map(|s| s.justification.as_str()))
            .collect();
        out.push_str(&open);
        out.push_str(">\n");
        out.push_str(&format!(
            "      <skipped message=\"{}\"/>\n",
            attr(&format!("suppressed: {}", reasons.join("; ")))
        ));
        out.push_str("    </testcase>\n");
    }
}

/// Characters XML 1.0 allows.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// An attribute value: escaped, with line breaks kept as character references.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

fn text_node(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(attr("a<b>&\"'\n\u{1}"), "a&lt;b&gt;&amp;&quot;'&#10;");
        assert_eq!(text_node("x < y & \u{0}z"), "x &lt; y &amp; z");
    }
}
