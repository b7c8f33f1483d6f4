//! The suppression pass: accept findings on purpose, with a reason.
//!
//! Runs after every rule has reported and before the summary is counted. Two sources:
//!
//! - inline suppressions on a resource ([`crate::model::InlineSuppression`]: CloudFormation
//!   and CDK `Metadata.ddbguard.ignore`, Terraform `# ddbguard:ignore` comments). One matches
//!   the findings of its rule (id or name) on that resource, in the same scope.
//! - `suppressions:` entries of the config ([`ConfigSuppression`]): rule, plus optional globs
//!   on the finding's path and on its resource id. An entry without a resource pattern also
//!   matches findings that have no resource (a parse error in a vendored file).
//!
//! A suppression applies only with a reason, and a config entry only until its `expires`
//! date (`YYYY-MM-DD`: from that day on it no longer applies). A suppression that does not
//! apply, or that matched no finding of a rule that ran (for a config entry with a path
//! pattern: in a file of this run), is itself reported as DDB003,
//! at its own location: the inline suppression's span, or the entry's line in the config
//! file (added to the run's [`SourceMap`] so every report format can point at it).
//! Suppressed findings stay in the report with [`Finding::suppression`] set.

use crate::config::{ConfigSuppression, Settings};
use crate::model::{Format, InlineSuppression, Resource, ResourceRef, Scope};
use crate::rules::{self, RuleMeta};
use crate::source::{SourceFile, SourceMap, Span};
use crate::vocab::{self, Finding, Suppression, SuppressionKind};
use jiff::civil::Date;
use std::collections::HashMap;

/// The rule that reports suppression problems.
const DDB003: &str = "DDB003";

/// The DDB003 findings about one scope's inline suppressions: those about a suppression on
/// a resource, and those about a suppression on a Terraform `module` block (judged over
/// every resource it covers). A run lists every scope's first group, then every scope's
/// second, then the config's ([`apply_config`]).
#[derive(Debug, Default)]
pub struct InlineProblems {
    pub inline: Vec<Finding>,
    pub module: Vec<Finding>,
}

impl InlineProblems {
    pub fn is_empty(&self) -> bool {
        self.inline.is_empty() && self.module.is_empty()
    }
}

/// Apply the inline suppressions of `scope` to its `findings` (template metadata, Terraform
/// comments), while the scope is loaded, and return the DDB003 findings about them.
pub fn apply_inline(
    findings: &mut [Finding],
    scope: &Scope,
    sources: &SourceMap,
    settings: &Settings,
) -> InlineProblems {
    let mut inline = Problems::new(settings);
    let mut module = Problems::new(settings);
    let module_sups = inline_pass(findings, scope, sources, settings, &mut inline);
    unused_module_suppressions(&module_sups, scope, sources, settings, &mut module);
    InlineProblems {
        inline: inline.found,
        module: module.found,
    }
}

/// Apply the config's `suppressions:` entries to every finding of the run (after the inline
/// ones: the first suppression that matches a finding wins), and return the DDB003
/// findings about the entries. `format` is the one a problem in the config file is given
/// (the first scope's); `today` decides which entries have expired (see [`today`]).
pub fn apply_config(
    findings: &mut [Finding],
    format: Format,
    sources: &SourceMap,
    settings: &Settings,
    today: Date,
) -> Vec<Finding> {
    let mut problems = Problems::new(settings);
    config_pass(findings, format, sources, settings, today, &mut problems);
    problems.found
}

/// The DDB003 findings of suppressions that are wrong or unused (none when DDB003 is off).
struct Problems {
    enabled: bool,
    found: Vec<Finding>,
}

impl Problems {
    fn new(settings: &Settings) -> Problems {
        Problems {
            enabled: rules::meta_by_id(DDB003).is_some_and(|m| settings.rule_runs(m)),
            found: Vec::new(),
        }
    }

    fn emit(&mut self, f: Finding) {
        if self.enabled {
            self.found.push(f);
        }
    }
}

