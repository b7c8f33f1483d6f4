use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Prop, Resource, Scope, TableKind};
use crate::source::Span;

/// The longest recovery period DynamoDB offers, and the default minimum.
const DEFAULT_MIN_DAYS: u64 = 35;

declare_rule! {
    /// ## What it checks
    /// A table, or a replica of a global table, whose point-in-time recovery period
    /// (`PointInTimeRecoverySpecification.RecoveryPeriodInDays`, Terraform
    /// `point_in_time_recovery { recovery_period_in_days }`) is shorter than the minimum the
    /// config sets: `rules: {DDB102: {min_days: 35}}` (35, the longest period, by default).
    /// Only tables with point-in-time recovery enabled are checked (DDB101 reports the
    /// others); an unset period is 35 days. A conditional value fails when any branch
    /// fails; a value that cannot be resolved never fails.
    ///
    /// ## Why it matters
    /// Corruption is often found late: a bad migration that rewrites items, a bug that
    /// drops an attribute, a job that deletes the wrong partition keys, noticed at the
    /// month-end report. With a 7-day recovery period the last clean second is already out
    /// of reach, and the only way back is an on-demand backup that may be weeks old. The
    /// price of PITR does not depend on the period, so a short period saves nothing.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// PointInTimeRecoverySpecification:
    ///   PointInTimeRecoveryEnabled: true
    ///   RecoveryPeriodInDays: 35
    /// ```
    /// CDK: `pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true,
    /// recoveryPeriodInDays: 35 }`.
    ///
    /// Terraform:
    /// ```hcl
    /// point_in_time_recovery {
    ///   enabled                 = true
    ///   recovery_period_in_days = 35
    /// }
    /// ```
    /// Or lower the minimum for the whole repository in `.ddbguard.yaml`:
    /// `rules: {DDB102: {min_days: 14}}`.
    ///
    /// ## References
    /// - [Point-in-time recovery for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html)
    /// - [AWS::DynamoDB::Table PointInTimeRecoverySpecification](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-pointintimerecoveryspecification.html)
    /// - [aws_dynamodb_table point_in_time_recovery](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table#point_in_time_recovery)
    PitrRecoveryPeriodShort {
        id: "DDB102",
        name: "pitr-recovery-period-short",
        severity: Warning,
        summary: "a point-in-time recovery period (RecoveryPeriodInDays) below the configured minimum (default 35 days)",
        tags: ["reliability", "backup"],
    }
}

impl Check for PitrRecoveryPeriodShort {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        let min = ctx.option_u64("min_days").unwrap_or(DEFAULT_MIN_DAYS);
        let min = i64::try_from(min).unwrap_or(i64::MAX);
        let field = by_format(
            scope.format,
            "PointInTimeRecoverySpecification.RecoveryPeriodInDays",
            "recoveryPeriodInDays in pointInTimeRecoverySpecification",
            "recovery_period_in_days in point_in_time_recovery",
        );
        let help = format!("set {field} to at least {min} days (35 is the longest)");
        for (res, table) in scope.tables() {
            let help = &super::cdk::by_construct(scope.format, res, &help, [&help; 4], &help);
            if table.table_kind == TableKind::Table
                && let Some((days, span)) =
                    short_period(table.pitr.as_ref(), table.pitr_recovery_days.as_ref(), min)
            {
                let what = format!("table {}", res.id);
                report(ctx, res, span, &what, days, min, help).key("table");
            }
            for replica in &table.replicas {
                if let Some((days, span)) = short_period(
                    replica.pitr.as_ref(),
                    replica.pitr_recovery_days.as_ref(),
                    min,
                ) {
                    let region = replica
                        .region
                        .get()
                        .map_or_else(|| "?".into(), |r| r.render());
                    let what = format!("replica {region} of table {}", res.id);
                    report(ctx, res, span, &what, days, min, help).key(format!("replica:{region}"));
                }
            }
        }
    }
}

/// The shortest known period below `min`, when PITR may be enabled.
fn short_period(
    pitr: Option<&Prop<bool>>,
    days: Option<&Prop<i64>>,
    min: i64,
) -> Option<(i64, Span)> {
    let enabled = pitr.is_some_and(|p| p.known_values().iter().any(|(v, _)| **v));
    if !enabled {
        return None;
    }
    days?
        .known_values()
        .into_iter()
        .filter(|(d, _)| **d < min)
        .min_by_key(|(d, _)| **d)
        .map(|(d, span)| (*d, span))
}

fn report<'c>(
    ctx: &'c mut Ctx,
    res: &Resource,
    span: Span,
    what: &str,
    days: i64,
    min: i64,
    help: &str,
) -> &'c mut super::RawFinding {
    ctx.report(
        res,
        span,
        format!("point-in-time recovery on {what} keeps {days} days; the minimum is {min} days"),
        help,
    )
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use crate::config::{Config, RuleConfig, Settings};
    use crate::model::{Branch, Prop, Replica, Str, Val};

    #[test]
    fn short_period_fails_only_when_pitr_is_on() {
        let s = scope(vec![
            table("Short", |t| {
                t.pitr = known(10, true);
                t.pitr_recovery_days = known(20, 7);
            }),
            table("Default", |t| t.pitr = known(30, true)),
            table("Full", |t| {
                t.pitr = known(40, true);
                t.pitr_recovery_days = known(50, 35);
            }),
            table("Off", |t| {
                t.pitr = known(60, false);
                t.pitr_recovery_days = known(70, 1);
            }),
            table("Unknown", |t| {
                t.pitr = known(80, true);
                t.pitr_recovery_days = Some(Prop::unknown(sp(90), "parameter Days has no default"));
            }),
        ]);
        let found = run_default("DDB102", &s);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, sp(20));
        assert!(
            found[0]
                .0
                .contains("table Short keeps 7 days; the minimum is 35")
        );
    }

    #[test]
    fn min_days_comes_from_the_config() {
        let s = scope(vec![table("T", |t| {
            t.pitr = known(10, true);
            t.pitr_recovery_days = known(20, 14);
        })]);
        let mut settings = Settings::default();
        assert_eq!(run("DDB102", &s, &settings).len(), 1);
        let mut rule = RuleConfig::default();
        rule.options.insert("min_days".into(), 14.into());
        settings.config = Config::default();
        settings.config.rules.insert("DDB102".into(), rule);
        assert!(run("DDB102", &s, &settings).is_empty());
    }

    #[test]
    fn replicas_and_branches_are_checked() {
        let replica = |region: &str, days: Option<Prop<i64>>| Replica {
            region: Prop::known(sp(100), Str::lit(region)),
            span: sp(100),
            pitr: known(110, true),
            pitr_recovery_days: days,
            deletion_protection: None,
            kms_key: None,
            contributor_insights: None,
            tags: Vec::new(),
        };
        let branches = Prop {
            span: sp(200),
            val: Val::OneOf(vec![
                Branch {
                    span: sp(201),
                    value: Some(Val::Known(35)),
                },
                Branch {
                    span: sp(202),
                    value: Some(Val::Known(3)),
                },
            ]),
        };
        let mut global = table("G", |t| {
            t.table_kind = crate::model::TableKind::Global;
        });
        if let crate::model::Kind::Table(t) = &mut global.kind {
            t.replicas = vec![
                replica("us-east-1", Some(branches)),
                replica("eu-west-1", None),
            ];
        }
        let found = run_default("DDB102", &scope(vec![global]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, sp(202));
        assert!(found[0].0.contains("replica us-east-1 of table G"));
    }
}
