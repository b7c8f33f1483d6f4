//! What DDB501 and DDB502 share: what they keep of a base scope ([`BaseScope`]), finding
//! a table in it, comparing key schemas and attribute types, and saying what a replacement
//! means.

use crate::model::{Format, KeyElement, KeyType, Part, Resource, Scope, Str, Table};
use crate::source::Span;
use std::collections::HashMap;

/// Known key elements as `(attribute, HASH|RANGE)` ([`known_keys`]).
pub type Keys = Vec<(String, String)>;

/// What pull-request mode keeps of a base scope once it is checked: its name, whether it
/// parsed, and for each table what DDB501 and DDB502 compare. Only known values are kept,
/// and no span: findings stand in the head.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseScope {
    /// The scope's name, as the head names the same scope.
    pub name: String,
    /// The scope did not parse (a DDB001 problem): its tables cannot be compared.
    pub does_not_parse: bool,
    pub tables: Vec<BaseTable>,
    /// Where [`BaseScope::table`] finds a table without reading them all (a scope of
    /// 100,000 tables is looked up as many times).
    index: TableIndex,
}

/// Type → key → the first table (its index in `tables`) with that key.
type ByKey = HashMap<String, HashMap<String, usize>>;

/// The tables of a base scope by what identifies them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct TableIndex {
    /// Tables with a construct path, by it.
    by_path: ByKey,
    /// Tables without a construct path, by id.
    by_id_without_path: ByKey,
    /// Every table, by id.
    by_id: ByKey,
}

impl TableIndex {
    fn new(tables: &[BaseTable]) -> TableIndex {
        let mut index = TableIndex::default();
        let add = |map: &mut ByKey, t: &BaseTable, key: &str, i: usize| {
            map.entry(t.rtype.clone())
                .or_default()
                .entry(key.to_string())
                .or_insert(i);
        };
        for (i, t) in tables.iter().enumerate() {
            add(&mut index.by_id, t, &t.id, i);
            match &t.cdk_path {
                Some(path) => add(&mut index.by_path, t, path, i),
                None => add(&mut index.by_id_without_path, t, &t.id, i),
            }
        }
        index
    }
}

/// A base table: its identity and the known facts of its keys, LSIs and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseTable {
    pub id: String,
    pub rtype: String,
    pub cdk_path: Option<String>,
    /// The key schema as [`known_keys`] gives it: `None` when any element is unknown.
    pub keys: Option<Keys>,
    /// The known attribute of each key element ([`is_table_key`]).
    pub key_attributes: Vec<String>,
    /// Each attribute definition with a known name, in order, with its known type (upper
    /// case): the last one of a name is the one [`attr_type`] reads.
    pub attributes: Vec<(String, Option<String>)>,
    /// The LSIs as `(name, keys)`: `None` when any name or key is unknown.
    pub lsis: Option<Vec<(String, Keys)>>,
    pub name: BaseName,
}

/// A base table's `TableName` / `name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseName {
    /// Not set: the name is generated.
    Generated,
    /// Set to a name that can be compared ([`literal`]).
    Literal(String),
    /// Set to a value that cannot be compared.
    Unknown,
}

impl BaseScope {
    /// The summary of `scope`: all the base needs to keep for DDB501 and DDB502.
    pub fn of(scope: &Scope) -> BaseScope {
        let tables: Vec<BaseTable> = scope.tables().map(|(r, t)| BaseTable::of(r, t)).collect();
        BaseScope {
            name: scope.name.clone(),
            does_not_parse: scope.problems.iter().any(|p| p.rule == "DDB001"),
            index: TableIndex::new(&tables),
            tables,
        }
    }

    /// The same table in the base: by construct path for CDK resources, otherwise by
    /// logical ID or address (and the same type). A head resource with a construct path
    /// matches a base table with the same path, or one without a path and the same id;
    /// the first such table.
    pub fn table(&self, head: &Resource) -> Option<&BaseTable> {
        let find = |map: &ByKey, key: &str| map.get(&head.rtype)?.get(key).copied();
        let first = match &head.cdk_path {
            Some(path) => find(&self.index.by_path, path)
                .into_iter()
                .chain(find(&self.index.by_id_without_path, &head.id))
                .min(),
            None => find(&self.index.by_id, &head.id),
        };
        first.map(|i| &self.tables[i])
    }
}

