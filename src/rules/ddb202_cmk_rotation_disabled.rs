use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Failure, Kind, Part, Prop, Resource, Scope, Str, Val, check_prop};

declare_rule! {
    /// ## What it checks
    /// A customer managed KMS key defined in the same scope (`AWS::KMS::Key`,
    /// `aws_kms_key`) that encrypts a table or a replica of one, without automatic key
    /// rotation (`EnableKeyRotation: true`, `enable_key_rotation = true`). The table's key
    /// (`SSESpecification.KMSMasterKeyId`, a replica's key, `kms_key_arn`) is followed
    /// through `Ref`, `GetAtt` and Terraform references, and through KMS aliases
    /// (`AWS::KMS::Alias`, `aws_kms_alias`) named by reference or by their `alias/…` name.
    /// Keys outside the scope, and keys only known by ARN, are not checked.
    ///
    /// ## Why it matters
    /// A key that never rotates keeps one key material for all the data ever written to
    /// the table: a leaked or weakened key exposes everything, and most security baselines
    /// (CIS AWS Foundations, PCI DSS key management) require yearly rotation. Rotation is
    /// free of downtime: KMS keeps old material to decrypt and the table is not
    /// re-encrypted. The gap usually shows up in an audit report months after launch.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// TableKey:
    ///   Type: AWS::KMS::Key
    ///   Properties:
    ///     EnableKeyRotation: true
    /// ```
    /// CDK: `new kms.Key(this, 'TableKey', { enableKeyRotation: true })`.
    ///
    /// Terraform:
    /// ```hcl
    /// resource "aws_kms_key" "table" {
    ///   enable_key_rotation = true
    /// }
    /// ```
    ///
    /// ## References
    /// - [Rotating AWS KMS keys](https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html)
    /// - [AWS::KMS::Key EnableKeyRotation](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html#cfn-kms-key-enablekeyrotation)
    /// - [aws_kms_key enable_key_rotation](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key#enable_key_rotation)
    CmkRotationDisabled {
        id: "DDB202",
        name: "cmk-rotation-disabled",
        severity: Warning,
        summary: "a customer managed KMS key in scope that encrypts a table but does not rotate",
        tags: ["security", "encryption"],
    }
}

impl Check for CmkRotationDisabled {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        // Key resource id → the tables (and replicas) it encrypts, in scope order.
        let mut used: Vec<(&Resource, Vec<String>)> = Vec::new();
        for (res, table) in scope.tables() {
            if !may_be_enabled(table.sse.enabled.as_ref()) {
                continue;
            }
            for key in keys_of(scope, table.sse.key.as_ref()) {
                note(&mut used, key, format!("table {}", res.id));
            }
            for replica in &table.replicas {
                let region = replica
                    .region
                    .get()
                    .map_or_else(|| "?".into(), |r| r.render());
                for key in keys_of(scope, replica.kms_key.as_ref()) {
                    note(
                        &mut used,
                        key,
                        format!("replica {region} of table {}", res.id),
                    );
                }
            }
        }
        for (key, users) in used {
            let Kind::KmsKey(k) = &key.kind else {
                continue;
            };
            let Some(failure) = check_prop(k.rotation.as_ref(), |v| v != Some(&true)) else {
                continue;
            };
            let what = match failure {
                Failure::Missing => "automatic rotation is not enabled",
                Failure::At(_) => "automatic rotation is disabled",
            };
            ctx.report_failure(
                key,
                failure,
                format!("KMS key {} encrypts {}, but {what}", key.id, list(&users)),
                by_format(
                    scope.format,
                    "set EnableKeyRotation: true on the key",
                    "set enableKeyRotation: true on the kms.Key",
                    "set enable_key_rotation = true on the aws_kms_key",
                ),
            );
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Remember that `user` is encrypted with `key`.
fn note<'s>(used: &mut Vec<(&'s Resource, Vec<String>)>, key: &'s Resource, user: String) {
    let pos = match used.iter().position(|(k, _)| k.id == key.id) {
        Some(pos) => pos,
        None => {
            used.push((key, Vec::new()));
            used.len() - 1
        }
    };
    if let Some((_, users)) = used.get_mut(pos)
        && !users.contains(&user)
    {
        users.push(user);
    }
}

