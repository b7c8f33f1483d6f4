//! Resolving CloudFormation values: parameters and their defaults, pseudo parameters,
//! conditions, `Fn::If` (both branches when the condition is unknown), `Fn::Sub`,
//! `Fn::Join`, `Fn::Select`, `Fn::FindInMap`; `Ref`/`Fn::GetAtt` to resources stay
//! symbolic ([`Part::Ref`]) so rules can match a table to its alarms and policies.

use crate::model::Problem;
use crate::model::node::{Entry, Node, NodeKind};
use crate::model::value::{Branch, Part, Prop, Str, Val};
use crate::source::Span;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

/// How deep intrinsic functions may nest before resolution gives up (unknown).
const MAX_DEPTH: usize = 32;
/// Longest string a value resolves to (CloudFormation accepts no template over 1 MB): an
/// `Fn::Join` or `Fn::Sub` repeating a large parameter default is unknown, not built.
pub const MAX_STR_BYTES: usize = 1 << 20;
/// Most bytes of strings resolved for one template: a large parameter default referenced
/// by thousands of resources is not copied thousands of times.
pub const MAX_RESOLVED_BYTES: usize = 64 << 20;
/// Why a value past [`MAX_STR_BYTES`] is unknown.
const TOO_LONG: &str = "a string longer than 1 MB (not resolved)";

pub const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// What a template's values may refer to.
pub struct Template<'a> {
    params: HashMap<&'a str, &'a Node>,
    conditions: HashMap<&'a str, &'a Node>,
    mappings: Option<&'a Node>,
    resources: HashSet<&'a str>,
    condition_cache: RefCell<HashMap<String, Option<bool>>>,
    /// For each branch of an `Fn::If` read so far (by the span of its value), the
    /// condition it hangs on, in words.
    chosen: RefCell<HashMap<Span, String>>,
    /// Values given from outside (nested stack parameters, CDK cross-stack links).
    overrides: HashMap<String, Str>,
    /// The template's text, for values embedded in strings (a policy document as JSON).
    source: Option<std::sync::Arc<str>>,
    /// Bytes of strings resolved so far (bounded by [`MAX_RESOLVED_BYTES`]).
    resolved: Cell<usize>,
    /// The first value past a bound, as a DDB001 (see [`Template::past_bound`]).
    past_bound: RefCell<Option<Problem>>,
}

