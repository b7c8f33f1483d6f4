//! `.ddbguard.yaml` as written: the types here are the file's one declaration. serde reads
//! the file into them (unknown keys are errors), and `schema/ddbguard.schema.json` is
//! generated from them (`UPDATE_SCHEMA=1 cargo test config::file` rewrites it; `cargo test`
//! fails when it is stale). Their doc comments are the schema's descriptions.
//!
//! What a value means beyond its type (a rule or tier that exists, a glob that compiles, a
//! real date) is checked afterwards, with the spans kept here ([`super::Config::parse`]).

use super::{KeyClass, Level};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;

/// The rule with options: its id and its name (the config may use either).
pub const DDB102: (&str, &str) = ("DDB102", "pitr-recovery-period-short");

/// Policy for ddbguard: compliance tiers, rule levels and options, excluded paths,
/// suppressions. Every key is optional; unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(title = "ddbguard configuration (.ddbguard.yaml)"))]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct ConfigFile {
    /// The tier of a table that neither its tag nor a `tables` entry names (default:
    /// standard). Must be a built-in tier or one defined under `tiers`.
    pub default_tier: Option<Spanned<Text>>,
    /// The tag whose value names a table's tier (default: compliance-tier).
    pub tier_tag: Option<Spanned<Text>>,
    /// Tiers and the lowest key type each accepts. Built in: standard (aws-owned),
    /// confidential (aws-managed), regulated (customer-managed); entries here change or add
    /// tiers.
    pub tiers: Option<BTreeMap<Spanned<Text>, Spanned<KeyClass>>>,
    /// Tiers by table. The first entry whose patterns all match gives the table's tier.
    pub tables: Option<Vec<Spanned<TableEntry>>>,
    /// Rules by id (DDB101) or name (pitr-disabled): a level, or a mapping with `level` and
    /// the rule's options.
    pub rules: Option<Rules>,
    /// Globs of paths never checked.
    pub exclude: Option<Vec<Spanned<Text>>>,
    /// Findings accepted on purpose.
    pub suppressions: Option<Vec<Spanned<SuppressionEntry>>>,
    /// Guard policy files (*.guard) or directories of them, relative to this file: run
    /// beside the built-in rules.
    pub policies: Option<Vec<Spanned<Text>>>,
}

/// A `tables` entry: tables whose name or path match get this tier.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(
    test,
    schemars(extend("anyOf" = [{"required": ["name"]}, {"required": ["path"]}]))
)]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct TableEntry {
    /// Glob on the table name or its resource id.
    pub name: Option<Spanned<Text>>,
    /// Glob on the template, CDK assembly or Terraform module path.
    pub path: Option<Spanned<Text>>,
    /// A built-in tier or one defined under `tiers` (case-insensitive).
    pub tier: Spanned<Text>,
}

/// A `suppressions` entry.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct SuppressionEntry {
    /// Rule id or name.
    pub rule: Spanned<Text>,
    /// Glob on the finding's file path; absent: any path.
    pub path: Option<Spanned<Text>>,
    /// Glob on the resource id; absent: any resource.
    pub resource: Option<Spanned<Text>>,
    /// Why the finding is accepted. Required: a suppression without one is reported.
    pub reason: Option<Spanned<Text>>,
    /// From this date (YYYY-MM-DD) on the suppression no longer applies.
    #[cfg_attr(
        test,
        schemars(regex(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))
    )]
    pub expires: Option<Spanned<Text>>,
}

/// The settings of a rule without options, as a mapping.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct RuleTable {
    pub level: Option<Level>,
}

/// The settings of DDB102 pitr-recovery-period-short, as a mapping.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, expecting = "a mapping")]
pub struct Ddb102Table {
    pub level: Option<Level>,
    /// The shortest point-in-time recovery period accepted, in days.
    #[cfg_attr(test, schemars(range(min = 1, max = 35), extend("default" = 35)))]
    pub min_days: Option<Spanned<u64>>,
}

