//! The model document: one per scope, in ddbguard's terms and the same shape for
//! CloudFormation, CDK and Terraform, so one Guard rule covers all three. Only known values
//! are present: an unresolved value (a parameter without default, a variable without value)
//! or a conditional whose branches differ is left out. `schema/policy-model.schema.json`
//! describes it.

use super::document::{Document, Locator, Place};
use crate::model::{Kind, Prop, Scope, Str, Val};
use crate::source::{SourceMap, Span};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Spans of the model document's values, by path, and the resource each entry is.
#[derive(Default)]
pub struct Spans {
    values: HashMap<String, Span>,
    /// `/tables/0` → index of the resource in the scope.
    resources: HashMap<String, usize>,
    /// Paths of values that are set but not known (left out of the document).
    unknown: std::collections::HashSet<String>,
}

impl Spans {
    /// Whether a failure is about a value that is set but unknown: rules never fail on those.
    pub fn is_unknown(&self, path: &str, missing: Option<&str>) -> bool {
        let Some(missing) = missing else { return false };
        let mut full = path.trim_end_matches('/').to_string();
        for seg in missing.split('.').filter(|s| !s.is_empty()) {
            full.push('/');
            full.push_str(seg.trim_matches(['"', '\'']));
            if self.unknown.contains(&full) {
                return true;
            }
        }
        false
    }

    pub fn place(&self, scope: &Scope, path: &str, missing: bool) -> Place {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let resource = (segments.len() >= 2)
            .then(|| format!("/{}/{}", segments[0], segments[1]))
            .and_then(|p| self.resources.get(&p))
            .and_then(|i| scope.resources.get(*i));
        let header = resource.map(|r| r.span);
        let mut span = None;
        if missing && segments.len() > 2 {
            // Missing inside a nested value (a replica, an index): at that value.
            span = self
                .values
                .get(&format!("/{}", segments.join("/")))
                .copied();
        }
        if !missing {
            // The value itself, else the nearest enclosing value with a span.
            for n in (1..=segments.len()).rev() {
                let p = format!("/{}", segments[..n].join("/"));
                if let Some(s) = self.values.get(&p) {
                    span = Some(*s);
                    break;
                }
                if n <= 2 {
                    break;
                }
            }
        }
        let span = span.or(header).unwrap_or_else(|| {
            Span::new(
                scope
                    .files
                    .first()
                    .copied()
                    .unwrap_or(crate::source::FileId(0)),
                0,
                0,
            )
        });
        Place {
            span,
            resource: resource.map(|r| r.reference()),
        }
    }
}

