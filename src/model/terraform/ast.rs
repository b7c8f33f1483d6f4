//! The syntax tree a module keeps: what evaluation reads of hcl-edit's tree, with spans.
//!
//! hcl-edit's tree keeps every comment, space and quote for re-printing: about 22 bytes
//! of memory per byte of source, and a scan holds the modules of every root at once. Each
//! file's tree is converted right after parsing and then dropped; this one holds
//! expressions in 40 bytes, spans as two `u32` offsets, and no decoration.

use super::value::{Sv, V};
use crate::source::{FileId, Span};
use hcl_edit::Span as _;
use hcl_edit::expr::{self as he, BinaryOperator};
use hcl_edit::structure as hs;
use hcl_edit::template as ht;
use std::collections::HashMap;
use std::ops::Range;

/// Deepest expression nesting kept; deeper parts become [`E::TooDeep`].
const MAX_DEPTH: usize = 256;

/// Byte offsets of a node in its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sp {
    pub start: u32,
    pub end: u32,
}

impl Sp {
    fn of(r: Option<Range<usize>>) -> Sp {
        let r = r.unwrap_or(0..0);
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Sp {
            start: clamp(r.start),
            end: clamp(r.end),
        }
    }

    pub fn at(self, f: FileId) -> Span {
        Span::new(f, self.start as usize, self.end as usize)
    }
}

#[derive(Debug)]
pub struct Expr {
    pub sp: Sp,
    pub e: E,
}

impl Expr {
    pub fn span(&self, f: FileId) -> Span {
        self.sp.at(f)
    }

