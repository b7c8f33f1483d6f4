//! Resolved property values: known, unknown, or one of several branches (`Fn::If`),
//! each with the span it came from.

use crate::source::Span;
use serde::Serialize;

/// A property value and where it was written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prop<T> {
    #[serde(serialize_with = "ser_span")]
    pub span: Span,
    #[serde(flatten)]
    pub val: Val<T>,
}

pub(crate) fn ser_span<S: serde::Serializer>(span: &Span, s: S) -> Result<S::Ok, S::Error> {
    [span.start, span.end].serialize(s)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Val<T> {
    Known(T),
    /// The value could not be resolved; the text says why (`parameter Stage has no default`).
    Unknown(String),
    /// A conditional: each branch may happen.
    OneOf(Vec<Branch<T>>),
}

/// A branch of a conditional: a value, or the property left unset (`AWS::NoValue`, `null`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Branch<T> {
    #[serde(serialize_with = "ser_span")]
    pub span: Span,
    pub value: Option<Val<T>>,
}

impl<T> Prop<T> {
    pub fn known(span: Span, value: T) -> Prop<T> {
        Prop {
            span,
            val: Val::Known(value),
        }
    }

    pub fn unknown(span: Span, why: impl Into<String>) -> Prop<T> {
        Prop {
            span,
            val: Val::Unknown(why.into()),
        }
    }

    /// The value when it is known and unconditional.
    pub fn get(&self) -> Option<&T> {
        match &self.val {
            Val::Known(v) => Some(v),
            _ => None,
        }
    }

    /// Every known value of every branch, with its span.
    pub fn known_values(&self) -> Vec<(&T, Span)> {
        let mut out = Vec::new();
        collect_known(&self.val, self.span, &mut out);
        out
    }

    pub fn map<U>(self, f: impl Fn(T) -> U + Copy) -> Prop<U> {
        Prop {
            span: self.span,
            val: self.val.map(f),
        }
    }

    /// Convert every known value; a failed conversion makes that value unknown.
    pub fn try_map<U>(self, f: &dyn Fn(&T) -> Result<U, String>) -> Prop<U> {
        Prop {
            span: self.span,
            val: self.val.try_map(f),
        }
    }
}

fn collect_known<'a, T>(val: &'a Val<T>, span: Span, out: &mut Vec<(&'a T, Span)>) {
    match val {
        Val::Known(v) => out.push((v, span)),
        Val::Unknown(_) => {}
        Val::OneOf(branches) => {
            for b in branches {
                if let Some(v) = &b.value {
                    collect_known(v, b.span, out);
                }
            }
        }
    }
}

impl<T> Val<T> {
    pub fn try_map<U>(self, f: &dyn Fn(&T) -> Result<U, String>) -> Val<U> {
        match self {
            Val::Known(v) => match f(&v) {
                Ok(u) => Val::Known(u),
                Err(why) => Val::Unknown(why),
            },
            Val::Unknown(why) => Val::Unknown(why),
            Val::OneOf(bs) => Val::OneOf(
                bs.into_iter()
                    .map(|b| Branch {
                        span: b.span,
                        value: b.value.map(|v| v.try_map(f)),
                    })
                    .collect(),
            ),
        }
    }

    pub fn map<U>(self, f: impl Fn(T) -> U + Copy) -> Val<U> {
        match self {
            Val::Known(v) => Val::Known(f(v)),
            Val::Unknown(why) => Val::Unknown(why),
            Val::OneOf(bs) => Val::OneOf(
                bs.into_iter()
                    .map(|b| Branch {
                        span: b.span,
                        value: b.value.map(|v| v.map(f)),
                    })
                    .collect(),
            ),
        }
    }
}

/// Where a check on an optional property fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The property is not set at all: report on the resource (or block) header.
    Missing,
    /// A value, or a branch that leaves it unset, fails: report here.
    At(Span),
}

/// Check an optional property: `fails(None)` decides for an unset property or branch,
/// `fails(Some(v))` for a known value. Unknown values never fail.
/// Returns the first failure, if any.
pub fn check_prop<T>(
    prop: Option<&Prop<T>>,
    fails: impl Fn(Option<&T>) -> bool,
) -> Option<Failure> {
    match prop {
        None => fails(None).then_some(Failure::Missing),
        Some(p) => check_val(&p.val, p.span, &fails).map(Failure::At),
    }
}

fn check_val<T>(val: &Val<T>, span: Span, fails: &impl Fn(Option<&T>) -> bool) -> Option<Span> {
    match val {
        Val::Known(v) => fails(Some(v)).then_some(span),
        Val::Unknown(_) => None,
        Val::OneOf(branches) => branches.iter().find_map(|b| match &b.value {
            None => fails(None).then_some(b.span),
            Some(v) => check_val(v, b.span, fails),
        }),
    }
}

