//! The shared vocabulary: the words every layer uses and none owns.
//!
//! Severities, rule metadata, the finding and its location, suppressions, the run's
//! report, the formats and the error that stops a command. It sits just above
//! [`crate::source`] and below `config`, `model`, `rules`, `suppress`, `baseline` and
//! `report`, so that each of those imports it and none of them imports a higher one.
//! The higher modules re-export what they used to define (`rules::Severity`,
//! `report::Finding`, `model::Format`, …).

use crate::source::{FileId, LineCol, SourceMap, Span};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are reported (DDB001) instead of parsed (see [`crate::source`],
/// where every file is read).
pub use crate::source::MAX_FILE_BYTES;

/// An error that stops the command itself (exit status 2).
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// `DDB101`: permanent.
    pub id: &'static str,
    /// `pitr-disabled`: names the problem.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// The rule's documentation, in Markdown (the doc comment of its declaration).
    pub doc: &'static str,
    /// Tags for SARIF (`reliability`, `security`, …).
    pub tags: &'static [&'static str],
    /// Whether the rule runs unless the config turns it off. An opt-in rule (`false`)
    /// runs only when the config gives it a severity (`rules: {DDB404: note}`) or
    /// `--select` names it.
    pub default_enabled: bool,
}

impl RuleMeta {
    /// The documentation as Markdown: the doc comment without the space after `///`.
    pub fn documentation(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The text of one `## Section` of the documentation.
    pub fn section(&self, title: &str) -> Option<String> {
        let doc = self.documentation();
        let marker = format!("## {title}");
        let start = doc.find(&marker)? + marker.len();
        let rest = &doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_string())
    }
}

/// Find a rule in a catalog by id (any case) or name.
pub fn find_rule<'a>(
    catalog: impl IntoIterator<Item = &'a RuleMeta>,
    id_or_name: &str,
) -> Option<&'a RuleMeta> {
    catalog
        .into_iter()
        .find(|m| m.id.eq_ignore_ascii_case(id_or_name) || m.name == id_or_name)
}

/// The format a scope was read from (the JSON report's `format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Cloudformation,
    Cdk,
    Terraform,
    TerraformPlan,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Cloudformation => "cloudformation",
            Format::Cdk => "cdk",
            Format::Terraform => "terraform",
            Format::TerraformPlan => "terraform-plan",
        }
    }
}

/// How findings name a resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ResourceRef {
    pub id: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub cdk_path: Option<String>,
}

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
    /// The scope the finding belongs to: the template, the CDK assembly directory, the
    /// Terraform root module directory.
    pub scope: String,
    /// The way the value travelled, or what else the finding concerns (the module block
    /// that calls a resource's module, a variable's default): may be empty.
    pub related: Vec<Related>,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<BaselineState>,
    #[serde(skip)]
    pub span: Span,
}

/// A secondary location of a finding, with what it is there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    pub path: String,
    pub location: Location,
    pub message: String,
    #[serde(skip)]
    pub span: Span,
}

impl Related {
    pub fn new(sources: &SourceMap, span: Span, message: impl Into<String>) -> Related {
        Related {
            path: sources.get(span.file).display_path(),
            location: location(sources, span),
            message: message.into(),
            span,
        }
    }
}

