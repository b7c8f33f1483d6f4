use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Failure, Kind, Part, Resource, Scope, Str, Table, TableKind, check_prop};

declare_rule! {
    /// ## What it checks
    /// A table without CloudWatch Contributor Insights: CloudFormation
    /// `ContributorInsightsSpecification.Enabled` not `true` on an `AWS::DynamoDB::Table`,
    /// or on each replica of an `AWS::DynamoDB::GlobalTable`; in Terraform, no
    /// `aws_dynamodb_contributor_insights` resource naming the table (by reference to the
    /// table or by its name). Indexes are not checked. A conditional value fails when any
    /// branch fails; a value that cannot be resolved never fails, and a Contributor
    /// Insights resource whose table cannot be resolved counts for every table.
    ///
    /// ## Why it matters
    /// Throttling on a table with plenty of capacity almost always comes from a hot key:
    /// one tenant, one device, one popular item taking a partition's 1,000 WCU / 3,000 RCU.
    /// Without Contributor Insights, the on-call engineer sees throttles and no culprit,
    /// raises capacity (which does not help a hot partition) and waits. With it, the most
    /// accessed and most throttled keys are one graph away. It is a note because it has a
    /// cost per event, which some teams keep for their busiest tables.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// ContributorInsightsSpecification:
    ///   Enabled: true
    /// ```
    /// (on a global table, in each replica). CDK: `contributorInsightsSpecification:
    /// { enabled: true }` on a `Table`, `TableV2` or `CfnTable` (it replaces the deprecated
    /// `contributorInsightsEnabled` and `contributorInsights`).
    ///
    /// Terraform:
    /// ```hcl
    /// resource "aws_dynamodb_contributor_insights" "orders" {
    ///   table_name = aws_dynamodb_table.orders.name
    /// }
    /// ```
    ///
    /// ## References
    /// - [CloudWatch Contributor Insights for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html)
    /// - [AWS::DynamoDB::Table ContributorInsightsSpecification](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-contributorinsightsspecification.html)
    /// - [aws_dynamodb_contributor_insights](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_contributor_insights)
    ContributorInsightsDisabled {
        id: "DDB404",
        name: "contributor-insights-disabled",
        severity: Note,
        enabled: false,
        summary: "a table without Contributor Insights (hot-key detection)",
        tags: ["observability"],
    }
}

impl Check for ContributorInsightsDisabled {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        let off = |v: Option<&bool>| v != Some(&true);
        const CDK: &str = "set contributorInsightsSpecification: { enabled: true }";
        for (res, table) in scope.tables() {
            let help = &by_construct(
                scope.format,
                res,
                "set ContributorInsightsSpecification: {Enabled: true}",
                [CDK; 4],
                "add an aws_dynamodb_contributor_insights resource with table_name set to the table's name",
            );
            let replica_help = &by_construct(
                scope.format,
                res,
                "set ContributorInsightsSpecification: {Enabled: true} on the replica",
                [
                    CDK,
                    "set contributorInsightsSpecification: { enabled: true }, which every replica takes unless its entry in replicas sets its own",
                    CDK,
                    "set contributorInsightsSpecification: { enabled: true } in the replica's entry of replicas",
                ],
                "set ContributorInsightsSpecification: {Enabled: true} on the replica",
            );
            if table.table_kind == TableKind::Global && !table.replicas.is_empty() {
                for replica in &table.replicas {
                    let Some(failure) = check_prop(replica.contributor_insights.as_ref(), off)
                    else {
                        continue;
                    };
                    ctx.report_replica(
                        res,
                        replica,
                        failure,
                        "Contributor Insights is not enabled",
                        replica_help,
                    );
                }
                continue;
            }
            let failure = check_prop(table.contributor_insights.as_ref(), off);
            let covered = || {
                scope
                    .index()
                    .insights
                    .candidates(&res.id, table.name.as_ref())
                    .into_iter()
                    .filter_map(|i| scope.resources.get(i))
                    .any(|r| insights_cover(r, res, table))
            };
            match failure {
                None => {}
                Some(Failure::Missing) if covered() => {}
                Some(failure) => {
                    ctx.report_failure(
                        res,
                        failure,
                        format!("Contributor Insights is not enabled on table {}", res.id),
                        help,
                    );
                }
            }
        }
    }
}

