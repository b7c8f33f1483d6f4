//! Terraform plan JSON (`terraform show -json plan.out > plan.json`).
//!
//! A plan is recognised by its `format_version` and `planned_values`. The resources of
//! `planned_values` (root module and every child module) enter the model with the values
//! Terraform resolved; `resource_changes` stays readable through [`changes`] for
//! pull-request mode. A plan does not record `lifecycle { prevent_destroy }`: tables
//! read from a plan alone have it unknown. When the configuration the plan was made from
//! is in the scan too, [`link_plans`] points the plan's resources at their `.tf` blocks
//! (and takes `prevent_destroy` and suppressions from there), and the configuration's
//! copies of those resources are dropped so nothing is reported twice.

use crate::model::node::{Node, NodeKind};
use crate::model::terraform::eval::{RAttr, RBlock, RBody};
use crate::model::terraform::value::{Sv, V};
use crate::model::{Format, Kind, Problem, Prop, Resource, Scope};
use crate::source::{FileId, SourceMap, Span, Syntax};
use std::collections::BTreeMap;
use std::path::Path;

/// Plan format versions this reader knows (major version 0 and 1).
const KNOWN_MAJOR: &[&str] = &["0", "1"];
const MAX_MODULE_DEPTH: usize = 32;
const MAX_VALUE_DEPTH: usize = 64;

/// Whether a parsed JSON document is a Terraform plan.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version")
        .is_some_and(|v| v.as_scalar().is_some())
        && root
            .get("planned_values")
            .is_some_and(|v| v.as_map().is_some())
}

/// The model of a plan document.
pub fn from_plan(file: FileId, root: &Node, sources: &SourceMap) -> Scope {
    build(file, &node_to_sv(file, root, 0), sources)
}

/// Read a plan file with ddbguard's own JSON reader: `None` when it is not a plan.
pub fn load_plan_file(path: &Path, sources: &SourceMap) -> Option<Scope> {
    let id = sources.read(path, Syntax::Utf8).ok()?;
    let text = sources.get(id).text.clone();
    let mut scope = Scope::new(Format::TerraformPlan, crate::source::display_path(path));
    scope.files.push(id);
    match crate::model::terraform::json::parse(&text, id, 0) {
        Ok(p) => {
            let is = p.value.get("format_version").is_some()
                && p.value.get("planned_values").and_then(Sv::as_obj).is_some();
            is.then(|| build(id, &p.value, sources))
        }
        Err(e) => {
            scope.problems.push(Problem {
                rule: "DDB001",
                span: Span::new(id, e.offset, e.offset),
                message: format!("JSON syntax error: {}", e.message),
                help: Some("fix the JSON syntax at this location".into()),
                resource: None,
            });
            Some(scope)
        }
    }
}

fn build(file: FileId, root: &Sv, sources: &SourceMap) -> Scope {
    let mut scope = Scope::new(Format::TerraformPlan, sources.get(file).display_path());
    scope.files.push(file);
    let version = root
        .get("format_version")
        .and_then(Sv::as_text)
        .unwrap_or_default();
    let major = version.split('.').next().unwrap_or("");
    if !KNOWN_MAJOR.contains(&major) {
        scope.notes.push(format!(
            "plan format_version {version:?} is not one this version of ddbguard knows: read as 1.x"
        ));
    }
    // Values known only after apply are left out of planned_values: mark them unknown.
    let mut after_unknown: BTreeMap<String, &Sv> = BTreeMap::new();
    for c in root
        .get("resource_changes")
        .and_then(Sv::as_list)
        .unwrap_or(&[])
    {
        if let (Some(a), Some(u)) = (
            c.get("address").and_then(Sv::as_text),
            c.get("change").and_then(|ch| ch.get("after_unknown")),
        ) {
            after_unknown.insert(a, u);
        }
    }
    if let Some(rm) = root
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        read_module(rm, file, &mut scope, &after_unknown, 0);
    }
    scope
}

