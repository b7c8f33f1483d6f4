use super::iam::{ResourceClass, actions_grant_table_access, classified, owner, statement_name};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// An `Allow` statement that grants DynamoDB actions (`dynamodb:…`, `*`, a wildcard
    /// that covers some DynamoDB action, or a `NotAction` that does not exclude them) on
    /// `Resource: "*"` or on every table: `arn:aws:dynamodb:*:*:table/*`,
    /// `arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*`,
    /// `arn:aws:dynamodb:*:*:*`, or the indexes or streams of every table
    /// (`…:table/*/index/*`, `…:table/*/stream/*`). Region and account wildcards, or parts
    /// known only at deploy time, do not matter: the table name does.
    ///
    /// Not reported: the resource policy of a table (it applies to that table only, whatever
    /// its `Resource` says), statements whose only DynamoDB actions take no resource
    /// (`ListTables`, `DescribeLimits`, `DescribeEndpoints`, `ListBackups`, …: IAM requires
    /// `*` for them), a named table and its indexes (`${OrdersTable.Arn}/index/*`,
    /// `arn:aws:dynamodb:*:*:table/Orders/index/*`), a name prefix (`table/orders-*`), and
    /// a table name that cannot be resolved before deploy. The finding is on the resource.
    ///
    /// ## Why it matters
    /// A grant on every table reaches tables that did not exist when the policy was
    /// written: the billing table added next quarter, another team's table in the same
    /// account, the audit table. Least privilege is what limits the damage of a
    /// compromised function or a bug that writes to the wrong table name taken from an
    /// environment variable: with `table/*` a `Scan` of the users table from the
    /// reporting Lambda succeeds instead of failing with `AccessDenied`.
    ///
    /// ## How to fix
    /// Name the tables and their indexes. CloudFormation:
    /// ```yaml
    /// Resource:
    ///   - !GetAtt OrdersTable.Arn
    ///   - !Sub "${OrdersTable.Arn}/index/*"
    /// ```
    /// CDK: `table.grantReadWriteData(fn)` scopes the grant to the table and its indexes.
    ///
    /// Terraform:
    /// ```hcl
    /// resources = [
    ///   aws_dynamodb_table.orders.arn,
    ///   "${aws_dynamodb_table.orders.arn}/index/*",
    /// ]
    /// ```
    /// Actions that only work on `*` (`dynamodb:ListTables`, `dynamodb:DescribeLimits`)
    /// belong in a statement of their own.
    ///
    /// ## References
    /// - [Resource types defined by Amazon DynamoDB](https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html#amazondynamodb-resources-for-iam-policies)
    /// - [IAM JSON policy elements: Resource](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)
    /// - [Identity-based policy examples for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/security_iam_id-based-policy-examples.html)
    IamDynamodbWildcardResource {
        id: "DDB602",
        name: "iam-dynamodb-wildcard-resource",
        severity: Error,
        summary: "an Allow of `dynamodb:` actions on `*` or on all tables (`…:table/*`)",
        tags: ["security", "iam"],
    }
}

impl Check for IamDynamodbWildcardResource {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for super::iam::Located {
            res,
            st,
            resource_based,
        } in super::iam::statements(scope)
        {
            // A table's resource policy applies to that table only.
            // Actions that only take `*` (ListTables) and CreateTable do not reach an
            // existing table's data.
            if resource_based || !st.is_allow() || !actions_grant_table_access(st) {
                continue;
            }
            for (class, value, span) in classified(scope, &st.resources) {
                let ResourceClass::AllTables(what) = class else {
                    continue;
                };
                let text = value.render();
                ctx.report(
                        res,
                        span,
                        format!(
                            "{} of {} grants DynamoDB actions on {what} ({text:?}), not on named tables",
                            statement_name(st),
                            owner(res, resource_based)
                        ),
                        by_format(
                            scope.format,
                            "name the tables: Resource: [!GetAtt Table.Arn, !Sub \"${Table.Arn}/index/*\"]",
                            "use table.grantReadData / grantReadWriteData, or name table.tableArn in the PolicyStatement",
                            "name the tables: resources = [aws_dynamodb_table.t.arn, \"${aws_dynamodb_table.t.arn}/index/*\"]",
                        ),
                    )
                    .key(format!("resource:{text}"));
            }
        }
    }
}
