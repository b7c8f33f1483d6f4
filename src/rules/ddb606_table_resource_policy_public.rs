use super::iam::literals;
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Kind, Policy, Resource, Scope, Statement};

/// Condition keys that narrow who may call: the caller's organization, account, identity
/// or network path. Compared case-insensitively, as IAM compares keys.
const NARROWING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:userid",
    "aws:username",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceip",
    "aws:vpcsourceip",
];

declare_rule! {
    /// ## What it checks
    /// A resource-based policy on a table or its stream that allows any principal: an
    /// `Allow` statement with `Principal: "*"`, `Principal: {AWS: "*"}` (or `*` among
    /// others), or a `NotPrincipal`, and no condition that narrows the caller — one of
    /// `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`, `aws:SourceVpce`, `aws:SourceVpc`, `aws:SourceAccount`,
    /// `aws:SourceArn`, `aws:SourceIp` and the like, under an operator that does not end in
    /// `IfExists` (an `…IfExists` condition lets a request without the key through).
    ///
    /// Policies are read from CloudFormation `ResourcePolicy` and
    /// `StreamSpecification.ResourcePolicy` (and the replicas of a global table), CDK's
    /// `resourcePolicy`, and Terraform `aws_dynamodb_resource_policy`, written inline,
    /// with `jsonencode`, as JSON text or from `data "aws_iam_policy_document"`.
    ///
    /// ## Why it matters
    /// DynamoDB denies everything that is not granted, and that is the point: access is
    /// given to named roles, for named tables and actions. A resource policy with a `*`
    /// principal grants the table to every AWS account in the world — any credentials,
    /// from any account, that know or guess the table's ARN can read (or write) its
    /// items, and CloudTrail shows the calls only after the fact. It is the worst breach
    /// a table can have, and it is one line. Cross-account access is legitimate; name the
    /// accounts or roles, or keep the `*` and add a condition on the caller's organization
    /// or network path.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// ResourcePolicy:
    ///   PolicyDocument:
    ///     Statement:
    ///       - Effect: Allow
    ///         Principal:
    ///           AWS: arn:aws:iam::444455556666:role/analytics
    ///         Action: [dynamodb:GetItem, dynamodb:Query]
    ///         Resource: "*"
    /// ```
    /// or keep `Principal: "*"` with `Condition: {StringEquals: {aws:PrincipalOrgID: o-…}}`.
    ///
    /// CDK: `resourcePolicy: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ principals: [new iam.ArnPrincipal(analyticsRoleArn)], actions: ['dynamodb:Query'], resources: ['*'] })] })`.
    ///
    /// Terraform:
    /// ```hcl
    /// data "aws_iam_policy_document" "orders" {
    ///   statement {
    ///     actions   = ["dynamodb:GetItem"]
    ///     resources = [aws_dynamodb_table.orders.arn]
    ///     principals {
    ///       type        = "AWS"
    ///       identifiers = ["*"]
    ///     }
    ///     condition {
    ///       test     = "StringEquals"
    ///       variable = "aws:PrincipalOrgID"
    ///       values   = [var.org_id]
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Using resource-based policies for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html)
    /// - [IAM JSON policy elements: Principal](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)
    /// - [AWS global condition context keys](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
    /// - [aws_dynamodb_resource_policy](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_resource_policy)
    TableResourcePolicyPublic {
        id: "DDB606",
        name: "table-resource-policy-public",
        severity: Error,
        summary: "a resource-based policy on a table or stream that allows any principal without a condition that narrows it",
        tags: ["security", "iam"],
    }
}

/// Where a statement admits any principal: a `*` principal, or a `NotPrincipal`.
fn public_principal(st: &Statement) -> Option<(crate::source::Span, &'static str)> {
    for p in &st.principals {
        if !(p.kind == "*" || p.kind.eq_ignore_ascii_case("AWS")) {
            continue;
        }
        if let Some((_, span)) = literals(&p.value).into_iter().find(|(v, _)| *v == "*") {
            return Some((span, "any principal (\"*\")"));
        }
    }
    st.not_principals
        .first()
        .map(|p| (p.value.span, "every principal but those in NotPrincipal"))
}

/// Whether a condition of the statement narrows the caller.
fn narrowed(st: &Statement) -> bool {
    st.conditions.iter().any(|c| {
        let op = c.operator.to_ascii_lowercase();
        NARROWING_KEYS.contains(&c.key.to_ascii_lowercase().as_str())
            && !op.ends_with("ifexists")
            && op != "null"
            && !c.values.iter().flat_map(literals).all(|(v, _)| v == "*")
    })
}

fn check_policy(scope: &Scope, ctx: &mut Ctx, res: &Resource, policy: &Policy) {
    // A standalone policy (Terraform) names its table through `resource_arn`.
    let target = policy
        .resource_arn
        .as_ref()
        .and_then(|p| p.get())
        .and_then(|s| {
            s.0.iter().find_map(|part| match part {
                crate::model::Part::Ref { target, .. } => Some(target.as_str()),
                _ => None,
            })
        })
        .filter(|t| {
            scope
                .resource(t)
                .is_some_and(|r| matches!(r.kind, Kind::Table(_)))
        });
    let table = match (&res.kind, target) {
        (Kind::Table(_), _) => Some(res.id.as_str()),
        (_, t) => t,
    };
    let on = match (table, policy.on.as_deref()) {
        (Some(t), Some(on)) => format!("{on} of table {t}"),
        (Some(t), None) => format!("table {t}"),
        (None, Some(on)) => format!("{on} named by {}", res.id),
        (None, None) => format!("the table or stream named by {}", res.id),
    };
    for st in &policy.statements {
        if !st.is_allow() {
            continue;
        }
        let Some((span, who)) = public_principal(st) else {
            continue;
        };
        if narrowed(st) {
            continue;
        }
        let actions: Vec<&str> = st
            .actions
            .iter()
            .flat_map(literals)
            .map(|(a, _)| a)
            .collect();
        let actions = match actions.len() {
            0 => "its actions".to_string(),
            1..=4 => actions.join(", "),
            n => format!("{} and {} more actions", actions[..3].join(", "), n - 3),
        };
        ctx.report(
            res,
            span,
            format!(
                "the resource policy of {on} allows {who} with no condition on the caller's organization, account or network: any AWS account can call {actions} on it"
            ),
            by_format(
                scope.format,
                "name the principals (Principal: {AWS: arn:aws:iam::ACCOUNT:role/NAME}), or add a Condition such as StringEquals aws:PrincipalOrgID",
                "use specific principals (new iam.ArnPrincipal(…), new iam.AccountPrincipal(…)), or add conditions such as { StringEquals: { 'aws:PrincipalOrgID': … } }",
                "name the principals in identifiers, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceVpce",
            ),
        )
        .key(format!(
            "public:{}:{}",
            policy.on.as_deref().unwrap_or("table"),
            st.sid.as_deref().unwrap_or("")
        ));
    }
}

impl Check for TableResourcePolicyPublic {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for res in scope.at(&scope.index().policies) {
            match &res.kind {
                Kind::Table(table) => {
                    for policy in &table.resource_policies {
                        check_policy(scope, ctx, res, policy);
                    }
                }
                Kind::Policy(policy) if policy.resource_arn.is_some() => {
                    check_policy(scope, ctx, res, policy);
                }
                _ => {}
            }
        }
    }
}