/// Mark in `values` what `after_unknown` says is known only after apply.
fn mark_unknown(values: &mut Sv, unknown: &Sv, depth: usize) {
    if depth > MAX_VALUE_DEPTH {
        return;
    }
    let span = values.span;
    match (&mut values.v, &unknown.v) {
        (V::Obj(m), V::Obj(u)) => {
            for (k, uk) in u {
                match &uk.v {
                    V::Bool(true) => {
                        let at = m.get(k).map_or(span, |v| v.span);
                        m.insert(k.clone(), Sv::unknown("known after apply", at));
                    }
                    V::Obj(_) | V::List(_) => {
                        if let Some(v) = m.get_mut(k) {
                            mark_unknown(v, uk, depth + 1);
                        }
                    }
                    _ => {}
                }
            }
        }
        (V::List(items), V::List(u)) => {
            for (v, uk) in items.iter_mut().zip(u) {
                match &uk.v {
                    V::Bool(true) => *v = Sv::unknown("known after apply", v.span),
                    _ => mark_unknown(v, uk, depth + 1),
                }
            }
        }
        _ => {}
    }
}

fn read_module(
    m: &Sv,
    file: FileId,
    scope: &mut Scope,
    after_unknown: &BTreeMap<String, &Sv>,
    depth: usize,
) {
    if depth > MAX_MODULE_DEPTH {
        scope
            .notes
            .push("plan modules nested too deeply: the rest is not read".into());
        return;
    }
    for r in m.get("resources").and_then(Sv::as_list).unwrap_or(&[]) {
        if r.get("mode").and_then(Sv::as_text).as_deref() != Some("managed") {
            continue;
        }
        let (Some(address), Some(rtype)) = (
            r.get("address").and_then(Sv::as_text),
            r.get("type").and_then(Sv::as_text),
        ) else {
            continue;
        };
        let header = r.get("address").map_or(r.span, |a| a.span);
        let body = match r.get("values") {
            Some(v) => match after_unknown.get(&address) {
                Some(u) => {
                    let mut v = v.clone();
                    mark_unknown(&mut v, u, 0);
                    values_body(&v, 0)
                }
                None => values_body(v, 0),
            },
            None => RBody::default(),
        };
        let mut problems = Vec::new();
        let mut kind = crate::model::terraform::extract::resource_kind(
            &rtype,
            &body,
            header,
            None,
            &mut problems,
        );
        if let Kind::Table(t) = &mut kind {
            t.prevent_destroy = Some(Prop::unknown(
                header,
                "a plan does not record lifecycle.prevent_destroy",
            ));
        }
        let res = Resource {
            id: address,
            rtype,
            file,
            span: header,
            cdk_path: None,
            suppressions: Vec::new(),
            kind,
        };
        let rref = res.reference();
        scope.problems.extend(problems.into_iter().map(|mut p| {
            p.resource = Some(rref.clone());
            p
        }));
        scope.resources.push(res);
    }
    for c in m.get("child_modules").and_then(Sv::as_list).unwrap_or(&[]) {
        read_module(c, file, scope, after_unknown, depth + 1);
    }
}

/// A resource's `values` as a resolved body: lists of objects are nested blocks. A `null`
/// is an argument the configuration left unset (Terraform writes one for every argument
/// it knows): it is left out, as in a body where the argument is not written, so a
/// finding about it stands on the resource, not on a `null` nobody wrote.
fn values_body(v: &Sv, depth: usize) -> RBody {
    let mut body = RBody::default();
    let Some(m) = v.as_obj() else { return body };
    for (k, val) in m {
        if val.is_null() {
            continue;
        }
        let blocks = match &val.v {
            V::List(items)
                if depth < MAX_VALUE_DEPTH
                    && !items.is_empty()
                    && items.iter().all(|i| i.as_obj().is_some()) =>
            {
                Some(items)
            }
            _ => None,
        };
        match blocks {
            Some(items) => {
                for it in items {
                    body.blocks.push(RBlock {
                        ident: k.clone(),
                        span: it.span,
                        header: it.span,
                        body: values_body(it, depth + 1),
                    });
                }
            }
            None => {
                body.attrs.insert(
                    k.clone(),
                    RAttr {
                        value: val.clone(),
                        span: val.span,
                    },
                );
            }
        }
    }
    body
}

