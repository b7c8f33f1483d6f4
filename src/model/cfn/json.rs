//! JSON into a spanned [`Node`] tree (strict JSON: no comments, no trailing commas).

use crate::model::node::{Entry, Node, NodeKind};
use crate::source::{FileId, Span};
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

/// Deepest nesting accepted (checked before parsing: the parser recurses).
pub const MAX_DEPTH: usize = 512;

pub type Error = (Span, String);

/// Parse `text` as strict JSON.
pub fn parse(text: &str, file: FileId) -> Result<Node, Error> {
    match parse_strict(text, MAX_DEPTH) {
        Ok(Some(v)) => Ok(convert(v, file)),
        Ok(None) => Ok(Node::new(Span::new(file, 0, 0), NodeKind::Null)),
        Err((r, message)) => Err((Span::new(file, r.start, r.end), message)),
    }
}

/// Parse `text` as strict JSON (no comments, no trailing commas, no single quotes)
/// nested at most `max_depth` deep, into jsonc-parser's tree (ranges are byte offsets).
/// `None` for a text holding no value.
pub fn parse_strict(
    text: &str,
    max_depth: usize,
) -> Result<Option<Value<'_>>, (std::ops::Range<usize>, String)> {
    match scan(text, max_depth) {
        Some((at, Scan::TooDeep)) => {
            return Err((
                at..at + 1,
                format!("the document nests deeper than {max_depth} levels"),
            ));
        }
        Some((at, Scan::Nul)) => {
            // jsonc-parser takes it; JSON (and CloudFormation) want it escaped.
            return Err((
                at..at + 1,
                "a NUL character inside a string: JSON requires control characters escaped (\\u0000)"
                    .into(),
            ));
        }
        None => {}
    }
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    };
    jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options)
        .map(|r| r.value)
        .map_err(|e| {
            let r = e.range();
            (r.start..r.end, e.kind().to_string())
        })
}

/// What [`scan`] found.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// A bracket nested deeper than the limit.
    TooDeep,
    /// A raw NUL byte inside a string.
    Nul,
}

/// The offset of the first bracket nested deeper than `max` (brackets inside strings do
/// not count), or of the first raw NUL inside a string, in one pass before parsing.
fn scan(text: &str, max: usize) -> Option<(usize, Scan)> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                0 => return Some((i, Scan::Nul)),
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some((i, Scan::TooDeep));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn convert(value: Value<'_>, file: FileId) -> Node {
    // Depth is bounded by `parse_strict`, so recursion is bounded too.
    match value {
        Value::StringLit(s) => Node::new(
            Span::new(file, s.range.start, s.range.end),
            NodeKind::Str(s.value.as_ref().into()),
        ),
        Value::NumberLit(n) => Node::new(
            Span::new(file, n.range.start, n.range.end),
            NodeKind::Plain(n.value.into()),
        ),
        Value::BooleanLit(b) => Node::new(
            Span::new(file, b.range.start, b.range.end),
            NodeKind::Plain(if b.value { "true" } else { "false" }.into()),
        ),
        Value::NullKeyword(n) => {
            Node::new(Span::new(file, n.range.start, n.range.end), NodeKind::Null)
        }
        Value::Array(a) => Node::new(
            Span::new(file, a.range.start, a.range.end),
            NodeKind::Seq(a.elements.into_iter().map(|v| convert(v, file)).collect()),
        ),
        Value::Object(o) => Node::new(
            Span::new(file, o.range.start, o.range.end),
            NodeKind::Map(
                o.properties
                    .into_iter()
                    .map(|p| {
                        let (key, range): (Box<str>, _) = match p.name {
                            ObjectPropName::String(s) => (s.value.as_ref().into(), s.range),
                            ObjectPropName::Word(w) => (w.value.into(), w.range),
                        };
                        Entry {
                            key,
                            key_span: Span::new(file, range.start, range.end),
                            value: convert(p.value, file),
                        }
                    })
                    .collect(),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_and_duplicates() {
        let text = r#"{"a": 1, "a": "x", "b": [true, null]}"#;
        let n = parse(text, FileId(0)).unwrap();
        assert_eq!(n.as_map().unwrap().len(), 3);
        let e = n.get_entry("b").unwrap();
        assert_eq!(&text[e.key_span.range()], "\"b\"");
        assert_eq!(&text[e.value.span.range()], "[true, null]");
    }

    #[test]
    fn rejects_comments_and_trailing_commas() {
        assert!(parse("{\"a\": 1,}", FileId(0)).is_err());
        assert!(parse("{\"a\": 1 // x\n}", FileId(0)).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(&text, FileId(0)).unwrap_err().1.contains("deeper"));
        // Brackets inside strings do not count.
        let s = format!("{{\"a\": \"{}\"}}", "[".repeat(1000));
        assert!(parse(&s, FileId(0)).is_ok());
    }

    #[test]
    fn a_raw_nul_in_a_string_is_an_error_where_it_is() {
        for text in ["{\"a\": \"x\u{0}y\"}", "{\"a\u{0}\": 1}"] {
            let (span, message) = parse(text, FileId(0)).unwrap_err();
            assert_eq!(&text[span.range()], "\u{0}");
            assert!(message.contains("NUL"), "{message}");
        }
        // Escaped, it is a character like any other.
        assert!(parse("{\"a\": \"x\\u0000y\"}", FileId(0)).is_ok());
    }
}
