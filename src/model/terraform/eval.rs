//! Evaluation of a module instance: variables, locals, references, templates,
//! conditionals, `for` expressions, functions, `count`/`for_each`, `dynamic` blocks and
//! module calls. Values keep their spans; what cannot be known is [`V::Unknown`].

use super::ast::{Block, Body, E, Elem, Expr, Key, Op, OpKind};
use super::functions;
use super::parse::{Module, label};
use super::value::{Sv, V, VarHow, VarSet, push_into_str};
use crate::model::provenance::{Hop, ModuleCall, Provenance, Trace};
use crate::model::{Part, Problem, Str};
use crate::source::{FileId, Span};
use hcl_edit::expr::BinaryOperator;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

/// Most instances a `count`, `for_each`, `for` expression or `dynamic` block expands to.
pub const MAX_INSTANCES: usize = 10_000;
/// Most blocks `dynamic` blocks make for one root module (nested ones multiply).
pub const MAX_DYNAMIC_BLOCKS: usize = 100_000;
/// Most elements a `for` expression or `range()` builds.
pub const MAX_COLLECTION: usize = 200_000;
/// Deepest module nesting followed.
pub const MAX_MODULE_DEPTH: usize = 16;
/// Deepest expression nesting evaluated.
const MAX_EXPR_DEPTH: usize = 200;
/// Evaluation steps per root module.
const MAX_STEPS: u64 = 20_000_000;
/// Most a value built by evaluation may hold ([`Sv::weight`]: values plus bytes of text),
/// so that doubling locals (`a1 = "${a0}${a0}"`, `l1 = concat(l0, l0)`) end as unknowns
/// instead of exhausting memory.
pub const MAX_VALUE: usize = 1 << 20;
/// Bytes of values copied per evaluation step charged to the step budget.
const BYTES_PER_STEP: usize = 64;
/// Most bytes of values that references and `file()` may copy for one root module (real
/// modules copy well under 1 MB): a large value used by each of 10,000 `count` instances
/// is not copied 10,000 times.
pub const MAX_COPIED: usize = 64 << 20;

/// A prefix marking unknown reasons that are errors (for `try` and `can`).
pub const ERR: &str = "error: ";

/// State shared by every module instance of one root.
pub struct Shared<'l> {
    pub loader: &'l super::Loader<'l>,
    /// The root module's directory (for `.terraform/modules/modules.json`).
    pub root_dir: PathBuf,
    pub notes: RefCell<BTreeSet<String>>,
    pub problems: RefCell<Vec<Problem>>,
    pub files: RefCell<BTreeSet<FileId>>,
    pub calls_followed: Cell<usize>,
    pub instances: Cell<usize>,
    /// Blocks made by `dynamic` blocks so far (bounded by [`MAX_DYNAMIC_BLOCKS`]).
    dynamic_blocks: Cell<usize>,
    steps: Cell<u64>,
    /// How the values resources hold got there, and the module calls.
    pub provenance: RefCell<Provenance>,
    /// Bytes of values copied so far (bounded by [`MAX_COPIED`]).
    copied: Cell<usize>,
    /// Whether a value past a bound has been reported (once per root).
    past_bound: Cell<bool>,
}

impl<'l> Shared<'l> {
    pub fn new(loader: &'l super::Loader<'l>, root_dir: PathBuf) -> Shared<'l> {
        Shared {
            loader,
            root_dir,
            notes: RefCell::default(),
            problems: RefCell::default(),
            files: RefCell::default(),
            calls_followed: Cell::new(0),
            instances: Cell::new(0),
            dynamic_blocks: Cell::new(0),
            steps: Cell::new(0),
            provenance: RefCell::default(),
            copied: Cell::new(0),
            past_bound: Cell::new(false),
        }
    }

    /// Keep how the values of resource `addr` travelled.
    pub fn remember(&self, addr: &str, traces: Vec<(Span, Trace)>) {
        if traces.is_empty() {
            return;
        }
        let mut p = self.provenance.borrow_mut();
        for (span, t) in traces {
            match &t.unset {
                Some(name) => {
                    p.unset
                        .entry((addr.to_string(), name.to_string()))
                        .or_insert((span, t));
                }
                None => {
                    p.values.insert((addr.to_string(), span), t);
                }
            }
        }
    }

    /// Keep the `count`/`for_each` value at `span` that left resource `addr` (`module.m.
    /// aws_cloudwatch_metric_alarm.a`) without instances.
    pub fn gone(&self, addr: &str, span: Span, from: Arc<Hop>) {
        let mut parts = addr.rsplitn(3, '.');
        let (Some(_name), Some(rtype), prefix) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        if rtype == "module" || prefix.is_some_and(|p| p.ends_with("data") || p == "data") {
            return;
        }
        let prefix = prefix.map_or_else(String::new, |p| format!("{p}."));
        let trace = Trace {
            shown: from.chose.map(|b| b.to_string()),
            from,
            unset: None,
        };
        self.provenance
            .borrow_mut()
            .gone
            .entry((prefix, rtype.to_string()))
            .or_insert((span, trace));
    }

    /// Keep the `module` block (`name`, its header) that calls instance `child`.
    pub fn called(
        &self,
        child: &Inst,
        name: &str,
        header: Span,
        suppressions: Vec<crate::model::InlineSuppression>,
    ) {
        let files: Arc<[FileId]> = child.m.files.iter().map(|f| f.id).collect();
        self.provenance.borrow_mut().calls.insert(
            child.prefix.clone(),
            ModuleCall {
                name: name.to_string(),
                header,
                files,
                suppressions,
            },
        );
    }

    pub fn note(&self, n: impl Into<String>) {
        self.notes.borrow_mut().insert(n.into());
    }

    fn step(&self) -> bool {
        self.charge(1)
    }

    /// Spend `n` steps of the budget; false once it is spent.
    pub fn charge(&self, n: u64) -> bool {
        let before = self.steps.get();
        let s = before.saturating_add(n);
        self.steps.set(s);
        if before < MAX_STEPS && s >= MAX_STEPS {
            self.note("evaluation stopped after its step budget: later values are unknown");
        }
        s < MAX_STEPS
    }

    /// The unknown that stands for a value past [`MAX_VALUE`], written at `span`.
    pub fn too_large(&self, span: Span) -> Sv {
        self.past_bound(
            span,
            format!(
                "a value holding more than {MAX_VALUE} elements or bytes was not built: it is unknown"
            ),
        );
        Sv::unknown("value too large", span)
    }

    /// Count a copy of `bytes` of values made at `span`; false (the value stays unknown)
    /// once the root has copied more than [`MAX_COPIED`].
    pub fn copy(&self, bytes: usize, span: Span) -> bool {
        let copied = self.copied.get().saturating_add(bytes);
        self.copied.set(copied);
        if copied <= MAX_COPIED {
            return true;
        }
        self.past_bound(
            span,
            format!(
                "references copy more than {} MB of values in this module: this value and later copies are unknown",
                MAX_COPIED >> 20
            ),
        );
        false
    }

    /// A value past one of the bounds: noted, and the root's first one is a DDB001 there.
    fn past_bound(&self, span: Span, message: String) {
        if !self.past_bound.replace(true) {
            self.problems.borrow_mut().push(Problem {
                rule: "DDB001",
                span,
                message: message.clone(),
                help: Some(
                    "ddbguard stops here to keep its memory bounded: keep values this large out of the configuration"
                        .into(),
                ),
                resource: None,
            });
        }
        self.note(message);
    }
}

/// The name of a frame whose value is an object of variables (`templatefile`'s second
/// argument): each attribute is a variable.
const TEMPLATE_VARS: &str = "";

/// Variables bound by `count`, `each`, `for` and `dynamic` iterators.
pub struct Env<'a> {
    pub name: &'a str,
    pub value: Sv,
    pub parent: Option<&'a Env<'a>>,
}

impl Env<'_> {
    fn lookup(&self, name: &str) -> Option<&Sv> {
        let mut e = Some(self);
        while let Some(f) = e {
            if f.name == name {
                return Some(&f.value);
            }
            if f.name == TEMPLATE_VARS
                && let Some(v) = f.value.get(name)
            {
                return Some(v);
            }
            e = f.parent;
        }
        None
    }
}

/// A variable's value, and how the variable got it.
pub type VarValue = (Rc<Sv>, Arc<VarSet>);

