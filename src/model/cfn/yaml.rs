//! YAML into a spanned [`Node`] tree, from saphyr's event parser.
//!
//! Built iteratively from events (no recursion), so depth is bounded by [`MAX_DEPTH`], and
//! what anchors and aliases copy is bounded by [`MAX_ALIAS_NODES`] and [`MAX_ALIAS_BYTES`]
//! (alias bombs: many nodes, or one large scalar aliased many times). Duplicate keys are
//! kept.
//! CloudFormation short-form tags become their long form: `!Ref X` is `{Ref: X}`,
//! `!GetAtt A.B` is `{Fn::GetAtt: A.B}`, `!Condition C` is `{Condition: C}`.
//! saphyr's markers count characters; spans here are bytes.

use crate::model::node::{Entry, Node, NodeKind};
use crate::source::{FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::collections::HashMap;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 512;
/// Most nodes aliases may copy into a document (real templates copy a handful).
pub const MAX_ALIAS_NODES: usize = 1_000_000;
/// Most bytes of text (scalars and keys) anchors and aliases may copy into a document.
pub const MAX_ALIAS_BYTES: usize = 16 << 20;

/// Short-form tags and their long forms.
pub fn long_form(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "GetAtt" => "Fn::GetAtt",
        "Sub" => "Fn::Sub",
        "Join" => "Fn::Join",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "If" => "Fn::If",
        "Equals" => "Fn::Equals",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "FindInMap" => "Fn::FindInMap",
        "ImportValue" => "Fn::ImportValue",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "GetAZs" => "Fn::GetAZs",
        "Transform" => "Fn::Transform",
        "Length" => "Fn::Length",
        "ToJsonString" => "Fn::ToJsonString",
        "ForEach" => "Fn::ForEach",
        _ => return None,
    })
}

/// Converts saphyr's character indices to byte offsets.
struct Offsets<'a> {
    text: &'a str,
    /// Byte offset of every character, only for non-ASCII text.
    table: Option<Vec<u32>>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let table = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| i as u32)
                .chain(std::iter::once(text.len() as u32))
                .collect()
        });
        Offsets { text, table }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.text.len()),
            Some(t) => t.get(char_index).map_or(self.text.len(), |b| *b as usize),
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<Entry>,
        key: Option<(Box<str>, Span)>,
    },
}

struct Builder<'a> {
    file: FileId,
    offsets: Offsets<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    /// What anchors and aliases have copied so far.
    copied: Copied,
    root: Option<Node>,
}

/// Nodes and bytes copied by anchors and aliases, against their bounds.
#[derive(Default)]
struct Copied {
    nodes: usize,
    bytes: usize,
}

impl Copied {
    /// Count a copy of `node` before making it; the error names the bound it passes.
    fn charge(&mut self, node: &Node) -> Result<(), String> {
        let (nodes, bytes) = size(node, MAX_ALIAS_NODES, MAX_ALIAS_BYTES);
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > MAX_ALIAS_NODES {
            return Err(format!(
                "aliases copy more than {MAX_ALIAS_NODES} nodes into the document (an alias bomb?)"
            ));
        }
        if self.bytes > MAX_ALIAS_BYTES {
            return Err(format!(
                "aliases copy more than {} MB of text into the document (an alias bomb?)",
                MAX_ALIAS_BYTES >> 20
            ));
        }
        Ok(())
    }
}

/// A parse error: where and what.
pub type Error = (Span, String);

