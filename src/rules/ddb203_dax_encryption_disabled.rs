use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Kind, Scope, check_prop};

declare_rule! {
    /// ## What it checks
    /// A DAX cluster (`AWS::DAX::Cluster`, `aws_dax_cluster`) without encryption at rest:
    /// `SSESpecification.SSEEnabled` not `true` (unset means off), Terraform
    /// `server_side_encryption { enabled = true }` missing. A conditional value fails when
    /// any branch fails; a value that cannot be resolved never fails.
    ///
    /// ## Why it matters
    /// DAX caches table items in memory and on the nodes' disks. A table encrypted with a
    /// customer managed key behind an unencrypted cache leaves the same data readable at
    /// rest, which undoes the table's encryption for every item the cache holds. Encryption
    /// at rest can only be chosen when the cluster is created: turning it on later means a
    /// new cluster and a cutover of every client.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// SSESpecification:
    ///   SSEEnabled: true
    /// ```
    /// CDK (`CfnCluster`): `sseSpecification: { sseEnabled: true }`.
    ///
    /// Terraform:
    /// ```hcl
    /// server_side_encryption {
    ///   enabled = true
    /// }
    /// ```
    ///
    /// ## References
    /// - [DAX encryption at rest](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAXEncryptionAtRest.html)
    /// - [AWS::DAX::Cluster SSESpecification](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dax-cluster-ssespecification.html)
    /// - [aws_dax_cluster server_side_encryption](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dax_cluster#server_side_encryption)
    DaxEncryptionDisabled {
        id: "DDB203",
        name: "dax-encryption-disabled",
        severity: Error,
        summary: "a DAX cluster without encryption at rest",
        tags: ["security", "encryption"],
    }
}

impl Check for DaxEncryptionDisabled {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for res in &scope.resources {
            let Kind::Dax(dax) = &res.kind else {
                continue;
            };
            if let Some(failure) = check_prop(dax.sse_enabled.as_ref(), |v| v != Some(&true)) {
                ctx.report_failure(
                    res,
                    failure,
                    format!("DAX cluster {} is not encrypted at rest", res.id),
                    by_format(
                        scope.format,
                        "set SSESpecification.SSEEnabled: true (this replaces the cluster)",
                        "set sseSpecification: { sseEnabled: true } (this replaces the cluster)",
                        "add server_side_encryption { enabled = true } (this replaces the cluster)",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope_builder::*;
    use crate::model::{Dax, Kind, Prop};

    #[test]
    fn dax_without_sse_fails() {
        let dax = |id: &str, sse: Option<Prop<bool>>| {
            resource(
                id,
                "AWS::DAX::Cluster",
                Kind::Dax(Dax {
                    sse_enabled: sse,
                    endpoint_encryption: None,
                    replication_factor: None,
                }),
            )
        };
        let s = scope(vec![
            dax("Unset", None),
            dax("Off", known(10, false)),
            dax("On", known(20, true)),
            dax("Unknown", Some(Prop::unknown(sp(30), "parameter"))),
        ]);
        let found = run_default("DDB203", &s);
        let spans: Vec<_> = found.iter().map(|f| f.1).collect();
        assert_eq!(spans, vec![sp(1), sp(10)], "{found:?}");
        assert_eq!(found[0].0, "DAX cluster Unset is not encrypted at rest");
    }
}
