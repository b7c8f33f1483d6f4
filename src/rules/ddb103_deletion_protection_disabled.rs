use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Scope, TableKind, check_prop};

declare_rule! {
    /// ## What it checks
    /// A DynamoDB table without deletion protection: `DeletionProtectionEnabled: true`
    /// (CloudFormation, and each replica of a global table), `deletionProtection: true`
    /// (CDK), `deletion_protection_enabled = true` (Terraform).
    ///
    /// ## Why it matters
    /// Deletion protection makes `DeleteTable` fail, whoever calls it: a console click, a
    /// script pointed at the wrong account, a stack deletion, a Terraform plan that replaces
    /// the table. It is the last guard between one mistaken call and the loss of the table
    /// with all its data and backups-in-progress, and it costs nothing.
    ///
    /// ## How to fix
    /// CloudFormation: `DeletionProtectionEnabled: true` (on each replica of a
    /// `GlobalTable`). CDK: `deletionProtection: true` on a `Table` or `TableV2`,
    /// `deletionProtectionEnabled: true` on a `CfnTable`. Terraform:
    /// `deletion_protection_enabled = true`.
    ///
    /// ## References
    /// - [Using deletion protection](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection)
    DeletionProtectionDisabled {
        id: "DDB103",
        name: "deletion-protection-disabled",
        severity: Warning,
        summary: "a table without deletion protection",
        tags: ["reliability"],
    }
}

impl Check for DeletionProtectionDisabled {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        let off = |v: Option<&bool>| v != Some(&true);
        for (res, table) in scope.tables() {
            let help = &by_construct(
                scope.format,
                res,
                "set DeletionProtectionEnabled: true",
                [
                    "set deletionProtection: true",
                    "set deletionProtection: true, which every replica takes unless its entry in replicas sets its own",
                    "set deletionProtectionEnabled: true",
                    "set deletionProtectionEnabled: true in the replica's entry of replicas",
                ],
                "set deletion_protection_enabled = true",
            );
            match table.table_kind {
                TableKind::Table => {
                    if let Some(failure) = check_prop(table.deletion_protection.as_ref(), off) {
                        ctx.report_failure(
                            res,
                            failure,
                            format!("deletion protection is not enabled on table {}", res.id),
                            help,
                        );
                        ctx.unset_by(&["deletion_protection_enabled"]);
                    }
                }
                TableKind::Global => {
                    for replica in &table.replicas {
                        if let Some(failure) = check_prop(replica.deletion_protection.as_ref(), off)
                        {
                            ctx.report_replica(
                                res,
                                replica,
                                failure,
                                "deletion protection is not enabled",
                                help,
                            );
                        }
                    }
                }
            }
        }
    }
}