/// What one scope held: for JUnit test cases and `--verbose`. Kept for every scope of a
/// run, so it holds only what reports use.
#[derive(Clone, Debug)]
pub struct ScopeInfo {
    pub name: Box<str>,
    pub format: Format,
    /// How many resources the scope has.
    pub resources: u32,
    /// The files that hold its resources.
    pub files: Box<[FileId]>,
    /// The resources some rule checks (JUnit's test cases): the file each is in, its id and
    /// its class (`report::junit::resource_class`: `table`, `dax`, `vpc`, `policy`, …).
    pub checked: Box<[(FileId, String, &'static str)]>,
    pub notes: Box<[String]>,
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
    /// Pull-request mode (`--base`, `--baseline`): how the findings compare with the base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

/// How head's findings compare with the base: each counted finding is new or unchanged;
/// the base's findings head no longer has are fixed; `hidden` are the unchanged ones
/// `--only-new` (or `--baseline`) left out of the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub new: usize,
    pub unchanged: usize,
    pub fixed: usize,
    pub hidden: usize,
}

impl Summary {
    /// Count the findings that count (not absent) by severity; suppressed ones apart.
    pub fn count(&mut self, findings: &[Finding]) {
        self.findings = 0;
        self.errors = 0;
        self.warnings = 0;
        self.notes = 0;
        self.suppressed = 0;
        for f in findings {
            if f.baseline_state == Some(BaselineState::Absent) {
                continue;
            }
            if f.suppression.is_some() {
                self.suppressed += 1;
                continue;
            }
            self.findings += 1;
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
        }
    }
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
    /// The current directory and the root paths are rebased to, once
    /// [`Report::rebase_paths`] has run.
    pub rebased: Option<(PathBuf, PathBuf)>,
    /// The Guard policies of the run (its settings'): the policy rules its reports list
    /// beside the built-in ones.
    pub policies: Arc<Policies>,
}

impl Report {
    /// Give every finding its path relative to `root` (the repository root, or the current
    /// directory outside a repository), whatever form the arguments had: relative paths are
    /// taken from `cwd`, absolute ones as they are. For the machine-read reports (JSON,
    /// SARIF, GitHub, JUnit), whose readers resolve paths against the repository.
    pub fn rebase_paths(&mut self, cwd: &Path, root: &Path) {
        for f in &mut self.findings {
            f.path = rebase_path(&f.path, cwd, root);
            if !f.scope.is_empty() {
                f.scope = rebase_path(&f.scope, cwd, root);
            }
            for r in &mut f.related {
                r.path = rebase_path(&r.path, cwd, root);
            }
        }
        self.rebased = Some((cwd.to_path_buf(), root.to_path_buf()));
    }

    /// The path of file `id` as the report's findings give it: as given, or relative to
    /// the root once [`Report::rebase_paths`] has run.
    pub fn file_path(&self, id: FileId) -> String {
        let path = self.sources.get(id).display_path();
        match &self.rebased {
            Some((cwd, root)) => rebase_path(&path, cwd, root),
            None => path,
        }
    }

    /// Findings that count: not suppressed, and not fixed by the change (`--base` lists
    /// those as absent, for SARIF only).
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_none() && f.baseline_state != Some(BaselineState::Absent))
    }

    /// Whether the run fails at `threshold` (`--fail-on`): a counted finding at or above it,
    /// or, at `warning` and `note`, a run that found no template at all (nothing checked
    /// must not pass where warnings fail).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| {
            self.active().any(|f| f.severity >= t)
                || (self.found_nothing() && t <= Severity::Warning)
        })
    }

    /// Whether the run found no template to check.
    pub fn found_nothing(&self) -> bool {
        self.summary.scopes == 0
    }
}

/// A `YYYY-MM-DD` date that exists (suppression `expires`), else `None`. The shape is
/// checked first: jiff would also read other ISO 8601 forms.
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    shaped.then(|| s.parse().ok()).flatten()
}

/// Today's date in UTC, from the system clock.
pub fn today() -> jiff::civil::Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// The directory report paths are relative to: the root of the git repository `cwd` is in
/// (the nearest directory upward holding `.git`), else `cwd` itself.
pub fn report_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// `path` (relative to `cwd`, or absolute) relative to `root`, with `/` separators and `..`
/// where it lies outside `root`. `cwd` and `root` are absolute.
pub fn rebase_path(path: &str, cwd: &Path, root: &Path) -> String {
    let absolute = normalize(&cwd.join(path));
    let rel = relative(&normalize(root), &absolute);
    crate::source::display_path(&rel)
}

