use super::matching::{Dimensions, TableId, has_alarm};
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::Scope;

declare_rule! {
    /// ## What it checks
    /// Every global secondary index (GSI) of every table has CloudWatch alarms of its own:
    /// one on throttling (`ThrottledRequests`, `WriteThrottleEvents` or
    /// `ReadThrottleEvents`) and, when the index has provisioned capacity (a provisioned
    /// table, or its own `ProvisionedThroughput`), one on `ConsumedWriteCapacityUnits`.
    /// Each missing alarm is one finding on the index (its `IndexName`), naming the metric.
    ///
    /// An alarm counts for the index when one of its metrics — a plain alarm's metric, or
    /// any metric of a metric math alarm (CDK `MathExpression`,
    /// `metricThrottledRequestsForOperations`) — has namespace `AWS/DynamoDB`, the metric
    /// name, a `TableName` dimension that names the table and a `GlobalSecondaryIndexName`
    /// dimension equal to the index's name. `TableName` names the table when it is a `Ref`
    /// to it (CDK `table.tableName`), a Terraform reference to its `name` or `id`, or a
    /// literal or `!Sub` equal to its name. Alarms may live anywhere in the scope: another
    /// stack of the same CDK assembly, another file of the same Terraform module.
    ///
    /// Precision first: an alarm whose namespace, metric name or dimensions are known only
    /// at deploy time (a parameter without default, an import), or whose dimensions could
    /// not be read at all, may be the alarm, so it counts as present. A table with a generated or unknown name can be matched only by
    /// reference: a literal `TableName` never matches it.
    ///
    /// ## Why it matters
    /// A GSI has its own capacity and is written asynchronously from the base table. When
    /// it throttles, DynamoDB throttles *writes to the base table* until the index catches
    /// up: the table's own metrics look healthy while the application sees
    /// `ProvisionedThroughputExceededException` on writes. The usual cause is a hot
    /// partition on the index key or an index provisioned below the table; the table-level
    /// alarms do not fire, and the incident is debugged from the application side. An alarm
    /// on the index's throttle events (and, provisioned, on its consumed write capacity
    /// against what is provisioned) points straight at the index.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// OrdersByCustomerThrottles:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     Namespace: AWS/DynamoDB
    ///     MetricName: WriteThrottleEvents
    ///     Dimensions:
    ///       - { Name: TableName, Value: !Ref OrdersTable }
    ///       - { Name: GlobalSecondaryIndexName, Value: ByCustomer }
    ///     Statistic: Sum
    ///     Period: 60
    ///     EvaluationPeriods: 5
    ///     Threshold: 1
    ///     ComparisonOperator: GreaterThanOrEqualToThreshold
    /// ```
    /// and, for provisioned capacity, the same on `ConsumedWriteCapacityUnits` with a
    /// threshold near the index's provisioned write capacity.
    ///
    /// CDK: `new cloudwatch.Alarm(this, 'ByCustomerThrottles', { metric: new cloudwatch.Metric({ namespace: 'AWS/DynamoDB', metricName: 'WriteThrottleEvents', dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: 'ByCustomer' } }), threshold: 1, evaluationPeriods: 5 })`.
    ///
    /// Terraform:
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "orders_by_customer_throttles" {
    ///   namespace           = "AWS/DynamoDB"
    ///   metric_name         = "WriteThrottleEvents"
    ///   dimensions = {
    ///     TableName                = aws_dynamodb_table.orders.name
    ///     GlobalSecondaryIndexName = "ByCustomer"
    ///   }
    ///   statistic           = "Sum"
    ///   period              = 60
    ///   evaluation_periods  = 5
    ///   threshold           = 1
    ///   comparison_operator = "GreaterThanOrEqualToThreshold"
    /// }
    /// ```
    ///
    /// ## References
    /// - [DynamoDB metrics and dimensions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html)
    /// - [Provisioned throughput considerations for GSIs (GSI back-pressure)](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations)
    /// - [Creating CloudWatch alarms to monitor DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/creating-alarms.html)
    GsiAlarmsMissing {
        id: "DDB401",
        name: "gsi-alarms-missing",
        severity: Warning,
        summary: "a GSI without CloudWatch alarms on its own throttling and, when provisioned, its consumed write capacity",
        tags: ["monitoring", "reliability"],
    }
}

pub(crate) const THROTTLE_METRICS: &[&str] = &[
    "ThrottledRequests",
    "WriteThrottleEvents",
    "ReadThrottleEvents",
];

/// Terraform: alarms a `count` or `for_each` on a variable leaves out of the table's module
/// are set where that variable is.
pub(super) const ALARMS: &[&str] = &["aws_cloudwatch_metric_alarm"];

impl Check for GsiAlarmsMissing {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            let t = TableId::new(res, table);
            for gsi in &table.gsis {
                let dims = Dimensions::Index(&gsi.name);
                let name = gsi.name.get().map_or("(unnamed)", String::as_str);
                let mut missing = Vec::new();
                if !has_alarm(scope, THROTTLE_METRICS, &t, dims) {
                    missing.push((
                        "throttle",
                        "ThrottledRequests (or WriteThrottleEvents/ReadThrottleEvents)",
                        "WriteThrottleEvents",
                    ));
                }
                if gsi.provisioned && !has_alarm(scope, &["ConsumedWriteCapacityUnits"], &t, dims) {
                    missing.push((
                        "consumed-write",
                        "ConsumedWriteCapacityUnits",
                        "ConsumedWriteCapacityUnits",
                    ));
                }
                for (key, metric, fix_metric) in missing {
                    let help = match scope.format {
                        crate::model::Format::Cloudformation => format!(
                            "add an AWS::CloudWatch::Alarm on AWS/DynamoDB {fix_metric} with dimensions TableName: !Ref {} and GlobalSecondaryIndexName: {name}",
                            res.id
                        ),
                        crate::model::Format::Cdk => format!(
                            "add a cloudwatch.Alarm on a Metric AWS/DynamoDB {fix_metric} with dimensionsMap {{ TableName: table.tableName, GlobalSecondaryIndexName: '{name}' }}"
                        ),
                        _ => format!(
                            "add an aws_cloudwatch_metric_alarm on AWS/DynamoDB {fix_metric} with dimensions TableName = {}.name and GlobalSecondaryIndexName = \"{name}\"",
                            res.id
                        ),
                    };
                    ctx.report(
                        res,
                        gsi.name.span,
                        format!(
                            "GSI {name} of table {} has no CloudWatch alarm on its {metric}",
                            res.id
                        ),
                        help,
                    )
                    .key(format!("gsi:{name}:{key}"));
                    ctx.unset_by(ALARMS);
                }
            }
        }
    }
}
