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
use source::{FileId, SourceMap};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use config::Settings;
pub use load::{Loaded, Walked, load};

pub use vocab::{Error, MAX_FILE_BYTES};

/// Check `paths`: the whole run. Scopes are read and checked as a stream: once a scope's
/// findings are made, its trees are dropped and its files' text released, so memory does
/// not grow with the tree checked (see [`load::Walked::stream`]).
pub fn check(paths: &[PathBuf], settings: &Settings) -> Result<Report, Error> {
    let walked = load::walk(paths, settings)?;
    let policy_files = policy_files(settings, &walked.sources);
    let first = FirstFormat::default();
    let streamed = walked.stream(
        settings,
        |scope, sources| check_scope(scope, sources, settings, None, &policy_files, &first),
        Checked::name,
    );
    Ok(finish(streamed, first, settings))
}

/// Run the rules over loaded scopes.
pub fn check_loaded(loaded: Loaded, settings: &Settings) -> Report {
    check_loaded_with_base(loaded, settings, None)
}

/// Pull-request mode: check `paths` against the base (`--base`). Head findings are marked
/// new or unchanged, findings the change fixed are listed as absent (and not counted), and
/// with `only_new` the unchanged ones are left out. Fails (exit status 2) only when the
/// base cannot be loaded at all. The base is streamed first, as the head is in [`check`]:
/// each base scope is checked and summarised for DDB501 and DDB502
/// ([`rules::replacement::BaseScope`]), then dropped with its files' text; only its
/// findings and its summary are kept while the head is streamed, each head scope's rules
/// seeing the summary of the base scope of the same name (`Ctx.base`).
pub fn check_with_base(
    paths: &[PathBuf],
    settings: &Settings,
    base: &baseline::BaseSpec,
    only_new: bool,
) -> Result<Report, Error> {
    use rules::replacement::BaseScope;
    let head = load::walk(paths, settings)?;
    let mut tree = baseline::BaseTree::open(paths, base)?;
    // The base report is only compared with: it lists no scope. The head's lists its
    // scopes, whose names tell which base scopes did not parse.
    let base_settings = Settings {
        brief_scopes: true,
        ..settings.clone()
    };
    let settings = &Settings {
        brief_scopes: false,
        ..settings.clone()
    };
    let (mut base_report, base_scopes) = match tree.walk(settings)? {
        Some(walked) => {
            let policy_files = policy_files(settings, &walked.sources);
            let first = FirstFormat::default();
            let streamed = walked.stream(
                settings,
                |scope, sources| {
                    tree.rename(scope, sources);
                    let summary = BaseScope::of(scope);
                    let checked =
                        check_scope(scope, sources, &base_settings, None, &policy_files, &first);
                    (checked, summary)
                },
                |(checked, _): &(Checked, BaseScope)| checked.name(),
            );
            tree.rename_rest(&streamed.sources);
            let (streamed, summaries) = streamed.unzip();
            (finish(streamed, first, settings), summaries)
        }
        None => {
            let nothing = load::Streamed {
                checked: Vec::new(),
                sources: Arc::new(SourceMap::default()),
                skipped: Vec::new(),
                messages: Vec::new(),
                files: 0,
            };
            (
                finish(nothing, FirstFormat::default(), settings),
                Vec::new(),
            )
        }
    };
    let mut messages = std::mem::take(&mut tree.messages);
    // The temporary checkout goes, and all the base report keeps is its findings.
    drop(tree);
    base_report.scopes = Vec::new();
    base_report.skipped = Vec::new();
    base_report.messages = Vec::new();
    let by_name = scopes_by_name(&base_scopes);
    let policy_files = policy_files(settings, &head.sources);
    let first = FirstFormat::default();
    let streamed = head.stream(
        settings,
        |scope, sources| {
            let base = by_name.get(scope.name.as_str()).copied();
            check_scope(scope, sources, settings, base, &policy_files, &first)
        },
        Checked::name,
    );
    let mut report = finish(streamed, first, settings);
    let head_names: Vec<&str> = report.scopes.iter().map(|s| &*s.name).collect();
    messages.extend(baseline::unreadable_bases(&head_names, &base_scopes));
    baseline::compare(&mut report, base_report, only_new);
    report.messages.extend(messages);
    Ok(report)
}

/// Run the rules over loaded scopes; with a base, each scope's rules see the summary of the
/// base scope of the same name (`Ctx.base`).
pub fn check_loaded_with_base(
    loaded: Loaded,
    settings: &Settings,
    base: Option<&Loaded>,
) -> Report {
    let base_scopes: Vec<rules::replacement::BaseScope> = base
        .map(|b| {
            b.scopes
                .iter()
                .map(rules::replacement::BaseScope::of)
                .collect()
        })
        .unwrap_or_default();
    let base_scopes = scopes_by_name(&base_scopes);
    let Loaded {
        scopes,
        sources,
        skipped,
        messages,
        files,
    } = loaded;
    let policy_files = policy_files(settings, &sources);
    let first = FirstFormat::default();
    let checked: Vec<Checked> = scopes
        .par_iter()
        .map(|scope| {
            let base = base_scopes.get(scope.name.as_str()).copied();
            check_scope(scope, &sources, settings, base, &policy_files, &first)
        })
        .collect();
    drop(scopes);
    finish(
        load::Streamed {
            checked,
            sources,
            skipped,
            messages,
            files,
        },
        first,
        settings,
    )
}

/// Base scope summaries by name (the last of a name when two share it).
fn scopes_by_name(
    scopes: &[rules::replacement::BaseScope],
) -> HashMap<&str, &rules::replacement::BaseScope> {
    scopes.iter().map(|s| (s.name.as_str(), s)).collect()
}

