use super::matching::{Dimensions, TableId, has_alarm};
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Format, Scope};

declare_rule! {
    /// ## What it checks
    /// Every table has CloudWatch alarms on its throttling (`ThrottledRequests`,
    /// `ReadThrottleEvents` or `WriteThrottleEvents`) and on `SystemErrors`. One finding
    /// per table, on the table, names the missing metric(s).
    ///
    /// An alarm counts for the table when one of its metrics — a plain alarm's metric, or
    /// any metric of a metric math alarm (CDK `metricThrottledRequestsForOperations`,
    /// `metricSystemErrorsForOperations`) — has namespace `AWS/DynamoDB`, the metric name,
    /// and dimensions `TableName` alone, or `TableName` + `Operation` for `SystemErrors`
    /// and `ThrottledRequests` (an index's metric, with `GlobalSecondaryIndexName`, does not
    /// count for the table). `TableName` names the table when it is a `Ref` to it, a
    /// Terraform reference to its `name` or `id`, or a literal or `!Sub` equal to its name.
    /// Alarms may live anywhere in the scope.
    ///
    /// Precision first: an alarm whose namespace, metric name or dimensions are known only
    /// at deploy time (a parameter without default, an import), or whose dimensions could
    /// not be read at all, may be the alarm, so it counts as present. A table with a generated or unknown name can be matched only by
    /// reference: a literal `TableName` never matches it, and the table is reported.
    ///
    /// ## Why it matters
    /// Throttling is how DynamoDB says no: requests above the provisioned capacity, above an
    /// on-demand table's previous peak doubled, or on a hot partition fail with
    /// `ProvisionedThroughputExceededException` or `ThrottlingException`. SDK retries hide
    /// it until latency climbs and retries run out, and the first sign is then an outage of
    /// the service in front. `SystemErrors` (HTTP 500s from DynamoDB) are the other silent
    /// failure: rare, but when they come in bursts during a service event, the alarm is
    /// what tells on-call that the errors are not in their code.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// OrdersThrottles:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     Namespace: AWS/DynamoDB
    ///     MetricName: WriteThrottleEvents
    ///     Dimensions: [{ Name: TableName, Value: !Ref OrdersTable }]
    ///     Statistic: Sum
    ///     Period: 60
    ///     EvaluationPeriods: 5
    ///     Threshold: 1
    ///     ComparisonOperator: GreaterThanOrEqualToThreshold
    /// ```
    /// and the same for `ReadThrottleEvents` and for `SystemErrors` (with an `Operation`
    /// dimension per operation, or a metric math sum over them).
    ///
    /// CDK: `new cloudwatch.Alarm(this, 'Throttles', { metric: table.metricThrottledRequestsForOperations({ operations: [dynamodb.Operation.PUT_ITEM, dynamodb.Operation.QUERY] }), threshold: 1, evaluationPeriods: 5 })`
    /// and the same with `table.metricSystemErrorsForOperations()`.
    ///
    /// Terraform: `aws_cloudwatch_metric_alarm` with `namespace = "AWS/DynamoDB"`,
    /// `metric_name = "WriteThrottleEvents"` and
    /// `dimensions = { TableName = aws_dynamodb_table.orders.name }`, and one for
    /// `SystemErrors`.
    ///
    /// ## References
    /// - [DynamoDB metrics and dimensions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html)
    /// - [Creating CloudWatch alarms to monitor DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/creating-alarms.html)
    /// - [Recommended alarms for DynamoDB](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#DynamoDB)
    TableAlarmsMissing {
        id: "DDB402",
        name: "table-alarms-missing",
        severity: Warning,
        summary: "a table without CloudWatch alarms on its throttling and its SystemErrors",
        tags: ["monitoring", "reliability"],
    }
}

impl Check for TableAlarmsMissing {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            let t = TableId::new(res, table);
            let throttled = has_alarm(
                scope,
                &["ThrottledRequests"],
                &t,
                Dimensions::Table { operation: true },
            ) || has_alarm(
                scope,
                &["ReadThrottleEvents", "WriteThrottleEvents"],
                &t,
                Dimensions::Table { operation: false },
            );
            let errors = has_alarm(
                scope,
                &["SystemErrors"],
                &t,
                Dimensions::Table { operation: true },
            );
            let missing = match (throttled, errors) {
                (true, true) => continue,
                (false, true) => "ThrottledRequests (or Read/WriteThrottleEvents)",
                (true, false) => "SystemErrors",
                (false, false) => "ThrottledRequests (or Read/WriteThrottleEvents) or SystemErrors",
            };
            let (metrics, cdk_metrics) = match (throttled, errors) {
                (false, true) => (
                    "WriteThrottleEvents and ReadThrottleEvents",
                    "table.metricThrottledRequestsForOperations()",
                ),
                (true, false) => ("SystemErrors", "table.metricSystemErrorsForOperations()"),
                _ => (
                    "WriteThrottleEvents, ReadThrottleEvents and SystemErrors",
                    "table.metricThrottledRequestsForOperations() and table.metricSystemErrorsForOperations()",
                ),
            };
            let help = match scope.format {
                Format::Cloudformation => format!(
                    "add AWS::CloudWatch::Alarm resources on AWS/DynamoDB {metrics} with the dimension TableName: !Ref {}",
                    res.id
                ),
                Format::Cdk => format!("add cloudwatch.Alarm resources on {cdk_metrics}"),
                Format::Terraform | Format::TerraformPlan => format!(
                    "add aws_cloudwatch_metric_alarm resources on AWS/DynamoDB {metrics} with dimensions = {{ TableName = {}.name }}",
                    res.id
                ),
            };
            ctx.report(
                res,
                res.span,
                format!("table {} has no CloudWatch alarm on {missing}", res.id),
                help,
            )
            .key(match (throttled, errors) {
                (false, true) => "throttle",
                (true, false) => "system-errors",
                _ => "throttle+system-errors",
            });
            ctx.unset_by(super::ddb401_gsi_alarms_missing::ALARMS);
        }
    }
}
