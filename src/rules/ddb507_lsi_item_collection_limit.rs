use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// A table with local secondary indexes (`LocalSecondaryIndexes`,
    /// `local_secondary_index` blocks). It is a reminder, reported on the indexes: with an
    /// LSI, all the items that share a partition key value, in the table and in all its
    /// LSIs, form an item collection that cannot grow past 10 GB.
    ///
    /// ## Why it matters
    /// When an item collection reaches 10 GB, every write that would grow it fails with
    /// `ItemCollectionSizeLimitExceededException`: a busy tenant, a popular product or a
    /// long-lived device suddenly cannot be written to, in production, with no setting to
    /// raise the limit. LSIs can only be created with the table, and removing them means a
    /// new table and a migration. Tables without LSIs have no such limit.
    ///
    /// ## How to fix
    /// Make sure no partition key value can ever hold 10 GB (bound the data per key, or
    /// spread it with a suffix on the key), and watch `ReturnItemCollectionMetrics` in the
    /// writers. Where an index is not needed with strongly consistent reads, use a global
    /// secondary index instead: CloudFormation `GlobalSecondaryIndexes`, CDK
    /// `table.addGlobalSecondaryIndex(...)`, Terraform `global_secondary_index` blocks.
    /// Accept the finding with a suppression once the sizing is reviewed.
    ///
    /// ## References
    /// - [Item collection size limit](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html#LSI.ItemCollections.SizeLimit)
    /// - [Local secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html)
    /// - [Service quotas: secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-secondary-indexes)
    LsiItemCollectionLimit {
        id: "DDB507",
        name: "lsi-item-collection-limit",
        severity: Note,
        summary: "a table with LSIs: each partition key's items are capped at 10 GB",
        tags: ["reliability", "scalability"],
    }
}

impl Check for LsiItemCollectionLimit {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            let n = table.lsis.len();
            if n == 0 {
                continue;
            }
            let span = table.lsis_span.unwrap_or(res.span);
            let indexes = if n == 1 {
                "a local secondary index".to_string()
            } else {
                format!("{n} local secondary indexes")
            };
            ctx.report(
                res,
                span,
                format!(
                    "table {} has {indexes}: the items of each partition key value, with their index entries, cannot exceed 10 GB",
                    res.id
                ),
                by_construct(
                    scope.format,
                    res,
                    "make sure no partition key value can reach 10 GB, or use a global secondary index instead",
                    [
                        "make sure no partition key value can reach 10 GB, or use table.addGlobalSecondaryIndex(…) instead of addLocalSecondaryIndex",
                        "make sure no partition key value can reach 10 GB, or move the indexes from localSecondaryIndexes to globalSecondaryIndexes",
                        "make sure no partition key value can reach 10 GB, or move the indexes from localSecondaryIndexes to globalSecondaryIndexes",
                        "make sure no partition key value can reach 10 GB, or move the indexes from localSecondaryIndexes to globalSecondaryIndexes",
                    ],
                    "make sure no partition key value can reach 10 GB, or use a global secondary index instead",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use crate::model::{Index, Prop};

    fn lsi(name: &str) -> Index {
        Index {
            name: Prop::known(sp(30), name.to_string()),
            key_schema: Vec::new(),
            span: sp(30),
            provisioned: false,
            read_capacity: None,
            write_capacity: None,
        }
    }

    #[test]
    fn tables_with_lsis_get_a_note() {
        let s = scope(vec![
            table("WithLsi", |t| {
                t.lsis = vec![lsi("a"), lsi("b")];
                t.lsis_span = Some(sp(20));
            }),
            table("NoLsi", |_| {}),
        ]);
        let found = run_default("DDB507", &s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, sp(20));
        assert!(
            found[0]
                .0
                .starts_with("table WithLsi has 2 local secondary indexes")
        );
    }
}
