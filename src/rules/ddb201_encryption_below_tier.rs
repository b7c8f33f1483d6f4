use super::{Check, Ctx};
use crate::config::{Config, KeyClass};
use crate::declare_rule;
use crate::model::{Format, Kind, Part, Prop, Resource, Scope, Str, Table, TableKind, Tag, Val};
use crate::source::Span;

declare_rule! {
    /// ## What it checks
    /// The type of key each table, and each replica of a global table, is encrypted
    /// with, held against the table's compliance tier. Key types, from weakest to
    /// strongest:
    ///
    /// - `aws-owned`: server-side encryption not enabled (`SSESpecification` unset or
    ///   `SSEEnabled: false`, no `server_side_encryption` block): the default key AWS owns;
    /// - `aws-managed`: encryption enabled without a key, or with `alias/aws/dynamodb` or its
    ///   ARN;
    /// - `customer-managed`: any other key id, key ARN or alias, including a `Ref`/`GetAtt`
    ///   or Terraform reference to an `AWS::KMS::Key`/`aws_kms_key` or a KMS alias in scope.
    ///
    /// A table's tier comes from its tag (`compliance-tier` by default, `tier_tag` in
    /// `.ddbguard.yaml`), else from the first `tables:` entry of the config whose `name`
    /// pattern matches the table's name or resource id and whose `path` pattern matches its
    /// template, assembly or module path, else from `default_tier` (`standard`). Built-in
    /// tiers: `standard` accepts any key, `confidential` needs `aws-managed`, `regulated`
    /// needs `customer-managed`; `tiers:` defines more or changes these. Tier names are
    /// case-insensitive. A tag naming a tier that does not exist is reported too, so a typo
    /// cannot lower a table's tier. A key or setting that cannot be resolved never fails.
    ///
    /// ## Why it matters
    /// With an AWS owned key, encryption happens but the account cannot see or control
    /// it: no CloudTrail record of key use, no key policy, no way to revoke access to the
    /// data by disabling the key. Auditors of regulated data (PCI DSS, HIPAA, data
    /// residency rules) ask for keys the organisation controls, and the finding then comes
    /// from an audit, after the data is in the table: changing the key of a large table
    /// later is an `UpdateTable` that runs for hours while the team explains the gap. Tiers
    /// put that decision in review, where a platform team can state it once for every
    /// table.
    ///
    /// ## How to fix
    /// CloudFormation (customer managed):
    /// ```yaml
    /// SSESpecification:
    ///   SSEEnabled: true
    ///   SSEType: KMS
    ///   KMSMasterKeyId: !Ref TableKey
    /// ```
    /// (`SSEEnabled: true` without a key is the AWS managed key; on a global table, give
    /// each replica its own `SSESpecification.KMSMasterKeyId`).
    ///
    /// CDK: `encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: key`
    /// (`TableEncryption.AWS_MANAGED` for the AWS managed key; `TableV2`:
    /// `encryption: TableEncryptionV2.customerManagedKey(key, replicaKeyArns)`).
    ///
    /// Terraform:
    /// ```hcl
    /// server_side_encryption {
    ///   enabled     = true
    ///   kms_key_arn = aws_kms_key.table.arn
    /// }
    /// ```
    /// and `kms_key_arn` in each `replica` block. If the table's tier is wrong, change its
    /// `compliance-tier` tag or the `tables:` entries of `.ddbguard.yaml`.
    ///
    /// ## References
    /// - [DynamoDB encryption at rest](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html)
    /// - [AWS::DynamoDB::Table SSESpecification](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-ssespecification.html)
    /// - [aws_dynamodb_table server_side_encryption](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table#server_side_encryption)
    /// - [AWS KMS keys: customer, AWS managed and AWS owned](https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#kms_keys)
    EncryptionBelowTier {
        id: "DDB201",
        name: "encryption-below-tier",
        severity: Error,
        summary: "a table whose encryption key type is below its compliance tier",
        tags: ["security", "encryption"],
    }
}

impl Check for EncryptionBelowTier {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        let config = &ctx.settings.config;
        let mut out = Vec::new();
        for (res, table) in scope.tables() {
            check_table(scope, config, res, table, &mut out);
        }
        for f in out {
            ctx.report(f.resource, f.span, f.message, f.help).key(f.key);
            if f.switch_unset {
                ctx.unset_by(&["server_side_encryption", "server_side_encryption.enabled"]);
            }
        }
    }
}

