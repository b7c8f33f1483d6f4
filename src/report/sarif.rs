//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! One run. `tool.driver.rules[]` is the whole catalog, in registry order, then the run's
//! policy rules (`ruleIndex` points into it). Each finding is a result with one physical location: the finding's
//! path as a relative URI under `%SRCROOT%` (the directory ddbguard ran from) and a region
//! whose lines and columns are ≥ 1 (columns count Unicode code points; `endColumn` is the
//! column after the last character). Suppressed findings are results with `suppressions[]`;
//! DDB001 problems are also `toolExecutionNotifications` of the invocation.

use super::{BaselineState, Finding, Location, Report, Summary, SuppressionKind};
use crate::rules::{RuleMeta, Severity};
use crate::vocab::Policies;
use serde::Serialize;
use std::collections::BTreeMap;

/// The project's home.
pub const INFORMATION_URI: &str = "https://github.com/ddbguard/ddbguard";

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base every result's URI is relative to.
pub const SRCROOT: &str = "%SRCROOT%";

/// A rule's documentation page at this release's tag; none for a team's Guard policy rule
/// (one of the run's `policies`), whose documentation is its source (`ddbguard explain NAME`).
pub fn help_uri(id: &str, policies: &Policies) -> Option<String> {
    policies.origin(id).is_none().then(|| {
        format!(
            "{INFORMATION_URI}/blob/v{}/rules/{id}.md",
            env!("CARGO_PKG_VERSION")
        )
    })
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
/// repository root, or the current directory); when `None`, `%SRCROOT%` is left for the
/// consumer to set.
pub fn render(report: &Report, srcroot: Option<&std::path::Path>) -> String {
    let mut out = Vec::new();
    match write(report, srcroot, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// Write the SARIF log to `out` as it is serialized: a large log is never held as text
/// too.
pub fn write(
    report: &Report,
    srcroot: Option<&std::path::Path>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report, srcroot))?;
    out.write_all(b"\n")
}

/// The SARIF log as a JSON value (for tests and tools that edit it).
pub fn sarif(report: &Report, srcroot: Option<&std::path::Path>) -> serde_json::Value {
    serde_json::to_value(log(report, srcroot)).unwrap_or_default()
}

/// The SARIF log.
pub fn log<'a>(report: &'a Report, srcroot: Option<&std::path::Path>) -> Log<'a> {
    let catalog = crate::rules::catalog(&report.policies);
    let notifications: Vec<Notification> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "DDB001" && f.baseline_state != Some(BaselineState::Absent))
        .map(|f| Notification {
            level: level(f.severity),
            message: Message::text(f.message.clone()),
            locations: vec![physical(&f.path, f.location)],
            associated_rule: RuleReference {
                id: f.rule_id,
                index: rule_index(&catalog, f.rule_id),
            },
        })
        .collect();
    let root = match srcroot.and_then(dir_uri) {
        Some(uri) => ArtifactRoot {
            uri: Some(uri),
            description: None,
        },
        None => ArtifactRoot {
            uri: None,
            description: Some(Message::text(
                "The repository root, or the directory ddbguard was run from outside a repository."
                    .into(),
            )),
        },
    };
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "ddbguard",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: catalog.iter().map(|m| rule(m, &report.policies)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: std::iter::once((SRCROOT, root)).collect(),
            column_kind: "unicodeCodePoints",
            results: report
                .findings
                .iter()
                .map(|f| result(f, &catalog))
                .collect(),
            properties: RunProperties {
                summary: report.summary,
            },
        }],
    }
}

// The SARIF 2.1.0 objects ddbguard writes, each with only the properties it uses, in the
// order the specification lists them. Serialized from these types, the output does not
// depend on how serde_json orders maps.

/// `sarifLog`.
#[derive(Debug, Serialize)]
pub struct Log<'a> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run<'a>>,
}

/// `run`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run<'a> {
    pub tool: Tool<'a>,
    pub invocations: Vec<Invocation>,
    pub original_uri_base_ids: BTreeMap<&'static str, ArtifactRoot>,
    pub column_kind: &'static str,
    pub results: Vec<SarifResult<'a>>,
    pub properties: RunProperties,
}