/// Mark `f` suppressed (the first suppression that matches it wins).
fn suppress(f: &mut Finding, kind: SuppressionKind, reason: &str) {
    if f.suppression.is_none() {
        f.suppression = Some(Suppression {
            kind,
            justification: reason.to_string(),
        });
    }
}

const UNUSED_HELP: &str =
    "delete the suppression, or correct its rule if it was meant to match something";

/// One scope's inline suppressions (template metadata, Terraform comments). A suppression
/// on a Terraform `module` block is carried by every resource it covers: it is judged once,
/// over all of them; those are returned, by their span.
fn inline_pass<'s>(
    findings: &mut [Finding],
    scope: &'s Scope,
    sources: &SourceMap,
    settings: &Settings,
    problems: &mut Problems,
) -> HashMap<Span, ModuleSup<'s>> {
    // Findings on a resource, by resource id.
    let mut on: HashMap<String, Vec<usize>> = HashMap::new();
    for (n, f) in findings.iter().enumerate() {
        if let Some(r) = &f.resource {
            on.entry(r.id.clone()).or_default().push(n);
        }
    }
    let mut module_sups: HashMap<Span, ModuleSup> = HashMap::new();
    for res in &scope.resources {
        for sup in &res.suppressions {
            let shared = sup.module.as_ref().map(|m| {
                module_sups.entry(sup.span).or_insert_with(|| ModuleSup {
                    module: m.clone(),
                    rule: sup.rule.clone(),
                    first: res,
                    seen: false,
                    used: false,
                })
            });
            let first_time = match shared {
                Some(m) => !std::mem::replace(&mut m.seen, true),
                None => true,
            };
            let problem = |what: &str, message: String, help: &str| {
                inline_problem(scope, res, sup, sources, settings, what, message, help)
            };
            let (meta, reason) = match valid_inline(sup, &res.id, settings) {
                Ok(valid) => valid,
                Err((what, message, help)) => {
                    if first_time {
                        problems.emit(problem(what, message, help));
                    }
                    continue;
                }
            };
            let candidates = on.get(&res.id).map_or(&[][..], Vec::as_slice);
            let mut used = false;
            for &n in candidates {
                if let Some(f) = findings.get_mut(n)
                    && f.rule_id == meta.id
                    && on_resource(f, res)
                {
                    used = true;
                    suppress(f, SuppressionKind::InSource, reason);
                }
            }
            if let Some(m) = module_sups.get_mut(&sup.span) {
                m.used |= used;
            } else if !used && settings.rule_runs(meta) {
                let message = format!(
                    "suppression of {} {} on {} matched no finding",
                    meta.id, meta.name, res.id
                );
                problems.emit(problem("unused", message, UNUSED_HELP));
            }
        }
    }
    module_sups
}

/// An inline suppression's rule and reason, or the problem that keeps it from applying
/// (what, message, help).
fn valid_inline<'s>(
    sup: &'s InlineSuppression,
    res_id: &str,
    settings: &Settings,
) -> Result<(&'static RuleMeta, &'s str), (&'static str, String, &'static str)> {
    let target = sup.module.as_deref().unwrap_or(res_id);
    let Some(meta) = settings.rule_meta(sup.rule.trim()) else {
        return Err((
            "unknown",
            format!(
                "suppression on {target} names no rule {:?}, so it does not apply",
                sup.rule
            ),
            "use a rule id or name that `ddbguard rules` lists",
        ));
    };
    let Some(reason) = reason(sup.reason.as_deref()) else {
        return Err((
            "no-reason",
            format!(
                "suppression of {} {} on {target} has no reason, so it does not apply",
                meta.id, meta.name
            ),
            "add a reason that says why this finding is accepted",
        ));
    };
    Ok((meta, reason))
}

