//! Help in a CDK app's terms: the user changes the construct in their code, not the
//! synthesized template, so a rule's help names the property of the construct that made
//! the resource.
//!
//! Which construct made a DynamoDB table is read from its construct path and type: an L2
//! construct (`aws_dynamodb.Table`, `aws_dynamodb.TableV2`) puts its CloudFormation
//! resource at the child `Resource` (`OrdersStack/Orders/Resource`), while an L1 construct
//! (`CfnTable`, `CfnGlobalTable`) *is* the resource (`OrdersStack/Orders`) and takes the
//! CloudFormation properties in camelCase. `TableV2` synthesizes an
//! `AWS::DynamoDB::GlobalTable`, `Table` an `AWS::DynamoDB::Table`.

use crate::model::{Resource, ResourceRef};

/// The construct a table comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Construct {
    /// `new dynamodb.Table(…)`.
    Table,
    /// `new dynamodb.TableV2(…)`.
    TableV2,
    /// `new dynamodb.CfnTable(…)`.
    CfnTable,
    /// `new dynamodb.CfnGlobalTable(…)`.
    CfnGlobalTable,
}

impl Construct {
    /// The construct of a DynamoDB table resource; `None` for other resources.
    pub fn of(res: &Resource) -> Option<Construct> {
        Construct::from_parts(&res.rtype, res.cdk_path.as_deref())
    }

    fn from_parts(rtype: &str, path: Option<&str>) -> Option<Construct> {
        // Without a path the construct is most likely the L2 one: most apps use it.
        let l2 = path.is_none_or(|p| p.ends_with("/Resource"));
        match (rtype, l2) {
            ("AWS::DynamoDB::Table", true) => Some(Construct::Table),
            ("AWS::DynamoDB::Table", false) => Some(Construct::CfnTable),
            ("AWS::DynamoDB::GlobalTable", true) => Some(Construct::TableV2),
            ("AWS::DynamoDB::GlobalTable", false) => Some(Construct::CfnGlobalTable),
            _ => None,
        }
    }

    /// The class name as the user writes it.
    pub fn name(self) -> &'static str {
        match self {
            Construct::Table => "Table",
            Construct::TableV2 => "TableV2",
            Construct::CfnTable => "CfnTable",
            Construct::CfnGlobalTable => "CfnGlobalTable",
        }
    }

    /// Pick the text for this construct.
    pub fn pick<'a>(
        self,
        table: &'a str,
        table_v2: &'a str,
        cfn_table: &'a str,
        cfn_global: &'a str,
    ) -> &'a str {
        match self {
            Construct::Table => table,
            Construct::TableV2 => table_v2,
            Construct::CfnTable => cfn_table,
            Construct::CfnGlobalTable => cfn_global,
        }
    }
}

/// The help for a table, chosen by its construct; `None` when the resource is not a table.
pub fn table_help(
    res: &Resource,
    table: &str,
    table_v2: &str,
    cfn_table: &str,
    cfn_global: &str,
) -> Option<String> {
    let c = Construct::of(res)?;
    Some(c.pick(table, table_v2, cfn_table, cfn_global).to_string())
}

/// The help for the scope's format: CloudFormation's; in a CDK app the property of the
/// construct that made the table (`[Table, TableV2, CfnTable, CfnGlobalTable]`); Terraform's.
pub fn by_construct(
    format: crate::model::Format,
    res: &Resource,
    cloudformation: &str,
    cdk: [&str; 4],
    terraform: &str,
) -> String {
    use crate::model::Format;
    match format {
        Format::Cloudformation => cloudformation.to_string(),
        Format::Cdk => {
            table_help(res, cdk[0], cdk[1], cdk[2], cdk[3]).unwrap_or_else(|| cdk[0].to_string())
        }
        Format::Terraform | Format::TerraformPlan => terraform.to_string(),
    }
}

/// The path of the construct the user wrote: an L2 construct's path without its
/// `/Resource` child.
pub fn construct_path(path: &str) -> &str {
    path.strip_suffix("/Resource").unwrap_or(path)
}

/// A CDK finding's help, ending with the construct it is about when its path is known:
/// `(in Table OrdersStack/Orders)` for a table, `(in construct OrdersStack/Key)` otherwise.
pub fn with_construct(help: &str, resource: Option<&ResourceRef>) -> String {
    let Some(r) = resource else {
        return help.to_string();
    };
    match r.cdk_path.as_deref() {
        Some(path) if !help.contains(construct_path(path)) => {
            let what =
                Construct::from_parts(&r.rtype, Some(path)).map_or("construct", Construct::name);
            format!("{help} (in {what} {})", construct_path(path))
        }
        _ => help.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructs_come_from_type_and_path() {
        let t = "AWS::DynamoDB::Table";
        let g = "AWS::DynamoDB::GlobalTable";
        assert_eq!(
            Construct::from_parts(t, Some("S/Orders/Resource")),
            Some(Construct::Table)
        );
        assert_eq!(
            Construct::from_parts(t, Some("S/Orders")),
            Some(Construct::CfnTable)
        );
        assert_eq!(
            Construct::from_parts(g, Some("S/Orders/Resource")),
            Some(Construct::TableV2)
        );
        assert_eq!(
            Construct::from_parts(g, Some("S/Global")),
            Some(Construct::CfnGlobalTable)
        );
        assert_eq!(Construct::from_parts(t, None), Some(Construct::Table));
        assert_eq!(Construct::from_parts("AWS::KMS::Key", None), None);
    }

    #[test]
    fn the_help_ends_with_the_construct_path() {
        let r = |p: Option<&str>| ResourceRef {
            id: "OrdersA9B65338".into(),
            rtype: "AWS::DynamoDB::Table".into(),
            cdk_path: p.map(String::from),
        };
        assert_eq!(
            with_construct("set x", Some(&r(Some("S/Orders/Resource")))),
            "set x (in Table S/Orders)"
        );
        assert_eq!(
            with_construct("set x", Some(&r(Some("S/Orders")))),
            "set x (in CfnTable S/Orders)"
        );
        let key = ResourceRef {
            id: "Key".into(),
            rtype: "AWS::KMS::Key".into(),
            cdk_path: Some("S/Key/Resource".into()),
        };
        assert_eq!(
            with_construct("set y", Some(&key)),
            "set y (in construct S/Key)"
        );
        assert_eq!(with_construct("set x", Some(&r(None))), "set x");
        assert_eq!(with_construct("set x", None), "set x");
        // Named already: not twice.
        assert_eq!(
            with_construct("on S/Orders", Some(&r(Some("S/Orders/Resource")))),
            "on S/Orders"
        );
    }
}
