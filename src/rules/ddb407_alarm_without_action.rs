use super::matching::{Match, match_prop};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Alarm, Kind, Scope, Str, check_prop};

declare_rule! {
    /// ## What it checks
    /// A CloudWatch alarm (`AWS::CloudWatch::Alarm`, `aws_cloudwatch_metric_alarm`) on a
    /// DynamoDB metric (namespace `AWS/DynamoDB`, in the alarm itself or in any metric of a
    /// metric math alarm) that notifies nobody: no `AlarmActions` / `alarm_actions` at all,
    /// or actions turned off with `ActionsEnabled: false` / `actions_enabled = false`.
    /// `OKActions` and `InsufficientDataActions` do not count: they do not run when the
    /// alarm fires. An action that cannot be resolved (a parameter, an import) counts as
    /// an action; a conditional `ActionsEnabled` fails when any branch is `false`.
    ///
    /// ## Why it matters
    /// DDB401, DDB402 and DDB403 ask for alarms on throttling, system errors and
    /// replication lag because those are the signals that arrive before customers call.
    /// An alarm without an action only changes colour in the CloudWatch console: nobody is
    /// paged, no ticket is opened, no automation runs, and the throttling is found in the
    /// application's error logs after the fact. It also looks like coverage in a review,
    /// which is worse than no alarm at all. Alarms with actions disabled are often left
    /// over from a maintenance window.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// OrdersThrottles:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     AlarmActions:
    ///       - !Ref OpsTopic    # an SNS topic that pages or mails the owners
    /// ```
    /// CDK: `alarm.addAlarmAction(new cloudwatch_actions.SnsAction(opsTopic))`.
    ///
    /// Terraform:
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "orders_throttles" {
    ///   alarm_actions = [aws_sns_topic.ops.arn]
    /// }
    /// ```
    /// and remove `ActionsEnabled: false` / `actions_enabled = false`.
    ///
    /// ## References
    /// - [Using Amazon CloudWatch alarms: alarm actions](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions)
    /// - [Creating CloudWatch alarms to monitor DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/creating-alarms.html)
    /// - [AWS::CloudWatch::Alarm AlarmActions](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html#cfn-cloudwatch-alarm-alarmactions)
    /// - [aws_cloudwatch_metric_alarm alarm_actions](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_metric_alarm#alarm_actions)
    AlarmWithoutAction {
        id: "DDB407",
        name: "alarm-without-action",
        severity: Warning,
        summary: "a CloudWatch alarm on a DynamoDB metric with no alarm action: nobody is told",
        tags: ["monitoring", "reliability"],
    }
}

/// The DynamoDB metric an alarm watches (`ThrottledRequests`), when one of its metrics is
/// certainly in the `AWS/DynamoDB` namespace.
fn dynamodb_metric(alarm: &Alarm) -> Option<String> {
    alarm.metrics.iter().find_map(|m| {
        let ns = m.namespace.as_ref()?;
        let is_ddb = match_prop(ns, &|s: &Str| {
            Match::from_bool(s.as_lit() == Some("AWS/DynamoDB"))
        });
        (is_ddb == Match::Yes).then(|| {
            m.metric_name
                .as_ref()
                .and_then(|n| n.get())
                .map_or_else(|| "a DynamoDB metric".to_string(), |n| n.render())
        })
    })
}

impl Check for AlarmWithoutAction {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for res in scope.at(&scope.index().alarms) {
            let Kind::Alarm(alarm) = &res.kind else {
                continue;
            };
            let Some(metric) = dynamodb_metric(alarm) else {
                continue;
            };
            let disabled = check_prop(alarm.actions_enabled.as_ref(), |v| v == Some(&false));
            if let Some(failure) = disabled {
                ctx.report_failure(
                    res,
                    failure,
                    format!(
                        "alarm {} on {metric} has its actions disabled: nobody is told when it fires",
                        res.id
                    ),
                    by_format(
                        scope.format,
                        "remove ActionsEnabled: false (or set it to true)",
                        "remove actionsEnabled: false from the alarm",
                        "remove actions_enabled = false (or set it to true)",
                    ),
                )
                .key("disabled");
                continue;
            }
            if alarm.actions.is_empty() {
                ctx.report(
                    res,
                    alarm.actions_span.unwrap_or(res.span),
                    format!(
                        "alarm {} on {metric} has no alarm action: nobody is told when it fires",
                        res.id
                    ),
                    by_format(
                        scope.format,
                        "add AlarmActions: [!Ref OpsTopic] with an SNS topic that reaches the table's owners",
                        "call alarm.addAlarmAction(new cloudwatch_actions.SnsAction(topic)) with a topic that reaches the table's owners",
                        "set alarm_actions = [aws_sns_topic.ops.arn] with a topic that reaches the table's owners",
                    ),
                )
                .key("no-action");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use crate::model::{Alarm, Kind, Metric, Prop, Str};

    fn alarm(
        id: &str,
        ns: &str,
        actions: usize,
        enabled: Option<Prop<bool>>,
    ) -> crate::model::Resource {
        resource(
            id,
            "AWS::CloudWatch::Alarm",
            Kind::Alarm(Alarm {
                metrics: vec![Metric {
                    namespace: lit(5, ns),
                    metric_name: lit(6, "ThrottledRequests"),
                    dimensions: Vec::new(),
                }],
                actions: (0..actions)
                    .map(|i| Prop::known(sp(50 + i), Str::lit("arn:aws:sns:us-east-1:1:t")))
                    .collect(),
                actions_span: None,
                actions_enabled: enabled,
            }),
        )
    }

    #[test]
    fn dynamodb_alarms_need_an_enabled_action() {
        let s = scope(vec![
            alarm("Silent", "AWS/DynamoDB", 0, None),
            alarm("Off", "AWS/DynamoDB", 1, known(30, false)),
            alarm("Paging", "AWS/DynamoDB", 1, known(31, true)),
            alarm("Lambda", "AWS/Lambda", 0, None),
        ]);
        let found = run_default("DDB407", &s);
        let spans: Vec<_> = found.iter().map(|f| f.1).collect();
        assert_eq!(spans, vec![sp(1), sp(30)], "{found:?}");
        assert_eq!(
            found[0].0,
            "alarm Silent on ThrottledRequests has no alarm action: nobody is told when it fires"
        );
    }
}
