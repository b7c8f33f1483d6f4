//! CloudFormation resources into typed model resources.

use super::resolve::{Lookup, Template};
use crate::model::node::Node;
use crate::model::{
    Alarm, AttributeDef, Condition, Dax, Dimension, Index, KeyElement, KeyType,
    Kind, KmsAlias, KmsKey, Metric, Policy, Prop, Replica, Sse, Statement, Table, TableKind, Tag,
    VpcEndpoint,
};

/// The typed model of one resource, from its type and `Properties`.
pub fn kind(t: &Template, rtype: &str, props: Option<&Node>, resource: &Node) -> Kind {
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
            let rt = t.get(p, &["RouteTableIds"]);
            Kind::VpcEndpoint(VpcEndpoint {
                service_name: t.prop_str(p, &["ServiceName"]),
                endpoint_type: t.prop_string(p, &["VpcEndpointType"]),
                vpc: t.prop_str(p, &["VpcId"]),
                route_tables: rt.map(|n| t.items(n).into_iter().map(|i| t.str(i)).collect()).unwrap_or_default(),
                route_tables_span: rt.map(|n| n.span),
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
            if let Some(list) = t.get(p, &["Policies"]) {
                for item in t.items(list) {
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

fn key_schema(t: &Template, node: Option<&Node>) -> Vec<KeyElement> {
    let Some(node) = node else { return Vec::new() };
    t.items(node)
        .into_iter()
        .filter_map(|item| {
            let attribute = t.prop_string(item, &["AttributeName"])?;
            let key_type = t.prop_string(item, &["KeyType"])?.try_map(&|s: &String| {
                match s.to_ascii_uppercase().as_str() {
                    "HASH" => Ok(KeyType::Hash),
                    "RANGE" => Ok(KeyType::Range),
                    other => Err(format!("{other:?} is not HASH or RANGE")),
                }
            });
            Some(KeyElement { attribute, key_type })
        })
        .collect()
}

fn indexes(t: &Template, node: Option<&Node>, provisioned_table: bool) -> Vec<Index> {
    let Some(node) = node else { return Vec::new() };
    t.items(node)
        .into_iter()
        .map(|item| Index {
            name: t
                .prop_string(item, &["IndexName"])
                .unwrap_or_else(|| Prop::unknown(item.span, "index without IndexName")),
            key_schema: key_schema(t, t.get(item, &["KeySchema"])),
            span: item.span,
            provisioned: provisioned_table
                || item.get("ProvisionedThroughput").is_some()
                || item.get("WriteProvisionedThroughputSettings").is_some(),
        })
        .collect()
}

fn tags(t: &Template, node: Option<&Node>) -> Vec<Tag> {
    let Some(node) = node else { return Vec::new() };
    t.items(node)
        .into_iter()
        .filter_map(|item| {
            let key = t.prop_string(item, &["Key"])?.get()?.clone();
            let value = t.prop_str(item, &["Value"])?;
            Some(Tag { key, value })
        })
        .collect()
}

fn table(t: &Template, p: &Node, resource: &Node, table_kind: TableKind) -> Table {
    let mut table = Table::new(table_kind);
    table.name = t.prop_str(p, &["TableName"]);
    let ks = t.get(p, &["KeySchema"]);
    table.key_schema = key_schema(t, ks);
    table.key_schema_span = ks.map(|n| n.span);
    let attrs = t.get(p, &["AttributeDefinitions"]);
    table.attributes_span = attrs.map(|n| n.span);
    table.attributes = attrs
        .map(|n| {
            t.items(n)
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
    let gsis = t.get(p, &["GlobalSecondaryIndexes"]);
    table.gsis = indexes(t, gsis, provisioned);
    table.gsis_span = gsis.map(|n| n.span);
    let lsis = t.get(p, &["LocalSecondaryIndexes"]);
    table.lsis = indexes(t, lsis, false);
    table.lsis_span = lsis.map(|n| n.span);
    table.pitr = t.prop_bool(p, &["PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"]);
    table.pitr_recovery_days =
        t.prop_int(p, &["PointInTimeRecoverySpecification", "RecoveryPeriodInDays"]);
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
    table.tags = tags(t, t.get(p, &["Tags"]));
    table.contributor_insights = t.prop_bool(p, &["ContributorInsightsSpecification", "Enabled"]);
    if let Some(replicas) = t.get(p, &["Replicas"]) {
        for item in t.items(replicas) {
            let replica = Replica {
                region: t
                    .prop_str(item, &["Region"])
                    .unwrap_or_else(|| Prop::unknown(item.span, "replica without Region")),
                span: item.span,
                pitr: t.prop_bool(item, &["PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"]),
                pitr_recovery_days: t.prop_int(item, &["PointInTimeRecoverySpecification", "RecoveryPeriodInDays"]),
                deletion_protection: t.prop_bool(item, &["DeletionProtectionEnabled"]),
                kms_key: t.prop_str(item, &["SSESpecification", "KMSMasterKeyId"]),
                contributor_insights: t.prop_bool(item, &["ContributorInsightsSpecification", "Enabled"]),
                tags: tags(t, t.get(item, &["Tags"])),
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

fn dimensions(t: &Template, node: Option<&Node>) -> Vec<Dimension> {
    let Some(node) = node else { return Vec::new() };
    t.items(node)
        .into_iter()
        .filter_map(|item| {
            Some(Dimension {
                name: t.prop_str(item, &["Name"])?,
                value: t.prop_str(item, &["Value"])?,
            })
        })
        .collect()
}

fn alarm(t: &Template, p: &Node) -> Alarm {
    let mut alarm = Alarm::default();
    if p.get("MetricName").is_some() || p.get("Namespace").is_some() {
        alarm.metrics.push(Metric {
            namespace: t.prop_str(p, &["Namespace"]),
            metric_name: t.prop_str(p, &["MetricName"]),
            dimensions: dimensions(t, t.get(p, &["Dimensions"])),
        });
    }
    if let Some(metrics) = t.get(p, &["Metrics"]) {
        for item in t.items(metrics) {
            let Some(metric) = t.get(item, &["MetricStat", "Metric"]) else {
                continue;
            };
            alarm.metrics.push(Metric {
                namespace: t.prop_str(metric, &["Namespace"]),
                metric_name: t.prop_str(metric, &["MetricName"]),
                dimensions: dimensions(t, t.get(metric, &["Dimensions"])),
            });
        }
    }
    alarm
}

/// Statements of a policy document (a mapping; a JSON string is parsed first by the caller).
pub fn statements(t: &Template, doc: &Node, policy: &mut Policy) {
    let Some(list) = t.get(doc, &["Statement"]) else {
        return;
    };
    for st in t.items(list) {
        if st.as_map().is_none() {
            continue;
        }
        let strs = |key: &str| {
            t.get(st, &[key])
                .map(|n| t.items(n).into_iter().map(|i| t.str(i)).collect())
                .unwrap_or_default()
        };
        let mut conditions = Vec::new();
        if let Some(block) = t.get(st, &["Condition"]).and_then(Node::as_map) {
            for op in block {
                let Some(keys) = op.value.as_map() else { continue };
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
