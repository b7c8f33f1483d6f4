use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{KeyType, Scope};

declare_rule! {
    /// ## What it checks
    /// A local secondary index on a table without a sort key, an LSI whose partition key
    /// differs from the table's, or an LSI without a sort key of its own.
    ///
    /// ## Why it matters
    /// An LSI shares the table's partition key and only adds another sort key; DynamoDB
    /// rejects any other shape at `CreateTable`. Since LSIs can only be created with the
    /// table, the failed deploy leaves no way to correct the index in place later: the
    /// table must be recreated.
    ///
    /// ## How to fix
    /// Give the table a sort key (`KeyType: RANGE`), use the table's partition key as the
    /// LSI's `HASH` key and another attribute as its `RANGE` key, or make the index a GSI,
    /// which may use any partition key.
    ///
    /// ## References
    /// - [Local secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html)
    /// - [AWS::DynamoDB::Table LocalSecondaryIndex](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-localsecondaryindex.html)
    LsiKeyInvalid {
        id: "DDB505",
        name: "lsi-key-invalid",
        severity: Error,
        summary: "an LSI on a table without a sort key, or whose partition key differs from the table's",
        tags: ["correctness"],
    }
}

impl Check for LsiKeyInvalid {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            if table.lsis.is_empty() {
                continue;
            }
            let table_hash = table.hash_key().and_then(|k| k.attribute.get());
            // A key schema that could not be resolved at all is not judged.
            if table.key_schema.is_empty()
                || table.key_schema.iter().any(|k| k.key_type.get().is_none())
            {
                continue;
            }
            if table.range_key().is_none() {
                let span = table.lsis_span.unwrap_or(res.span);
                ctx.report(
                    res,
                    span,
                    format!(
                        "table {} has local secondary indexes but no sort key",
                        res.id
                    ),
                    by_construct(
                        scope.format,
                        res,
                        "give the table a sort key (RANGE), or make these indexes global secondary indexes",
                        [
                            "set sortKey: { name: …, type: AttributeType.STRING } (this replaces the table), or use table.addGlobalSecondaryIndex(…) instead of addLocalSecondaryIndex",
                            "set sortKey: { name: …, type: AttributeType.STRING } (this replaces the table), or move these indexes from localSecondaryIndexes to globalSecondaryIndexes",
                            "add a RANGE element to keySchema and its attributeDefinitions entry (this replaces the table), or move these indexes from localSecondaryIndexes to globalSecondaryIndexes",
                            "add a RANGE element to keySchema and its attributeDefinitions entry (this replaces the table), or move these indexes from localSecondaryIndexes to globalSecondaryIndexes",
                        ],
                        "give the table a sort key (RANGE), or make these indexes global secondary indexes",
                    ),
                );
                continue;
            }
            for lsi in &table.lsis {
                let name = lsi.name.get().cloned().unwrap_or_else(|| "?".into());
                let hash = lsi
                    .key_schema
                    .iter()
                    .find(|k| k.key_type.get() == Some(&KeyType::Hash));
                if let (Some(hash), Some(table_hash)) = (hash, table_hash)
                    && let Some(lsi_hash) = hash.attribute.get()
                    && lsi_hash != table_hash
                {
                    ctx.report(
                                res,
                                hash.attribute.span,
                                format!(
                                    "local secondary index {name} of table {} has partition key {lsi_hash}, not the table's {table_hash}",
                                    res.id
                                ),
                                {
                                    let fix = format!("use {table_hash} as the index's HASH key, or make it a global secondary index");
                                    let cfn = format!("use {table_hash} as the HASH element of the index's keySchema, or move the index to globalSecondaryIndexes");
                                    by_construct(scope.format, res, &fix, [&fix, &fix, &cfn, &cfn], &fix)
                                },
                            )
                            .key(format!("lsi:{name}:hash"));
                }
                let has_range = lsi
                    .key_schema
                    .iter()
                    .any(|k| k.key_type.get() == Some(&KeyType::Range));
                let all_known = lsi.key_schema.iter().all(|k| k.key_type.get().is_some());
                if !has_range && all_known {
                    ctx.report(
                        res,
                        lsi.span,
                        format!(
                            "local secondary index {name} of table {} has no sort key",
                            res.id
                        ),
                        by_construct(
                            scope.format,
                            res,
                            "give the index a RANGE key other than the table's sort key",
                            [
                                "give the index a sortKey other than the table's",
                                "give the index a sortKey other than the table's",
                                "add a RANGE element other than the table's sort key to the index's keySchema",
                                "add a RANGE element other than the table's sort key to the index's keySchema",
                            ],
                            "give the index a RANGE key other than the table's sort key",
                        ),
                    )
                    .key(format!("lsi:{name}:range"));
                }
            }
        }
    }
}
