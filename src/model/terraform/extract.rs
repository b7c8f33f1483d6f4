//! Resolved Terraform resources into the typed model.

use super::eval::{Expansion, Inst, RBlock, RBody, frame_env, frame_value, key_suffix, kv_key};
use super::parse::{Decl, Module, label};
use super::value::{Sv, V};
use crate::model::{
    Alarm, AttributeDef, Branch, Condition, ContributorInsights, Dax, Dimension,
    EndpointRouteTable, Index, InlineSuppression, KeyElement, KeyType, Kind, KmsAlias, KmsKey,
    Metric, Policy, Principal, Problem, Prop, Replica, Resource, ScalableTarget, Statement, Str,
    Table, TableKind, Tag, Val, VpcEndpoint,
};
use crate::source::{FileId, SourceMap, Span};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most resource instances read for one root module (all modules and expansions).
pub const MAX_RESOURCES: usize = 100_000;

/// Resource types read into the model (every other type is [`Kind::Other`]).
pub const MODELLED: &[&str] = &[
    "aws_dynamodb_table",
    "aws_dynamodb_global_table",
    "aws_dynamodb_table_replica",
    "aws_dynamodb_contributor_insights",
    "aws_dax_cluster",
    "aws_vpc",
    "aws_default_vpc",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_route_table_association",
    "aws_cloudwatch_metric_alarm",
    "aws_kms_key",
    "aws_kms_alias",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
    "aws_appautoscaling_target",
    "aws_dynamodb_resource_policy",
    "aws_ssoadmin_permission_set_inline_policy",
];

/// Whether the root has all the resource instances it may read (noted once).
fn full(inst: &Inst, out: &[Resource]) -> bool {
    let full = out.len() >= MAX_RESOURCES;
    if full {
        inst.sh.note(format!(
            "more than {MAX_RESOURCES} resource instances: the rest is not read"
        ));
    }
    full
}

/// A managed resource instance as evaluated: what the plan-shaped document policies see is
/// built from (kept only when policies are loaded or their documents printed).
#[derive(Clone, Debug)]
pub struct Evaluated {
    /// `module.db.aws_dynamodb_table.t["a"]`.
    pub address: String,
    pub rtype: String,
    pub name: String,
    /// `module.db` (none in the root module).
    pub module_address: Option<String>,
    /// The instance key (`count.index` or `each.key`), when the block is expanded.
    pub index: Option<serde_json::Value>,
    /// The `resource "type" "name"` header.
    pub header: Span,
    pub body: RBody,
}

/// Every resource of `inst` and of the modules it calls, in declaration order.
pub fn collect(inst: &Inst, out: &mut Vec<Resource>, used: &mut Vec<Arc<Module>>) {
    collect_keeping(inst, out, used, None);
}

