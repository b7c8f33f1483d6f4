//! The config's YAML, read into the declared types ([`super::file`]) with serde, keeping
//! where every value is written.
//!
//! saphyr's events become a small tree whose nodes carry their byte span; a serde
//! `Deserializer` walks it and hands out spans through `serde_spanned` (as `toml` does), so a
//! field typed [`super::file::Spanned`] knows its place. Errors carry the span of the value
//! they are about.
//!
//! Every problem is reported, not only the first: an unknown key is noted and skipped, and a
//! value that does not fit its type is noted, its entry taken out of the tree, and the
//! document read again (a config is small; at most [`MAX_ERRORS`] rounds).

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

/// At most this many errors are listed.
pub const MAX_ERRORS: usize = 50;

/// More than this many entries in one list or mapping is refused (a config is small).
pub const MAX_ENTRIES: usize = 10_000;

/// Deeper nesting than this is refused (a config is four levels deep).
const MAX_DEPTH: usize = 64;

/// At most this many nodes, aliases' copies included (an alias bomb stops here).
const MAX_NODES: usize = 200_000;

/// A YAML node and where it is written (bytes).
#[derive(Clone, Debug)]
pub struct Node {
    pub span: Range<usize>,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Null,
    /// A plain (unquoted) scalar: typed by the YAML core schema when its type is asked.
    Plain(String),
    /// A quoted or block scalar, or one tagged `!!str`: always a string.
    Text(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Plain(s) | Kind::Text(s) => Some(s),
            _ => None,
        }
    }

    fn count(&self) -> usize {
        match &self.kind {
            Kind::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Kind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count() + v.count())
                    .sum::<usize>()
            }
            _ => 1,
        }
    }
}

/// What a node is, for a type mismatch.
fn unexpected(node: &Node) -> de::Unexpected<'_> {
    match &node.kind {
        Kind::Null => de::Unexpected::Unit,
        Kind::Plain(s) if plain_bool(s).is_some() => {
            de::Unexpected::Bool(plain_bool(s) == Some(true))
        }
        Kind::Plain(s) if s.parse::<f64>().is_ok() => de::Unexpected::Other("a number"),
        Kind::Plain(s) | Kind::Text(s) => de::Unexpected::Str(s),
        Kind::Seq(_) => de::Unexpected::Seq,
        Kind::Map(_) => de::Unexpected::Map,
    }
}

fn plain_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A problem with the config text: what and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub span: Option<Range<usize>>,
    pub message: String,
    /// Where the value is in the tree (entry and item indices), once known: the entry a
    /// retry leaves out.
    path: Option<Vec<usize>>,
    /// A type mismatch, worded once the key it is under is known.
    mismatch: Option<(String, String)>,
}

impl Error {
    fn at(span: Range<usize>, message: impl Into<String>) -> Error {
        Error {
            span: Some(span),
            message: message.into(),
            path: None,
            mismatch: None,
        }
    }