/// Parse the first YAML document of `text`. An empty document is `Null`.
pub fn parse(text: &str, file: FileId) -> Result<Node, Error> {
    let mut b = Builder {
        file,
        offsets: Offsets::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        copied: Copied::default(),
        root: None,
    };
    let mut documents = 0;
    for item in Parser::new_from_str(text) {
        let (event, span) = match item {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                let at = b.offsets.byte(m.index());
                let info = e.info();
                let message = if info.contains("recursion limit") {
                    "the document nests too deeply to check".to_string()
                } else {
                    info.to_string()
                };
                return Err((Span::new(file, at, at), message));
            }
        };
        let start = b.offsets.byte(span.start.index());
        let end = b.offsets.byte(span.end.index()).max(start);
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    break;
                }
            }
            Event::DocumentEnd => break,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::Scalar(value, style, anchor, tag) => {
                let kind = scalar_kind(&value, style, tag.as_deref());
                let node = Node::new(Span::new(file, start, end), kind);
                let node = wrap_tag(node, tag.as_deref().map(tag_name), start);
                b.push(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(anchored) = b.anchors.get(&id) else {
                    return Err((
                        Span::new(file, start, end),
                        "alias to an unknown anchor".into(),
                    ));
                };
                // Count before copying, so a bomb is stopped before it costs memory.
                b.copied
                    .charge(anchored)
                    .map_err(|message| (Span::new(file, start, end), message))?;
                // An alias node is reported where the alias is written.
                let mut node = anchored.clone();
                node.span = Span::new(file, start, end);
                b.push(node, 0)?;
            }
            Event::SequenceStart(anchor, tag) => {
                b.open(Frame::Seq {
                    start,
                    anchor,
                    tag: tag.as_deref().map(tag_name),
                    items: Vec::new(),
                })?;
            }
            Event::MappingStart(anchor, tag) => {
                b.open(Frame::Map {
                    start,
                    anchor,
                    tag: tag.as_deref().map(tag_name),
                    entries: Vec::new(),
                    key: None,
                })?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = trim_end(text, start.max(end));
                b.close(end)?;
            }
        }
    }
    Ok(b.root
        .unwrap_or_else(|| Node::new(Span::new(file, 0, 0), NodeKind::Null)))
}

