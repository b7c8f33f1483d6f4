use super::iam::{
    admin_actions, allowed_dynamodb_actions, covers_all_actions, owner, service_needs,
    service_role, statement_name,
};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// An `Allow` statement, on resources that include DynamoDB, whose `Action` grants a
    /// destructive or protection-removing DynamoDB action, named or through a wildcard
    /// (`dynamodb:Delete*`, `dynamodb:Update*`, `dynamodb:*Table`):
    ///
    /// | action | what it can do |
    /// |---|---|
    /// | `DeleteTable` | delete the table and every item |
    /// | `DeleteTableReplica` | delete a replica of a global table and its items |
    /// | `DeleteBackup` | delete on-demand backups |
    /// | `UpdateTable` | turn deletion protection off; drop indexes, streams, replicas |
    /// | `UpdateContinuousBackups` | turn point-in-time recovery off |
    /// | `UpdateTimeToLive` | make items expire in bulk |
    /// | `UpdateGlobalTable` | remove replicas (global tables 2017.11.29) |
    /// | `PutResourcePolicy` | grant the table to other principals and accounts |
    /// | `DeleteResourcePolicy` | remove the table's resource policy |
    /// | `DisableKinesisStreamingDestination` | stop change data capture |
    ///
    /// Restores and imports (`RestoreTableFromBackup`, `RestoreTableToPointInTime`,
    /// `ImportTable`) are not on the list: they create a new table and cannot overwrite
    /// an existing one. Item deletes (`DeleteItem`, `BatchWriteItem`) are ordinary
    /// application access and are not reported.
    ///
    /// `*` and `dynamodb:*` are reported by DDB601 (an error), which covers these actions;
    /// this rule does not report them again. The finding is on the action.
    ///
    /// ## Why it matters
    /// Application roles need items, not tables. When a function's role can call
    /// `DeleteTable`, one compromised dependency, one leaked credential, or one script run
    /// against the wrong account deletes production data; when it can call
    /// `UpdateContinuousBackups` or `UpdateTable`, the same attacker first turns off
    /// point-in-time recovery and deletion protection, so that the deletion cannot be
    /// undone. Ransomware playbooks against cloud databases start exactly there.
    ///
    /// ## How to fix
    /// Keep table administration in the deployment role (CloudFormation, Terraform), and
    /// give applications item-level actions only. If an operator role needs these actions,
    /// require MFA or a break-glass role, and deny them explicitly elsewhere:
    /// ```yaml
    /// - Effect: Deny
    ///   Action: [dynamodb:DeleteTable, dynamodb:UpdateContinuousBackups]
    ///   Resource: !GetAtt OrdersTable.Arn
    /// ```
    /// CDK: prefer `table.grantReadWriteData(fn)` (item actions only) to
    /// `table.grant(fn, 'dynamodb:DeleteTable')`.
    ///
    /// Terraform: remove the actions from `actions`, or move them to a `Deny` statement
    /// (`effect = "Deny"`).
    ///
    /// ## References
    /// - [Actions, resources and condition keys for Amazon DynamoDB](https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html)
    /// - [Using deletion protection](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection)
    /// - [Point-in-time recovery for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html)
    IamDynamodbAdminAction {
        id: "DDB603",
        name: "iam-dynamodb-admin-action",
        severity: Warning,
        summary: "an Allow of destructive or protection-removing DynamoDB actions (`DeleteTable`, `UpdateTable`, `DeleteBackup`, `UpdateContinuousBackups`, …)",
        tags: ["security", "iam", "reliability"],
    }
}

impl Check for IamDynamodbAdminAction {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (at, action, span) in allowed_dynamodb_actions(scope) {
            // DDB601 reports the full wildcards.
            if covers_all_actions(action, "dynamodb") {
                continue;
            }
            let services = match &at.res.kind {
                crate::model::Kind::Policy(p) if !at.resource_based => service_role(p),
                _ => None,
            };
            let admin: Vec<_> = admin_actions(action)
                .into_iter()
                .filter(|(a, _)| !services.as_deref().is_some_and(|s| service_needs(s, a)))
                .collect();
            let Some((first, does)) = admin.first() else {
                continue;
            };
            let (statement, who) = (statement_name(at.st), owner(at.res, at.resource_based));
            let message =
                if admin.len() == 1 && action.eq_ignore_ascii_case(&format!("dynamodb:{first}")) {
                    format!("{statement} of {who} allows dynamodb:{first}, which {does}")
                } else {
                    let names: Vec<String> =
                        admin.iter().map(|(a, _)| format!("dynamodb:{a}")).collect();
                    format!(
                        "{statement} of {who} allows {action:?}, which grants {}",
                        names.join(", ")
                    )
                };
            ctx.report(
                at.res,
                span,
                message,
                by_format(
                    scope.format,
                    "remove the action from the application's policy; keep table administration in the deployment role",
                    "grant item access with table.grantReadWriteData instead; keep table administration in the deployment role",
                    "remove the action from the policy's actions; keep table administration in the deployment role",
                ),
            )
            .key(format!("action:{action}"));
        }
    }
}
