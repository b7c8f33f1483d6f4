//! Running the loaded policies over a scope's documents: every policy file on every
//! document, each evaluation in a worker thread with a time budget; failing clauses become
//! findings at the failing value, evaluation failures DDB004 findings at the policy file.

use super::document::{Document, TreeKind};
use super::engine::{self, EvalError};
use super::load::{Policies, clean_message, split_fix};
use crate::model::{Format, Scope};
use crate::rules::RawFinding;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use std::time::Duration;

/// Bytes of document times policy files evaluated in one call at most (see [`run`]).
const SHARED_BYTES: usize = 256 * 1024;

/// The default time budget of one (policy file, document) evaluation.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

/// The documents policies see for a scope: its templates (CloudFormation, CDK) or its plan
/// as written, and its model.
pub fn documents(scope: &Scope, sources: &SourceMap) -> Vec<Document> {
    documents_wanted(scope, sources, &|_| true)
}

/// [`documents`], building only those of the kinds `want` takes (by their top-level keys).
fn documents_wanted(
    scope: &Scope,
    sources: &SourceMap,
    want: &dyn Fn(&[&str]) -> bool,
) -> Vec<Document> {
    let mut out = Vec::new();
    let tree_kind = match scope.format {
        Format::Cloudformation | Format::Cdk => Some(TreeKind::Template),
        Format::TerraformPlan => Some(TreeKind::Plan),
        Format::Terraform => None,
    };
    let tree_keys = match tree_kind {
        Some(TreeKind::Template) => TEMPLATE_KEYS,
        _ => PLAN_KEYS,
    };
    if let Some(kind) = tree_kind.filter(|_| want(tree_keys)) {
        for &id in &scope.files {
            let file = sources.get(id);
            let Ok(root) = crate::model::cfn::parse(&file.path, &file.text, id) else {
                continue;
            };
            let is_doc = match kind {
                TreeKind::Template => crate::model::cfn::is_template(&root),
                TreeKind::Plan => {
                    root.get("resource_changes").is_some() || root.get("planned_values").is_some()
                }
            };
            if is_doc {
                out.push(Document::from_tree(
                    file.display_path(),
                    &file,
                    id,
                    root,
                    kind,
                ));
            }
        }
    }
    if scope.format == Format::Terraform
        && want(PLAN_KEYS)
        && let Some(plan) = super::terraform::document(scope)
    {
        out.push(plan);
    }
    if (!scope.resources.is_empty() || tree_kind.is_none()) && want(MODEL_KEYS) {
        out.push(super::model::document(scope, sources));
    }
    out
}

/// The place DDB004 findings stand: the start of the policy file, added to the source map.
pub fn policy_file_ids(policies: &Policies, sources: &SourceMap) -> Vec<FileId> {
    policies
        .files
        .iter()
        .map(|f| sources.add(SourceFile::new(f.path.clone(), f.text.to_string())))
        .collect()
}

