//! `--format github`: GitHub Actions workflow commands, one annotation per counted finding,
//! and the Markdown job summary written to `$GITHUB_STEP_SUMMARY`.
//!
//! ```text
//! ::error file=infra/app.yaml,line=12,col=3,endLine=12,endColumn=14,title=DDB101 pitr-disabled::point-in-time …
//! ```
//!
//! Suppressed findings are not annotated; they are counted in the closing summary line and
//! in the job summary.

use super::{Finding, Report};
use crate::rules::Severity;

/// At most this many findings are listed in the job summary table (GitHub caps a step
/// summary at 1 MiB); the rest are counted.
pub const SUMMARY_ROWS: usize = 500;

/// The workflow commands, then the summary line.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.active() {
        out.push_str(&annotation(f));
        out.push('\n');
    }
    for m in &report.messages {
        out.push_str(&format!("::warning::{}\n", escape_data(m)));
    }
    out.push_str(&super::human::summary_line(report));
    out.push('\n');
    out
}

/// One workflow command for a finding.
pub fn annotation(f: &Finding) -> String {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let l = f.location;
    let line = l.start_line.max(1);
    let col = l.start_column.max(1);
    let end_line = l.end_line.max(line);
    let end_col = if end_line == line {
        l.end_column.max(col)
    } else {
        l.end_column.max(1)
    };
    let mut message = f.message.clone();
    if let Some(path) = f.resource.as_ref().and_then(|r| r.cdk_path.as_ref()) {
        message.push_str("\nConstruct: ");
        message.push_str(path);
    }
    if let Some(scope) = super::scope_if_not_obvious(f) {
        message.push_str("\nScope: ");
        message.push_str(scope);
    }
    if !f.help.is_empty() {
        message.push_str("\nHelp: ");
        message.push_str(&f.help);
    }
    for step in super::trail(f) {
        message.push_str("\n- ");
        message.push_str(&step);
    }
    format!(
        "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
        escape_property(&f.path),
        escape_property(&format!("{} {}", f.rule_id, f.rule_name)),
        escape_data(&message),
    )
}

/// Escape a command's message: `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property value: as data, plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The job summary in Markdown.
pub fn summary_markdown(report: &Report) -> String {
    let s = report.summary;
    let mut md = String::from("## ddbguard\n\n");
    md.push_str("| errors | warnings | notes | suppressed | files | resources |\n");
    md.push_str("|---:|---:|---:|---:|---:|---:|\n");
    md.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} |\n\n",
        s.errors, s.warnings, s.notes, s.suppressed, s.files, s.resources
    ));
    if s.findings == 0 {
        md.push_str("No findings.\n");
    } else {
        md.push_str("| severity | rule | location | resource | message |\n");
        md.push_str("|---|---|---|---|---|\n");
        for f in report.active().take(SUMMARY_ROWS) {
            let resource = f
                .resource
                .as_ref()
                .map_or(String::new(), |r| match &r.cdk_path {
                    Some(p) => format!("`{}` (`{}`)", code(&r.id), code(p)),
                    None => format!("`{}`", code(&r.id)),
                });
            let rule = match super::sarif::help_uri(f.rule_id, &report.policies) {
                Some(page) => format!("[{} {}]({page})", f.rule_id, f.rule_name),
                None => f.rule_id.to_string(),
            };
            md.push_str(&format!(
                "| {} | {} | `{}:{}` | {} | {} |\n",
                f.severity.as_str(),
                rule,
                code(&f.path),
                f.location.start_line.max(1),
                resource,
                cell(&f.message),
            ));
        }
        if s.findings > SUMMARY_ROWS {
            md.push_str(&format!(
                "\n…and {} more findings (see the annotations or the SARIF report).\n",
                s.findings - SUMMARY_ROWS
            ));
        }
    }
    if s.suppressed > 0 {
        md.push_str(&format!(
            "\n{} suppressed finding{} not listed.\n",
            s.suppressed,
            if s.suppressed == 1 { "" } else { "s" }
        ));
    }
    md
}

/// Text for a table cell: no line breaks, `|` escaped, HTML-significant characters escaped.
fn cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// Text inside a code span of a table cell.
fn code(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('`', "'")
        .replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(escape_data("50% a\r\nb: c,d"), "50%25 a%0D%0Ab: c,d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn cells_stay_on_one_line() {
        assert_eq!(cell("a|b\n<c>"), "a\\|b &lt;c&gt;");
        assert_eq!(code("x`|y"), "x'\\|y");
    }
}
