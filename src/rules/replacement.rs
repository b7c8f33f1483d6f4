//! What DDB501 and DDB502 share: finding a table in the base scope, comparing key
//! schemas and attribute types, and saying what a replacement means.

use crate::model::{Format, KeyElement, KeyType, Resource, Scope, Table};
use crate::source::Span;

/// The same table in the base scope: by construct path for CDK resources, otherwise by
/// logical ID or address (and the same type).
pub fn base_table<'a>(base: &'a Scope, head: &Resource) -> Option<(&'a Resource, &'a Table)> {
    let same = |r: &Resource| match (&head.cdk_path, &r.cdk_path) {
        (Some(h), Some(b)) => h == b,
        _ => r.id == head.id,
    };
    base.tables()
        .find(|(r, _)| r.rtype == head.rtype && same(r))
}

/// Key elements as `(attribute, HASH|RANGE)`, or `None` when any is unknown.
pub fn known_keys(keys: &[KeyElement]) -> Option<Vec<(String, String)>> {
    keys.iter()
        .map(|k| {
            let t = match k.key_type.get()? {
                KeyType::Hash => "HASH",
                KeyType::Range => "RANGE",
            };
            Some((k.attribute.get()?.clone(), t.to_string()))
        })
        .collect()
}

/// `pk (HASH), sk (RANGE)`.
pub fn render_keys(keys: &[(String, String)]) -> String {
    if keys.is_empty() {
        return "no key".into();
    }
    keys.iter()
        .map(|(a, t)| format!("{a} ({t})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The known type of an attribute definition, with its span.
pub fn attr_type(table: &Table, name: &str) -> Option<(String, Span)> {
    let def = table
        .attributes
        .iter()
        .rev()
        .find(|a| a.name.get().is_some_and(|n| n == name))?;
    Some((
        def.attr_type.get()?.to_ascii_uppercase(),
        def.attr_type.span,
    ))
}

/// Whether `name` is the table's own partition or sort key.
pub fn is_table_key(table: &Table, name: &str) -> bool {
    table
        .key_schema
        .iter()
        .any(|k| k.attribute.get().is_some_and(|a| a == name))
}

/// How a plan or change set announces a replacement.
pub fn replacement_verb(format: Format, conditional: bool) -> &'static str {
    match (format, conditional) {
        (Format::Terraform | Format::TerraformPlan, _) => "the plan replaces",
        (_, false) => "the change set replaces",
        (_, true) => "the change set may replace",
    }
}

/// What a replacement of the table means for the format, and for this table when known.
pub fn replacement_meaning(format: Format, table: Option<&Table>) -> String {
    match format {
        Format::Terraform | Format::TerraformPlan => {
            let protected = table
                .and_then(|t| t.prevent_destroy.as_ref())
                .and_then(|p| p.get())
                .copied()
                == Some(true);
            if protected {
                "Terraform must destroy the table and create a new, empty one; \
                 with prevent_destroy set, it refuses the plan"
                    .into()
            } else if table.is_some() {
                "Terraform destroys the table with all its items and creates a new, empty one"
                    .into()
            } else {
                "Terraform destroys the table with all its items and creates a new, empty one \
                 (with prevent_destroy set, it refuses the plan)"
                    .into()
            }
        }
        Format::Cloudformation | Format::Cdk => {
            let tool = if format == Format::Cdk {
                "the CDK deploy (CloudFormation)"
            } else {
                "CloudFormation"
            };
            match table.map(|t| t.name.is_some()) {
                Some(true) => format!(
                    "{tool} must replace the table with a new, empty one, and because its TableName is fixed \
                     the update fails (the new table cannot take the old one's name)"
                ),
                Some(false) => format!(
                    "{tool} replaces the table: it creates a new, empty table and deletes the old one \
                     with all its items (unless UpdateReplacePolicy is Retain)"
                ),
                None => format!(
                    "{tool} creates a new, empty table and deletes the old one with all its items; \
                     with a fixed TableName the update fails"
                ),
            }
        }
    }
}
