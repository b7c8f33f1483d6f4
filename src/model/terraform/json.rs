//! JSON into [`Sv`] values with spans (through jsonc-parser, strict), for `.tf.json`,
//! `.tfvars.json`, `jsondecode` and policies written as JSON strings. Duplicate keys are
//! reported (the last one wins, as in Terraform); nesting is bounded.

use super::value::{Sv, V};
use crate::source::{FileId, Span};
use jsonc_parser::ast::{ObjectPropName, Value};
use std::collections::BTreeMap;

const MAX_DEPTH: usize = 128;

/// A parsed JSON value and the duplicate keys met: `(key, span of the key that won, what
/// dropping the earlier value costs)` (see [`crate::model::lost_condition_note`]).
pub struct Parsed {
    pub value: Sv,
    pub duplicates: Vec<(String, Span, String)>,
}

/// A JSON syntax error: where and what.
#[derive(Debug)]
pub struct JsonError {
    pub offset: usize,
    pub message: String,
}

/// Parse `text`; spans are `base + offset` in `file`.
pub fn parse(text: &str, file: FileId, base: usize) -> Result<Parsed, JsonError> {
    let value =
        crate::model::cfn::json::parse_strict(text, MAX_DEPTH).map_err(|(r, m)| JsonError {
            offset: base + r.start,
            message: m,
        })?;
    let Some(value) = value else {
        return Err(JsonError {
            offset: base,
            message: "expected a JSON value".into(),
        });
    };
    let mut c = Conv {
        file,
        base,
        duplicates: Vec::new(),
    };
    let value = c.value(value);
    Ok(Parsed {
        value,
        duplicates: c.duplicates,
    })
}

struct Conv {
    file: FileId,
    base: usize,
    duplicates: Vec<(String, Span, String)>,
}

impl Conv {
    fn span(&self, r: jsonc_parser::common::Range) -> Span {
        Span::new(self.file, self.base + r.start, self.base + r.end)
    }

    // Depth is bounded by `parse_strict`, so recursion is bounded too.
    fn value(&mut self, v: Value<'_>) -> Sv {
        match v {
            Value::StringLit(s) => Sv::lit(s.value.into_owned(), self.span(s.range)),
            Value::NumberLit(n) => {
                let span = self.span(n.range);
                match n.value.parse::<f64>() {
                    Ok(x) => Sv::new(V::Num(x), span),
                    Err(_) => Sv::unknown(format!("number {} out of range", n.value), span),
                }
            }
            Value::BooleanLit(b) => Sv::new(V::Bool(b.value), self.span(b.range)),
            Value::NullKeyword(n) => Sv::new(V::Null, self.span(n.range)),
            Value::Array(a) => {
                let span = self.span(a.range);
                let items = a.elements.into_iter().map(|e| self.value(e)).collect();
                Sv::new(V::List(items), span)
            }
            Value::Object(o) => {
                let span = self.span(o.range);
                let mut map = BTreeMap::new();
                for p in o.properties {
                    let (key, range) = match p.name {
                        ObjectPropName::String(s) => (s.value.into_owned(), s.range),
                        ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    let value = self.value(p.value);
                    if let Some(dropped) = map.insert(key.clone(), value) {
                        let inner = dropped.as_obj().into_iter().flat_map(|m| m.keys());
                        let note = crate::model::lost_condition_note(
                            std::iter::once(key.as_str()).chain(inner.map(String::as_str)),
                        );
                        let kspan = self.span(range);
                        self.duplicates.push((key, kspan, note));
                    }
                }
                Sv::new(V::Obj(map), span)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_spans_and_reports_duplicates() {
        let p = parse(r#"{"a": [1, "x"], "a": true}"#, FileId(0), 10).unwrap();
        assert_eq!(p.duplicates.len(), 1);
        assert_eq!(p.duplicates[0].1.start, 26);
        let a = p.value.get("a").unwrap();
        assert_eq!(a.as_bool(), Some(true));
        assert_eq!(a.span.start, 31);
    }

    #[test]
    fn a_dropped_leading_keys_condition_is_named() {
        let text = r#"{"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["u"]},
                       "ForAllValues:StringEquals": {"dynamodb:Attributes": ["id"]}}"#;
        let p = parse(text, FileId(0), 0).unwrap();
        assert_eq!(p.duplicates.len(), 1);
        assert!(
            p.duplicates[0].2.contains("now allows every partition key"),
            "{}",
            p.duplicates[0].2
        );
        let p = parse(r#"{"a": 1, "a": 2}"#, FileId(0), 0).unwrap();
        assert_eq!(p.duplicates[0].2, "");
    }

    #[test]
    fn rejects_bad_json_without_panic() {
        assert!(parse("{\"a\": }", FileId(0), 0).is_err());
        assert!(parse("[1,", FileId(0), 0).is_err());
        assert!(parse("\"\\u12", FileId(0), 0).is_err());
        let deep = "[".repeat(10_000);
        assert!(parse(&deep, FileId(0), 0).is_err());
    }
}
