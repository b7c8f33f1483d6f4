//! Terraform values as the evaluator sees them: known values with the span they were
//! written at, unknown values with the reason, conditionals whose condition is unknown,
//! and symbolic references to resources.

use crate::model::{Part, Str};
use crate::source::Span;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::model::provenance::{Hop, VarHow, VarSet};

/// A value and where it was written.
#[derive(Clone, Debug)]
pub struct Sv {
    pub v: V,
    pub span: Span,
    /// Where the value was before it reached `span` (a reference carries it from a
    /// variable's default, a module argument, a local): most recent place first. Shared,
    /// never copied: a hop is made once per reference.
    pub from: Option<Arc<Hop>>,
}

/// Two values are equal when they hold the same thing at the same place, however they
/// travelled there.
impl PartialEq for Sv {
    fn eq(&self, other: &Sv) -> bool {
        self.v == other.v && self.span == other.span
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    /// A string; may embed references (`arn:…:${aws_dynamodb_table.t.name}`) or unknowns.
    Str(Str),
    List(Vec<Sv>),
    Obj(BTreeMap<String, Sv>),
    /// Not known before apply (or not resolvable here): the reason.
    Unknown(String),
    /// A conditional whose condition is unknown: one of these.
    OneOf(Vec<Sv>),
    /// A resource (or resource instance) of the scope, by full address.
    Res(String),
    /// A string holding the JSON encoding of the inner value (`jsonencode(…)`): kept
    /// structured so policies keep their spans.
    Json(std::sync::Arc<Sv>),
}

impl Sv {
    pub fn new(v: V, span: Span) -> Sv {
        Sv {
            v,
            span,
            from: None,
        }
    }

    /// The value as used at `span`, having come from where it was (as the value of `var`,
    /// when it is a variable's).
    pub fn arrive(mut self, span: Span, var: Option<&Arc<VarSet>>) -> Sv {
        if self.span == span && var.is_none() {
            return self;
        }
        let hop = Hop {
            span: self.span,
            var: var.cloned(),
            chose: None,
            prev: self.from.take(),
        };
        self.from = Some(Arc::new(hop));
        self.span = span;
        self
    }

    pub fn unknown(why: impl Into<String>, span: Span) -> Sv {
        Sv::new(V::Unknown(why.into()), span)
    }

    pub fn lit(s: impl Into<String>, span: Span) -> Sv {
        Sv::new(V::Str(Str::lit(s)), span)
    }

    pub fn respan(mut self, span: Span) -> Sv {
        self.span = span;
        self
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Null)
    }

    /// How much the value holds: one per value and one per byte of text, counted up to
    /// `limit` (anything past it counts as `limit + 1`).
    pub fn weight(&self, limit: usize) -> usize {
        let mut total = 0usize;
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            total += 1;
            match &v.v {
                V::Str(s) => {
                    for part in &s.0 {
                        total += match part {
                            Part::Lit(t) | Part::Unknown(t) => t.len(),
                            Part::Ref { target, attr } => {
                                target.len() + attr.as_ref().map_or(0, String::len)
                            }
                        };
                    }
                }
                V::Unknown(t) | V::Res(t) => total += t.len(),
                V::List(items) | V::OneOf(items) => stack.extend(items),
                V::Obj(m) => {
                    for (k, x) in m {
                        total += k.len();
                        stack.push(x);
                    }
                }
                V::Json(inner) => stack.push(inner),
                V::Null | V::Bool(_) | V::Num(_) => {}
            }
            if total > limit {
                return limit + 1;
            }
        }
        total
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.v, V::Unknown(_) | V::OneOf(_))
    }

    /// Whether the value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        let mut stack = vec![self];
        let mut steps = 0usize;
        while let Some(v) = stack.pop() {
            steps += 1;
            if steps > 100_000 {
                return false;
            }
            match &v.v {
                V::Unknown(_) | V::OneOf(_) | V::Res(_) => return false,
                V::Str(s) if s.as_lit().is_none() => {
                    return false;
                }
                V::List(items) => stack.extend(items.iter()),
                V::Obj(m) => stack.extend(m.values()),
                V::Json(inner) => stack.push(inner),
                _ => {}
            }
        }
        true
    }

    /// A bool, also from the strings `true`/`false` (Terraform converts them).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.v {
            V::Bool(b) => Some(*b),
            V::Str(s) => match s.as_lit()? {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_num(&self) -> Option<f64> {
        match &self.v {
            V::Num(n) => Some(*n),
            V::Str(s) => s.as_lit()?.trim().parse().ok(),
            _ => None,
        }
    }

    /// The text of a known primitive (strings, numbers and bools convert to strings).
    pub fn as_text(&self) -> Option<String> {
        match &self.v {
            V::Str(s) => s.as_lit().map(str::to_string),
            V::Num(n) => Some(fmt_num(*n)),
            V::Bool(b) => Some(b.to_string()),
            V::Json(inner) => to_json_text(inner),
            _ => None,
        }
    }

    /// The value as a (possibly symbolic) string: primitives and references.
    pub fn as_str(&self) -> Option<Str> {
        match &self.v {
            V::Str(s) => Some(s.clone()),
            V::Num(_) | V::Bool(_) | V::Json(_) => self.as_text().map(Str::lit),
            _ => None,
        }
    }

    /// A list or set, also from an object's values (for `for_each`-like uses).
    pub fn as_list(&self) -> Option<&[Sv]> {
        match &self.v {
            V::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_obj(&self) -> Option<&BTreeMap<String, Sv>> {
        match &self.v {
            V::Obj(m) => Some(m),
            _ => None,
        }
    }

    /// `obj.key` for an object, else `None`.
    pub fn get(&self, key: &str) -> Option<&Sv> {
        self.as_obj()?.get(key)
    }

    pub fn type_name(&self) -> &'static str {
        match self.v {
            V::Null => "null",
            V::Bool(_) => "bool",
            V::Num(_) => "number",
            V::Str(_) | V::Json(_) => "string",
            V::List(_) => "list",
            V::Obj(_) => "object",
            V::Unknown(_) | V::OneOf(_) => "unknown",
            V::Res(_) => "resource",
        }
    }
}

/// Numbers print as Terraform prints them: integers without a fraction.
pub fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The JSON text of a wholly known value.
pub fn to_json_text(v: &Sv) -> Option<String> {
    to_json(v, 0).map(|j| j.to_string())
}

fn to_json(v: &Sv, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    if depth > 64 {
        return None;
    }
    Some(match &v.v {
        V::Null => J::Null,
        V::Bool(b) => J::Bool(*b),
        V::Num(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                J::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n).map_or(J::Null, J::Number)
            }
        }
        V::Str(s) => J::String(s.as_lit()?.to_string()),
        V::List(items) => J::Array(
            items
                .iter()
                .map(|i| to_json(i, depth + 1))
                .collect::<Option<Vec<_>>>()?,
        ),
        V::Obj(m) => J::Object(
            m.iter()
                .map(|(k, v)| Some((k.clone(), to_json(v, depth + 1)?)))
                .collect::<Option<serde_json::Map<_, _>>>()?,
        ),
        V::Json(inner) => J::String(to_json(inner, depth + 1)?.to_string()),
        V::Unknown(_) | V::OneOf(_) | V::Res(_) => return None,
    })
}