/// Whether `insights` is a Contributor Insights resource that enables it for `table`.
fn insights_cover(insights: &Resource, res: &Resource, table: &Table) -> bool {
    let Kind::ContributorInsights(ci) = &insights.kind else {
        return false;
    };
    if ci.index.is_some() {
        return false;
    }
    let enabled = ci.enabled.as_ref().is_none_or(|e| e.get() != Some(&false));
    if !enabled {
        return false;
    }
    let Some(target) = &ci.table else {
        return false;
    };
    let name = table.name.as_ref().and_then(|n| n.get());
    match target.get() {
        None => true, // unknown or conditional: it may be this table.
        Some(s) => names_table(s, &res.id, name),
    }
}

fn names_table(s: &Str, id: &str, name: Option<&Str>) -> bool {
    if s.refers_to(id) || name == Some(s) {
        return true;
    }
    // A name with parts that cannot be resolved may be this table's.
    s.0.iter().any(|p| matches!(p, Part::Unknown(_)))
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use crate::model::{ContributorInsights, Kind, Prop, Replica, Resource, Str, TableKind};

    fn insights(id: &str, table: Option<Prop<Str>>, enabled: Option<bool>) -> Resource {
        resource(
            id,
            "aws_dynamodb_contributor_insights",
            Kind::ContributorInsights(ContributorInsights {
                table,
                index: None,
                enabled: enabled.and_then(|e| known(70, e)),
            }),
        )
    }

    #[test]
    fn tables_need_insights_on_the_table_or_a_resource() {
        let s = scope(vec![
            table("Off", |t| t.contributor_insights = known(10, false)),
            table("Unset", |_| {}),
            table("On", |t| t.contributor_insights = known(20, true)),
            table("ByRef", |_| {}),
            table("ByName", |t| t.name = lit(30, "orders")),
            table("DisabledResource", |_| {}),
            insights("CiRef", reference(40, "ByRef", Some("name")), None),
            insights("CiName", lit(41, "orders"), None),
            insights(
                "CiOff",
                reference(42, "DisabledResource", None),
                Some(false),
            ),
        ]);
        let found = run_default("DDB404", &s);
        let messages: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "Contributor Insights is not enabled on table Off",
                "Contributor Insights is not enabled on table Unset",
                "Contributor Insights is not enabled on table DisabledResource",
            ]
        );
        assert_eq!(found[0].1, sp(10));
        // A resource whose table cannot be resolved may name any table.
        let s = scope(vec![
            table("T", |_| {}),
            insights("Ci", Some(Prop::unknown(sp(50), "variable")), None),
        ]);
        assert!(run_default("DDB404", &s).is_empty());
    }

    #[test]
    fn off_unless_turned_on() {
        let s = scope(vec![table("Off", |t| {
            t.contributor_insights = known(10, false)
        })]);
        let settings = crate::config::Settings::default();
        let ran = |settings: &crate::config::Settings| {
            super::super::run_rules(&s, settings, None)
                .iter()
                .filter(|f| f.rule.id == "DDB404")
                .count()
        };
        assert_eq!(ran(&settings), 0, "off by default");
        let selected = crate::config::Settings {
            select: vec!["DDB404".into()],
            ..settings
        };
        assert_eq!(ran(&selected), 1, "--select DDB404 turns it on");
    }

    #[test]
    fn global_table_replicas_carry_their_own() {
        let replica = |region: &str, ci: Option<bool>| Replica {
            region: Prop::known(sp(100), Str::lit(region)),
            span: sp(101),
            pitr: None,
            pitr_recovery_days: None,
            deletion_protection: None,
            kms_key: None,
            contributor_insights: ci.and_then(|c| known(102, c)),
            tags: Vec::new(),
        };
        let mut g = table("G", |t| t.table_kind = TableKind::Global);
        if let Kind::Table(t) = &mut g.kind {
            t.replicas = vec![replica("us-east-1", Some(true)), replica("eu-west-1", None)];
        }
        let found = run_default("DDB404", &scope(vec![g]));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].0,
            "Contributor Insights is not enabled on replica eu-west-1 of table G"
        );
        assert_eq!(found[0].1, sp(101));
    }
}