/// A finding to report, collected while the config is borrowed.
struct Out<'a> {
    resource: &'a Resource,
    span: Span,
    message: String,
    help: String,
    key: String,
    /// Terraform: the table lacks `server_side_encryption`, and turning it on is the fix.
    switch_unset: bool,
}

/// A table's tier and where it came from.
enum Tier {
    Known {
        name: String,
        minimum: KeyClass,
        source: String,
    },
    /// A tag names a tier that does not exist.
    Undefined {
        name: String,
        span: Span,
        known: String,
    },
    /// The tag's value cannot be resolved.
    Unresolved,
}

fn check_table<'a>(
    scope: &Scope,
    config: &Config,
    res: &'a Resource,
    table: &Table,
    out: &mut Vec<Out<'a>>,
) {
    let header = table.sse.span.unwrap_or(res.span);
    let enabled = table.sse.enabled.as_ref();
    let table_tier = tier(scope, config, res, table, &[]);
    let global_with_replicas = table.table_kind == TableKind::Global && !table.replicas.is_empty();

    // The table itself: for a global table with replicas, only its SSE switch (each replica
    // names its own key).
    let mut classes = Vec::new();
    for (on, span) in switch_states(enabled, header) {
        if !on {
            classes.push((KeyClass::AwsOwned, span));
        } else if !global_with_replicas {
            classes.extend(key_classes(scope, table.sse.key.as_ref(), header));
        }
    }
    if let Some(f) = judge(
        scope,
        res,
        &table_tier,
        &classes,
        &format!("table {}", res.id),
        false,
    ) {
        // SSE on (an AWS managed key) is enough for this tier.
        let switch_suffices = matches!(
            &table_tier,
            Tier::Known {
                minimum: KeyClass::AwsManaged,
                ..
            }
        );
        out.push(Out {
            key: "table".into(),
            switch_unset: switch_suffices && f.span == res.span,
            ..f
        });
    }

    // With SSE off, every replica has the AWS owned key: reported once, for the table.
    let may_be_on = switch_states(enabled, header).iter().any(|(on, _)| *on);
    for replica in &table.replicas {
        let region = replica
            .region
            .get()
            .map_or_else(|| "?".into(), |r| r.render());
        let tier = tier(scope, config, res, table, &replica.tags);
        if let (Tier::Undefined { span, .. }, Tier::Undefined { span: s, .. }) =
            (&tier, &table_tier)
            && span == s
        {
            // The same tag, already reported for the table.
            continue;
        }
        let classes = if may_be_on {
            key_classes(scope, replica.kms_key.as_ref(), replica.span)
        } else {
            Vec::new()
        };
        let what = format!("replica {region} of table {}", res.id);
        if let Some(f) = judge(scope, res, &tier, &classes, &what, true) {
            out.push(Out {
                key: format!("replica:{region}"),
                ..f
            });
        }
    }
}

/// The finding for the weakest key type below the tier's minimum, if any.
fn judge<'a>(
    scope: &Scope,
    res: &'a Resource,
    tier: &Tier,
    classes: &[(KeyClass, Span)],
    what: &str,
    replica: bool,
) -> Option<Out<'a>> {
    match tier {
        Tier::Unresolved => None,
        Tier::Undefined { name, span, known } => Some(Out {
            resource: res,
            span: *span,
            message: format!(
                "{what} is tagged with tier {name:?}, which is not defined, so its encryption cannot be checked"
            ),
            help: format!(
                "tag the table with one of the tiers {known}, or define {name:?} under tiers: in .ddbguard.yaml"
            ),
            key: String::new(),
            switch_unset: false,
        }),
        Tier::Known {
            name,
            minimum,
            source,
        } => {
            let (class, span) = classes
                .iter()
                .filter(|(c, _)| c < minimum)
                .min_by_key(|(c, _)| *c)?;
            Some(Out {
                resource: res,
                span: *span,
                message: format!(
                    "{what} is encrypted with {}, below its tier {name} ({source}), which requires {}",
                    class.describe(),
                    minimum.describe()
                ),
                help: help(scope.format, res, *minimum, replica),
                key: String::new(),
                switch_unset: false,
            })
        }
    }
}

