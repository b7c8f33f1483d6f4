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

/// The report as JSON text.
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    match write(report, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// Write the report as JSON to `out` as it is serialized: a large report is never held
/// as text too.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let json = JsonReport {
        version: 1,
        tool: Tool {
            name: "ddbguard",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: report.summary,
        findings: &report.findings,
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    out.write_all(b"\n")
}
