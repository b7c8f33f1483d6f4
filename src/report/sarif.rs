//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! One run. `tool.driver.rules[]` is the whole catalog, in registry order (`ruleIndex`
//! points into it). Each finding is a result with one physical location: the finding's
//! path as a relative URI under `%SRCROOT%` (the directory ddbguard ran from) and a region
//! whose lines and columns are ≥ 1 (columns count Unicode code points; `endColumn` is the
//! column after the last character). Suppressed findings are results with `suppressions[]`;
//! DDB001 problems are also `toolExecutionNotifications` of the invocation.

use super::{BaselineState, Finding, Location, Report, SuppressionKind};
use crate::rules::{RULES, RuleMeta, Severity};
use serde_json::{Value, json};

/// The project's home.
pub const INFORMATION_URI: &str = "https://github.com/ddbguard/ddbguard";

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base every result's URI is relative to.
pub const SRCROOT: &str = "%SRCROOT%";

/// A rule's documentation page at this release's tag.
pub fn help_uri(id: &str) -> String {
    format!(
        "{INFORMATION_URI}/blob/v{}/rules/{id}.md",
        env!("CARGO_PKG_VERSION")
    )
}

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `properties.security-severity` of a rule: GitHub ranks alerts by it (≥ 7.0 high,
/// ≥ 4.0 medium, otherwise low). An error is a high, a warning a medium, a note a low.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "7.5",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

/// Render the report. `srcroot` is the absolute directory relative paths start from (the
/// current directory); when `None`, `%SRCROOT%` is left for the consumer to set.
pub fn render(report: &Report, srcroot: Option<&std::path::Path>) -> String {
    let mut s = serde_json::to_string_pretty(&sarif(report, srcroot))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The SARIF log as a JSON value.
pub fn sarif(report: &Report, srcroot: Option<&std::path::Path>) -> Value {
    let rules: Vec<Value> = RULES.iter().map(|r| rule(r.meta())).collect();
    let results: Vec<Value> = report.findings.iter().map(result).collect();
    let notifications: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "DDB001" && f.baseline_state != Some(BaselineState::Absent))
        .map(|f| {
            json!({
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [physical(f)],
                "associatedRule": {"id": f.rule_id, "index": rule_index(f.rule_id)},
            })
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": true});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let root = match srcroot.and_then(dir_uri) {
        Some(uri) => json!({"uri": uri}),
        None => json!({"description": {"text": "The directory ddbguard was run from."}}),
    };
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ddbguard",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: root},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"summary": report.summary},
        }],
    })
}

fn rule(m: &RuleMeta) -> Value {
    json!({
        "id": m.id,
        "name": m.name,
        "shortDescription": {"text": m.summary},
        "fullDescription": {"text": m.section("What it checks").unwrap_or_else(|| m.summary.to_string())},
        "help": {
            "text": m.documentation(),
            "markdown": crate::rules::docs::rule_page(m),
        },
        "helpUri": help_uri(m.id),
        "defaultConfiguration": {"level": level(m.severity)},
        "properties": {
            "tags": m.tags,
            "security-severity": security_severity(m.severity),
        },
    })
}

fn rule_index(id: &str) -> usize {
    RULES.iter().position(|r| r.meta().id == id).unwrap_or(0)
}

fn result(f: &Finding) -> Value {
    let mut text = f.message.clone();
    if !f.help.is_empty() {
        text.push_str("\nHelp: ");
        text.push_str(&f.help);
    }
    let mut location = physical(f);
    if let Some(r) = &f.resource {
        let mut logical = vec![json!({
            "name": r.id,
            "fullyQualifiedName": r.id,
            "kind": "resource",
        })];
        if let Some(p) = &r.cdk_path {
            logical.push(json!({
                "name": p.rsplit('/').next().unwrap_or(p),
                "fullyQualifiedName": p,
                "kind": "module",
            }));
        }
        location["logicalLocations"] = Value::Array(logical);
    }
    let mut v = json!({
        "ruleId": f.rule_id,
        "ruleIndex": rule_index(f.rule_id),
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {"ddbguard/v1": f.fingerprint},
        "properties": {"format": f.format.as_str()},
    });
    if let Some(r) = &f.resource {
        v["properties"]["resourceType"] = json!(r.rtype);
    }
    if let Some(s) = &f.suppression {
        v["suppressions"] = json!([{
            "kind": match s.kind {
                SuppressionKind::InSource => "inSource",
                SuppressionKind::External => "external",
            },
            "status": "accepted",
            "justification": s.justification,
        }]);
    }
    if let Some(b) = f.baseline_state {
        v["baselineState"] = json!(match b {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Absent => "absent",
        });
    }
    v
}

fn physical(f: &Finding) -> Value {
    let artifact = if is_absolute(&f.path) {
        json!({"uri": file_uri(&f.path)})
    } else {
        json!({"uri": encode_path(&f.path), "uriBaseId": SRCROOT})
    };
    json!({"physicalLocation": {
        "artifactLocation": artifact,
        "region": region(f.location),
    }})
}

/// A region with every number ≥ 1 and the end never before the start.
pub fn region(l: Location) -> Value {
    let start_line = l.start_line.max(1);
    let start_column = l.start_column.max(1);
    let end_line = l.end_line.max(start_line);
    let mut end_column = l.end_column.max(1);
    if end_line == start_line {
        end_column = end_column.max(start_column);
    }
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

/// `/…`, or a Windows drive path (`C:/…`, `C:\\…`).
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || (b.len() > 2
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

fn file_uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    match p.strip_prefix('/') {
        Some(rest) => format!("file:///{}", encode_path(rest)),
        // A drive letter keeps its colon.
        None => format!("file:///{}:{}", &p[..1], encode_path(&p[2..])),
    }
}

fn dir_uri(dir: &std::path::Path) -> Option<String> {
    let s = crate::source::display_path(dir);
    if !is_absolute(&s) {
        return None;
    }
    let mut uri = file_uri(&s);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// Percent-encode a path for a URI: every byte but unreserved characters and `/` (a `:` is
/// encoded too, so a relative path is never read as a scheme).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_path("infra/my app/é.yaml"),
            "infra/my%20app/%C3%A9.yaml"
        );
        assert_eq!(encode_path("a\\b#c%.json"), "a/b%23c%25.json");
        assert_eq!(file_uri("/tmp/x y"), "file:///tmp/x%20y");
        assert_eq!(file_uri("C:/x"), "file:///C:/x");
        assert_eq!(encode_path("a:b.yaml"), "a%3Ab.yaml");
        assert!(is_absolute("C:\\x") && is_absolute("/x"));
        assert!(!is_absolute("a:b.yaml") && !is_absolute("infra/x"));
    }

    #[test]
    fn regions_are_clamped() {
        let r = region(Location {
            start_line: 0,
            start_column: 0,
            end_line: 0,
            end_column: 0,
        });
        assert_eq!(
            r,
            json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1})
        );
        let r = region(Location {
            start_line: 3,
            start_column: 5,
            end_line: 2,
            end_column: 1,
        });
        assert_eq!(r["endLine"], 3);
        assert_eq!(r["endColumn"], 5);
    }

    #[test]
    fn help_uri_points_at_the_release_tag() {
        assert_eq!(
            help_uri("DDB101"),
            format!(
                "https://github.com/ddbguard/ddbguard/blob/v{}/rules/DDB101.md",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}
