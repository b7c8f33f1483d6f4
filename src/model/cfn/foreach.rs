//! `Fn::ForEach` (the `AWS::LanguageExtensions` transform) in `Resources`: expanded into
//! one resource per collection item before anything else reads the template.

use super::resolve::Template;
use crate::model::Problem;
use crate::model::node::{Entry, Node, NodeKind, Rewrite};
use std::cell::Cell;

/// Nested loops deeper than this are left unexpanded.
const MAX_NESTING: usize = 4;
/// Most resources one loop may produce.
const MAX_ITEMS: usize = 10_000;
/// Most resources all the loops of a template may produce (nested loops multiply;
/// CloudFormation itself allows 500 resources in a stack).
const MAX_EXPANDED: usize = 20_000;
/// Most bytes of text (keys and scalars) all the loops of a template may write: a loop
/// over many items whose body holds a large string must not copy it item after item.
const MAX_EXPANDED_BYTES: usize = 64 << 20;

/// What the loops of a template may still make.
struct Budget {
    resources: usize,
    bytes: Cell<usize>,
    /// Set once the bytes are spent (and reported).
    spent: bool,
}

/// Whether the template's `Resources` use `Fn::ForEach`.
pub fn uses_foreach(root: &Node) -> bool {
    root.get("Resources")
        .and_then(Node::as_map)
        .is_some_and(|entries| entries.iter().any(|e| e.key.starts_with("Fn::ForEach::")))
}

/// A copy of `root` whose `Resources` have every loop expanded. Loops whose collection is
/// not known are dropped, with a note each. Loops that would write more than
/// [`MAX_EXPANDED_BYTES`] stop there, with a DDB001 at the loop that passed the bound.
pub fn expand(root: &Node, notes: &mut Vec<String>, problems: &mut Vec<Problem>) -> Node {
    let t = Template::new(root);
    let mut out = root.clone();
    if let NodeKind::Map(entries) = &mut out.kind {
        for entry in entries.iter_mut() {
            if &*entry.key == "Resources"
                && let NodeKind::Map(resources) = &entry.value.kind
            {
                let mut budget = Budget {
                    resources: MAX_EXPANDED,
                    bytes: Cell::new(MAX_EXPANDED_BYTES),
                    spent: false,
                };
                let expanded = expand_entries(&t, resources, 0, &mut budget, notes, problems);
                if budget.resources == 0 {
                    notes.push(format!(
                        "Fn::ForEach loops make more than {MAX_EXPANDED} resources: the rest is not checked"
                    ));
                }
                entry.value.kind = NodeKind::Map(expanded);
            }
        }
    }
    out
}

fn expand_entries(
    t: &Template,
    entries: &[Entry],
    depth: usize,
    budget: &mut Budget,
    notes: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> Vec<Entry> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        if !entry.key.starts_with("Fn::ForEach::") || depth >= MAX_NESTING {
            out.push(entry.clone());
            continue;
        }
        let Some([id, collection, body]) = entry.value.as_seq() else {
            out.push(entry.clone());
            continue;
        };
        let (Some(id), Some(body)) = (id.as_scalar(), body.as_map()) else {
            out.push(entry.clone());
            continue;
        };
        let Some(values) = collection_values(t, collection) else {
            notes.push(format!(
                "{}: the collection is known only at deploy time; its resources are not checked",
                entry.key
            ));
            continue;
        };
        for value in values.iter().take(MAX_ITEMS) {
            if budget.resources == 0 || budget.spent {
                break;
            }
            budget.resources -= 1;
            let substituted: Vec<Entry> = body
                .iter()
                .map(|e| Entry {
                    key: substitute_text(&e.key, id, value, &budget.bytes).into(),
                    key_span: e.key_span,
                    value: substitute(&e.value, id, value, &budget.bytes),
                })
                .collect();
            if budget.bytes.get() == 0 {
                budget.spent = true;
                problems.push(Problem {
                    rule: "DDB001",
                    span: entry.key_span,
                    message: format!(
                        "{}: the Fn::ForEach loops of this template write more than {} MB: \
                         the resources from here on are not checked",
                        entry.key,
                        MAX_EXPANDED_BYTES >> 20
                    ),
                    help: Some(
                        "CloudFormation rejects a template this large once its loops are expanded: \
                         loop over fewer items or keep large values out of the loop body"
                            .into(),
                    ),
                    resource: None,
                });
                break;
            }
            out.extend(expand_entries(
                t,
                &substituted,
                depth + 1,
                budget,
                notes,
                problems,
            ));
        }
    }
    out
}

fn collection_values(t: &Template, collection: &Node) -> Option<Vec<String>> {
    match &collection.kind {
        NodeKind::Seq(items) => items.iter().map(|i| t.string(i).get().cloned()).collect(),
        _ => {
            let s = t.string(collection);
            s.get()
                .map(|list| list.split(',').map(|v| v.trim().to_string()).collect())
        }
    }
}