/// [`collect`], keeping every managed resource instance's evaluated body in `keep` (every
/// type's body is then evaluated, not only the modelled ones').
pub fn collect_keeping(
    inst: &Inst,
    out: &mut Vec<Resource>,
    used: &mut Vec<Arc<Module>>,
    mut keep: Option<&mut Vec<Evaluated>>,
) {
    used.push(inst.m.clone());
    for decl in &inst.m.resources {
        let (Some(rtype), Some(name)) = (label(&decl.block, 0), label(&decl.block, 1)) else {
            continue;
        };
        if full(inst, out) {
            return;
        }
        let f = decl.file;
        let base = format!("{}{rtype}.{name}", inst.prefix);
        let header = decl.block.header.at(f);
        let suppressions = block_suppressions(inst, decl);
        // Only modelled types need their values: references to a resource stay symbolic,
        // so nothing reads an unmodelled resource's attributes (unless policies do).
        let modelled = MODELLED.contains(&rtype);
        // What evaluating an unmodelled body for policies meets is not the model's problem.
        let bodies = instance_bodies(inst, decl, &base, modelled || keep.is_some());
        let problems_before = inst.sh.problems.borrow().len();
        for (addr, mut body) in bodies {
            if !modelled {
                inst.sh.problems.borrow_mut().truncate(problems_before);
            }
            if full(inst, out) {
                return;
            }
            if let Some(keep) = keep.as_deref_mut() {
                keep.push(Evaluated {
                    index: addr
                        .strip_prefix(base.as_str())
                        .and_then(|k| k.strip_prefix('['))
                        .and_then(|k| k.strip_suffix(']'))
                        .and_then(|k| serde_json::from_str(k).ok()),
                    address: addr.clone(),
                    rtype: rtype.to_string(),
                    name: name.to_string(),
                    module_address: inst
                        .prefix
                        .strip_suffix('.')
                        .filter(|p| !p.is_empty())
                        .map(str::to_string),
                    header,
                    // An unmodelled type's body is read by nothing else.
                    body: if modelled {
                        body.clone()
                    } else {
                        std::mem::take(&mut body)
                    },
                });
            }
            let mut problems = Vec::new();
            let sources = Some(inst.sh.loader.sources);
            let (kind, traces) = super::value::traced(|| {
                resource_kind(rtype, &body, header, sources, &mut problems)
            });
            inst.sh.remember(&addr, traces);
            let res = Resource {
                id: addr,
                rtype: rtype.to_string(),
                file: f,
                span: header,
                cdk_path: construct_path(&decl.block),
                suppressions: suppressions.clone(),
                kind,
            };
            let rref = res.reference();
            inst.sh
                .problems
                .borrow_mut()
                .extend(problems.into_iter().map(|mut p| {
                    p.resource = Some(rref.clone());
                    p
                }));
            out.push(res);
        }
    }
    // Policy documents are resources of the model (they carry statements), one per
    // instance: a document with `count = 0` does not exist.
    for decl in &inst.m.data {
        let (Some("aws_iam_policy_document"), Some(name)) =
            (label(&decl.block, 0), label(&decl.block, 1))
        else {
            continue;
        };
        let f = decl.file;
        let header = decl.block.header.at(f);
        let suppressions = block_suppressions(inst, decl);
        let base = format!("{}data.aws_iam_policy_document.{name}", inst.prefix);
        for doc in inst.documents(name, 0).iter() {
            if full(inst, out) {
                return;
            }
            let addr = match &doc.key {
                Some(k) if k.as_text().is_some() => format!("{base}{}", key_suffix(k)),
                _ => base.clone(),
            };
            let mut problems = Vec::new();
            let statements = statements_from_doc(&doc.doc, &mut problems);
            out.push(Resource {
                id: addr,
                rtype: "aws_iam_policy_document".into(),
                file: f,
                span: header,
                cdk_path: None,
                suppressions: suppressions.clone(),
                kind: Kind::Policy(Policy {
                    statements,
                    ..Policy::default()
                }),
            });
        }
    }
    for call in &inst.m.calls {
        let Some(name) = label(&call.block, 0) else {
            continue;
        };
        if full(inst, out) {
            return;
        }
        if let super::eval::Children::Instances(list) = &*inst.children(name) {
            for (_, child) in list {
                if full(inst, out) {
                    return;
                }
                inst.sh.called(
                    child,
                    name,
                    call.block.header.at(call.file),
                    block_suppressions(inst, call),
                );
                collect_keeping(child, out, used, keep.as_deref_mut());
            }
        }
    }
}

/// The address of each instance of a resource or data block and its resolved body (left
/// empty when `resolve` is false), resolved as the caller asks for the next one.
fn instance_bodies<'a>(
    inst: &'a Inst,
    decl: &'a Decl,
    base: &str,
    resolve: bool,
) -> impl Iterator<Item = (String, RBody)> + 'a {
    let f = decl.file;
    instance_addresses(base, inst.expansion(&decl.block.body, f, base))
        .into_iter()
        .map(move |(addr, frame)| {
            let body = if resolve {
                inst.resolve_body(&decl.block.body, f, frame_env(frame).as_ref(), 0)
            } else {
                RBody::default()
            };
            (addr, body)
        })
}

/// The construct path CDK for Terraform records in a resource it synthesizes
/// (`"//": {"metadata": {"path": "app/orders-table"}}` in `cdk.tf.json`).
fn construct_path(block: &super::ast::Block) -> Option<String> {
    let meta = object_field(&block.body.attr("//")?.value, "metadata")?;
    object_field(meta, "path")?.as_str().map(str::to_string)
}

/// The expression of key `name` in an object expression.
fn object_field<'a>(e: &'a super::ast::Expr, name: &str) -> Option<&'a super::ast::Expr> {
    use super::ast::{E, Key};
    match &e.e {
        E::Object(entries) => entries.iter().find_map(|(k, v)| match k {
            Key::Ident(k) if &**k == name => Some(v),
            _ => None,
        }),
        _ => None,
    }
}

/// `ddbguard:ignore` comments that apply to a block.
fn block_suppressions(inst: &Inst, decl: &Decl) -> Vec<InlineSuppression> {
    let span = decl.block.sp.at(decl.file);
    inst.m
        .file(decl.file)
        .map(|fi| fi.suppressions_for(span.start as usize, span.end as usize))
        .unwrap_or_default()
}