/// Every reason a property (or a branch of it) is unknown.
pub fn unknown_reasons<T>(prop: Option<&Prop<T>>) -> Vec<&str> {
    fn walk<'a, T>(val: &'a Val<T>, out: &mut Vec<&'a str>) {
        match val {
            Val::Known(_) => {}
            Val::Unknown(why) => out.push(why),
            Val::OneOf(bs) => bs
                .iter()
                .filter_map(|b| b.value.as_ref())
                .for_each(|v| walk(v, out)),
        }
    }
    let mut out = Vec::new();
    if let Some(p) = prop {
        walk(&p.val, &mut out);
    }
    out
}

/// A string that may embed references: `arn:aws:dynamodb:${AWS::Region}:…:table/${Orders}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(transparent)]
pub struct Str(pub Vec<Part>);

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Lit(String),
    /// A reference to a resource in scope: the resource id and, for `GetAtt`/TF
    /// references, the attribute (`Arn`, `name`, `arn`). A plain CFN `Ref` has none.
    Ref {
        target: String,
        attr: Option<String>,
    },
    /// A value only known at deploy time (`AWS::Region`, an import, a variable without value).
    Unknown(String),
}

impl Str {
    pub fn lit(s: impl Into<String>) -> Str {
        Str(vec![Part::Lit(s.into())])
    }

    pub fn reference(target: impl Into<String>, attr: Option<String>) -> Str {
        Str(vec![Part::Ref {
            target: target.into(),
            attr,
        }])
    }

    /// The text when the string has no symbolic parts.
    pub fn as_lit(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Part::Lit(s)] => Some(s),
            [] => Some(""),
            _ => None,
        }
    }

    /// The single reference this string is made of, if it is one.
    pub fn as_ref_part(&self) -> Option<(&str, Option<&str>)> {
        match self.0.as_slice() {
            [Part::Ref { target, attr }] => Some((target, attr.as_deref())),
            _ => None,
        }
    }

    /// Whether any part refers to the resource `id`.
    pub fn refers_to(&self, id: &str) -> bool {
        self.0
            .iter()
            .any(|p| matches!(p, Part::Ref { target, .. } if target == id))
    }

    /// Readable form, with symbolic parts as `${…}`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for p in &self.0 {
            match p {
                Part::Lit(t) => s.push_str(t),
                Part::Ref { target, attr } => {
                    s.push_str("${");
                    s.push_str(target);
                    if let Some(a) = attr {
                        s.push('.');
                        s.push_str(a);
                    }
                    s.push('}');
                }
                Part::Unknown(what) => {
                    s.push_str("${");
                    s.push_str(what);
                    s.push('}');
                }
            }
        }
        s
    }

    /// Append parts, merging adjacent literals.
    pub fn push(&mut self, part: Part) {
        if let (Some(Part::Lit(prev)), Part::Lit(next)) = (self.0.last_mut(), &part) {
            prev.push_str(next);
            return;
        }
        if matches!(&part, Part::Lit(t) if t.is_empty()) {
            return;
        }
        self.0.push(part);
    }

    pub fn extend(&mut self, other: Str) {
        for p in other.0 {
            self.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp(a: usize) -> Span {
        Span::new(FileId(0), a, a + 1)
    }

    #[test]
    fn check_prop_fails_on_any_branch_and_never_on_unknown() {
        let off = |v: Option<&bool>| v != Some(&true);
        assert_eq!(check_prop::<bool>(None, off), Some(Failure::Missing));
        assert_eq!(check_prop(Some(&Prop::known(sp(1), true)), off), None);
        assert_eq!(
            check_prop(Some(&Prop::known(sp(1), false)), off),
            Some(Failure::At(sp(1)))
        );
        assert_eq!(
            check_prop(Some(&Prop::<bool>::unknown(sp(1), "x")), off),
            None
        );
        let either = Prop {
            span: sp(1),
            val: Val::OneOf(vec![
                Branch {
                    span: sp(2),
                    value: Some(Val::Known(true)),
                },
                Branch {
                    span: sp(3),
                    value: None,
                },
            ]),
        };
        assert_eq!(check_prop(Some(&either), off), Some(Failure::At(sp(3))));
    }

    #[test]
    fn str_merges_literals_and_renders_refs() {
        let mut s = Str::lit("arn:");
        s.push(Part::Lit("aws".into()));
        s.push(Part::Ref {
            target: "T".into(),
            attr: Some("Arn".into()),
        });
        assert_eq!(s.0.len(), 2);
        assert_eq!(s.render(), "arn:aws${T.Arn}");
        assert!(s.refers_to("T"));
        assert_eq!(Str::lit("x").as_lit(), Some("x"));
    }
}
