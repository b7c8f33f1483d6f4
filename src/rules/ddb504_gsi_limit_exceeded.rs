use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

/// DynamoDB's default quota of global secondary indexes per table.
pub const MAX_GSIS: usize = 20;

declare_rule! {
    /// ## What it checks
    /// A table with more than 20 global secondary indexes (`GlobalSecondaryIndexes`,
    /// `global_secondary_index` blocks).
    ///
    /// ## Why it matters
    /// 20 GSIs per table is the default quota. Above it, `CreateTable`/`UpdateTable` fail
    /// unless the account's quota was raised, in every account and region you deploy to;
    /// each GSI also multiplies write cost, since every write to the table is written again
    /// to each index that projects it.
    ///
    /// ## How to fix
    /// Merge access patterns into overloaded indexes (generic `GSI1PK`/`GSI1SK`
    /// attributes), or request a quota increase in every account and region first and
    /// lower this rule's severity in `.ddbguard.yaml`.
    ///
    /// ## References
    /// - [Service quotas: secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-secondary-indexes)
    /// - [Overloading global secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-gsi-overloading.html)
    GsiLimitExceeded {
        id: "DDB504",
        name: "gsi-limit-exceeded",
        severity: Warning,
        summary: "a table with more than 20 global secondary indexes (soft limit)",
        tags: ["correctness"],
    }
}

impl Check for GsiLimitExceeded {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            if table.gsis.len() > MAX_GSIS {
                let span = table.gsis_span.unwrap_or(res.span);
                ctx.report(
                    res,
                    span,
                    format!(
                        "table {} has {} global secondary indexes; the default quota is {MAX_GSIS}",
                        res.id,
                        table.gsis.len()
                    ),
                    by_construct(
                        scope.format,
                        res,
                        "merge access patterns into overloaded indexes, or raise the quota in every account and region first",
                        [
                            "merge access patterns into overloaded indexes so that at most 20 table.addGlobalSecondaryIndex(…) calls remain, or raise the quota in every account and region first",
                            "merge access patterns into overloaded indexes so that at most 20 entries remain in globalSecondaryIndexes, or raise the quota in every account and region first",
                            "merge access patterns into overloaded indexes so that at most 20 entries remain in globalSecondaryIndexes, or raise the quota in every account and region first",
                            "merge access patterns into overloaded indexes so that at most 20 entries remain in globalSecondaryIndexes, or raise the quota in every account and region first",
                        ],
                        "merge access patterns into overloaded indexes, or raise the quota in every account and region first",
                    ),
                );
            }
        }
    }
}