fn node_to_sv(file: FileId, n: &Node, depth: usize) -> Sv {
    let span = Span { file, ..n.span };
    if depth > MAX_VALUE_DEPTH {
        return Sv::unknown("nested too deeply", span);
    }
    match &n.kind {
        NodeKind::Null => Sv::new(V::Null, span),
        NodeKind::Str(s) => Sv::lit(s.to_string(), span),
        NodeKind::Plain(p) => match &**p {
            "true" => Sv::new(V::Bool(true), span),
            "false" => Sv::new(V::Bool(false), span),
            "null" => Sv::new(V::Null, span),
            other => match other.parse::<f64>() {
                Ok(x) => Sv::new(V::Num(x), span),
                Err(_) => Sv::lit(other, span),
            },
        },
        NodeKind::Seq(items) => Sv::new(
            V::List(
                items
                    .iter()
                    .map(|i| node_to_sv(file, i, depth + 1))
                    .collect(),
            ),
            span,
        ),
        NodeKind::Map(entries) => {
            let mut m = BTreeMap::new();
            for e in entries {
                m.insert(e.key.to_string(), node_to_sv(file, &e.value, depth + 1));
            }
            Sv::new(V::Obj(m), span)
        }
    }
}

/// One entry of `resource_changes`.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedChange {
    pub address: String,
    pub rtype: String,
    /// `["create"]`, `["update"]`, `["delete", "create"]` (replace), `["no-op"]`, …
    pub actions: Vec<String>,
    /// Attribute paths that force replacement (`hash_key`, `local_secondary_index`).
    pub replace_paths: Vec<String>,
    pub span: Span,
}

impl PlannedChange {
    pub fn is_replace(&self) -> bool {
        self.actions.iter().any(|a| a == "delete") && self.actions.iter().any(|a| a == "create")
    }
}

/// Every entry of the plan's `resource_changes`.
pub fn changes(file: FileId, root: &Node) -> Vec<PlannedChange> {
    changes_of_value(&node_to_sv(file, root, 0))
}