fn help(format: Format, res: &Resource, minimum: KeyClass, replica: bool) -> String {
    if format == Format::Cdk {
        let cdk = if minimum == KeyClass::CustomerManaged {
            [
                "set encryption: TableEncryption.CUSTOMER_MANAGED with encryptionKey: <your kms.Key>",
                "set encryption: TableEncryptionV2.customerManagedKey(<your kms.Key>, { <replica region>: <key ARN in that region> })",
                "set sseSpecification: { sseEnabled: true, sseType: 'KMS', kmsMasterKeyId: <your kms.Key>.keyArn }",
                "set sseSpecification: { sseEnabled: true, sseType: 'KMS' } and, in each replica's entry of replicas, sseSpecification: { kmsMasterKeyId: <key ARN in its region> }",
            ]
        } else {
            [
                "set encryption: TableEncryption.AWS_MANAGED (or a customer managed key)",
                "set encryption: TableEncryptionV2.awsManagedKey() (or a customer managed key)",
                "set sseSpecification: { sseEnabled: true, sseType: 'KMS' }",
                "set sseSpecification: { sseEnabled: true, sseType: 'KMS' }",
            ]
        };
        return super::cdk::by_construct(format, res, "", cdk, "");
    }
    let text = match (format, minimum, replica) {
        (Format::Cloudformation, KeyClass::CustomerManaged, false) => {
            "set SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: <your KMS key>}"
        }
        (Format::Cloudformation, KeyClass::CustomerManaged, true) => {
            "set SSESpecification.KMSMasterKeyId on the replica to a customer managed key in its region"
        }
        (Format::Terraform | Format::TerraformPlan, KeyClass::CustomerManaged, false) => {
            "set server_side_encryption { enabled = true, kms_key_arn = <your aws_kms_key>.arn }"
        }
        (Format::Terraform | Format::TerraformPlan, KeyClass::CustomerManaged, true) => {
            "set kms_key_arn in the replica block to a customer managed key in its region"
        }
        (Format::Cloudformation | Format::Cdk, _, _) => {
            "set SSESpecification: {SSEEnabled: true, SSEType: KMS}"
        }
        (Format::Terraform | Format::TerraformPlan, _, _) => {
            "set server_side_encryption { enabled = true }"
        }
    };
    text.to_string()
}

/// The states of an SSE switch: `(enabled, span)` for each known branch; unset is off.
fn switch_states(prop: Option<&Prop<bool>>, unset: Span) -> Vec<(bool, Span)> {
    fn walk(val: &Val<bool>, span: Span, out: &mut Vec<(bool, Span)>, depth: u32) {
        match val {
            Val::Known(b) => out.push((*b, span)),
            Val::Unknown(_) => {}
            Val::OneOf(branches) if depth < 32 => {
                for b in branches {
                    match &b.value {
                        None => out.push((false, b.span)),
                        Some(v) => walk(v, b.span, out, depth + 1),
                    }
                }
            }
            Val::OneOf(_) => {}
        }
    }
    let mut out = Vec::new();
    match prop {
        None => out.push((false, unset)),
        Some(p) => walk(&p.val, p.span, &mut out, 0),
    }
    out
}

/// The key types of an enabled table or replica: `(type, span)` for each known branch;
/// no key is the AWS managed key.
fn key_classes(scope: &Scope, key: Option<&Prop<Str>>, unset: Span) -> Vec<(KeyClass, Span)> {
    fn walk(
        scope: &Scope,
        val: &Val<Str>,
        span: Span,
        out: &mut Vec<(KeyClass, Span)>,
        depth: u32,
    ) {
        match val {
            Val::Known(s) => out.extend(classify_key(s, scope).map(|c| (c, span))),
            Val::Unknown(_) => {}
            Val::OneOf(branches) if depth < 32 => {
                for b in branches {
                    match &b.value {
                        None => out.push((KeyClass::AwsManaged, b.span)),
                        Some(v) => walk(scope, v, b.span, out, depth + 1),
                    }
                }
            }
            Val::OneOf(_) => {}
        }
    }
    let mut out = Vec::new();
    match key {
        None => out.push((KeyClass::AwsManaged, unset)),
        Some(p) => walk(scope, &p.val, p.span, &mut out, 0),
    }
    out
}