    /// The text of a literal string expression.
    pub fn as_str(&self) -> Option<&str> {
        match &self.e {
            E::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The name of a bare variable expression.
    pub fn as_var(&self) -> Option<&str> {
        match &self.e {
            E::Var(v) => Some(v),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub enum E {
    Null,
    Bool(bool),
    Num(f64),
    Str(Box<str>),
    Array(Vec<Expr>),
    Object(Vec<(Key, Expr)>),
    /// A string or heredoc template.
    Template(Vec<Elem>),
    Paren(Box<Expr>),
    Var(Box<str>),
    /// `cond ? a : b`.
    Cond(Box<[Expr; 3]>),
    Call(Box<Call>),
    Traversal(Box<Expr>, Box<[Op]>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinaryOperator, Box<[Expr; 2]>),
    For(Box<For>),
    /// An expression nested deeper than this tree keeps.
    TooDeep,
    /// An expression that could not be read (a `.tf.json` template that does not parse).
    Error(Box<str>),
}

#[derive(Debug)]
pub enum Key {
    Ident(Box<str>),
    Expr(Expr),
}

#[derive(Debug)]
pub struct Call {
    pub name: Box<str>,
    /// The first namespace (`provider` in `provider::aws::arn_parse`).
    pub namespace: Option<Box<str>>,
    pub args: Vec<Expr>,
    /// `f(list...)`: the last argument is expanded.
    pub expand_final: bool,
}

#[derive(Debug)]
pub struct Op {
    pub sp: Sp,
    pub op: OpKind,
}

#[derive(Debug)]
pub enum OpKind {
    Attr(Box<str>),
    Index(Expr),
    LegacyIndex(u64),
    /// `[*]` or `.*`.
    Splat,
}

#[derive(Debug)]
pub enum Elem {
    Lit(Box<str>),
    Interp(Expr),
    If {
        cond: Expr,
        then: Vec<Elem>,
        otherwise: Option<Vec<Elem>>,
    },
    /// `%{ for k, v in coll }…%{ endfor }`.
    For(Box<TemplateFor>),
    /// A directive nested deeper than this tree keeps.
    Unread,
}

#[derive(Debug)]
pub struct TemplateFor {
    pub key_var: Option<Box<str>>,
    pub value_var: Box<str>,
    pub collection: Expr,
    pub body: Vec<Elem>,
}

#[derive(Debug)]
pub struct For {
    pub key_var: Option<Box<str>>,
    pub value_var: Box<str>,
    pub collection: Expr,
    pub key: Option<Expr>,
    pub value: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

/// `key = value`.
#[derive(Debug)]
pub struct Attr {
    pub key: Box<str>,
    /// The whole attribute.
    pub sp: Sp,
    pub value: Expr,
}

#[derive(Debug)]
pub struct Block {
    pub ident: Box<str>,
    pub labels: Vec<Box<str>>,
    /// The whole block.
    pub sp: Sp,
    /// From the identifier through the last label.
    pub header: Sp,
    pub body: Body,
}

impl Block {
    pub fn label(&self, i: usize) -> Option<&str> {
        self.labels.get(i).map(|l| &**l)
    }
}

/// Attributes and nested blocks, each in source order.
#[derive(Debug, Default)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attr(&self, key: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| &*a.key == key)
    }

    pub fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| &*b.ident == ident)
    }
}

/// Converts hcl-edit nodes. Object keys that parsing renamed to get past a repeated key
/// get their own name back (`aliases`: alias → key).
pub struct Convert<'a> {
    pub aliases: &'a HashMap<String, String>,
    /// The span every node gets, for an expression parsed out of a JSON string (its own
    /// offsets are relative to the string's unescaped text).
    pub fixed: Option<Sp>,
}

impl Convert<'_> {
    pub fn new(aliases: &HashMap<String, String>) -> Convert<'_> {
        Convert {
            aliases,
            fixed: None,
        }
    }

    fn sp(&self, r: Option<Range<usize>>) -> Sp {
        self.fixed.unwrap_or_else(|| Sp::of(r))
    }

    pub fn body(&self, b: &hs::Body) -> Body {
        let mut out = Body::default();
        for s in b.iter() {
            match s {
                hs::Structure::Attribute(a) => out.attrs.push(self.attr(a)),
                hs::Structure::Block(b) => out.blocks.push(self.block(b)),
            }
        }
        out.attrs.shrink_to_fit();
        out.blocks.shrink_to_fit();
        out
    }

    pub fn attr(&self, a: &hs::Attribute) -> Attr {
        Attr {
            key: a.key.as_str().into(),
            sp: self.sp(a.span()),
            value: self.expr(&a.value, 0),
        }
    }

    /// A block's identifier, labels and spans, with `body` as its body.
    pub fn block_with(&self, b: &hs::Block, body: Body) -> Block {
        let start = b.ident.span().or_else(|| b.span()).map_or(0, |r| r.start);
        let end = b
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| b.ident.span())
            .map_or(start, |r| r.end);
        Block {
            ident: b.ident.as_str().into(),
            labels: b.labels.iter().map(|l| l.as_str().into()).collect(),
            sp: self.sp(b.span()),
            header: self.sp(Some(start..end)),
            body,
        }
    }

    pub fn block(&self, b: &hs::Block) -> Block {
        self.block_with(b, self.body(&b.body))
    }

    fn key_name(&self, k: &str) -> Box<str> {
        self.aliases.get(k).map_or(k, String::as_str).into()
    }

    pub fn expr(&self, x: &he::Expression, depth: usize) -> Expr {
        let sp = self.sp(x.span());
        if depth > MAX_DEPTH {
            return Expr { sp, e: E::TooDeep };
        }
        let d = depth + 1;
        let e = match x {
            he::Expression::Null(_) => E::Null,
            he::Expression::Bool(b) => E::Bool(*b.value()),
            he::Expression::Number(n) => E::Num(n.value().as_f64().unwrap_or(0.0)),
            he::Expression::String(s) => E::Str(s.value().as_str().into()),
            he::Expression::Array(a) => E::Array(a.iter().map(|i| self.expr(i, d)).collect()),
            he::Expression::Object(o) => E::Object(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            he::ObjectKey::Ident(id) => Key::Ident(self.key_name(id.as_str())),
                            he::ObjectKey::Expression(ke) => match ke {
                                he::Expression::String(s) => {
                                    Key::Ident(self.key_name(s.value().as_str()))
                                }
                                _ => Key::Expr(self.expr(ke, d)),
                            },
                        };
                        (key, self.expr(v.expr(), d))
                    })
                    .collect(),
            ),
            // A template that is one interpolation is its value, not a string of it.
            he::Expression::StringTemplate(t) => match t.as_single_element() {
                Some(ht::Element::Interpolation(i)) => return self.expr(&i.expr, d),
                _ => E::Template(self.elements(t.iter(), d)),
            },
            he::Expression::HeredocTemplate(h) => E::Template(self.elements(h.template.iter(), d)),
            he::Expression::Parenthesis(p) => E::Paren(Box::new(self.expr(p.inner(), d))),
            he::Expression::Variable(v) => E::Var(v.as_str().into()),
            he::Expression::Conditional(c) => E::Cond(Box::new([
                self.expr(&c.cond_expr, d),
                self.expr(&c.true_expr, d),
                self.expr(&c.false_expr, d),
            ])),
            he::Expression::FuncCall(c) => E::Call(Box::new(Call {
                name: c.name.name.as_str().into(),
                namespace: c.name.namespace.first().map(|n| n.as_str().into()),
                args: c.args.iter().map(|a| self.expr(a, d)).collect(),
                expand_final: c.args.expand_final(),
            })),
            he::Expression::Traversal(t) => E::Traversal(
                Box::new(self.expr(&t.expr, d)),
                t.operators
                    .iter()
                    .map(|o| Op {
                        sp: self.sp(o.span()),
                        op: match o.value() {
                            he::TraversalOperator::GetAttr(a) => OpKind::Attr(a.as_str().into()),
                            he::TraversalOperator::Index(i) => OpKind::Index(self.expr(i, d)),
                            he::TraversalOperator::LegacyIndex(n) => {
                                OpKind::LegacyIndex(*n.value())
                            }
                            he::TraversalOperator::AttrSplat(_)
                            | he::TraversalOperator::FullSplat(_) => OpKind::Splat,
                        },
                    })
                    .collect(),
            ),
            he::Expression::UnaryOp(u) => {
                let inner = Box::new(self.expr(&u.expr, d));
                match u.operator.value() {
                    he::UnaryOperator::Not => E::Not(inner),
                    he::UnaryOperator::Neg => E::Neg(inner),
                }
            }
            he::Expression::BinaryOp(b) => E::Binary(
                *b.operator.value(),
                Box::new([self.expr(&b.lhs_expr, d), self.expr(&b.rhs_expr, d)]),
            ),
            he::Expression::ForExpr(f) => E::For(Box::new(For {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().into()),
                value_var: f.intro.value_var.as_str().into(),
                collection: self.expr(&f.intro.collection_expr, d),
                key: f.key_expr.as_ref().map(|k| self.expr(k, d)),
                value: self.expr(&f.value_expr, d),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr, d)),
                grouping: f.grouping,
            })),
        };
        Expr { sp, e }
    }

    /// A template's elements. Strip markers (`~`) are applied here: the literal next to
    /// a marked interpolation or directive loses its adjacent whitespace.
    pub fn elements<'t>(
        &self,
        els: impl Iterator<Item = &'t ht::Element>,
        depth: usize,
    ) -> Vec<Elem> {
        let d = depth + 1;
        // Each element with whether it strips the literal before it and the one after it.
        let marked: Vec<(Elem, bool, bool)> = els
            .map(|el| match el {
                ht::Element::Literal(l) => (Elem::Lit(l.value().as_str().into()), false, false),
                ht::Element::Interpolation(i) => (
                    Elem::Interp(self.expr(&i.expr, d)),
                    i.strip.strip_start(),
                    i.strip.strip_end(),
                ),
                ht::Element::Directive(dir) => match &**dir {
                    _ if d > MAX_DEPTH => (Elem::Unread, false, false),
                    ht::Directive::If(ifd) => {
                        let open = ifd.if_expr.strip;
                        let close = ifd.endif_expr.strip;
                        let then_end = match &ifd.else_expr {
                            Some(e) => e.strip.strip_start(),
                            None => close.strip_start(),
                        };
                        let then = self.inner(&ifd.if_expr.template, open.strip_end(), then_end, d);
                        let otherwise = ifd.else_expr.as_ref().map(|e| {
                            self.inner(&e.template, e.strip.strip_end(), close.strip_start(), d)
                        });
                        let cond = self.expr(&ifd.if_expr.cond_expr, d);
                        let elem = Elem::If {
                            cond,
                            then,
                            otherwise,
                        };
                        (elem, open.strip_start(), close.strip_end())
                    }
                    ht::Directive::For(fd) => {
                        let open = fd.for_expr.strip;
                        let close = fd.endfor_expr.strip;
                        let body = self.inner(
                            &fd.for_expr.template,
                            open.strip_end(),
                            close.strip_start(),
                            d,
                        );
                        let elem = Elem::For(Box::new(TemplateFor {
                            key_var: fd.for_expr.key_var.as_ref().map(|k| k.as_str().into()),
                            value_var: fd.for_expr.value_var.as_str().into(),
                            collection: self.expr(&fd.for_expr.collection_expr, d),
                            body,
                        }));
                        (elem, open.strip_start(), close.strip_end())
                    }
                },
            })
            .collect();
        let strips: Vec<(bool, bool)> = marked.iter().map(|(_, b, a)| (*b, *a)).collect();
        let mut out: Vec<Elem> = marked.into_iter().map(|(e, _, _)| e).collect();
        for (i, (before, after)) in strips.into_iter().enumerate() {
            if before && i > 0 {
                trim_lit(&mut out[i - 1], false, true);
            }
            if after && i + 1 < out.len() {
                trim_lit(&mut out[i + 1], true, false);
            }
        }
        out
    }

    /// The template inside a directive, its first and last literals trimmed as the
    /// directive's markers ask.
    fn inner(&self, t: &ht::Template, trim_first: bool, trim_last: bool, d: usize) -> Vec<Elem> {
        let mut els = self.elements(t.iter(), d);
        if trim_first && let Some(first) = els.first_mut() {
            trim_lit(first, true, false);
        }
        if trim_last && let Some(last) = els.last_mut() {
            trim_lit(last, false, true);
        }
        els
    }
}

