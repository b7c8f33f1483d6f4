//! The rule engine: rule declarations, the registry, and the context that stamps findings.
//!
//! A rule is one file: a [`declare_rule!`] declaration whose doc comment is the rule's
//! documentation (sections `## What it checks`, `## Why it matters`, `## How to fix`,
//! `## References`) and a `check` function over one [`Scope`].

pub mod docs;
pub mod matching;
mod registry;

pub mod autoscaling;
pub mod cdk;
mod ddb001_template_parse_error;
mod ddb002_duplicate_key;
mod ddb003_unused_suppression;
mod ddb004_policy_evaluation_error;
mod ddb101_pitr_disabled;
mod ddb102_pitr_recovery_period_short;
mod ddb103_deletion_protection_disabled;
mod ddb104_table_not_retained;
mod ddb201_encryption_below_tier;
mod ddb202_cmk_rotation_disabled;
mod ddb203_dax_encryption_disabled;
mod ddb204_dax_endpoint_not_tls;
mod ddb205_dax_single_node;
mod ddb301_vpc_gateway_endpoint_missing;
mod ddb302_dynamodb_interface_endpoint;
mod ddb303_gateway_endpoint_without_route_tables;
mod ddb401_gsi_alarms_missing;
mod ddb402_table_alarms_missing;
mod ddb403_replication_latency_alarm_missing;
mod ddb404_contributor_insights_disabled;
mod ddb405_gsi_write_capacity_below_table;
mod ddb406_capacity_not_autoscaled;
mod ddb407_alarm_without_action;
mod ddb501_lsi_changed_after_creation;
mod ddb502_key_schema_changed;
mod ddb503_lsi_limit_exceeded;
mod ddb504_gsi_limit_exceeded;
mod ddb505_lsi_key_invalid;
mod ddb506_key_attribute_mismatch;
mod ddb507_lsi_item_collection_limit;
mod ddb601_iam_dynamodb_wildcard_action;
mod ddb602_iam_dynamodb_wildcard_resource;
mod ddb603_iam_dynamodb_admin_action;
mod ddb604_iam_not_action_allow;
mod ddb605_iam_condition_misuse;
mod ddb606_table_resource_policy_public;
pub mod iam;
pub mod replacement;
#[cfg(test)]
mod scope_builder;

pub use registry::RULES;

pub use crate::vocab::{RuleMeta, Severity};

use crate::config::Settings;
use crate::model::{Failure, Resource, ResourceRef, Scope};
use crate::source::{SourceMap, Span};
use crate::vocab::{self, Finding, Policies};

/// What the registry holds: implemented by [`declare_rule!`] for every rule.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, scope: &Scope, ctx: &mut Ctx);
}

/// What a rule file implements: the check itself.
pub trait Check {
    fn run(&self, scope: &Scope, ctx: &mut Ctx);
}

/// Declare a rule: its doc comment is its documentation.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it checks
///     /// …
///     PitrDisabled { id: "DDB101", name: "pitr-disabled", severity: Error,
///                    summary: "…", tags: ["reliability"] }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        $ty:ident {
            id: $id:literal,
            name: $name:literal,
            severity: $sev:ident,
            $(enabled: $enabled:literal,)?
            summary: $summary:literal,
            tags: [$($tag:literal),* $(,)?] $(,)?
        }
    ) => {
        pub struct $ty;
        impl $ty {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                name: $name,
                severity: $crate::rules::Severity::$sev,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
                tags: &[$($tag),*],
                default_enabled: $crate::declare_rule!(@enabled $($enabled)?),
            };
        }
        impl $crate::rules::Rule for $ty {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &Self::META
            }
            fn check(&self, scope: &$crate::model::Scope, ctx: &mut $crate::rules::Ctx) {
                <Self as $crate::rules::Check>::run(self, scope, ctx)
            }
        }
    };
    (@enabled) => { true };
    (@enabled $enabled:literal) => { $enabled };
}

/// A finding before suppressions and severity overrides are applied.
#[derive(Clone, Debug)]
pub struct RawFinding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub span: Span,
    pub resource: Option<ResourceRef>,
    /// Stable detail for the fingerprint (index name, replica region, action), not the line.
    pub key: String,
    /// Secondary locations, each with what it is there.
    pub related: Vec<(Span, String)>,
}

