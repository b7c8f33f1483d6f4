use super::cdk::by_construct;
use super::{Check, Ctx};
use crate::declare_rule;
use crate::model::{KeyElement, Scope};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it checks
    /// A key attribute (of the table, a GSI or an LSI) missing from `AttributeDefinitions`
    /// (Terraform: `attribute` blocks), or an attribute definition that no key uses.
    ///
    /// ## Why it matters
    /// DynamoDB requires every key attribute to be defined, and rejects definitions that no
    /// key schema uses: `CreateTable` or `UpdateTable` fails with a validation error in the
    /// middle of the deploy, often after other resources of the stack were already changed.
    /// Non-key attributes must not be declared at all: DynamoDB is schemaless beyond keys.
    ///
    /// ## How to fix
    /// Define each key attribute once with its type (`S`, `N` or `B`), and delete
    /// definitions of attributes that are not keys of the table or of an index.
    ///
    /// ## References
    /// - [AWS::DynamoDB::Table AttributeDefinitions](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html#cfn-dynamodb-table-attributedefinitions)
    /// - [aws_dynamodb_table attribute](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table#attribute)
    KeyAttributeMismatch {
        id: "DDB506",
        name: "key-attribute-mismatch",
        severity: Error,
        summary: "a key attribute missing from AttributeDefinitions, or a definition no key uses",
        tags: ["correctness"],
    }
}

impl Check for KeyAttributeMismatch {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for (res, table) in scope.tables() {
            let keys: Vec<&KeyElement> = table
                .key_schema
                .iter()
                .chain(table.gsis.iter().flat_map(|i| i.key_schema.iter()))
                .chain(table.lsis.iter().flat_map(|i| i.key_schema.iter()))
                .collect();
            // Unknown names anywhere make the comparison unreliable: skip that direction.
            let keys_known = keys.iter().all(|k| k.attribute.get().is_some())
                && table
                    .gsis
                    .iter()
                    .chain(&table.lsis)
                    .all(|i| !i.key_schema.is_empty());
            let defs_known = table.attributes.iter().all(|a| a.name.get().is_some());
            let defined: BTreeSet<&str> = table
                .attributes
                .iter()
                .filter_map(|a| a.name.get().map(String::as_str))
                .collect();
            let used: BTreeSet<&str> = keys
                .iter()
                .filter_map(|k| k.attribute.get().map(String::as_str))
                .collect();
            if defs_known && table.attributes_span.is_some() {
                let mut seen = BTreeSet::new();
                for key in &keys {
                    let Some(name) = key.attribute.get() else {
                        continue;
                    };
                    if !defined.contains(name.as_str()) && seen.insert(name.as_str()) {
                        ctx.report(
                            res,
                            key.attribute.span,
                            format!(
                                "key attribute {name} of table {} is not in its attribute definitions",
                                res.id
                            ),
                            {
                                let fix = format!("define {name} with its type (S, N or B) in the table's attribute definitions");
                                let cfn = format!("add {{ attributeName: '{name}', attributeType: 'S' }} (or 'N', 'B') to attributeDefinitions");
                                by_construct(scope.format, res, &fix, [&fix, &fix, &cfn, &cfn], &fix)
                            },
                        )
                        .key(format!("undefined:{name}"));
                    }
                }
            }
            if keys_known && !table.key_schema.is_empty() {
                for def in &table.attributes {
                    let Some(name) = def.name.get() else { continue };
                    if !used.contains(name.as_str()) {
                        ctx.report(
                            res,
                            def.name.span,
                            format!(
                                "attribute {name} of table {} is defined but no key or index uses it",
                                res.id
                            ),
                            {
                                let fix = format!("delete the definition of {name}: only key attributes are declared");
                                let cfn = format!("remove {name} from attributeDefinitions: only key attributes are declared");
                                by_construct(scope.format, res, &fix, [&fix, &fix, &cfn, &cfn], &fix)
                            },
                        )
                        .key(format!("unused:{name}"));
                    }
                }
            }
        }
    }
}
