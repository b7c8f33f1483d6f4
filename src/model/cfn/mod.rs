//! CloudFormation frontend: YAML and JSON templates into a [`Scope`].
//!
//! Each file is read once, parsed into a spanned [`Node`] tree (`yaml`, `json`), detected
//! (a template has `AWSTemplateFormatVersion`, or `Resources` whose entries have a `Type`
//! or are `Fn::ForEach` loops), and its resources are turned into the typed model
//! (`extract`) with values resolved where they can be (`resolve`). Problems become DDB001/DDB002 on the scope.

pub mod extract;
pub mod foreach;
pub mod json;
pub mod resolve;
pub mod yaml;

use crate::model::node::{self, Node, NodeKind};
use crate::model::{Format, InlineSuppression, Problem, Resource, Scope};
use crate::source::{FileId, SourceFile, SourceMap, Span, display_path};
use resolve::Template;
use std::path::Path;

/// Why a document was not checked (for `--verbose`).
pub type Skipped = Option<(String, String)>;

/// Parse a document as JSON or YAML, by its name and first character.
pub fn parse(path: &Path, text: &str, file: FileId) -> Result<Node, (Span, String)> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let looks_json = name.ends_with(".json")
        || (!name.ends_with(".yaml")
            && !name.ends_with(".yml")
            && text.trim_start().starts_with(['{', '[']));
    if looks_json {
        json::parse(text, file)
    } else {
        yaml::parse(text, file)
    }
}

/// Read a file into the source map. Returns the file id and, when it could not be
/// read as text, the problem (at the first invalid byte for bad UTF-8).
pub fn read_file(path: &Path, sources: &SourceMap) -> (FileId, Option<(Span, String)>) {
    let meta = std::fs::metadata(path);
    if let Ok(m) = &meta {
        if m.is_dir() {
            let id = sources.add(SourceFile::new(path.to_path_buf(), ""));
            return (
                id,
                Some((Span::new(id, 0, 0), "is a directory, not a file".into())),
            );
        }
        if m.len() > crate::vocab::MAX_FILE_BYTES {
            let id = sources.add(SourceFile::new(path.to_path_buf(), ""));
            return (
                id,
                Some((
                    Span::new(id, 0, 0),
                    format!(
                        "the file is {} MB, larger than the {} MB ddbguard reads",
                        m.len() / 1_000_000,
                        crate::vocab::MAX_FILE_BYTES / 1_000_000
                    ),
                )),
            );
        }
    }
    match std::fs::read(path) {
        Err(e) => {
            let id = sources.add(SourceFile::new(path.to_path_buf(), ""));
            (
                id,
                Some((Span::new(id, 0, 0), format!("cannot read the file: {e}"))),
            )
        }
        Ok(bytes) => add_bytes(path, bytes, sources),
    }
}

/// Add a file's bytes, read from `path`, to the source map: [`read_file`] once the bytes
/// are in memory.
pub fn add_bytes(
    path: &Path,
    bytes: Vec<u8>,
    sources: &SourceMap,
) -> (FileId, Option<(Span, String)>) {
    match String::from_utf8(bytes) {
        Ok(text) => (sources.add(SourceFile::new(path.to_path_buf(), text)), None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The lossy text has the same bytes up to `at`.
            let id = sources.add(SourceFile::new(path.to_path_buf(), text));
            (
                id,
                Some((
                    Span::new(id, at, at + 1),
                    "the file is not valid UTF-8".into(),
                )),
            )
        }
    }
}

fn parse_problem(span: Span, message: String) -> Problem {
    Problem {
        rule: "DDB001",
        span,
        message,
        help: Some(
            "fix the template here (cfn-lint or an editor with YAML/JSON support shows the same place); \
             the rest of this file is not checked until it parses"
                .into(),
        ),
        resource: None,
    }
}

/// A template that parses but that CloudFormation would reject.
fn structure_problem(span: Span, message: String) -> Problem {
    Problem {
        help: Some("CloudFormation rejects this template: fix it here".into()),
        ..parse_problem(span, message)
    }
}

