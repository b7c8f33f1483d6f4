//! The baseline file (`--write-baseline FILE`, `--baseline FILE`): adopt ddbguard on a
//! repository with findings today and fail only on new ones, without a git base.
//!
//! The file lists each counted finding (not suppressed) by what identifies it across
//! edits: rule, path, resource and fingerprint, with its message and location for the
//! reader. It is JSON, sorted by path, rule, resource, fingerprint and message (never by
//! line), so writing it twice gives the same bytes and unrelated edits move only the
//! line numbers in it. A run with `--baseline` compares with it exactly as pull-request
//! mode compares with the base ([`crate::baseline::compare`]): findings in the file are
//! unchanged and left out, the others are new, and the file's findings the run no longer
//! has are listed as absent (SARIF `baselineState`).

use crate::model::{Format, ResourceRef};
use crate::source::{SourceFile, SourceMap, Span};
use crate::vocab::{BaselineState, Error, Finding, Location, Report, Severity, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The version of the file format.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    tool: String,
    findings: Vec<Entry>,
}

/// One finding of the baseline.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<EntryResource>,
    pub fingerprint: String,
    pub message: String,
    pub severity: String,
    pub format: String,
    pub location: EntryLocation,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryResource {
    pub id: String,
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdk_path: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryLocation {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// A baseline read from a file.
#[derive(Debug)]
pub struct Baseline {
    /// The file, as the user named it.
    pub name: String,
    pub entries: Vec<Entry>,
}

/// The baseline of a report: its counted findings, sorted.
pub fn render(report: &Report) -> String {
    let mut findings: Vec<Entry> = report.active().map(entry).collect();
    findings.sort();
    let file = File {
        version: VERSION,
        tool: "ddbguard".into(),
        findings,
    };
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
    s.push('\n');
    s
}

fn entry(f: &Finding) -> Entry {
    Entry {
        path: f.path.clone(),
        rule_id: f.rule_id.to_string(),
        resource: f.resource.as_ref().map(|r| EntryResource {
            id: r.id.clone(),
            rtype: r.rtype.clone(),
            cdk_path: r.cdk_path.clone(),
        }),
        fingerprint: f.fingerprint.clone(),
        message: f.message.clone(),
        severity: f.severity.as_str().to_string(),
        format: f.format.as_str().to_string(),
        location: EntryLocation {
            start_line: f.location.start_line,
            start_column: f.location.start_column,
            end_line: f.location.end_line,
            end_column: f.location.end_column,
        },
    }
}

impl Baseline {
    /// Read a baseline file written by `--write-baseline`.
    pub fn read(path: &Path) -> Result<Baseline, Error> {
        let shown = crate::source::display_path(path);
        let text =
            std::fs::read_to_string(path).map_err(|e| Error(format!("--baseline {shown}: {e}")))?;
        let mut baseline =
            Baseline::parse(&text).map_err(|e| Error(format!("--baseline {shown}: {e}")))?;
        baseline.name = shown;
        Ok(baseline)
    }

    /// Parse the text of a baseline file.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let file: File =
            serde_json::from_str(text).map_err(|e| format!("not a ddbguard baseline file: {e}"))?;
        if file.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (this ddbguard reads version {VERSION}): write it again with --write-baseline",
                file.version
            ));
        }
        Ok(Baseline {
            name: "the baseline".into(),
            entries: file.findings,
        })
    }

    /// Compare a run with the baseline: its findings are marked new or unchanged, the
    /// unchanged ones are left out, and the baseline's findings the run no longer has are
    /// listed as absent (and not counted).
    pub fn apply(self, report: &mut Report) {
        let name = self.name.clone();
        let before = report.active().count();
        let base = self.into_report(report.policies.clone());
        crate::baseline::compare(report, base, true);
        let unchanged = before - report.active().count();
        let absent = report
            .findings
            .iter()
            .filter(|f| f.baseline_state == Some(BaselineState::Absent))
            .count();
        let mut message = match unchanged {
            0 => format!("no finding of {name} remains"),
            1 => format!("1 finding in {name} is not shown"),
            n => format!("{n} findings in {name} are not shown"),
        };
        if absent > 0 {
            message.push_str(&format!(
                "; {absent} of its findings are gone (--write-baseline {name} forgets them)"
            ));
        }
        report.messages.push(message);
    }

    /// The baseline as the report of a base run, for [`crate::baseline::compare`]. Each
    /// path gets an empty source file: absent findings keep the location written in the
    /// baseline and are never rendered with a snippet. `policies` are the run's: a finding
    /// of one of their rules is matched too.
    fn into_report(self, policies: Arc<crate::vocab::Policies>) -> Report {
        let sources = SourceMap::default();
        let mut files = BTreeMap::new();
        let findings = self
            .entries
            .into_iter()
            .filter_map(|e| {
                // A rule this ddbguard does not know cannot be matched by any finding.
                let meta = crate::rules::find(&e.rule_id, &policies)?;
                let file = *files
                    .entry(e.path.clone())
                    .or_insert_with(|| sources.add(SourceFile::new(e.path.clone().into(), "")));
                Some(Finding {
                    rule_id: meta.id,
                    rule_name: meta.name,
                    severity: Severity::parse(&e.severity).unwrap_or(meta.severity),
                    message: e.message,
                    help: String::new(),
                    format: parse_format(&e.format),
                    resource: e.resource.map(|r| ResourceRef {
                        id: r.id,
                        rtype: r.rtype,
                        cdk_path: r.cdk_path,
                    }),
                    location: Location {
                        start_line: e.location.start_line,
                        start_column: e.location.start_column,
                        end_line: e.location.end_line,
                        end_column: e.location.end_column,
                    },
                    path: e.path,
                    // The baseline keeps fingerprints, which name the scope when it matters.
                    scope: String::new(),
                    related: Vec::new(),
                    fingerprint: e.fingerprint,
                    suppression: None,
                    baseline_state: None,
                    span: Span {
                        file,
                        start: 0,
                        end: 0,
                    },
                })
            })
            .collect();
        Report {
            findings,
            summary: Summary::default(),
            scopes: Vec::new(),
            skipped: Vec::new(),
            messages: Vec::new(),
            sources: Arc::new(sources),
            rebased: None,
            policies,
        }
    }
}

