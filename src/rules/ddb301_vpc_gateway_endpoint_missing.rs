use super::matching::{Match, endpoint_is_dynamodb, endpoint_is_gateway, endpoint_vpcs};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Kind, Scope};
use std::collections::HashSet;

declare_rule! {
    /// ## What it checks
    /// A scope (a CloudFormation template, a CDK assembly, a Terraform root module) that
    /// defines a VPC (`AWS::EC2::VPC`, `aws_vpc`) and uses DynamoDB — it defines a table,
    /// a DAX cluster, or an IAM policy that grants `dynamodb:` actions — but has no VPC
    /// endpoint for DynamoDB of type `Gateway` in that VPC. The finding is on the VPC.
    ///
    /// An endpoint is for DynamoDB when its service name is `com.amazonaws.<region>.dynamodb`
    /// in any form: a literal, `!Sub 'com.amazonaws.${AWS::Region}.dynamodb'`, a `!Join`
    /// with the region, or Terraform `"com.amazonaws.${data.aws_region.current.name}.dynamodb"`.
    /// An endpoint without `VpcEndpointType` / `vpc_endpoint_type` is a Gateway endpoint.
    /// An endpoint is in the VPC when its `VpcId` / `vpc_id` refers to it (`!Ref Vpc`,
    /// `!GetAtt Vpc.VpcId`, `aws_vpc.main.id`). When an endpoint that may serve DynamoDB
    /// names its VPC in a way that cannot be followed (a literal `vpc-…` id, a parameter,
    /// an import, a data source), or its service name or type is known only at deploy time,
    /// the rule does not fire: it may well be the missing endpoint.
    ///
    /// ## Why it matters
    /// Without a gateway endpoint, every request from a private subnet to DynamoDB leaves
    /// through a NAT gateway: it is billed per GB processed (a busy table easily costs more
    /// in NAT charges than in DynamoDB), it travels to the public DynamoDB endpoint, and it
    /// fails with the NAT gateway (an AZ outage, a saturated NAT, exhausted ports at high
    /// request rates give timeouts that look like DynamoDB errors). Subnets without NAT
    /// cannot reach DynamoDB at all. A gateway endpoint is free, keeps the traffic on the
    /// AWS network, and lets endpoint policies and `aws:sourceVpce` conditions restrict
    /// which tables the VPC can reach.
    ///
    /// ## How to fix
    /// CloudFormation:
    /// ```yaml
    /// DynamoDbEndpoint:
    ///   Type: AWS::EC2::VPCEndpoint
    ///   Properties:
    ///     VpcId: !Ref Vpc
    ///     ServiceName: !Sub com.amazonaws.${AWS::Region}.dynamodb
    ///     VpcEndpointType: Gateway
    ///     RouteTableIds: [!Ref PrivateRouteTableA, !Ref PrivateRouteTableB]
    /// ```
    /// CDK: `vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB })`,
    /// or `gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } }`
    /// on the `Vpc`.
    ///
    /// Terraform:
    /// ```hcl
    /// resource "aws_vpc_endpoint" "dynamodb" {
    ///   vpc_id            = aws_vpc.main.id
    ///   service_name      = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
    ///   vpc_endpoint_type = "Gateway"
    ///   route_table_ids   = aws_route_table.private[*].id
    /// }
    /// ```
    ///
    /// ## References
    /// - [Gateway endpoints for Amazon DynamoDB](https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-ddb.html)
    /// - [AWS::EC2::VPCEndpoint](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html)
    /// - [aws_vpc_endpoint](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_endpoint)
    /// - [NAT gateway pricing](https://aws.amazon.com/vpc/pricing/)
    VpcGatewayEndpointMissing {
        id: "DDB301",
        name: "vpc-gateway-endpoint-missing",
        severity: Warning,
        summary: "a scope that defines a VPC and uses DynamoDB but has no DynamoDB gateway endpoint for that VPC",
        tags: ["network", "cost", "reliability"],
    }
}

/// What makes the scope a DynamoDB user, for the message.
fn dynamodb_use(scope: &Scope) -> Option<String> {
    for r in &scope.resources {
        match &r.kind {
            Kind::Table(_) => return Some(format!("table {}", r.id)),
            Kind::Dax(_) => return Some(format!("DAX cluster {}", r.id)),
            _ => {}
        }
    }
    scope.resources.iter().find_map(|r| match &r.kind {
        Kind::Policy(p) => p
            .statements
            .iter()
            .filter(|s| s.is_allow())
            .flat_map(|s| &s.actions)
            .flat_map(|a| a.known_values())
            .any(|(a, _)| {
                a.as_lit().is_some_and(|a| {
                    a.get(..9)
                        .is_some_and(|p| p.eq_ignore_ascii_case("dynamodb:"))
                })
            })
            .then(|| format!("policy {} grants dynamodb: actions", r.id)),
        _ => None,
    })
}

impl Check for VpcGatewayEndpointMissing {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        if !scope.resources.iter().any(|r| matches!(r.kind, Kind::Vpc)) {
            return;
        }
        let Some(usage) = dynamodb_use(scope) else {
            return;
        };
        let mut covered = HashSet::new();
        for r in &scope.resources {
            let Kind::VpcEndpoint(ep) = &r.kind else {
                continue;
            };
            if !endpoint_is_dynamodb(ep).possible() || endpoint_is_gateway(ep) == Match::No {
                continue;
            }
            match endpoint_vpcs(scope, ep) {
                Some(vpcs) => covered.extend(vpcs),
                // An endpoint that may serve DynamoDB in a VPC we cannot name: stay quiet.
                None => return,
            }
        }
        for vpc in &scope.resources {
            if !matches!(vpc.kind, Kind::Vpc) || covered.contains(vpc.id.as_str()) {
                continue;
            }
            ctx.report(
                vpc,
                vpc.span,
                format!(
                    "VPC {} has no gateway endpoint for DynamoDB, but this {} uses DynamoDB ({usage}): traffic from its subnets to DynamoDB goes through a NAT gateway or the internet",
                    vpc.id,
                    by_format(scope.format, "template", "assembly", "module"),
                ),
                by_format(
                    scope.format,
                    "add an AWS::EC2::VPCEndpoint with VpcId: !Ref <this VPC>, ServiceName: !Sub com.amazonaws.${AWS::Region}.dynamodb and the private route tables in RouteTableIds",
                    "call vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB })",
                    "add an aws_vpc_endpoint with vpc_id set to this VPC, service_name \"com.amazonaws.${data.aws_region.current.name}.dynamodb\" and the private route_table_ids",
                ),
            );
        }
    }
}
