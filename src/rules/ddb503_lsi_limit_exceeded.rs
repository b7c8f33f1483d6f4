use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

/// DynamoDB's hard limit of local secondary indexes per table.
pub const MAX_LSIS: usize = 5;

declare_rule! {
    /// ## What it checks
    /// A table with more than 5 local secondary indexes (`LocalSecondaryIndexes`,
    /// `local_secondary_index` blocks).
    ///
    /// ## Why it matters
    /// Five LSIs per table is a hard limit that cannot be raised. The deploy fails when it
    /// reaches `CreateTable`, and LSIs can only be created with the table: the fix is a
    /// redesign, better found in review than in a failed pipeline.
    ///
    /// ## How to fix
    /// Keep at most 5 LSIs. Use global secondary indexes for the other access patterns
    /// (they can be added later and have no 10 GB item-collection limit), or overload one
    /// index with a composite sort key.
    ///
    /// ## References
    /// - [Service quotas: secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-secondary-indexes)
    /// - [Local secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html)
    LsiLimitExceeded {
        id: "DDB503",
        name: "lsi-limit-exceeded",
        severity: Error,
        summary: "a table with more than 5 local secondary indexes",
        tags: ["correctness"],
    }
}

impl Check for LsiLimitExceeded {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            if table.lsis.len() > MAX_LSIS {
                let span = table.lsis_span.unwrap_or(res.span);
                ctx.report(
                    res,
                    span,
                    format!(
                        "table {} has {} local secondary indexes; DynamoDB allows at most {MAX_LSIS}",
                        res.id,
                        table.lsis.len()
                    ),
                    by_construct(
                        scope.format,
                        res,
                        "remove local secondary indexes down to 5; use global secondary indexes for the other access patterns",
                        [
                            "keep at most 5 table.addLocalSecondaryIndex(…) calls; use table.addGlobalSecondaryIndex(…) for the other access patterns",
                            "keep at most 5 entries in localSecondaryIndexes; move the other access patterns to globalSecondaryIndexes",
                            "keep at most 5 entries in localSecondaryIndexes; move the other access patterns to globalSecondaryIndexes",
                            "keep at most 5 entries in localSecondaryIndexes; move the other access patterns to globalSecondaryIndexes",
                        ],
                        "remove local secondary indexes down to 5; use global secondary indexes for the other access patterns",
                    ),
                );
            }
        }
    }
}
