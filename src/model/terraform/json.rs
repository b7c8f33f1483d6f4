//! A small strict JSON reader into [`Sv`] values with spans, for `.tfvars.json`,
//! `jsondecode`, and policies written as JSON strings. Duplicate keys are reported
//! (the last one wins, as in Terraform); nesting is bounded.

use super::value::{Sv, V};
use crate::source::{FileId, Span};
use std::collections::BTreeMap;

const MAX_DEPTH: usize = 128;

/// A parsed JSON value and the duplicate keys met: `(key, span of the dropped key)`.
pub struct Parsed {
    pub value: Sv,
    pub duplicates: Vec<(String, Span)>,
}

/// A JSON syntax error: where and what.
#[derive(Debug)]
pub struct JsonError {
    pub offset: usize,
    pub message: String,
}

/// Parse `text`; spans are `base + offset` in `file`.
pub fn parse(text: &str, file: FileId, base: usize) -> Result<Parsed, JsonError> {
    let mut p = P {
        s: text.as_bytes(),
        text,
        i: 0,
        file,
        base,
        dups: Vec::new(),
    };
    p.ws();
    let value = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(Parsed {
        value,
        duplicates: p.dups,
    })
}

struct P<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    file: FileId,
    base: usize,
    dups: Vec<(String, Span)>,
}

impl P<'_> {
    fn err(&self, m: &str) -> JsonError {
        JsonError {
            offset: self.base + self.i,
            message: m.to_string(),
        }
    }

    fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.file, self.base + a, self.base + b)
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Sv, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("JSON nested too deeply"));
        }
        let start = self.i;
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end of JSON")),
            Some(b'{') => {
                self.i += 1;
                let mut map = BTreeMap::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Sv::new(V::Obj(map), self.span(start, self.i)));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let ks = self.i;
                    let key = self.string()?;
                    let kspan = self.span(ks, self.i);
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    if map.insert(key.clone(), v).is_some() {
                        self.dups.push((key, kspan));
                    }
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Sv::new(V::Obj(map), self.span(start, self.i)));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Sv::new(V::List(items), self.span(start, self.i)));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Sv::new(V::List(items), self.span(start, self.i)));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(Sv::lit(s, self.span(start, self.i)))
            }
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Sv::new(V::Bool(true), self.span(start, self.i)))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Sv::new(V::Bool(false), self.span(start, self.i)))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Sv::new(V::Null, self.span(start, self.i)))
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let t = &self.text[start..self.i];
                let n: f64 = t.parse().map_err(|_| self.err("invalid number"))?;
                Ok(Sv::new(V::Num(n), self.span(start, self.i)))
            }
            Some(_) => Err(self.err("expected a JSON value")),
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        // at the opening quote
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err(self.err("unterminated string"));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.i + 1) else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hex = self
                                .text
                                .get(self.i..self.i + 4)
                                .ok_or_else(|| self.err("bad \\u escape"))?;
                            let code = u32::from_str_radix(hex, 16)
                                .map_err(|_| self.err("bad \\u escape"))?;
                            self.i += 4;
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(self.err("bad escape")),
                    }
                }
                c if c < 0x20 => return Err(self.err("control character in string")),
                _ => {
                    // copy one UTF-8 char
                    let rest = &self.text[self.i..];
                    let ch = rest.chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.i += ch.len_utf8().max(1);
                }
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
    fn rejects_bad_json_without_panic() {
        assert!(parse("{\"a\": }", FileId(0), 0).is_err());
        assert!(parse("[1,", FileId(0), 0).is_err());
        assert!(parse("\"\\u12", FileId(0), 0).is_err());
        let deep = "[".repeat(10_000);
        assert!(parse(&deep, FileId(0), 0).is_err());
    }
}
