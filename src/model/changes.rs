//! Documents that announce changes rather than describe resources: a CloudFormation
//! change set (the JSON of `aws cloudformation describe-change-set`) and the
//! `resource_changes` of a Terraform plan JSON (`terraform show -json plan.out`).
//!
//! Both are read into [`Replacement`]s on a [`Scope`]: the DynamoDB tables the change
//! deletes and creates again, with the properties that force it. DDB501 and DDB502 read
//! them, so these documents are checked without `--base`.

use crate::model::node::{Node, NodeKind};
use crate::model::{Format, Replacement, ReplacementCause, ResourceRef, Scope};
use crate::source::FileId;

/// Resource types whose replacement loses a table's data.
const CFN_TABLE_TYPES: &[&str] = &["AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"];
const TF_TABLE_TYPES: &[&str] = &["aws_dynamodb_table", "aws_dynamodb_global_table"];

/// Whether a parsed document is a CloudFormation change set description.
pub fn is_change_set(root: &Node) -> bool {
    root.get("ChangeSetId").is_some() && root.get("Changes").and_then(Node::as_seq).is_some()
}

/// Whether a parsed document is a Terraform plan JSON.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version")
        .is_some_and(|v| v.as_scalar().is_some())
        && (root
            .get("planned_values")
            .is_some_and(|v| v.as_map().is_some())
            || root
                .get("resource_changes")
                .is_some_and(|v| v.as_seq().is_some()))
}

/// The scope of a change set: no resources, the replacements it announces.
pub fn change_set_scope(name: &str, file: FileId, root: &Node) -> Scope {
    let mut scope = Scope::new(Format::Cloudformation, name);
    scope.files.push(file);
    scope.replacements = change_set_replacements(root);
    if let Some(stack) = root.get("StackName").and_then(Node::as_scalar) {
        scope.notes.push(format!("change set of stack {stack}"));
    }
    scope
}

/// The scope of a plan read for its `resource_changes` only.
pub fn plan_scope(name: &str, file: FileId, root: &Node) -> Scope {
    let mut scope = Scope::new(Format::TerraformPlan, name);
    scope.files.push(file);
    scope.replacements = plan_replacements(root);
    let version = root
        .get("format_version")
        .and_then(Node::as_scalar)
        .unwrap_or("");
    if !matches!(version.split('.').next(), Some("0" | "1")) {
        scope.notes.push(format!(
            "plan format_version {version:?} is not one ddbguard knows: read as 1.x"
        ));
    }
    scope
}

/// `Changes[].ResourceChange` entries that modify a DynamoDB table with `Replacement`
/// `True` or `Conditional`.
pub fn change_set_replacements(root: &Node) -> Vec<Replacement> {
    let mut out = Vec::new();
    for change in root.get("Changes").and_then(Node::as_seq).unwrap_or(&[]) {
        let Some(rc) = change.get("ResourceChange") else {
            continue;
        };
        let text = |key: &str| rc.get(key).and_then(Node::as_scalar);
        let (Some(action), Some(rtype), Some(id)) = (
            text("Action"),
            text("ResourceType"),
            text("LogicalResourceId"),
        ) else {
            continue;
        };
        if action != "Modify" || !CFN_TABLE_TYPES.contains(&rtype) {
            continue;
        }
        let conditional = match text("Replacement") {
            Some(r) if r.eq_ignore_ascii_case("true") => false,
            Some(r) if r.eq_ignore_ascii_case("conditional") => true,
            _ => continue,
        };
        let mut causes = Vec::new();
        for detail in rc.get("Details").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(target) = detail.get("Target") else {
                continue;
            };
            let recreation = target
                .get("RequiresRecreation")
                .and_then(Node::as_scalar)
                .unwrap_or("Always");
            if recreation.eq_ignore_ascii_case("never") {
                continue;
            }
            if let Some(name) = target.get("Name")
                && let Some(path) = name.as_scalar()
                && !causes.iter().any(|c: &ReplacementCause| c.path == path)
            {
                causes.push(ReplacementCause {
                    path: path.to_string(),
                    span: name.span,
                });
            }
        }
        let span = rc.get("LogicalResourceId").map_or(rc.span, |n| n.span);
        out.push(Replacement {
            resource: ResourceRef {
                id: id.to_string(),
                rtype: rtype.to_string(),
                cdk_path: None,
            },
            span,
            causes,
            conditional,
        });
    }
    out
}

