use super::iam::{owner, statement_name};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Condition, Scope, Statement};

declare_rule! {
    /// ## What it checks
    /// Fine-grained access control conditions in `Allow` statements that do not restrict
    /// what they seem to:
    ///
    /// - `dynamodb:LeadingKeys` or `dynamodb:Attributes` under an operator without the
    ///   `ForAllValues:` set qualifier (`StringEquals`, `StringLike`,
    ///   `ForAnyValue:StringEquals`). These keys are multi-valued: a request carries a set
    ///   of partition keys or attribute names.
    /// - `dynamodb:Attributes` without a `dynamodb:Select` condition equal to
    ///   `SPECIFIC_ATTRIBUTES` in the same statement.
    ///
    /// The finding is on the condition key. `Deny` statements are not checked; a
    /// `dynamodb:Select` value that cannot be resolved counts as present.
    ///
    /// ## Why it matters
    /// Fine-grained access control is how a multi-tenant table keeps one user out of
    /// another's items, and it fails open. With a single-valued operator, or
    /// `ForAnyValue:`, a `BatchGetItem` that asks for the caller's own key and someone
    /// else's key matches because one of the values does; the request is allowed and
    /// returns both. `ForAllValues:` requires every value to match. And `ForAllValues:`
    /// is true of an empty set: a `Query` or `Scan` that names no attributes sends no
    /// `dynamodb:Attributes` at all, passes the condition, and returns every attribute of
    /// every item it reads, the ones the policy meant to hide included, unless the
    /// statement also requires `dynamodb:Select` to be `SPECIFIC_ATTRIBUTES`.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// Condition:
    ///   ForAllValues:StringEquals:
    ///     dynamodb:LeadingKeys: ["${www.amazon.com:user_id}"]
    ///     dynamodb:Attributes: [UserId, GameTitle, TopScore]
    ///   StringEqualsIfExists:
    ///     dynamodb:Select: SPECIFIC_ATTRIBUTES
    /// ```
    /// CDK: `conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...] },
    /// StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } }`.
    ///
    /// Terraform (`aws_iam_policy_document`):
    /// ```hcl
    /// condition {
    ///   test     = "ForAllValues:StringEquals"
    ///   variable = "dynamodb:LeadingKeys"
    ///   values   = ["$${aws:userid}"]
    /// }
    /// condition {
    ///   test     = "StringEqualsIfExists"
    ///   variable = "dynamodb:Select"
    ///   values   = ["SPECIFIC_ATTRIBUTES"]
    /// }
    /// ```
    ///
    /// ## References
    /// - [Using IAM policy conditions for fine-grained access control](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html)
    /// - [Condition operators for multivalued context keys](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html)
    IamConditionMisuse {
        id: "DDB605",
        name: "iam-condition-misuse",
        severity: Warning,
        summary: "`dynamodb:LeadingKeys`/`dynamodb:Attributes` used without `ForAllValues:`, or `dynamodb:Attributes` without `dynamodb:Select` = `SPECIFIC_ATTRIBUTES`",
        tags: ["security", "iam"],
    }
}

const MULTI_VALUED: &[&str] = &["dynamodb:LeadingKeys", "dynamodb:Attributes"];

fn is_for_all_values(c: &Condition) -> bool {
    c.operator.to_ascii_lowercase().starts_with("forallvalues:")
}

/// Whether the statement requires `dynamodb:Select` = `SPECIFIC_ATTRIBUTES`, or has a
/// `dynamodb:Select` condition whose values are not all known.
fn selects_specific_attributes(st: &Statement) -> bool {
    st.conditions
        .iter()
        .filter(|c| {
            let op = c.operator.to_ascii_lowercase();
            c.key.eq_ignore_ascii_case("dynamodb:Select")
                && !op.starts_with("foranyvalue:")
                && !op.contains("not")
        })
        .any(|c| {
            c.values.iter().any(|v| {
                let known = v.known_values();
                known.is_empty()
                    || known.iter().any(|(s, _)| match s.as_lit() {
                        Some(l) => l == "SPECIFIC_ATTRIBUTES",
                        None => true,
                    })
            })
        })
}

impl Check for IamConditionMisuse {
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
            for c in &st.conditions {
                let Some(key) = MULTI_VALUED.iter().find(|k| k.eq_ignore_ascii_case(&c.key)) else {
                    continue;
                };
                if !is_for_all_values(c) {
                    ctx.report(
                            res,
                            c.key_span,
                            format!(
                                "{} of {} tests the multi-valued key {key} with {:?}: a request that also carries other values passes",
                                statement_name(st),
                                owner(res, resource_based),
                                c.operator
                            ),
                            by_format(
                                scope.format,
                                "put the key under ForAllValues:StringEquals (or ForAllValues:StringLike)",
                                "put the key under 'ForAllValues:StringEquals' in the PolicyStatement conditions",
                                "use test = \"ForAllValues:StringEquals\" for this condition",
                            ),
                        )
                        .key(format!("operator:{key}"));
                } else if *key == "dynamodb:Attributes" && !selects_specific_attributes(st) {
                    ctx.report(
                            res,
                            c.key_span,
                            format!(
                                "{} of {} limits dynamodb:Attributes without requiring dynamodb:Select = SPECIFIC_ATTRIBUTES: a request that names no attributes reads them all",
                                statement_name(st),
                                owner(res, resource_based)
                            ),
                            by_format(
                                scope.format,
                                "add StringEqualsIfExists: {dynamodb:Select: SPECIFIC_ATTRIBUTES} to the statement's Condition",
                                "add StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } to the statement's conditions",
                                "add a condition test = \"StringEqualsIfExists\", variable = \"dynamodb:Select\", values = [\"SPECIFIC_ATTRIBUTES\"]",
                            ),
                        )
                        .key("select:dynamodb:Attributes");
                }
            }
        }
    }
}
