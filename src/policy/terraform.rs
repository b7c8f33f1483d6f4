//! A Terraform root module as a plan-shaped document: its evaluated resource instances in
//! the shape of `terraform show -json` `resource_changes[*]`, so rules written for plan files
//! run on HCL unchanged, and the way back from a failing path to the `.tf` file.
//!
//! Each instance is `{address, mode, type, name, index?, module_address?, change: {actions:
//! ["create"], before: null, after, after_unknown}}`. `after` holds the known values, nested
//! blocks as lists of objects; a value not known before apply (a reference to another
//! resource's attribute, a variable without value, a conditional on an unknown) is left out
//! of `after` and is `true` at its path in `after_unknown`, nested the way Terraform nests it
//! (objects keep only what holds an unknown, lists keep one entry per element). Attributes
//! left unset are absent: a plan would show the provider's defaults there.

use super::document::{Document, Locator, Place};
use crate::model::Scope;
use crate::model::terraform::Evaluated;
use crate::model::terraform::eval::RBody;
use crate::model::terraform::value::{Sv, V};
use crate::source::Span;
use serde_json::{Map, Value};

/// Deepest value read into the document; anything deeper is unknown.
const MAX_DEPTH: usize = 64;

/// Where each value of the document was written.
pub struct PlanSpans {
    resources: Vec<(String, Span, SpanTree)>,
}

/// A value's span and its children's, by key (attribute name or list position).
#[derive(Debug, Default)]
struct SpanTree {
    span: Option<Span>,
    children: Vec<(String, SpanTree)>,
}

impl SpanTree {
    fn leaf(span: Span) -> SpanTree {
        SpanTree {
            span: Some(span),
            children: Vec::new(),
        }
    }

    fn child(&self, key: &str) -> Option<&SpanTree> {
        self.children.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }
}

/// The plan-shaped document of a Terraform scope, when the scope kept its evaluated
/// resources (policies are loaded) and has any.
pub fn document(scope: &Scope) -> Option<Document> {
    let evaluated = &scope.terraform_evaluated;
    if evaluated.is_empty() {
        return None;
    }
    let mut changes = Vec::with_capacity(evaluated.len());
    let mut spans = PlanSpans {
        resources: Vec::with_capacity(evaluated.len()),
    };
    for e in evaluated {
        let (change, tree) = resource_change(e);
        changes.push(change);
        spans.resources.push((e.address.clone(), e.header, tree));
    }
    let mut root = Map::new();
    root.insert("format_version".into(), "1.2".into());
    root.insert("resource_changes".into(), Value::Array(changes));
    Some(Document {
        name: format!("{} (plan)", scope.name),
        json: Value::Object(root).to_string().into(),
        file: evaluated[0].header.file,
        locator: Locator::Hcl(spans),
    })
}

fn resource_change(e: &Evaluated) -> (Value, SpanTree) {
    let (after, unknown, tree) = body(&e.body, e.header, 0);
    let mut change = Map::new();
    change.insert("actions".into(), Value::Array(vec!["create".into()]));
    change.insert("before".into(), Value::Null);
    change.insert("after".into(), Value::Object(after));
    change.insert("after_unknown".into(), Value::Object(unknown));
    let mut o = Map::new();
    o.insert("address".into(), e.address.clone().into());
    if let Some(m) = &e.module_address {
        o.insert("module_address".into(), m.clone().into());
    }
    o.insert("mode".into(), "managed".into());
    o.insert("type".into(), e.rtype.clone().into());
    o.insert("name".into(), e.name.clone().into());
    if let Some(i) = &e.index {
        o.insert("index".into(), i.clone());
    }
    o.insert("change".into(), Value::Object(change));
    (Value::Object(o), tree)
}

