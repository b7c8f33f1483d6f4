use super::autoscaling::{Capacity, targets};
use super::cdk::Construct;
use super::matching::TableId;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Format, Resource, Scope, TableKind};

declare_rule! {
    /// ## What it checks
    /// A table with provisioned capacity (`BillingMode: PROVISIONED`, or unset), or a
    /// global secondary index of one, without Application Auto Scaling on its read and its
    /// write capacity: no `AWS::ApplicationAutoScaling::ScalableTarget` /
    /// `aws_appautoscaling_target` in scope with `ServiceNamespace: dynamodb`, the
    /// `ScalableDimension` `dynamodb:table:ReadCapacityUnits` and
    /// `dynamodb:table:WriteCapacityUnits` (`dynamodb:index:…` for an index), and a
    /// `ResourceId` that names it: `table/NAME` or `table/NAME/index/INDEX`, with the table
    /// given by reference (`!Sub table/${Orders}`, CDK's `Fn::Join` from
    /// `autoScaleReadCapacity`, Terraform `"table/${aws_dynamodb_table.orders.name}"`) or by
    /// its name. One finding per table or index, naming what is missing.
    ///
    /// On-demand tables (`PAY_PER_REQUEST`) are fine, and so are global tables
    /// (`AWS::DynamoDB::GlobalTable`), whose provisioned write capacity is always auto
    /// scaled. A target whose resource id or dimension is known only at deploy time may be
    /// the one, so it counts.
    ///
    /// ## Why it matters
    /// Provisioned capacity is a ceiling: a request beyond it is throttled
    /// (`ProvisionedThroughputExceededException`), whatever the cause — a launch, a batch
    /// job, a retry storm. A fixed ceiling is either set for the peak, paying for idle
    /// capacity every other hour, or set for the average, throttling at the peak. Auto
    /// scaling tracks the consumed capacity and moves the ceiling between a minimum and a
    /// maximum. An index needs its own targets: an index left at a fixed write capacity
    /// throttles, and GSI throttling fails writes to the base table (see DDB405).
    ///
    /// ## How to fix
    /// Either switch to on-demand (`BillingMode: PAY_PER_REQUEST`,
    /// `billing_mode = "PAY_PER_REQUEST"`, CDK `billing: Billing.onDemand()`), or add a
    /// target and a target-tracking policy for each capacity.
    ///
    /// CloudFormation:
    /// ```yaml
    /// OrdersWriteScaling:
    ///   Type: AWS::ApplicationAutoScaling::ScalableTarget
    ///   Properties:
    ///     ServiceNamespace: dynamodb
    ///     ResourceId: !Sub table/${Orders}
    ///     ScalableDimension: dynamodb:table:WriteCapacityUnits
    ///     MinCapacity: 5
    ///     MaxCapacity: 500
    /// ```
    /// (the same for `ReadCapacityUnits`, and `table/${Orders}/index/ByCustomer` with
    /// `dynamodb:index:…` for each index), each with an
    /// `AWS::ApplicationAutoScaling::ScalingPolicy` of type `TargetTrackingScaling`.
    ///
    /// CDK: `table.autoScaleReadCapacity({ minCapacity: 5, maxCapacity: 500 }).scaleOnUtilization({ targetUtilizationPercent: 70 })`,
    /// the same with `autoScaleWriteCapacity`, and `autoScaleGlobalSecondaryIndexReadCapacity('ByCustomer', …)` /
    /// `autoScaleGlobalSecondaryIndexWriteCapacity` for each index.
    ///
    /// Terraform:
    /// ```hcl
    /// resource "aws_appautoscaling_target" "orders_write" {
    ///   service_namespace  = "dynamodb"
    ///   resource_id        = "table/${aws_dynamodb_table.orders.name}"
    ///   scalable_dimension = "dynamodb:table:WriteCapacityUnits"
    ///   min_capacity       = 5
    ///   max_capacity       = 500
    /// }
    /// ```
    /// with an `aws_appautoscaling_policy` (`policy_type = "TargetTrackingScaling"`).
    ///
    /// ## References
    /// - [Managing throughput capacity automatically with DynamoDB auto scaling](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html)
    /// - [DynamoDB read/write capacity modes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/capacity-mode.html)
    /// - [AWS::ApplicationAutoScaling::ScalableTarget](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-applicationautoscaling-scalabletarget.html)
    /// - [aws_appautoscaling_target](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/appautoscaling_target)
    CapacityNotAutoscaled {
        id: "DDB406",
        name: "capacity-not-autoscaled",
        severity: Warning,
        summary: "a provisioned table, or a GSI of one, without Application Auto Scaling on read and write capacity",
        tags: ["reliability", "cost"],
    }
}