/// Every entry of `resource_changes` of a plan read with ddbguard's JSON reader.
pub fn changes_of_value(root: &Sv) -> Vec<PlannedChange> {
    let mut out = Vec::new();
    for c in root
        .get("resource_changes")
        .and_then(Sv::as_list)
        .unwrap_or(&[])
    {
        let (Some(address), Some(rtype)) = (
            c.get("address").and_then(Sv::as_text),
            c.get("type").and_then(Sv::as_text),
        ) else {
            continue;
        };
        let change = c.get("change");
        let actions = change
            .and_then(|ch| ch.get("actions"))
            .and_then(Sv::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(Sv::as_text)
            .collect();
        let replace_paths = change
            .and_then(|ch| ch.get("replace_paths"))
            .and_then(Sv::as_list)
            .unwrap_or(&[])
            .iter()
            .map(|p| match p.as_list() {
                Some(steps) => steps
                    .iter()
                    .filter_map(Sv::as_text)
                    .collect::<Vec<_>>()
                    .join("."),
                None => p.as_text().unwrap_or_default(),
            })
            .collect();
        out.push(PlannedChange {
            address,
            rtype,
            actions,
            replace_paths,
            span: c.get("address").map_or(c.span, |a| a.span),
        });
    }
    out
}

/// DynamoDB tables the plan replaces (deletes and creates again), with why.
pub fn replaced_tables(file: FileId, root: &Node) -> Vec<PlannedChange> {
    changes(file, root)
        .into_iter()
        .filter(|c| c.is_replace() && c.rtype == "aws_dynamodb_table")
        .collect()
}

/// Point plan resources at their `.tf` blocks when the configuration is in the scan: a
/// plan is linked to the Terraform scope of its own directory (or the only one). The
/// configuration's copies of the plan's resources are dropped from the Terraform scope.
pub fn link_plans(scopes: &mut [Scope], sources: &SourceMap) {
    let plan_idx: Vec<usize> = (0..scopes.len())
        .filter(|&i| scopes[i].format == Format::TerraformPlan)
        .collect();
    let tf_idx: Vec<usize> = (0..scopes.len())
        .filter(|&i| scopes[i].format == Format::Terraform)
        .collect();
    for p in plan_idx {
        let Some(&pfile) = scopes[p].files.first() else {
            continue;
        };
        let plan_path = sources.get(pfile).path.clone();
        let plan_dir = crate::model::terraform::canonical(
            plan_path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        );
        let target = tf_idx
            .iter()
            .copied()
            .find(|&t| crate::model::terraform::canonical(Path::new(&scopes[t].name)) == plan_dir)
            .or_else(|| (tf_idx.len() == 1).then(|| tf_idx[0]));
        let Some(t) = target else { continue };
        let mut taken: Vec<String> = Vec::new();
        let tf_resources: BTreeMap<String, ConfigSide> = scopes[t]
            .resources
            .iter()
            .map(|r| {
                let pd = match &r.kind {
                    Kind::Table(tb) => tb.prevent_destroy.clone(),
                    _ => None,
                };
                (r.id.clone(), (r.file, r.span, r.suppressions.clone(), pd))
            })
            .collect();
        let mut linked = 0usize;
        for r in &mut scopes[p].resources {
            let Some((file, span, sups, pd)) = tf_resources.get(&r.id) else {
                continue;
            };
            relocate(r, pfile, *file, *span);
            r.suppressions = sups.clone();
            if let Kind::Table(tb) = &mut r.kind {
                tb.prevent_destroy = pd.clone();
            }
            taken.push(r.id.clone());
            linked += 1;
        }
        // Replacements announced by the plan point at the same blocks.
        for rep in &mut scopes[p].replacements {
            let Some((_, span, _, _)) = tf_resources.get(&rep.resource.id) else {
                continue;
            };
            if rep.span.file == pfile {
                rep.span = *span;
            }
            for cause in &mut rep.causes {
                if cause.span.file == pfile {
                    cause.span = *span;
                }
            }
        }
        if linked > 0 {
            let name = scopes[t].name.clone();
            scopes[p].notes.push(format!(
                "{linked} resource(s) linked to their configuration in {name}"
            ));
            let tf_files = scopes[t].files.clone();
            scopes[p].files.extend(tf_files);
            scopes[t].resources.retain(|r| !taken.contains(&r.id));
            // The plan is this root module's: to policies it speaks for all its resources,
            // with the values the provider gave them. The configuration's own plan-shaped
            // document would repeat every policy finding.
            scopes[t].terraform_evaluated.clear();
        }
    }
}

/// What a plan resource takes from its `.tf` block: file, header, suppressions and
/// `prevent_destroy`.
type ConfigSide = (
    FileId,
    Span,
    Vec<crate::model::InlineSuppression>,
    Option<Prop<bool>>,
);

/// Move every span of a plan resource that points into the plan file to the `.tf` header.
fn relocate(r: &mut Resource, plan_file: FileId, file: FileId, header: Span) {
    r.file = file;
    r.span = header;
    let fix = |s: &mut Span| {
        if s.file == plan_file {
            *s = header;
        }
    };
    // The model is read only through spans of props; rebuild them via serde-free walking.
    crate::model::terraform::relocate::kind(&mut r.kind, &fix);
}
