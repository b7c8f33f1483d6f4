//! The documents policies see, built from ddbguard's own parse (never by reading a file
//! again), and the way back from a failing path to a span and a resource.
//!
//! - A CloudFormation or CDK template as written, typed the way the cfn-guard CLI types YAML
//!   (plain `yes`/`on` are booleans, `True` stays a string, short-form tags become their long
//!   form only for the functions cfn-guard knows), so Guard rules give cfn-guard's verdicts.
//! - A Terraform plan JSON as written.
//! - The model: one document per scope in ddbguard's own terms ([`super::model`]).

use crate::model::node::{Node, NodeKind};
use crate::model::{ResourceRef, Scope};
use crate::source::{SourceFile, Span};
use serde_json::{Map, Number, Value};

/// What a failing path is mapped back through.
pub enum Locator {
    /// A template or plan: paths walk the parsed tree.
    Tree { root: Node, kind: TreeKind },
    /// The model document: spans recorded while it was built, by path.
    Model(super::model::Spans),
    /// A Terraform root module as a plan-shaped document: spans of the evaluated values.
    Hcl(super::terraform::PlanSpans),
}

impl Locator {
    /// Whether the document is plan-shaped (a plan JSON, or HCL in its shape).
    pub fn is_plan(&self) -> bool {
        matches!(
            self,
            Locator::Hcl(_)
                | Locator::Tree {
                    kind: TreeKind::Plan,
                    ..
                }
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TreeKind {
    Template,
    Plan,
}

/// One document for the policies, with what maps its paths back.
pub struct Document {
    /// `infra/app.yaml`, `infra/app.yaml (model)`: names the document in DDB004 findings.
    pub name: String,
    pub json: std::sync::Arc<str>,
    /// The file findings fall back to (the template; the scope's first file for the model).
    pub file: crate::source::FileId,
    pub locator: Locator,
}

/// Where a failure is, and on what.
pub struct Place {
    pub span: Span,
    pub resource: Option<ResourceRef>,
}

impl Document {
    /// A template's or plan's document, from the file's parsed tree.
    pub fn from_tree(
        name: String,
        file: &SourceFile,
        id: crate::source::FileId,
        root: Node,
        kind: TreeKind,
    ) -> Document {
        let value = to_guard_value(&root, &file.text);
        Document {
            name,
            json: value.to_string().into(),
            file: id,
            locator: Locator::Tree { root, kind },
        }
    }

    /// Map a failing path (`/Resources/T/Properties/X`) back to a span and a resource.
    /// `missing`: the value was not found; the location is then the resource's header.
    pub fn place(&self, scope: &Scope, path: &str, missing: bool) -> Place {
        match &self.locator {
            Locator::Model(spans) => spans.place(scope, path, missing),
            Locator::Hcl(spans) => spans.place(scope, path, missing).unwrap_or_else(|| Place {
                span: Span::new(self.file, 0, 0),
                resource: None,
            }),
            Locator::Tree { root, kind } => {
                let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
                let (resource_id, header) = match (kind, segments.as_slice()) {
                    (TreeKind::Template, ["Resources", id, ..]) => (
                        Some(id.to_string()),
                        root.get("Resources")
                            .and_then(|r| r.get_entry(id))
                            .map(|e| e.key_span),
                    ),
                    (TreeKind::Plan, [list @ ("resource_changes" | "resource_drift"), i, ..]) => {
                        let item = root
                            .get(list)
                            .and_then(|l| l.as_seq())
                            .and_then(|s| s.get(i.parse::<usize>().ok()?));
                        let address = item.and_then(|n| n.get_entry("address"));
                        (
                            address
                                .and_then(|a| a.value.as_scalar())
                                .map(str::to_string),
                            address.map(|a| a.value.span).or(item.map(|n| n.span)),
                        )
                    }
                    _ => (None, None),
                };
                let (node, complete) = walk(root, &segments);
                let span = match header {
                    Some(h) if missing || !complete => h,
                    _ => node.span,
                };
                // A plan resource linked to its configuration: the finding stands on its
                // block in the `.tf` file, where it is changed, as the rules' findings do.
                let linked = match (kind, &resource_id) {
                    (TreeKind::Plan, Some(id)) => scope
                        .resource(id)
                        .filter(|r| r.file != self.file)
                        .map(|r| r.span),
                    _ => None,
                };
                let span = linked.unwrap_or(span);
                let resource = resource_id.map(|id| {
                    scope
                        .resources
                        .iter()
                        .find(|r| r.id == id && r.file == self.file)
                        .or_else(|| scope.resource(&id))
                        .map(|r| r.reference())
                        .unwrap_or_else(|| reference_from_tree(root, *kind, &segments, id))
                });
                Place { span, resource }
            }
        }
    }
}

/// A resource the model left out (a false condition, an untyped resource): named from the tree.
fn reference_from_tree(root: &Node, kind: TreeKind, segments: &[&str], id: String) -> ResourceRef {
    let body = match kind {
        TreeKind::Template => root.get("Resources").and_then(|r| r.get(&id)),
        TreeKind::Plan => root
            .get(segments[0])
            .and_then(|l| l.as_seq())
            .and_then(|s| s.get(segments.get(1)?.parse::<usize>().ok()?)),
    };
    let field = |k: &str| {
        body.and_then(|b| b.get(k))
            .and_then(Node::as_scalar)
            .map(str::to_string)
    };
    ResourceRef {
        rtype: field(if kind == TreeKind::Template {
            "Type"
        } else {
            "type"
        })
        .unwrap_or_default(),
        cdk_path: body
            .and_then(|b| b.get("Metadata"))
            .and_then(|m| m.get("aws:cdk:path"))
            .and_then(Node::as_scalar)
            .map(str::to_string),
        id,
    }
}

/// Follow `segments` from `root` as far as they go: the deepest node, and whether all were found.
fn walk<'a>(root: &'a Node, segments: &[&str]) -> (&'a Node, bool) {
    let mut node = root;
    for seg in segments {
        let next = match &node.kind {
            NodeKind::Map(_) => node.get(seg),
            NodeKind::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return (node, false),
        }
    }
    (node, true)
}

/// Functions cfn-guard's YAML loader turns from a tagged scalar into `{long: value}`.
const SINGLE_VALUE_FUNC_REF: &[&str] = &[
    "Ref",
    "Base64",
    "Sub",
    "GetAZs",
    "ImportValue",
    "GetAtt",
    "Condition",
    "RefAll",
];
/// … and from a tagged sequence.
const SEQUENCE_VALUE_FUNC_REF: &[&str] = &[
    "GetAtt",
    "Sub",
    "Select",
    "Split",
    "Join",
    "FindInMap",
    "And",
    "Equals",
    "Contains",
    "EachMemberIn",
    "EachMemberEquals",
    "ValueOf",
    "If",
    "Not",
    "Or",
];

/// A parsed tree as the cfn-guard CLI would type it.
pub fn to_guard_value(node: &Node, text: &str) -> Value {
    // Iterative over depth would be more robust; the readers cap nesting at 512.
    match &node.kind {
        NodeKind::Str(s) => Value::String(s.to_string()),
        NodeKind::Plain(s) => plain_scalar(s),
        NodeKind::Null => {
            let raw = text.get(node.span.range()).unwrap_or("").trim();
            if raw.is_empty() {
                Value::String(String::new())
            } else {
                Value::Null
            }
        }
        NodeKind::Seq(items) => {
            Value::Array(items.iter().map(|n| to_guard_value(n, text)).collect())
        }
        NodeKind::Map(entries) => {
            if let [entry] = entries.as_slice()
                && let Some(tag) = text
                    .get(entry.key_span.range())
                    .and_then(|t| t.strip_prefix('!'))
            {
                return tagged(tag, &entry.key, &entry.value, text);
            }
            let mut map = Map::with_capacity(entries.len());
            for e in entries {
                // As cfn-guard's map: the last value, at the first key's place.
                map.insert(e.key.to_string(), to_guard_value(&e.value, text));
            }
            Value::Object(map)
        }
    }
}

/// A short-form tag as cfn-guard's loader reads it.
fn tagged(tag: &str, long: &str, value: &Node, text: &str) -> Value {
    let wrap = |v: Value| {
        let mut m = Map::new();
        m.insert(long.to_string(), v);
        Value::Object(m)
    };
    match &value.kind {
        NodeKind::Str(s) | NodeKind::Plain(s) => {
            let v = Value::String(s.to_string());
            if SINGLE_VALUE_FUNC_REF.contains(&tag) {
                wrap(v)
            } else {
                v
            }
        }
        NodeKind::Null => {
            let v = Value::String(String::new());
            if SINGLE_VALUE_FUNC_REF.contains(&tag) {
                wrap(v)
            } else {
                v
            }
        }
        NodeKind::Seq(_) => {
            let v = to_guard_value(value, text);
            if SEQUENCE_VALUE_FUNC_REF.contains(&tag) {
                wrap(v)
            } else {
                v
            }
        }
        NodeKind::Map(_) => to_guard_value(value, text),
    }
}

/// A plain scalar as cfn-guard's loader types it: integer, float, YAML 1.1 lower-case
/// booleans, `~`/`null`, else a string.
fn plain_scalar(s: &str) -> Value {
    if let Ok(i) = s.parse::<i64>() {
        return Value::Number(i.into());
    }
    if let Ok(f) = s.parse::<f64>() {
        // JSON cannot carry inf/NaN; cfn-guard would read a float there.
        return Number::from_f64(f).map_or_else(|| Value::String(s.into()), Value::Number);
    }
    match s {
        "true" | "yes" | "on" | "y" => return Value::Bool(true),
        "false" | "no" | "off" | "n" => return Value::Bool(false),
        _ => {}
    }
    if s == "~" || s.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    Value::String(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn guard_json(yaml: &str) -> String {
        let root = crate::model::cfn::yaml::parse(yaml, FileId(0)).unwrap();
        to_guard_value(&root, yaml).to_string()
    }

    #[test]
    fn scalars_are_typed_as_the_cfn_guard_cli_types_them() {
        assert_eq!(
            guard_json("a: True\nb: yes\nc: 'true'\nd: 5\ne: 1.5\nf: ~\ng:\nh: Null\ni: on\n"),
            r#"{"a":"True","b":true,"c":"true","d":5,"e":1.5,"f":null,"g":"","h":null,"i":true}"#
        );
    }

    #[test]
    fn short_forms_become_long_forms_where_cfn_guard_knows_them() {
        assert_eq!(
            guard_json(
                "a: !Ref X\nb: !GetAtt T.Arn\nc: !If [C, 1, 2]\nd: !Base64 5\ne: !Cidr [a, 1, 2]\nf: !Transform {Name: x}\n"
            ),
            r#"{"a":{"Ref":"X"},"b":{"Fn::GetAtt":"T.Arn"},"c":{"Fn::If":["C",1,2]},"d":{"Fn::Base64":"5"},"e":["a",1,2],"f":{"Name":"x"}}"#
        );
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_at_the_first_place() {
        assert_eq!(guard_json("a: 1\nb: 2\na: 3\n"), r#"{"a":3,"b":2}"#);
    }
}
