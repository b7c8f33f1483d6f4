use super::{Check, Ctx, by_format};
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
                        by_format(
                            scope.format,
                            "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true",
                            "set pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } on the table",
                            "add point_in_time_recovery { enabled = true } to the table",
                        ),
                    );
            }
            for replica in &table.replicas {
                if let Some(failure) = check_prop(replica.pitr.as_ref(), off) {
                    ctx.report_replica(
                        res,
                        replica,
                        failure,
                        "point-in-time recovery is not enabled",
                        by_format(
                            scope.format,
                            "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true on the replica",
                            "set pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } on the replica",
                            "set point_in_time_recovery = true in the replica block",
                        ),
                    );
                }
            }
        }
    }
}