/// The policy files, added to the source map (DDB004 findings stand there): none without
/// policies.
fn policy_files(settings: &Settings, sources: &SourceMap) -> Vec<FileId> {
    if settings.policies.is_empty() {
        Vec::new()
    } else {
        policy::run::policy_file_ids(&settings.policies, sources)
    }
}

/// What one scope leaves once checked, when its trees are gone: its findings (stamped,
/// inline suppressions applied), the problems of its inline suppressions, and what the
/// report says about it.
struct Checked {
    resources: u32,
    /// What the report lists of the scope, unless `Settings::brief_scopes`.
    info: Option<Box<ScopeInfo>>,
    /// Its findings and the problems of its inline suppressions, when it has any (most
    /// scopes have none, and a run keeps this for every scope).
    found: Option<Box<(Vec<Finding>, suppress::InlineProblems)>>,
}

impl Checked {
    /// The scope's name; empty with `Settings::brief_scopes` (the order of scopes then
    /// matters to no report).
    fn name(&self) -> &str {
        self.info.as_ref().map_or("", |i| &i.name)
    }
}

/// The format of the first scope by name, known without keeping every name: the format
/// config suppression problems are given (they belong to the config file, not a scope).
#[derive(Default)]
struct FirstFormat(std::sync::Mutex<Option<(String, model::Format)>>);

impl FirstFormat {
    fn see(&self, scope: &Scope) {
        let mut first = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if first.as_ref().is_none_or(|(name, _)| scope.name < *name) {
            *first = Some((scope.name.clone(), scope.format));
        }
    }

    fn get(self) -> model::Format {
        let first = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        first.map_or(model::Format::Cloudformation, |(_, format)| format)
    }
}

/// Run the rules and the policies over one scope (with the base scope of the same name in
/// pull-request mode), stamp the findings and apply the scope's inline suppressions: all
/// that needs the scope and its files' text.
fn check_scope(
    scope: &Scope,
    sources: &SourceMap,
    settings: &Settings,
    base: Option<&rules::replacement::BaseScope>,
    policy_files: &[FileId],
    first: &FirstFormat,
) -> Checked {
    first.see(scope);
    let policies = &settings.policies;
    let mut raw = rules::run_rules(scope, settings, base);
    if !policies.is_empty() {
        let enabled = |id: &str| settings.rule_enabled(id);
        let budget = settings
            .policy_budget
            .unwrap_or(policy::run::DEFAULT_BUDGET);
        raw.extend(policy::run::run(
            scope,
            sources,
            policies,
            policy_files,
            &enabled,
            budget,
        ));
    }
    let mut findings: Vec<Finding> = raw
        .into_iter()
        .map(|f| f.into_finding(scope, sources, settings))
        .collect();
    let problems = suppress::apply_inline(&mut findings, scope, sources, settings);
    let found = !(findings.is_empty() && problems.is_empty());
    Checked {
        resources: u32::try_from(scope.resources.len()).unwrap_or(u32::MAX),
        info: (!settings.brief_scopes).then(|| Box::new(scope_info(scope))),
        found: found.then(|| Box::new((findings, problems))),
    }
}

/// What the report keeps of a scope: its name, format and notes, how many resources it
/// has and in which files, and the id and class of each resource some rule checks (the
/// others are most of a template: functions, roles, queues).
fn scope_info(s: &Scope) -> ScopeInfo {
    let mut files: Vec<FileId> = s.resources.iter().map(|r| r.file).collect();
    files.sort_unstable();
    files.dedup();
    ScopeInfo {
        name: s.name.as_str().into(),
        format: s.format,
        resources: u32::try_from(s.resources.len()).unwrap_or(u32::MAX),
        files: files.into(),
        checked: s
            .resources
            .iter()
            .map(|r| (r, report::junit::resource_class(&r.kind)))
            .filter(|(_, class)| report::junit::checked_class(class))
            .map(|(r, class)| (r.file, r.id.clone(), class))
            .collect(),
        notes: s.notes.as_slice().into(),
    }
}

/// The report from every scope's results (in scope order): the config's suppressions, the
/// suppression problems, then the findings sorted and counted.
fn finish(streamed: load::Streamed<Checked>, first: FirstFormat, settings: &Settings) -> Report {
    let load::Streamed {
        checked,
        sources,
        skipped,
        messages,
        files,
    } = streamed;
    let count = |f: fn(&(Vec<Finding>, suppress::InlineProblems)) -> usize| {
        checked
            .iter()
            .filter_map(|c| c.found.as_deref())
            .map(f)
            .sum()
    };
    let mut findings = Vec::with_capacity(count(|(f, _)| f.len()));
    let mut inline = Vec::with_capacity(count(|(_, p)| p.inline.len()));
    let mut module = Vec::with_capacity(count(|(_, p)| p.module.len()));
    let scope_count = checked.len();
    let resources = checked.iter().map(|c| c.resources as usize).sum();
    let mut scopes: Vec<ScopeInfo> = Vec::new();
    for c in checked {
        if let Some(found) = c.found {
            let (found, problems) = *found;
            findings.extend(found);
            inline.extend(problems.inline);
            module.extend(problems.module);
        }
        scopes.extend(c.info.map(|i| *i));
    }
    let config = suppress::apply_config(
        &mut findings,
        first.get(),
        &sources,
        settings,
        suppress::today(),
    );
    findings.extend(inline.into_iter().chain(module).chain(config));
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
        scopes: scope_count,
        resources,
        ..Summary::default()
    };
    summary.count(&findings);
    Report {
        findings,
        summary,
        scopes,
        skipped,
        messages,
        sources,
        rebased: None,
        policies: settings.policies.clone(),
    }
}

/// `ddbguard model`: the resolved model as JSON.
pub fn model_json(loaded: &Loaded) -> String {
    report::model::render(loaded)
}
