//! CloudFormation resources into typed model resources.

use super::resolve::{Lookup, Template};
use crate::model::node::{Entry, Node, NodeKind, Rewrite};
use crate::model::{
    Alarm, AttributeDef, Condition, Dax, Dimension, Index, KeyElement, KeyType, Kind, KmsAlias,
    KmsKey, Metric, Policy, Principal, Problem, Prop, Replica, ScalableTarget, Sse, Statement,
    Table, TableKind, Tag, VpcEndpoint,
};
use crate::source::Span;

/// The typed model of one resource, from its type and `Properties`.
pub fn kind<'a>(
    t: &Template<'a>,
    rtype: &str,
    props: Option<&'a Node>,
    resource: &'a Node,
) -> Kind {
    let empty = Node::new(resource.span, crate::model::node::NodeKind::Map(Vec::new()));
    let p = props.unwrap_or(&empty);
    match rtype {
        "AWS::DynamoDB::Table" => {
            let mut table = table(t, p, resource, TableKind::Table);
            table.resource_policies = resource_policies(t, p);
            Kind::Table(Box::new(table))
        }
        "AWS::DynamoDB::GlobalTable" => {
            let mut table = table(t, p, resource, TableKind::Global);
            table.resource_policies = resource_policies(t, p);
            Kind::Table(Box::new(table))
        }
        "AWS::DAX::Cluster" => Kind::Dax(Dax {
            sse_enabled: t.prop_bool(p, &["SSESpecification", "SSEEnabled"]),
            endpoint_encryption: t.prop_string(p, &["ClusterEndpointEncryptionType"]),
            replication_factor: t.prop_int(p, &["ReplicationFactor"]),
        }),
        "AWS::ApplicationAutoScaling::ScalableTarget" => Kind::ScalableTarget(ScalableTarget {
            namespace: t.prop_str(p, &["ServiceNamespace"]),
            resource_id: t.prop_str(p, &["ResourceId"]),
            dimension: t.prop_str(p, &["ScalableDimension"]),
            min_capacity: t.prop_int(p, &["MinCapacity"]),
            max_capacity: t.prop_int(p, &["MaxCapacity"]),
        }),
        "AWS::SSO::PermissionSet" => {
            let mut policy = Policy::default();
            if let Some(doc) = p.get("InlinePolicy") {
                statements(t, doc, &mut policy);
            }
            Kind::Policy(policy)
        }
        "AWS::EC2::VPC" => Kind::Vpc,
        "AWS::EC2::VPCEndpoint" => {
            let rt = t.items_at(p, &["RouteTableIds"]);
            Kind::VpcEndpoint(VpcEndpoint {
                service_name: t.prop_str(p, &["ServiceName"]),
                endpoint_type: t.prop_string(p, &["VpcEndpointType"]),
                vpc: t.prop_str(p, &["VpcId"]),
                route_tables_span: rt.as_ref().map(|(span, _)| *span),
                route_tables: rt
                    .map(|(_, items)| items.into_iter().map(|i| t.str(i)).collect())
                    .unwrap_or_default(),
            })
        }
        "AWS::CloudWatch::Alarm" => Kind::Alarm(alarm(t, p)),
        "AWS::KMS::Key" => Kind::KmsKey(KmsKey {
            rotation: t.prop_bool(p, &["EnableKeyRotation"]),
        }),
        "AWS::KMS::Alias" => Kind::KmsAlias(KmsAlias {
            name: t.prop_str(p, &["AliasName"]),
            target_key: t.prop_str(p, &["TargetKeyId"]),
        }),
        "AWS::IAM::Policy"
        | "AWS::IAM::ManagedPolicy"
        | "AWS::IAM::RolePolicy"
        | "AWS::IAM::UserPolicy"
        | "AWS::IAM::GroupPolicy" => {
            let mut policy = Policy::default();
            if let Some(doc) = p.get("PolicyDocument") {
                statements(t, doc, &mut policy);
            }
            Kind::Policy(policy)
        }
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            let mut policy = Policy::default();
            if let Some((_, items)) = t.items_at(p, &["Policies"]) {
                for item in items {
                    if let Some(doc) = item.get("PolicyDocument") {
                        statements(t, doc, &mut policy);
                    }
                }
            }
            if let Some(doc) = p.get("AssumeRolePolicyDocument") {
                let mut trust = Policy::default();
                statements(t, doc, &mut trust);
                policy.trust = trust.statements;
            }
            Kind::Policy(policy)
        }
        _ => Kind::Other,
    }
}

