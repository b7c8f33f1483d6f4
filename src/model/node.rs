//! A parsed YAML or JSON document: every node keeps its byte span, mapping keys keep
//! theirs, and duplicate keys are kept (so DDB002 can report them).
//!
//! CloudFormation short-form tags (`!Ref x`) are turned into their long form
//! (`{"Ref": x}`) by the YAML reader, so nothing downstream sees tags.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null`, `~` or an empty value.
    Null,
    /// A quoted string (YAML quoted or block scalar, JSON string).
    Str(Box<str>),
    /// An unquoted scalar: a YAML plain scalar or a JSON number/boolean.
    Plain(Box<str>),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Box<str>,
    pub key_span: Span,
    pub value: Node,
}

/// What [`Node::rewrite`] puts in a node's place.
pub enum Rewrite {
    /// This node, as it is.
    Done(Node),
    /// This node, with its children rewritten in turn.
    Descend(Node),
}

/// Deepest nesting [`Node::rewrite`] follows (the YAML and JSON readers stop at 512);
/// deeper nodes become null.
const MAX_REWRITE_DEPTH: usize = 512;

impl Node {
    pub fn new(span: Span, kind: NodeKind) -> Node {
        Node { span, kind }
    }

    /// Rebuild the tree top-down: `node` decides what stands in each node's place, and
    /// `key` rewrites each mapping key and its span.
    pub fn rewrite(
        self,
        node: &mut impl FnMut(Node) -> Rewrite,
        key: &mut impl FnMut(Box<str>, Span) -> (Box<str>, Span),
    ) -> Node {
        self.rewrite_at(0, node, key)
    }

    fn rewrite_at(
        self,
        depth: usize,
        node: &mut impl FnMut(Node) -> Rewrite,
        key: &mut impl FnMut(Box<str>, Span) -> (Box<str>, Span),
    ) -> Node {
        let n = match node(self) {
            Rewrite::Done(n) => return n,
            Rewrite::Descend(n) => n,
        };
        let kind = match n.kind {
            _ if depth > MAX_REWRITE_DEPTH => NodeKind::Null,
            NodeKind::Seq(items) => NodeKind::Seq(
                items
                    .into_iter()
                    .map(|i| i.rewrite_at(depth + 1, node, key))
                    .collect(),
            ),
            NodeKind::Map(entries) => NodeKind::Map(
                entries
                    .into_iter()
                    .map(|e| {
                        let (k, key_span) = key(e.key, e.key_span);
                        Entry {
                            key: k,
                            key_span,
                            value: e.value.rewrite_at(depth + 1, node, key),
                        }
                    })
                    .collect(),
            ),
            other => other,
        };
        Node::new(n.span, kind)
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text of a scalar (quoted or plain), not of null.
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) | NodeKind::Plain(s) => Some(s),
            _ => None,
        }
    }

    /// The last value for `key` (YAML and JSON keep the last of duplicate keys).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|e| &e.value)
    }

    pub fn get_entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().rev().find(|e| &*e.key == key)
    }

    /// A one-entry map whose key is an intrinsic function name (`Ref`, `Fn::…`, `Condition`).
    pub fn as_intrinsic(&self) -> Option<(&str, &Node)> {
        match self.as_map()? {
            [entry] if entry.key.starts_with("Fn::") || &*entry.key == "Ref" => {
                Some((&entry.key, &entry.value))
            }
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Str(_) => "a string",
            NodeKind::Plain(_) => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// Duplicate keys in every mapping below `node`: `(kept, dropped)` spans of the key.
/// Iterative, so deeply nested documents cannot overflow the stack.
pub fn duplicate_keys(node: &Node) -> Vec<(&Entry, &Entry)> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::Map(entries) => {
                if entries.len() > 1 {
                    let mut seen: std::collections::HashMap<&str, &Entry> =
                        std::collections::HashMap::with_capacity(entries.len());
                    for e in entries {
                        if let Some(prev) = seen.insert(&e.key, e) {
                            out.push((e, prev));
                        }
                    }
                }
                stack.extend(entries.iter().map(|e| &e.value));
            }
            NodeKind::Seq(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out.sort_by_key(|(_, dropped)| dropped.key_span);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn leaf(s: &str, at: usize) -> Node {
        Node::new(Span::new(FileId(0), at, at + 1), NodeKind::Str(s.into()))
    }

    #[test]
    fn rewrite_replaces_or_descends_and_maps_keys() {
        let tree = Node::new(
            Span::new(FileId(0), 0, 9),
            NodeKind::Map(vec![Entry {
                key: "k".into(),
                key_span: Span::new(FileId(0), 1, 2),
                value: Node::new(
                    Span::new(FileId(0), 3, 8),
                    NodeKind::Seq(vec![leaf("a", 4), leaf("b", 6)]),
                ),
            }]),
        );
        let mut seen = 0;
        let out = tree.rewrite(
            &mut |n| {
                seen += 1;
                match n.kind {
                    NodeKind::Str(s) if &*s == "a" => Rewrite::Done(leaf("A", 0)),
                    kind => Rewrite::Descend(Node::new(n.span, kind)),
                }
            },
            &mut |k, span| (format!("{k}!").into(), span),
        );
        assert_eq!(seen, 4, "every node is offered once");
        let entry = &out.as_map().unwrap()[0];
        assert_eq!(&*entry.key, "k!");
        let items = entry.value.as_seq().unwrap();
        assert_eq!(items[0].as_scalar(), Some("A"));
        assert_eq!(items[1].as_scalar(), Some("b"));
    }
}
