use super::matching::{Match, endpoint_is_dynamodb, endpoint_is_gateway, match_prop};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Kind, Part, Scope, Str};

declare_rule! {
    /// ## What it checks
    /// A Gateway VPC endpoint for DynamoDB (type `Gateway`, or no type: the default) that is
    /// attached to no route table: no `RouteTableIds` (Terraform `route_table_ids`), or an
    /// empty list, and no association resource (Terraform
    /// `aws_vpc_endpoint_route_table_association`) that refers to the endpoint. The
    /// finding is on the empty list, or on the endpoint when the property is missing.
    /// A list or an association whose value is known only at deploy time (a parameter, a
    /// module output) counts as attached.
    ///
    /// ## Why it matters
    /// A Gateway endpoint works only through the routes it adds to route tables. Attached to
    /// none, it exists, shows up in the console and in reviews, and carries no traffic:
    /// requests to DynamoDB still go through the NAT gateway (and its per-GB bill) or fail
    /// from subnets without internet access, and an endpoint policy or an
    /// `aws:sourceVpce` condition on the table never applies. The mistake usually comes from
    /// adding private route tables later, or from a refactor that moved them.
    ///
    /// ## How to fix
    /// CloudFormation: list the route tables of every subnet that talks to DynamoDB in
    /// `RouteTableIds: [!Ref PrivateRouteTableA, !Ref PrivateRouteTableB]`.
    ///
    /// CDK: `vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }] })`
    /// (without `subnets`, every subnet's route table is attached).
    ///
    /// Terraform: `route_table_ids = aws_route_table.private[*].id` on the endpoint, or one
    /// `aws_vpc_endpoint_route_table_association` per route table with
    /// `vpc_endpoint_id = aws_vpc_endpoint.dynamodb.id`.
    ///
    /// ## References
    /// - [Gateway endpoints: routing](https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html)
    /// - [AWS::EC2::VPCEndpoint RouteTableIds](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html#cfn-ec2-vpcendpoint-routetableids)
    /// - [aws_vpc_endpoint_route_table_association](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_endpoint_route_table_association)
    GatewayEndpointWithoutRouteTables {
        id: "DDB303",
        name: "gateway-endpoint-without-route-tables",
        severity: Error,
        summary: "a DynamoDB Gateway endpoint attached to no route table",
        tags: ["network", "reliability"],
    }
}

/// Whether an association's endpoint value may be the endpoint `id`: a reference to it is
/// `Yes`; a literal, or a reference to another resource the model reads, is `No`; a value
/// with deploy-time parts, or a reference to an opaque resource, is `Maybe`.
fn names_endpoint(scope: &Scope, s: &Str, id: &str) -> Match {
    if s.refers_to(id) {
        return Match::Yes;
    }
    let opaque = s.0.iter().any(|p| match p {
        Part::Lit(_) => false,
        Part::Unknown(_) => true,
        Part::Ref { target, .. } => scope
            .resource(target)
            .is_none_or(|r| matches!(r.kind, Kind::Other)),
    });
    if opaque { Match::Maybe } else { Match::No }
}

impl Check for GatewayEndpointWithoutRouteTables {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for r in scope.at(&scope.index().endpoints) {
            let Kind::VpcEndpoint(ep) = &r.kind else {
                continue;
            };
            if endpoint_is_dynamodb(ep) != Match::Yes || endpoint_is_gateway(ep) != Match::Yes {
                continue;
            }
            if !ep.route_tables.is_empty() {
                continue;
            }
            let candidates = scope.index().endpoint_associations.candidates(&r.id, None);
            let associated = scope.at(&candidates).any(|a| match &a.kind {
                Kind::EndpointRouteTable(assoc) => assoc.endpoint.as_ref().is_some_and(|p| {
                    match_prop(p, &|s: &Str| names_endpoint(scope, s, &r.id)).possible()
                }),
                _ => false,
            });
            if associated {
                continue;
            }
            ctx.report(
                r,
                ep.route_tables_span.unwrap_or(r.span),
                format!(
                    "gateway endpoint {} for DynamoDB is attached to no route table: no traffic uses it",
                    r.id
                ),
                by_format(
                    scope.format,
                    "list the private subnets' route tables in RouteTableIds",
                    "attach the endpoint to the private subnets (subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }])",
                    "set route_table_ids, or add an aws_vpc_endpoint_route_table_association per route table",
                ),
            );
        }
    }
}