/// Run every policy file over every document of `scope`. The files a document can select
/// from are evaluated together where they can be ([`Policies::batches`]), within the sum of
/// their budgets; a shared evaluation that fails is done again file by file, so an error or
/// a timeout is still the one file's DDB004 and the other files' verdicts stand.
pub fn run(
    scope: &Scope,
    sources: &SourceMap,
    policies: &Policies,
    policy_files: &[FileId],
    enabled: &dyn Fn(&str) -> bool,
    budget: Duration,
) -> Vec<RawFinding> {
    // Only the kinds of document some enabled policy can select from are built.
    let live: Vec<&[String]> = (0..policies.files.len())
        .filter(|&fi| {
            policies
                .rules
                .iter()
                .any(|r| r.file == fi && enabled(r.name))
        })
        .map(|fi| policies.files[fi].words.as_slice())
        .collect();
    let want = |keys: &[&str]| live.iter().any(|words| selects(words, keys));
    let docs = documents_wanted(scope, sources, &want);
    let mut out = Vec::new();
    for doc in &docs {
        let selected: Vec<usize> = (0..policies.files.len())
            .filter(|&fi| {
                policies
                    .rules
                    .iter()
                    .any(|r| r.file == fi && enabled(r.name))
                    && may_select(&policies.files[fi].words, doc)
            })
            .collect();
        // A shared evaluation's memory grows with the document times the files: large
        // documents are evaluated with fewer files at a time.
        let per_call = (SHARED_BYTES / doc.json.len().max(1)).max(1);
        let batches = policies.batches(&selected);
        for batch in batches.iter().flat_map(|b| b.chunks(per_call)) {
            // One file is evaluated alone; several in one call, and again one by one when
            // the shared call fails (so DDB004 names the file that failed).
            let shared = (batch.len() > 1).then(|| {
                let mut text = String::new();
                for &fi in batch {
                    text.push_str(&policies.files[fi].text);
                    text.push('\n');
                }
                engine::evaluate_with_budget(
                    doc.json.clone(),
                    doc.name.clone(),
                    std::sync::Arc::from(text),
                    "policies".into(),
                    budget.saturating_mul(batch.len() as u32),
                )
            });
            match shared {
                Some(Ok(results)) => findings(scope, doc, policies, &results, enabled, &mut out),
                _ => {
                    for &fi in batch {
                        evaluate_one(
                            scope,
                            doc,
                            policies,
                            policy_files,
                            fi,
                            enabled,
                            budget,
                            &mut out,
                        );
                    }
                }
            }
        }
    }
    out
}

/// One policy file on one document: its findings, or its DDB004.
#[allow(clippy::too_many_arguments)]
fn evaluate_one(
    scope: &Scope,
    doc: &Document,
    policies: &Policies,
    policy_files: &[FileId],
    fi: usize,
    enabled: &dyn Fn(&str) -> bool,
    budget: Duration,
    out: &mut Vec<RawFinding>,
) {
    let file = &policies.files[fi];
    let result = engine::evaluate_with_budget(
        doc.json.clone(),
        doc.name.clone(),
        file.text.clone(),
        file.display.clone(),
        budget,
    );
    match result {
        Ok(results) => findings(scope, doc, policies, &results, enabled, out),
        Err(e) => {
            if enabled("DDB004") {
                out.push(evaluation_error(
                    policies,
                    fi,
                    policy_files[fi],
                    &doc.name,
                    &e,
                ));
            }
        }
    }
}

fn findings(
    scope: &Scope,
    doc: &Document,
    policies: &Policies,
    results: &[engine::RuleResult],
    enabled: &dyn Fn(&str) -> bool,
    out: &mut Vec<RawFinding>,
) {
    let start = out.len();
    for r in results {
        if r.status != engine::Status::Fail || !enabled(&r.name) {
            continue;
        }
        let Some(rule) = policies.rule(&r.name) else {
            continue;
        };
        for f in r
            .failures
            .iter()
            .filter(|f| applies(doc, f) && !unknown(doc, f))
        {
            let place = doc.place(scope, &f.path, f.missing.is_some());
            let custom = f
                .custom_message
                .as_deref()
                .map(clean_message)
                .filter(|m| !m.is_empty());
            let (message, help) = match &custom {
                Some(m) => {
                    let (m, fix) = split_fix(m);
                    let m = if m.is_empty() {
                        f.description.clone()
                    } else {
                        m
                    };
                    (m, fix.unwrap_or_else(|| f.description.clone()))
                }
                None => (f.description.clone(), String::new()),
            };
            let key = match &f.missing {
                Some(m) => format!("{}|{m}", f.path),
                None => f.path.clone(),
            };
            let finding = RawFinding {
                rule: rule.meta,
                severity: rule.meta.severity,
                message,
                help,
                span: place.span,
                resource: place.resource,
                key,
                related: Vec::new(),
            };
            // Several clauses of a rule failing at one place are one finding: the one with
            // the rule's own message when there is one.
            match out[start..].iter_mut().find(|o| {
                o.rule.id == finding.rule.id
                    && o.span == finding.span
                    && o.resource == finding.resource
            }) {
                Some(o) => {
                    if custom.is_some() && o.help.is_empty() {
                        *o = finding;
                    }
                }
                None => out.push(finding),
            }
        }
    }
}

