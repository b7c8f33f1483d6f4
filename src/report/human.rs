//! `--format human`: ariadne diagnostics grouped by file, then a summary line.

use super::{Finding, Report};
use crate::rules::Severity;
use ariadne::{Color, Config, IndexType, Label, ReportKind, Source};

/// Lines longer than this are not shown as snippets.
const MAX_SNIPPET_LINE: usize = 400;

pub fn render(report: &Report, color: bool) -> String {
    let mut out = Vec::new();
    // Findings are sorted by path, so they come grouped by file.
    for f in report.active() {
        let file = report.sources.get(f.span.file);
        if file.line_range(f.span.start).len() > MAX_SNIPPET_LINE {
            // Minified or generated one-line files: no source snippet.
            out.extend(plain_line(f).into_bytes());
            continue;
        }
        let mut one = Vec::new();
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            render_one(f, report, color, &mut one)
        }));
        if rendered.is_ok() {
            out.extend(one);
        } else {
            // The renderer must never take the run down: fall back to one plain line.
            out.extend(plain_line(f).into_bytes());
        }
    }
    let mut text = String::from_utf8_lossy(&out).into_owned();
    for m in &report.messages {
        text.push_str(m);
        text.push('\n');
    }
    text.push_str(&summary_line(report));
    text.push('\n');
    text
}

fn render_one(f: &Finding, report: &Report, color: bool, out: &mut Vec<u8>) {
    let file = report.sources.get(f.span.file);
    let (kind, c) = match f.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
        Severity::Note => (ReportKind::Advice, Color::Cyan),
    };
    let range = char_range(&file.text, f.span.range());
    let label_text = match &f.resource {
        Some(r) => match &r.cdk_path {
            Some(p) => format!("{} ({})", r.id, p),
            None => r.id.clone(),
        },
        None => f.rule_name.to_string(),
    };
    let mut b = ariadne::Report::build(kind, (f.path.as_str(), range.clone()))
        .with_config(
            Config::default()
                .with_index_type(IndexType::Byte)
                .with_color(color),
        )
        .with_code(f.rule_id)
        .with_message(format!("{} [{}]", f.message, f.rule_name))
        .with_label(
            Label::new((f.path.as_str(), range))
                .with_message(label_text)
                .with_color(c),
        );
    if !f.help.is_empty() {
        b = b.with_help(&f.help);
    }
    // The way the value travelled: labels in this file, a short trail for the others.
    let mut elsewhere = Vec::new();
    for r in &f.related {
        if r.span.file == f.span.file && r.span != f.span {
            b = b.with_label(
                Label::new((f.path.as_str(), char_range(&file.text, r.span.range())))
                    .with_message(&r.message)
                    .with_color(Color::Blue),
            );
        } else {
            elsewhere.push(format!(
                "{} ({}:{})",
                r.message, r.path, r.location.start_line
            ));
        }
    }
    if let Some(scope) = super::scope_if_not_obvious(f) {
        b = b.with_note(format!("in {scope}"));
    }
    if !elsewhere.is_empty() {
        b = b.with_note(elsewhere.join("\n"));
    }
    let _ = b
        .finish()
        .write((f.path.as_str(), Source::from(&*file.text)), &mut *out);
}

fn plain_line(f: &Finding) -> String {
    let mut s = format!(
        "{}:{}:{}: {} [{}] {} [{}]\n",
        f.path,
        f.location.start_line,
        f.location.start_column,
        f.severity.as_str(),
        f.rule_id,
        f.message,
        f.rule_name
    );
    if !f.help.is_empty() {
        s.push_str(&format!("  help: {}\n", f.help));
    }
    for step in super::trail(f) {
        s.push_str(&format!("  via: {step}\n"));
    }
    s
}

/// What a run that found no template says (its exit status is 0 unless `--fail-on` is
/// `warning` or `note`).
pub const NOTHING_CHECKED: &str = "no template found: nothing was checked (ddbguard reads \
CloudFormation, CDK output in cdk.out, Terraform and Terraform plan JSON)";

/// `n thing` or `n things`.
pub fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

pub fn summary_line(report: &Report) -> String {
    let s = report.summary;
    if report.found_nothing() && s.findings == 0 && s.suppressed == 0 {
        // Zero templates must not read as "all good".
        return format!(
            "{NOTHING_CHECKED}; {} looked at (--verbose says what was skipped)",
            plural(s.files, "file")
        );
    }
    let mut line = format!(
        "{}: {}, {}, {} in {} ({} checked, {})",
        if s.findings == 0 { "ok" } else { "found" },
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
        plural(s.files, "file"),
        plural(s.scopes, "scope"),
        plural(s.resources, "resource"),
    );
    if s.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", s.suppressed));
    }
    if let Some(c) = s.changes {
        line.push_str(&format!(
            "\ncompared with the base: {} new, {} unchanged, {} fixed",
            c.new, c.unchanged, c.fixed
        ));
        if c.hidden > 0 {
            line.push_str(&format!(
                "; {} not shown",
                match c.hidden {
                    1 => "1 unchanged finding is".to_string(),
                    n => format!("{n} unchanged findings are"),
                }
            ));
        }
    }
    line
}

/// The span widened to whole characters and clamped to the text (ariadne slices by it).
fn char_range(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut start = range.start.min(text.len());
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    #[test]
    fn char_range_covers_whole_characters() {
        let text = "aé\u{fffd}b";
        assert_eq!(super::char_range(text, 2..3), 1..3);
        assert_eq!(super::char_range(text, 3..4), 3..6);
        assert_eq!(super::char_range(text, 50..60), text.len()..text.len());
    }
}