fn missing_text(missing: &[Capacity]) -> &'static str {
    match missing {
        [Capacity::Read] => "read",
        [Capacity::Write] => "write",
        _ => "read and write",
    }
}

fn help(format: Format, res: &Resource, index: Option<&str>, missing: &[Capacity]) -> String {
    let table = res.id.as_str();
    let on = if index.is_some() { "index" } else { "table" };
    let dims: Vec<String> = missing
        .iter()
        .map(|c| c.dimension(index.is_some()))
        .collect();
    let dims = dims.join(" and ");
    match format {
        Format::Cloudformation => {
            let rid = match index {
                Some(i) => format!("!Sub table/${{{table}}}/index/{i}"),
                None => format!("!Sub table/${{{table}}}"),
            };
            format!(
                "add an AWS::ApplicationAutoScaling::ScalableTarget (ResourceId: {rid}, ScalableDimension: {dims}) with a target-tracking ScalingPolicy, or set BillingMode: PAY_PER_REQUEST"
            )
        }
        Format::Cdk if Construct::of(res) == Some(Construct::CfnTable) => {
            let rid = match index {
                Some(i) => format!("`table/${{table.ref}}/index/{i}`"),
                None => "`table/${table.ref}`".to_string(),
            };
            format!(
                "add an appscaling.ScalableTarget (serviceNamespace: appscaling.ServiceNamespace.DYNAMODB, resourceId: {rid}, scalableDimension: {dims}) with scaleToTrackMetric, or set billingMode: 'PAY_PER_REQUEST' on the CfnTable"
            )
        }
        Format::Cdk => {
            let calls: Vec<String> = missing
                .iter()
                .map(|c| {
                    let rw = if *c == Capacity::Read {
                        "Read"
                    } else {
                        "Write"
                    };
                    match index {
                        Some(i) => format!("autoScaleGlobalSecondaryIndex{rw}Capacity('{i}', …)"),
                        None => format!("autoScale{rw}Capacity(…)"),
                    }
                })
                .collect();
            format!(
                "call table.{} with scaleOnUtilization, or use on-demand billing",
                calls.join(" and table.")
            )
        }
        Format::Terraform | Format::TerraformPlan => {
            let rid = match index {
                Some(i) => format!("\"table/${{{table}.name}}/index/{i}\""),
                None => format!("\"table/${{{table}.name}}\""),
            };
            format!(
                "add an aws_appautoscaling_target (resource_id = {rid}, scalable_dimension {dims}) per {on} capacity with an aws_appautoscaling_policy, or set billing_mode = \"PAY_PER_REQUEST\""
            )
        }
    }
}

impl Check for CapacityNotAutoscaled {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            if table.table_kind != TableKind::Table || !table.is_provisioned() {
                continue;
            }
            let t = TableId::new(res, table);
            let missing: Vec<Capacity> = [Capacity::Read, Capacity::Write]
                .into_iter()
                .filter(|c| targets(scope, &t, None, *c).is_empty())
                .collect();
            if !missing.is_empty() {
                ctx.report(
                    res,
                    table.capacity_span.unwrap_or(res.span),
                    format!(
                        "table {} has provisioned capacity without auto scaling on its {} capacity",
                        res.id,
                        missing_text(&missing)
                    ),
                    help(scope.format, res, None, &missing),
                )
                .key(format!("table:{}", missing_text(&missing)));
            }
            for gsi in &table.gsis {
                let missing: Vec<Capacity> = [Capacity::Read, Capacity::Write]
                    .into_iter()
                    .filter(|c| targets(scope, &t, Some(&gsi.name), *c).is_empty())
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let name = gsi.name.get().map_or("(unnamed)", String::as_str);
                ctx.report(
                    res,
                    gsi.span,
                    format!(
                        "GSI {name} of table {} has provisioned capacity without auto scaling on its {} capacity",
                        res.id,
                        missing_text(&missing)
                    ),
                    help(scope.format, res, Some(name), &missing),
                )
                .key(format!("gsi:{name}:{}", missing_text(&missing)));
            }
        }
    }
}
