//! ddbguard: DynamoDB production-readiness checks for CloudFormation, CDK and Terraform.
//!
//! [`check`] is the whole pipeline: walk the paths, read every file once through its
//! frontend into [`model::Scope`]s, run the rules over each scope in parallel, apply
//! suppressions and severity overrides, and return a sorted [`report::Report`].

pub mod baseline;
pub mod baseline_file;
pub mod cli;
pub mod config;
pub mod load;
pub mod model;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod vocab;
pub mod walk;

use model::Scope;
use rayon::prelude::*;
use report::{Finding, Report, ScopeInfo, Summary};
use std::path::PathBuf;

pub use config::Settings;
pub use load::{Loaded, load};

pub use vocab::{Error, MAX_FILE_BYTES};

/// Check `paths`: the whole run.
pub fn check(paths: &[PathBuf], settings: &Settings) -> Result<Report, Error> {
    let loaded = load(paths, settings)?;
    Ok(check_loaded(loaded, settings))
}

/// Run the rules over loaded scopes.
pub fn check_loaded(loaded: Loaded, settings: &Settings) -> Report {
    check_loaded_with_base(loaded, settings, None)
}

/// Pull-request mode: check `paths` against the base (`--base`). Head findings are marked
/// new or unchanged, findings the change fixed are listed as absent (and not counted), and
/// with `only_new` the unchanged ones are left out. Fails (exit status 2) only when the
/// base cannot be loaded at all.
pub fn check_with_base(
    paths: &[PathBuf],
    settings: &Settings,
    base: &baseline::BaseSpec,
    only_new: bool,
) -> Result<Report, Error> {
    let head = load(paths, settings)?;
    let base = baseline::load_base(paths, base, settings)?;
    let mut messages = base.messages;
    messages.extend(baseline::unreadable_bases(&head, &base.loaded));
    let mut report = check_loaded_with_base(head, settings, Some(&base.loaded));
    let base_report = check_loaded(base.loaded, settings);
    baseline::compare(&mut report, base_report, only_new);
    report.messages.extend(messages);
    Ok(report)
}

/// Run the rules over loaded scopes; with a base, each scope's rules see the base scope of
/// the same name (`Ctx.base`).
pub fn check_loaded_with_base(
    loaded: Loaded,
    settings: &Settings,
    base: Option<&Loaded>,
) -> Report {
    let base_scopes: std::collections::HashMap<&str, &Scope> = base
        .map(|b| b.scopes.iter().map(|s| (s.name.as_str(), s)).collect())
        .unwrap_or_default();
    let Loaded {
        scopes,
        sources,
        skipped,
        messages,
        files,
    } = loaded;
    let policies = &settings.policies;
    let policy_files = if policies.is_empty() {
        Vec::new()
    } else {
        policy::run::policy_file_ids(policies, &sources)
    };
    let budget = settings
        .policy_budget
        .unwrap_or(policy::run::DEFAULT_BUDGET);
    let mut tagged: Vec<(usize, Finding)> = scopes
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, scope)| {
            let base = base_scopes.get(scope.name.as_str()).copied();
            let mut raw = rules::run_rules(scope, settings, base);
            if !policies.is_empty() {
                let enabled = |id: &str| settings.rule_enabled(id);
                raw.extend(policy::run::run(
                    scope,
                    &sources,
                    policies,
                    &policy_files,
                    &enabled,
                    budget,
                ));
            }
            raw.into_iter()
                .map(|f| (i, f.into_finding(scope, &sources, settings)))
                .collect::<Vec<_>>()
        })
        .collect();
    let problems = suppress::apply(&mut tagged, &scopes, &sources, settings, suppress::today());
    let mut findings: Vec<Finding> = tagged.into_iter().map(|(_, f)| f).chain(problems).collect();
    // Two scopes never merge their findings, even on a line they share (a module two
    // root modules call): each scope's findings are its own. Nor do two resources: one
    // policy message on two `for_each` instances of a block is two findings.
    let resource = |f: &Finding| f.resource.as_ref().map(|r| r.id.clone());
    findings.sort_by(|a, b| {
        (
            &a.path,
            a.location,
            a.rule_id,
            &a.message,
            &a.scope,
            resource(a),
        )
            .cmp(&(
                &b.path,
                b.location,
                b.rule_id,
                &b.message,
                &b.scope,
                resource(b),
            ))
    });
    findings.dedup_by(|a, b| {
        a.path == b.path
            && a.location == b.location
            && a.rule_id == b.rule_id
            && a.message == b.message
            && a.scope == b.scope
            && a.resource == b.resource
    });
    let mut summary = Summary {
        files,
        scopes: scopes.len(),
        resources: scopes.iter().map(|s| s.resources.len()).sum(),
        ..Summary::default()
    };
    summary.count(&findings);
    let scope_infos = scopes
        .iter()
        .map(|s| ScopeInfo {
            name: s.name.clone(),
            format: s.format,
            resources: s
                .resources
                .iter()
                .map(|r| {
                    (
                        sources.get(r.file).display_path(),
                        r.reference(),
                        report::junit::resource_class(&r.kind),
                    )
                })
                .collect(),
            notes: s.notes.clone(),
        })
        .collect();
    Report {
        findings,
        summary,
        scopes: scope_infos,
        skipped,
        messages,
        sources,
    }
}

/// `ddbguard model`: the resolved model as JSON.
pub fn model_json(loaded: &Loaded) -> String {
    report::model::render(loaded)
}
