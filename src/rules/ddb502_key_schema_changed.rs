use super::replacement::{self, BaseName, BaseTable, literal};
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{Resource, Scope, Table};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// Pull-request mode (`--base`): on a table that already exists in the base version
    /// (the same CloudFormation logical ID in the same template, the same Terraform
    /// address, the same CDK construct path), a change of
    /// - the key schema: the partition key or sort key attribute, or a sort key added or
    ///   removed;
    /// - the type (`S`, `N`, `B`) of a key attribute;
    /// - the table name (`TableName`, Terraform `name`), including setting or removing it.
    ///
    /// A table that is new in the change is never reported.
    ///
    /// Without `--base`, the same change is read from what the deploy tool announces: a
    /// Terraform plan JSON whose `resource_changes` replace a table (`["delete","create"]`)
    /// for any reason other than its local secondary indexes (those are DDB501), and a
    /// CloudFormation change set that modifies a table with `Replacement: True` or
    /// `Conditional`.
    ///
    /// ## Why it matters
    /// None of these can be changed on a live table. CloudFormation and Terraform replace
    /// the table instead: a new, empty table is created and the old one is deleted with
    /// all its items. When the table has a fixed `TableName`, CloudFormation cannot create
    /// the replacement beside the old table and the update fails; with
    /// `lifecycle { prevent_destroy = true }` Terraform refuses the plan. A rename is a
    /// replacement too: the new name gets an empty table, and the application's data stays
    /// behind (or is deleted).
    ///
    /// ## How to fix
    /// Keep the existing table's keys, key attribute types and name as in the base. To
    /// change them safely:
    /// - for a new access pattern, add a global secondary index with the keys you need
    ///   (CloudFormation `GlobalSecondaryIndexes`, CDK `table.addGlobalSecondaryIndex`,
    ///   Terraform `global_secondary_index`): it is built on the live table;
    /// - to really change the keys or the name, create a new table beside the old one (a
    ///   new logical ID or resource address), migrate the data (export to S3 and import,
    ///   DynamoDB Streams, or a backfill job), switch the application over, then remove the
    ///   old table in a later change.
    ///
    /// ## References
    /// - [AWS::DynamoDB::Table: KeySchema, AttributeDefinitions and TableName require replacement](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html)
    /// - [Core components: primary key](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html#HowItWorks.CoreComponents.PrimaryKey)
    /// - [Terraform resource_changes and replace_paths](https://developer.hashicorp.com/terraform/internals/json-format#change-representation)
    /// - [Change sets](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html)
    KeySchemaChanged {
        id: "DDB502",
        name: "key-schema-changed",
        severity: Error,
        summary: "pull-request mode: the key schema, a key attribute type or the name of an existing table changed, which forces its replacement",
        tags: ["reliability", "data-loss"],
    }
}

const HELP: &str = "keep the table's keys, key attribute types and name as in the base: add a global secondary index for the new access pattern, or create a new table and migrate the data to it";

impl Check for KeySchemaChanged {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for r in &scope.replacements {
            let causes: Vec<_> = r.causes.iter().filter(|c| !c.is_lsi()).collect();
            if !r.causes.is_empty() && causes.is_empty() {
                // Only LSIs: DDB501.
                continue;
            }
            let verb = replacement::replacement_verb(scope.format, r.conditional);
            let meaning = replacement::replacement_meaning(scope.format, None);
            let (span, why, key) = match causes.first() {
                Some(first) => {
                    let names: Vec<&str> = causes.iter().map(|c| c.path.as_str()).collect();
                    (
                        first.span,
                        format!(" because {} changed", names.join(", ")),
                        names.join(","),
                    )
                }
                None => (r.span, String::new(), String::new()),
            };
            let message = format!("{verb} table {}{why}: {meaning}", r.resource.id);
            ctx.report_at(Some(r.resource.clone()), span, message, HELP)
                .key(format!("replace:{key}"));
        }
        let Some(base) = ctx.base else {
            return;
        };
        for (res, table) in scope.tables() {
            let Some(old) = base.table(res) else {
                continue;
            };
            let meaning = replacement::replacement_meaning(scope.format, Some(table));
            for (span, what, key) in key_changes(res, table, old) {
                let message = format!("{what}, and the table exists in the base: {meaning}");
                ctx.report(res, span, message, HELP).key(key);
            }
        }
    }
}

/// What changed in the keys and the name: `(head span, description, fingerprint key)`.
/// Unknown values are not compared.
fn key_changes(res: &Resource, head: &Table, base: &BaseTable) -> Vec<(Span, String, String)> {
    let mut out = Vec::new();
    let schema_span = head.key_schema_span.unwrap_or(res.span);
    if let (Some(h), Some(b)) = (replacement::known_keys(&head.key_schema), &base.keys)
        && !h.is_empty()
        && !b.is_empty()
        && h != *b
    {
        // Point at the first key element that differs, when there is one.
        let span = head
            .key_schema
            .iter()
            .zip(&h)
            .find(|(_, k)| !b.contains(*k))
            .map_or(schema_span, |(e, _)| e.attribute.span);
        out.push((
            span,
            format!(
                "the key schema of table {} changed from {} to {}",
                res.id,
                replacement::render_keys(b),
                replacement::render_keys(&h)
            ),
            "keys".to_string(),
        ));
    }
    for key in &head.key_schema {
        let Some(attr) = key.attribute.get() else {
            continue;
        };
        if !base.is_key(attr) {
            continue;
        }
        if let (Some((new, span)), Some(old)) =
            (replacement::attr_type(head, attr), base.attr_type(attr))
            && new != old
        {
            out.push((
                span,
                format!(
                    "the type of key attribute {attr} of table {} changed from {old} to {new}",
                    res.id
                ),
                format!("type:{attr}"),
            ));
        }
    }
    match (&head.name, &base.name) {
        (Some(h), BaseName::Literal(old)) => {
            if let Some(new) = literal(h.get())
                && new != *old
            {
                out.push((
                    h.span,
                    format!("the name of table {} changed from {old} to {new}", res.id),
                    "name".to_string(),
                ));
            }
        }
        (Some(_), BaseName::Unknown) => {}
        (Some(h), BaseName::Generated) => {
            if let Some(new) = literal(h.get()) {
                out.push((
                    h.span,
                    format!(
                        "the name of table {} is set to {new} where it was generated",
                        res.id
                    ),
                    "name".to_string(),
                ));
            }
        }
        (None, BaseName::Literal(old)) => out.push((
            res.span,
            format!(
                "the fixed name {old} of table {} is removed (a generated name replaces it)",
                res.id
            ),
            "name".to_string(),
        )),
        (None, BaseName::Generated | BaseName::Unknown) => {}
    }
    out
}