/// `aws_dynamodb_table_replica` resources become replicas of the table they name, when it
/// is in scope.
pub fn attach_replicas(resources: &mut [Resource], sh: &super::eval::Shared) {
    let mut adds: Vec<(String, Replica)> = Vec::new();
    // A replica resource is carried as a one-replica table until here.
    for r in resources.iter_mut() {
        if r.rtype != "aws_dynamodb_table_replica" {
            continue;
        }
        let kind = std::mem::replace(&mut r.kind, Kind::Other);
        if let Kind::Table(t) = kind {
            let target = t
                .name
                .as_ref()
                .and_then(|p| p.get())
                .and_then(|s| s.as_ref_part().map(|(t, _)| t.to_string()));
            if let (Some(target), Some(rep)) = (target, t.replicas.into_iter().next()) {
                adds.push((target, rep));
            } else {
                sh.note(format!(
                    "{}: the table it replicates is not known: its settings are not checked",
                    r.id
                ));
            }
        }
    }
    for (target, rep) in adds {
        let found = resources.iter_mut().find(|r| r.id == target);
        match found {
            Some(Resource {
                kind: Kind::Table(t),
                ..
            }) => t.replicas.push(rep),
            _ => sh.note(format!(
                "replica of {target}: the table is not in this scope: its settings are not checked"
            )),
        }
    }
}

// ------------------------------------------------------------------ conversions

fn conv_val<T>(v: &Sv, conv: &dyn Fn(&Sv) -> Option<T>, what: &str) -> Option<Val<T>> {
    super::value::remember(v);
    match &v.v {
        V::Null => None,
        V::Unknown(why) => Some(Val::Unknown(
            why.strip_prefix(super::eval::ERR)
                .unwrap_or(why)
                .to_string(),
        )),
        V::OneOf(bs) => Some(Val::OneOf(
            bs.iter()
                .map(|b| Branch {
                    span: b.span,
                    value: conv_val(b, conv, what),
                })
                .collect(),
        )),
        _ => Some(match conv(v) {
            Some(x) => Val::Known(x),
            None => Val::Unknown(format!("{what} expected, found {}", v.type_name())),
        }),
    }
}

fn prop<T>(v: Option<&Sv>, conv: &dyn Fn(&Sv) -> Option<T>, what: &str) -> Option<Prop<T>> {
    let v = v?;
    conv_val(v, conv, what).map(|val| Prop { span: v.span, val })
}

fn p_bool(v: Option<&Sv>) -> Option<Prop<bool>> {
    prop(v, &Sv::as_bool, "a bool")
}

fn p_str(v: Option<&Sv>) -> Option<Prop<Str>> {
    prop(v, &Sv::as_str, "a string")
}

fn p_string(v: Option<&Sv>) -> Option<Prop<String>> {
    let v = v?;
    if let V::Str(s) = &v.v
        && s.as_lit().is_none()
    {
        return Some(Prop::unknown(
            v.span,
            format!("{} is not known", s.render()),
        ));
    }
    prop(Some(v), &Sv::as_text, "a string")
}

fn p_int(v: Option<&Sv>) -> Option<Prop<i64>> {
    prop(v, &|s: &Sv| s.as_num().map(|n| n as i64), "a number")
}

fn list_of_str(v: Option<&Sv>) -> Vec<Prop<Str>> {
    match v.map(|v| &v.v) {
        Some(V::List(items)) => items.iter().filter_map(|i| p_str(Some(i))).collect(),
        Some(_) => p_str(v).into_iter().collect(),
        None => Vec::new(),
    }
}

fn tags(v: Option<&Sv>) -> Vec<Tag> {
    let Some(m) = v.and_then(Sv::as_obj) else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, val)| {
            p_str(Some(val)).map(|value| Tag {
                key: k.clone(),
                value,
            })
        })
        .collect()
}

fn attr_span(b: &RBody, k: &str) -> Option<Span> {
    b.attrs.get(k).map(|a| a.span)
}

// ------------------------------------------------------------------ resources