/// What a rule sees besides the scope, and where its findings go.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    /// With `--base`: what is kept of the same scope in the base version, when it exists
    /// (DDB501 and DDB502 compare with it).
    pub base: Option<&'a replacement::BaseScope>,
    rule: Option<&'static RuleMeta>,
    findings: Vec<RawFinding>,
    /// Findings (by index) about a Terraform argument or block a resource lacks.
    unset: Vec<(usize, &'static [&'static str])>,
}

impl<'a> Ctx<'a> {
    pub fn new(settings: &'a Settings, base: Option<&'a replacement::BaseScope>) -> Ctx<'a> {
        Ctx {
            settings,
            base,
            rule: None,
            findings: Vec::new(),
            unset: Vec::new(),
        }
    }

    /// Say that the last finding is about a Terraform argument or block the resource
    /// lacks (`deletion_protection_enabled`, `point_in_time_recovery.enabled`): when a
    /// variable left it unset (a `null`, an empty `for_each`), the finding moves to where
    /// that variable is set.
    pub fn unset_by(&mut self, names: &'static [&'static str]) {
        if let Some(last) = self.findings.len().checked_sub(1)
            && self.unset.last().is_none_or(|(j, _)| *j < last)
        {
            self.unset.push((last, names));
        }
    }

    fn meta(&self) -> &'static RuleMeta {
        self.rule.expect("rule set by run_rules")
    }

    /// Report on a resource at `span`.
    pub fn report(
        &mut self,
        resource: &Resource,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> &mut RawFinding {
        self.push(
            Some(resource.reference()),
            span,
            message.into(),
            help.into(),
        )
    }

    /// Report a [`Failure`] of a property check: a missing property on the resource header.
    pub fn report_failure(
        &mut self,
        resource: &Resource,
        failure: Failure,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> &mut RawFinding {
        let span = match failure {
            Failure::Missing => resource.span,
            Failure::At(span) => span,
        };
        self.report(resource, span, message, help)
    }

    /// Report a failed check on a replica of `resource`: a missing property on the
    /// replica's line. `what` is the problem ("point-in-time recovery is not enabled");
    /// the message adds "on replica R of table T", and the fingerprint names the region.
    pub fn report_replica(
        &mut self,
        resource: &Resource,
        replica: &crate::model::Replica,
        failure: Failure,
        what: &str,
        help: impl Into<String>,
    ) -> &mut RawFinding {
        let region = replica
            .region
            .get()
            .map_or_else(|| "?".into(), |r| r.render());
        let span = match failure {
            Failure::Missing => replica.span,
            Failure::At(span) => span,
        };
        self.report(
            resource,
            span,
            format!("{what} on replica {region} of table {}", resource.id),
            help,
        )
        .key(format!("replica:{region}"))
    }

    /// Report with no resource (a file-level problem).
    pub fn report_at(
        &mut self,
        resource: Option<ResourceRef>,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> &mut RawFinding {
        self.push(resource, span, message.into(), help.into())
    }

    fn push(
        &mut self,
        resource: Option<ResourceRef>,
        span: Span,
        message: String,
        help: String,
    ) -> &mut RawFinding {
        let rule = self.meta();
        self.findings.push(RawFinding {
            rule,
            severity: rule.severity,
            message,
            help,
            span,
            resource,
            key: String::new(),
            related: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// An option of the running rule from the config (`rules: {DDB102: {min_days: 35}}`).
    pub fn option_u64(&self, name: &str) -> Option<u64> {
        self.settings.rule_option_u64(self.meta().id, name)
    }
}

impl RawFinding {
    /// Set the fingerprint detail.
    pub fn key(&mut self, key: impl Into<String>) -> &mut Self {
        self.key = key.into();
        self
    }

    /// The finding as reported: its path and location, the configured severity and a
    /// fingerprint that names the rule, path, resource and detail (never the line).
    pub fn into_finding(self, scope: &Scope, sources: &SourceMap, settings: &Settings) -> Finding {
        let path = sources.get(self.span.file).display_path();
        let severity = settings
            .severity_override(self.rule.id)
            .unwrap_or(self.severity);
        let resource_id = self.resource.as_ref().map_or("", |r| r.id.as_str());
        let key = if self.key.is_empty() {
            self.message.as_str()
        } else {
            self.key.as_str()
        };
        // A finding outside its scope's own directory (a module several root modules
        // share) can be reported by each of them: its scope tells them apart.
        let named = settings.fingerprint_path(&path);
        let fingerprint = if scope.name == "." || path.starts_with(&scope.name) {
            vocab::fingerprint(&[self.rule.id, &named, resource_id, key])
        } else {
            let scope = settings.fingerprint_path(&scope.name);
            vocab::fingerprint(&[self.rule.id, &named, resource_id, key, &scope])
        };
        Finding {
            rule_id: self.rule.id,
            rule_name: self.rule.name,
            severity,
            location: vocab::location(sources, self.span),
            scope: scope.name.clone(),
            related: self
                .related
                .iter()
                .map(|(span, m)| vocab::Related::new(sources, *span, m.clone()))
                .collect(),
            message: self.message,
            help: self.help,
            path,
            format: scope.format,
            resource: self.resource,
            fingerprint,
            suppression: None,
            baseline_state: None,
            span: self.span,
        }
    }

    /// Add a secondary location.
    pub fn related(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push((span, message.into()));
        self
    }
}

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(id))
}

/// Built-in rule metadata by id (any case) or name.
pub fn meta_by_id(id: &str) -> Option<&'static RuleMeta> {
    crate::vocab::find_rule(RULES.iter().map(|r| r.meta()), id)
}

/// Rule metadata by id (any case) or name: a built-in rule, or one of `policies`' Guard
/// rules (by its name), the policies of a run.
pub fn find(id: &str, policies: &Policies) -> Option<&'static RuleMeta> {
    meta_by_id(id).or_else(|| policies.meta(id))
}

/// The id of the built-in rule with this id (any case) or name: what the config reader is
/// given to check the rules a config names ([`crate::config::RuleIds`]) when no policy is
/// loaded.
pub fn rule_id(id_or_name: &str) -> Option<String> {
    meta_by_id(id_or_name).map(|m| m.id.to_string())
}

/// [`rule_id`], policy rules of `policies` included.
pub fn rule_id_in(id_or_name: &str, policies: &Policies) -> Option<String> {
    find(id_or_name, policies).map(|m| m.id.to_string())
}

/// Every rule a report of a run with `policies` can name: the built-in catalog, then the
/// policy rules in the order they were loaded.
pub fn catalog(policies: &Policies) -> Vec<&'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain(policies.rules.iter().map(|r| r.meta))
        .collect()
}