/// Take `n` bytes from what the loops may still write; false (and nothing left) when
/// they are not there.
fn spend(bytes: &Cell<usize>, n: usize) -> bool {
    match bytes.get().checked_sub(n) {
        Some(left) => {
            bytes.set(left);
            true
        }
        None => {
            bytes.set(0);
            false
        }
    }
}

/// `${Id}` → value; `&{Id}` → value with non-alphanumerics removed. The result's length is
/// taken from `bytes` before it is built; when they run out, the result is empty.
fn substitute_text(text: &str, id: &str, value: &str, bytes: &Cell<usize>) -> String {
    let plain = format!("${{{id}}}");
    let alnum_pattern = format!("&{{{id}}}");
    let alnum: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let len = text.len()
        + text.matches(&*plain).count() * value.len()
        + text.matches(&*alnum_pattern).count() * alnum.len();
    if !spend(bytes, len) {
        return String::new();
    }
    text.replace(&plain, value).replace(&alnum_pattern, &alnum)
}

/// Copy `node` with the loop identifier replaced: `Ref: Id` becomes the value, and
/// `${Id}` / `&{Id}` in keys and strings are substituted. What it writes is taken from
/// `bytes`; once they run out, the rest of the copy is null.
fn substitute(node: &Node, id: &str, value: &str, bytes: &Cell<usize>) -> Node {
    node.clone().rewrite(
        &mut |n| match n.kind {
            _ if bytes.get() == 0 => Rewrite::Done(Node::new(n.span, NodeKind::Null)),
            NodeKind::Str(s) => Rewrite::Done(Node::new(
                n.span,
                NodeKind::Str(substitute_text(&s, id, value, bytes).into()),
            )),
            NodeKind::Plain(s) => Rewrite::Done(Node::new(
                n.span,
                NodeKind::Plain(substitute_text(&s, id, value, bytes).into()),
            )),
            NodeKind::Map(entries) => match entries.as_slice() {
                [e] if &*e.key == "Ref" && e.value.as_scalar() == Some(id) => {
                    spend(bytes, value.len());
                    Rewrite::Done(Node::new(n.span, NodeKind::Str(value.into())))
                }
                _ => Rewrite::Descend(Node::new(n.span, NodeKind::Map(entries))),
            },
            kind => Rewrite::Descend(Node::new(n.span, kind)),
        },
        &mut |k, span| (substitute_text(&k, id, value, bytes).into(), span),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cfn::yaml;
    use crate::source::FileId;

    #[test]
    fn loops_expand_into_resources() {
        let text = "Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::T:\n    - Name\n    - [A, B]\n    - Table${Name}:\n        Type: AWS::DynamoDB::Table\n        Properties:\n          TableName: !Ref Name\n";
        let root = yaml::parse(text, FileId(0)).unwrap();
        assert!(uses_foreach(&root));
        let mut notes = Vec::new();
        let out = expand(&root, &mut notes, &mut Vec::new());
        let res = out.get("Resources").unwrap().as_map().unwrap();
        let keys: Vec<&str> = res.iter().map(|e| &*e.key).collect();
        assert_eq!(keys, ["TableA", "TableB"]);
        let name = res[1]
            .value
            .get("Properties")
            .unwrap()
            .get("TableName")
            .unwrap();
        assert_eq!(name.as_scalar(), Some("B"));
    }

    #[test]
    fn nested_loops_are_bounded_and_detected_without_a_version() {
        let items: Vec<String> = (0..1000).map(|i| format!("I{i}")).collect();
        let list = items.join(", ");
        let text = format!(
            "Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::A:\n    - A\n    - [{list}]\n    - Fn::ForEach::B:\n        - B\n        - [{list}]\n        - T${{A}}x${{B}}:\n            Type: AWS::DynamoDB::Table\n"
        );
        let root = yaml::parse(&text, FileId(0)).unwrap();
        assert!(crate::model::cfn::is_template(&root));
        let mut notes = Vec::new();
        let out = expand(&root, &mut notes, &mut Vec::new());
        let n = out.get("Resources").unwrap().as_map().unwrap().len();
        assert!(n > 10_000 && n <= MAX_EXPANDED, "{n}");
        assert!(notes.iter().any(|n| n.contains("the rest is not checked")));
    }

    #[test]
    fn a_large_body_over_many_items_is_bounded_by_bytes() {
        let items: Vec<String> = (0..2_000).map(|i| format!("I{i}")).collect();
        let text = format!(
            "Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Big:\n    - N\n    - [{}]\n    - T${{N}}:\n        Type: AWS::DynamoDB::Table\n        Properties:\n          TableName: \"{}\"\n",
            items.join(", "),
            "x".repeat(1 << 20)
        );
        let root = yaml::parse(&text, FileId(0)).unwrap();
        let mut problems = Vec::new();
        let out = expand(&root, &mut Vec::new(), &mut problems);
        let n = out.get("Resources").unwrap().as_map().unwrap().len();
        assert!(n < 64, "{n} resources made");
        let [p] = problems.as_slice() else {
            panic!("{problems:?}")
        };
        assert_eq!(p.rule, "DDB001");
        assert_eq!(&text[p.span.range()], "Fn::ForEach::Big");
    }
}