/// Whether a parsed document is a CloudFormation template.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    match root.get("Resources") {
        Some(r) => match r.as_map() {
            Some(entries) => entries.iter().any(|e| {
                e.value
                    .get("Type")
                    .and_then(Node::as_scalar)
                    .is_some_and(|t| t.contains("::"))
                    // Resources made by `Fn::ForEach` loops only.
                    || e.key.starts_with("Fn::ForEach::")
            }),
            // `Resources` that is not a mapping, beside other template sections.
            None => [
                "Parameters",
                "Outputs",
                "Conditions",
                "Mappings",
                "Transform",
            ]
            .iter()
            .any(|k| root.get(k).is_some()),
        },
        None => false,
    }
}

/// Text that suggests a template, for files that do not parse at all.
fn mentions_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && text.contains("AWS::"))
}

/// Read one YAML/JSON document. Returns its scopes (none when it is not a template) and,
/// when skipped, why.
pub fn load_document(path: &Path, sources: &SourceMap) -> (Vec<Scope>, Skipped) {
    let (file, problem) = read_file(path, sources);
    document_scopes(path, file, problem, sources)
}

/// [`load_document`] on bytes already in memory, as if read from `path` (whose name
/// decides between JSON and YAML): the entry point of the fuzz targets.
pub fn load_bytes(path: &Path, bytes: Vec<u8>, sources: &SourceMap) -> (Vec<Scope>, Skipped) {
    let (file, problem) = add_bytes(path, bytes, sources);
    document_scopes(path, file, problem, sources)
}

/// The scopes of a document added to the source map as `file` (with the problem met
/// while reading it, if any).
fn document_scopes(
    path: &Path,
    file: FileId,
    problem: Option<(Span, String)>,
    sources: &SourceMap,
) -> (Vec<Scope>, Skipped) {
    let name = display_path(path);
    let scope_with = |problem: Problem| {
        let mut scope = Scope::new(Format::Cloudformation, name.clone());
        scope.files.push(file);
        scope.problems.push(problem);
        vec![scope]
    };
    if let Some((span, message)) = problem {
        return (scope_with(parse_problem(span, message)), None);
    }
    let text = sources.get(file).text.clone();
    let root = match parse(path, &text, file) {
        Ok(root) => root,
        Err((span, message)) => {
            if mentions_template(&text) {
                return (scope_with(parse_problem(span, message)), None);
            }
            return (
                Vec::new(),
                Some((name, format!("not a template: does not parse ({message})"))),
            );
        }
    };
    if crate::model::changes::is_change_set(&root) {
        return (
            vec![crate::model::changes::change_set_scope(&name, file, &root)],
            None,
        );
    }
    if crate::model::changes::is_plan(&root) {
        // A plan with planned_values enters the model with its resources; every plan
        // carries the replacements of its resource_changes.
        let scope = if crate::model::tfplan::is_plan(&root) {
            let mut scope = crate::model::tfplan::from_plan(file, &root, sources);
            scope.replacements = crate::model::changes::plan_replacements(&root);
            scope
        } else {
            crate::model::changes::plan_scope(&name, file, &root)
        };
        return (vec![scope], None);
    }
    if !is_template(&root) {
        return (
            Vec::new(),
            Some((name, "not a CloudFormation template (no AWSTemplateFormatVersion or Resources with Type)".into())),
        );
    }
    let mut scope = Scope::new(Format::Cloudformation, name);
    scope.files.push(file);
    add_template(&mut scope, file, &root, sources, None);
    if scope.resources.iter().any(|r| r.cdk_path.is_some()) {
        scope.format = Format::Cdk;
        crate::model::cdk::add_replicas(&mut scope, &root);
    }
    (vec![scope], None)
}