/// Trim a literal element's whitespace at its start and/or end.
fn trim_lit(el: &mut Elem, start: bool, end: bool) {
    if let Elem::Lit(l) = el {
        let mut t: &str = l;
        if start {
            t = t.trim_start();
        }
        if end {
            t = t.trim_end();
        }
        *l = t.into();
    }
}

/// Parse one expression (a `--var` value; a variable's `type` in a `.tf.json` file, with
/// every node at `fixed`).
pub fn parse_expr(text: &str, fixed: Option<Sp>) -> Option<Expr> {
    let e = hcl_edit::parser::parse_expr(text).ok()?;
    let aliases = HashMap::new();
    Some(
        Convert {
            aliases: &aliases,
            fixed,
        }
        .expr(&e, 0),
    )
}

/// Converts values of Terraform's JSON syntax. Strings that are templates and do not parse
/// become [`E::Error`] and are listed in `errors`.
#[derive(Default)]
pub struct FromJson {
    pub errors: Vec<(Sp, String)>,
}

impl FromJson {
    /// A value as an expression. With `templates`, strings are templates (`"${var.x}"` is
    /// the variable's value itself); without, everything is literal (a variable's default).
    pub fn expr(&mut self, v: &Sv, templates: bool) -> Expr {
        self.expr_at(v, templates, 0)
    }