    /// Give the error its place, if it has none yet: the value at `path`, under `what`.
    fn place(mut self, node: &Node, path: &[usize], what: &str) -> Error {
        if self.path.is_none() {
            self.path = Some(path.to_vec());
        }
        if self.span.is_none() {
            self.span = Some(node.span.clone());
        }
        if let Some((expected, found)) = self.mismatch.take() {
            self.message = format!("{what} must be {expected}, not {found}");
        }
        self
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Error {
        Error {
            span: None,
            message: msg.to_string(),
            path: None,
            mismatch: None,
        }
    }

    fn invalid_type(unexp: de::Unexpected, exp: &dyn de::Expected) -> Error {
        let found = match unexp {
            de::Unexpected::Bool(_) => "a boolean".to_string(),
            de::Unexpected::Unsigned(_) => "a number".to_string(),
            de::Unexpected::Signed(n) if n < 0 => "a negative number".to_string(),
            de::Unexpected::Signed(_) => "a number".to_string(),
            de::Unexpected::Float(_) => "a number with a fraction".to_string(),
            de::Unexpected::Str(_) | de::Unexpected::Char(_) => "a string".to_string(),
            de::Unexpected::Unit | de::Unexpected::Option => "null".to_string(),
            de::Unexpected::Seq => "a list".to_string(),
            de::Unexpected::Map => "a mapping".to_string(),
            other => other.to_string(),
        };
        let expected = match exp.to_string().as_str() {
            "a sequence" => "a list".to_string(),
            "a map" => "a mapping".to_string(),
            "u64" | "u32" | "u16" | "u8" | "usize" => "a whole number".to_string(),
            other => other.to_string(),
        };
        Error {
            span: None,
            message: format!("expected {expected}, not {found}"),
            path: None,
            mismatch: Some((expected, found)),
        }
    }

    fn invalid_value(unexp: de::Unexpected, exp: &dyn de::Expected) -> Error {
        Error::invalid_type(unexp, exp)
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Error {
        Error::custom(format!(
            "unknown key {field:?}: expected one of {}",
            expected.join(", ")
        ))
    }
}

/// Read `text` into `T`, with every problem found (sorted by place): the value read once the
/// entries in error are left out (none when the document itself is in error), and the
/// problems.
pub fn from_str<T: de::DeserializeOwned>(
    text: &str,
    describe: Describe,
) -> (Option<T>, Vec<Error>) {
    let mut root = match tree(text) {
        Ok(root) => root,
        Err(e) => return (None, vec![e]),
    };
    let mut errors: Vec<Error> = Vec::new();
    let mut rounds = 0;
    let outcome = loop {
        rounds += 1;
        let noted = RefCell::new(Vec::new());
        let de = De {
            node: &root,
            path: Vec::new(),
            what: "the config",
            noted: &noted,
            describe,
        };
        let result = T::deserialize(de);
        errors.extend(noted.into_inner());
        match result {
            Ok(value) => break Some(value),
            Err(e) => {
                let e = e.place(&root, &[], "the config");
                let path = e.path.clone().unwrap_or_default();
                errors.push(e);
                if path.is_empty() || rounds > MAX_ERRORS || !prune(&mut root, &path) {
                    break None;
                }
            }
        }
    };
    errors.sort_by(|a, b| {
        let key = |e: &Error| e.span.as_ref().map(|s| (s.start, s.end));
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
    errors.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    (outcome, errors)
}

/// How a struct is named in messages ("a tables entry"), by its Rust name.
pub type Describe = fn(&str) -> &'static str;

/// Take the entry or item at `path` out of the tree; false when there is none.
fn prune(root: &mut Node, path: &[usize]) -> bool {
    let Some((&last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = root;
    for &i in parents {
        node = match &mut node.kind {
            Kind::Seq(items) if i < items.len() => &mut items[i],
            Kind::Map(entries) if i < entries.len() => &mut entries[i].1,
            _ => return false,
        };
    }
    match &mut node.kind {
        Kind::Seq(items) if last < items.len() => {
            items.remove(last);
            true
        }
        Kind::Map(entries) if last < entries.len() => {
            entries.remove(last);
            true
        }
        _ => false,
    }
}

/// The first document of `text` as a tree; an empty document is null.
pub fn tree(text: &str) -> Result<Node, Error> {
    // saphyr counts characters; spans here are bytes.
    let offsets: Option<Vec<usize>> = (!text.is_ascii()).then(|| {
        text.char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect()
    });
    let byte = |chars: usize| match &offsets {
        None => chars.min(text.len()),
        Some(t) => t.get(chars).copied().unwrap_or(text.len()),
    };
    enum Open {
        Seq(usize, usize, Vec<Node>),
        Map(usize, usize, Vec<(Node, Node)>, Option<Node>),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    let mut documents = 0;
    for item in Parser::new_from_str(text) {
        let (event, span) = match item {
            Ok(x) => x,
            Err(e) => {
                let at = byte(e.marker().index());
                return Err(Error::at(at..at, e.info().to_string()));
            }
        };
        let start = byte(span.start.index());
        let end = byte(span.end.index()).max(start);
        let (node, anchor) = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    break;
                }
                continue;
            }
            Event::DocumentEnd => break,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::at(
                        start..start,
                        format!("the config nests deeper than {MAX_DEPTH} levels"),
                    ));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq(start, anchor, Vec::new()),
                    _ => Open::Map(start, anchor, Vec::new(), None),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = text[..end.min(text.len())].trim_end().len().max(start);
                match stack.pop() {
                    Some(Open::Seq(s, anchor, items)) => (
                        Node {
                            span: s..end.max(s),
                            kind: Kind::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Open::Map(s, anchor, entries, _)) => (
                        Node {
                            span: s..end.max(s),
                            kind: Kind::Map(entries),
                        },
                        anchor,
                    ),
                    None => continue,
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let is_str = tag
                    .as_deref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let kind = match style {
                    _ if is_str => Kind::Text(value.to_string()),
                    ScalarStyle::Plain => match &*value {
                        "" | "~" | "null" | "Null" | "NULL" if tag.is_none() => Kind::Null,
                        _ => Kind::Plain(value.to_string()),
                    },
                    _ => Kind::Text(value.to_string()),
                };
                (
                    Node {
                        span: start..end,
                        kind,
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let Some(node) = anchors.get(&id) else {
                    return Err(Error::at(start..end, "alias to an unknown anchor"));
                };
                let mut node = node.clone();
                node.span = start..end;
                (node, 0)
            }
        };
        nodes = nodes.saturating_add(node.count());
        if nodes > MAX_NODES {
            return Err(Error::at(
                node.span,
                format!("the config has more than {MAX_NODES} values (with what aliases copy)"),
            ));
        }
        if anchor > 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => return Ok(node),
            Some(Open::Seq(_, _, items)) => {
                if items.len() >= MAX_ENTRIES {
                    return Err(Error::at(
                        node.span,
                        format!("a list has more than {MAX_ENTRIES} items"),
                    ));
                }
                items.push(node);
            }
            Some(Open::Map(_, _, entries, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if entries.len() >= MAX_ENTRIES {
                        return Err(Error::at(
                            k.span,
                            format!("a mapping has more than {MAX_ENTRIES} entries"),
                        ));
                    }
                    entries.push((k, node));
                }
            },
        }
    }
    Ok(Node {
        span: 0..0,
        kind: Kind::Null,
    })
}

/// Deserializes one node.
struct De<'a> {
    node: &'a Node,
    /// Entry and item indices from the root to `node`.
    path: Vec<usize>,
    /// The node's name in messages: its key, "an item of tables", "the config".
    what: &'a str,
    /// Problems that do not stop the reading (unknown and duplicate keys).
    noted: &'a RefCell<Vec<Error>>,
    describe: Describe,
}

impl<'a> De<'a> {
    fn child<'b>(&'b self, node: &'b Node, index: usize, what: &'b str) -> De<'b> {
        let mut path = self.path.clone();
        path.push(index);
        De {
            node,
            path,
            what,
            noted: self.noted,
            describe: self.describe,
        }
    }

    /// The entries of a mapping, duplicate keys noted and left out (the first one counts).
    fn entries(
        &self,
        fields: Option<(&str, &'static [&'static str])>,
    ) -> Vec<(usize, &'a (Node, Node))> {
        let Kind::Map(entries) = &self.node.kind else {
            return Vec::new();
        };
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let key = entry.0.scalar().unwrap_or("");
            if !seen.insert(key) {
                let e = Error::at(entry.0.span.clone(), format!("duplicate key {key:?}"));
                self.noted.borrow_mut().push(e);
                continue;
            }
            if let Some((name, known)) = fields
                && !known.contains(&key)
            {
                let e = Error::at(
                    entry.0.span.clone(),
                    format!(
                        "unknown key {key:?} in {}: expected one of {}",
                        (self.describe)(name),
                        known.join(", ")
                    ),
                );
                self.noted.borrow_mut().push(e);
                continue;
            }
            out.push((i, entry));
        }
        out
    }
}