fn key_schema<'a>(t: &Template<'a>, node: &'a Node) -> Vec<KeyElement> {
    let Some((_, items)) = t.items_at(node, &["KeySchema"]) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let attribute = t.prop_string(item, &["AttributeName"])?;
            let key_type = t
                .prop_string(item, &["KeyType"])?
                .try_map(&|s: &String| match s.to_ascii_uppercase().as_str() {
                    "HASH" => Ok(KeyType::Hash),
                    "RANGE" => Ok(KeyType::Range),
                    other => Err(format!("{other:?} is not HASH or RANGE")),
                });
            Some(KeyElement {
                attribute,
                key_type,
            })
        })
        .collect()
}

fn indexes<'a>(t: &Template<'a>, items: Vec<&'a Node>, provisioned_table: bool) -> Vec<Index> {
    items
        .into_iter()
        .map(|item| Index {
            name: t
                .prop_string(item, &["IndexName"])
                .unwrap_or_else(|| Prop::unknown(item.span, "index without IndexName")),
            key_schema: key_schema(t, item),
            span: head_span(item),
            provisioned: provisioned_table
                || item.get("ProvisionedThroughput").is_some()
                || item.get("WriteProvisionedThroughputSettings").is_some(),
            read_capacity: t.prop_int(item, &["ProvisionedThroughput", "ReadCapacityUnits"]),
            write_capacity: t.prop_int(item, &["ProvisionedThroughput", "WriteCapacityUnits"]),
        })
        .collect()
}

fn tags<'a>(t: &Template<'a>, node: &'a Node) -> Vec<Tag> {
    let Some((_, items)) = t.items_at(node, &["Tags"]) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let key = t.prop_string(item, &["Key"])?.get()?.clone();
            let value = t.prop_str(item, &["Value"])?;
            Some(Tag { key, value })
        })
        .collect()
}

