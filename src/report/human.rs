//! `--format human`: ariadne diagnostics grouped by file, each with one line of help and
//! the rule's documentation link; then each rule's total, a summary line and a pointer to
//! `ddbguard explain`.

use super::{Finding, Report};
use crate::rules::Severity;
use crate::source::{FileId, SourceFile};
use crate::vocab::Policies;
use ariadne::{Color, Config, IndexType, Label, ReportKind, Source};
use std::sync::Arc;

/// Lines longer than this are not shown as snippets.
const MAX_SNIPPET_LINE: usize = 400;

pub fn render(report: &Report, color: bool) -> String {
    let mut out = Vec::new();
    // Findings are sorted by path, so they come grouped by file: a file whose text was
    // released once checked is read again once for all of its findings.
    let mut shown: Option<(FileId, Option<Arc<SourceFile>>)> = None;
    for f in report.active() {
        let file = match &shown {
            Some((id, file)) if *id == f.span.file => file.clone(),
            _ => {
                let file = report.sources.reload(f.span.file);
                shown = Some((f.span.file, file.clone()));
                file
            }
        };
        // A file that can no longer be read, and minified or generated one-line files: no
        // source snippet.
        let Some(file) =
            file.filter(|file| file.line_range(f.span.start).len() <= MAX_SNIPPET_LINE)
        else {
            out.extend(plain_line(f, &report.policies).into_bytes());
            continue;
        };
        let mut one = Vec::new();
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            render_one(f, &report.policies, &file, color, &mut one)
        }));
        if rendered.is_ok() {
            out.extend(one);
        } else {
            // The renderer must never take the run down: fall back to one plain line.
            out.extend(plain_line(f, &report.policies).into_bytes());
        }
    }
    let mut text = String::from_utf8_lossy(&out).into_owned();
    for m in &report.messages {
        text.push_str(m);
        text.push('\n');
    }
    text.push_str(&rule_totals(report));
    text.push_str(&summary_line(report));
    text.push('\n');
    if let Some(id) = report.active().map(|f| f.rule_id).min() {
        text.push_str(&format!(
            "`ddbguard explain {id}` shows a rule's documentation\n"
        ));
    }
    text
}

/// How many findings each rule has, most first (then by id), one line each.
pub fn rule_totals(report: &Report) -> String {
    let mut counts: std::collections::BTreeMap<(&str, &str, Severity), usize> =
        std::collections::BTreeMap::new();
    for f in report.active() {
        *counts
            .entry((f.rule_id, f.rule_name, f.severity))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let width = rows.first().map_or(1, |(_, n)| n.to_string().len());
    rows.iter()
        .map(|((id, name, severity), n)| {
            format!("{n:>width$} {id} {name} ({})\n", severity.as_str())
        })
        .collect()
}

fn render_one(f: &Finding, policies: &Policies, file: &SourceFile, color: bool, out: &mut Vec<u8>) {
    let (kind, c) = match f.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
        Severity::Note => (ReportKind::Advice, Color::Cyan),
    };
    let range = char_range(&file.text, f.span.range());
    let mut b = ariadne::Report::build(kind, (f.path.as_str(), range.clone()))
        .with_config(
            Config::default()
                .with_index_type(IndexType::Byte)
                .with_color(color),
        )
        .with_code(f.rule_id)
        .with_message(&f.message)
        .with_label(Label::new((f.path.as_str(), range)).with_color(c));
    // The way the value travelled, where it is in this file: labelled in the snippet (the
    // others are listed under it, see `advice`).
    for r in &f.related {
        if r.span.file == f.span.file && r.span != f.span {
            b = b.with_label(
                Label::new((f.path.as_str(), char_range(&file.text, r.span.range())))
                    .with_message(&r.message)
                    .with_color(Color::Blue),
            );
        }
    }
    let mut one = Vec::new();
    let _ = b
        .finish()
        .write((f.path.as_str(), Source::from(&*file.text)), &mut one);
    // ariadne names the kinds Error, Warning and Advice (and colours a custom kind even
    // without colour): the header says the severity as everywhere else.
    let text = String::from_utf8_lossy(&one);
    let (header, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let header = header.replacen(
        &format!("] {kind}:"),
        &format!("] {}:", f.severity.as_str()),
        1,
    );
    out.extend(header.into_bytes());
    out.push(b'\n');
    out.extend(rest.as_bytes());
    out.extend(advice(f, policies, true).into_bytes());
}

/// The lines under a finding: the first line of its help, the way its value travelled
/// (the steps the snippet does not show; all of them with `snippet` false), its scope when
/// the path does not say it, and the rule's documentation (a policy rule of the run's
/// `policies`: its file).
fn advice(f: &Finding, policies: &Policies, snippet: bool) -> String {
    let mut s = String::new();
    if let Some(help) = f.help.lines().find(|l| !l.trim().is_empty()) {
        s.push_str(&format!("  help: {}\n", help.trim()));
    }
    for r in &f.related {
        if !snippet || r.span.file != f.span.file {
            s.push_str(&format!(
                "  via: {} ({}:{})\n",
                r.message, r.path, r.location.start_line
            ));
        }
    }
    if let Some(scope) = super::scope_if_not_obvious(f) {
        s.push_str(&format!("  in: {scope}\n"));
    }
    if let Some(page) = super::sarif::help_uri(f.rule_id, policies) {
        s.push_str(&format!("  docs: {page} ({})\n", f.rule_name));
    } else if let Some(file) = policies.origin(f.rule_id) {
        // A team's Guard rule has no page of ours: its source is the documentation.
        s.push_str(&format!(
            "  policy: {file} (ddbguard explain {})\n",
            f.rule_id
        ));
    }
    s
}

/// One finding on one line (the concise format), with its help and docs under it.
fn plain_line(f: &Finding, policies: &Policies) -> String {
    super::concise::line(f) + &advice(f, policies, false)
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
