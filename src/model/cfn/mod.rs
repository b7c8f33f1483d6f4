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
use crate::source::{FileId, SourceFile, SourceMap, Span, Syntax, Unread, display_path};
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
    } else if let Some(at) = text.find('\0') {
        // YAML allows no NUL in a stream (saphyr would take it for the end of input).
        Err((
            Span::new(file, at, at + 1),
            "a NUL character: YAML allows none (write \\0 inside a double-quoted string)".into(),
        ))
    } else {
        yaml::parse(text, file)
    }
}

/// Read a template into the source map, as its name says it may be encoded (see
/// [`crate::source`]): the one way CloudFormation and CDK files are read.
pub fn read_file(path: &Path, sources: &SourceMap) -> Result<FileId, Unread> {
    sources.read(path, Syntax::of(path))
}

/// A scope holding only a DDB001 at `path`: a path the walk could not read (a loop of
/// symbolic links, a directory that cannot be listed).
pub fn unreadable(path: &Path, message: String, sources: &SourceMap) -> Scope {
    let file = sources.add(SourceFile::new(path.to_path_buf(), ""));
    let mut scope = Scope::new(Format::Cloudformation, display_path(path));
    scope.files.push(file);
    scope.problems.push(Problem {
        help: Some("make the path readable, or leave it out of the paths checked".into()),
        ..parse_problem(Span::new(file, 0, 0), message)
    });
    scope
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

/// What reading one document gave.
#[derive(Debug, Default)]
pub struct Document {
    /// Its scopes: none when it is not a template, plan, change set or assembly.
    pub scopes: Vec<Scope>,
    /// Why it was not checked (for `--verbose`).
    pub skipped: Skipped,
    /// What the user must be told: a file named on the command line that is not checked.
    pub message: Option<String>,
    /// The file read, when one was added to the source map (to release once checked).
    pub file: Option<FileId>,
}

/// Read one YAML/JSON document. A document the walk found is skipped (with the reason for
/// `--verbose`) when it is not a template; a document `named` on the command line is
/// always checked: when it does not parse it is a DDB001 at its error, and when it parses
/// but is no template, plan or change set the user is told so.
pub fn load_document(path: &Path, sources: &SourceMap, named: bool) -> Document {
    let read = read_file(path, sources);
    let file = match &read {
        Ok(file) | Err(Unread::Problem { file, .. }) => Some(*file),
        Err(Unread::Outside) => None,
    };
    Document {
        file,
        ..read_document(path, read, sources, named)
    }
}

/// [`load_document`] on bytes already in memory, as if read from `path` (whose name
/// decides between JSON and YAML and how the bytes may be encoded): the entry point of the
/// fuzz targets.
pub fn load_bytes(path: &Path, bytes: Vec<u8>, sources: &SourceMap) -> (Vec<Scope>, Skipped) {
    let decoded = crate::source::decode(bytes, Syntax::of(path));
    let file = sources.add(SourceFile::new(path.to_path_buf(), decoded.text));
    let read = match decoded.error {
        None => Ok(file),
        Some((at, message)) => Err(Unread::Problem {
            file,
            span: Span::new(file, at, at + 1),
            message,
        }),
    };
    let doc = read_document(path, read, sources, false);
    (doc.scopes, doc.skipped)
}

/// The document `path` once read (or why not): see [`load_document`].
fn read_document(
    path: &Path,
    read: Result<FileId, Unread>,
    sources: &SourceMap,
    named: bool,
) -> Document {
    let name = display_path(path);
    let scope_with = |file: FileId, problem: Problem| {
        let mut scope = Scope::new(Format::Cloudformation, name.clone());
        scope.files.push(file);
        scope.problems.push(problem);
        Document {
            scopes: vec![scope],
            ..Document::default()
        }
    };
    let file = match read {
        Ok(file) => file,
        Err(Unread::Problem {
            file,
            span,
            message,
        }) => return scope_with(file, parse_problem(span, message)),
        Err(Unread::Outside) => {
            return Document {
                skipped: Some((
                    name,
                    "a symbolic link to a file outside the checked paths: not read".into(),
                )),
                ..Document::default()
            };
        }
    };
    let text = sources.get(file).text.clone();
    let root = match parse(path, &text, file) {
        Ok(root) => root,
        Err((span, message)) => {
            if named || mentions_template(&text) {
                return scope_with(file, parse_problem(span, message));
            }
            return Document {
                skipped: Some((name, format!("not a template: does not parse ({message})"))),
                ..Document::default()
            };
        }
    };
    let scopes = document_scopes(&name, file, &root, sources);
    if scopes.is_empty() {
        let why =
            "not a CloudFormation template (no AWSTemplateFormatVersion or Resources with Type)";
        return Document {
            message: named.then(|| {
                format!(
                    "{name}: not checked: not a CloudFormation template, Terraform plan, change set or CDK assembly"
                )
            }),
            skipped: Some((name, why.into())),
            ..Document::default()
        };
    }
    Document {
        scopes,
        ..Document::default()
    }
}

/// The scopes of a parsed document: a change set, a Terraform plan or a template; none
/// when it is none of these.
fn document_scopes(name: &str, file: FileId, root: &Node, sources: &SourceMap) -> Vec<Scope> {
    if crate::model::changes::is_change_set(root) {
        return vec![crate::model::changes::change_set_scope(name, file, root)];
    }
    if crate::model::changes::is_plan(root) {
        // A plan with planned_values enters the model with its resources; every plan
        // carries the replacements of its resource_changes.
        let scope = if crate::model::tfplan::is_plan(root) {
            let mut scope = crate::model::tfplan::from_plan(file, root, sources);
            scope.replacements = crate::model::changes::plan_replacements(root);
            scope
        } else {
            crate::model::changes::plan_scope(name, file, root)
        };
        return vec![scope];
    }
    if !is_template(root) {
        return Vec::new();
    }
    let mut scope = Scope::new(Format::Cloudformation, name);
    scope.files.push(file);
    add_template(&mut scope, file, root, sources, None);
    if scope.resources.iter().any(|r| r.cdk_path.is_some()) {
        scope.format = Format::Cdk;
        crate::model::cdk::add_replicas(&mut scope, root);
    }
    vec![scope]
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
    let resources = root
        .get("Resources")
        .and_then(Node::as_map)
        .unwrap_or_default();
    for (later, earlier) in node::duplicate_keys(root) {
        let line = source.line_col(earlier.key_span.start).line;
        // The resource the duplicate is in (or that is written twice), so that its
        // suppressions reach the finding.
        let within = |e: &node::Entry| {
            e.key_span == later.key_span
                || (e.value.span.start <= later.key_span.start
                    && later.key_span.end <= e.value.span.end)
        };
        let resource = resources
            .iter()
            .find(|e| within(e))
            .map(|e| crate::model::ResourceRef {
                id: e.key.to_string(),
                rtype: e
                    .value
                    .get("Type")
                    .and_then(Node::as_scalar)
                    .unwrap_or("")
                    .to_string(),
                cdk_path: None,
            });
        scope.problems.push(Problem {
            rule: "DDB002",
            span: later.key_span,
            message: format!(
                "key {} is written twice in this mapping{}: the value at line {line} is silently dropped{}",
                later.key,
                resource
                    .as_ref()
                    .map(|r| format!(" of {}", r.id))
                    .unwrap_or_default(),
                extract::dropped_condition_note(earlier)
            ),
            help: Some("merge the two entries into one".into()),
            resource,
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
        expanded = foreach::expand(root, &mut scope.notes, &mut scope.problems);
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
            scope.provenance.absent.push(absent(&t, &id, body, cond));
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
    scope.problems.extend(t.past_bound());
}

/// A resource its condition leaves out, with what it refers to.
fn absent(t: &Template, id: &str, body: &Node, cond: &str) -> crate::model::provenance::Absent {
    fn refs(n: &Node, out: &mut Vec<String>, depth: usize) {
        if depth > 32 {
            return;
        }
        match n.as_intrinsic() {
            Some(("Ref", r)) => out.extend(r.as_scalar().map(str::to_string)),
            Some(("Fn::GetAtt", a)) => {
                let target = match a.as_seq() {
                    Some([first, ..]) => first.as_scalar().map(str::to_string),
                    _ => a
                        .as_scalar()
                        .and_then(|s| s.split('.').next())
                        .map(str::to_string),
                };
                out.extend(target);
            }
            _ => {}
        }
        match &n.kind {
            NodeKind::Seq(items) => items.iter().for_each(|i| refs(i, out, depth + 1)),
            NodeKind::Map(entries) => entries.iter().for_each(|e| refs(&e.value, out, depth + 1)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Some(p) = body.get("Properties") {
        refs(p, &mut found, 0);
    }
    crate::model::provenance::Absent {
        id: id.to_string(),
        rtype: body
            .get("Type")
            .and_then(Node::as_scalar)
            .unwrap_or_default()
            .to_string(),
        condition: t.describe(cond),
        refs: found,
        about: body
            .get("Properties")
            .and_then(|p| p.get("MetricName"))
            .and_then(Node::as_scalar)
            .map(str::to_string),
    }
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
