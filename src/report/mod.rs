//! Findings as reports: the run's result and its renderings.

pub mod human;
pub mod json;

use crate::model::{Format, ResourceRef};
use crate::rules::Severity;
use crate::source::{LineCol, SourceMap, Span};
use serde::Serialize;
use std::sync::Arc;

/// Where a finding is, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Why a finding does not count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `in_source` (template metadata or comment) or `external` (config).
    pub kind: SuppressionKind,
    pub justification: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    InSource,
    External,
}

/// Pull-request mode: how a finding compares with the base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    New,
    Unchanged,
    Absent,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule_id: &'static str,
    pub rule_name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub path: String,
    pub format: Format,
    pub resource: Option<ResourceRef>,
    pub location: Location,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<BaselineState>,
    #[serde(skip)]
    pub span: Span,
}

/// What one scope held: for JUnit test cases and `--verbose`.
#[derive(Clone, Debug)]
pub struct ScopeInfo {
    pub name: String,
    pub format: Format,
    /// Each resource with the path of the file it is in.
    pub resources: Vec<(String, ResourceRef)>,
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub scopes: usize,
    pub resources: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

/// The result of a run.
#[derive(Debug)]
pub struct Report {
    /// Sorted (path, line, column, rule); suppressed ones included.
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub scopes: Vec<ScopeInfo>,
    /// Files looked at and not checked, with why (`--verbose`).
    pub skipped: Vec<(String, String)>,
    /// Plain messages for the user (`no cdk.out found: run cdk synth first`).
    pub messages: Vec<String>,
    pub sources: Arc<SourceMap>,
}

impl Report {
    /// Findings that count: not suppressed, and not fixed by the change (`--base` lists
    /// those as absent, for SARIF only).
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_none() && f.baseline_state != Some(BaselineState::Absent))
    }

    /// Whether any counted finding is at or above `threshold`.
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.active().any(|f| f.severity >= t))
    }
}

/// The 1-based location of a span.
pub fn location(sources: &SourceMap, span: Span) -> Location {
    let file = sources.get(span.file);
    let LineCol { line, column } = file.line_col(span.start);
    let end = file.line_col(span.end.max(span.start));
    Location {
        start_line: line,
        start_column: column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// A 64-bit FNV-1a hash as 16 hex digits: stable across runs, platforms and Rust versions.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprint_is_stable_and_separates_parts() {
        assert_eq!(
            super::fingerprint(&["a", "b"]),
            super::fingerprint(&["a", "b"])
        );
        assert_ne!(
            super::fingerprint(&["ab", ""]),
            super::fingerprint(&["a", "b"])
        );
        assert_eq!(super::fingerprint(&[]).len(), 16);
    }
}