/// A module call's instances (or why it is opaque).
pub enum Children<'l> {
    Opaque,
    /// `(instance key, instance)`; the key is `None` without `count`/`for_each`.
    Instances(Vec<(Option<Sv>, Rc<Inst<'l>>)>),
}

/// One instance of a module: its variables, with its locals and calls evaluated lazily.
pub struct Inst<'l> {
    pub m: Arc<Module>,
    /// Address prefix: `""` for the root, `module.a.` or `module.a["k"].` below it.
    pub prefix: String,
    /// Values given for variables (module inputs, or a root's tfvars and flags), not yet
    /// converted to the variables' types; a variable's value is made on first use.
    pub inputs: HashMap<String, Sv>,
    pub depth: usize,
    /// Module directories of the calling chain (cycle detection).
    pub chain: Vec<PathBuf>,
    /// Call names from the root (keys of `modules.json`).
    pub call_path: Vec<String>,
    pub sh: Rc<Shared<'l>>,
    locals: RefCell<HashMap<String, Option<Rc<Sv>>>>,
    /// Variable values made so far (`None`: declared without a value).
    vars: RefCell<HashMap<String, Option<VarValue>>>,
    /// The instances of each policy document evaluated so far, by name.
    documents: RefCell<HashMap<String, Rc<Vec<Document>>>>,
    children: RefCell<HashMap<String, Rc<Children<'l>>>>,
}

/// A resolved block body: attribute values and nested blocks (dynamic blocks expanded).
#[derive(Clone, Debug, Default)]
pub struct RBody {
    pub attrs: BTreeMap<String, RAttr>,
    pub blocks: Vec<RBlock>,
    /// `dynamic` blocks that made no block, by the blocks' name, with their `for_each`.
    pub(super) absent: Vec<(String, Sv)>,
    /// In a resource's body, where this body is (`""` for the resource's own, then
    /// `point_in_time_recovery.`): what an argument a variable leaves unset is called.
    pub(super) at: Option<String>,
}

#[derive(Clone, Debug)]
pub struct RAttr {
    pub value: Sv,
    /// The whole `key = value`.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RBlock {
    pub ident: String,
    pub span: Span,
    pub header: Span,
    pub body: RBody,
}

impl RBody {
    pub fn attr(&self, k: &str) -> Option<&Sv> {
        let v = &self.attrs.get(k)?.value;
        if v.is_null() {
            self.left_unset(k, v);
            return None;
        }
        Some(v)
    }

    pub fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a RBlock> + 'a {
        self.note_absent(ident);
        self.blocks.iter().filter(move |b| b.ident == ident)
    }

    pub fn block(&self, ident: &str) -> Option<&RBlock> {
        let found = self.blocks.iter().find(|b| b.ident == ident);
        if found.is_none() {
            self.note_absent(ident);
        }
        found
    }

    /// A `dynamic "ident"` block that made no block: how its `for_each` got its value.
    fn note_absent(&self, ident: &str) {
        if self.blocks.iter().any(|b| b.ident == ident) {
            return;
        }
        if let Some((_, for_each)) = self.absent.iter().find(|(i, _)| i == ident) {
            self.left_unset(ident, for_each);
        }
    }

    fn left_unset(&self, name: &str, v: &Sv) {
        if let Some(at) = &self.at {
            super::value::remember_unset(&format!("{at}{name}"), v);
        }
    }
}

fn key_text(k: &Sv) -> Option<String> {
    k.as_text()
}

/// The value `b` of a `&&` or `||` at `span`, which `side` decided: it comes from there.
fn decided_by(side: Sv, b: bool, span: Span) -> Sv {
    let mut out = side.arrive(span, None);
    out.v = V::Bool(b);
    out
}

/// The `[0]` / `["k"]` suffix of an instance key.
pub fn key_suffix(k: &Sv) -> String {
    match &k.v {
        V::Num(_) => format!("[{}]", k.as_text().unwrap_or_default()),
        _ => match k.as_text() {
            Some(t) => format!("[{}]", serde_json::Value::String(t)),
            None => "[?]".into(),
        },
    }
}