/// The model document of a scope.
pub fn document(scope: &Scope, sources: &SourceMap) -> Document {
    let mut b = Builder::default();
    let mut lists: [(&str, Vec<Value>); 6] = [
        ("tables", Vec::new()),
        ("alarms", Vec::new()),
        ("keys", Vec::new()),
        ("dax_clusters", Vec::new()),
        ("endpoints", Vec::new()),
        ("policies", Vec::new()),
    ];
    for (i, r) in scope.resources.iter().enumerate() {
        let slot = match &r.kind {
            Kind::Table(_) => 0,
            Kind::Alarm(_) => 1,
            Kind::KmsKey(_) => 2,
            Kind::Dax(_) => 3,
            Kind::VpcEndpoint(_) => 4,
            Kind::Policy(p) if !p.statements.is_empty() => 5,
            _ => continue,
        };
        let path = format!("/{}/{}", lists[slot].0, lists[slot].1.len());
        b.spans.resources.insert(path.clone(), i);
        b.spans.values.insert(path.clone(), r.span);
        let mut o = Map::new();
        o.insert("id".into(), r.id.clone().into());
        o.insert("type".into(), r.rtype.clone().into());
        o.insert("path".into(), sources.get(r.file).display_path().into());
        if let Some(c) = &r.cdk_path {
            o.insert("cdk_path".into(), c.clone().into());
        }
        match &r.kind {
            Kind::Table(t) => b.table(&mut o, &path, t),
            Kind::Alarm(a) => {
                let metrics: Vec<Value> = a
                    .metrics
                    .iter()
                    .enumerate()
                    .map(|(j, m)| {
                        let p = format!("{path}/metrics/{j}");
                        let mut mo = Map::new();
                        b.prop(&mut mo, &p, "namespace", m.namespace.as_ref(), str_value);
                        b.prop(
                            &mut mo,
                            &p,
                            "metric_name",
                            m.metric_name.as_ref(),
                            str_value,
                        );
                        let mut dims = Map::new();
                        let mut unknown = Vec::new();
                        for d in &m.dimensions {
                            if let Some(name) = known(&d.name, str_value)
                                .and_then(|v| v.as_str().map(str::to_string))
                            {
                                b.map_prop(
                                    &mut dims,
                                    &mut unknown,
                                    &p,
                                    "dimensions",
                                    &name,
                                    &d.value,
                                );
                            }
                        }
                        mo.insert("dimensions".into(), Value::Object(dims));
                        add_unknown(&mut mo, unknown);
                        Value::Object(mo)
                    })
                    .collect();
                o.insert("metrics".into(), Value::Array(metrics));
            }
            Kind::KmsKey(k) => b.prop(&mut o, &path, "rotation", k.rotation.as_ref(), bool_value),
            Kind::Dax(d) => {
                b.prop(
                    &mut o,
                    &path,
                    "sse_enabled",
                    d.sse_enabled.as_ref(),
                    bool_value,
                );
                b.prop(
                    &mut o,
                    &path,
                    "endpoint_encryption",
                    d.endpoint_encryption.as_ref(),
                    string_value,
                );
            }
            Kind::VpcEndpoint(e) => {
                b.prop(
                    &mut o,
                    &path,
                    "service_name",
                    e.service_name.as_ref(),
                    str_value,
                );
                b.prop(
                    &mut o,
                    &path,
                    "endpoint_type",
                    e.endpoint_type.as_ref(),
                    string_value,
                );
                b.prop(&mut o, &path, "vpc", e.vpc.as_ref(), str_value);
                let rts: Vec<Value> = e
                    .route_tables
                    .iter()
                    .filter_map(|p| known(p, str_value))
                    .collect();
                o.insert("route_tables".into(), Value::Array(rts));
            }
            Kind::Policy(p) => {
                let statements: Vec<Value> = p
                    .statements
                    .iter()
                    .enumerate()
                    .map(|(j, s)| {
                        let sp = format!("{path}/statements/{j}");
                        b.spans.values.insert(sp.clone(), s.span);
                        let mut so = Map::new();
                        if let Some(sid) = &s.sid {
                            so.insert("sid".into(), sid.clone().into());
                        }
                        b.prop(&mut so, &sp, "effect", s.effect.as_ref(), string_value);
                        for (k, list) in [
                            ("actions", &s.actions),
                            ("not_actions", &s.not_actions),
                            ("resources", &s.resources),
                            ("not_resources", &s.not_resources),
                        ] {
                            if list.is_empty() {
                                continue;
                            }
                            let items = list
                                .iter()
                                .enumerate()
                                .filter_map(|(n, p)| {
                                    b.spans.values.insert(format!("{sp}/{k}/{n}"), p.span);
                                    known(p, str_value)
                                })
                                .collect();
                            so.insert(k.into(), Value::Array(items));
                        }
                        Value::Object(so)
                    })
                    .collect();
                o.insert("statements".into(), Value::Array(statements));
            }
            _ => {}
        }
        lists[slot].1.push(Value::Object(o));
    }
    let mut root = Map::new();
    root.insert("format".into(), scope.format.as_str().into());
    root.insert("scope".into(), scope.name.clone().into());
    for (k, v) in lists {
        root.insert(k.into(), Value::Array(v));
    }
    Document {
        name: format!("{} (model)", scope.name),
        json: Value::Object(root).to_string().into(),
        file: scope
            .files
            .first()
            .copied()
            .unwrap_or(crate::source::FileId(0)),
        locator: Locator::Model(b.spans),
    }
}