/// `resource_changes` entries that replace a DynamoDB table (`["delete","create"]` or
/// `["create","delete"]`).
pub fn plan_replacements(root: &Node) -> Vec<Replacement> {
    let mut out = Vec::new();
    for rc in root
        .get("resource_changes")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        let text = |key: &str| rc.get(key).and_then(Node::as_scalar);
        let (Some(address), Some(rtype)) = (text("address"), text("type")) else {
            continue;
        };
        if !TF_TABLE_TYPES.contains(&rtype) || text("mode").is_some_and(|m| m != "managed") {
            continue;
        }
        let Some(change) = rc.get("change") else {
            continue;
        };
        let actions: Vec<&str> = change
            .get("actions")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_scalar)
            .collect();
        if !(actions.contains(&"delete") && actions.contains(&"create")) {
            continue;
        }
        let mut causes = Vec::new();
        for path in change
            .get("replace_paths")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            let span = match &path.kind {
                NodeKind::Seq(steps) => steps.first().map_or(path.span, |n| n.span),
                _ => path.span,
            };
            let text = match &path.kind {
                NodeKind::Seq(steps) => steps
                    .iter()
                    .filter_map(Node::as_scalar)
                    .collect::<Vec<_>>()
                    .join("."),
                NodeKind::Str(s) | NodeKind::Plain(s) => s.to_string(),
                _ => continue,
            };
            if !text.is_empty() && !causes.iter().any(|c: &ReplacementCause| c.path == text) {
                causes.push(ReplacementCause { path: text, span });
            }
        }
        let span = rc.get("address").map_or(rc.span, |n| n.span);
        out.push(Replacement {
            resource: ResourceRef {
                id: address.to_string(),
                rtype: rtype.to_string(),
                cdk_path: None,
            },
            span,
            causes,
            conditional: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        crate::model::cfn::json::parse(text, FileId(0)).expect("valid JSON")
    }

    #[test]
    fn change_set_modify_with_replacement_is_read() {
        let root = parse(
            r#"{"ChangeSetId": "arn:x", "Changes": [
              {"Type": "Resource", "ResourceChange": {"Action": "Modify",
                "LogicalResourceId": "Orders", "ResourceType": "AWS::DynamoDB::Table",
                "Replacement": "Conditional",
                "Details": [
                  {"Target": {"Attribute": "Properties", "Name": "KeySchema", "RequiresRecreation": "Always"}},
                  {"Target": {"Attribute": "Properties", "Name": "BillingMode", "RequiresRecreation": "Never"}}
                ]}},
              {"Type": "Resource", "ResourceChange": {"Action": "Modify",
                "LogicalResourceId": "Other", "ResourceType": "AWS::DynamoDB::Table",
                "Replacement": "False", "Details": []}},
              {"Type": "Resource", "ResourceChange": {"Action": "Add",
                "LogicalResourceId": "New", "ResourceType": "AWS::DynamoDB::Table"}}
            ]}"#,
        );
        assert!(is_change_set(&root));
        assert!(!is_plan(&root));
        let r = change_set_replacements(&root);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].resource.id, "Orders");
        assert!(r[0].conditional);
        assert_eq!(r[0].causes.len(), 1);
        assert_eq!(r[0].causes[0].path, "KeySchema");
        assert!(!r[0].causes[0].is_lsi());
    }

    #[test]
    fn plan_replace_paths_are_read() {
        let root = parse(
            r#"{"format_version": "1.2", "future_field": {"x": 1}, "resource_changes": [
              {"address": "aws_dynamodb_table.a", "mode": "managed", "type": "aws_dynamodb_table",
               "change": {"actions": ["create", "delete"], "replace_paths": [["local_secondary_index"], "hash_key"]}},
              {"address": "aws_dynamodb_table.b", "mode": "managed", "type": "aws_dynamodb_table",
               "change": {"actions": ["update"]}},
              {"address": "aws_s3_bucket.c", "mode": "managed", "type": "aws_s3_bucket",
               "change": {"actions": ["delete", "create"]}}
            ]}"#,
        );
        assert!(is_plan(&root));
        let r = plan_replacements(&root);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].resource.id, "aws_dynamodb_table.a");
        let paths: Vec<_> = r[0].causes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["local_secondary_index", "hash_key"]);
        assert!(r[0].causes[0].is_lsi());
    }

    #[test]
    fn wrong_shapes_are_ignored() {
        let root = parse(r#"{"format_version": 1, "resource_changes": [1, {"address": []}]}"#);
        assert!(plan_replacements(&root).is_empty());
        let root = parse(r#"{"ChangeSetId": "x", "Changes": [{"ResourceChange": "no"}]}"#);
        assert!(change_set_replacements(&root).is_empty());
    }
}
