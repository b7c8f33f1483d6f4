//! ddbguard: DynamoDB production-readiness checks for CloudFormation, CDK and Terraform.
//!
//! [`check`] is the whole pipeline: walk the paths, read every file once through its
//! frontend into [`model::Scope`]s, run the rules over each scope in parallel, apply
//! suppressions and severity overrides, and return a sorted [`report::Report`].

pub mod baseline;
pub mod baseline_file;
pub mod cli;
pub mod config;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod walk;

use model::Scope;
use rayon::prelude::*;
use report::{Finding, Report, ScopeInfo, Summary};
use source::SourceMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use config::Settings;

/// Files larger than this are reported (DDB001) instead of parsed.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// An error that stops the command itself (exit status 2).
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// What the frontends produced for a set of paths: the scopes and the files behind them.
pub struct Loaded {
    pub scopes: Vec<Scope>,
    pub sources: Arc<SourceMap>,
    pub skipped: Vec<(String, String)>,
    pub messages: Vec<String>,
    pub files: usize,
}

/// Walk `paths` and read everything through the frontends.
pub fn load(paths: &[PathBuf], settings: &Settings) -> Result<Loaded, Error> {
    let exclude = build_globset(&settings.config.exclude)?;
    let found = walk::walk(paths, &exclude).map_err(Error)?;
    let sources = Arc::new(SourceMap::default());
    let mut messages = Vec::new();
    if found.assemblies.is_empty() {
        for app in &found.unsynthesized_cdk_apps {
            messages.push(format!(
                "{}: no cdk.out found: run `cdk synth` first",
                source::display_path(app)
            ));
        }
    }

    let documents: Vec<(Vec<Scope>, model::cfn::Skipped)> = found
        .documents
        .par_iter()
        .map(|path| model::cfn::load_document(path, &sources))
        .collect();
    let mut scopes = Vec::new();
    let mut skipped = Vec::new();
    for (s, skip) in documents {
        scopes.extend(s);
        skipped.extend(skip);
    }
    let assemblies: Vec<Scope> = found
        .assemblies
        .par_iter()
        .flat_map_iter(|dir| model::cdk::load_assembly(dir, &sources))
        .collect();
    scopes.extend(assemblies);
    scopes.extend(model::terraform::load(
        &found.terraform_dirs,
        &sources,
        settings,
    ));
    model::tfplan::link_plans(&mut scopes, &sources);
    let files = sources.len();
    scopes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Loaded {
        scopes,
        sources,
        skipped,
        messages,
        files,
    })
}

fn build_globset(patterns: &[String]) -> Result<globset::GlobSet, Error> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let glob =
            globset::Glob::new(p).map_err(|e| Error(format!("exclude pattern {p:?}: {e}")))?;
        b.add(glob);
    }
    b.build().map_err(|e| Error(e.to_string()))
}

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
    let mut tagged: Vec<(usize, Finding)> = scopes
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, scope)| {
            let base = base_scopes.get(scope.name.as_str()).copied();
            let raw = rules::run_rules(scope, settings, base);
            raw.into_iter()
                .map(|f| (i, finding(f, scope, &sources, settings)))
                .collect::<Vec<_>>()
        })
        .collect();
    let problems = suppress::apply(&mut tagged, &scopes, &sources, settings, &suppress::today());
    let mut findings: Vec<Finding> = tagged.into_iter().map(|(_, f)| f).chain(problems).collect();
    findings.sort_by(|a, b| {
        (&a.path, a.location, a.rule_id, &a.message)
            .cmp(&(&b.path, b.location, b.rule_id, &b.message))
    });
    findings.dedup_by(|a, b| {
        a.path == b.path
            && a.location == b.location
            && a.rule_id == b.rule_id
            && a.message == b.message
    });
    let mut summary = Summary {
        files,
        scopes: scopes.len(),
        resources: scopes.iter().map(|s| s.resources.len()).sum(),
        ..Summary::default()
    };
    for f in &findings {
        if f.suppression.is_some() {
            summary.suppressed += 1;
            continue;
        }
        summary.findings += 1;
        match f.severity {
            rules::Severity::Error => summary.errors += 1,
            rules::Severity::Warning => summary.warnings += 1,
            rules::Severity::Note => summary.notes += 1,
        }
    }
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

fn finding(
    raw: rules::RawFinding,
    scope: &Scope,
    sources: &SourceMap,
    settings: &Settings,
) -> Finding {
    let file = sources.get(raw.span.file);
    let path = file.display_path();
    let severity = settings
        .severity_override(raw.rule.id)
        .unwrap_or(raw.severity);
    let resource_id = raw.resource.as_ref().map_or("", |r| r.id.as_str());
    let key = if raw.key.is_empty() {
        raw.message.as_str()
    } else {
        raw.key.as_str()
    };
    let fingerprint = report::fingerprint(&[raw.rule.id, &path, resource_id, key]);
    Finding {
        rule_id: raw.rule.id,
        rule_name: raw.rule.name,
        severity,
        location: report::location(sources, raw.span),
        message: raw.message,
        help: raw.help,
        path,
        format: scope.format,
        resource: raw.resource,
        fingerprint,
        suppression: None,
        baseline_state: None,
        span: raw.span,
    }
}

/// `ddbguard model`: the resolved model as JSON, with file paths instead of file ids.
pub fn model_json(loaded: &Loaded) -> String {
    let scopes: Vec<serde_json::Value> = loaded
        .scopes
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
            if let Some(resources) = v.get_mut("resources").and_then(|r| r.as_array_mut()) {
                for (json, res) in resources.iter_mut().zip(&s.resources) {
                    if let Some(obj) = json.as_object_mut() {
                        obj.insert(
                            "path".into(),
                            loaded.sources.get(res.file).display_path().into(),
                        );
                    }
                }
            }
            v
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&serde_json::json!({
        "version": 1,
        "spans": "byte offsets [start, end) into the resource's file",
        "scopes": scopes,
    }))
    .unwrap_or_default();
    out.push('\n');
    out
}