#[derive(Default)]
struct Builder {
    spans: Spans,
}

impl Builder {
    /// A value of a map whose keys are data (tags, dimensions): known values go into `o`;
    /// unknown ones are named `{name}.{key}` in `parent`'s `unknown` list.
    fn map_prop(
        &mut self,
        o: &mut Map<String, Value>,
        parent: &mut Vec<Value>,
        path: &str,
        name: &str,
        key: &str,
        p: &Prop<Str>,
    ) {
        let at = format!("{path}/{name}/{key}");
        self.spans.values.insert(at.clone(), p.span);
        match known(p, str_value) {
            Some(v) => {
                o.insert(key.into(), v);
            }
            None => {
                parent.push(format!("{name}.{key}").into());
                self.spans.unknown.insert(at);
            }
        }
    }

    /// Insert a known value at `key`, and remember its span.
    fn prop<T>(
        &mut self,
        o: &mut Map<String, Value>,
        path: &str,
        key: &str,
        p: Option<&Prop<T>>,
        f: fn(&T) -> Option<Value>,
    ) {
        let Some(p) = p else { return };
        let at = format!("{path}/{key}");
        self.spans.values.insert(at.clone(), p.span);
        match known(p, f) {
            Some(v) => {
                o.insert(key.into(), v);
            }
            None => {
                let unknown = o
                    .entry("unknown")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = unknown {
                    list.push(key.into());
                }
                self.spans.unknown.insert(at);
            }
        }
    }

