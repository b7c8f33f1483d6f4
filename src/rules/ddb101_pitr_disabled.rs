use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Scope, TableKind, check_prop};

declare_rule! {
    /// ## What it checks
    /// A DynamoDB table without point-in-time recovery (PITR), and every replica of a
    /// global table without it: `AWS::DynamoDB::Table` without
    /// `PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true`, each replica of
    /// an `AWS::DynamoDB::GlobalTable`, a Terraform `aws_dynamodb_table` without
    /// `point_in_time_recovery { enabled = true }` (and each `replica` block without
    /// `point_in_time_recovery = true`). A conditional value fails when any branch fails;
    /// a value that cannot be resolved never fails.
    ///
    /// ## Why it matters
    /// Without PITR, a bad deploy, a buggy batch job or a mistaken `DeleteItem` loop
    /// destroys data for good: on-demand backups only restore to the moment they were
    /// taken, usually hours or a day before. PITR restores the table to any second of the
    /// last 35 days. Replicas of a global table replicate deletes too, so every replica
    /// needs its own PITR: the one left without it is the one you fail over to.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// PointInTimeRecoverySpecification:
    ///   PointInTimeRecoveryEnabled: true
    /// ```
    /// CDK: `pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }` on
    /// `Table` and on each `TableV2` replica.
    ///
    /// Terraform:
    /// ```hcl
    /// point_in_time_recovery {
    ///   enabled = true
    /// }
    /// ```
    /// and `point_in_time_recovery = true` in each `replica` block.
    ///
    /// ## References
    /// - [Point-in-time recovery for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html)
    /// - [AWS::DynamoDB::Table PointInTimeRecoverySpecification](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-pointintimerecoveryspecification.html)
    /// - [aws_dynamodb_table point_in_time_recovery](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table#point_in_time_recovery)
    PitrDisabled {
        id: "DDB101",
        name: "pitr-disabled",
        severity: Error,
        summary: "a table, or any replica of a global table, without point-in-time recovery",
        tags: ["reliability", "backup"],
    }
}

/// The property of every DynamoDB construct, `CfnTable` and `CfnGlobalTable` included.
const PITR: &str = "set pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }";

impl Check for PitrDisabled {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        let off = |v: Option<&bool>| v != Some(&true);
        for (res, table) in scope.tables() {
            if table.table_kind == TableKind::Table
                && let Some(failure) = check_prop(table.pitr.as_ref(), off)
            {
                ctx.report_failure(
                    res,
                    failure,
                    format!("point-in-time recovery is not enabled on table {}", res.id),
                    by_construct(
                        scope.format,
                        res,
                        "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true",
                        [PITR; 4],
                        "add point_in_time_recovery { enabled = true } to the table",
                    ),
                );
                ctx.unset_by(&["point_in_time_recovery", "point_in_time_recovery.enabled"]);
            }
            for replica in &table.replicas {
                if let Some(failure) = check_prop(replica.pitr.as_ref(), off) {
                    ctx.report_replica(
                        res,
                        replica,
                        failure,
                        "point-in-time recovery is not enabled",
                        by_construct(
                            scope.format,
                            res,
                            "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true on the replica",
                            [
                                "replicas made by replicationRegions cannot have it: use a TableV2 and set pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }, which its replicas take",
                                "set pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }, which every replica takes unless its entry in replicas sets its own",
                                PITR,
                                "set pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } in the replica's entry of replicas",
                            ],
                            "set point_in_time_recovery = true in the replica block",
                        ),
                    );
                }
            }
        }
    }
}