/// Module-block suppressions that matched no finding on any resource they cover.
fn unused_module_suppressions(
    module_sups: &HashMap<Span, ModuleSup>,
    scope: &Scope,
    sources: &SourceMap,
    settings: &Settings,
    problems: &mut Problems,
) {
    let mut unused: Vec<(&Span, &ModuleSup)> =
        module_sups.iter().filter(|(_, m)| !m.used).collect();
    unused.sort_by_key(|(k, _)| **k);
    for (&span, m) in unused {
        let Some(meta) = settings.rule_meta(m.rule.trim()) else {
            continue;
        };
        let Some(sup) = m.first.suppressions.iter().find(|s| s.span == span) else {
            continue;
        };
        if reason(sup.reason.as_deref()).is_none() || !settings.rule_runs(meta) {
            continue;
        }
        problems.emit(inline_problem(
            scope,
            m.first,
            sup,
            sources,
            settings,
            "unused",
            format!(
                "suppression of {} {} on {} matched no finding",
                meta.id, meta.name, m.module
            ),
            UNUSED_HELP,
        ));
    }
}

/// A config entry that can apply: its rule, reason and patterns.
struct ValidEntry<'a> {
    meta: &'static RuleMeta,
    reason: &'a str,
    path: Option<globset::GlobMatcher>,
    resource: Option<globset::GlobMatcher>,
}

/// The config's `suppressions:` entries. An entry whose path pattern matches no file of
/// this run is out of its reach (`ddbguard check infra/one.yaml`): it is not reported as
/// unused.
fn config_pass(
    findings: &mut [Finding],
    default_format: Format,
    sources: &SourceMap,
    settings: &Settings,
    today: Date,
    problems: &mut Problems,
) {
    // The paths of the run, listed only when an entry names a path (a run without
    // suppressions is most runs, over trees of any size).
    let mut checked: Option<Vec<String>> = None;
    let mut config_file: Option<ConfigFile> = None;
    for entry in &settings.config.suppressions {
        let mut problem = |what: &str, message: String, help: &str| {
            let file = config_file.get_or_insert_with(|| ConfigFile::add(settings, sources));
            config_problem(
                file,
                entry,
                sources,
                settings,
                default_format,
                what,
                message,
                help,
            )
        };
        let valid = match valid_entry(entry, today, settings) {
            Ok(valid) => valid,
            Err((what, message, help)) => {
                problems.emit(problem(what, message, &help));
                continue;
            }
        };
        let mut used = false;
        for f in findings.iter_mut() {
            if entry_matches(&valid, f) {
                used = true;
                suppress(f, SuppressionKind::External, valid.reason);
            }
        }
        let in_reach = valid.path.as_ref().is_none_or(|g| {
            checked
                .get_or_insert_with(|| sources.all().iter().map(|f| f.display_path()).collect())
                .iter()
                .any(|p| g.is_match(p))
        });
        if !used && in_reach && settings.rule_runs(valid.meta) {
            problems.emit(problem(
                "unused",
                format!("{} matched no finding", describe(valid.meta, entry)),
                "delete the entry, or correct its rule, path or resource pattern if it was meant to match something",
            ));
        }
    }
}

/// Whether a config entry covers a finding: its rule, and its path and resource patterns.
fn entry_matches(entry: &ValidEntry, f: &Finding) -> bool {
    f.rule_id == entry.meta.id
        && entry.path.as_ref().is_none_or(|g| g.is_match(&f.path))
        && entry
            .resource
            .as_ref()
            .is_none_or(|g| f.resource.as_ref().is_some_and(|r| g.is_match(&r.id)))
}