    fn table(&mut self, o: &mut Map<String, Value>, path: &str, t: &crate::model::Table) {
        o.insert(
            "table_kind".into(),
            match t.table_kind {
                crate::model::TableKind::Table => "table",
                crate::model::TableKind::Global => "global",
            }
            .into(),
        );
        self.prop(o, path, "name", t.name.as_ref(), str_value);
        self.prop(
            o,
            path,
            "billing_mode",
            t.billing_mode.as_ref(),
            string_value,
        );
        o.insert("provisioned".into(), t.is_provisioned().into());
        self.prop(o, path, "pitr", t.pitr.as_ref(), bool_value);
        self.prop(
            o,
            path,
            "pitr_recovery_days",
            t.pitr_recovery_days.as_ref(),
            |d| Some(json!(d)),
        );
        self.prop(
            o,
            path,
            "deletion_protection",
            t.deletion_protection.as_ref(),
            bool_value,
        );
        self.prop(
            o,
            path,
            "deletion_policy",
            t.deletion_policy.as_ref(),
            string_value,
        );
        self.prop(
            o,
            path,
            "update_replace_policy",
            t.update_replace_policy.as_ref(),
            string_value,
        );
        self.prop(
            o,
            path,
            "prevent_destroy",
            t.prevent_destroy.as_ref(),
            bool_value,
        );
        self.prop(
            o,
            path,
            "contributor_insights",
            t.contributor_insights.as_ref(),
            bool_value,
        );
        let key_of = |keys: &[crate::model::KeyElement], kt: crate::model::KeyType| {
            keys.iter()
                .find(|k| k.key_type.get() == Some(&kt))
                .and_then(|k| k.attribute.get().cloned())
        };
        if let Some(h) = key_of(&t.key_schema, crate::model::KeyType::Hash) {
            o.insert("hash_key".into(), h.into());
        }
        if let Some(r) = key_of(&t.key_schema, crate::model::KeyType::Range) {
            o.insert("range_key".into(), r.into());
        }
        let sse_path = format!("{path}/sse");
        if let Some(s) = t.sse.span {
            self.spans.values.insert(sse_path.clone(), s);
        }
        let mut sse = Map::new();
        self.prop(
            &mut sse,
            &sse_path,
            "enabled",
            t.sse.enabled.as_ref(),
            bool_value,
        );
        self.prop(
            &mut sse,
            &sse_path,
            "sse_type",
            t.sse.sse_type.as_ref(),
            string_value,
        );
        self.prop(
            &mut sse,
            &sse_path,
            "kms_key",
            t.sse.key.as_ref(),
            str_value,
        );
        o.insert("sse".into(), Value::Object(sse));
        let mut tags = Map::new();
        let mut unknown = Vec::new();
        for tag in &t.tags {
            self.map_prop(&mut tags, &mut unknown, path, "tags", &tag.key, &tag.value);
        }
        o.insert("tags".into(), Value::Object(tags));
        add_unknown(o, unknown);
        for (k, list, span) in [
            ("gsis", &t.gsis, t.gsis_span),
            ("lsis", &t.lsis, t.lsis_span),
        ] {
            if let Some(s) = span {
                self.spans.values.insert(format!("{path}/{k}"), s);
            }
            let items = list
                .iter()
                .enumerate()
                .map(|(i, ix)| {
                    let ip = format!("{path}/{k}/{i}");
                    self.spans.values.insert(ip.clone(), ix.span);
                    let mut io = Map::new();
                    self.prop(&mut io, &ip, "name", Some(&ix.name), string_value);
                    if let Some(h) = key_of(&ix.key_schema, crate::model::KeyType::Hash) {
                        io.insert("hash_key".into(), h.into());
                    }
                    if let Some(r) = key_of(&ix.key_schema, crate::model::KeyType::Range) {
                        io.insert("range_key".into(), r.into());
                    }
                    io.insert("provisioned".into(), ix.provisioned.into());
                    Value::Object(io)
                })
                .collect();
            o.insert(k.into(), Value::Array(items));
        }
        let replicas = t
            .replicas
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let rp = format!("{path}/replicas/{i}");
                self.spans.values.insert(rp.clone(), r.span);
                let mut ro = Map::new();
                self.prop(&mut ro, &rp, "region", Some(&r.region), str_value);
                self.prop(&mut ro, &rp, "pitr", r.pitr.as_ref(), bool_value);
                self.prop(
                    &mut ro,
                    &rp,
                    "deletion_protection",
                    r.deletion_protection.as_ref(),
                    bool_value,
                );
                self.prop(&mut ro, &rp, "kms_key", r.kms_key.as_ref(), str_value);
                Value::Object(ro)
            })
            .collect();
        o.insert("replicas".into(), Value::Array(replicas));
    }
}

/// The value of a property when it is known: unconditional, or the same in every branch.
fn known<T>(p: &Prop<T>, f: fn(&T) -> Option<Value>) -> Option<Value> {
    match &p.val {
        Val::Known(v) => f(v),
        Val::Unknown(_) => None,
        Val::OneOf(branches) => {
            let mut values = branches.iter().map(|b| match &b.value {
                Some(Val::Known(v)) => f(v),
                _ => None,
            });
            let first = values.next()??;
            values.all(|v| v.as_ref() == Some(&first)).then_some(first)
        }
    }
}

/// Name more unknown values in an object's `unknown` list.
fn add_unknown(o: &mut Map<String, Value>, names: Vec<Value>) {
    if names.is_empty() {
        return;
    }
    if let Value::Array(list) = o
        .entry("unknown")
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        list.extend(names);
    }
}

fn bool_value(b: &bool) -> Option<Value> {
    Some(Value::Bool(*b))
}

// A `fn(&T)` for `Prop<String>`: the `&String` is the type's.
#[allow(clippy::ptr_arg)]
fn string_value(s: &String) -> Option<Value> {
    Some(Value::String(s.clone()))
}

fn str_value(s: &Str) -> Option<Value> {
    Some(Value::String(
        s.as_lit().map_or_else(|| s.render(), str::to_string),
    ))
}
