use super::matching::{Dimensions, TableId, has_alarm};
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Format, Scope, TableKind};

declare_rule! {
    /// ## What it checks
    /// A global table — an `AWS::DynamoDB::GlobalTable` or Terraform
    /// `aws_dynamodb_global_table` with two replicas or more, or a table with replicas in
    /// other regions (Terraform `replica` blocks, CDK `replicationRegions`) — without a
    /// CloudWatch alarm on `ReplicationLatency` for the table. The finding is on the table.
    ///
    /// An alarm counts when one of its metrics (metric math included) has namespace
    /// `AWS/DynamoDB`, metric name `ReplicationLatency` and a `TableName` dimension that
    /// names the table (a `Ref`, a Terraform reference to its `name` or `id`, a literal or
    /// `!Sub` equal to its name); the `ReceivingRegion` dimension may be anything. An
    /// `AWS::DynamoDB::GlobalTable` with a single replica (what CDK `TableV2` makes by
    /// default) replicates nowhere and is not reported. Alarms whose values are known only at
    /// deploy time, or whose dimensions could not be read, count as present.
    ///
    /// ## Why it matters
    /// Global tables replicate asynchronously. When a region is impaired, replication lag
    /// grows quietly: writes made in the failing region are not yet in the others. A team
    /// that fails over without knowing the lag loses those writes, or serves stale data
    /// and overwrites newer items when the region comes back (last writer wins). A
    /// `ReplicationLatency` alarm per receiving region shows the lag before and during the
    /// failover, when the decision is made.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// OrdersReplicationLatency:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     Namespace: AWS/DynamoDB
    ///     MetricName: ReplicationLatency
    ///     Dimensions:
    ///       - { Name: TableName, Value: !Ref OrdersTable }
    ///       - { Name: ReceivingRegion, Value: eu-west-1 }
    ///     Statistic: Average
    ///     Period: 60
    ///     EvaluationPeriods: 5
    ///     Threshold: 60000
    ///     ComparisonOperator: GreaterThanThreshold
    /// ```
    /// CDK: `new cloudwatch.Alarm(this, 'ReplicationLatency', { metric: table.metric('ReplicationLatency', { dimensionsMap: { TableName: table.tableName, ReceivingRegion: 'eu-west-1' } }), threshold: 60000, evaluationPeriods: 5 })`.
    ///
    /// Terraform: `aws_cloudwatch_metric_alarm` with `namespace = "AWS/DynamoDB"`,
    /// `metric_name = "ReplicationLatency"` and
    /// `dimensions = { TableName = aws_dynamodb_table.orders.name, ReceivingRegion = "eu-west-1" }`.
    ///
    /// ## References
    /// - [Monitoring global tables](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html)
    /// - [DynamoDB metrics and dimensions: ReplicationLatency](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html)
    /// - [Global tables: conflict resolution](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html)
    ReplicationLatencyAlarmMissing {
        id: "DDB403",
        name: "replication-latency-alarm-missing",
        severity: Warning,
        summary: "a global table without a ReplicationLatency alarm",
        tags: ["monitoring", "reliability", "disaster-recovery"],
    }
}

impl Check for ReplicationLatencyAlarmMissing {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            let replicated = match table.table_kind {
                // Every region is a replica, the local one included.
                TableKind::Global => table.replicas.len() >= 2,
                // Replicas are the other regions.
                TableKind::Table => !table.replicas.is_empty(),
            };
            if !replicated {
                continue;
            }
            let t = TableId::new(res, table);
            if has_alarm(scope, &["ReplicationLatency"], &t, Dimensions::TableAndAny) {
                continue;
            }
            let help = match scope.format {
                Format::Cloudformation => format!(
                    "add an AWS::CloudWatch::Alarm on AWS/DynamoDB ReplicationLatency with dimensions TableName: !Ref {} and ReceivingRegion",
                    res.id
                ),
                Format::Cdk => "add a cloudwatch.Alarm on table.metric('ReplicationLatency') with dimensionsMap { TableName: table.tableName, ReceivingRegion: <region> }".to_string(),
                Format::Terraform | Format::TerraformPlan => format!(
                    "add an aws_cloudwatch_metric_alarm on AWS/DynamoDB ReplicationLatency with dimensions = {{ TableName = {}.name, ReceivingRegion = <region> }}",
                    res.id
                ),
            };
            ctx.report(
                res,
                res.span,
                format!(
                    "global table {} has no CloudWatch alarm on ReplicationLatency: replication lag goes unseen until a failover",
                    res.id
                ),
                help,
            );
            ctx.unset_by(super::ddb401_gsi_alarms_missing::ALARMS);
        }
    }
}