/// A config entry's rule, reason, expiry and patterns, or the problem that keeps it from
/// applying (what, message, help).
fn valid_entry<'e>(
    entry: &'e ConfigSuppression,
    today: Date,
    settings: &Settings,
) -> Result<ValidEntry<'e>, (&'static str, String, String)> {
    let Some(meta) = settings.rule_meta(entry.rule.trim()) else {
        return Err((
            "unknown",
            format!(
                "config suppression names no rule {:?}, so it does not apply",
                entry.rule
            ),
            "use a rule id or name that `ddbguard rules` lists".into(),
        ));
    };
    let what = describe(meta, entry);
    let Some(reason) = reason(entry.reason.as_deref()) else {
        return Err((
            "no-reason",
            format!("{what} has no reason, so it does not apply"),
            "add `reason:` that says why these findings are accepted".into(),
        ));
    };
    if let Some(expires) = entry.expires.as_deref().map(str::trim) {
        let Some(date) = crate::vocab::parse_date(expires) else {
            return Err((
                "bad-expires",
                format!(
                    "{what} has expires {expires:?}, which is not a YYYY-MM-DD date, so it does not apply"
                ),
                "write the expiry date as YYYY-MM-DD".into(),
            ));
        };
        if date <= today {
            return Err((
                "expired",
                format!("{what} expired on {expires} and no longer applies"),
                "fix the findings it covered, or renew it with a later expires date and a current reason".into(),
            ));
        }
    }
    let pattern = |field: &str, pattern: Option<&str>, example: &str| {
        glob(pattern).map_err(|e| {
            (
                "bad-pattern",
                format!("{what} has an invalid {field} pattern ({e}), so it does not apply"),
                format!("write the {field} pattern as a glob such as `{example}`"),
            )
        })
    };
    Ok(ValidEntry {
        meta,
        reason,
        path: pattern("path", entry.path.as_deref(), "infra/legacy/**")?,
        resource: pattern("resource", entry.resource.as_deref(), "LegacyTable*")?,
    })
}

/// A suppression on a `module` block, over the resources it covers.
struct ModuleSup<'a> {
    module: String,
    rule: String,
    /// The first resource seen carrying it.
    first: &'a Resource,
    /// Whether its problems (no rule, no reason) were reported.
    seen: bool,
    used: bool,
}

/// A reason, when there is one that is not blank.
fn reason(r: Option<&str>) -> Option<&str> {
    r.map(str::trim).filter(|r| !r.is_empty())
}

/// Whether a finding is on this resource.
fn on_resource(f: &Finding, res: &Resource) -> bool {
    f.resource
        .as_ref()
        .is_some_and(|r| r.id == res.id && r.rtype == res.rtype)
}

fn describe(meta: &RuleMeta, entry: &ConfigSuppression) -> String {
    let mut s = format!("config suppression of {} {}", meta.id, meta.name);
    match (&entry.path, &entry.resource) {
        (Some(p), Some(r)) => s.push_str(&format!(" (path {p}, resource {r})")),
        (Some(p), None) => s.push_str(&format!(" (path {p})")),
        (None, Some(r)) => s.push_str(&format!(" (resource {r})")),
        (None, None) => {}
    }
    s
}

/// A glob as the config uses them everywhere: `*` stays within a path segment, `**`
/// crosses them.
fn glob(pattern: Option<&str>) -> Result<Option<globset::GlobMatcher>, globset::Error> {
    pattern
        .map(|p| {
            globset::GlobBuilder::new(p.trim())
                .literal_separator(true)
                .build()
                .map(|g| g.compile_matcher())
        })
        .transpose()
}

/// Today's date (UTC): suppressions that expire on it or before no longer apply.
pub fn today() -> Date {
    crate::vocab::today()
}

#[allow(clippy::too_many_arguments)]
fn inline_problem(
    scope: &Scope,
    res: &Resource,
    sup: &InlineSuppression,
    sources: &SourceMap,
    settings: &Settings,
    what: &str,
    message: String,
    help: &str,
) -> Finding {
    let path = sources.get(sup.span.file).display_path();
    let key = format!("{what}:{}", sup.rule);
    make(
        sources,
        settings,
        sup.span,
        None,
        path,
        (scope.format, &scope.name),
        Some(res.reference()),
        &key,
        message,
        help,
    )
}