impl BaseTable {
    pub fn of(resource: &Resource, table: &Table) -> BaseTable {
        BaseTable {
            id: resource.id.clone(),
            rtype: resource.rtype.clone(),
            cdk_path: resource.cdk_path.clone(),
            keys: known_keys(&table.key_schema),
            key_attributes: table
                .key_schema
                .iter()
                .filter_map(|k| k.attribute.get().cloned())
                .collect(),
            attributes: table
                .attributes
                .iter()
                .filter_map(|a| {
                    let name = a.name.get()?.clone();
                    Some((name, a.attr_type.get().map(|t| t.to_ascii_uppercase())))
                })
                .collect(),
            lsis: table
                .lsis
                .iter()
                .map(|ix| Some((ix.name.get()?.clone(), known_keys(&ix.key_schema)?)))
                .collect(),
            name: match &table.name {
                None => BaseName::Generated,
                Some(n) => literal(n.get()).map_or(BaseName::Unknown, BaseName::Literal),
            },
        }
    }

    /// The known type of attribute `name`, as [`attr_type`] reads it on a table.
    pub fn attr_type(&self, name: &str) -> Option<&str> {
        let (_, t) = self.attributes.iter().rev().find(|(n, _)| n == name)?;
        t.as_deref()
    }

    /// Whether `name` is the table's own partition or sort key.
    pub fn is_key(&self, name: &str) -> bool {
        self.key_attributes.iter().any(|a| a == name)
    }
}

/// A name to compare: a literal, or a string whose parts are all known references.
pub fn literal(s: Option<&Str>) -> Option<String> {
    let s = s?;
    if s.0.iter().any(|p| matches!(p, Part::Unknown(_))) {
        return None;
    }
    Some(s.render())
}

