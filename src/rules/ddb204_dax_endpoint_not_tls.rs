use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Failure, Kind, Scope, check_prop};

declare_rule! {
    /// ## What it checks
    /// A DAX cluster (`AWS::DAX::Cluster`, `aws_dax_cluster`) whose endpoint does not
    /// require TLS: `ClusterEndpointEncryptionType` / `cluster_endpoint_encryption_type`
    /// not `TLS` (unset means `NONE`). A conditional value fails when any branch fails; a
    /// value that cannot be resolved never fails.
    ///
    /// ## Why it matters
    /// Without TLS, every request and every cached item crosses the VPC in clear text:
    /// anyone who can capture traffic in the subnets (a compromised instance, a
    /// misconfigured traffic mirror) reads the data, and compliance scans flag the cluster.
    /// The setting can only be chosen when the cluster is created, so fixing it later means
    /// a new cluster and a client change (TLS clients use the `daxs://` endpoint).
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// ClusterEndpointEncryptionType: TLS
    /// ```
    /// CDK (`CfnCluster`): `clusterEndpointEncryptionType: 'TLS'`.
    ///
    /// Terraform:
    /// ```hcl
    /// cluster_endpoint_encryption_type = "TLS"
    /// ```
    ///
    /// ## References
    /// - [DAX encryption in transit](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAXEncryptionInTransit.html)
    /// - [AWS::DAX::Cluster ClusterEndpointEncryptionType](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dax-cluster.html#cfn-dax-cluster-clusterendpointencryptiontype)
    /// - [aws_dax_cluster cluster_endpoint_encryption_type](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dax_cluster#cluster_endpoint_encryption_type)
    DaxEndpointNotTls {
        id: "DDB204",
        name: "dax-endpoint-not-tls",
        severity: Error,
        summary: "a DAX cluster whose endpoint encryption is not TLS",
        tags: ["security", "encryption"],
    }
}

impl Check for DaxEndpointNotTls {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        let not_tls = |v: Option<&String>| !v.is_some_and(|s| s.eq_ignore_ascii_case("TLS"));
        for res in &scope.resources {
            let Kind::Dax(dax) = &res.kind else {
                continue;
            };
            if let Some(failure) = check_prop(dax.endpoint_encryption.as_ref(), not_tls) {
                let how = match failure {
                    Failure::Missing => "does not set endpoint encryption (the default is NONE)",
                    Failure::At(_) => "does not use TLS for its endpoint",
                };
                ctx.report_failure(
                    res,
                    failure,
                    format!("DAX cluster {} {how}", res.id),
                    by_format(
                        scope.format,
                        "set ClusterEndpointEncryptionType: TLS (this replaces the cluster)",
                        "set clusterEndpointEncryptionType: 'TLS' (this replaces the cluster)",
                        "set cluster_endpoint_encryption_type = \"TLS\" (this replaces the cluster)",
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
    fn dax_endpoint_must_be_tls() {
        let dax = |id: &str, enc: Option<Prop<String>>| {
            resource(
                id,
                "AWS::DAX::Cluster",
                Kind::Dax(Dax {
                    sse_enabled: None,
                    endpoint_encryption: enc,
                    replication_factor: None,
                }),
            )
        };
        let s = scope(vec![
            dax("Unset", None),
            dax("None", known(10, "NONE".to_string())),
            dax("Tls", known(20, "TLS".to_string())),
            dax("Unknown", Some(Prop::unknown(sp(30), "parameter"))),
        ]);
        let found = run_default("DDB204", &s);
        let spans: Vec<_> = found.iter().map(|f| f.1).collect();
        assert_eq!(spans, vec![sp(1), sp(10)], "{found:?}");
        assert!(found[0].0.contains("the default is NONE"));
    }
}