/// Add a parsed template's resources and problems to a scope. `template` may carry
/// parameter values given from outside (nested stacks).
pub fn add_template(
    scope: &mut Scope,
    file: FileId,
    root: &Node,
    sources: &SourceMap,
    template: Option<Template>,
) {
    let source = sources.get(file);
    for (later, earlier) in node::duplicate_keys(root) {
        let line = source.line_col(earlier.key_span.start).line;
        scope.problems.push(Problem {
            rule: "DDB002",
            span: later.key_span,
            message: format!(
                "key {} is written twice in this mapping: the value at line {line} is silently dropped",
                later.key
            ),
            help: Some("merge the two entries into one".into()),
            resource: None,
        });
    }
    if root.as_map().is_none() {
        scope.problems.push(structure_problem(
            root.span,
            format!("a template must be a mapping, not {}", root.kind_name()),
        ));
        return;
    }
    let expanded;
    let (root, template) = if foreach::uses_foreach(root) {
        expanded = foreach::expand(root, &mut scope.notes);
        // Parameter values given from outside do not survive the expansion; loops are rare
        // in nested stacks.
        (&expanded, None)
    } else {
        (root, template)
    };
    let mut t = template.unwrap_or_else(|| Template::new(root));
    t.set_source(source.text.clone());
    let Some(resources) = root.get_entry("Resources") else {
        return;
    };
    let Some(entries) = resources.value.as_map() else {
        scope.problems.push(structure_problem(
            resources.value.span,
            format!(
                "Resources must be a mapping of logical IDs, not {}",
                resources.value.kind_name()
            ),
        ));
        return;
    };
    for entry in entries {
        let id = entry.key.to_string();
        let body = &entry.value;
        if body.as_map().is_none() {
            scope.problems.push(structure_problem(
                body.span,
                format!("resource {id} must be a mapping, not {}", body.kind_name()),
            ));
            continue;
        }
        let rtype = match body.get("Type") {
            Some(t) => match t.as_scalar() {
                Some(rtype) => rtype,
                None => {
                    // Not CloudFormation itself: a preprocessor's module (`Rain::Module`).
                    scope
                        .notes
                        .push(format!("resource {id}: Type is not a string; not checked"));
                    continue;
                }
            },
            None => {
                scope.problems.push(structure_problem(
                    entry.key_span,
                    format!("resource {id} has no Type"),
                ));
                continue;
            }
        };
        if let Some(cond) = body.get("Condition").and_then(Node::as_scalar)
            && t.condition(cond) == Some(false)
        {
            continue;
        }
        let props = body.get("Properties");
        if let Some(p) = props
            && !matches!(p.kind, NodeKind::Map(_))
            && p.as_intrinsic().is_none()
            && p.kind != NodeKind::Null
        {
            scope.problems.push(structure_problem(
                p.span,
                format!(
                    "Properties of resource {id} must be a mapping, not {}",
                    p.kind_name()
                ),
            ));
            continue;
        }
        let metadata = body.get("Metadata");
        let cdk_path = metadata
            .and_then(|m| m.get("aws:cdk:path"))
            .and_then(Node::as_scalar)
            .map(str::to_string);
        let suppressions = metadata.map(suppressions).unwrap_or_default();
        scope.resources.push(Resource {
            id,
            rtype: rtype.to_string(),
            file,
            span: entry.key_span,
            cdk_path,
            suppressions,
            kind: extract::kind(&t, rtype, props, body),
        });
        let res = scope.resources.last().map(Resource::reference);
        let found = extract::embedded_duplicates(&t, props, res);
        scope.problems.extend(found);
    }
    scope.provenance.conditions.extend(t.take_conditions());
}

/// `Metadata: {ddbguard: {ignore: [{rule: DDB101, reason: "…"}]}}`.
fn suppressions(metadata: &Node) -> Vec<InlineSuppression> {
    let Some(list) = metadata.get("ddbguard").and_then(|d| d.get("ignore")) else {
        return Vec::new();
    };
    let items: Vec<&Node> = match &list.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![list],
    };
    items
        .into_iter()
        .filter_map(|item| match &item.kind {
            NodeKind::Str(rule) | NodeKind::Plain(rule) => Some(InlineSuppression {
                rule: rule.to_string(),
                reason: None,
                span: item.span,
                module: None,
            }),
            NodeKind::Map(_) => Some(InlineSuppression {
                rule: item.get("rule").and_then(Node::as_scalar)?.to_string(),
                reason: item
                    .get("reason")
                    .and_then(Node::as_scalar)
                    .map(str::to_string)
                    .filter(|r| !r.trim().is_empty()),
                span: item.span,
                module: None,
            }),
            _ => None,
        })
        .collect()
}