/// A block body: its known values, its `after_unknown` object and its spans.
fn body(b: &RBody, span: Span, depth: usize) -> (Map<String, Value>, Map<String, Value>, SpanTree) {
    let mut after = Map::new();
    let mut unknown = Map::new();
    let mut tree = SpanTree::leaf(span);
    for (k, a) in &b.attrs {
        let (v, u, t) = value(&a.value, depth + 1);
        if let Some(v) = v {
            after.insert(k.clone(), v);
        }
        if u != Value::Bool(false) {
            unknown.insert(k.clone(), u);
        }
        tree.children.push((k.clone(), t));
    }
    // Nested blocks: one list per block type, in the order written.
    let mut idents: Vec<&str> = Vec::new();
    for blk in &b.blocks {
        if !idents.contains(&blk.ident.as_str()) {
            idents.push(&blk.ident);
        }
    }
    for ident in idents {
        if after.contains_key(ident) {
            // An attribute of that name already (not valid Terraform): the attribute wins.
            continue;
        }
        let mut items = Vec::new();
        let mut unknowns = Vec::new();
        let mut list = SpanTree::default();
        for (i, blk) in b.blocks.iter().filter(|x| x.ident == ident).enumerate() {
            let (a, u, mut t) = body(&blk.body, blk.header, depth + 1);
            t.span = Some(blk.header);
            if list.span.is_none() {
                list.span = Some(blk.header);
            }
            items.push(Value::Object(a));
            unknowns.push(Value::Object(u));
            list.children.push((i.to_string(), t));
        }
        after.insert(ident.to_string(), Value::Array(items));
        unknown.insert(ident.to_string(), Value::Array(unknowns));
        tree.children.push((ident.to_string(), list));
    }
    (after, unknown, tree)
}

/// A value: known (`Some`) or not, its `after_unknown` (`false` for a known scalar, `true`
/// for an unknown, the nested shape for a collection) and its spans.
fn value(sv: &Sv, depth: usize) -> (Option<Value>, Value, SpanTree) {
    let unknown = |sv: &Sv| (None, Value::Bool(true), SpanTree::leaf(sv.span));
    if depth > MAX_DEPTH {
        return unknown(sv);
    }
    match &sv.v {
        V::Null => (
            Some(Value::Null),
            Value::Bool(false),
            SpanTree::leaf(sv.span),
        ),
        V::Bool(b) => (
            Some(Value::Bool(*b)),
            Value::Bool(false),
            SpanTree::leaf(sv.span),
        ),
        V::Num(n) => match number(*n) {
            Some(v) => (Some(v), Value::Bool(false), SpanTree::leaf(sv.span)),
            None => unknown(sv),
        },
        V::Str(_) | V::Json(_) => match text(sv, depth) {
            Some(s) => (
                Some(Value::String(s)),
                Value::Bool(false),
                SpanTree::leaf(sv.span),
            ),
            None => unknown(sv),
        },
        V::List(items) => {
            let mut after = Vec::with_capacity(items.len());
            let mut unknowns = Vec::with_capacity(items.len());
            let mut tree = SpanTree::leaf(sv.span);
            for (i, item) in items.iter().enumerate() {
                let (v, u, t) = value(item, depth + 1);
                // Terraform keeps a list's length: an unknown element is null in `after`.
                after.push(v.unwrap_or(Value::Null));
                unknowns.push(u);
                tree.children.push((i.to_string(), t));
            }
            (Some(Value::Array(after)), Value::Array(unknowns), tree)
        }
        V::Obj(m) => {
            let mut after = Map::new();
            let mut unknowns = Map::new();
            let mut tree = SpanTree::leaf(sv.span);
            for (k, item) in m {
                let (v, u, t) = value(item, depth + 1);
                if let Some(v) = v {
                    after.insert(k.clone(), v);
                }
                if u != Value::Bool(false) {
                    unknowns.insert(k.clone(), u);
                }
                tree.children.push((k.clone(), t));
            }
            (Some(Value::Object(after)), Value::Object(unknowns), tree)
        }
        V::Unknown(_) | V::OneOf(_) | V::Res(_) => unknown(sv),
    }
}

/// A number as Terraform writes it in JSON: whole numbers without a fraction.
fn number(n: f64) -> Option<Value> {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Some(Value::Number((n as i64).into()))
    } else {
        serde_json::Number::from_f64(n).map(Value::Number)
    }
}

/// A string's text when fully known; a `jsonencode(…)` value as its JSON text.
fn text(sv: &Sv, depth: usize) -> Option<String> {
    match &sv.v {
        V::Str(s) => {
            let mut out = String::new();
            for part in &s.0 {
                match part {
                    crate::model::Part::Lit(t) => out.push_str(t),
                    _ => return None,
                }
            }
            Some(out)
        }
        V::Json(inner) => known_json(inner, depth + 1).map(|v| v.to_string()),
        _ => None,
    }
}