impl<'l> Inst<'l> {
    pub fn new(
        m: Arc<Module>,
        prefix: String,
        inputs: HashMap<String, Sv>,
        depth: usize,
        chain: Vec<PathBuf>,
        call_path: Vec<String>,
        sh: Rc<Shared<'l>>,
    ) -> Inst<'l> {
        {
            let mut files = sh.files.borrow_mut();
            for f in &m.files {
                files.insert(f.id);
            }
        }
        Inst {
            m,
            prefix,
            inputs,
            depth,
            chain,
            call_path,
            sh,
            locals: RefCell::default(),
            vars: RefCell::default(),
            documents: RefCell::default(),
            children: RefCell::default(),
        }
    }

    // ---------------------------------------------------------------- expressions

    pub fn eval(&self, e: &Expr, f: FileId, env: Option<&Env>, d: usize) -> Sv {
        let span = e.span(f);
        if d > MAX_EXPR_DEPTH {
            return Sv::unknown("expression nested too deeply", span);
        }
        if !self.sh.step() {
            return Sv::unknown("evaluation budget exceeded", span);
        }
        let d = d + 1;
        match &e.e {
            E::Null => Sv::new(V::Null, span),
            E::Bool(b) => Sv::new(V::Bool(*b), span),
            E::Num(n) => Sv::new(V::Num(*n), span),
            E::Str(s) => Sv::lit(&**s, span),
            E::TooDeep => Sv::unknown("expression nested too deeply", span),
            E::Error(why) => Sv::unknown(format!("{ERR}{why}"), span),
            E::Array(a) => {
                let mut tally = Tally::default();
                let mut items = Vec::with_capacity(a.len());
                for x in a {
                    let item = self.eval(x, f, env, d);
                    if !tally.add(&item, 0) {
                        return self.sh.too_large(span);
                    }
                    items.push(item);
                }
                Sv::new(V::List(items), span)
            }
            E::Object(o) => {
                let mut map = BTreeMap::new();
                let mut tally = Tally::default();
                for (k, v) in o {
                    let key = match k {
                        Key::Ident(id) => Some(id.to_string()),
                        Key::Expr(ke) => key_text(&self.eval(ke, f, env, d)),
                    };
                    let Some(key) = key else { continue };
                    let value = self.eval(v, f, env, d);
                    if !tally.add(&value, key.len()) {
                        return self.sh.too_large(span);
                    }
                    map.insert(key, value);
                }
                Sv::new(V::Obj(map), span)
            }
            E::Template(t) => self.template(t, f, env, d, span),
            E::Paren(p) => self.eval(p, f, env, d).respan(span),
            E::Var(v) => match env.and_then(|e| e.lookup(v)) {
                Some(val) => val.clone().arrive(span, None),
                None => Sv::unknown(format!("{ERR}unknown name {v}"), span),
            },
            E::Cond(c) => {
                let [cond_expr, true_expr, false_expr] = &**c;
                let cond = self.eval(cond_expr, f, env, d);
                match cond.as_bool() {
                    Some(b) => {
                        let mut v = self.eval(if b { true_expr } else { false_expr }, f, env, d);
                        // A literal chosen by a condition is set where the condition is.
                        if v.from.is_none() && cond.from.is_some() {
                            v.from = Some(Arc::new(Hop {
                                span: cond.span,
                                var: None,
                                chose: Some(b),
                                prev: cond.from,
                            }));
                        }
                        v
                    }
                    None if is_error(&cond) => cond.respan(span),
                    None => {
                        let t = self.eval(true_expr, f, env, d);
                        let e2 = self.eval(false_expr, f, env, d);
                        if t == e2 {
                            return t;
                        }
                        let mut branches = Vec::new();
                        for b in [t, e2] {
                            match b.v {
                                V::OneOf(inner) => branches.extend(inner),
                                _ => branches.push(b),
                            }
                        }
                        Sv::new(V::OneOf(branches), span)
                    }
                }
            }
            E::Call(call) => {
                let name = &*call.name;
                let ns = call.namespace.as_deref();
                if ns.is_some() && ns != Some("provider") {
                    return Sv::unknown(format!("function {name}() is not evaluated"), span);
                }
                match name {
                    "file" | "templatefile" => self.read_function(name, call, f, env, d, span),
                    "fileexists" => self.file_exists(call, f, env, d, span),
                    "try" => {
                        for a in call.args.iter() {
                            let v = self.eval(a, f, env, d);
                            if !is_error(&v) {
                                return v;
                            }
                        }
                        Sv::unknown(format!("{ERR}no argument of try() is valid"), span)
                    }
                    "can" => {
                        let Some(a) = call.args.first() else {
                            return Sv::unknown(format!("{ERR}can() needs an argument"), span);
                        };
                        let v = self.eval(a, f, env, d);
                        if is_error(&v) {
                            Sv::new(V::Bool(false), span)
                        } else if v.is_wholly_known() {
                            Sv::new(V::Bool(true), span)
                        } else {
                            Sv::unknown("can() of an unknown value", span)
                        }
                    }
                    _ => {
                        let mut args: Vec<Sv> =
                            call.args.iter().map(|a| self.eval(a, f, env, d)).collect();
                        if call.expand_final
                            && let Some(last) = args.pop()
                        {
                            match last.v {
                                V::List(items) => args.extend(items),
                                _ => {
                                    return Sv::unknown(
                                        format!("{name}(…) with an unknown expanded argument"),
                                        span,
                                    );
                                }
                            }
                        }
                        let v = functions::call(name, args, span);
                        if functions::is_too_large(&v) || v.weight(MAX_VALUE) > MAX_VALUE {
                            return self.sh.too_large(span);
                        }
                        v
                    }
                }
            }
            E::Traversal(root, ops) => self.traversal(root, ops, f, env, d, span),
            E::Not(x) => {
                let v = self.eval(x, f, env, d);
                match v.as_bool() {
                    Some(b) => Sv::new(V::Bool(!b), span),
                    None => unknown_from(&v, span),
                }
            }
            E::Neg(x) => {
                let v = self.eval(x, f, env, d);
                match v.as_num() {
                    Some(n) => Sv::new(V::Num(-n), span),
                    None => unknown_from(&v, span),
                }
            }
            E::Binary(op, sides) => {
                let [lhs, rhs] = &**sides;
                let op = *op;
                let l = self.eval(lhs, f, env, d);
                // Short-circuit on a known side: the side that decides is where the
                // value comes from (`var.create && var.enabled`, `enabled` false).
                match op {
                    BinaryOperator::And if l.as_bool() == Some(false) => {
                        return decided_by(l, false, span);
                    }
                    BinaryOperator::Or if l.as_bool() == Some(true) => {
                        return decided_by(l, true, span);
                    }
                    _ => {}
                }
                let r = self.eval(rhs, f, env, d);
                let decided = match op {
                    BinaryOperator::And => Some(false),
                    BinaryOperator::Or => Some(true),
                    _ => None,
                };
                if let Some(b) = decided
                    && r.as_bool() == Some(b)
                {
                    return decided_by(r, b, span);
                }
                binary(op, &l, &r, span)
            }
            E::For(fe) => {
                let coll = self.eval(&fe.collection, f, env, d);
                let pairs = match iteration_pairs(&coll) {
                    Some(p) => p,
                    None if coll.is_null() => {
                        return Sv::unknown(format!("{ERR}for expression over null"), span);
                    }
                    None => return unknown_from(&coll, span),
                };
                if pairs.len() > MAX_COLLECTION {
                    self.sh.note(format!(
                        "a for expression over {} elements was not evaluated (more than {MAX_COLLECTION})",
                        pairs.len()
                    ));
                    return Sv::unknown("for expression over too many elements", span);
                }
                let kname = fe.key_var.as_deref();
                let vname = &*fe.value_var;
                let mut list = Vec::new();
                let mut obj: BTreeMap<String, Sv> = BTreeMap::new();
                let mut groups: BTreeMap<String, Vec<Sv>> = BTreeMap::new();
                let mut tally = Tally::default();
                for (k, v) in pairs {
                    // Per element: skipped (None), or its key (with `=>`) and value.
                    let step = with_frames(env, kname, vname, k, v, |env2| {
                        if let Some(cond) = &fe.cond {
                            match self.eval(cond, f, env2, d).as_bool() {
                                Some(true) => {}
                                Some(false) => return Ok(None),
                                None => {
                                    return Err("for expression with an unknown condition");
                                }
                            }
                        }
                        let val = self.eval(&fe.value, f, env2, d);
                        match &fe.key {
                            Some(ke) => match self.eval(ke, f, env2, d).as_text() {
                                Some(key) => Ok(Some((Some(key), val))),
                                None => Err("for expression with an unknown key"),
                            },
                            None => Ok(Some((None, val))),
                        }
                    });
                    if let Ok(Some((key, val))) = &step
                        && !tally.add(val, key.as_ref().map_or(0, String::len))
                    {
                        return self.sh.too_large(span);
                    }
                    match step {
                        Err(why) => return Sv::unknown(why, span),
                        Ok(None) => {}
                        Ok(Some((Some(key), val))) if fe.grouping => {
                            groups.entry(key).or_default().push(val);
                        }
                        Ok(Some((Some(key), val))) => {
                            obj.insert(key, val);
                        }
                        Ok(Some((None, val))) => list.push(val),
                    }
                }
                if fe.key.is_some() {
                    if fe.grouping {
                        for (k, vs) in groups {
                            obj.insert(k, Sv::new(V::List(vs), span));
                        }
                    }
                    Sv::new(V::Obj(obj), span)
                } else {
                    Sv::new(V::List(list), span)
                }
            }
        }
    }

    /// `file(path)` and `templatefile(path, vars)`, looked for where [`Self::path_argument`]
    /// says. The file's text keeps its own spans. A file outside the checked tree is never
    /// opened: its value is unknown, with a note.
    fn read_function(
        &self,
        name: &str,
        call: &super::ast::Call,
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Sv {
        let (p, candidates) = match self.path_argument(name, call, f, env, d, span) {
            Ok(found) => found,
            Err(unknown) => return unknown,
        };
        let mut outside = false;
        let found = candidates
            .iter()
            .find_map(|c| match self.sh.loader.read_file(c) {
                Ok(read) => Some(read),
                Err(why) => {
                    outside |= why == super::Unreadable::Outside;
                    None
                }
            });
        let Some((id, text)) = found else {
            if outside {
                // Terraform would read it; ddbguard reads nothing outside the checked tree.
                self.sh.note(format!(
                    "{name}({p:?}): the file is outside the checked paths: not read, its value is unknown"
                ));
                return Sv::unknown(format!("{name}(): {p} is outside the checked paths"), span);
            }
            return Sv::unknown(format!("{ERR}{name}(): cannot read {p}"), span);
        };
        self.sh.files.borrow_mut().insert(id);
        let whole = Span::new(id, 0, text.len());
        if name == "file" {
            if !self.sh.copy(text.len(), span) {
                return Sv::unknown("value too large", span);
            }
            return Sv::lit(&*text, whole);
        }
        let vars = match call.args.get(1) {
            Some(a) => self.eval(a, f, env, d),
            None => Sv::new(V::Obj(BTreeMap::new()), span),
        };
        if vars.as_obj().is_none() {
            return unknown_from(&vars, span);
        }
        match self.sh.loader.template(id, &text) {
            Ok(elements) => {
                let frame = Env {
                    name: TEMPLATE_VARS,
                    value: vars,
                    parent: None,
                };
                // Located in the template when its text traces back to the template's
                // lines; otherwise (directives, values written in) at the call.
                let v = self.template(&elements, id, Some(&frame), d + 1, whole);
                match &v.v {
                    V::Str(s) if super::extract::traces_to(s, &text) => v,
                    _ => v.respan(span),
                }
            }
            Err((offset, message)) => {
                self.sh.problems.borrow_mut().push(Problem {
                    rule: "DDB001",
                    span: Span::new(id, offset, offset + 1),
                    message: format!("template syntax error: {message}"),
                    help: Some("fix the template at this location".into()),
                    resource: None,
                });
                Sv::unknown(format!("{ERR}{p} is not a valid template"), span)
            }
        }
    }

    /// The path a file function names (its first argument) and where to look for it: as
    /// given (`path.module` is relative to where ddbguard runs), then from the root module's
    /// directory (where Terraform runs). The unknown value when there is no path.
    fn path_argument(
        &self,
        name: &str,
        call: &super::ast::Call,
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Result<(String, Vec<PathBuf>), Sv> {
        let Some(arg) = call.args.first() else {
            return Err(Sv::unknown(format!("{ERR}{name}() needs a path"), span));
        };
        let path = self.eval(arg, f, env, d);
        let Some(p) = path.as_text() else {
            return Err(unknown_from(&path, span));
        };
        let given = PathBuf::from(&p);
        let mut candidates = vec![given.clone()];
        if given.is_relative() {
            candidates.push(self.sh.root_dir.join(&given));
        }
        Ok((p.to_string(), candidates))
    }

    /// `fileexists(path)`: known inside the checked tree (tried as [`Self::read_function`]
    /// tries), unknown with a note outside it, where nothing is looked at.
    fn file_exists(
        &self,
        call: &super::ast::Call,
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Sv {
        let (p, candidates) = match self.path_argument("fileexists", call, f, env, d, span) {
            Ok(found) => found,
            Err(unknown) => return unknown,
        };
        let answers: Vec<Option<bool>> = candidates
            .iter()
            .map(|c| self.sh.loader.file_exists(c))
            .collect();
        if answers.contains(&Some(true)) {
            return Sv::new(V::Bool(true), span);
        }
        if answers.contains(&None) {
            self.sh.note(format!(
                "fileexists({p:?}): the path is outside the checked paths: not looked at, its value is unknown"
            ));
            return Sv::unknown(
                format!("fileexists(): {p} is outside the checked paths"),
                span,
            );
        }
        Sv::new(V::Bool(false), span)
    }

    fn template(
        &self,
        elements: &[Elem],
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Sv {
        let mut out = Str::default();
        let mut size = 0;
        for el in elements {
            if let Some(err) = self.template_element(el, &mut out, &mut size, f, env, d) {
                if size > MAX_VALUE {
                    return self.sh.too_large(span);
                }
                return Sv::unknown(err, span);
            }
        }
        if size > MAX_VALUE {
            return self.sh.too_large(span);
        }
        Sv::new(V::Str(out), span)
    }

    fn template_element(
        &self,
        el: &Elem,
        out: &mut Str,
        size: &mut usize,
        f: FileId,
        env: Option<&Env>,
        d: usize,
    ) -> Option<String> {
        if *size > MAX_VALUE {
            return Some("value too large".into());
        }
        match el {
            Elem::Lit(l) => {
                *size += l.len();
                out.push(Part::Lit(l.to_string()));
            }
            Elem::Interp(i) => {
                let v = self.eval(i, f, env, d);
                *size = size.saturating_add(v.weight(MAX_VALUE));
                if is_error(&v)
                    && let V::Unknown(why) = v.v
                {
                    return Some(why);
                }
                if !push_into_str(out, &v) {
                    if v.is_null() {
                        return Some(format!("{ERR}null value in a string template"));
                    }
                    out.push(Part::Unknown(format!("{} in a string", v.type_name())));
                }
            }
            Elem::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.eval(cond, f, env, d);
                let chosen: Option<&Vec<Elem>> = match c.as_bool() {
                    Some(true) => Some(then),
                    Some(false) => otherwise.as_ref(),
                    None => {
                        out.push(Part::Unknown("template if directive".into()));
                        return None;
                    }
                };
                for e in chosen.into_iter().flatten() {
                    if let Some(err) = self.template_element(e, out, size, f, env, d + 1) {
                        return Some(err);
                    }
                }
            }
            Elem::For(tf) => {
                let coll = self.eval(&tf.collection, f, env, d);
                let Some(pairs) = iteration_pairs(&coll).filter(|p| p.len() <= MAX_COLLECTION)
                else {
                    if is_error(&coll) {
                        return Some(reason(&coll));
                    }
                    out.push(Part::Unknown("template for directive".into()));
                    return None;
                };
                for (k, v) in pairs {
                    let (key_var, value_var) = (tf.key_var.as_deref(), &*tf.value_var);
                    let err = with_frames(env, key_var, value_var, k, v, |inner| {
                        tf.body
                            .iter()
                            .find_map(|e| self.template_element(e, out, size, f, inner, d + 1))
                    });
                    if err.is_some() {
                        return err;
                    }
                }
            }
            Elem::Unread => out.push(Part::Unknown("template directive nested too deeply".into())),
        }
        None
    }

    fn traversal(
        &self,
        root: &Expr,
        ops: &[Op],
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Sv {
        if let E::Var(name) = &root.e {
            return match env.and_then(|e| e.lookup(name)) {
                None => self.reference(name, ops, f, env, d, span),
                Some(bound) => self
                    .apply_borrowed(bound, ops, f, env, d, span)
                    .arrive(span, None),
            };
        }
        let base = self.eval(root, f, env, d);
        self.apply_ops(base, ops, f, env, d).respan(span)
    }

    fn attr_name(op: Option<&Op>) -> Option<&str> {
        match op.map(|o| &o.op) {
            Some(OpKind::Attr(a)) => Some(a),
            _ => None,
        }
    }

    /// A reference rooted at a name that is not a local binding: `var.x`, `local.x`,
    /// `module.m.out`, `data.t.n.attr`, `aws_x.y.attr`, `path.module`, …
    fn reference(
        &self,
        name: &str,
        ops: &[Op],
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Sv {
        let first = Self::attr_name(ops.first());
        let rest = ops.get(1..).unwrap_or(&[]);
        let text = || {
            let mut s = name.to_string();
            for op in ops.iter().take(3) {
                if let OpKind::Attr(a) = &op.op {
                    s.push('.');
                    s.push_str(a);
                }
            }
            s
        };
        match name {
            "var" => {
                let Some(var) = first else {
                    return Sv::unknown("var used without a name", span);
                };
                let base = match self.var(var, d) {
                    Some((v, set)) => {
                        return self
                            .apply_borrowed(&v, rest, f, env, d, span)
                            .arrive(span, Some(&set));
                    }
                    None => {
                        if self.m.has_variable(var) {
                            Sv::unknown(format!("var.{var} has no value"), span)
                        } else {
                            Sv::unknown(format!("{ERR}undeclared variable var.{var}"), span)
                        }
                    }
                };
                self.apply_ops(base, rest, f, env, d).respan(span)
            }
            "local" => {
                let Some(l) = first else {
                    return Sv::unknown("local used without a name", span);
                };
                let base = self.local(l, d);
                self.apply_borrowed(&base, rest, f, env, d, span)
                    .arrive(span, None)
            }
            "path" => {
                let dir = crate::source::display_path(&self.m.dir);
                let v = match first {
                    Some("module") => Sv::lit(dir, span),
                    Some("root") => Sv::lit(crate::source::display_path(&self.sh.root_dir), span),
                    Some("cwd") => Sv::lit(".", span),
                    _ => Sv::unknown(text(), span),
                };
                self.apply_ops(v, rest, f, env, d)
            }
            "terraform" => match first {
                Some("workspace") => Sv::lit("default", span),
                _ => Sv::unknown(text(), span),
            },
            "self" | "count" | "each" => {
                Sv::unknown(format!("{} is not available here", text()), span)
            }
            "data" => {
                let (Some(t), Some(n)) = (first, Self::attr_name(ops.get(1))) else {
                    return Sv::unknown(text(), span);
                };
                let rest = ops.get(2..).unwrap_or(&[]);
                if t == "aws_iam_policy_document" {
                    return self.document_ref(n, rest, f, env, d, span);
                }
                // An index (count/for_each instance) is skipped: instances share the shape.
                let rest = match rest.first().map(|o| &o.op) {
                    Some(OpKind::Index(_) | OpKind::LegacyIndex(_)) => rest.get(1..).unwrap_or(&[]),
                    _ => rest,
                };
                let base = self.data_source(t, n, span);
                self.apply_ops(base, rest, f, env, d).respan(span)
            }
            "module" => {
                let Some(call) = first else {
                    return Sv::unknown(text(), span);
                };
                let children = self.children(call);
                let (inst, rest) = match &*children {
                    Children::Opaque => {
                        return Sv::unknown(format!("module.{call} is not followed"), span);
                    }
                    Children::Instances(list) => match rest.first().map(|o| &o.op) {
                        Some(OpKind::Index(ie)) => {
                            let k = self.eval(ie, f, env, d);
                            let found = list.iter().find(|(key, _)| {
                                key.as_ref().and_then(|k| k.as_text()) == k.as_text()
                                    && k.as_text().is_some()
                            });
                            match found {
                                Some((_, i)) => (i.clone(), rest.get(1..).unwrap_or(&[])),
                                None => {
                                    return Sv::unknown(format!("module.{call}[…]"), span);
                                }
                            }
                        }
                        Some(OpKind::LegacyIndex(n)) => match list.get(*n as usize) {
                            Some((_, i)) => (i.clone(), rest.get(1..).unwrap_or(&[])),
                            None => return Sv::unknown(format!("module.{call}[…]"), span),
                        },
                        _ => match list.as_slice() {
                            [(None, i)] => (i.clone(), rest),
                            _ => {
                                return Sv::unknown(
                                    format!("module.{call} has several instances"),
                                    span,
                                );
                            }
                        },
                    },
                };
                let Some(out) = Self::attr_name(rest.first()) else {
                    return Sv::unknown(format!("module.{call}"), span);
                };
                let v = inst.output(out, d);
                self.apply_ops(v, rest.get(1..).unwrap_or(&[]), f, env, d)
                    .respan(span)
            }
            _ => {
                let Some(rname) = first else {
                    return Sv::unknown(format!("{ERR}unknown name {name}"), span);
                };
                if !self.m.has_resource(name, rname) {
                    return Sv::unknown(
                        format!("{ERR}reference to undeclared resource {name}.{rname}"),
                        span,
                    );
                }
                let mut addr = format!("{}{name}.{rname}", self.prefix);
                let mut rest = rest;
                match rest.first().map(|o| &o.op) {
                    Some(OpKind::Index(ie)) => {
                        let k = self.eval(ie, f, env, d);
                        if k.as_text().is_some() {
                            addr.push_str(&key_suffix(&k));
                        }
                        rest = rest.get(1..).unwrap_or(&[]);
                    }
                    Some(OpKind::LegacyIndex(n)) => {
                        addr.push_str(&format!("[{n}]"));
                        rest = rest.get(1..).unwrap_or(&[]);
                    }
                    Some(OpKind::Splat) => {
                        let attr = Self::attr_name(rest.get(1)).map(str::to_string);
                        let item = Sv::new(V::Str(Str::reference(addr, attr)), span);
                        return Sv::new(V::List(vec![item]), span);
                    }
                    _ => {}
                }
                match Self::attr_name(rest.first()) {
                    Some(attr) if rest.len() == 1 => {
                        Sv::new(V::Str(Str::reference(addr, Some(attr.to_string()))), span)
                    }
                    Some(attr) => Sv::unknown(format!("{addr}.{attr}…"), span),
                    None if rest.is_empty() => Sv::new(V::Res(addr), span),
                    None => Sv::unknown(format!("{addr}[…]"), span),
                }
            }
        }
    }

    fn apply_ops(&self, mut v: Sv, ops: &[Op], f: FileId, env: Option<&Env>, d: usize) -> Sv {
        for (i, op) in ops.iter().enumerate() {
            let opspan = op.sp.at(f);
            if matches!(v.v, V::Unknown(_)) {
                return v;
            }
            v = match &op.op {
                OpKind::Attr(a) => match &v.v {
                    V::Obj(m) => match m.get(&**a) {
                        Some(x) => x.clone(),
                        None => Sv::unknown(format!("{ERR}object has no attribute {a}"), opspan),
                    },
                    V::Null => Sv::unknown(format!("{ERR}attribute of null"), opspan),
                    V::Res(addr) => Sv::new(
                        V::Str(Str::reference(addr.clone(), Some(a.to_string()))),
                        v.span,
                    ),
                    V::OneOf(_) => Sv::unknown("attribute of a conditional value", v.span),
                    _ => Sv::unknown(
                        format!("{ERR}{} has no attribute {a}", v.type_name()),
                        opspan,
                    ),
                },
                OpKind::Index(ie) => {
                    let k = self.eval(ie, f, env, d + 1);
                    index(&v, &k, opspan)
                }
                OpKind::LegacyIndex(n) => {
                    let k = Sv::new(V::Num(*n as f64), opspan);
                    index(&v, &k, opspan)
                }
                OpKind::Splat => {
                    let rest = ops.get(i + 1..).unwrap_or(&[]);
                    let items = match &v.v {
                        V::List(items) => items.clone(),
                        V::Null => Vec::new(),
                        V::OneOf(_) => return Sv::unknown("splat of a conditional value", v.span),
                        _ => vec![v.clone()],
                    };
                    let out = items
                        .into_iter()
                        .map(|it| self.apply_ops(it, rest, f, env, d))
                        .collect();
                    return Sv::new(V::List(out), v.span);
                }
            };
        }
        v
    }

    /// The value of variable `name`: its input, else its default, converted to its type,
    /// with how it got it; `None` when it is declared without a value, or not declared.
    pub fn var(&self, name: &str, d: usize) -> Option<VarValue> {
        if let Some(known) = self.vars.borrow().get(name) {
            return known.clone();
        }
        // A default that refers to its own variable (Terraform rejects it) ends here.
        let set = |how| {
            Arc::new(VarSet {
                name: name.into(),
                how,
            })
        };
        self.vars.borrow_mut().insert(
            name.to_string(),
            Some((
                Rc::new(Sv::unknown(
                    format!("{ERR}var.{name} refers to itself"),
                    Span::default(),
                )),
                set(VarHow::Default),
            )),
        );
        let given = self.inputs.get(name).filter(|v| !v.is_null()).cloned();
        let mut how = if self.prefix.is_empty() {
            VarHow::Given
        } else {
            VarHow::Input
        };
        let value = if let Some(decl) = self.m.variables.get(name) {
            let value = given.or_else(|| {
                let def = decl.block.body.attr("default")?;
                how = VarHow::Default;
                Some(self.eval(&def.value, decl.file, None, d + 1))
            });
            match (value, decl.block.body.attr("type")) {
                (Some(v), Some(ty)) => Some(super::convert(v, &ty.value, self, decl.file, 0)),
                (v, _) => v,
            }
        } else {
            None
        };
        let value = value.map(|v| (Rc::new(v), set(how)));
        self.vars
            .borrow_mut()
            .insert(name.to_string(), value.clone());
        value
    }

    fn local(&self, name: &str, d: usize) -> Rc<Sv> {
        if let Some(entry) = self.locals.borrow().get(name) {
            return match entry {
                Some(v) => v.clone(),
                None => Rc::new(Sv::unknown(
                    format!("{ERR}local.{name} refers to itself"),
                    Span::default(),
                )),
            };
        }
        let Some(named) = self.m.locals.get(name) else {
            return Rc::new(Sv::unknown(
                format!("{ERR}undeclared local.{name}"),
                Span::default(),
            ));
        };
        self.locals.borrow_mut().insert(name.to_string(), None);
        let v = Rc::new(self.eval(&named.attr.value, named.file, None, d + 1));
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Some(v.clone()));
        v
    }

    /// Apply traversal operators to a borrowed value: attribute and index steps are
    /// followed without copying, and only what they reach is cloned. `span` is the
    /// reference's (where a copy past [`MAX_COPIED`] is reported).
    fn apply_borrowed(
        &self,
        base: &Sv,
        ops: &[Op],
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Sv {
        let mut cur = base;
        let mut used = 0;
        for op in ops {
            let next = match (&op.op, &cur.v) {
                (OpKind::Attr(a), V::Obj(m)) => m.get(&**a),
                (OpKind::Index(ie), V::Obj(m)) => {
                    let k = self.eval(ie, f, env, d + 1);
                    k.as_text().and_then(|k| m.get(&k))
                }
                (OpKind::Index(ie), V::List(items)) => {
                    let k = self.eval(ie, f, env, d + 1);
                    k.as_num()
                        .filter(|n| *n >= 0.0)
                        .and_then(|n| items.get(n as usize))
                }
                (OpKind::LegacyIndex(n), V::List(items)) => items.get(*n as usize),
                _ => None,
            };
            match next {
                Some(n) => {
                    cur = n;
                    used += 1;
                }
                None => break,
            }
        }
        let rest = ops.get(used..).unwrap_or(&[]);
        // Copying a large value costs steps, so references to one cannot run for ever, and
        // its bytes, so that they cannot fill the memory.
        let weight = cur.weight(MAX_VALUE);
        if !self.sh.charge((weight / BYTES_PER_STEP) as u64) {
            return Sv::unknown("evaluation budget exceeded", span);
        }
        if !self.sh.copy(weight, span) {
            return Sv::unknown("value too large", span);
        }
        if rest.is_empty() {
            return cur.clone();
        }
        self.apply_ops(cur.clone(), rest, f, env, d)
    }

    pub fn output(&self, name: &str, d: usize) -> Sv {
        match self.m.outputs.get(name) {
            Some(o) => self.eval(&o.attr.value, o.file, None, d + 1),
            None => Sv::unknown(format!("{ERR}module has no output {name}"), Span::default()),
        }
    }

    fn data_source(&self, t: &str, n: &str, span: Span) -> Sv {
        let unknown_str = |attr: &str| {
            Sv::new(
                V::Str(Str(vec![Part::Unknown(format!("data.{t}.{n}.{attr}"))])),
                span,
            )
        };
        match t {
            "aws_region" | "aws_caller_identity" | "aws_partition" => {
                let mut m = BTreeMap::new();
                for a in [
                    "name",
                    "id",
                    "region",
                    "account_id",
                    "arn",
                    "user_id",
                    "partition",
                    "dns_suffix",
                    "description",
                    "endpoint",
                ] {
                    m.insert(a.to_string(), unknown_str(a));
                }
                Sv::new(V::Obj(m), span)
            }
            _ => Sv::unknown(format!("data.{t}.{n}"), span),
        }
    }

    /// The instances of `data "aws_iam_policy_document" "n"` (none with `count = 0`),
    /// each evaluated once with its `count.index` or `each`.
    pub fn documents(&self, n: &str, d: usize) -> Rc<Vec<Document>> {
        if let Some(known) = self.documents.borrow().get(n) {
            return known.clone();
        }
        // Marked empty while evaluating, so a document that refers to itself ends.
        self.documents
            .borrow_mut()
            .insert(n.to_string(), Rc::new(Vec::new()));
        let mut out = Vec::new();
        if let Some(decl) = self.m.data_source("aws_iam_policy_document", n) {
            let f = decl.file;
            let addr = format!("{}data.aws_iam_policy_document.{n}", self.prefix);
            let keys: Vec<Option<(ExpKind, Sv)>> = match self.expansion(&decl.block.body, f, &addr)
            {
                Expansion::Single => vec![None],
                Expansion::Keys(k) => k.into_iter().map(Some).collect(),
            };
            for k in keys {
                let (key, frame) = match &k {
                    None => (None, None),
                    Some((kind, v)) => (Some(kv_key(kind, v)), Some(frame_value(kind, v))),
                };
                let holder = frame_env(frame);
                let body = self.resolve_body(&decl.block.body, f, holder.as_ref(), d + 1);
                out.push(Document {
                    key,
                    doc: Arc::new(super::extract::policy_document_value(&body, f)),
                });
            }
        }
        let out = Rc::new(out);
        self.documents
            .borrow_mut()
            .insert(n.to_string(), out.clone());
        out
    }

    /// `data.aws_iam_policy_document.n…`: an instance by index, all of them by splat, or
    /// the only one of a block without `count`/`for_each`.
    fn document_ref(
        &self,
        n: &str,
        rest: &[Op],
        f: FileId,
        env: Option<&Env>,
        d: usize,
        span: Span,
    ) -> Sv {
        let Some(decl) = self.m.data_source("aws_iam_policy_document", n) else {
            return Sv::unknown(
                format!("{ERR}undeclared data.aws_iam_policy_document.{n}"),
                span,
            );
        };
        let expanded =
            decl.block.body.attr("count").is_some() || decl.block.body.attr("for_each").is_some();
        let docs = self.documents(n, d);
        let value = |doc: &Document| {
            let json = Sv::new(V::Json(doc.doc.clone()), span);
            let mut m = BTreeMap::new();
            m.insert("json".to_string(), json.clone());
            m.insert("minified_json".to_string(), json);
            m.insert(
                "id".to_string(),
                Sv::new(
                    V::Str(Str(vec![Part::Unknown(format!(
                        "data.aws_iam_policy_document.{n}.id"
                    ))])),
                    span,
                ),
            );
            Sv::new(V::Obj(m), span)
        };
        let (base, rest) = match rest.first().map(|o| &o.op) {
            Some(OpKind::Index(_) | OpKind::LegacyIndex(_)) => {
                let k = match &rest[0].op {
                    OpKind::Index(ie) => self.eval(ie, f, env, d + 1),
                    OpKind::LegacyIndex(i) => Sv::new(V::Num(*i as f64), span),
                    _ => Sv::unknown("index", span),
                };
                let found = match docs.as_slice() {
                    // An unknown count or for_each: one instance stands for all.
                    [one] if one.key.as_ref().is_none_or(|k| k.as_text().is_none()) => Some(one),
                    _ => docs.iter().find(|doc| {
                        k.as_text().is_some()
                            && doc.key.as_ref().and_then(Sv::as_text) == k.as_text()
                    }),
                };
                match found {
                    Some(doc) => (value(doc), &rest[1..]),
                    None if k.as_text().is_none() => {
                        return Sv::unknown(format!("data.aws_iam_policy_document.{n}[…]"), span);
                    }
                    None => {
                        return Sv::unknown(
                            format!("{ERR}data.aws_iam_policy_document.{n} has no instance {k:?}"),
                            span,
                        );
                    }
                }
            }
            Some(OpKind::Splat) => (
                Sv::new(V::List(docs.iter().map(value).collect()), span),
                rest,
            ),
            _ if !expanded => match docs.first() {
                Some(doc) => (value(doc), rest),
                None => return Sv::unknown(format!("data.aws_iam_policy_document.{n}"), span),
            },
            _ => {
                return Sv::unknown(
                    format!("{ERR}data.aws_iam_policy_document.{n} has several instances"),
                    span,
                );
            }
        };
        self.apply_ops(base, rest, f, env, d).respan(span)
    }

    // ---------------------------------------------------------------- blocks

    /// Resolve a block body: every attribute evaluated, `dynamic` blocks expanded.
    pub fn resolve_body(&self, body: &Body, f: FileId, env: Option<&Env>, d: usize) -> RBody {
        let mut out = RBody {
            at: (d == 0).then(String::new),
            ..RBody::default()
        };
        if d > MAX_EXPR_DEPTH {
            return out;
        }
        for attr in &body.attrs {
            // Meta-arguments of a resource are evaluated by `expansion`, not per instance.
            if d == 0 && matches!(&*attr.key, "count" | "for_each" | "depends_on" | "provider") {
                continue;
            }
            let value = self.eval(&attr.value, f, env, d);
            out.attrs.insert(
                attr.key.to_string(),
                RAttr {
                    value,
                    span: attr.sp.at(f),
                },
            );
        }
        for block in &body.blocks {
            if &*block.ident == "dynamic" {
                self.expand_dynamic(block, f, env, d, &mut out);
            } else {
                let mut body = self.resolve_body(&block.body, f, env, d + 1);
                body.at = out.at.as_ref().map(|at| format!("{at}{}.", block.ident));
                out.blocks.push(RBlock {
                    ident: block.ident.to_string(),
                    span: block.sp.at(f),
                    header: block.header.at(f),
                    body,
                });
            }
        }
        out
    }

    fn expand_dynamic(
        &self,
        block: &Block,
        f: FileId,
        env: Option<&Env>,
        d: usize,
        out: &mut RBody,
    ) {
        let Some(ident) = label(block, 0) else { return };
        let Some(content) = block.body.blocks("content").next() else {
            return;
        };
        let iter_name = block
            .body
            .attr("iterator")
            .and_then(|a| a.value.as_var())
            .unwrap_or(ident);
        let span = block.sp.at(f);
        let header = block.header.at(f);
        let for_each = match block.body.attr("for_each") {
            Some(a) => self.eval(&a.value, f, env, d),
            None => return,
        };
        let pairs = match for_each_pairs(&for_each, true) {
            Ok(p) => p,
            Err(why) => {
                // Unknown: one block whose iterator is unknown, so nothing fails on it.
                let it = Sv::unknown(why, for_each.span);
                vec![(it.clone(), it)]
            }
        };
        if pairs.is_empty() && for_each.from.is_some() {
            out.absent.push((ident.to_string(), for_each));
            return;
        }
        if pairs.len() > MAX_INSTANCES {
            self.sh.note(format!(
                "dynamic \"{ident}\" block over {} elements: only the first {MAX_INSTANCES} are read",
                pairs.len()
            ));
        }
        for (k, v) in pairs.into_iter().take(MAX_INSTANCES) {
            // Nested dynamic blocks multiply: the root has a budget for all of them.
            let made = self.sh.dynamic_blocks.get() + 1;
            self.sh.dynamic_blocks.set(made);
            if made > MAX_DYNAMIC_BLOCKS {
                self.sh.note(format!(
                    "more than {MAX_DYNAMIC_BLOCKS} blocks made by dynamic blocks: the rest is not read"
                ));
                return;
            }
            let mut m = BTreeMap::new();
            m.insert("key".to_string(), k);
            m.insert("value".to_string(), v);
            let frame = Env {
                name: iter_name,
                value: Sv::new(V::Obj(m), span),
                parent: env,
            };
            out.blocks.push(RBlock {
                ident: ident.to_string(),
                span,
                header,
                body: self.resolve_body(&content.body, f, Some(&frame), d + 1),
            });
        }
    }

    // ---------------------------------------------------------------- module calls

    /// The instances of module call `name` (evaluated once, then cached).
    pub fn children(&self, name: &str) -> Rc<Children<'l>> {
        if let Some(c) = self.children.borrow().get(name) {
            return c.clone();
        }
        // Mark as opaque while evaluating, so a reference cycle ends.
        self.children
            .borrow_mut()
            .insert(name.to_string(), Rc::new(Children::Opaque));
        let c = Rc::new(self.make_children(name));
        self.children
            .borrow_mut()
            .insert(name.to_string(), c.clone());
        c
    }

    fn make_children(&self, name: &str) -> Children<'l> {
        let Some(decl) = self.m.call(name) else {
            return Children::Opaque;
        };
        let f = decl.file;
        let body = &decl.block.body;
        let addr = format!("{}module.{name}", self.prefix);
        let source = body
            .attr("source")
            .and_then(|a| a.value.as_str().map(str::to_string));
        let Some(source) = source else {
            self.sh.note(format!(
                "{addr}: module source is not a literal string: not followed"
            ));
            return Children::Opaque;
        };
        if self.depth + 1 > MAX_MODULE_DEPTH {
            self.sh.note(format!(
                "{addr}: modules nested deeper than {MAX_MODULE_DEPTH}: not followed"
            ));
            return Children::Opaque;
        }
        let mut call_path = self.call_path.clone();
        call_path.push(name.to_string());
        let dir = match self.sh.loader.resolve_source(
            &self.m.dir,
            &source,
            &self.sh.root_dir,
            &call_path,
        ) {
            super::Source::Dir(dir) => dir,
            super::Source::Outside(_) => {
                self.sh.note(format!(
                    "{addr}: module source {source:?} is outside the checked paths: not read, its resources are not checked (check a directory that holds both)"
                ));
                return Children::Opaque;
            }
            super::Source::Opaque => {
                self.sh.note(format!(
                    "{addr}: module source {source:?} is not local and was not downloaded (run terraform init): its resources are not checked"
                ));
                return Children::Opaque;
            }
        };
        let child = self.sh.loader.module(&dir);
        let key = self.sh.loader.canonical(&dir);
        if self.chain.contains(&key) {
            self.sh.note(format!(
                "{addr}: module cycle through {}: not followed",
                crate::source::display_path(&dir)
            ));
            return Children::Opaque;
        }
        if child.files.is_empty() {
            self.sh.note(format!(
                "{addr}: module directory {} has no configuration files",
                crate::source::display_path(&dir)
            ));
            return Children::Opaque;
        }
        let mut chain = self.chain.clone();
        chain.push(key);
        // Instances.
        let keys: Vec<Option<(ExpKind, Sv)>> = match self.expansion(body, f, &addr) {
            Expansion::Single => vec![None],
            Expansion::Keys(k) => k.into_iter().map(Some).collect(),
        };
        let mut list = Vec::new();
        for k in keys {
            if self.sh.instances.get() > MAX_INSTANCES * 4 {
                self.sh
                    .note("too many module and resource instances: the rest is not read");
                break;
            }
            self.sh.instances.set(self.sh.instances.get() + 1);
            let (prefix, env_frame, key) = match &k {
                None => (format!("{addr}."), None, None),
                Some((kind, kv)) => {
                    // An unknown key (unknown count/for_each) leaves the address unindexed.
                    let key = kv_key(kind, kv);
                    let suffix = if key.as_text().is_some() {
                        key_suffix(&key)
                    } else {
                        String::new()
                    };
                    (
                        format!("{addr}{suffix}."),
                        Some(frame_value(kind, kv)),
                        Some(kv_key(kind, kv)),
                    )
                }
            };
            let holder = frame_env(env_frame);
            let env = holder.as_ref();
            let mut inputs: HashMap<String, Sv> = HashMap::new();
            for attr in &body.attrs {
                let k = &*attr.key;
                if matches!(
                    k,
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    continue;
                }
                inputs.insert(k.to_string(), self.eval(&attr.value, f, env, 0));
            }
            self.sh.calls_followed.set(self.sh.calls_followed.get() + 1);
            let inst = Inst::new(
                child.clone(),
                prefix,
                inputs,
                self.depth + 1,
                chain.clone(),
                call_path.clone(),
                self.sh.clone(),
            );
            list.push((key, Rc::new(inst)));
        }
        Children::Instances(list)
    }

    /// How a resource or module block expands: `count`, `for_each`, or one instance.
    pub fn expansion(&self, body: &Body, f: FileId, addr: &str) -> Expansion {
        let count = body.attr("count").map(|c| self.eval(&c.value, f, None, 0));
        let for_each = body
            .attr("for_each")
            .map(|fe| self.eval(&fe.value, f, None, 0));
        // Where a variable drives it, a block left without instances is remembered.
        let driver = count
            .as_ref()
            .or(for_each.as_ref())
            .and_then(|v| Some((v.span, v.from.clone()?)));
        let e = self.expansion_of(count, for_each, addr);
        if let (Expansion::Keys(keys), Some((span, from))) = (&e, driver)
            && keys.is_empty()
        {
            self.sh.gone(addr, span, from);
        }
        e
    }

    /// How a block expands, from its evaluated `count` and `for_each`.
    pub fn expansion_of(&self, count: Option<Sv>, for_each: Option<Sv>, addr: &str) -> Expansion {
        if let Some(v) = count {
            return match v.as_num() {
                Some(n) if n >= 0.0 => {
                    let n = n as usize;
                    if n > MAX_INSTANCES {
                        self.sh.note(format!(
                            "{addr}: count = {n}: only the first {MAX_INSTANCES} instances are read"
                        ));
                    }
                    Expansion::Keys(
                        (0..n.min(MAX_INSTANCES))
                            .map(|i| (ExpKind::Count, Sv::new(V::Num(i as f64), v.span)))
                            .collect(),
                    )
                }
                Some(_) => Expansion::Keys(Vec::new()),
                None => {
                    self.sh.note(format!(
                        "{addr}: count is not known ({}): read as one instance",
                        reason(&v)
                    ));
                    Expansion::Keys(vec![(ExpKind::Count, Sv::unknown("count.index", v.span))])
                }
            };
        }
        if let Some(v) = for_each {
            return match for_each_pairs(&v, false) {
                Ok(pairs) => {
                    if pairs.len() > MAX_INSTANCES {
                        self.sh.note(format!(
                            "{addr}: for_each over {} elements: only the first {MAX_INSTANCES} instances are read",
                            pairs.len()
                        ));
                    }
                    Expansion::Keys(
                        pairs
                            .into_iter()
                            .take(MAX_INSTANCES)
                            .map(|(k, val)| (ExpKind::Each(k), val))
                            .collect(),
                    )
                }
                Err(why) => {
                    self.sh.note(format!(
                        "{addr}: for_each is not known ({why}): read as one instance"
                    ));
                    let u = Sv::unknown("each.key", v.span);
                    Expansion::Keys(vec![(
                        ExpKind::Each(u.clone()),
                        Sv::unknown("each.value", v.span),
                    )])
                }
            };
        }
        Expansion::Single
    }
}

/// One instance of a policy document: its key (`count.index` / `each.key`, none without
/// `count`/`for_each`) and its IAM document.
pub struct Document {
    pub key: Option<Sv>,
    pub doc: Arc<Sv>,
}

/// How a block expands.
pub enum Expansion {
    Single,
    /// Each instance: its kind (with the `each.key`) and value (`count.index` or `each.value`).
    Keys(Vec<(ExpKind, Sv)>),
}

#[derive(Clone, Debug)]
pub enum ExpKind {
    Count,
    Each(Sv),
}

/// The instance key of an expansion entry.
pub fn kv_key(kind: &ExpKind, v: &Sv) -> Sv {
    match kind {
        ExpKind::Count => v.clone(),
        ExpKind::Each(k) => k.clone(),
    }
}

/// The binding (`count` or `each`) of an expansion entry.
pub fn frame_value(kind: &ExpKind, v: &Sv) -> (&'static str, Sv) {
    let mut m = BTreeMap::new();
    match kind {
        ExpKind::Count => {
            m.insert("index".to_string(), v.clone());
            ("count", Sv::new(V::Obj(m), v.span))
        }
        ExpKind::Each(k) => {
            m.insert("key".to_string(), k.clone());
            m.insert("value".to_string(), v.clone());
            ("each", Sv::new(V::Obj(m), v.span))
        }
    }
}

/// Adds up the weight of the parts of a value being built, against [`MAX_VALUE`].
#[derive(Default)]
struct Tally(usize);

impl Tally {
    /// Count `v` (and `extra` bytes, a key); false once the total is past the limit.
    fn add(&mut self, v: &Sv, extra: usize) -> bool {
        let room = MAX_VALUE.saturating_sub(self.0);
        self.0 = self.0.saturating_add(v.weight(room)).saturating_add(extra);
        self.0 <= MAX_VALUE
    }
}

/// The `count.index` / `each` binding of an instance ([`frame_value`]) as an environment.
pub fn frame_env(frame: Option<(&'static str, Sv)>) -> Option<Env<'static>> {
    frame.map(|(name, value)| Env {
        name,
        value,
        parent: None,
    })
}

/// Run `body` with `key_var` (when there is one) bound to `k` and `value_var` to `v`.
fn with_frames<R>(
    env: Option<&Env>,
    key_var: Option<&str>,
    value_var: &str,
    k: Sv,
    v: Sv,
    body: impl FnOnce(Option<&Env>) -> R,
) -> R {
    match key_var {
        Some(name) => {
            let key = Env {
                name,
                value: k,
                parent: env,
            };
            body(Some(&Env {
                name: value_var,
                value: v,
                parent: Some(&key),
            }))
        }
        None => body(Some(&Env {
            name: value_var,
            value: v,
            parent: env,
        })),
    }
}

/// `(key, value)` pairs a `for` iterates over: a list's indexes and items, an object's
/// keys and values; `None` for anything else.
fn iteration_pairs(coll: &Sv) -> Option<Vec<(Sv, Sv)>> {
    match &coll.v {
        V::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Sv::new(V::Num(i as f64), v.span), v.clone()))
                .collect(),
        ),
        V::Obj(m) => Some(
            m.iter()
                .map(|(k, v)| (Sv::lit(k.clone(), v.span), v.clone()))
                .collect(),
        ),
        _ => None,
    }
}

/// `(key, value)` pairs of a `for_each` value: a map's entries, a set's strings (key =
/// value). For `dynamic` blocks a list iterates with its indexes as keys.
pub fn for_each_pairs(v: &Sv, list_index_keys: bool) -> Result<Vec<(Sv, Sv)>, String> {
    match &v.v {
        V::Obj(m) => Ok(m
            .iter()
            .map(|(k, val)| (Sv::lit(k.clone(), val.span), val.clone()))
            .collect()),
        V::List(items) => {
            if list_index_keys {
                return Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| (Sv::new(V::Num(i as f64), it.span), it.clone()))
                    .collect());
            }
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for it in items {
                let Some(t) = it.as_text() else {
                    return Err("a set element is not a known string".into());
                };
                if seen.insert(t.clone()) {
                    out.push((Sv::lit(t, it.span), it.clone()));
                }
            }
            Ok(out)
        }
        V::Null => Ok(Vec::new()),
        _ => Err(reason(v)),
    }
}