fn parse_format(s: &str) -> Format {
    match s {
        "cdk" => Format::Cdk,
        "terraform" => Format::Terraform,
        "terraform-plan" => Format::TerraformPlan,
        _ => Format::Cloudformation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_version_1_files_with_known_fields_are_read() {
        assert!(Baseline::parse(r#"{"version": 1, "tool": "ddbguard", "findings": []}"#).is_ok());
        let newer = Baseline::parse(r#"{"version": 2, "tool": "ddbguard", "findings": []}"#);
        assert!(newer.unwrap_err().contains("version 2"));
        let typo = Baseline::parse(r#"{"version": 1, "tool": "ddbguard", "finding": []}"#);
        assert!(typo.unwrap_err().contains("not a ddbguard baseline file"));
        assert!(Baseline::parse("[]").is_err());
    }

    #[test]
    fn entries_of_unknown_rules_match_nothing() {
        let text = r#"{"version": 1, "tool": "ddbguard", "findings": [
            {"path": "a.yaml", "rule_id": "DDB999", "fingerprint": "0", "message": "m",
             "severity": "error", "format": "cloudformation",
             "location": {"start_line": 1, "start_column": 1, "end_line": 1, "end_column": 2}},
            {"path": "a.yaml", "rule_id": "DDB101", "fingerprint": "1", "message": "m",
             "severity": "error", "format": "cloudformation",
             "location": {"start_line": 3, "start_column": 1, "end_line": 3, "end_column": 2}}
        ]}"#;
        let report = Baseline::parse(text)
            .unwrap()
            .into_report(Default::default());
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].rule_id, "DDB101");
        assert_eq!(report.findings[0].location.start_line, 3);
    }
}