fn trim_end(text: &str, end: usize) -> usize {
    let bytes = text.as_bytes();
    let mut e = end.min(bytes.len());
    while e > 0 && bytes[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    e
}

/// `!Ref` → `Ref`; standard `!!str` tags → `!!str`; anything else as written.
fn tag_name(tag: &Tag) -> String {
    if tag.handle == "!" {
        tag.suffix.clone()
    } else if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn scalar_kind(value: &str, style: ScalarStyle, tag: Option<&Tag>) -> NodeKind {
    if let Some(t) = tag
        && t.is_yaml_core_schema()
        && t.suffix == "str"
    {
        return NodeKind::Str(value.into());
    }
    match style {
        ScalarStyle::Plain => match value {
            "" | "~" | "null" | "Null" | "NULL" if tag.is_none() => NodeKind::Null,
            _ => NodeKind::Plain(value.into()),
        },
        _ => NodeKind::Str(value.into()),
    }
}

/// Turn a short-form tagged node into its long form.
fn wrap_tag(node: Node, tag: Option<String>, start: usize) -> Node {
    let Some(tag) = tag else { return node };
    let Some(long) = long_form(&tag) else {
        return node;
    };
    let key_span = Span::new(node.span.file, start, start + 1 + tag.len());
    // `!Ref` with no value is an empty scalar: keep it as an empty string.
    let value = if node.kind == NodeKind::Null {
        Node::new(node.span, NodeKind::Str("".into()))
    } else {
        node
    };
    let span = key_span.to(value.span);
    Node::new(
        span,
        NodeKind::Map(vec![Entry {
            key: long.into(),
            key_span,
            value,
        }]),
    )
}

/// The nodes and bytes of text (scalars and keys) of `node`, counted until either passes
/// its limit.
fn size(node: &Node, max_nodes: usize, max_bytes: usize) -> (usize, usize) {
    let (mut nodes, mut bytes) = (0usize, 0usize);
    let mut stack = vec![node];
    while let Some(x) = stack.pop() {
        nodes += 1;
        match &x.kind {
            NodeKind::Str(s) | NodeKind::Plain(s) => bytes += s.len(),
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(entries) => {
                for e in entries {
                    bytes += e.key.len();
                    stack.push(&e.value);
                }
            }
            NodeKind::Null => {}
        }
        if nodes > max_nodes || bytes > max_bytes {
            break;
        }
    }
    (nodes, bytes)
}

impl Builder<'_> {
    fn open(&mut self, frame: Frame) -> Result<(), Error> {
        if self.stack.len() >= MAX_DEPTH {
            let start = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            return Err((
                Span::new(self.file, start, start),
                format!("the document nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self, end: usize) -> Result<(), Error> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (node, anchor) = match frame {
            Frame::Seq {
                start,
                anchor,
                tag,
                items,
            } => {
                let node = Node::new(Span::new(self.file, start, end), NodeKind::Seq(items));
                (wrap_tag(node, tag, start), anchor)
            }
            Frame::Map {
                start,
                anchor,
                tag,
                entries,
                key,
            } => {
                let mut entries = entries;
                if let Some((k, key_span)) = key {
                    // A key without a value (cannot happen with a well-formed event stream).
                    entries.push(Entry {
                        key: k,
                        key_span,
                        value: Node::new(key_span, NodeKind::Null),
                    });
                }
                let node = Node::new(Span::new(self.file, start, end), NodeKind::Map(entries));
                (wrap_tag(node, tag, start), anchor)
            }
        };
        self.push(node, anchor)
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor > 0 {
            // Anchors nested in anchors copy their content once per level.
            self.copied
                .charge(&node)
                .map_err(|message| (node.span, message))?;
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    let name: Box<str> = match &node.kind {
                        NodeKind::Str(s) | NodeKind::Plain(s) => s.clone(),
                        NodeKind::Null => "".into(),
                        _ => {
                            return Err((
                                node.span,
                                "a mapping key must be a scalar, not a list or mapping".into(),
                            ));
                        }
                    };
                    *key = Some((name, node.span));
                }
                Some((k, key_span)) => entries.push(Entry {
                    key: k,
                    key_span,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Node {
        parse(text, FileId(0)).expect("parses")
    }

    #[test]
    fn short_forms_become_long_forms_with_spans() {
        let text = "A: !Ref X\nB: !GetAtt [T, Arn]\n";
        let n = p(text);
        let a = n.get("A").unwrap();
        let (name, value) = a.as_intrinsic().unwrap();
        assert_eq!(name, "Ref");
        assert_eq!(value.as_scalar(), Some("X"));
        assert_eq!(&text[a.span.range()], "!Ref X");
        let b = n.get("B").unwrap();
        assert_eq!(b.as_intrinsic().unwrap().0, "Fn::GetAtt");
        assert_eq!(&text[b.span.range()], "!GetAtt [T, Arn]");
    }

    #[test]
    fn spans_are_bytes_in_non_ascii_text() {
        let text = "Description: \"ça coûte\"\nKey: value\n";
        let n = p(text);
        let e = n.get_entry("Key").unwrap();
        assert_eq!(&text[e.key_span.range()], "Key");
        assert_eq!(&text[e.value.span.range()], "value");
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let n = p("a: 1\na: 2\n");
        assert_eq!(n.as_map().unwrap().len(), 2);
        assert_eq!(n.get("a").unwrap().as_scalar(), Some("2"));
        assert_eq!(crate::model::node::duplicate_keys(&n).len(), 1);
    }

    #[test]
    fn errors_carry_a_location() {
        let (span, msg) = parse("a: [1, 2\nb: 3\n", FileId(0)).unwrap_err();
        assert!(span.start > 0, "{msg}");
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='l' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let err = parse(&text, FileId(0)).unwrap_err();
        assert!(err.1.contains("alias"), "{}", err.1);
    }

    #[test]
    fn a_large_scalar_aliased_many_times_is_bounded_by_bytes() {
        let mut text = format!("big: &b \"{}\"\ncopies:\n", "x".repeat(1 << 20));
        text.push_str(&"  - *b\n".repeat(1_000));
        let (span, message) = parse(&text, FileId(0)).unwrap_err();
        assert!(message.contains("MB of text"), "{message}");
        assert_eq!(
            &text[span.range()],
            "*b",
            "at the alias that passes the bound"
        );
    }

    #[test]
    fn anchors_nested_in_anchors_are_bounded_by_bytes() {
        // Each level's anchor copies everything below it.
        let depth = 100;
        let mut text = String::from("a: ");
        for i in 0..depth {
            text.push_str(&format!("&a{i} ["));
        }
        text.push_str(&format!("\"{}\"", "x".repeat(1 << 20)));
        text.push_str(&"]".repeat(depth));
        let (_, message) = parse(&text, FileId(0)).unwrap_err();
        assert!(message.contains("MB of text"), "{message}");
    }

    #[test]
    fn aliases_within_the_bounds_are_copies() {
        let n = p("a: &a {k: v}\nb: *a\n");
        assert_eq!(n.get("b").unwrap().get("k").unwrap().as_scalar(), Some("v"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = parse(&text, FileId(0)).unwrap_err();
        assert!(err.1.contains("nests"), "{}", err.1);
    }

    #[test]
    fn plain_null_and_quoted_strings() {
        let n = p("a: ~\nb: 'true'\nc: true\n");
        assert_eq!(n.get("a").unwrap().kind, NodeKind::Null);
        assert_eq!(n.get("b").unwrap().kind, NodeKind::Str("true".into()));
        assert_eq!(n.get("c").unwrap().kind, NodeKind::Plain("true".into()));
    }
}