pub fn reason(v: &Sv) -> String {
    match &v.v {
        V::Unknown(why) => why.strip_prefix(ERR).unwrap_or(why).to_string(),
        V::OneOf(_) => "it depends on a condition that is not known".into(),
        _ => format!("it is {}", v.type_name()),
    }
}

pub fn is_error(v: &Sv) -> bool {
    matches!(&v.v, V::Unknown(why) if why.starts_with(ERR))
}

fn unknown_from(v: &Sv, span: Span) -> Sv {
    match &v.v {
        V::Unknown(why) => Sv::unknown(why.clone(), span),
        _ => Sv::unknown(format!("{ERR}operand is {}", v.type_name()), span),
    }
}

fn index(v: &Sv, k: &Sv, span: Span) -> Sv {
    match &v.v {
        V::List(items) => match k.as_num() {
            Some(n) if n >= 0.0 && (n as usize) < items.len() => items[n as usize].clone(),
            Some(_) => Sv::unknown(format!("{ERR}index out of range"), span),
            None => unknown_from(k, span),
        },
        V::Obj(m) => match k.as_text() {
            Some(key) => m
                .get(&key)
                .cloned()
                .unwrap_or_else(|| Sv::unknown(format!("{ERR}no key {key:?}"), span)),
            None => unknown_from(k, span),
        },
        V::Res(addr) => match k.as_text() {
            Some(_) => Sv::new(V::Res(format!("{addr}{}", key_suffix(k))), v.span),
            None => v.clone(),
        },
        V::Null => Sv::unknown(format!("{ERR}index into null"), span),
        _ => unknown_from(v, span),
    }
}