fn table<'a>(t: &Template<'a>, p: &'a Node, resource: &'a Node, table_kind: TableKind) -> Table {
    let mut table = Table::new(table_kind);
    table.name = t.prop_str(p, &["TableName"]);
    table.key_schema = key_schema(t, p);
    table.key_schema_span = t.items_at(p, &["KeySchema"]).map(|(span, _)| span);
    let attrs = t.items_at(p, &["AttributeDefinitions"]);
    // Definitions that are not a plain list (`Fn::Transform`) are unknown: no span.
    table.attributes_span = attrs
        .as_ref()
        .filter(|_| t.is_list(p, &["AttributeDefinitions"]))
        .map(|(span, _)| *span);
    table.attributes = attrs
        .map(|(_, items)| {
            items
                .into_iter()
                .filter_map(|item| {
                    Some(AttributeDef {
                        name: t.prop_string(item, &["AttributeName"])?,
                        attr_type: t
                            .prop_string(item, &["AttributeType"])
                            .unwrap_or_else(|| Prop::unknown(item.span, "no AttributeType")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    table.billing_mode = t.prop_string(p, &["BillingMode"]);
    table.read_capacity = t.prop_int(p, &["ProvisionedThroughput", "ReadCapacityUnits"]);
    table.write_capacity = t.prop_int(p, &["ProvisionedThroughput", "WriteCapacityUnits"]);
    table.capacity_span = match t.lookup(p, &["ProvisionedThroughput"]) {
        Lookup::Found(n) => Some(n.span),
        Lookup::Absent => None,
        Lookup::Branches(bs) => bs.first().map(|(s, _)| *s),
    };
    let provisioned = table.is_provisioned();
    if let Some((span, items)) = t.items_at(p, &["GlobalSecondaryIndexes"]) {
        table.gsis = indexes(t, items, provisioned);
        table.gsis_span = Some(span);
    }
    if let Some((span, items)) = t.items_at(p, &["LocalSecondaryIndexes"]) {
        table.lsis = indexes(t, items, false);
        table.lsis_span = Some(span);
    }
    table.pitr = t.prop_bool(
        p,
        &[
            "PointInTimeRecoverySpecification",
            "PointInTimeRecoveryEnabled",
        ],
    );
    table.pitr_recovery_days = t.prop_int(
        p,
        &["PointInTimeRecoverySpecification", "RecoveryPeriodInDays"],
    );
    table.sse = Sse {
        enabled: t.prop_bool(p, &["SSESpecification", "SSEEnabled"]),
        sse_type: t.prop_string(p, &["SSESpecification", "SSEType"]),
        key: t.prop_str(p, &["SSESpecification", "KMSMasterKeyId"]),
        span: match t.lookup(p, &["SSESpecification"]) {
            Lookup::Found(n) => Some(n.span),
            Lookup::Absent => None,
            Lookup::Branches(bs) => bs.first().map(|(s, _)| *s),
        },
    };
    table.deletion_protection = t.prop_bool(p, &["DeletionProtectionEnabled"]);
    table.deletion_policy = t.prop_string(resource, &["DeletionPolicy"]);
    table.update_replace_policy = t.prop_string(resource, &["UpdateReplacePolicy"]);
    table.tags = tags(t, p);
    table.contributor_insights = t.prop_bool(p, &["ContributorInsightsSpecification", "Enabled"]);
    if let Some((_, items)) = t.items_at(p, &["Replicas"]) {
        for item in items {
            let replica = Replica {
                region: t
                    .prop_str(item, &["Region"])
                    .unwrap_or_else(|| Prop::unknown(item.span, "replica without Region")),
                span: head_span(item),
                pitr: t.prop_bool(
                    item,
                    &[
                        "PointInTimeRecoverySpecification",
                        "PointInTimeRecoveryEnabled",
                    ],
                ),
                pitr_recovery_days: t.prop_int(
                    item,
                    &["PointInTimeRecoverySpecification", "RecoveryPeriodInDays"],
                ),
                deletion_protection: t.prop_bool(item, &["DeletionProtectionEnabled"]),
                kms_key: t.prop_str(item, &["SSESpecification", "KMSMasterKeyId"]),
                contributor_insights: t
                    .prop_bool(item, &["ContributorInsightsSpecification", "Enabled"]),
                tags: tags(t, item),
            };
            for tag in &replica.tags {
                if table.tag(&tag.key).is_none() {
                    table.tags.push(tag.clone());
                }
            }
            table.replicas.push(replica);
        }
    }
    table
}

fn dimensions<'a>(t: &Template<'a>, node: &'a Node) -> Vec<Dimension> {
    let Some((_, items)) = t.items_at(node, &["Dimensions"]) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            Some(Dimension {
                name: t.prop_str(item, &["Name"])?,
                value: t.prop_str(item, &["Value"])?,
            })
        })
        .collect()
}

fn alarm<'a>(t: &Template<'a>, p: &'a Node) -> Alarm {
    let mut alarm = Alarm::default();
    if p.get("MetricName").is_some() || p.get("Namespace").is_some() {
        alarm.metrics.push(Metric {
            namespace: t.prop_str(p, &["Namespace"]),
            metric_name: t.prop_str(p, &["MetricName"]),
            dimensions: dimensions(t, p),
        });
    }
    if let Some((_, items)) = t.items_at(p, &["Metrics"]) {
        for item in items {
            let Some(metric) = t.get(item, &["MetricStat", "Metric"]) else {
                continue;
            };
            alarm.metrics.push(Metric {
                namespace: t.prop_str(metric, &["Namespace"]),
                metric_name: t.prop_str(metric, &["MetricName"]),
                dimensions: dimensions(t, metric),
            });
        }
    }
    if let Some((span, items)) = t.items_at(p, &["AlarmActions"]) {
        alarm.actions_span = Some(span);
        alarm.actions = items.into_iter().map(|i| t.str(i)).collect();
    }
    alarm.actions_enabled = t.prop_bool(p, &["ActionsEnabled"]);
    alarm
}

/// The resource-based policies of a table (`ResourcePolicy`), of its stream
/// (`StreamSpecification.ResourcePolicy`) and, for a global table, of every replica and its
/// stream (`ReplicaStreamSpecification.ResourcePolicy`).
fn resource_policies(t: &Template, p: &Node) -> Vec<Policy> {
    let mut owners: Vec<(&Node, Option<String>)> = vec![(p, None)];
    owners.extend(
        p.get("StreamSpecification")
            .map(|s| (s, Some("the stream".to_string()))),
    );
    if let Some(replicas) = p.get("Replicas") {
        for replica in t.items(replicas) {
            let region = t
                .get(replica, &["Region"])
                .and_then(Node::as_scalar)
                .unwrap_or("?")
                .to_string();
            owners.push((replica, Some(format!("replica {region}"))));
            owners.extend(
                replica
                    .get("ReplicaStreamSpecification")
                    .map(|s| (s, Some(format!("the stream of replica {region}")))),
            );
        }
    }
    let mut out = Vec::new();
    for (owner, on) in owners {
        if let Some(doc) = owner
            .get("ResourcePolicy")
            .and_then(|r| r.get("PolicyDocument"))
        {
            let mut policy = Policy {
                on,
                ..Policy::default()
            };
            statements(t, doc, &mut policy);
            out.push(policy);
        }
    }
    out
}

/// The principals of a statement's `Principal` or `NotPrincipal`: `"*"`, or a mapping of
/// types to one identifier or a list.
fn principals(t: &Template, st: &Node, key: &str) -> Vec<Principal> {
    let Some(node) = t.get(st, &[key]) else {
        return Vec::new();
    };
    if node.as_scalar().is_some() {
        return vec![Principal {
            kind: "*".into(),
            value: t.str(node),
        }];
    }
    let Some(map) = node.as_map().filter(|_| node.as_intrinsic().is_none()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in map {
        for item in t.items(&e.value) {
            out.push(Principal {
                kind: e.key.to_string(),
                value: t.str(item),
            });
        }
    }
    out
}

/// Statements of a policy document: a mapping, a JSON string (`PolicyDocument: '{…}'`),
/// a `Fn::Sub` of a JSON string, or an `Fn::If` of those (statements of every branch).
pub fn statements(t: &Template, doc: &Node, policy: &mut Policy) {
    document(t, doc, policy, true);
}

fn document(t: &Template, doc: &Node, policy: &mut Policy, may_embed: bool) {
    let mut docs = Vec::new();
    collect_found(t.branches(doc), &mut docs, 0);
    for d in docs {
        match &d.kind {
            NodeKind::Map(_) => match d.as_intrinsic() {
                Some(("Fn::Sub", arg)) if may_embed => {
                    let (text, vars) = match (&arg.kind, arg.as_seq()) {
                        (NodeKind::Str(_) | NodeKind::Plain(_), _) => (arg, None),
                        (_, Some([text, vars])) => (text, Some(vars)),
                        _ => continue,
                    };
                    if let Some(parsed) = embedded_json(t, text) {
                        document(t, &with_sub(parsed, vars), policy, false);
                    }
                }
                Some(_) => {}
                None => document_map(t, d, policy),
            },
            NodeKind::Str(_) | NodeKind::Plain(_) if may_embed => {
                if let Some(parsed) = embedded_json(t, d) {
                    document(t, &parsed, policy, false);
                }
            }
            _ => {}
        }
    }
}

/// The nodes a lookup may yield, every branch of `Fn::If` included.
fn collect_found<'a>(l: Lookup<'a>, out: &mut Vec<&'a Node>, depth: usize) {
    match l {
        Lookup::Absent => {}
        Lookup::Found(n) => out.push(n),
        Lookup::Branches(bs) if depth < 32 => {
            for (_, b) in bs {
                collect_found(b, out, depth + 1);
            }
        }
        Lookup::Branches(_) => {}
    }
}

fn document_map(t: &Template, doc: &Node, policy: &mut Policy) {
    let Some(list) = t.get(doc, &["Statement"]) else {
        return;
    };
    for st in t.items(list) {
        if st.as_map().is_none() {
            continue;
        }
        // `Fn::If` at the list and the item level: every possible value.
        let strs = |key: &str| {
            st.get(key)
                .map(|n| t.items(n).into_iter().map(|i| t.str(i)).collect())
                .unwrap_or_default()
        };
        let mut conditions = Vec::new();
        if let Some(block) = t.get(st, &["Condition"]).and_then(Node::as_map) {
            // Of duplicate operators and keys, only the last is deployed (DDB002 reports
            // the others).
            for (i, op) in block.iter().enumerate() {
                if block[i + 1..].iter().any(|later| later.key == op.key) {
                    continue;
                }
                let Some(keys) = op.value.as_map() else {
                    continue;
                };
                for (j, key) in keys.iter().enumerate() {
                    if keys[j + 1..].iter().any(|later| later.key == key.key) {
                        continue;
                    }
                    conditions.push(Condition {
                        operator: op.key.to_string(),
                        operator_span: op.key_span,
                        key: key.key.to_string(),
                        key_span: key.key_span,
                        values: t.items(&key.value).into_iter().map(|i| t.str(i)).collect(),
                    });
                }
            }
        }
        policy.statements.push(Statement {
            span: st.span,
            sid: t
                .get(st, &["Sid"])
                .and_then(|n| t.str(n).get().and_then(|s| s.as_lit().map(str::to_string))),
            effect: t.prop_string(st, &["Effect"]),
            actions: strs("Action"),
            not_actions: strs("NotAction"),
            resources: strs("Resource"),
            not_resources: strs("NotResource"),
            conditions,
            principals: principals(t, st, "Principal"),
            not_principals: principals(t, st, "NotPrincipal"),
        });
    }
}

/// What dropping a duplicate entry costs, when it held a fine-grained access condition
/// (see [`crate::model::lost_condition_note`]).
pub fn dropped_condition_note(dropped: &Entry) -> String {
    let inner = dropped.value.as_map().unwrap_or_default().iter();
    crate::model::lost_condition_note(std::iter::once(&*dropped.key).chain(inner.map(|e| &*e.key)))
}

/// Duplicate keys (DDB002) inside policy documents written as JSON strings anywhere in a
/// resource's `Properties`: the template-wide check sees only the string.
pub fn embedded_duplicates(
    t: &Template,
    props: Option<&Node>,
    resource: Option<crate::model::ResourceRef>,
) -> Vec<Problem> {
    let mut docs = Vec::new();
    let mut stack: Vec<(&Node, usize)> = props.into_iter().map(|p| (p, 0)).collect();
    while let Some((node, depth)) = stack.pop() {
        if depth > 64 {
            continue;
        }
        match &node.kind {
            NodeKind::Map(entries) => {
                for e in entries {
                    if &*e.key == "PolicyDocument" {
                        json_strings(&e.value, &mut docs, 0);
                    } else {
                        stack.push((&e.value, depth + 1));
                    }
                }
            }
            NodeKind::Seq(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for doc in docs {
        let Some(parsed) = embedded_json(t, doc) else {
            continue;
        };
        for (later, earlier) in crate::model::node::duplicate_keys(&parsed) {
            let line = t
                .source()
                .and_then(|s| s.get(..earlier.key_span.start as usize))
                .map_or(0, |before| before.matches('\n').count() + 1);
            out.push(Problem {
                rule: "DDB002",
                span: later.key_span,
                message: format!(
                    "key {} is written twice in this mapping of an embedded policy document: the value at line {line} is silently dropped{}",
                    later.key,
                    dropped_condition_note(earlier)
                ),
                help: Some("merge the two entries into one".into()),
                resource: resource.clone(),
            });
        }
    }
    out
}

/// The JSON strings a `PolicyDocument` value may be: itself, the text of a `Fn::Sub`, each
/// branch of a `Fn::If`.
fn json_strings<'n>(node: &'n Node, out: &mut Vec<&'n Node>, depth: usize) {
    if depth > 8 {
        return;
    }
    match node.as_intrinsic() {
        Some(("Fn::Sub", arg)) => match arg.as_seq() {
            Some([text, _]) => out.push(text),
            _ => out.push(arg),
        },
        Some(("Fn::If", arg)) => {
            for branch in arg.as_seq().unwrap_or_default().iter().skip(1) {
                json_strings(branch, out, depth + 1);
            }
        }
        Some(_) => {}
        None if node.as_scalar().is_some() => out.push(node),
        None => {}
    }
}

/// A policy document written as a JSON string, parsed, with its spans mapped back into
/// the template (approximately where the string's escapes or folding make an exact map
/// impossible; always inside the string).
fn embedded_json(t: &Template, node: &Node) -> Option<Node> {
    let text = node.as_scalar()?;
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let file = node.span.file;
    let parsed = super::json::parse(text, file).ok()?;
    let raw = t.source().and_then(|s| s.get(node.span.range()));
    let map = match raw {
        Some(raw) => offset_map(text, raw, node.span.start),
        None => vec![node.span.start; text.len() + 1],
    };
    let remap = |sp: Span| {
        let at = |i: u32| map.get(i as usize).copied().unwrap_or(node.span.end);
        Span {
            file,
            start: at(sp.start),
            end: at(sp.end).max(at(sp.start)),
        }
    };
    Some(remap_spans(parsed, &remap))
}

/// For every byte offset of `content` (a scalar's value) and one past its end, the file
/// offset of the same character in `raw` (the scalar as written, starting at `base`):
/// quotes, indentation, block indicators and escapes are stepped over.
fn offset_map(content: &str, raw: &str, base: u32) -> Vec<u32> {
    let raw = raw.as_bytes();
    let mut map = vec![base; content.len() + 1];
    let mut r = 0usize;
    // A YAML tag (`!Sub`) or anchor (`&doc`) before the scalar.
    while matches!(raw.get(r), Some(b'!' | b'&')) {
        while raw.get(r).is_some_and(|b| !b.is_ascii_whitespace()) {
            r += 1;
        }
        while raw.get(r).is_some_and(|b| *b == b' ' || *b == b'\t') {
            r += 1;
        }
    }
    for (i, c) in content.char_indices() {
        let mut buf = [0u8; 4];
        let want = c.encode_utf8(&mut buf).as_bytes();
        let mut found = None;
        let mut k = r;
        while k < raw.len() {
            if raw[k..].starts_with(want) {
                found = Some((k, want.len()));
                break;
            }
            if let Some(len) = escape_of(&raw[k..], c) {
                found = Some((k, len));
                break;
            }
            if !matches!(
                raw[k],
                b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b'|' | b'>' | b'-' | b'+' | b'\\'
            ) {
                break;
            }
            k += 1;
        }
        let at = match found {
            Some((k, len)) => {
                r = k + len;
                k
            }
            None => r,
        };
        let at = base.saturating_add(u32::try_from(at).unwrap_or(u32::MAX));
        for (d, slot) in map.iter_mut().skip(i).take(c.len_utf8()).enumerate() {
            *slot = at.saturating_add(d as u32);
        }
    }
    if let Some(last) = map.last_mut() {
        *last = base.saturating_add(u32::try_from(r).unwrap_or(u32::MAX));
    }
    map
}

/// The length of the escape at the start of `raw` when it stands for `c`.
fn escape_of(raw: &[u8], c: char) -> Option<usize> {
    if raw.first() != Some(&b'\\') {
        return None;
    }
    let simple = match raw.get(1)? {
        b'n' => Some('\n'),
        b't' => Some('\t'),
        b'r' => Some('\r'),
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'/' => Some('/'),
        b'\'' => Some('\''),
        b'u' => None,
        _ => return None,
    };
    match simple {
        Some(s) => (s == c).then_some(2),
        None => {
            let hex = std::str::from_utf8(raw.get(2..6)?).ok()?;
            let code = u32::from_str_radix(hex, 16).ok()?;
            (char::from_u32(code) == Some(c)).then_some(6)
        }
    }
}

fn remap_spans(node: Node, remap: &dyn Fn(Span) -> Span) -> Node {
    node.rewrite(
        &mut |n| Rewrite::Descend(Node::new(remap(n.span), n.kind)),
        &mut |k, span| (k, remap(span)),
    )
}

/// Every string of a document parsed from an `Fn::Sub` template becomes an `Fn::Sub` of
/// its own (with the template's variables), so `${AWS::Region}` and `${Table.Arn}` inside
/// it resolve as CloudFormation resolves them.
fn with_sub(node: Node, vars: Option<&Node>) -> Node {
    node.rewrite(
        &mut |n| match n.kind {
            NodeKind::Str(s) if s.contains("${") => {
                let span = n.span;
                let text = Node::new(span, NodeKind::Str(s));
                let arg = match vars {
                    Some(v) => Node::new(span, NodeKind::Seq(vec![text, v.clone()])),
                    None => text,
                };
                Rewrite::Done(Node::new(
                    span,
                    NodeKind::Map(vec![Entry {
                        key: "Fn::Sub".into(),
                        key_span: span,
                        value: arg,
                    }]),
                ))
            }
            kind => Rewrite::Descend(Node::new(n.span, kind)),
        },
        &mut |k, span| (k, span),
    )
}

/// Where to report on a list item as a whole: its first line (`- IndexName: byCustomer`),
/// not the whole multi-line mapping.
fn head_span(item: &Node) -> crate::source::Span {
    match item.as_map().and_then(|m| m.first()) {
        Some(first) if first.value.as_scalar().is_some() => first.key_span.to(first.value.span),
        Some(first) => first.key_span,
        None => item.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cfn::yaml;
    use crate::source::FileId;

    /// The statements of the one policy in `text`, with the source text of each action.
    fn actions(text: &str) -> Vec<String> {
        let root = yaml::parse(text, FileId(0)).unwrap();
        let mut t = Template::new(&root);
        t.set_source(text.into());
        let doc = root.get("Doc").unwrap();
        let mut policy = Policy::default();
        statements(&t, doc, &mut policy);
        policy
            .statements
            .iter()
            .flat_map(|st| &st.actions)
            .map(|a| text[a.span.range()].to_string())
            .collect()
    }

    #[test]
    fn json_strings_map_back_to_the_template_in_every_scalar_style() {
        let literal = "Doc: |\n  {\"Statement\": [{\"Effect\": \"Allow\",\n    \"Action\": \"dynamodb:*\"}]}\n";
        assert_eq!(actions(literal), vec!["\"dynamodb:*\""]);
        let folded = "Doc: >\n  {\"Statement\": [{\"Effect\": \"Allow\",\n    \"Action\": [\"a:b\", \"dynamodb:*\"]}]}\n";
        assert_eq!(actions(folded), vec!["\"a:b\"", "\"dynamodb:*\""]);
        let single = "Doc: '{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"x:y\"}}'\n";
        assert_eq!(actions(single), vec!["\"x:y\""]);
        let double = "Doc: \"{\\\"Statement\\\": {\\\"Effect\\\": \\\"Allow\\\",\\n \\\"Action\\\": \\\"x:\\u00e9\\\"}}\"\n";
        assert_eq!(actions(double), vec!["\\\"x:\\u00e9\\\""]);
        let tagged = "Doc: !Sub |\n  {\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"${AWS::Region}:y\"}}\n";
        assert_eq!(actions(tagged), vec!["\"${AWS::Region}:y\""]);
    }

    #[test]
    fn sub_documents_resolve_their_references() {
        let text = "Doc: !Sub\n  - '{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"${A}:${AWS::Region}\"}}'\n  - {A: dynamodb}\n";
        let root = yaml::parse(text, FileId(0)).unwrap();
        let t = Template::new(&root);
        let mut policy = Policy::default();
        statements(&t, root.get("Doc").unwrap(), &mut policy);
        let action = policy.statements[0].actions[0].get().unwrap().render();
        assert_eq!(action, "dynamodb:${AWS::Region}");
    }

    #[test]
    fn offset_map_never_leaves_the_scalar() {
        for (content, raw) in [
            ("abc", ""),
            ("", "\"\""),
            ("é中x", "\"\\u00e9中\""),
            ("a\nb", "'a\n\n  b'"),
        ] {
            let map = offset_map(content, raw, 100);
            assert_eq!(map.len(), content.len() + 1);
            assert!(
                map.iter()
                    .all(|&m| (100..=100 + raw.len() as u32).contains(&m)),
                "{content:?} {map:?}"
            );
        }
    }
}