/// Append a value to a template string: primitives as text, references and unknowns as
/// symbolic parts. Returns false when the value cannot appear in a string (a list).
pub fn push_into_str(out: &mut Str, v: &Sv) -> bool {
    match &v.v {
        V::Str(s) => out.extend(s.clone()),
        V::Num(_) | V::Bool(_) => out.push(Part::Lit(v.as_text().unwrap_or_default())),
        V::Json(inner) => match to_json_text(inner) {
            Some(t) => out.push(Part::Lit(t)),
            None => out.push(Part::Unknown("jsonencode(…)".into())),
        },
        V::Unknown(why) => out.push(Part::Unknown(why.clone())),
        V::OneOf(_) => out.push(Part::Unknown("conditional value".into())),
        V::Res(addr) => out.push(Part::Ref {
            target: addr.clone(),
            attr: None,
        }),
        V::Null | V::List(_) | V::Obj(_) => return false,
    }
    true
}

thread_local! {
    /// Where [`traced`] collects the travelled values it is asked to remember.
    static TRACES: RefCell<Option<Vec<(Span, crate::model::provenance::Trace)>>> =
        const { RefCell::new(None) };
}

/// Run `f`, and return with its result every value [`remember`]ed meanwhile: where the
/// model holds it and how it got there.
pub fn traced<R>(f: impl FnOnce() -> R) -> (R, Vec<(Span, crate::model::provenance::Trace)>) {
    let outer = TRACES.with(|t| t.borrow_mut().replace(Vec::new()));
    let r = f();
    let got = TRACES.with(|t| std::mem::replace(&mut *t.borrow_mut(), outer));
    (r, got.unwrap_or_default())
}

/// Remember how a value the model takes travelled (inside [`traced`]; a no-op elsewhere).
pub fn remember(v: &Sv) {
    let Some(from) = &v.from else { return };
    TRACES.with(|t| {
        if let Some(list) = t.borrow_mut().as_mut() {
            let shown = match &v.v {
                V::Bool(_) | V::Num(_) => v.as_text(),
                V::Str(s) => s
                    .as_lit()
                    .filter(|l| l.len() <= 40)
                    .map(|l| format!("{l:?}")),
                _ => None,
            };
            list.push((
                v.span,
                crate::model::provenance::Trace {
                    from: from.clone(),
                    shown,
                    unset: None,
                },
            ));
        }
    });
}

/// Remember that `v`, which travelled from a variable, left the resource's argument or
/// block `name` unset: a `null`, or the `for_each` of a `dynamic` block that made none
/// (inside [`traced`]; a no-op elsewhere).
pub fn remember_unset(name: &str, v: &Sv) {
    let Some(from) = &v.from else { return };
    TRACES.with(|t| {
        if let Some(list) = t.borrow_mut().as_mut() {
            // A null leaves a switch off; an empty `for_each` shows what chose it.
            let shown = if v.is_null() {
                Some("null".to_string())
            } else {
                from.chose.map(|b| b.to_string())
            };
            list.push((
                v.span,
                crate::model::provenance::Trace {
                    from: from.clone(),
                    shown,
                    unset: Some(name.into()),
                },
            ));
        }
    });
}