/// Equality of two known values; `None` when either is unknown.
pub fn known_eq(a: &Sv, b: &Sv) -> Option<bool> {
    match (&a.v, &b.v) {
        (V::Null, V::Null) => Some(true),
        (V::Null, _) | (_, V::Null) => {
            if a.is_unknown() || b.is_unknown() {
                None
            } else {
                Some(false)
            }
        }
        (V::Bool(x), V::Bool(y)) => Some(x == y),
        (V::Num(x), V::Num(y)) => Some(x == y),
        (V::Str(x), V::Str(y)) => match (x.as_lit(), y.as_lit()) {
            (Some(p), Some(q)) => Some(p == q),
            _ if x == y => Some(true),
            _ => None,
        },
        (V::List(x), V::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut all = true;
            for (p, q) in x.iter().zip(y) {
                match known_eq(p, q) {
                    Some(false) => return Some(false),
                    None => all = false,
                    _ => {}
                }
            }
            all.then_some(true)
        }
        (V::Obj(x), V::Obj(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            let mut all = true;
            for (p, q) in x.values().zip(y.values()) {
                match known_eq(p, q) {
                    Some(false) => return Some(false),
                    None => all = false,
                    _ => {}
                }
            }
            all.then_some(true)
        }
        (V::Res(x), V::Res(y)) => (x == y).then_some(true),
        _ if a.is_unknown() || b.is_unknown() || matches!(a.v, V::Res(_)) => None,
        (V::Str(s), V::Num(_) | V::Bool(_)) | (V::Num(_) | V::Bool(_), V::Str(s)) => {
            if s.as_lit().is_some() {
                // Terraform converts for comparison only within one type: different types differ.
                Some(false)
            } else {
                None
            }
        }
        _ => Some(false),
    }
}

fn binary(op: BinaryOperator, l: &Sv, r: &Sv, span: Span) -> Sv {
    use BinaryOperator as B;
    let num = |f: fn(f64, f64) -> f64| match (l.as_num(), r.as_num()) {
        (Some(a), Some(b)) => Sv::new(V::Num(f(a, b)), span),
        _ => unknown_from(if l.as_num().is_none() { l } else { r }, span),
    };
    let cmp = |f: fn(f64, f64) -> bool| match (l.as_num(), r.as_num()) {
        (Some(a), Some(b)) => Sv::new(V::Bool(f(a, b)), span),
        _ => unknown_from(if l.as_num().is_none() { l } else { r }, span),
    };
    match op {
        B::Eq => match known_eq(l, r) {
            Some(b) => Sv::new(V::Bool(b), span),
            None => Sv::unknown("comparison with an unknown value", span),
        },
        B::NotEq => match known_eq(l, r) {
            Some(b) => Sv::new(V::Bool(!b), span),
            None => Sv::unknown("comparison with an unknown value", span),
        },
        B::Less => cmp(|a, b| a < b),
        B::LessEq => cmp(|a, b| a <= b),
        B::Greater => cmp(|a, b| a > b),
        B::GreaterEq => cmp(|a, b| a >= b),
        B::Plus => num(|a, b| a + b),
        B::Minus => num(|a, b| a - b),
        B::Mul => num(|a, b| a * b),
        B::Div => num(|a, b| a / b),
        B::Mod => num(|a, b| if b == 0.0 { f64::NAN } else { a % b }),
        B::And => match (l.as_bool(), r.as_bool()) {
            (Some(a), Some(b)) => Sv::new(V::Bool(a && b), span),
            (_, Some(false)) => Sv::new(V::Bool(false), span),
            _ => unknown_from(if l.as_bool().is_none() { l } else { r }, span),
        },
        B::Or => match (l.as_bool(), r.as_bool()) {
            (Some(a), Some(b)) => Sv::new(V::Bool(a || b), span),
            (_, Some(true)) => Sv::new(V::Bool(true), span),
            _ => unknown_from(if l.as_bool().is_none() { l } else { r }, span),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_side_that_decides_a_logical_operator_is_where_its_value_comes_from() {
        let at = |s: usize| Span::new(FileId(0), s, s + 1);
        let var = Sv::new(V::Bool(false), at(1)).arrive(
            at(5),
            Some(&Arc::new(VarSet {
                name: "create".into(),
                how: VarHow::Default,
            })),
        );
        let out = decided_by(var, false, at(9));
        assert_eq!(out.v, V::Bool(false));
        assert_eq!(out.span, at(9));
        let spans: Vec<Span> = out
            .from
            .as_ref()
            .expect("a trail")
            .chain()
            .iter()
            .map(|h| h.span)
            .collect();
        assert_eq!(spans, [at(5), at(1)]);
        // A string side is read as the bool it spells.
        let text = decided_by(Sv::lit("false", at(2)), false, at(3));
        assert_eq!(text.v, V::Bool(false));
    }
}
