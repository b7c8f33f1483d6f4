use super::iam::{allowed_actions, covers_all_actions, owner, statement_name, wildcard_reach};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// An `Allow` statement whose `Action` is `*` or `dynamodb:*` (in any case, or any
    /// other pattern that covers every DynamoDB action, such as `dynamo*` or `*:*`), on
    /// resources that include DynamoDB: a table's ARN or reference, a `dynamodb` ARN
    /// pattern, or `*`. Policies are read from every place they live: CloudFormation
    /// `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, `AWS::IAM::RolePolicy` (and user and
    /// group policies), inline `Policies` of roles, users and groups (as a mapping, a JSON
    /// string or a `Fn::Sub` of one), and the resource policies of tables, their streams and
    /// their replicas (`ResourcePolicy`); Terraform `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_role`
    /// `inline_policy`, user and group policies and `data "aws_iam_policy_document"`.
    ///
    /// The finding is on the action. `Deny` statements never fire; an action or resource
    /// that cannot be resolved before deploy never fires.
    ///
    /// ## Why it matters
    /// `dynamodb:*` is not "read and write": it includes `DeleteTable`,
    /// `UpdateTable` (turning deletion protection off), `UpdateContinuousBackups` (turning
    /// point-in-time recovery off), `DeleteBackup`, `PutResourcePolicy` (sharing the table
    /// with another account) and `ExportTableToPointInTime` (copying the whole table to an
    /// S3 bucket). A Lambda function's role with `dynamodb:*` turns one dependency with a
    /// remote-code-execution bug, or one leaked set of temporary credentials, into a
    /// deleted table and its backups gone with it. It also grants every action DynamoDB
    /// adds in the future.
    ///
    /// ## How to fix
    /// List the actions the code calls. CloudFormation:
    /// ```yaml
    /// - Effect: Allow
    ///   Action:
    ///     - dynamodb:GetItem
    ///     - dynamodb:PutItem
    ///     - dynamodb:UpdateItem
    ///     - dynamodb:Query
    ///   Resource:
    ///     - !GetAtt OrdersTable.Arn
    ///     - !Sub "${OrdersTable.Arn}/index/*"
    /// ```
    /// CDK: use the grant methods (`table.grantReadData(fn)`, `table.grantReadWriteData(fn)`)
    /// instead of `table.grant(fn, 'dynamodb:*')` or a hand-written `PolicyStatement`.
    ///
    /// Terraform:
    /// ```hcl
    /// statement {
    ///   actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    ///   resources = [aws_dynamodb_table.orders.arn, "${aws_dynamodb_table.orders.arn}/index/*"]
    /// }
    /// ```
    ///
    /// ## References
    /// - [Actions, resources and condition keys for Amazon DynamoDB](https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html)
    /// - [IAM JSON policy elements: Action](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html)
    /// - [Security best practices in IAM: grant least privilege](https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege)
    IamDynamodbWildcardAction {
        id: "DDB601",
        name: "iam-dynamodb-wildcard-action",
        severity: Error,
        summary: "an Allow with `*` or `dynamodb:*` in Action",
        tags: ["security", "iam"],
    }
}

impl Check for IamDynamodbWildcardAction {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (at, action, span) in allowed_actions(scope) {
            if !covers_all_actions(action, "dynamodb") {
                continue;
            }
            // `dynamodb:*` is reported whatever the resources; `*` unless every resource
            // is certainly another service's.
            let names_dynamodb = action.to_ascii_lowercase().starts_with("dynamodb:");
            if !names_dynamodb && !wildcard_reach(scope, &at) {
                continue;
            }
            let what = if action.contains(':') {
                "every DynamoDB action"
            } else {
                "every action of every service"
            };
            ctx.report(
                at.res,
                span,
                format!(
                    "{} of {} allows {action:?}: {what}, DynamoDB's DeleteTable and UpdateContinuousBackups included",
                    statement_name(at.st),
                    owner(at.res, at.resource_based)
                ),
                by_format(
                    scope.format,
                    "list the DynamoDB actions the code calls (dynamodb:GetItem, dynamodb:Query, …) instead of the wildcard",
                    "use table.grantReadData / grantReadWriteData, or list the actions in the PolicyStatement",
                    "list the DynamoDB actions the code calls (dynamodb:GetItem, dynamodb:Query, …) instead of the wildcard",
                ),
            )
            .key(format!("action:{action}"));
        }
    }
}