/// A failure on a model value that is set but not known (a parameter without default, a
/// variable without value, a conditional whose branches differ): rules never fail on those.
fn unknown(doc: &Document, f: &super::engine::ClauseFailure) -> bool {
    match &doc.locator {
        super::document::Locator::Model(spans) => spans.is_unknown(&f.path, f.missing.as_deref()),
        _ => false,
    }
}

/// Top-level keys of each kind of document.
const TEMPLATE_KEYS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Hooks",
];
const PLAN_KEYS: &[&str] = &[
    "format_version",
    "terraform_version",
    "variables",
    "planned_values",
    "resource_changes",
    "resource_drift",
    "output_changes",
    "prior_state",
    "configuration",
    "relevant_attributes",
    "checks",
    "timestamp",
    "applyable",
    "complete",
    "errored",
];
const MODEL_KEYS: &[&str] = &[
    "format",
    "scope",
    "tables",
    "alarms",
    "keys",
    "dax_clusters",
    "endpoints",
    "policies",
];

/// Whether a policy can select anything in this kind of document: it names one of its
/// top-level keys, or queries from the root without naming one (`*`, `this`). A policy for
/// templates (`Resources`) is not evaluated on the model, nor one for the model (`tables`)
/// on templates: it would only skip there, at the price of an evaluation.
fn may_select(code: &[String], doc: &Document) -> bool {
    let keys = match &doc.locator {
        super::document::Locator::Model(_) => MODEL_KEYS,
        l if l.is_plan() => PLAN_KEYS,
        _ => TEMPLATE_KEYS,
    };
    selects(code, keys)
}

/// Whether a policy's words name one of `keys` or query from the root.
fn selects(code: &[String], keys: &[&str]) -> bool {
    code.iter()
        .any(|w| keys.contains(&w.as_str()) || w == "this" || w == "*")
}

/// Whether a failure concerns this kind of document. A query that finds nothing at the root
/// because it names a top-level key another kind of document has (`Resources` on the model,
/// `tables` on a template) is a rule written for that other kind: not a failure here; so is
/// a failure without any value on a plan or the model. On templates every other verdict is
/// cfn-guard's, `Resources` missing included.
fn applies(doc: &Document, f: &super::engine::ClauseFailure) -> bool {
    let template = matches!(
        doc.locator,
        super::document::Locator::Tree {
            kind: TreeKind::Template,
            ..
        }
    );
    let Some(query) = &f.missing else {
        // A failure with no value at all (a query that selected nothing) on a plan or the
        // model is a rule for templates.
        return template || !f.path.is_empty();
    };
    if !f.path.is_empty() {
        return true;
    }
    let first = query
        .split(['.', '['])
        .next()
        .unwrap_or_default()
        .trim_matches(['"', '\'']);
    let keys = match &doc.locator {
        super::document::Locator::Model(_) => MODEL_KEYS,
        l if l.is_plan() => PLAN_KEYS,
        _ => TEMPLATE_KEYS,
    };
    keys.contains(&first) || first.starts_with('%')
}

fn evaluation_error(
    policies: &Policies,
    file: usize,
    id: FileId,
    doc: &str,
    e: &EvalError,
) -> RawFinding {
    let meta = crate::rules::meta_by_id("DDB004").expect("DDB004 is in the catalog");
    let rules: Vec<&str> = policies
        .rules
        .iter()
        .filter(|r| r.file == file)
        .map(|r| r.name)
        .collect();
    RawFinding {
        rule: meta,
        severity: meta.severity,
        message: format!(
            "policy {} could not be evaluated on {doc}: {e}",
            policies.files[file].display
        ),
        help: format!(
            "none of its rules ({}) ran on this document; fix the rule, or check the document with `ddbguard model`",
            rules.join(", ")
        ),
        span: Span::new(id, 0, 0),
        resource: None,
        key: doc.to_string(),
        related: Vec::new(),
    }
}