/// A fully known value as JSON (for `jsonencode`); `None` when any part is unknown.
fn known_json(sv: &Sv, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match &sv.v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Num(n) => number(*n)?,
        V::Str(_) | V::Json(_) => Value::String(text(sv, depth)?),
        V::List(items) => Value::Array(
            items
                .iter()
                .map(|i| known_json(i, depth + 1))
                .collect::<Option<_>>()?,
        ),
        V::Obj(m) => Value::Object(
            m.iter()
                .map(|(k, v)| Some((k.clone(), known_json(v, depth + 1)?)))
                .collect::<Option<_>>()?,
        ),
        V::Unknown(_) | V::OneOf(_) | V::Res(_) => return None,
    })
}

impl PlanSpans {
    /// Map a failing path (`/resource_changes/0/change/after/point_in_time_recovery/0/enabled`)
    /// to the value in the `.tf` file; the resource's header when it is missing, unknown, or
    /// outside `after`.
    pub fn place(&self, scope: &Scope, path: &str, missing: bool) -> Option<Place> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let i: usize = match segments.as_slice() {
            ["resource_changes", i, ..] => i.parse().ok()?,
            _ => return None,
        };
        let (address, header, tree) = self.resources.get(i)?;
        let mut span = *header;
        if !missing
            && let ["resource_changes", _, "change", "after", rest @ ..] = segments.as_slice()
        {
            let mut node = tree;
            let mut complete = true;
            for seg in rest {
                match node.child(seg) {
                    Some(n) => node = n,
                    None => {
                        complete = false;
                        break;
                    }
                }
            }
            if complete && let Some(s) = node.span {
                span = s;
            }
        }
        let resource = scope.resource(address).map(|r| r.reference());
        Some(Place { span, resource })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp(a: usize) -> Span {
        Span::new(FileId(0), a, a + 1)
    }

    fn sv(v: V, a: usize) -> Sv {
        Sv::new(v, sp(a))
    }

    #[test]
    fn unknown_values_are_left_out_of_after_and_marked_as_terraform_marks_them() {
        let mut inner = std::collections::BTreeMap::new();
        inner.insert("known".to_string(), sv(V::Bool(true), 3));
        inner.insert("later".to_string(), sv(V::Unknown("x".into()), 4));
        let obj = sv(V::Obj(inner), 2);
        let list = sv(
            V::List(vec![
                sv(V::Num(1.0), 6),
                sv(V::Res("aws_kms_key.k".into()), 7),
            ]),
            5,
        );
        let (after, unknown, tree) = value(&obj, 0);
        assert_eq!(after.unwrap().to_string(), r#"{"known":true}"#);
        assert_eq!(unknown.to_string(), r#"{"later":true}"#);
        assert_eq!(tree.child("later").and_then(|t| t.span), Some(sp(4)));
        let (after, unknown, _) = value(&list, 0);
        assert_eq!(after.unwrap().to_string(), "[1,null]");
        assert_eq!(unknown.to_string(), "[false,true]");
        let (after, unknown, _) = value(&sv(V::Num(1.5), 0), 0);
        assert_eq!(
            (after.unwrap().to_string(), unknown),
            ("1.5".into(), Value::Bool(false))
        );
    }

    #[test]
    fn a_jsonencoded_value_is_its_json_text_when_known() {
        let mut m = std::collections::BTreeMap::new();
        m.insert("Version".to_string(), Sv::lit("2012-10-17", sp(1)));
        let json = sv(V::Json(std::sync::Arc::new(sv(V::Obj(m.clone()), 1))), 0);
        assert_eq!(
            value(&json, 0).0.unwrap(),
            Value::String(r#"{"Version":"2012-10-17"}"#.into())
        );
        m.insert(
            "Resource".to_string(),
            sv(V::Res("aws_dynamodb_table.t".into()), 2),
        );
        let json = sv(V::Json(std::sync::Arc::new(sv(V::Obj(m), 1))), 0);
        assert_eq!(value(&json, 0).1, Value::Bool(true));
    }
}
