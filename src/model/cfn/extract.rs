//! CloudFormation resources into typed model resources.

use super::resolve::{Lookup, Template};
use crate::model::node::Node;
use crate::model::{
    Alarm, AttributeDef, Condition, Dax, Dimension, Index, KeyElement, KeyType, Kind, KmsAlias,
    KmsKey, Metric, Policy, Prop, Replica, Sse, Statement, Table, TableKind, Tag, VpcEndpoint,
};

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
        "AWS::DynamoDB::Table" => Kind::Table(Box::new(table(t, p, resource, TableKind::Table))),
        "AWS::DynamoDB::GlobalTable" => {
            Kind::Table(Box::new(table(t, p, resource, TableKind::Global)))
        }
        "AWS::DAX::Cluster" => Kind::Dax(Dax {
            sse_enabled: t.prop_bool(p, &["SSESpecification", "SSEEnabled"]),
            endpoint_encryption: t.prop_string(p, &["ClusterEndpointEncryptionType"]),
        }),
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
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            let mut policy = Policy::default();
            if let Some(doc) = t.get(p, &["PolicyDocument"]) {
                statements(t, doc, &mut policy);
            }
            Kind::Policy(policy)
        }
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            let mut policy = Policy::default();
            if let Some((_, items)) = t.items_at(p, &["Policies"]) {
                for item in items {
                    if let Some(doc) = t.get(item, &["PolicyDocument"]) {
                        statements(t, doc, &mut policy);
                    }
                }
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
    alarm
}

/// Statements of a policy document (a mapping; a JSON string is parsed first by the caller).
pub fn statements<'a>(t: &Template<'a>, doc: &'a Node, policy: &mut Policy) {
    let Some((_, items)) = t.items_at(doc, &["Statement"]) else {
        return;
    };
    for st in items {
        if st.as_map().is_none() {
            continue;
        }
        let strs = |key: &str| {
            t.items_at(st, &[key])
                .map(|(_, items)| items.into_iter().map(|i| t.str(i)).collect())
                .unwrap_or_default()
        };
        let mut conditions = Vec::new();
        if let Some(block) = t.get(st, &["Condition"]).and_then(Node::as_map) {
            for op in block {
                let Some(keys) = op.value.as_map() else {
                    continue;
                };
                for key in keys {
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
            sid: st.get("Sid").and_then(Node::as_scalar).map(str::to_string),
            effect: t.prop_string(st, &["Effect"]),
            actions: strs("Action"),
            not_actions: strs("NotAction"),
            resources: strs("Resource"),
            not_resources: strs("NotResource"),
            conditions,
        });
    }
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