/// Remove `.` and resolve `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The relative path from `from` to `to` (both absolute), `..` where needed; `to` itself
/// when they share nothing (another drive).
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The 1-based location of a span.
/// An offset at the very end of a file that ends with a newline (an error at end of input)
/// is placed at the end of the last line: no line past the last one is ever reported.
pub fn location(sources: &SourceMap, span: Span) -> Location {
    let file = sources.get(span.file);
    let len = file.text.len();
    // The line end is `\n`, `\r\n` or `\r`: its last byte is on the last line.
    let last = if file.text.ends_with(['\n', '\r']) {
        len.saturating_sub(1)
    } else {
        len
    };
    let clamp = |o: u32| (o as usize).min(last) as u32;
    let LineCol { line, column } = file.line_col(clamp(span.start));
    let end = file.line_col(clamp(span.end.max(span.start)));
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

    #[test]
    fn dates_are_real_and_written_yyyy_mm_dd() {
        use super::parse_date;
        assert!(parse_date("2026-12-31").is_some());
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("2026-04-31").is_none());
        assert!(parse_date("2026-1-01").is_none());
        assert!(parse_date("26-01-01xx").is_none());
        assert!(parse_date("2026-01-01T00:00").is_none());
        assert!(parse_date("２０２６-01-0").is_none());
        assert!(super::today() > parse_date("2024-01-01").unwrap());
    }

    #[test]
    fn report_paths_are_relative_to_the_root_whatever_the_argument() {
        use super::rebase_path;
        use std::path::Path;
        let root = Path::new("/r");
        let sub = Path::new("/r/infra/prod");
        assert_eq!(rebase_path("main.tf", sub, root), "infra/prod/main.tf");
        assert_eq!(rebase_path("../../app.yaml", sub, root), "app.yaml");
        assert_eq!(
            rebase_path("/r/infra/a.yaml", Path::new("/elsewhere"), root),
            "infra/a.yaml"
        );
        assert_eq!(rebase_path("./a/./b.yaml", root, root), "a/b.yaml");
        assert_eq!(rebase_path("../shared/x.tf", root, root), "../shared/x.tf");
    }
}

/// The Guard policies loaded for a run (`policy::load` reads them; the settings carry
/// them to the run).
#[derive(Debug, Default, Clone)]
pub struct Policies {
    pub files: Vec<PolicyFile>,
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub path: PathBuf,
    /// The path as reports show it (relative to the current directory when below it).
    pub display: String,
    pub text: Arc<str>,
    /// Its words outside comments, messages and strings (`policy::load::code_words`), read
    /// once.
    pub words: Vec<String>,
    /// Whether it may be evaluated in one call with other files (see [`Policies::batches`]):
    /// every clause is in a named rule (no default rule named after the file).
    pub batchable: bool,
}

#[derive(Debug, Clone)]
pub struct PolicyRule {
    /// The Guard rule's name: the findings' `rule_id`.
    pub name: &'static str,
    /// Index into [`Policies::files`].
    pub file: usize,
    /// 1-based line of `rule NAME` (1 for a file's default rule).
    pub line: usize,
    /// The rule's metadata, made once when the policy is loaded (a bounded set, kept for
    /// the process: findings name their rule with `&'static str`).
    pub meta: &'static RuleMeta,
}

impl Policies {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn rule(&self, name: &str) -> Option<&PolicyRule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// The metadata of the policy rule named `name`.
    pub fn meta(&self, name: &str) -> Option<&'static RuleMeta> {
        self.rule(name).map(|r| r.meta)
    }

    /// The policy file a policy rule comes from, as reports show it; `None` for any other
    /// rule.
    pub fn origin(&self, name: &str) -> Option<&str> {
        self.rule(name).map(|r| self.files[r.file].display.as_str())
    }

    /// Group `files` (indexes, in order) into the sets that are evaluated in one call on a
    /// document: cfn-guard then reads the document once for all of them instead of once per
    /// file. Files share a call only when that cannot change a verdict: neither has a default
    /// rule, neither names a variable (`let`) the other assigns, and neither names a rule
    /// of the other (each file alone would not see it). A file that cannot share is alone.
    pub fn batches(&self, files: &[usize]) -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = Vec::new();
        for &f in files {
            let slot = self.files[f].batchable.then(|| {
                out.iter().position(|b| {
                    self.files[b[0]].batchable && b.iter().all(|&o| !self.interfere(f, o))
                })
            });
            match slot.flatten() {
                Some(i) => out[i].push(f),
                None => out.push(vec![f]),
            }
        }
        out
    }

    /// Whether two files name each other's variables or rules, or assign the same variable.
    fn interfere(&self, a: usize, b: usize) -> bool {
        let names = |f: usize| -> Vec<&str> {
            let words = &self.files[f].words;
            let mut n: Vec<&str> = words
                .windows(2)
                .filter(|w| w[0] == "let")
                .map(|w| w[1].as_str())
                .collect();
            n.extend(self.rules.iter().filter(|r| r.file == f).map(|r| r.name));
            n
        };
        let (na, nb) = (names(a), names(b));
        na.iter()
            .any(|n| self.files[b].words.iter().any(|w| w == n))
            || nb
                .iter()
                .any(|n| self.files[a].words.iter().any(|w| w == n))
    }

    /// Where a rule is written, `file:line`.
    pub fn place(&self, rule: &PolicyRule) -> String {
        format!("{}:{}", self.files[rule.file].display, rule.line)
    }
}
