//! `Fn::ForEach` (the `AWS::LanguageExtensions` transform) in `Resources`: expanded into
//! one resource per collection item before anything else reads the template.

use super::resolve::Template;
use crate::model::node::{Entry, Node, NodeKind, Rewrite};

/// Nested loops deeper than this are left unexpanded.
const MAX_NESTING: usize = 4;
/// Most resources one loop may produce.
const MAX_ITEMS: usize = 10_000;
/// Most resources all the loops of a template may produce (nested loops multiply;
/// CloudFormation itself allows 500 resources in a stack).
const MAX_EXPANDED: usize = 20_000;

/// Whether the template's `Resources` use `Fn::ForEach`.
pub fn uses_foreach(root: &Node) -> bool {
    root.get("Resources")
        .and_then(Node::as_map)
        .is_some_and(|entries| entries.iter().any(|e| e.key.starts_with("Fn::ForEach::")))
}

/// A copy of `root` whose `Resources` have every loop expanded. Loops whose collection is
/// not known are dropped, with a note each.
pub fn expand(root: &Node, notes: &mut Vec<String>) -> Node {
    let t = Template::new(root);
    let mut out = root.clone();
    if let NodeKind::Map(entries) = &mut out.kind {
        for entry in entries.iter_mut() {
            if &*entry.key == "Resources"
                && let NodeKind::Map(resources) = &entry.value.kind
            {
                let mut budget = MAX_EXPANDED;
                let expanded = expand_entries(&t, resources, 0, &mut budget, notes);
                if budget == 0 {
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
    budget: &mut usize,
    notes: &mut Vec<String>,
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
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            let substituted: Vec<Entry> = body
                .iter()
                .map(|e| Entry {
                    key: substitute_text(&e.key, id, value).into(),
                    key_span: e.key_span,
                    value: substitute(&e.value, id, value),
                })
                .collect();
            out.extend(expand_entries(t, &substituted, depth + 1, budget, notes));
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

/// `${Id}` → value; `&{Id}` → value with non-alphanumerics removed.
fn substitute_text(text: &str, id: &str, value: &str) -> String {
    let alnum: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    text.replace(&format!("${{{id}}}"), value)
        .replace(&format!("&{{{id}}}"), &alnum)
}

/// Copy `node` with the loop identifier replaced: `Ref: Id` becomes the value, and
/// `${Id}` / `&{Id}` in keys and strings are substituted.
fn substitute(node: &Node, id: &str, value: &str) -> Node {
    node.clone().rewrite(
        &mut |n| match n.kind {
            NodeKind::Str(s) => Rewrite::Done(Node::new(
                n.span,
                NodeKind::Str(substitute_text(&s, id, value).into()),
            )),
            NodeKind::Plain(s) => Rewrite::Done(Node::new(
                n.span,
                NodeKind::Plain(substitute_text(&s, id, value).into()),
            )),
            NodeKind::Map(entries) => match entries.as_slice() {
                [e] if &*e.key == "Ref" && e.value.as_scalar() == Some(id) => {
                    Rewrite::Done(Node::new(n.span, NodeKind::Str(value.into())))
                }
                _ => Rewrite::Descend(Node::new(n.span, NodeKind::Map(entries))),
            },
            kind => Rewrite::Descend(Node::new(n.span, kind)),
        },
        &mut |k, span| (substitute_text(&k, id, value).into(), span),
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
        let out = expand(&root, &mut notes);
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
        let out = expand(&root, &mut notes);
        let n = out.get("Resources").unwrap().as_map().unwrap().len();
        assert!(n > 10_000 && n <= MAX_EXPANDED, "{n}");
        assert!(notes.iter().any(|n| n.contains("the rest is not checked")));
    }
}