pub(crate) fn resource_kind(
    rtype: &str,
    b: &RBody,
    header: Span,
    sources: Option<&SourceMap>,
    problems: &mut Vec<Problem>,
) -> Kind {
    match rtype {
        "aws_dynamodb_table" => Kind::Table(Box::new(table(b))),
        "aws_dynamodb_global_table" => {
            let mut t = Table::new(TableKind::Global);
            t.name = p_str(b.attr("name"));
            for r in b.blocks("replica") {
                // The legacy global table joins regional tables that carry PITR and
                // deletion protection themselves.
                let why = "set on the regional aws_dynamodb_table";
                t.replicas.push(Replica {
                    region: p_str(r.body.attr("region_name"))
                        .unwrap_or_else(|| Prop::unknown(r.header, "region not set")),
                    span: r.span,
                    pitr: Some(Prop::unknown(r.span, why)),
                    pitr_recovery_days: None,
                    deletion_protection: Some(Prop::unknown(r.span, why)),
                    kms_key: None,
                    contributor_insights: None,
                    tags: Vec::new(),
                });
            }
            Kind::Table(Box::new(t))
        }
        "aws_dynamodb_table_replica" => {
            // Carried as a table holding one replica until `attach_replicas` moves it.
            let mut t = Table::new(TableKind::Global);
            t.name = p_str(b.attr("global_table_arn"));
            t.replicas.push(Replica {
                region: Prop::unknown(header, "the replica's region comes from its provider"),
                span: header,
                pitr: p_bool(b.attr("point_in_time_recovery")),
                pitr_recovery_days: None,
                deletion_protection: p_bool(b.attr("deletion_protection_enabled")),
                kms_key: p_str(b.attr("kms_key_arn")),
                contributor_insights: None,
                tags: tags(b.attr("tags")),
            });
            Kind::Table(Box::new(t))
        }
        "aws_dynamodb_contributor_insights" => Kind::ContributorInsights(ContributorInsights {
            table: p_str(b.attr("table_name")),
            index: p_str(b.attr("index_name")),
            enabled: Some(Prop::known(header, true)),
        }),
        "aws_dax_cluster" => Kind::Dax(Dax {
            sse_enabled: b.block("server_side_encryption").map(|s| {
                p_bool(s.body.attr("enabled")).unwrap_or_else(|| Prop::known(s.span, false))
            }),
            endpoint_encryption: p_string(b.attr("cluster_endpoint_encryption_type")),
            replication_factor: p_int(b.attr("replication_factor")),
        }),
        "aws_appautoscaling_target" => Kind::ScalableTarget(ScalableTarget {
            namespace: p_str(b.attr("service_namespace")),
            resource_id: p_str(b.attr("resource_id")),
            dimension: p_str(b.attr("scalable_dimension")),
            min_capacity: p_int(b.attr("min_capacity")),
            max_capacity: p_int(b.attr("max_capacity")),
        }),
        "aws_dynamodb_resource_policy" => {
            let resource_arn = p_str(b.attr("resource_arn"));
            let stream = resource_arn.as_ref().is_some_and(|p| {
                p.known_values().iter().any(|(s, _)| {
                    s.0.iter().any(|part| {
                        matches!(part, crate::model::Part::Ref { attr: Some(a), .. } if a == "stream_arn")
                            || matches!(part, crate::model::Part::Lit(l) if l.contains("/stream/"))
                    })
                })
            });
            Kind::Policy(Policy {
                statements: b
                    .attr("policy")
                    .map(|p| policy_statements(p, sources, problems))
                    .unwrap_or_default(),
                resource_arn: Some(
                    resource_arn.unwrap_or_else(|| Prop::unknown(header, "resource_arn not set")),
                ),
                on: stream.then(|| "the stream".to_string()),
                trust: Vec::new(),
            })
        }
        "aws_ssoadmin_permission_set_inline_policy" => Kind::Policy(Policy {
            statements: b
                .attr("inline_policy")
                .map(|p| policy_statements(p, sources, problems))
                .unwrap_or_default(),
            ..Policy::default()
        }),
        "aws_vpc" | "aws_default_vpc" => Kind::Vpc,
        "aws_vpc_endpoint" => Kind::VpcEndpoint(VpcEndpoint {
            service_name: p_str(b.attr("service_name")),
            endpoint_type: p_string(b.attr("vpc_endpoint_type")),
            vpc: p_str(b.attr("vpc_id")),
            route_tables: list_of_str(b.attr("route_table_ids")),
            route_tables_span: attr_span(b, "route_table_ids"),
        }),
        "aws_vpc_endpoint_route_table_association" => {
            Kind::EndpointRouteTable(EndpointRouteTable {
                endpoint: p_str(b.attr("vpc_endpoint_id")),
                route_table: p_str(b.attr("route_table_id")),
            })
        }
        "aws_cloudwatch_metric_alarm" => {
            let mut alarm = Alarm::default();
            if b.attr("metric_name").is_some() || b.attr("namespace").is_some() {
                alarm.metrics.push(metric(&b.attrs_body()));
            }
            for q in b.blocks("metric_query") {
                for m in q.body.blocks("metric") {
                    alarm.metrics.push(metric(&m.body));
                }
            }
            alarm.actions = list_of_str(b.attr("alarm_actions"));
            alarm.actions_span = attr_span(b, "alarm_actions");
            alarm.actions_enabled = p_bool(b.attr("actions_enabled"));
            Kind::Alarm(alarm)
        }
        "aws_kms_key" => Kind::KmsKey(KmsKey {
            rotation: p_bool(b.attr("enable_key_rotation")),
        }),
        "aws_kms_alias" => Kind::KmsAlias(KmsAlias {
            name: p_str(b.attr("name")),
            target_key: p_str(b.attr("target_key_id")),
        }),
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => {
            let statements = b
                .attr("policy")
                .map(|p| policy_statements(p, sources, problems))
                .unwrap_or_default();
            Kind::Policy(Policy {
                statements,
                ..Policy::default()
            })
        }
        "aws_iam_role" => {
            let mut statements = Vec::new();
            for ip in b.blocks("inline_policy") {
                if let Some(p) = ip.body.attr("policy") {
                    statements.extend(policy_statements(p, sources, problems));
                }
            }
            let trust = b
                .attr("assume_role_policy")
                .map(|p| policy_statements(p, sources, problems))
                .unwrap_or_default();
            if statements.is_empty() && trust.is_empty() {
                Kind::Other
            } else {
                Kind::Policy(Policy {
                    statements,
                    trust,
                    ..Policy::default()
                })
            }
        }
        _ => Kind::Other,
    }
}