/// A value found by following a path through maps and `Fn::If`s.
#[derive(Debug)]
pub enum Lookup<'a> {
    Absent,
    Found(&'a Node),
    /// Several branches of `Fn::If`; each with the span of the branch.
    Branches(Vec<(Span, Lookup<'a>)>),
}

impl<'a> Template<'a> {
    pub fn new(root: &'a Node) -> Template<'a> {
        let section = |name: &str| -> HashMap<&'a str, &'a Node> {
            root.get(name)
                .and_then(Node::as_map)
                .map(|entries| entries.iter().map(|e| (&*e.key, &e.value)).collect())
                .unwrap_or_default()
        };
        let resources = root
            .get("Resources")
            .and_then(Node::as_map)
            .map(|entries| entries.iter().map(|e| &*e.key).collect())
            .unwrap_or_default();
        Template {
            params: section("Parameters"),
            conditions: section("Conditions"),
            mappings: root.get("Mappings"),
            resources,
            condition_cache: RefCell::new(HashMap::new()),
            chosen: RefCell::new(HashMap::new()),
            overrides: HashMap::new(),
            source: None,
            resolved: Cell::new(0),
            past_bound: RefCell::new(None),
        }
    }

    /// Keep the template's text, so spans inside embedded documents can be mapped back.
    pub fn set_source(&mut self, text: std::sync::Arc<str>) {
        self.source = Some(text);
    }

    /// The first value that passed a bound on resolved strings ([`MAX_STR_BYTES`],
    /// [`MAX_RESOLVED_BYTES`]): a DDB001 at that value. The value itself is unknown.
    pub fn past_bound(&self) -> Option<Problem> {
        self.past_bound.borrow_mut().take()
    }

    /// Record a value past a bound (the first one only).
    fn report_bound(&self, span: Span, message: String) {
        let mut first = self.past_bound.borrow_mut();
        if first.is_none() {
            *first = Some(Problem {
                rule: "DDB001",
                span,
                message,
                help: Some(
                    "CloudFormation rejects templates over 1 MB: write this value shorter".into(),
                ),
                resource: None,
            });
        }
    }

    /// The template's text, when it was given.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// Give a parameter a value from outside (a nested stack's caller). The name may also
    /// be `import:<ExportName>` (`Fn::ImportValue`) or `<Resource>.<Attribute>`
    /// (`Fn::GetAtt`, e.g. a nested stack's `Outputs.X`).
    pub fn set_parameter(&mut self, name: impl Into<String>, value: Str) {
        self.overrides.insert(name.into(), value);
    }

    pub fn is_resource(&self, id: &str) -> bool {
        self.resources.contains(id)
    }

    /// The value of a named condition: `None` when it cannot be known before deploy.
    pub fn condition(&self, name: &str) -> Option<bool> {
        if let Some(v) = self.condition_cache.borrow().get(name) {
            return *v;
        }
        // Guard against cycles: unknown while being evaluated.
        self.condition_cache
            .borrow_mut()
            .insert(name.to_string(), None);
        let v = self
            .conditions
            .get(name)
            .and_then(|n| self.eval_condition(n, 0));
        self.condition_cache
            .borrow_mut()
            .insert(name.to_string(), v);
        v
    }

    fn eval_condition(&self, node: &Node, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(entry) = node.as_map().and_then(|m| match m {
            [e] if &*e.key == "Condition" => Some(e),
            _ => None,
        }) {
            return self.condition(entry.value.as_scalar()?);
        }
        let (name, args) = node.as_intrinsic()?;
        let args = args.as_seq();
        match name {
            "Fn::Equals" => {
                let [a, b] = args? else { return None };
                let a = self.str(a);
                let b = self.str(b);
                match (a.get()?.as_lit(), b.get()?.as_lit()) {
                    (Some(x), Some(y)) => Some(x == y),
                    _ => None,
                }
            }
            "Fn::And" => {
                let mut all = Some(true);
                for a in args? {
                    match self.eval_condition(a, depth + 1) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            "Fn::Or" => {
                let mut any = Some(false);
                for a in args? {
                    match self.eval_condition(a, depth + 1) {
                        Some(true) => return Some(true),
                        None => any = None,
                        Some(false) => {}
                    }
                }
                any
            }
            "Fn::Not" => {
                let [a] = args? else { return None };
                self.eval_condition(a, depth + 1).map(|v| !v)
            }
            _ => None,
        }
    }

    /// A named condition in words: `IsProd (Stage = prod)`.
    pub fn describe(&self, cond: &str) -> String {
        match self
            .conditions
            .get(cond)
            .and_then(|n| describe_condition(n, 0))
        {
            Some(d) => format!("{cond} ({d})"),
            None => cond.to_string(),
        }
    }

    /// Remember what the branches of `Fn::If [cond, yes, no]` hang on.
    fn note_branches(&self, cond: &str, value: Option<bool>, yes: &Node, no: &Node) {
        let what = self.describe(cond);
        let mut chosen = self.chosen.borrow_mut();
        if chosen.contains_key(&yes.span) {
            return;
        }
        let (y, n) = match value {
            Some(true) => (
                format!("only while {what} holds, as it does with the parameter defaults"),
                format!("when {what} does not hold; it holds with the parameter defaults"),
            ),
            Some(false) => (
                format!("when {what} holds; it does not with the parameter defaults"),
                format!("unless {what} holds; with the parameter defaults it does not"),
            ),
            None => (format!("when {what} holds"), format!("unless {what} holds")),
        };
        chosen.insert(yes.span, y);
        chosen.insert(no.span, n);
    }

    /// What each `Fn::If` branch read so far hangs on, by the span of its value.
    pub fn take_conditions(&self) -> HashMap<Span, String> {
        std::mem::take(&mut *self.chosen.borrow_mut())
    }

    /// Expand `Fn::If` and `Ref: AWS::NoValue` into the values a node may take.
    pub fn branches(&self, node: &'a Node) -> Lookup<'a> {
        self.branches_at(node, 0)
    }

    fn branches_at(&self, node: &'a Node, depth: usize) -> Lookup<'a> {
        if depth > MAX_DEPTH {
            return Lookup::Found(node);
        }
        match node.as_intrinsic() {
            Some(("Ref", v)) if v.as_scalar() == Some("AWS::NoValue") => Lookup::Absent,
            Some(("Fn::If", args)) => {
                let Some([cond, yes, no]) = args.as_seq() else {
                    return Lookup::Found(node);
                };
                let name = cond.as_scalar();
                let value = name.map(|c| self.condition(c));
                if let Some(c) = name {
                    self.note_branches(c, value.flatten(), yes, no);
                }
                match value {
                    Some(Some(true)) => self.branches_at(yes, depth + 1),
                    Some(Some(false)) => self.branches_at(no, depth + 1),
                    _ => Lookup::Branches(vec![
                        (yes.span, self.branches_at(yes, depth + 1)),
                        (no.span, self.branches_at(no, depth + 1)),
                    ]),
                }
            }
            _ => Lookup::Found(node),
        }
    }

    /// Follow `path` through maps from `node`, expanding `Fn::If` at every level.
    pub fn lookup(&self, node: &'a Node, path: &[&str]) -> Lookup<'a> {
        self.lookup_in(self.branches(node), path)
    }

    fn lookup_in(&self, here: Lookup<'a>, path: &[&str]) -> Lookup<'a> {
        match here {
            Lookup::Absent => Lookup::Absent,
            Lookup::Branches(bs) => {
                let bs: Vec<_> = bs
                    .into_iter()
                    .map(|(span, l)| (span, self.lookup_in(l, path)))
                    .collect();
                if bs.iter().all(|(_, l)| matches!(l, Lookup::Absent)) {
                    Lookup::Absent
                } else {
                    Lookup::Branches(bs)
                }
            }
            Lookup::Found(node) => {
                let Some((first, rest)) = path.split_first() else {
                    return Lookup::Found(node);
                };
                match node.get(first) {
                    None => Lookup::Absent,
                    Some(child) => self.lookup_in(self.branches(child), rest),
                }
            }
        }
    }

    /// The node at `path` when there is exactly one (no unresolved `Fn::If` on the way).
    pub fn get(&self, node: &'a Node, path: &[&str]) -> Option<&'a Node> {
        match self.lookup(node, path) {
            Lookup::Found(n) => Some(n),
            _ => None,
        }
    }

    /// Items of a list, with `Fn::If` expanded at the list and the item level (every
    /// possible item: rules check each) and `AWS::NoValue` items dropped.
    pub fn items(&self, node: &'a Node) -> Vec<&'a Node> {
        let mut out = Vec::new();
        self.collect_items(self.branches(node), &mut out, true);
        out
    }

    /// Items of the list at `path`, through `Fn::If` at every level; `None` when the
    /// property is absent. The span is the property's (its first branch).
    pub fn items_at(&self, node: &'a Node, path: &[&str]) -> Option<(Span, Vec<&'a Node>)> {
        let l = self.lookup(node, path);
        let span = first_span(&l)?;
        let mut out = Vec::new();
        self.collect_items(l, &mut out, true);
        Some((span, out))
    }

    /// Whether the property at `path` is a plain list in every branch (not an intrinsic
    /// such as `Fn::Transform` whose items are unknown here).
    pub fn is_list(&self, node: &'a Node, path: &[&str]) -> bool {
        fn all_lists(l: &Lookup) -> bool {
            match l {
                Lookup::Absent => true,
                Lookup::Found(n) => n.as_seq().is_some(),
                Lookup::Branches(bs) => bs.iter().all(|(_, b)| all_lists(b)),
            }
        }
        all_lists(&self.lookup(node, path))
    }

    fn collect_items(&self, l: Lookup<'a>, out: &mut Vec<&'a Node>, list_level: bool) {
        match l {
            Lookup::Absent => {}
            Lookup::Branches(bs) => {
                for (_, b) in bs {
                    self.collect_items(b, out, list_level);
                }
            }
            Lookup::Found(n) => match (&n.kind, list_level) {
                (NodeKind::Seq(items), true) => {
                    for item in items {
                        self.collect_items(self.branches(item), out, false);
                    }
                }
                _ => out.push(n),
            },
        }
    }

    /// A property at `path` as a string value.
    pub fn prop_str(&self, node: &'a Node, path: &[&str]) -> Option<Prop<Str>> {
        self.to_prop(self.lookup(node, path), &|n| self.str(n).val)
    }

    pub fn prop_string(&self, node: &'a Node, path: &[&str]) -> Option<Prop<String>> {
        self.to_prop(self.lookup(node, path), &|n| self.string(n).val)
    }

    pub fn prop_bool(&self, node: &'a Node, path: &[&str]) -> Option<Prop<bool>> {
        self.to_prop(self.lookup(node, path), &|n| self.bool(n).val)
    }

    pub fn prop_int(&self, node: &'a Node, path: &[&str]) -> Option<Prop<i64>> {
        self.to_prop(self.lookup(node, path), &|n| self.int(n).val)
    }

    fn to_prop<T>(&self, l: Lookup<'a>, leaf: &dyn Fn(&'a Node) -> Val<T>) -> Option<Prop<T>> {
        match l {
            Lookup::Absent => None,
            Lookup::Found(n) => Some(Prop {
                span: n.span,
                val: leaf(n),
            }),
            Lookup::Branches(bs) => {
                let span = bs
                    .iter()
                    .map(|(s, _)| *s)
                    .reduce(|a, b| a.to(b))
                    .unwrap_or_default();
                let branches = bs
                    .into_iter()
                    .map(|(bspan, l)| match self.to_prop(l, leaf) {
                        None => Branch {
                            span: bspan,
                            value: None,
                        },
                        Some(p) => Branch {
                            span: p.span,
                            value: Some(p.val),
                        },
                    })
                    .collect();
                Some(Prop {
                    span,
                    val: Val::OneOf(branches),
                })
            }
        }
    }

    /// A value as a string with symbolic parts.
    pub fn str(&self, node: &Node) -> Prop<Str> {
        let mut val = self.str_val(node, 0);
        match &val {
            Val::Unknown(why) if why == TOO_LONG => self.report_bound(
                node.span,
                format!(
                    "this value resolves to a string longer than {} MB: it is not resolved",
                    MAX_STR_BYTES >> 20
                ),
            ),
            Val::Known(s) => {
                let total = self.resolved.get().saturating_add(str_len(s));
                self.resolved.set(total);
                if total > MAX_RESOLVED_BYTES {
                    self.report_bound(
                        node.span,
                        format!(
                            "the values of this template resolve to more than {} MB of strings: \
                             this value and later ones are not resolved",
                            MAX_RESOLVED_BYTES >> 20
                        ),
                    );
                    val = Val::Unknown(TOO_LONG.into());
                }
            }
            _ => {}
        }
        Prop {
            span: node.span,
            val,
        }
    }

    fn str_val(&self, node: &Node, depth: usize) -> Val<Str> {
        if depth > MAX_DEPTH {
            return Val::Unknown("intrinsic functions nest too deeply".into());
        }
        match &node.kind {
            NodeKind::Str(s) | NodeKind::Plain(s) if s.len() > MAX_STR_BYTES => {
                return Val::Unknown(TOO_LONG.into());
            }
            NodeKind::Str(s) | NodeKind::Plain(s) => return Val::Known(Str::lit(s.as_ref())),
            NodeKind::Null => return Val::Unknown("null".into()),
            NodeKind::Seq(_) => return Val::Unknown("a list, not a string".into()),
            NodeKind::Map(_) => {}
        }
        let Some((name, arg)) = node.as_intrinsic() else {
            return Val::Unknown("a mapping, not a string".into());
        };
        match name {
            "Ref" => match arg.as_scalar() {
                Some(target) => self.reference(target, depth),
                None => Val::Unknown("Ref to a non-name".into()),
            },
            "Fn::GetAtt" => {
                let (target, attr) = match (&arg.kind, arg.as_seq()) {
                    (_, Some([t, a])) => (
                        t.as_scalar().map(str::to_string),
                        self.str_val(a, depth + 1).known_lit().map(str::to_string),
                    ),
                    (NodeKind::Str(s) | NodeKind::Plain(s), _) => match s.split_once('.') {
                        Some((t, a)) => (Some(t.to_string()), Some(a.to_string())),
                        None => (None, None),
                    },
                    _ => (None, None),
                };
                if let (Some(t), Some(a)) = (&target, &attr)
                    && let Some(v) = self.overrides.get(&format!("{t}.{a}"))
                {
                    return Val::Known(v.clone());
                }
                match (target, attr) {
                    (Some(t), Some(a)) if self.resources.contains(t.as_str()) => {
                        Val::Known(Str::reference(t, Some(a)))
                    }
                    (Some(t), Some(a)) => Val::Unknown(format!("GetAtt {t}.{a}: no such resource")),
                    _ => Val::Unknown("malformed Fn::GetAtt".into()),
                }
            }
            "Fn::Sub" => self.sub(arg, depth),
            "Fn::Join" => {
                let Some([delim, list]) = arg.as_seq() else {
                    return Val::Unknown("malformed Fn::Join".into());
                };
                let Some(delim) = delim.as_scalar() else {
                    return Val::Unknown("Fn::Join delimiter is not a string".into());
                };
                let items = match self.branches(list) {
                    Lookup::Found(n) => match n.as_seq() {
                        Some(items) => items,
                        None => {
                            return Val::Unknown("Fn::Join of a value that is not a list".into());
                        }
                    },
                    _ => return Val::Unknown("Fn::Join of a conditional list".into()),
                };
                let mut out = Str::default();
                let mut len = 0usize;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(Part::Lit(delim.to_string()));
                        len = len.saturating_add(delim.len());
                    }
                    match self.str_val(item, depth + 1) {
                        Val::Unknown(why) if why == TOO_LONG => return Val::Unknown(why),
                        Val::Known(s) => {
                            len = len.saturating_add(str_len(&s));
                            if len > MAX_STR_BYTES {
                                return Val::Unknown(TOO_LONG.into());
                            }
                            out.extend(s)
                        }
                        Val::Unknown(why) => out.push(Part::Unknown(why)),
                        Val::OneOf(_) => out.push(Part::Unknown("a conditional value".into())),
                    }
                }
                Val::Known(out)
            }
            "Fn::Select" => {
                let Some([index, list]) = arg.as_seq() else {
                    return Val::Unknown("malformed Fn::Select".into());
                };
                let idx = self
                    .str_val(index, depth + 1)
                    .known_lit()
                    .and_then(|s| s.parse::<usize>().ok());
                match (idx, self.branches(list)) {
                    (Some(i), Lookup::Found(n)) => {
                        match n.as_seq().and_then(|items| items.get(i)) {
                            Some(item) => self.str_val(item, depth + 1),
                            None => Val::Unknown("Fn::Select of a list not known here".into()),
                        }
                    }
                    _ => Val::Unknown("Fn::Select with an unknown index or list".into()),
                }
            }
            "Fn::FindInMap" => {
                let Some([map, k1, k2, ..]) = arg.as_seq() else {
                    return Val::Unknown("malformed Fn::FindInMap".into());
                };
                let keys: Vec<Option<String>> = [map, k1, k2]
                    .iter()
                    .map(|k| self.str_val(k, depth + 1).known_lit().map(str::to_string))
                    .collect();
                match (&keys[0], &keys[1], &keys[2], self.mappings) {
                    (Some(a), Some(b), Some(c), Some(m)) => {
                        match m.get(a).and_then(|x| x.get(b)).and_then(|x| x.get(c)) {
                            Some(v) => self.str_val(v, depth + 1),
                            None => Val::Unknown(format!("no mapping {a}.{b}.{c}")),
                        }
                    }
                    _ => Val::Unknown("Fn::FindInMap with keys known only at deploy time".into()),
                }
            }
            "Fn::If" => match self.branches(node) {
                Lookup::Found(n) => self.str_val(n, depth + 1),
                Lookup::Absent => Val::Unknown("AWS::NoValue".into()),
                l @ Lookup::Branches(_) => self
                    .to_prop(l, &|n| self.str_val(n, depth + 1))
                    .map_or(Val::Unknown("AWS::NoValue".into()), |p| p.val),
            },
            "Fn::ImportValue" => {
                let what = self.str_val(arg, depth + 1);
                match what.known_lit() {
                    Some(export) => match self.overrides.get(&format!("import:{export}")) {
                        Some(v) => Val::Known(v.clone()),
                        None => Val::Known(Str(vec![Part::Unknown(format!("import {export}"))])),
                    },
                    None => Val::Known(Str(vec![Part::Unknown("an imported value".into())])),
                }
            }
            other => Val::Known(Str(vec![Part::Unknown(other.to_string())])),
        }
    }

    fn reference(&self, target: &str, depth: usize) -> Val<Str> {
        if let Some(v) = self.overrides.get(target) {
            return Val::Known(v.clone());
        }
        if PSEUDO_PARAMETERS.contains(&target) {
            return Val::Known(Str(vec![Part::Unknown(target.to_string())]));
        }
        if let Some(param) = self.params.get(target) {
            return match param.get("Default") {
                Some(d) => match self.str_val(d, depth + 1) {
                    Val::Known(s) => Val::Known(s),
                    other => other,
                },
                None => Val::Unknown(format!("parameter {target} has no default")),
            };
        }
        if self.resources.contains(target) {
            return Val::Known(Str::reference(target, None));
        }
        Val::Unknown(format!(
            "Ref to {target}, which is not defined in the template"
        ))
    }

    fn sub(&self, arg: &Node, depth: usize) -> Val<Str> {
        let (template, vars) = match (&arg.kind, arg.as_seq()) {
            (NodeKind::Str(s) | NodeKind::Plain(s), _) => (s.as_ref(), None),
            (_, Some([t, vars])) => match t.as_scalar() {
                Some(s) => (s, vars.as_map()),
                None => return Val::Unknown("malformed Fn::Sub".into()),
            },
            _ => return Val::Unknown("malformed Fn::Sub".into()),
        };
        if template.len() > MAX_STR_BYTES {
            return Val::Unknown(TOO_LONG.into());
        }
        let mut out = Str::default();
        // What the substituted values add to the template's own text.
        let mut added = 0usize;
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push(Part::Lit(rest[..start].to_string()));
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                // `${!Literal}` is the text `${Literal}`.
                out.push(Part::Lit("${".into()));
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                out.push(Part::Lit(rest[start..].to_string()));
                rest = "";
                break;
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            let value = self.sub_value(name, vars, depth);
            if let Val::Unknown(why) = value {
                return Val::Unknown(why);
            }
            if let Val::Known(v) = value {
                added = added.saturating_add(str_len(&v));
                if template.len().saturating_add(added) > MAX_STR_BYTES {
                    return Val::Unknown(TOO_LONG.into());
                }
                out.extend(v);
            }
        }
        out.push(Part::Lit(rest.to_string()));
        Val::Known(out)
    }

    /// What `${name}` stands for in an `Fn::Sub`: known (possibly symbolic), or unknown only
    /// when it is too long to resolve.
    fn sub_value(&self, name: &str, vars: Option<&[Entry]>, depth: usize) -> Val<Str> {
        if let Some(v) = vars.and_then(|m| m.iter().rev().find(|e| &*e.key == name)) {
            return match self.str_val(&v.value, depth + 1) {
                Val::Unknown(why) if why == TOO_LONG => Val::Unknown(why),
                Val::Known(s) => Val::Known(s),
                Val::Unknown(why) => Val::Known(Str(vec![Part::Unknown(why)])),
                Val::OneOf(_) => {
                    Val::Known(Str(vec![Part::Unknown(format!("{name} (conditional)"))]))
                }
            };
        }
        if let Some(v) = self.overrides.get(name).filter(|_| name.contains('.')) {
            return Val::Known(v.clone());
        }
        match name.split_once('.') {
            Some((res, attr)) if self.resources.contains(res) => Val::Known(Str(vec![Part::Ref {
                target: res.to_string(),
                attr: Some(attr.to_string()),
            }])),
            _ => match self.reference(name, depth) {
                Val::Unknown(why) if why == TOO_LONG => Val::Unknown(why),
                Val::Known(s) => Val::Known(s),
                Val::Unknown(_) | Val::OneOf(_) => {
                    Val::Known(Str(vec![Part::Unknown(name.to_string())]))
                }
            },
        }
    }

    /// A value that must be a literal string (a billing mode, a key type).
    pub fn string(&self, node: &Node) -> Prop<String> {
        let p = self.str(node);
        convert(p, &|s: &Str| match s.as_lit() {
            Some(l) => Ok(l.to_string()),
            None => Err(format!("{} is known only at deploy time", s.render())),
        })
    }

    /// A boolean: `true`/`false` in any case, as YAML boolean or string (as CloudFormation
    /// accepts them).
    pub fn bool(&self, node: &Node) -> Prop<bool> {
        let p = self.str(node);
        convert(p, &|s: &Str| match s.as_lit() {
            Some(l) if l.eq_ignore_ascii_case("true") => Ok(true),
            Some(l) if l.eq_ignore_ascii_case("false") => Ok(false),
            Some(l) => Err(format!("{l:?} is not a boolean")),
            None => Err(format!("{} is known only at deploy time", s.render())),
        })
    }

    pub fn int(&self, node: &Node) -> Prop<i64> {
        let p = self.str(node);
        convert(p, &|s: &Str| match s.as_lit() {
            Some(l) => l
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{l:?} is not a whole number")),
            None => Err(format!("{} is known only at deploy time", s.render())),
        })
    }
}

/// The bytes a string's parts hold.
fn str_len(s: &Str) -> usize {
    s.0.iter()
        .map(|p| match p {
            Part::Lit(t) | Part::Unknown(t) => t.len(),
            Part::Ref { target, attr } => target.len() + attr.as_ref().map_or(0, String::len),
        })
        .sum()
}

fn first_span(l: &Lookup) -> Option<Span> {
    match l {
        Lookup::Absent => None,
        Lookup::Found(n) => Some(n.span),
        Lookup::Branches(bs) => bs.iter().find_map(|(_, b)| first_span(b)),
    }
}

fn convert<T>(p: Prop<Str>, f: &dyn Fn(&Str) -> Result<T, String>) -> Prop<T> {
    p.try_map(f)
}

impl Val<Str> {
    /// The literal text when known and without symbolic parts.
    pub fn known_lit(&self) -> Option<&str> {
        match self {
            Val::Known(s) => s.as_lit(),
            _ => None,
        }
    }
}

/// A condition in words: `Stage = prod`, `not IsDev`, `A and B`.
fn describe_condition(node: &Node, depth: usize) -> Option<String> {
    if depth > 4 {
        return None;
    }
    if let Some(name) = node.get("Condition").and_then(Node::as_scalar) {
        return Some(name.to_string());
    }
    let (name, args) = node.as_intrinsic()?;
    let args = args.as_seq()?;
    let operand = |n: &Node| -> Option<String> {
        match n.as_intrinsic() {
            Some(("Ref", r)) => r.as_scalar().map(str::to_string),
            Some(_) => describe_condition(n, depth + 1),
            None => n.as_scalar().map(|s| {
                if s.is_empty() {
                    "''".to_string()
                } else {
                    s.to_string()
                }
            }),
        }
    };
    match name {
        "Fn::Equals" => {
            let [a, b] = args else { return None };
            Some(format!("{} = {}", operand(a)?, operand(b)?))
        }
        "Fn::Not" => {
            let [a] = args else { return None };
            let inner = describe_condition(a, depth + 1)?;
            Some(match a.as_intrinsic() {
                Some(("Fn::Equals", _)) => inner.replacen(" = ", " != ", 1),
                _ => format!("not {inner}"),
            })
        }
        "Fn::And" | "Fn::Or" => {
            let joint = if name == "Fn::And" { " and " } else { " or " };
            let parts: Option<Vec<String>> = args
                .iter()
                .map(|a| describe_condition(a, depth + 1))
                .collect();
            Some(parts?.join(joint))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cfn::yaml;
    use crate::source::FileId;

    const T: &str = r#"
Parameters:
  Stage: {Type: String}
  Pitr: {Type: String, Default: "true"}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  Always: !Equals [a, a]
  Never: !Not [!Condition Always]
Mappings:
  M: {us: {mode: PAY_PER_REQUEST}}
Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      A: !If [IsProd, true, false]
      B: !If [Always, x, y]
      C: !Ref Pitr
      D: !Sub "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${T}"
      E: !Join ["", [!GetAtt T.Arn, "/index/*"]]
      F: !FindInMap [M, us, mode]
      G: !If [IsProd, {X: 1}, !Ref AWS::NoValue]
      H: True
      I: !Ref Stage
      J: !If [Never, 1, 2]
"#;

    fn with<R>(f: impl FnOnce(&Template, &Node) -> R) -> R {
        let root = yaml::parse(T, FileId(0)).unwrap();
        let t = Template::new(&root);
        let props = root
            .get("Resources")
            .unwrap()
            .get("T")
            .unwrap()
            .get("Properties")
            .unwrap();
        f(&t, props)
    }

    #[test]
    fn if_with_unknown_condition_gives_both_branches() {
        with(|t, p| {
            let a = t.prop_bool(p, &["A"]).unwrap();
            let vals: Vec<bool> = a.known_values().into_iter().map(|(v, _)| *v).collect();
            assert_eq!(vals, vec![true, false]);
        });
    }

    #[test]
    fn known_conditions_pick_one_branch() {
        with(|t, p| {
            assert_eq!(
                t.prop_string(p, &["B"]).unwrap().get(),
                Some(&"x".to_string())
            );
            assert_eq!(t.prop_int(p, &["J"]).unwrap().get(), Some(&2));
        });
    }

    #[test]
    fn parameter_defaults_and_capital_booleans_resolve() {
        with(|t, p| {
            assert_eq!(t.prop_bool(p, &["C"]).unwrap().get(), Some(&true));
            assert_eq!(t.prop_bool(p, &["H"]).unwrap().get(), Some(&true));
            assert!(matches!(
                t.prop_string(p, &["I"]).unwrap().val,
                Val::Unknown(_)
            ));
        });
    }

    #[test]
    fn sub_join_keep_references() {
        with(|t, p| {
            let d = t.prop_str(p, &["D"]).unwrap();
            let d = d.get().unwrap();
            assert!(d.refers_to("T"));
            assert_eq!(
                d.render(),
                "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${T}"
            );
            let e = t.prop_str(p, &["E"]).unwrap();
            assert_eq!(e.get().unwrap().render(), "${T.Arn}/index/*");
            assert_eq!(
                t.prop_string(p, &["F"]).unwrap().get(),
                Some(&"PAY_PER_REQUEST".into())
            );
        });
    }

    #[test]
    fn no_value_branch_is_absent() {
        with(|t, p| {
            let g = t.prop_int(p, &["G", "X"]).unwrap();
            let Val::OneOf(bs) = &g.val else {
                panic!("{g:?}")
            };
            assert_eq!(bs.len(), 2);
            assert!(bs[1].value.is_none());
        });
    }
}