    fn expr_at(&mut self, v: &Sv, templates: bool, depth: usize) -> Expr {
        let sp = Sp {
            start: v.span.start,
            end: v.span.end,
        };
        if depth > MAX_DEPTH {
            return Expr { sp, e: E::TooDeep };
        }
        let d = depth + 1;
        let e = match &v.v {
            V::Null => E::Null,
            V::Bool(b) => E::Bool(*b),
            V::Num(n) => E::Num(*n),
            V::Str(s) => {
                let text = s.as_lit().unwrap_or_default();
                if !templates || !(text.contains("${") || text.contains("%{")) {
                    E::Str(text.into())
                } else {
                    let aliases = HashMap::new();
                    let cv = Convert {
                        aliases: &aliases,
                        fixed: Some(sp),
                    };
                    match hcl_edit::parser::parse_template(text) {
                        Ok(t) => match t.as_single_element() {
                            Some(ht::Element::Interpolation(i)) => return cv.expr(&i.expr, d),
                            _ => E::Template(cv.elements(t.iter(), d)),
                        },
                        Err(e) => {
                            let message = format!("template syntax error: {}", e.message());
                            self.errors.push((sp, message.clone()));
                            E::Error(message.into())
                        }
                    }
                }
            }
            V::List(items) => E::Array(
                items
                    .iter()
                    .map(|i| self.expr_at(i, templates, d))
                    .collect(),
            ),
            V::Obj(m) => E::Object(
                m.iter()
                    .map(|(k, i)| (Key::Ident(k.as_str().into()), self.expr_at(i, templates, d)))
                    .collect(),
            ),
            // JSON values hold nothing else.
            _ => E::Null,
        };
        Expr { sp, e }
    }