/// Key elements as `(attribute, HASH|RANGE)`, or `None` when any is unknown.
pub fn known_keys(keys: &[KeyElement]) -> Option<Keys> {
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

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use super::*;
    use crate::config::Settings;
    use crate::model::{AttributeDef, Index, Prop, Val};

    fn key(at: usize, attr: &str, t: KeyType) -> KeyElement {
        KeyElement {
            attribute: Prop::known(sp(at), attr.to_string()),
            key_type: Prop::known(sp(at + 1), t),
        }
    }

    fn attr(at: usize, name: &str, t: &str) -> AttributeDef {
        AttributeDef {
            name: Prop::known(sp(at), name.to_string()),
            attr_type: Prop::known(sp(at + 1), t.to_string()),
        }
    }

    fn unknown<T>(at: usize) -> Prop<T> {
        Prop::unknown(sp(at), "parameter Stage has no default")
    }

    fn lsi(at: usize, name: &str, range: &str) -> Index {
        Index {
            name: Prop::known(sp(at), name.to_string()),
            key_schema: vec![
                key(at + 2, "pk", KeyType::Hash),
                key(at + 4, range, KeyType::Range),
            ],
            span: sp(at),
            provisioned: false,
            read_capacity: None,
            write_capacity: None,
        }
    }

    /// The base: `Orders` (pk, sk; LSIs ByAt and Gone; `at` defined twice, the last
    /// unknown; a fixed name), `Sessions` (pk, a generated name), `Events` (an unknown key
    /// element and an unknown name), and a CDK table.
    fn base() -> crate::model::Scope {
        let mut cdk = table("OrdersA1B2", |t| {
            t.key_schema = vec![key(500, "pk", KeyType::Hash)];
            t.attributes = vec![attr(510, "pk", "s")];
        });
        cdk.cdk_path = Some("App/Orders/Resource".into());
        scope(vec![
            table("Orders", |t| {
                t.name = lit(10, "orders");
                t.key_schema = vec![key(20, "pk", KeyType::Hash), key(22, "sk", KeyType::Range)];
                t.attributes = vec![
                    attr(30, "pk", "S"),
                    attr(32, "sk", "S"),
                    attr(34, "at", "S"),
                    AttributeDef {
                        name: Prop::known(sp(36), "at".to_string()),
                        attr_type: unknown(37),
                    },
                    attr(38, "by", "s"),
                ];
                t.lsis = vec![lsi(40, "ByAt", "at"), lsi(50, "Gone", "by")];
            }),
            table("Sessions", |t| {
                t.key_schema = vec![key(100, "sessionId", KeyType::Hash)];
                t.attributes = vec![attr(110, "sessionId", "S")];
            }),
            table("Events", |t| {
                t.name = Some(unknown(200));
                t.key_schema = vec![
                    key(210, "id", KeyType::Hash),
                    KeyElement {
                        attribute: unknown(212),
                        key_type: Prop::known(sp(213), KeyType::Range),
                    },
                ];
                t.attributes = vec![attr(220, "id", "N")];
            }),
            cdk,
        ])
    }

    /// A head table with a construct path is the base table with that path, or one with
    /// no path and its id, whichever comes first; without a path, the first of its id.
    #[test]
    fn base_tables_are_found_by_path_then_id_in_order() {
        let with_path = |id: &str, path: Option<&str>| {
            let mut t = table(id, |_| {});
            t.cdk_path = path.map(str::to_string);
            t
        };
        let summary = BaseScope::of(&scope(vec![
            with_path("A", None),
            with_path("B", Some("App/T/Resource")),
            with_path("A", Some("App/Other/Resource")),
        ]));
        let found = |id: &str, path: Option<&str>| {
            let head = with_path(id, path);
            let t = summary.table(&head)?;
            Some((t.id.clone(), t.cdk_path.clone()))
        };
        // By path, though the ids differ.
        assert_eq!(
            found("X", Some("App/T/Resource")),
            Some(("B".into(), Some("App/T/Resource".into())))
        );
        // A base table without a path, by id, before a later one with the path.
        assert_eq!(
            found("A", Some("App/Other/Resource")),
            Some(("A".into(), None))
        );
        assert_eq!(
            found("A", Some("App/New/Resource")),
            Some(("A".into(), None))
        );
        assert_eq!(found("A", None), Some(("A".into(), None)));
        assert_eq!(
            found("B", None),
            Some(("B".into(), Some("App/T/Resource".into())))
        );
        assert_eq!(found("X", Some("App/New/Resource")), None);
        let mut other_type = with_path("A", None);
        other_type.rtype = "AWS::DynamoDB::GlobalTable".into();
        assert!(summary.table(&other_type).is_none());
    }

    #[test]
    fn a_summary_answers_what_the_table_answered() {
        let base = base();
        let summary = BaseScope::of(&base);
        assert_eq!(summary.name, base.name);
        assert!(!summary.does_not_parse);
        assert_eq!(summary.tables.len(), 4);
        for (res, t) in base.tables() {
            let s = summary.table(res).expect("found by its own identity");
            assert_eq!(
                (&s.id, &s.rtype, &s.cdk_path),
                (&res.id, &res.rtype, &res.cdk_path)
            );
            assert_eq!(s.keys, known_keys(&t.key_schema), "{}", res.id);
            for name in ["pk", "sk", "at", "by", "id", "sessionId", "none"] {
                assert_eq!(
                    s.attr_type(name),
                    attr_type(t, name).map(|(t, _)| t).as_deref(),
                    "{} {name}",
                    res.id
                );
                assert_eq!(s.is_key(name), is_table_key(t, name), "{} {name}", res.id);
            }
            let lsis: Option<Vec<(String, Keys)>> = t
                .lsis
                .iter()
                .map(|ix| Some((ix.name.get()?.clone(), known_keys(&ix.key_schema)?)))
                .collect();
            assert_eq!(s.lsis, lsis, "{}", res.id);
            let name = match &t.name {
                None => BaseName::Generated,
                Some(n) => literal(n.get()).map_or(BaseName::Unknown, BaseName::Literal),
            };
            assert_eq!(s.name, name, "{}", res.id);
        }
        let orders = &summary.tables[0];
        // The last definition of `at` is unknown: its type is not compared.
        assert_eq!(orders.attr_type("at"), None);
        assert_eq!(orders.attr_type("by"), Some("S"));
        assert_eq!(orders.name, BaseName::Literal("orders".into()));
        // An unknown key element: the schema is not compared, the known key still counts.
        let events = &summary.tables[2];
        assert_eq!(events.keys, None);
        assert!(events.is_key("id"));
        assert_eq!(events.name, BaseName::Unknown);
        assert!(matches!(
            base.tables()
                .nth(2)
                .and_then(|(_, t)| t.name.as_ref())
                .map(|n| &n.val),
            Some(Val::Unknown(_))
        ));
    }

    #[test]
    fn rules_compare_with_the_summary_once_the_base_scope_is_gone() {
        let summary = BaseScope::of(&base());
        // `base()` is dropped: only the summary is left.
        let mut cdk = table("OrdersC3D4", |t| {
            t.key_schema = vec![key(900, "pk", KeyType::Hash)];
            t.attributes = vec![attr(910, "pk", "N")];
        });
        cdk.cdk_path = Some("App/Orders/Resource".into());
        let head = scope(vec![
            table("Orders", |t| {
                t.name = lit(10, "orders-v2");
                t.key_schema = vec![key(20, "pk", KeyType::Hash), key(22, "sk", KeyType::Range)];
                t.attributes = vec![
                    attr(30, "pk", "S"),
                    attr(32, "sk", "S"),
                    attr(34, "at", "N"),
                    attr(38, "by", "N"),
                    attr(60, "new", "S"),
                ];
                t.lsis = vec![lsi(40, "ByAt", "at"), lsi(70, "ByNew", "new")];
                t.lsis_span = Some(sp(39));
            }),
            table("Sessions", |t| {
                t.name = lit(99, "sessions");
                t.key_schema = vec![key(100, "userId", KeyType::Hash)];
                t.key_schema_span = Some(sp(98));
                t.attributes = vec![attr(110, "userId", "S")];
            }),
            table("Events", |t| {
                t.key_schema = vec![key(210, "id", KeyType::Hash)];
                t.attributes = vec![attr(220, "id", "S")];
            }),
            cdk,
            table("New", |t| {
                t.key_schema = vec![key(300, "pk", KeyType::Hash)];
                t.lsis = vec![lsi(310, "ByAt", "at")];
            }),
        ]);
        let settings = Settings {
            select: vec!["DDB501".into(), "DDB502".into()],
            ..Settings::default()
        };
        let found: Vec<(&str, String, usize, String)> =
            crate::rules::run_rules(&head, &settings, Some(&summary))
                .into_iter()
                .map(|f| {
                    let id = f.resource.map(|r| r.id).unwrap_or_default();
                    (f.rule.id, id, f.span.start as usize, f.key)
                })
                .collect();
        let want = [
            ("DDB501", "Orders", 70, "lsi:ByNew:added"),
            ("DDB501", "Orders", 39, "lsi:Gone:removed"),
            ("DDB502", "Orders", 10, "name"),
            ("DDB502", "Sessions", 100, "keys"),
            ("DDB502", "Sessions", 99, "name"),
            ("DDB502", "Events", 221, "type:id"),
            ("DDB502", "OrdersC3D4", 911, "type:pk"),
        ];
        let want: Vec<(&str, String, usize, String)> = want
            .iter()
            .map(|(r, id, at, k)| (*r, id.to_string(), *at, k.to_string()))
            .collect();
        let mut sorted = found.clone();
        sorted.sort();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        assert_eq!(sorted, want_sorted, "{found:#?}");
        // Without a base, nothing is compared.
        assert!(crate::rules::run_rules(&head, &settings, None).is_empty());
    }
}