impl RBody {
    fn attrs_body(&self) -> RBody {
        RBody {
            attrs: self.attrs.clone(),
            ..RBody::default()
        }
    }
}

fn metric(b: &RBody) -> Metric {
    let dimensions = b
        .attr("dimensions")
        .and_then(Sv::as_obj)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    p_str(Some(v)).map(|value| Dimension {
                        name: Prop::known(v.span, Str::lit(k.clone())),
                        value,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Metric {
        namespace: p_str(b.attr("namespace")),
        metric_name: p_str(b.attr("metric_name")),
        dimensions,
    }
}

fn key(attr: Option<&Sv>, kt: KeyType, span: Option<Span>) -> Option<KeyElement> {
    let attribute = p_string(attr)?;
    Some(KeyElement {
        key_type: Prop::known(span.unwrap_or(attribute.span), kt),
        attribute,
    })
}

fn table(b: &RBody) -> Table {
    let mut t = Table::new(TableKind::Table);
    t.name = p_str(b.attr("name"));
    t.key_schema.extend(key(
        b.attr("hash_key"),
        KeyType::Hash,
        attr_span(b, "hash_key"),
    ));
    t.key_schema.extend(key(
        b.attr("range_key"),
        KeyType::Range,
        attr_span(b, "range_key"),
    ));
    t.key_schema_span = attr_span(b, "hash_key");
    for a in b.blocks("attribute") {
        t.attributes_span.get_or_insert(a.span);
        if let (Some(name), attr_type) =
            (p_string(a.body.attr("name")), p_string(a.body.attr("type")))
        {
            t.attributes.push(AttributeDef {
                attr_type: attr_type.unwrap_or_else(|| Prop::unknown(a.span, "type not set")),
                name,
            });
        }
    }
    for g in b.blocks("global_secondary_index") {
        t.gsis_span.get_or_insert(g.span);
        t.gsis.push(index(g, None));
    }
    let table_hash = t.hash_key().cloned();
    for l in b.blocks("local_secondary_index") {
        t.lsis_span.get_or_insert(l.span);
        t.lsis.push(index(l, table_hash.clone()));
    }
    t.billing_mode = p_string(b.attr("billing_mode"));
    t.read_capacity = p_int(b.attr("read_capacity"));
    t.write_capacity = p_int(b.attr("write_capacity"));
    t.capacity_span = attr_span(b, "write_capacity").or_else(|| attr_span(b, "read_capacity"));
    if let Some(p) = b.block("point_in_time_recovery") {
        t.pitr = Some(p_bool(p.body.attr("enabled")).unwrap_or_else(|| Prop::known(p.span, false)));
        t.pitr_recovery_days = p_int(p.body.attr("recovery_period_in_days"));
    }
    if let Some(s) = b.block("server_side_encryption") {
        t.sse.enabled =
            Some(p_bool(s.body.attr("enabled")).unwrap_or_else(|| Prop::known(s.span, false)));
        t.sse.key = p_str(s.body.attr("kms_key_arn"));
        t.sse.span = Some(s.span);
    }
    t.deletion_protection = p_bool(b.attr("deletion_protection_enabled"));
    if let Some(l) = b.block("lifecycle") {
        t.prevent_destroy = p_bool(l.body.attr("prevent_destroy"));
    }
    t.tags = tags(b.attr("tags"));
    for r in b.blocks("replica") {
        t.replicas.push(Replica {
            region: p_str(r.body.attr("region_name"))
                .unwrap_or_else(|| Prop::unknown(r.header, "region not set")),
            span: r.span,
            pitr: p_bool(r.body.attr("point_in_time_recovery")),
            pitr_recovery_days: None,
            deletion_protection: p_bool(r.body.attr("deletion_protection_enabled")),
            kms_key: p_str(r.body.attr("kms_key_arn")),
            contributor_insights: None,
            tags: Vec::new(),
        });
    }
    t
}

fn index(g: &RBlock, table_hash: Option<KeyElement>) -> Index {
    let b = &g.body;
    let mut key_schema = Vec::new();
    match table_hash {
        // An LSI shares the table's partition key.
        Some(h) => key_schema.push(h),
        None => key_schema.extend(key(
            b.attr("hash_key"),
            KeyType::Hash,
            attr_span(b, "hash_key"),
        )),
    }
    key_schema.extend(key(
        b.attr("range_key"),
        KeyType::Range,
        attr_span(b, "range_key"),
    ));
    Index {
        name: p_string(b.attr("name")).unwrap_or_else(|| Prop::unknown(g.header, "name not set")),
        key_schema,
        span: g.span,
        provisioned: b.attr("read_capacity").is_some() || b.attr("write_capacity").is_some(),
        read_capacity: p_int(b.attr("read_capacity")),
        write_capacity: p_int(b.attr("write_capacity")),
    }
}

// ------------------------------------------------------------------ IAM

/// The IAM JSON document of a `data "aws_iam_policy_document"`, as a value with spans.
pub fn policy_document_value(b: &RBody, f: FileId) -> Sv {
    let mut doc = BTreeMap::new();
    let mut stmts = Vec::new();
    for s in b.blocks("statement") {
        let mut m = BTreeMap::new();
        let sb = &s.body;
        m.insert(
            "Effect".to_string(),
            sb.attr("effect")
                .cloned()
                .unwrap_or_else(|| Sv::lit("Allow", s.header)),
        );
        for (tf, iam) in [
            ("sid", "Sid"),
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(v) = sb.attr(tf) {
                m.insert(iam.to_string(), v.clone());
            }
        }
        let mut cond: BTreeMap<String, Sv> = BTreeMap::new();
        for c in sb.blocks("condition") {
            let (Some(test), Some(var)) = (
                c.body.attr("test").and_then(Sv::as_text),
                c.body.attr("variable").and_then(Sv::as_text),
            ) else {
                continue;
            };
            let values = c
                .body
                .attr("values")
                .cloned()
                .unwrap_or_else(|| Sv::new(V::List(Vec::new()), c.span));
            let entry = cond
                .entry(test)
                .or_insert_with(|| Sv::new(V::Obj(BTreeMap::new()), c.span));
            if let V::Obj(inner) = &mut entry.v {
                inner.insert(var, values.respan_keep(c.span));
            }
        }
        if !cond.is_empty() {
            m.insert("Condition".to_string(), Sv::new(V::Obj(cond), s.span));
        }
        for (block, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let mut by_type: BTreeMap<String, Sv> = BTreeMap::new();
            for pb in sb.blocks(block) {
                let Some(kind) = pb.body.attr("type").and_then(Sv::as_text) else {
                    continue;
                };
                let entry = by_type
                    .entry(kind)
                    .or_insert_with(|| Sv::new(V::List(Vec::new()), pb.span));
                let V::List(items) = &mut entry.v else {
                    continue;
                };
                match pb.body.attr("identifiers") {
                    Some(Sv {
                        v: V::List(ids), ..
                    }) => items.extend(ids.iter().cloned()),
                    Some(other) => items.push(other.clone()),
                    None => {}
                }
            }
            if !by_type.is_empty() {
                m.insert(key.to_string(), Sv::new(V::Obj(by_type), s.span));
            }
        }
        stmts.push(Sv::new(V::Obj(m), s.span));
    }
    // Terraform's order: source documents, then this one's statements (replacing source
    // statements with the same Sid), then override documents (replacing by Sid again).
    let mut merged = Vec::new();
    for src in documents_in(b.attr("source_policy_documents")) {
        merged.extend(statements_in(&src));
    }
    for stmt in stmts {
        merge_statement(&mut merged, stmt);
    }
    for over in documents_in(b.attr("override_policy_documents")) {
        for stmt in statements_in(&over) {
            merge_statement(&mut merged, stmt);
        }
    }
    let stmts = merged;
    let span = Span::new(f, 0, 0);
    doc.insert("Version".to_string(), Sv::lit("2012-10-17", span));
    doc.insert("Statement".to_string(), Sv::new(V::List(stmts), span));
    Sv::new(V::Obj(doc), span)
}

/// Add a statement, replacing the one with the same non-empty `Sid`.
fn merge_statement(stmts: &mut Vec<Sv>, stmt: Sv) {
    let sid = |s: &Sv| {
        s.as_obj()
            .and_then(|m| get_ci(m, "Sid"))
            .and_then(Sv::as_text)
            .filter(|t| !t.is_empty())
    };
    match sid(&stmt).and_then(|id| stmts.iter().position(|s| sid(s).as_ref() == Some(&id))) {
        Some(i) => stmts[i] = stmt,
        None => stmts.push(stmt),
    }
}

/// The policy documents of `source_policy_documents` / `override_policy_documents`:
/// documents' `json`, `jsonencode(…)` values, or JSON text (unknown ones are skipped).
fn documents_in(v: Option<&Sv>) -> Vec<Sv> {
    let items: Vec<&Sv> = match v.map(|v| &v.v) {
        Some(V::List(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| match &item.v {
            V::Json(inner) => Some(Sv::clone(inner)),
            V::Str(_) => {
                let text = item.as_text()?;
                let parsed = super::json::parse(&text, item.span.file, 0).ok()?;
                // Offsets are in the string's text: the value keeps the string's span.
                Some(super::functions::respan_all(parsed.value, item.span, 0))
            }
            _ => None,
        })
        .collect()
}

/// The statements of a policy document value (`Statement`: a list or one statement).
fn statements_in(doc: &Sv) -> Vec<Sv> {
    match doc
        .as_obj()
        .and_then(|m| get_ci(m, "Statement"))
        .map(|s| &s.v)
    {
        Some(V::List(items)) => items.clone(),
        Some(V::Obj(_)) => doc
            .as_obj()
            .and_then(|m| get_ci(m, "Statement"))
            .cloned()
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

impl Sv {
    /// Keep the value but remember the block it came from when it has no span of its own.
    fn respan_keep(self, span: Span) -> Sv {
        if self.span == Span::default() {
            self.respan(span)
        } else {
            self
        }
    }
}

/// Statements of a `policy` value: `jsonencode(…)`, a JSON string, or a document's `json`.
/// JSON written as text (a heredoc, a quoted string, a file read by `file()` or
/// `templatefile()`) gets spans into the file it was written in, found in `sources`.
pub fn policy_statements(
    p: &Sv,
    sources: Option<&SourceMap>,
    problems: &mut Vec<Problem>,
) -> Vec<Statement> {
    match &p.v {
        V::Json(inner) => statements_from_doc(inner, problems),
        V::Str(s) => {
            let (text, parts) = placeholder_text(s);
            let Ok(parsed) = super::json::parse(&text, p.span.file, 0) else {
                return Vec::new();
            };
            let file = sources.map(|s| s.get(p.span.file));
            let source = file.as_ref().and_then(|f| f.text.get(p.span.range()));
            let map = source.and_then(|src| align(&text, src));
            let to_file = |sp: Span| -> Span {
                match &map {
                    Some(m) => {
                        let a = m.get(sp.start as usize).copied();
                        let b = m.get((sp.end as usize).saturating_sub(1)).copied();
                        match (a, b) {
                            (Some(a), Some(b)) => Span::new(
                                p.span.file,
                                p.span.start as usize + a,
                                p.span.start as usize + b + 1,
                            ),
                            _ => p.span,
                        }
                    }
                    None => p.span,
                }
            };
            for (k, span, note) in &parsed.duplicates {
                problems.push(Problem {
                    rule: "DDB002",
                    span: to_file(*span),
                    message: format!(
                        "the policy document has the key {k:?} more than once: the last one wins{note}"
                    ),
                    help: Some(format!("write {k:?} once")),
                    resource: None,
                });
            }
            let doc = restore(parsed.value, &parts, &to_file, 0);
            statements_from_doc(&doc, problems)
        }
        V::OneOf(bs) => bs
            .iter()
            .flat_map(|b| policy_statements(b, sources, problems))
            .collect(),
        _ => Vec::new(),
    }
}

/// A string's text with its symbolic parts (references, unknowns) as `@@ddbguardN@@`
/// placeholders, and those parts in order: JSON in it parses, and the parts are restored
/// in the parsed values.
fn placeholder_text(s: &Str) -> (String, Vec<crate::model::Part>) {
    let mut text = String::new();
    let mut parts = Vec::new();
    for part in &s.0 {
        match part {
            crate::model::Part::Lit(l) => text.push_str(l),
            other => {
                text.push_str(&format!("@@ddbguard{}@@", parts.len()));
                parts.push(other.clone());
            }
        }
    }
    (text, parts)
}

/// Whether a string made from `source` (a template's text) can be traced back to it byte
/// by byte, so that JSON in it gets spans into `source`.
pub fn traces_to(s: &Str, source: &str) -> bool {
    align(&placeholder_text(s).0, source).is_some()
}

/// For each byte of `text`, its offset in `source`, when `text` is `source` with some
/// bytes left out (a heredoc's header and indentation, a string's quotes and `\"`
/// escapes), and with each `${…}` interpolation of `source` standing as a
/// `@@ddbguardN@@` placeholder in `text`. `None` when it is not.
fn align(text: &str, source: &str) -> Option<Vec<usize>> {
    const MARK: &[u8] = b"@@ddbguard";
    let t = text.as_bytes();
    let s = source.as_bytes();
    let mut map = Vec::with_capacity(t.len());
    let mut i = 0;
    let mut j = 0;
    while i < t.len() {
        if t[i..].starts_with(MARK) {
            // The placeholder stands for the next interpolation of the source.
            let len = t[i + MARK.len()..]
                .windows(2)
                .position(|w| w == b"@@")
                .map(|p| MARK.len() + p + 2)?;
            let start = j + source.get(j..)?.find("${")?;
            let mut depth = 0usize;
            let mut end = start;
            for (k, &c) in s.iter().enumerate().skip(start + 1) {
                match c {
                    b'{' => depth += 1,
                    b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if end <= start {
                return None;
            }
            for n in 0..len {
                map.push(if n + 1 == len { end } else { start });
            }
            i += len;
            j = end + 1;
            continue;
        }
        let c = t[i];
        while j < s.len() && s[j] != c {
            j += 1;
        }
        if j >= s.len() {
            return None;
        }
        map.push(j);
        i += 1;
        j += 1;
    }
    Some(map)
}

fn restore(
    v: Sv,
    parts: &[crate::model::Part],
    to_file: &dyn Fn(Span) -> Span,
    depth: usize,
) -> Sv {
    let sp = to_file(v.span);
    let inner = match v.v {
        V::Str(s) if !parts.is_empty() => {
            let text = s.as_lit().unwrap_or_default().to_string();
            let mut out = Str::default();
            let mut rest = text.as_str();
            while let Some(pos) = rest.find("@@ddbguard") {
                out.push(crate::model::Part::Lit(rest[..pos].to_string()));
                let after = &rest[pos + "@@ddbguard".len()..];
                let Some(end) = after.find("@@") else { break };
                let part = after[..end]
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| parts.get(i).cloned())
                    .unwrap_or(crate::model::Part::Unknown("?".into()));
                out.push(part);
                rest = &after[end + 2..];
            }
            out.push(crate::model::Part::Lit(rest.to_string()));
            V::Str(out)
        }
        V::List(items) if depth < 64 => V::List(
            items
                .into_iter()
                .map(|i| restore(i, parts, to_file, depth + 1))
                .collect(),
        ),
        V::Obj(m) if depth < 64 => V::Obj(
            m.into_iter()
                .map(|(k, i)| (k, restore(i, parts, to_file, depth + 1)))
                .collect(),
        ),
        other => other,
    };
    Sv::new(inner, sp)
}

fn get_ci<'a>(m: &'a BTreeMap<String, Sv>, k: &str) -> Option<&'a Sv> {
    m.get(k).or_else(|| {
        m.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    })
}

/// The principals of a `Principal` value: `"*"`, or an object of types to identifiers.
fn principals_of(v: Option<&Sv>) -> Vec<Principal> {
    let Some(v) = v else {
        return Vec::new();
    };
    if let Some(m) = v.as_obj() {
        return m
            .iter()
            .flat_map(|(kind, ids)| {
                list_of_str(Some(ids)).into_iter().map(|value| Principal {
                    kind: kind.clone(),
                    value,
                })
            })
            .collect();
    }
    p_str(Some(v))
        .map(|value| Principal {
            kind: "*".into(),
            value,
        })
        .into_iter()
        .collect()
}

/// Statements of an IAM policy document value.
pub fn statements_from_doc(doc: &Sv, problems: &mut Vec<Problem>) -> Vec<Statement> {
    let _ = problems;
    let Some(m) = doc.as_obj() else {
        return Vec::new();
    };
    let stmts: Vec<&Sv> = match get_ci(m, "Statement").map(|s| &s.v) {
        Some(V::List(items)) => items.iter().collect(),
        Some(V::Obj(_)) => get_ci(m, "Statement").into_iter().collect(),
        _ => Vec::new(),
    };
    stmts
        .into_iter()
        .filter_map(|s| {
            let sm = s.as_obj()?;
            let mut conditions = Vec::new();
            if let Some(c) = get_ci(sm, "Condition").and_then(Sv::as_obj) {
                for (op, keys) in c {
                    for (k, vals) in keys.as_obj().into_iter().flatten() {
                        conditions.push(Condition {
                            operator: op.clone(),
                            operator_span: keys.span,
                            key: k.clone(),
                            key_span: vals.span,
                            values: list_of_str(Some(vals)),
                        });
                    }
                }
            }
            Some(Statement {
                span: s.span,
                sid: get_ci(sm, "Sid").and_then(Sv::as_text),
                effect: p_string(get_ci(sm, "Effect")),
                actions: list_of_str(get_ci(sm, "Action")),
                not_actions: list_of_str(get_ci(sm, "NotAction")),
                resources: list_of_str(get_ci(sm, "Resource")),
                not_resources: list_of_str(get_ci(sm, "NotResource")),
                conditions,
                principals: principals_of(get_ci(sm, "Principal")),
                not_principals: principals_of(get_ci(sm, "NotPrincipal")),
            })
        })
        .collect()
}

/// The address of every instance of a resource (`x`, `x[0]`, `x["key"]`) and the
/// `count.index`/`each` frame it is evaluated with. An instance key that is not text keeps
/// the unindexed address.
fn instance_addresses(
    base: &str,
    expansion: Expansion,
) -> Vec<(String, Option<(&'static str, Sv)>)> {
    match expansion {
        Expansion::Single => vec![(base.to_string(), None)],
        Expansion::Keys(keys) => keys
            .iter()
            .map(|(kind, v)| {
                let key = kv_key(kind, v);
                let addr = if key.as_text().is_some() {
                    format!("{base}{}", key_suffix(&key))
                } else {
                    base.to_string()
                };
                (addr, Some(frame_value(kind, v)))
            })
            .collect(),
    }
}