#[derive(Debug, Serialize)]
pub struct Tool<'a> {
    pub driver: Driver<'a>,
}

/// `toolComponent`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver<'a> {
    pub name: &'static str,
    pub version: &'static str,
    pub semantic_version: &'static str,
    pub information_uri: &'static str,
    pub rules: Vec<ReportingDescriptor<'a>>,
}

/// `reportingDescriptor`: one rule of the catalog.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor<'a> {
    pub id: &'static str,
    pub name: &'static str,
    pub short_description: Message,
    pub full_description: Message,
    pub help: MultiformatMessage,
    /// The rule's page; none for a Guard policy rule (its file is in the properties).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<String>,
    pub default_configuration: Configuration,
    pub properties: RuleProperties<'a>,
}

#[derive(Debug, Serialize)]
pub struct Configuration {
    pub level: &'static str,
    /// `false` for a rule that runs only when the config turns it on (DDB404); SARIF's
    /// default is `true`, so it is written only when false.
    #[serde(skip_serializing_if = "is_true")]
    pub enabled: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Serialize)]
pub struct RuleProperties<'a> {
    pub tags: &'static [&'static str],
    /// The policy file of a Guard policy rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<&'a str>,
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
}

/// `message` with text only.
#[derive(Debug, Serialize)]
pub struct Message {
    pub text: String,
}

impl Message {
    fn text(text: String) -> Message {
        Message { text }
    }
}

/// `multiformatMessageString`.
#[derive(Debug, Serialize)]
pub struct MultiformatMessage {
    pub text: String,
    pub markdown: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_execution_notifications: Vec<Notification>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub level: &'static str,
    pub message: Message,
    pub locations: Vec<SarifLocation>,
    pub associated_rule: RuleReference,
}

/// `reportingDescriptorReference`.
#[derive(Debug, Serialize)]
pub struct RuleReference {
    pub id: &'static str,
    pub index: usize,
}

/// `artifactLocation` of `originalUriBaseIds`: a URI, or a description when unknown.
#[derive(Debug, Serialize)]
pub struct ArtifactRoot {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Message>,
}

#[derive(Debug, Serialize)]
pub struct RunProperties {
    pub summary: Summary,
}

/// `result`: one finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult<'a> {
    pub rule_id: &'static str,
    pub rule_index: usize,
    pub level: &'static str,
    pub message: Message,
    pub locations: Vec<SarifLocation>,
    /// The way a value travelled (module call, variable default), when the finding says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_locations: Vec<SarifLocation>,
    pub partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<SarifSuppression<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<&'static str>,
    pub properties: ResultProperties<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultProperties<'a> {
    pub format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct SarifSuppression<'a> {
    pub kind: &'static str,
    pub status: &'static str,
    pub justification: &'a str,
}

/// `location`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifLocation {
    /// `relatedLocations` entries are numbered (0, 1, …); primary locations are not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<usize>,
    pub physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation {
    pub name: String,
    pub fully_qualified_name: String,
    pub kind: &'static str,
}

/// `region`: 1-based lines and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

fn rule<'a>(m: &RuleMeta, policies: &'a Policies) -> ReportingDescriptor<'a> {
    let policy = policies.origin(m.id);
    ReportingDescriptor {
        id: m.id,
        name: m.name,
        short_description: Message::text(m.summary.to_string()),
        full_description: Message::text(
            m.section("What it checks")
                .unwrap_or_else(|| m.summary.to_string()),
        ),
        help: MultiformatMessage {
            text: m.documentation(),
            markdown: crate::rules::docs::rule_page(m),
        },
        help_uri: help_uri(m.id, policies),
        default_configuration: Configuration {
            level: level(m.severity),
            enabled: m.default_enabled,
        },
        properties: RuleProperties {
            tags: m.tags,
            policy,
            security_severity: security_severity(m.severity),
        },
    }
}