/// The config file, as a file of the run so that findings can point into it.
struct ConfigFile {
    path: String,
    file: Option<(crate::source::FileId, std::sync::Arc<SourceFile>)>,
}

impl ConfigFile {
    fn add(settings: &Settings, sources: &SourceMap) -> ConfigFile {
        let Some(p) = settings.config.path.as_ref() else {
            return ConfigFile {
                path: ".ddbguard.yaml".into(),
                file: None,
            };
        };
        let path = crate::source::display_path(p);
        let file = std::fs::read_to_string(p).ok().map(|text| {
            let id = sources.add(SourceFile::new(p.clone(), text));
            (id, sources.get(id))
        });
        ConfigFile { path, file }
    }
}

#[allow(clippy::too_many_arguments)]
fn config_problem(
    config: &ConfigFile,
    entry: &ConfigSuppression,
    sources: &SourceMap,
    settings: &Settings,
    format: Format,
    what: &str,
    message: String,
    help: &str,
) -> Finding {
    let line = entry.line.max(1);
    let key = format!(
        "config:{what}:{}:{}:{}",
        entry.rule,
        entry.path.as_deref().unwrap_or(""),
        entry.resource.as_deref().unwrap_or("")
    );
    let (span, fixed) = match &config.file {
        Some((id, file)) if (line as usize) <= file.line_count() => {
            let start = file.offset_of(line as usize, 0);
            let text = &file.text[start..];
            let len = text.find('\n').unwrap_or(text.len());
            let content = text[..len].trim_end();
            let indent = content.len() - content.trim_start().len();
            (Span::new(*id, start + indent, start + content.len()), None)
        }
        // The file could not be read back: keep the line the config loader gave.
        _ => (
            Span::default(),
            Some(vocab::Location {
                start_line: line,
                start_column: 1,
                end_line: line,
                end_column: 1,
            }),
        ),
    };
    // A config entry belongs to no scope: it names the config file as its own.
    make(
        sources,
        settings,
        span,
        fixed,
        config.path.clone(),
        (format, &config.path),
        None,
        &key,
        message,
        help,
    )
}

#[allow(clippy::too_many_arguments)]
fn make(
    sources: &SourceMap,
    settings: &Settings,
    span: Span,
    location: Option<vocab::Location>,
    path: String,
    (format, scope): (Format, &str),
    resource: Option<ResourceRef>,
    key: &str,
    message: String,
    help: &str,
) -> Finding {
    let meta = rules::meta_by_id(DDB003);
    let (rule_id, rule_name, default) = meta.map_or(
        (DDB003, "unused-suppression", rules::Severity::Warning),
        |m| (m.id, m.name, m.severity),
    );
    let resource_id = resource.as_ref().map_or("", |r| r.id.as_str());
    Finding {
        rule_id,
        rule_name,
        severity: settings.severity_override(rule_id).unwrap_or(default),
        message,
        help: help.to_string(),
        fingerprint: vocab::fingerprint(&[
            rule_id,
            &settings.fingerprint_path(&path),
            resource_id,
            key,
        ]),
        location: location.unwrap_or_else(|| vocab::location(sources, span)),
        path,
        format,
        scope: scope.to_string(),
        related: Vec::new(),
        resource,
        suppression: None,
        baseline_state: None,
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_globs_keep_star_within_a_segment() {
        let g = glob(Some("infra/*.yaml")).unwrap().unwrap();
        assert!(g.is_match("infra/a.yaml"));
        assert!(!g.is_match("infra/legacy/a.yaml"));
        let g = glob(Some("infra/**")).unwrap().unwrap();
        assert!(g.is_match("infra/legacy/a.yaml"));
        assert!(glob(Some("a[")).is_err());
        assert!(glob(None).unwrap().is_none());
    }

    #[test]
    fn blank_reasons_do_not_count() {
        assert_eq!(reason(Some("  ")), None);
        assert_eq!(reason(None), None);
        assert_eq!(reason(Some(" legacy ")), Some("legacy"));
    }
}