/// Whether SSE may be on: a known `true` on some branch, or a value that cannot be resolved.
fn may_be_enabled(prop: Option<&Prop<bool>>) -> bool {
    fn walk(val: &Val<bool>, depth: u32) -> bool {
        match val {
            Val::Known(b) => *b,
            Val::Unknown(_) => true,
            Val::OneOf(bs) => {
                depth < 32
                    && bs
                        .iter()
                        .any(|b| b.value.as_ref().is_some_and(|v| walk(v, depth + 1)))
            }
        }
    }
    prop.is_some_and(|p| walk(&p.val, 0))
}

/// The KMS key resources in scope a key property may name.
fn keys_of<'s>(scope: &'s Scope, prop: Option<&Prop<Str>>) -> Vec<&'s Resource> {
    let mut out: Vec<&Resource> = Vec::new();
    for (value, _) in prop.map(|p| p.known_values()).unwrap_or_default() {
        if let Some(key) = resolve_key(scope, value, 0)
            && !out.iter().any(|k| k.id == key.id)
        {
            out.push(key);
        }
    }
    out
}

/// Follow a key reference (a key, an alias by reference or by name) to a KMS key in scope.
fn resolve_key<'s>(scope: &'s Scope, key: &Str, depth: u32) -> Option<&'s Resource> {
    if depth > 4 {
        return None;
    }
    for part in &key.0 {
        if let Part::Ref { target, .. } = part {
            let res = scope.resource(target)?;
            return match &res.kind {
                Kind::KmsKey(_) => Some(res),
                Kind::KmsAlias(alias) => {
                    let target = alias.target_key.as_ref()?.get()?;
                    resolve_key(scope, target, depth + 1)
                }
                _ => None,
            };
        }
    }
    let text = key.as_lit()?.trim();
    let alias_name = match text.find("alias/") {
        Some(i) if i == 0 || (text.starts_with("arn:") && text[..i].ends_with(':')) => &text[i..],
        _ => return None,
    };
    let at = *scope.index().kms_alias_by_name.get(alias_name)?;
    let Kind::KmsAlias(alias) = &scope.resources[at].kind else {
        return None;
    };
    resolve_key(scope, alias.target_key.as_ref()?.get()?, depth + 1)
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use crate::model::{Kind, KmsAlias, KmsKey, Resource};

    fn key(id: &str, rotation: Option<bool>) -> Resource {
        resource(
            id,
            "AWS::KMS::Key",
            Kind::KmsKey(KmsKey {
                rotation: rotation.and_then(|r| known(50, r)),
            }),
        )
    }

    fn alias(id: &str, name: &str, target: &str) -> Resource {
        resource(
            id,
            "AWS::KMS::Alias",
            Kind::KmsAlias(KmsAlias {
                name: lit(60, name),
                target_key: reference(61, target, None),
            }),
        )
    }

    #[test]
    fn keys_used_by_tables_must_rotate() {
        let s = scope(vec![
            key("NoRotation", None),
            key("Rotating", Some(true)),
            key("Unused", None),
            key("ViaAlias", Some(false)),
            key("ViaName", None),
            alias("Alias", "alias/orders", "ViaAlias"),
            alias("NamedAlias", "alias/named", "ViaName"),
            table("A", |t| {
                t.sse.enabled = known(10, true);
                t.sse.key = reference(11, "NoRotation", Some("Arn"));
            }),
            table("B", |t| {
                t.sse.enabled = known(20, true);
                t.sse.key = reference(21, "NoRotation", None);
            }),
            table("C", |t| {
                t.sse.enabled = known(30, true);
                t.sse.key = reference(31, "Rotating", None);
            }),
            table("D", |t| {
                t.sse.enabled = known(40, true);
                t.sse.key = reference(41, "Alias", None);
            }),
            table("E", |t| {
                t.sse.enabled = known(45, true);
                t.sse.key = lit(46, "arn:aws:kms:us-east-1:111122223333:alias/named");
            }),
            table("Off", |t| {
                t.sse.enabled = known(48, false);
                t.sse.key = reference(49, "Unused", None);
            }),
        ]);
        let found = run_default("DDB202", &s);
        let messages: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "KMS key NoRotation encrypts table A and table B, but automatic rotation is not enabled",
                "KMS key ViaAlias encrypts table D, but automatic rotation is disabled",
                "KMS key ViaName encrypts table E, but automatic rotation is not enabled",
            ],
        );
        assert_eq!(found[0].1, sp(1));
        assert_eq!(found[1].1, sp(50));
    }
}
