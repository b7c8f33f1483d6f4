//! `--format concise`: one line per finding, `path:line:col: ID [severity] message`, as
//! compilers and ruff's concise output write them (editors and `grep` read it), then the
//! summary line.

use super::{Finding, Report};

pub fn render(report: &Report) -> String {
    let mut text: String = report.active().map(line).collect();
    for m in &report.messages {
        text.push_str(m);
        text.push('\n');
    }
    text.push_str(&super::human::summary_line(report));
    text.push('\n');
    text
}

/// `path:line:col: ID [severity] message` and a newline.
pub fn line(f: &Finding) -> String {
    format!(
        "{}:{}:{}: {} [{}] {}\n",
        f.path,
        f.location.start_line,
        f.location.start_column,
        f.rule_id,
        f.severity.as_str(),
        f.message.replace('\n', " "),
    )
}