/// A rule's setting: a level, or a mapping of level and options.
#[derive(Debug)]
pub enum Setting<T> {
    Level(Level),
    Table(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Setting<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Setting<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("off, note, warning or error, or a mapping of level and options")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Level::from_text(s).map(Setting::Level).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Setting::Table)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A rule's setting, whichever its options.
#[derive(Debug)]
pub struct RuleSetting {
    pub level: Option<Level>,
    /// Options by name (`min_days`).
    pub options: Vec<(&'static str, Spanned<u64>)>,
}

/// `rules:`, in file order: by rule id or name (the rules are checked once the config is
/// read, as Guard policies add theirs).
#[derive(Debug, Default)]
pub struct Rules(pub Vec<(Spanned<Text>, Spanned<RuleSetting>)>);

impl<'de> Deserialize<'de> for Rules {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Rules;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rules, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Spanned<Text>>()? {
                    let k = key.get().as_str();
                    let setting = if k.eq_ignore_ascii_case(DDB102.0) || k == DDB102.1 {
                        map.next_value::<Spanned<Setting<Ddb102Table>>>()?
                            .map(|s| match s {
                                Setting::Level(l) => RuleSetting {
                                    level: Some(l),
                                    options: Vec::new(),
                                },
                                Setting::Table(t) => RuleSetting {
                                    level: t.level,
                                    options: t
                                        .min_days
                                        .map(|d| ("min_days", d))
                                        .into_iter()
                                        .collect(),
                                },
                            })
                    } else {
                        map.next_value::<Spanned<Setting<RuleTable>>>()?
                            .map(|s| RuleSetting {
                                level: match s {
                                    Setting::Level(l) => Some(l),
                                    Setting::Table(t) => t.level,
                                },
                                options: Vec::new(),
                            })
                    };
                    out.push((key, setting));
                }
                Ok(Rules(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A value and the bytes of the config it is written on.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(transparent)]
pub struct Spanned<T>(serde_spanned::Spanned<T>);

impl<T> Spanned<T> {
    pub fn span(&self) -> std::ops::Range<usize> {
        self.0.span()
    }

    pub fn get(&self) -> &T {
        self.0.get_ref()
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        let span = self.0.span();
        Spanned(serde_spanned::Spanned::new(span, f(self.0.into_inner())))
    }
}

/// A string that is not empty (nor only blanks); any scalar is read as its text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Text(pub String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(de::Error::invalid_value(
                de::Unexpected::Other("an empty string"),
                &"a non-empty string",
            ));
        }
        Ok(Text(s))
    }
}

/// How a declared type is named in messages.
pub fn describe(rust_name: &str) -> &'static str {
    match rust_name {
        "TableEntry" => "a tables entry",
        "SuppressionEntry" => "a suppression",
        "RuleTable" | "Ddb102Table" => "a rule",
        _ => "the config",
    }
}

#[cfg(test)]
mod schema {
    //! The JSON Schema, generated from the types above.

    use super::*;
    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
    use std::borrow::Cow;

    impl<T: JsonSchema> JsonSchema for Spanned<T> {
        fn inline_schema() -> bool {
            T::inline_schema()
        }
        fn schema_name() -> Cow<'static, str> {
            T::schema_name()
        }
        fn schema_id() -> Cow<'static, str> {
            T::schema_id()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            T::json_schema(g)
        }
    }

    impl JsonSchema for Text {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Text".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({"type": "string", "minLength": 1, "pattern": "\\S"})
        }
    }

    impl JsonSchema for KeyClass {
        fn schema_name() -> Cow<'static, str> {
            "KeyType".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            let names: Vec<&str> = KeyClass::ALL.iter().map(|k| k.as_str()).collect();
            json_schema!({
                "description": "A key type, from weakest to strongest.",
                "enum": names,
            })
        }
    }

    impl JsonSchema for Level {
        fn schema_name() -> Cow<'static, str> {
            "Level".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "off turns the rule off; the others set its severity.",
                "enum": Level::NAMES,
            })
        }
    }

    impl<T: JsonSchema> JsonSchema for Setting<T> {
        fn schema_name() -> Cow<'static, str> {
            // `Rule` for rules without options, `RuleDDB102` for DDB102.
            let options = T::schema_name()
                .trim_end_matches("Table")
                .to_ascii_uppercase();
            format!("Rule{}", options.trim_start_matches("RULE")).into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            json_schema!({"oneOf": [g.subschema_for::<Level>(), g.subschema_for::<T>()]})
        }
    }

    impl JsonSchema for Rules {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Rules".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            let ddb102 = g.subschema_for::<Setting<Ddb102Table>>();
            let other = g.subschema_for::<Setting<RuleTable>>();
            // A rule id (DDB101), a rule name (pitr-disabled) or a Guard rule name.
            let key = format!(
                "^(?!({}|{})$)(DDB[0-9]{{3}}|[a-z0-9]+(-[a-z0-9]+)*|[A-Za-z_][A-Za-z0-9_]*)$",
                DDB102.0, DDB102.1
            );
            json_schema!({
                "type": "object",
                "properties": {DDB102.0: ddb102, DDB102.1: ddb102},
                "patternProperties": {key: other},
                "additionalProperties": false,
            })
        }
    }

    /// The schema as committed: pretty JSON with a final newline.
    pub fn generate() -> String {
        let mut settings = schemars::generate::SchemaSettings::draft2020_12();
        settings.meta_schema = Some("https://json-schema.org/draft/2020-12/schema".into());
        let mut schema = settings
            .into_generator()
            .into_root_schema_for::<ConfigFile>();
        let root = schema.ensure_object();
        root.insert(
            "$id".into(),
            "https://raw.githubusercontent.com/ddbguard/ddbguard/main/schema/ddbguard.schema.json"
                .into(),
        );
        // An empty file (or one with only comments) is a config too.
        root.insert("type".into(), serde_json::json!(["object", "null"]));
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }

    #[test]
    fn committed_schema_is_current() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/ddbguard.schema.json");
        let generated = generate();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).expect("schema/ is writable");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "schema/ddbguard.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test committed_schema` and commit"
        );
    }
}
