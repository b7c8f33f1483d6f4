use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Format, Scope, check_prop};

declare_rule! {
    /// ## What it checks
    /// A table that its stack or configuration may delete: in CloudFormation, a
    /// `DeletionPolicy` or `UpdateReplacePolicy` that is not `Retain` (unset means
    /// `Delete`); in CDK, `removalPolicy: RemovalPolicy.DESTROY` (or no removal policy on a
    /// construct whose default is destroy); in Terraform, no
    /// `lifecycle { prevent_destroy = true }`.
    ///
    /// ## Why it matters
    /// Deleting a stack, removing the resource from the template, or an update that
    /// replaces the table (a new key schema, a new LSI) deletes the table and its data with
    /// it. `Retain` keeps the table when CloudFormation lets go of it; `prevent_destroy`
    /// makes Terraform refuse any plan that destroys it. Deletion protection (DDB103) guards
    /// against API calls; this guards against your own infrastructure code.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// DeletionPolicy: Retain
    /// UpdateReplacePolicy: Retain
    /// ```
    /// CDK: `removalPolicy: RemovalPolicy.RETAIN` on a `Table` or `TableV2`,
    /// `applyRemovalPolicy(RemovalPolicy.RETAIN)` on a `CfnTable`. Terraform:
    /// ```hcl
    /// lifecycle {
    ///   prevent_destroy = true
    /// }
    /// ```
    ///
    /// ## References
    /// - [DeletionPolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html)
    /// - [UpdateReplacePolicy attribute](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html)
    /// - [Terraform lifecycle prevent_destroy](https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#prevent_destroy)
    TableNotRetained {
        id: "DDB104",
        name: "table-not-retained",
        severity: Warning,
        summary: "a table its stack may delete: DeletionPolicy/UpdateReplacePolicy not Retain, or no prevent_destroy",
        tags: ["reliability"],
    }
}

impl Check for TableNotRetained {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        let not_retain = |v: Option<&String>| v.is_none_or(|p| p != "Retain");
        for (res, table) in scope.tables() {
            match scope.format {
                Format::Terraform | Format::TerraformPlan => {
                    if let Some(failure) =
                        check_prop(table.prevent_destroy.as_ref(), |v| v != Some(&true))
                    {
                        ctx.report_failure(
                            res,
                            failure,
                            format!("table {} is not protected by prevent_destroy", res.id),
                            "add lifecycle { prevent_destroy = true } to the table",
                        );
                    }
                }
                Format::Cloudformation | Format::Cdk => {
                    let help = &super::cdk::by_construct(
                        scope.format,
                        res,
                        "set DeletionPolicy: Retain and UpdateReplacePolicy: Retain on the table",
                        [
                            "set removalPolicy: RemovalPolicy.RETAIN",
                            "set removalPolicy: RemovalPolicy.RETAIN",
                            "call applyRemovalPolicy(RemovalPolicy.RETAIN)",
                            "call applyRemovalPolicy(RemovalPolicy.RETAIN)",
                        ],
                        "",
                    );
                    let deletion = check_prop(table.deletion_policy.as_ref(), not_retain);
                    let replace = check_prop(table.update_replace_policy.as_ref(), not_retain);
                    let what = match (deletion.is_some(), replace.is_some()) {
                        (true, true) => "DeletionPolicy and UpdateReplacePolicy are not Retain",
                        (true, false) => "DeletionPolicy is not Retain",
                        (false, true) => "UpdateReplacePolicy is not Retain",
                        (false, false) => continue,
                    };
                    let failure = deletion.or(replace).expect("one failed");
                    ctx.report_failure(
                        res,
                        failure,
                        format!("table {} may be deleted with its data: {what}", res.id),
                        help,
                    );
                }
            }
        }
    }
}