    /// A block: `body` is its object; `sp` and `header` its spans. Keys naming a nested
    /// block type hold an object, or a list of objects, each a block.
    pub fn block(
        &mut self,
        ident: &str,
        labels: &[&str],
        sp: Sp,
        header: Sp,
        body: &Sv,
        depth: usize,
    ) -> Block {
        let mut out = Body::default();
        let sp_of = |v: &Sv| Sp {
            start: v.span.start,
            end: v.span.end,
        };
        for (k, v) in body.as_obj().into_iter().flatten() {
            // `"dynamic": {"NAME": {"for_each": …, "content": {…}}}`: one dynamic block per
            // name, its content a block whose nested blocks are read as any other.
            if k == "dynamic" && depth < MAX_DEPTH {
                for (name, spec) in v.as_obj().into_iter().flatten() {
                    let Some(fields) = spec.as_obj() else {
                        continue;
                    };
                    let mut dynamic = Body::default();
                    for (field, value) in fields {
                        if field == "content" && value.as_obj().is_some() {
                            let csp = sp_of(value);
                            let content = self.block("content", &[], csp, csp, value, depth + 2);
                            dynamic.blocks.push(content);
                        } else if field == "iterator" {
                            // An iterator names a variable: written as a bare string.
                            let e = match value.as_text() {
                                Some(t) => E::Var(t.into()),
                                None => E::Null,
                            };
                            dynamic.attrs.push(Attr {
                                key: field.as_str().into(),
                                sp: sp_of(value),
                                value: Expr {
                                    sp: sp_of(value),
                                    e,
                                },
                            });
                        } else {
                            let value_expr = self.expr(value, true);
                            dynamic.attrs.push(Attr {
                                key: field.as_str().into(),
                                sp: sp_of(value),
                                value: value_expr,
                            });
                        }
                    }
                    out.blocks.push(Block {
                        ident: "dynamic".into(),
                        labels: vec![name.as_str().into()],
                        sp: sp_of(spec),
                        header: sp_of(spec),
                        body: dynamic,
                    });
                }
                continue;
            }
            if JSON_BLOCKS.contains(&k.as_str()) && depth < MAX_DEPTH {
                let items: Vec<&Sv> = match &v.v {
                    V::Obj(_) => vec![v],
                    V::List(l) => l.iter().filter(|i| i.as_obj().is_some()).collect(),
                    _ => Vec::new(),
                };
                for it in items {
                    let isp = Sp {
                        start: it.span.start,
                        end: it.span.end,
                    };
                    let block = self.block(k, &[], isp, isp, it, depth + 1);
                    out.blocks.push(block);
                }
                continue;
            }
            let value = self.expr(v, true);
            out.attrs.push(Attr {
                key: k.as_str().into(),
                sp: Sp {
                    start: v.span.start,
                    end: v.span.end,
                },
                value,
            });
        }
        Block {
            ident: ident.into(),
            labels: labels.iter().map(|l| (*l).into()).collect(),
            sp,
            header,
            body: out,
        }
    }
}

