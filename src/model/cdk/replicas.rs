//! `Custom::DynamoDBReplica`: the replicas of a CDK `Table` with `replicationRegions`.

use crate::model::cfn::resolve::Template;
use crate::model::node::Node;
use crate::model::value::Val;
use crate::model::{Kind, Prop, Replica, Resource, Scope, Str};

/// `Custom::DynamoDBReplica` resources (CDK `Table` with `replicationRegions`): the table
/// they name and the replica they add.
pub(super) fn replicas(t: &Template, root: &Node) -> Vec<(Str, String, Replica)> {
    let mut out = Vec::new();
    for entry in root
        .get("Resources")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let r = &entry.value;
        if r.get("Type").and_then(Node::as_scalar) != Some("Custom::DynamoDBReplica") {
            continue;
        }
        if let Some(cond) = r.get("Condition").and_then(Node::as_scalar)
            && t.condition(cond) == Some(false)
        {
            continue;
        }
        let Some(props) = r.get("Properties") else {
            continue;
        };
        let Some(Val::Known(table)) = t.prop_str(props, &["TableName"]).map(|p| p.val) else {
            continue;
        };
        let region = t
            .prop_str(props, &["Region"])
            .unwrap_or_else(|| Prop::unknown(entry.key_span, "replica without Region"));
        out.push((
            table,
            entry.key.to_string(),
            Replica {
                region,
                span: entry.key_span,
                pitr: None,
                pitr_recovery_days: None,
                deletion_protection: None,
                kms_key: None,
                contributor_insights: None,
                tags: Vec::new(),
            },
        ));
    }
    out
}

/// Attach the `Custom::DynamoDBReplica` resources of a bare CDK template (read by the
/// CloudFormation frontend) to their tables.
pub fn add_replicas(scope: &mut Scope, root: &Node) {
    let found = replicas(&Template::new(root), root);
    let all = 0..scope.resources.len();
    attach_replicas(scope, all, found);
}

/// Add each replica to the table it names: by `Ref` (in the same stack first), or by the
/// table's literal name.
pub(super) fn attach_replicas(
    scope: &mut Scope,
    range: std::ops::Range<usize>,
    replicas: Vec<(Str, String, Replica)>,
) {
    for (table, _id, replica) in replicas {
        let by_ref = table.as_ref_part().map(|(target, _)| target.to_string());
        let matches = |r: &Resource| match (&by_ref, &r.kind) {
            (Some(target), Kind::Table(_)) => &r.id == target,
            (None, Kind::Table(t)) => table.as_lit().is_some() && t.known_name() == table.as_lit(),
            _ => false,
        };
        let idx = range
            .clone()
            .find(|&i| scope.resources.get(i).is_some_and(matches))
            .or_else(|| scope.resources.iter().position(matches));
        if let Some(Kind::Table(t)) = idx
            .and_then(|i| scope.resources.get_mut(i))
            .map(|r| &mut r.kind)
        {
            t.replicas.push(replica);
        }
    }
}
