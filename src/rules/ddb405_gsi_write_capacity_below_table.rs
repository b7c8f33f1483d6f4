use super::autoscaling::{Capacity, ceiling};
use super::cdk::by_construct;
use super::matching::TableId;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Scope, TableKind};

declare_rule! {
    /// ## What it checks
    /// A global secondary index of a provisioned table whose write capacity ceiling is
    /// below the table's. The ceiling is the `MaxCapacity` / `max_capacity` of the
    /// Application Auto Scaling target that scales its write capacity (see DDB406 for how
    /// targets are matched), or, without one, its provisioned `WriteCapacityUnits` /
    /// `write_capacity`. The finding stands on the index's value: its capacity, or its
    /// target's maximum.
    ///
    /// Tables and indexes whose capacity cannot be known (a parameter without default, a
    /// target that may or may not apply) are not compared. On-demand tables are fine.
    ///
    /// ## Why it matters
    /// Every write to the table that touches an index key is also written to the index,
    /// with the index's own capacity. When the index runs out, DynamoDB does not queue the
    /// index update: it throttles the write to the *base table*. A table provisioned or
    /// scaled to 1,000 WCU behind an index capped at 100 WCU accepts at most what the index
    /// accepts for every write that projects into it, and the table's own metrics show
    /// spare capacity while the application gets `ProvisionedThroughputExceededException`.
    /// Give each index at least the table's write capacity (or maximum), unless you know
    /// that only a fraction of the writes reach it.
    ///
    /// ## How to fix
    /// CloudFormation: raise the index's `ProvisionedThroughput.WriteCapacityUnits`, or
    /// the `MaxCapacity` of its `dynamodb:index:WriteCapacityUnits` scalable target, to at
    /// least the table's.
    ///
    /// CDK: `globalSecondaryIndexes: [{ indexName: 'ByCustomer', writeCapacity: 200, … }]`, or
    /// `table.autoScaleGlobalSecondaryIndexWriteCapacity('ByCustomer', { maxCapacity: … })`
    /// with the table's maximum.
    ///
    /// Terraform:
    /// ```hcl
    /// global_secondary_index {
    ///   name           = "ByCustomer"
    ///   write_capacity = 200   # at least the table's write_capacity
    /// }
    /// ```
    /// or the same `max_capacity` on the index's `aws_appautoscaling_target`.
    ///
    /// ## References
    /// - [Provisioned throughput considerations for global secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations)
    /// - [Managing throughput capacity automatically with DynamoDB auto scaling](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html)
    GsiWriteCapacityBelowTable {
        id: "DDB405",
        name: "gsi-write-capacity-below-table",
        severity: Warning,
        summary: "a provisioned GSI whose write capacity (or auto-scaling maximum) is below the table's",
        tags: ["reliability", "performance"],
    }
}

impl Check for GsiWriteCapacityBelowTable {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            if table.table_kind != TableKind::Table
                || !table.is_provisioned()
                || table.gsis.is_empty()
            {
                continue;
            }
            let t = TableId::new(res, table);
            let Some((table_max, _, table_scaled)) = ceiling(
                scope,
                &t,
                None,
                table.write_capacity.as_ref(),
                Capacity::Write,
            ) else {
                continue;
            };
            for gsi in &table.gsis {
                let Some((gsi_max, span, gsi_scaled)) = ceiling(
                    scope,
                    &t,
                    Some(&gsi.name),
                    gsi.write_capacity.as_ref(),
                    Capacity::Write,
                ) else {
                    continue;
                };
                if gsi_max >= table_max {
                    continue;
                }
                let name = gsi.name.get().map_or("(unnamed)", String::as_str);
                let gsi_what = if gsi_scaled {
                    "can scale its writes to"
                } else {
                    "is provisioned with"
                };
                let table_what = if table_scaled {
                    "can scale to"
                } else {
                    "is provisioned with"
                };
                ctx.report(
                    res,
                    span,
                    format!(
                        "GSI {name} of table {} {gsi_what} {gsi_max} WCU while the table {table_what} {table_max}: when the index throttles, writes to the table fail",
                        res.id
                    ),
                    if gsi_scaled {
                        let max = format!(
                            "raise the MaxCapacity of the index's write scaling target to at least {table_max}"
                        );
                        let cdk = format!(
                            "raise maxCapacity in table.autoScaleGlobalSecondaryIndexWriteCapacity('{name}', …) to at least {table_max}"
                        );
                        let cfn = format!(
                            "raise maxCapacity of the index's appscaling.ScalableTarget to at least {table_max}"
                        );
                        by_construct(scope.format, res, &max, [&cdk, &cdk, &cfn, &cfn], &max)
                    } else {
                        by_construct(
                            scope.format,
                            res,
                            "raise the index's ProvisionedThroughput.WriteCapacityUnits to at least the table's",
                            [
                                "raise writeCapacity in the index's table.addGlobalSecondaryIndex({ … }) to at least the table's",
                                "raise the index's writeCapacity (Capacity.fixed or Capacity.autoscaled maxCapacity) to at least the table's",
                                "raise provisionedThroughput.writeCapacityUnits of the index in globalSecondaryIndexes to at least the table's",
                                "raise the index's writeProvisionedThroughputSettings to at least the table's",
                            ],
                            "raise the index's write_capacity to at least the table's",
                        )
                    },
                )
                .key(format!("gsi:{name}"));
            }
        }
    }
}
