use super::replacement::{self, BaseTable};
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Index, Scope, Table};

declare_rule! {
    /// ## What it checks
    /// Pull-request mode (`--base`): a local secondary index added to, removed from or
    /// changed on a table that already exists in the base version (the same CloudFormation
    /// logical ID in the same template, the same Terraform address, the same CDK construct
    /// path). A table that is new in the change is never reported.
    ///
    /// Without `--base`, the same change is read from what the deploy tool announces: a
    /// Terraform plan JSON whose `resource_changes` replace a table (`["delete","create"]`)
    /// because of `local_secondary_index`, and a CloudFormation change set
    /// (`aws cloudformation describe-change-set` output) that modifies a table with
    /// `Replacement: True` or `Conditional` because of `LocalSecondaryIndexes`.
    ///
    /// ## Why it matters
    /// Local secondary indexes can only be defined when a table is created. Changing them
    /// later is not an update: CloudFormation and Terraform replace the table, which means
    /// a new, empty table, and the old one (with all its items) is deleted. When the table
    /// has a fixed `TableName`, CloudFormation cannot create the replacement beside the old
    /// table and the update fails; with `lifecycle { prevent_destroy = true }` Terraform
    /// refuses the plan. Either way the change cannot ship as written, and without those
    /// guards it silently loses the data.
    ///
    /// ## How to fix
    /// Keep the table's LSIs as they are in the base. For the new access pattern:
    /// - add a global secondary index instead: GSIs can be added and removed on a live
    ///   table (CloudFormation `GlobalSecondaryIndexes`, CDK `table.addGlobalSecondaryIndex`,
    ///   Terraform `global_secondary_index`);
    /// - or create a new table with the index beside the old one (a new logical ID or
    ///   resource address), copy the data (export to S3 and import, or a backfill job),
    ///   switch readers and writers, then remove the old table.
    ///
    /// ## References
    /// - [Local secondary indexes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html)
    /// - [AWS::DynamoDB::Table LocalSecondaryIndexes (update requires replacement)](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html#cfn-dynamodb-table-localsecondaryindexes)
    /// - [Terraform resource_changes and replace_paths](https://developer.hashicorp.com/terraform/internals/json-format#change-representation)
    /// - [Change sets](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html)
    LsiChangedAfterCreation {
        id: "DDB501",
        name: "lsi-changed-after-creation",
        severity: Error,
        summary: "pull-request mode: an LSI added, removed or changed on an existing table, which forces its replacement",
        tags: ["reliability", "data-loss"],
    }
}

const HELP: &str = "keep the table's local secondary indexes as in the base: add a global secondary index instead, or create a new table with the index and migrate the data to it";

impl Check for LsiChangedAfterCreation {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for r in &scope.replacements {
            let Some(cause) = r.causes.iter().find(|c| c.is_lsi()) else {
                continue;
            };
            let message = format!(
                "{} table {} because its local secondary indexes ({}) changed: {}",
                replacement::replacement_verb(scope.format, r.conditional),
                r.resource.id,
                cause.path,
                replacement::replacement_meaning(scope.format, None),
            );
            ctx.report_at(Some(r.resource.clone()), cause.span, message, HELP)
                .key(format!("replace:{}", cause.path));
        }
        let Some(base) = ctx.base else {
            return;
        };
        for (res, table) in scope.tables() {
            let Some(old) = base.table(res) else {
                continue;
            };
            let meaning = replacement::replacement_meaning(scope.format, Some(table));
            for (span, what, key) in lsi_changes(&res.id, table, old, res.span) {
                let message = format!("{what}, and the table exists in the base: {meaning}");
                ctx.report(res, span, message, HELP).key(key);
            }
        }
    }
}

/// An LSI whose name and keys are known: name, `(attribute, HASH|RANGE)` keys, span.
type KnownIndex = (String, Vec<(String, String)>, crate::source::Span);

/// What changed in the LSIs: `(head span, description, fingerprint key)`. Indexes whose
/// name or keys are unknown are not compared.
fn lsi_changes(
    id: &str,
    head: &Table,
    base: &BaseTable,
    header: crate::source::Span,
) -> Vec<(crate::source::Span, String, String)> {
    let known = |ixs: &[Index]| -> Option<Vec<KnownIndex>> {
        ixs.iter()
            .map(|ix| {
                let name = ix.name.get()?.clone();
                let keys = replacement::known_keys(&ix.key_schema)?;
                Some((name, keys, ix.span))
            })
            .collect()
    };
    let (Some(h), Some(b)) = (known(&head.lsis), base.lsis.as_ref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, keys, span) in &h {
        match b.iter().find(|(n, _)| n == name) {
            None => out.push((
                *span,
                format!("local secondary index {name} is added to table {id}"),
                format!("lsi:{name}:added"),
            )),
            Some((_, old_keys)) if old_keys != keys => out.push((
                *span,
                format!(
                    "the key schema of local secondary index {name} of table {id} changed from {} to {}",
                    replacement::render_keys(old_keys),
                    replacement::render_keys(keys)
                ),
                format!("lsi:{name}:keys"),
            )),
            Some(_) => {
                // Same keys: the sort key's attribute type may still have changed.
                if let Some(attr) = keys.iter().find_map(|(a, _)| {
                    let (new, _) = replacement::attr_type(head, a)?;
                    let old = base.attr_type(a)?;
                    (new != old).then(|| (a.clone(), old.to_string(), new))
                }) && !replacement::is_table_key(head, &attr.0)
                {
                    let span = replacement::attr_type(head, &attr.0).map_or(*span, |(_, s)| s);
                    out.push((
                        span,
                        format!(
                            "the type of attribute {} (a key of local secondary index {name} of table {id}) changed from {} to {}",
                            attr.0, attr.1, attr.2
                        ),
                        format!("lsi:{name}:type:{}", attr.0),
                    ));
                }
            }
        }
    }
    for (name, _) in b {
        if !h.iter().any(|(n, _, _)| n == name) {
            out.push((
                head.lsis_span.unwrap_or(header),
                format!("local secondary index {name} is removed from table {id}"),
                format!("lsi:{name}:removed"),
            ));
        }
    }
    out
}
