//! `--format json`: the version 1 report of DESIGN.md.

use super::{Finding, Report, Summary};
use serde::Serialize;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: &'a [Finding],
}

pub fn render(report: &Report) -> String {
    let out = JsonReport {
        version: 1,
        tool: Tool {
            name: "ddbguard",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: report.summary,
        findings: &report.findings,
    };
    let mut s =
        serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