fn rule_index(catalog: &[&RuleMeta], id: &str) -> usize {
    catalog.iter().position(|m| m.id == id).unwrap_or(0)
}

fn result<'a>(f: &'a Finding, catalog: &[&RuleMeta]) -> SarifResult<'a> {
    let mut text = f.message.clone();
    if !f.help.is_empty() {
        text.push_str("\nHelp: ");
        text.push_str(&f.help);
    }
    // The way the value travelled, each place linked to its related location.
    for (i, r) in f.related.iter().enumerate() {
        text.push_str(&format!(
            "\n- {}: [{}:{}]({i})",
            r.message, r.path, r.location.start_line
        ));
    }
    let mut location = physical(&f.path, f.location);
    if let Some(r) = &f.resource {
        location.logical_locations.push(LogicalLocation {
            name: r.id.clone(),
            fully_qualified_name: r.id.clone(),
            kind: "resource",
        });
        if let Some(p) = &r.cdk_path {
            location.logical_locations.push(LogicalLocation {
                name: p.rsplit('/').next().unwrap_or(p).to_string(),
                fully_qualified_name: p.clone(),
                kind: "module",
            });
        }
    }
    // The scope last: the resource comes first, as readers expect.
    if !f.scope.is_empty() {
        location.logical_locations.push(LogicalLocation {
            name: f.scope.clone(),
            fully_qualified_name: f.scope.clone(),
            kind: "module",
        });
    }
    SarifResult {
        rule_id: f.rule_id,
        rule_index: rule_index(catalog, f.rule_id),
        level: level(f.severity),
        message: Message::text(text),
        locations: vec![location],
        related_locations: f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| SarifLocation {
                id: Some(i),
                message: Some(Message::text(r.message.clone())),
                ..physical(&r.path, r.location)
            })
            .collect(),
        partial_fingerprints: std::iter::once(("ddbguard/v1", f.fingerprint.as_str())).collect(),
        suppressions: f
            .suppression
            .iter()
            .map(|s| SarifSuppression {
                kind: match s.kind {
                    SuppressionKind::InSource => "inSource",
                    SuppressionKind::External => "external",
                },
                status: "accepted",
                justification: &s.justification,
            })
            .collect(),
        baseline_state: f.baseline_state.map(|b| match b {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Absent => "absent",
        }),
        properties: ResultProperties {
            format: f.format.as_str(),
            resource_type: f.resource.as_ref().map(|r| r.rtype.as_str()),
        },
    }
}

/// A location at `path` (relative to `%SRCROOT%`, or absolute when it cannot be).
pub fn physical(path: &str, at: Location) -> SarifLocation {
    let artifact_location = if is_absolute(path) {
        ArtifactLocation {
            uri: file_uri(path),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_path(path),
            uri_base_id: Some(SRCROOT),
        }
    };
    SarifLocation {
        id: None,
        physical_location: PhysicalLocation {
            artifact_location,
            region: region(at),
        },
        logical_locations: Vec::new(),
        message: None,
    }
}

/// A region with every number ≥ 1 and the end never before the start.
pub fn region(l: Location) -> Region {
    let start_line = l.start_line.max(1);
    let start_column = l.start_column.max(1);
    let end_line = l.end_line.max(start_line);
    let mut end_column = l.end_column.max(1);
    if end_line == start_line {
        end_column = end_column.max(start_column);
    }
    Region {
        start_line,
        start_column,
        end_line,
        end_column,
    }
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
            Region {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1
            }
        );
        let r = region(Location {
            start_line: 3,
            start_column: 5,
            end_line: 2,
            end_column: 1,
        });
        assert_eq!((r.end_line, r.end_column), (3, 5));
    }

    #[test]
    fn help_uri_points_at_the_release_tag() {
        assert_eq!(
            help_uri("DDB101", &Policies::default()),
            Some(format!(
                "https://github.com/ddbguard/ddbguard/blob/v{}/rules/DDB101.md",
                env!("CARGO_PKG_VERSION")
            ))
        );
    }
}