/// Run every enabled rule over a scope; problems the frontend met become DDB001/DDB002.
pub fn run_rules(
    scope: &Scope,
    settings: &Settings,
    base: Option<&replacement::BaseScope>,
) -> Vec<RawFinding> {
    let mut ctx = Ctx::new(settings, base);
    for problem in &scope.problems {
        let Some(meta) = meta_by_id(problem.rule) else {
            continue;
        };
        if !settings.rule_runs(meta) {
            continue;
        }
        ctx.rule = Some(meta);
        let help = problem.help.clone().unwrap_or_default();
        ctx.report_at(
            problem.resource.clone(),
            problem.span,
            problem.message.clone(),
            help,
        )
        .key(without_line_numbers(&problem.message));
    }
    for rule in RULES {
        let meta = rule.meta();
        if meta.id == "DDB001" || meta.id == "DDB002" || !settings.rule_runs(meta) {
            continue;
        }
        ctx.rule = Some(meta);
        rule.check(scope, &mut ctx);
    }
    // `unset` is in the order of the findings it names: read alongside them (a scope of
    // 100,000 tables has as many of each).
    let mut unset = ctx.unset.iter().peekable();
    for (i, f) in ctx.findings.iter_mut().enumerate() {
        let unset = unset.next_if(|(j, _)| *j == i).map(|(_, n)| *n);
        to_the_line_to_change(scope, f, unset);
        // In a CDK app the user changes the construct: the help names it.
        if scope.format == crate::model::Format::Cdk && !f.help.is_empty() {
            f.help = cdk::with_construct(&f.help, f.resource.as_ref());
        }
    }
    ctx.findings
}

