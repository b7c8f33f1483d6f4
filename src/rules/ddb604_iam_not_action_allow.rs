use super::iam::{
    actions_grant_dynamodb, list_span, not_action_grants_dynamodb, not_resource_reaches_dynamodb,
    owner, resources_reach_dynamodb, statement_name,
};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Prop, Scope, Str};

declare_rule! {
    /// ## What it checks
    /// An `Allow` statement with `NotAction` or `NotResource` that grants DynamoDB:
    ///
    /// - `NotAction` that does not exclude every DynamoDB action (no `dynamodb:*` or `*`
    ///   among its values), on resources that include DynamoDB (`*`, a table, a
    ///   `dynamodb` ARN, or a `NotResource`);
    /// - `NotResource` that does not exclude every table, in a statement that grants
    ///   DynamoDB actions.
    ///
    /// The finding is on the `NotAction` or `NotResource` values. When a value cannot be
    /// resolved before deploy (it might exclude DynamoDB), the rule does not fire.
    ///
    /// ## Why it matters
    /// `Allow` with `NotAction: iam:*` reads as "no IAM", but it allows every other action
    /// of every service, DynamoDB's `DeleteTable` and `ExportTableToPointInTime` included,
    /// and every action any service adds later. `Allow` with `NotResource` grants the
    /// actions on everything except the listed resources: every table, present and future.
    /// These statements are meant for `Deny`; with `Allow` they are the widest grants IAM
    /// can express, and reviewers routinely misread them.
    ///
    /// ## How to fix
    /// Write the grant positively: `Action` with the DynamoDB actions needed and `Resource`
    /// with the tables. To carve out exceptions, add a `Deny` statement with `NotAction`
    /// or `NotResource` beside an explicit `Allow`.
    ///
    /// CloudFormation:
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [dynamodb:GetItem, dynamodb:Query]
    ///   Resource: !GetAtt OrdersTable.Arn
    /// ```
    /// CDK: `new iam.PolicyStatement({ actions: [...], resources: [table.tableArn] })`
    /// instead of `notActions` / `notResources`.
    ///
    /// Terraform: in `aws_iam_policy_document`, use `actions` and `resources` rather than
    /// `not_actions` / `not_resources` in `Allow` statements.
    ///
    /// ## References
    /// - [IAM JSON policy elements: NotAction](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html)
    /// - [IAM JSON policy elements: NotResource](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html)
    IamNotActionAllow {
        id: "DDB604",
        name: "iam-not-action-allow",
        severity: Error,
        summary: "an Allow with `NotAction` or `NotResource` that covers DynamoDB",
        tags: ["security", "iam"],
    }
}

fn rendered(values: &[Prop<Str>]) -> String {
    let all: Vec<String> = values
        .iter()
        .flat_map(|p| p.known_values())
        .map(|(s, _)| s.render())
        .collect();
    all.join(", ")
}

impl Check for IamNotActionAllow {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for super::iam::Located {
            res,
            st,
            resource_based,
        } in super::iam::statements(scope)
        {
            if !st.is_allow() {
                continue;
            }
            if let Some(span) = list_span(&st.not_actions)
                && not_action_grants_dynamodb(st)
                && (resource_based || resources_reach_dynamodb(scope, st))
            {
                let except = rendered(&st.not_actions);
                ctx.report(
                            res,
                            span,
                            format!(
                                "{} of {} allows every action except {except}, DynamoDB actions included (Allow with NotAction)",
                                statement_name(st),
                                owner(res, resource_based)
                            ),
                            by_format(
                                scope.format,
                                "replace NotAction with an Action list of the DynamoDB actions needed; keep NotAction for Deny statements",
                                "replace notActions with actions listing what is needed; keep notActions for DENY statements",
                                "replace not_actions with actions listing what is needed; keep not_actions for Deny statements",
                            ),
                        )
                        .key(format!("not_action:{except}"));
            }
            if let Some(span) = list_span(&st.not_resources)
                && not_resource_reaches_dynamodb(scope, st)
                && actions_grant_dynamodb(st)
            {
                let except = rendered(&st.not_resources);
                ctx.report(
                            res,
                            span,
                            format!(
                                "{} of {} grants DynamoDB actions on every resource except {except}, every table included (Allow with NotResource)",
                                statement_name(st),
                                owner(res, resource_based)
                            ),
                            by_format(
                                scope.format,
                                "replace NotResource with a Resource list naming the tables; keep NotResource for Deny statements",
                                "replace notResources with resources naming the tables; keep notResources for DENY statements",
                                "replace not_resources with resources naming the tables; keep not_resources for Deny statements",
                            ),
                        )
                        .key(format!("not_resource:{except}"));
            }
        }
    }
}