impl<'de> IntoDeserializer<'de, Error> for De<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

struct Seq<'a> {
    de: &'a De<'a>,
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    what: String,
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((i, node)) = self.items.next() else {
            return Ok(None);
        };
        let child = self.de.child(node, i, &self.what);
        let path = child.path.clone();
        seed.deserialize(child)
            .map(Some)
            .map_err(|e| e.place(node, &path, &self.what))
    }
}

struct Map<'a> {
    de: &'a De<'a>,
    entries: std::vec::IntoIter<(usize, &'a (Node, Node))>,
    value: Option<(usize, &'a Node, &'a str)>,
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((i, (key, value))) = self.entries.next() else {
            return Ok(None);
        };
        let name = key.scalar().unwrap_or("a key");
        self.value = Some((i, value, name));
        let child = self.de.child(key, i, "a key");
        let path = child.path.clone();
        seed.deserialize(child)
            .map(Some)
            .map_err(|e| e.place(key, &path, "a key"))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((i, node, name)) = self.value.take() else {
            return Err(de::Error::custom("a value without its key"));
        };
        let child = self.de.child(node, i, name);
        let path = child.path.clone();
        seed.deserialize(child)
            .map_err(|e| e.place(node, &path, name))
    }
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Null => visitor.visit_unit(),
            Kind::Text(s) => visitor.visit_str(s),
            Kind::Plain(s) => {
                if let Some(b) = plain_bool(s) {
                    visitor.visit_bool(b)
                } else if let Ok(n) = s.parse::<u64>() {
                    visitor.visit_u64(n)
                } else if let Ok(n) = s.parse::<i64>() {
                    visitor.visit_i64(n)
                } else if let Ok(n) = s.parse::<f64>()
                    && n.is_finite()
                {
                    visitor.visit_f64(n)
                } else {
                    visitor.visit_str(s)
                }
            }
            Kind::Seq(items) => visitor.visit_seq(Seq {
                de: &self,
                items: items.iter().enumerate(),
                what: format!("an item of {}", self.what),
            }),
            Kind::Map(_) => visitor.visit_map(Map {
                entries: self.entries(None).into_iter(),
                de: &self,
                value: None,
            }),
        }
    }

    /// Any scalar is a string when a string is asked for (`tier_tag: 2024`).
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.scalar() {
            Some(s) => visitor.visit_str(s),
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.kind {
            Kind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if serde_spanned::de::is_spanned(name) {
            let span = self.node.span.clone();
            return visitor.visit_map(serde_spanned::de::SpannedDeserializer::new(self, span));
        }
        if !matches!(self.node.kind, Kind::Map(_)) {
            // Not as a list of its fields, as serde would allow: a mapping.
            return Err(de::Error::invalid_type(unexpected(self.node), &visitor));
        }
        let entries = self.entries(Some((name, fields)));
        visitor
            .visit_map(Map {
                entries: entries.into_iter(),
                de: &self,
                value: None,
            })
            .map_err(|mut e| {
                // serde's words for a missing field, in ours.
                if let Some(field) = e.message.strip_prefix("missing field `") {
                    let field = field.trim_end_matches('`');
                    e.message = format!("{} needs a {field}", (self.describe)(name));
                }
                e
            })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct seq tuple tuple_struct map enum ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_and_cover_the_value() {
        let text = "é: 'x'\nb: [1, 2]\n";
        let root = tree(text).unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("{root:?}")
        };
        assert_eq!(&text[entries[0].1.span.clone()], "'x'");
        assert_eq!(&text[entries[1].1.span.clone()], "[1, 2]");
        assert!(matches!(entries[0].1.kind, Kind::Text(_)));
    }

    #[test]
    fn bounds_are_errors_not_crashes() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(tree(&deep).is_err());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e]\n";
        let e = tree(bomb).unwrap_err();
        assert!(e.message.contains("more than"), "{e:?}");
        assert!(tree("a: *nope\n").is_err());
    }

    #[test]
    fn only_the_first_document_is_read() {
        let root = tree("a: 1\n---\nb: 2\n").unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!()
        };
        assert_eq!(entries.len(), 1);
        assert!(matches!(tree("").unwrap().kind, Kind::Null));
    }

    #[test]
    fn prune_takes_out_one_entry() {
        let mut root = tree("a: [1, 2, 3]\nb: 2\n").unwrap();
        assert!(prune(&mut root, &[0, 1]));
        assert!(prune(&mut root, &[1]));
        assert!(!prune(&mut root, &[5]));
        assert!(!prune(&mut root, &[]));
        let Kind::Map(entries) = &root.kind else {
            panic!()
        };
        assert_eq!(entries.len(), 1);
        let Kind::Seq(items) = &entries[0].1.kind else {
            panic!()
        };
        assert_eq!(items.len(), 2);
    }
}