/// Nested block types of the resources and data sources read (Terraform's JSON syntax
/// writes a block as an object, or a list of objects, under its type name).
const JSON_BLOCKS: &[&str] = &[
    "attribute",
    "global_secondary_index",
    "local_secondary_index",
    "point_in_time_recovery",
    "server_side_encryption",
    "replica",
    "lifecycle",
    "ttl",
    "metric_query",
    "metric",
    "inline_policy",
    "statement",
    "condition",
    "principals",
    "not_principals",
    "timeouts",
    "import_table",
    "on_demand_throughput",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(text: &str) -> Body {
        let body = hcl_edit::parser::parse_body(text).unwrap();
        let aliases = HashMap::from([("_0".to_string(), "ab".to_string())]);
        Convert::new(&aliases).body(&body)
    }

    #[test]
    fn expressions_keep_their_spans() {
        let text = "resource \"t\" \"n\" {\n  x = var.a[0].b\n}\n";
        let b = conv(text);
        let block = &b.blocks[0];
        assert_eq!(block.label(1), Some("n"));
        assert_eq!(
            &text[block.header.start as usize..block.header.end as usize],
            "resource \"t\" \"n\""
        );
        let attr = block.body.attr("x").unwrap();
        let v = &attr.value;
        assert_eq!(&text[v.sp.start as usize..v.sp.end as usize], "var.a[0].b");
        let E::Traversal(root, ops) = &v.e else {
            panic!("{v:?}")
        };
        assert_eq!(root.as_var(), Some("var"));
        assert_eq!(ops.len(), 3);
        assert!(matches!(&ops[1].op, OpKind::Index(i) if matches!(i.e, E::Num(n) if n == 0.0)));
    }

    #[test]
    fn renamed_keys_get_their_name_back() {
        let b = conv("x = { _0 = 1, \"_0\" = 2, k = 3 }\n");
        let E::Object(items) = &b.attrs[0].value.e else {
            panic!()
        };
        let keys: Vec<&str> = items
            .iter()
            .filter_map(|(k, _)| match k {
                Key::Ident(s) => Some(&**s),
                Key::Expr(_) => None,
            })
            .collect();
        assert_eq!(keys, ["ab", "ab", "k"]);
    }

    #[test]
    fn deep_nesting_is_cut() {
        // hcl-edit's parser refuses nesting beyond 64 levels; the tree has its own bound.
        let e = hcl_edit::parser::parse_expr("[[[[[[1]]]]]]").unwrap();
        let aliases = HashMap::new();
        let top = Convert::new(&aliases).expr(&e, MAX_DEPTH - 2);
        let mut e = &top;
        let mut depth = 0;
        while let E::Array(items) = &e.e {
            e = &items[0];
            depth += 1;
        }
        assert!(matches!(e.e, E::TooDeep));
        assert_eq!(depth, 3);
    }

    #[test]
    fn lean_expressions() {
        assert_eq!(std::mem::size_of::<Expr>(), 40);
    }
}