/// Whether a key id, ARN or alias names the AWS managed key of a service (`alias/aws/…`).
fn is_aws_managed_alias(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("alias/aws/") || (text.starts_with("arn:") && text.contains(":alias/aws/"))
}

/// The type of key a `KMSMasterKeyId`/`kms_key_arn` value names; none when it cannot be told.
pub(super) fn classify_key(key: &Str, scope: &Scope) -> Option<KeyClass> {
    if let Some(text) = key.as_lit() {
        return Some(if text.trim().is_empty() || is_aws_managed_alias(text) {
            KeyClass::AwsManaged
        } else {
            KeyClass::CustomerManaged
        });
    }
    let literal: String = key
        .0
        .iter()
        .filter_map(|p| match p {
            Part::Lit(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    if literal.contains("alias/aws/") {
        return Some(KeyClass::AwsManaged);
    }
    for part in &key.0 {
        let Part::Ref { target, .. } = part else {
            continue;
        };
        match scope.resource(target).map(|r| &r.kind) {
            Some(Kind::KmsKey(_)) => return Some(KeyClass::CustomerManaged),
            Some(Kind::KmsAlias(alias)) => {
                let aws = alias
                    .name
                    .as_ref()
                    .and_then(|n| n.get())
                    .and_then(|n| n.as_lit())
                    .is_some_and(is_aws_managed_alias);
                return Some(if aws {
                    KeyClass::AwsManaged
                } else {
                    KeyClass::CustomerManaged
                });
            }
            _ => {}
        }
    }
    if literal.contains(":key/") || literal.contains("alias/") {
        return Some(KeyClass::CustomerManaged);
    }
    None
}

/// The tier of a table (or of a replica with its own tags).
fn tier(scope: &Scope, config: &Config, res: &Resource, table: &Table, own_tags: &[Tag]) -> Tier {
    let tag_key = config.tier_tag();
    let tag = own_tags
        .iter()
        .rev()
        .find(|t| t.key == tag_key)
        .or_else(|| table.tag(tag_key));
    if let Some(tag) = tag {
        let values = tag.value.known_values();
        let mut best: Option<Tier> = None;
        for (value, span) in values {
            let Some(name) = value.as_lit() else {
                continue;
            };
            let name = name.trim();
            let Some(minimum) = config.tier_minimum(name) else {
                return Tier::Undefined {
                    name: name.to_string(),
                    span,
                    known: config.tier_names().join(", "),
                };
            };
            let stricter = match &best {
                Some(Tier::Known { minimum: m, .. }) => minimum > *m,
                _ => true,
            };
            if stricter {
                best = Some(Tier::Known {
                    name: name.to_string(),
                    minimum,
                    source: format!("from its tag {tag_key}"),
                });
            }
        }
        return best.unwrap_or(Tier::Unresolved);
    }
    let mut names = vec![res.id.as_str()];
    names.extend(table.known_name());
    if let Some(entry) = config.table_tier(&names, &scope.name)
        && let Some(minimum) = config.tier_minimum(&entry.tier)
    {
        return Tier::Known {
            name: entry.tier.clone(),
            minimum,
            source: format!("from the tables entry on line {} of the config", entry.line),
        };
    }
    let name = config.default_tier();
    match config.tier_minimum(name) {
        Some(minimum) => Tier::Known {
            name: name.to_string(),
            minimum,
            source: "the default tier".into(),
        },
        None => Tier::Unresolved,
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use super::*;
    use crate::config::{Pattern, Settings, TableTier};
    use crate::model::{Branch, KmsAlias, KmsKey, Replica};

    fn regulated() -> Vec<Tag> {
        vec![tag("compliance-tier", "regulated")]
    }

    fn kms_key(id: &str) -> Resource {
        resource(id, "AWS::KMS::Key", Kind::KmsKey(KmsKey::default()))
    }

    #[test]
    fn classify_key_forms() {
        let s = scope(vec![
            kms_key("Key"),
            resource(
                "Alias",
                "AWS::KMS::Alias",
                Kind::KmsAlias(KmsAlias {
                    name: lit(5, "alias/orders"),
                    target_key: reference(6, "Key", None),
                }),
            ),
            resource(
                "AwsAlias",
                "AWS::KMS::Alias",
                Kind::KmsAlias(KmsAlias {
                    name: lit(5, "alias/aws/dynamodb"),
                    target_key: None,
                }),
            ),
            resource("Bucket", "AWS::S3::Bucket", Kind::Other),
        ]);
        let c = |k: Str| classify_key(&k, &s);
        assert_eq!(
            c(Str::lit("alias/aws/dynamodb")),
            Some(KeyClass::AwsManaged)
        );
        assert_eq!(
            c(Str::lit(
                "arn:aws:kms:us-east-1:111122223333:alias/aws/dynamodb"
            )),
            Some(KeyClass::AwsManaged)
        );
        assert_eq!(c(Str::lit("alias/orders")), Some(KeyClass::CustomerManaged));
        assert_eq!(
            c(Str::lit("arn:aws:kms:us-east-1:111122223333:key/1234abcd")),
            Some(KeyClass::CustomerManaged)
        );
        assert_eq!(
            c(Str::reference("Key", Some("Arn".into()))),
            Some(KeyClass::CustomerManaged)
        );
        assert_eq!(
            c(Str::reference("Alias", None)),
            Some(KeyClass::CustomerManaged)
        );
        assert_eq!(
            c(Str::reference("AwsAlias", None)),
            Some(KeyClass::AwsManaged)
        );
        assert_eq!(c(Str::reference("Bucket", None)), None);
        assert_eq!(c(Str(vec![Part::Unknown("parameter KeyArn".into())])), None);
        let sub = Str(vec![
            Part::Lit("arn:aws:kms:".into()),
            Part::Unknown("AWS::Region".into()),
            Part::Lit(":".into()),
            Part::Unknown("AWS::AccountId".into()),
            Part::Lit(":alias/aws/dynamodb".into()),
        ]);
        assert_eq!(c(sub), Some(KeyClass::AwsManaged));
    }

    #[test]
    fn regulated_table_needs_a_customer_managed_key() {
        let s = scope(vec![
            kms_key("Key"),
            table("Owned", |t| t.tags = regulated()),
            table("Managed", |t| {
                t.tags = regulated();
                t.sse.enabled = known(10, true);
                t.sse.span = Some(sp(9));
            }),
            table("ManagedAlias", |t| {
                t.tags = regulated();
                t.sse.enabled = known(20, true);
                t.sse.key = lit(21, "alias/aws/dynamodb");
            }),
            table("Cmk", |t| {
                t.tags = regulated();
                t.sse.enabled = known(30, true);
                t.sse.key = reference(31, "Key", Some("Arn"));
            }),
            table("UnknownKey", |t| {
                t.tags = regulated();
                t.sse.enabled = known(40, true);
                t.sse.key = Some(Prop::unknown(sp(41), "parameter KeyArn has no default"));
            }),
            table("Standard", |_| {}),
        ]);
        let found = run_default("DDB201", &s);
        let spans: Vec<Span> = found.iter().map(|f| f.1).collect();
        assert_eq!(spans, vec![sp(1), sp(9), sp(21)], "{found:?}");
        assert!(found[0].0.contains(
            "table Owned is encrypted with an AWS owned key, below its tier regulated (from its tag compliance-tier), which requires a customer managed key"
        ));
        assert!(found[1].0.contains("the AWS managed key"));
    }

    #[test]
    fn tier_from_config_tables_and_default() {
        let s = scope(vec![
            table("Orders", |t| t.name = lit(5, "orders-prod")),
            table("Logs", |_| {}),
        ]);
        let mut settings = Settings::default();
        assert!(run("DDB201", &s, &settings).is_empty());
        settings.config.tables.push(TableTier {
            name: Some(Pattern::new("orders-*").unwrap()),
            path: None,
            tier: "confidential".into(),
            line: 7,
        });
        let found = run("DDB201", &s, &settings);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0.contains("table Orders"));
        assert!(
            found[0]
                .0
                .contains("tier confidential (from the tables entry on line 7 of the config)")
        );
        settings.config.default_tier = Some("pci".into());
        settings
            .config
            .tiers
            .insert("pci".into(), KeyClass::CustomerManaged);
        let found = run("DDB201", &s, &settings);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[1].0.contains("tier pci (the default tier)"));
    }

    #[test]
    fn tier_tag_is_configurable_and_undefined_tiers_are_reported() {
        let s = scope(vec![table("T", |t| {
            t.tags = vec![
                tag("data-class", "Regulated"),
                tag("compliance-tier", "regluated"),
            ];
        })]);
        let found = run_default("DDB201", &s);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .0
                .contains("tier \"regluated\", which is not defined")
        );
        assert_eq!(found[0].1, sp(900));
        let mut settings = Settings::default();
        settings.config.tier_tag = Some("data-class".into());
        let found = run("DDB201", &s, &settings);
        assert_eq!(found.len(), 1);
        assert!(found[0].0.contains("below its tier Regulated"));
    }

    #[test]
    fn an_undefined_tier_is_reported_once_where_it_is_written() {
        let replica = |region: &str, tier: &str, at: usize| Replica {
            region: Prop::known(sp(100), Str::lit(region)),
            span: sp(101),
            pitr: None,
            pitr_recovery_days: None,
            deletion_protection: None,
            kms_key: None,
            contributor_insights: None,
            tags: vec![Tag {
                key: "compliance-tier".into(),
                value: Prop::known(sp(at), Str::lit(tier)),
            }],
        };
        // The first replica's tag is also the table's (the frontend copies it): one finding.
        let mut g = table("G", |t| {
            t.table_kind = TableKind::Global;
            t.tags = vec![Tag {
                key: "compliance-tier".into(),
                value: Prop::known(sp(300), Str::lit("regluated")),
            }];
        });
        if let Kind::Table(t) = &mut g.kind {
            t.replicas = vec![
                replica("us-east-1", "regluated", 300),
                replica("eu-west-1", "standard", 310),
            ];
        }
        // Only a replica's own tag is wrong: reported for that replica, SSE on or off.
        let mut h = table("H", |t| {
            t.table_kind = TableKind::Global;
            t.tags = regulated();
        });
        if let Kind::Table(t) = &mut h.kind {
            t.replicas = vec![replica("eu-west-1", "secret", 320)];
        }
        let found = run_default("DDB201", &scope(vec![g, h]));
        let spans: Vec<Span> = found.iter().map(|f| f.1).collect();
        assert_eq!(spans, vec![sp(300), sp(1), sp(320)], "{found:?}");
        assert!(
            found[2]
                .0
                .starts_with("replica eu-west-1 of table H is tagged with tier \"secret\"")
        );
    }

    #[test]
    fn replicas_need_their_own_key_and_branches_fail() {
        let replica = |region: &str, key: Option<Prop<Str>>| Replica {
            region: Prop::known(sp(100), Str::lit(region)),
            span: sp(101),
            pitr: None,
            pitr_recovery_days: None,
            deletion_protection: None,
            kms_key: key,
            contributor_insights: None,
            tags: Vec::new(),
        };
        let mut g = table("G", |t| {
            t.table_kind = TableKind::Global;
            t.tags = regulated();
            t.sse.enabled = known(10, true);
        });
        if let Kind::Table(t) = &mut g.kind {
            t.replicas = vec![
                replica("us-east-1", lit(110, "arn:aws:kms:us-east-1:1:key/a")),
                replica("eu-west-1", None),
            ];
        }
        let cond = table("Cond", |t| {
            t.tags = regulated();
            t.sse.enabled = known(200, true);
            t.sse.key = Some(Prop {
                span: sp(201),
                val: Val::OneOf(vec![
                    Branch {
                        span: sp(202),
                        value: Some(Val::Known(Str::lit("alias/orders"))),
                    },
                    Branch {
                        span: sp(203),
                        value: None,
                    },
                ]),
            });
        });
        let found = run_default("DDB201", &scope(vec![g, cond]));
        let spans: Vec<Span> = found.iter().map(|f| f.1).collect();
        assert_eq!(spans, vec![sp(101), sp(203)], "{found:?}");
        assert!(found[0].0.contains("replica eu-west-1 of table G"));
    }
}
