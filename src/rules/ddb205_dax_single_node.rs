use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Kind, Scope, check_prop};

/// Nodes a DAX cluster needs to survive the loss of a node or of an Availability Zone.
const MIN_NODES: i64 = 3;

declare_rule! {
    /// ## What it checks
    /// A DAX cluster (`AWS::DAX::Cluster`, `aws_dax_cluster`) with fewer than three nodes:
    /// `ReplicationFactor` / `replication_factor` of 1 or 2. A conditional value fails when
    /// any branch is below three; a value that cannot be resolved (a parameter without
    /// default) never fails.
    ///
    /// ## Why it matters
    /// DAX sits in the read path: the application talks to the cluster, not to the table.
    /// A one-node cluster is a single point of failure — when the node is replaced
    /// (hardware, patching) or its Availability Zone has trouble, every cached read turns
    /// into an error or a timeout until the client falls back, and the cache comes back
    /// empty, so the table takes the whole read load at once. Two nodes survive a node but
    /// not always a zone. With three nodes spread over three Availability Zones, one
    /// primary and two read replicas, a failed node is replaced while the others serve,
    /// and a failed primary is taken over by a replica. DAX also charges per node-hour
    /// whatever the load, so a cluster is worth running only when it is built to stay up.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// SessionCache:
    ///   Type: AWS::DAX::Cluster
    ///   Properties:
    ///     ReplicationFactor: 3
    ///     AvailabilityZones: [us-east-1a, us-east-1b, us-east-1c]
    /// ```
    /// CDK (`CfnCluster`): `replicationFactor: 3`, `availabilityZones: [...]`.
    ///
    /// Terraform:
    /// ```hcl
    /// resource "aws_dax_cluster" "sessions" {
    ///   replication_factor = 3
    ///   availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    /// }
    /// ```
    /// Changing the node count does not replace the cluster.
    ///
    /// ## References
    /// - [DAX cluster components: nodes, primary and read replicas](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAX.concepts.cluster.html)
    /// - [AWS::DAX::Cluster ReplicationFactor](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dax-cluster.html#cfn-dax-cluster-replicationfactor)
    /// - [aws_dax_cluster replication_factor](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dax_cluster#replication_factor)
    DaxSingleNode {
        id: "DDB205",
        name: "dax-single-node",
        severity: Warning,
        summary: "a DAX cluster with fewer than 3 nodes (no survival of a node or AZ loss)",
        tags: ["reliability"],
    }
}

impl Check for DaxSingleNode {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for res in scope.at(&scope.index().dax) {
            let Kind::Dax(dax) = &res.kind else {
                continue;
            };
            let few = |v: Option<&i64>| v.is_some_and(|n| *n < MIN_NODES);
            let Some(failure) = check_prop(dax.replication_factor.as_ref(), few) else {
                continue;
            };
            let nodes = dax
                .replication_factor
                .as_ref()
                .and_then(|p| p.known_values().into_iter().map(|(n, _)| *n).min())
                .unwrap_or(1);
            let what = if nodes == 1 {
                "1 node: losing it, or its Availability Zone, takes the cache down".to_string()
            } else {
                format!("{nodes} nodes: it does not survive the loss of an Availability Zone")
            };
            ctx.report_failure(
                res,
                failure,
                format!("DAX cluster {} has {what}", res.id),
                by_format(
                    scope.format,
                    "set ReplicationFactor: 3 and spread AvailabilityZones over three zones",
                    "set replicationFactor: 3 on the CfnCluster, over three availabilityZones",
                    "set replication_factor = 3 and availability_zones to three zones",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use crate::model::{Dax, Kind, Prop};

    #[test]
    fn fewer_than_three_nodes_fail() {
        let dax = |id: &str, rf: Option<Prop<i64>>| {
            resource(
                id,
                "AWS::DAX::Cluster",
                Kind::Dax(Dax {
                    replication_factor: rf,
                    ..Dax::default()
                }),
            )
        };
        let s = scope(vec![
            dax("One", known(10, 1)),
            dax("Two", known(20, 2)),
            dax("Three", known(30, 3)),
            dax("Unset", None),
            dax("Unknown", Some(Prop::unknown(sp(40), "parameter"))),
        ]);
        let found = run_default("DDB205", &s);
        let spans: Vec<_> = found.iter().map(|f| f.1).collect();
        assert_eq!(spans, vec![sp(10), sp(20)], "{found:?}");
        assert!(found[0].0.starts_with("DAX cluster One has 1 node"));
        assert!(found[1].0.contains("2 nodes"));
    }
}