/// A problem's fingerprint detail: its message without the line numbers it names
/// (DDB002's "the value at line 12"), so that lines added above it do not move it.
fn without_line_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        let (head, tail) = rest.split_at(i + "line ".len());
        out.push_str(head);
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// Move a finding from where a resource uses a value to where the user sets it (see
/// [`crate::model::provenance`]); the way the value travelled becomes related locations.
fn to_the_line_to_change(scope: &Scope, f: &mut RawFinding, unset: Option<&[&str]>) {
    // A value an `Fn::If` chose: the finding says which condition it hangs on.
    if let Some(when) = scope.provenance.conditions.get(&f.span) {
        f.message = format!("{}, {when}", f.message);
    }
    let Some(r) = &f.resource else { return };
    // Missing alarms: those a condition leaves out are named, with the condition.
    if f.rule.tags.contains(&"monitoring")
        && let Some(absent) = scope.provenance.absent_for(&r.id, "AWS::CloudWatch::Alarm")
    {
        f.message = format!("{}; {absent}", f.message);
    }
    let moved = match unset {
        Some(names) => scope.provenance.relocate_unset(&r.id, f.span, names),
        None => scope.provenance.relocate(&r.id, f.span),
    };
    let Some(moved) = moved else {
        return;
    };
    f.span = moved.span;
    if let Some(note) = moved.note {
        f.message = format!("{}; {note}", f.message);
    }
    f.related.extend(
        moved
            .related
            .into_iter()
            .filter(|(span, _)| *span != moved.span),
    );
    if let Some(change) = moved.help {
        if let crate::model::provenance::HelpChange::NoInput { .. } = change {
            f.help = alarm_beside_the_module(scope, &r.id, &f.help);
        }
        f.help = change.apply(&f.help);
    }
}

/// A missing alarm on a table of a module outside the checked tree needs no input of that
/// module: the calling configuration can add it, naming the table by its name (the
/// module's address of the table means nothing there).
fn alarm_beside_the_module(scope: &Scope, id: &str, help: &str) -> String {
    let address = format!("{id}.name");
    if !help.contains(&address) {
        return help.to_string();
    }
    let name = match scope.resource(id).map(|r| &r.kind) {
        Some(crate::model::Kind::Table(t)) => t.known_name().map(|n| format!("{n:?}")),
        _ => None,
    };
    let name =
        name.unwrap_or_else(|| format!("<the name of table {id}, from the module's outputs>"));
    format!(
        "in the calling configuration, {}",
        help.replace(&address, &name)
    )
}

/// Pick the help text for the scope's format.
pub fn by_format(
    format: crate::model::Format,
    cloudformation: &'static str,
    cdk: &'static str,
    terraform: &'static str,
) -> &'static str {
    match format {
        crate::model::Format::Cloudformation => cloudformation,
        crate::model::Format::Cdk => cdk,
        crate::model::Format::Terraform | crate::model::Format::TerraformPlan => terraform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn problem_keys_leave_out_line_numbers() {
        assert_eq!(
            without_line_numbers("key A is written twice: the value at line 12 is dropped"),
            "key A is written twice: the value at line  is dropped"
        );
        assert_eq!(without_line_numbers("no line here"), "no line here");
        assert_eq!(without_line_numbers("line 3, line 40"), "line , line ");
    }

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for rule in RULES {
            let m = rule.meta();
            assert!(ids.insert(m.id), "duplicate id {}", m.id);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(
                m.id.len() == 6
                    && m.id.starts_with("DDB")
                    && m.id[3..].chars().all(|c| c.is_ascii_digit()),
                "bad id {}",
                m.id
            );
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "name {} is not kebab-case",
                m.name
            );
            assert!(
                !m.summary.is_empty() && !m.summary.ends_with('.'),
                "{}: summary",
                m.id
            );
        }
    }

    #[test]
    fn every_rule_is_documented() {
        for rule in RULES {
            let m = rule.meta();
            for section in [
                "What it checks",
                "Why it matters",
                "How to fix",
                "References",
            ] {
                let text = m.section(section);
                assert!(
                    text.is_some_and(|t| !t.is_empty()),
                    "{} lacks the section '{section}'",
                    m.id
                );
            }
        }
    }

    #[test]
    fn registry_is_sorted_by_id() {
        let ids: Vec<_> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
}
