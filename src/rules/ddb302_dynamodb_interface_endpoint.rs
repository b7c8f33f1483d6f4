use super::matching::{Match, endpoint_interface_span, endpoint_is_dynamodb};
use super::{Check, Ctx, by_format};
use crate::declare_rule;
use crate::model::{Kind, Scope};

declare_rule! {
    /// ## What it checks
    /// A VPC endpoint for DynamoDB (`com.amazonaws.<region>.dynamodb` in any form: literal,
    /// `!Sub` with `${AWS::Region}`, a Terraform template with the region) whose type is
    /// `Interface` (`VpcEndpointType: Interface`, `vpc_endpoint_type = "Interface"`), in any
    /// branch of a condition. The finding is on the type value. Endpoints whose service
    /// name or type is known only at deploy time are not reported.
    ///
    /// ## Why it matters
    /// DynamoDB has two kinds of endpoint. The Gateway endpoint is free and serves every
    /// client inside the VPC through its route tables. The Interface endpoint (PrivateLink)
    /// is billed per hour in every Availability Zone and per GB processed, and needs its own
    /// security groups and DNS handling; it is worth it only for clients outside the VPC
    /// (on premises over Direct Connect or VPN, another region, a peered VPC). An Interface
    /// endpoint made where a Gateway endpoint would serve is a standing cost, and unless
    /// private DNS is set up for it, SDK clients keep resolving the public DynamoDB name and
    /// the traffic does not even use it.
    ///
    /// ## How to fix
    /// If the clients are in the VPC, use a Gateway endpoint instead.
    ///
    /// CloudFormation: `VpcEndpointType: Gateway` with `RouteTableIds` (and no `SubnetIds`
    /// or `SecurityGroupIds`).
    ///
    /// CDK: `vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB })`
    /// instead of `vpc.addInterfaceEndpoint(…, { service: ec2.InterfaceVpcEndpointAwsService.DYNAMODB })`.
    ///
    /// Terraform: `vpc_endpoint_type = "Gateway"` with `route_table_ids`.
    ///
    /// If the Interface endpoint serves on-premises or cross-region clients on purpose,
    /// suppress the finding with that reason.
    ///
    /// ## References
    /// - [AWS PrivateLink for DynamoDB](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/privatelink-interface-endpoints.html)
    /// - [Gateway endpoints for Amazon DynamoDB](https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-ddb.html)
    /// - [AWS PrivateLink pricing](https://aws.amazon.com/privatelink/pricing/)
    DynamodbInterfaceEndpoint {
        id: "DDB302",
        name: "dynamodb-interface-endpoint",
        severity: Note,
        summary: "an Interface endpoint for DynamoDB where a free Gateway endpoint would serve",
        tags: ["network", "cost"],
    }
}

impl Check for DynamodbInterfaceEndpoint {
    fn run(&self, scope: &Scope, ctx: &mut Ctx) {
        for r in &scope.resources {
            let Kind::VpcEndpoint(ep) = &r.kind else {
                continue;
            };
            if endpoint_is_dynamodb(ep) != Match::Yes {
                continue;
            }
            let Some(span) = endpoint_interface_span(ep) else {
                continue;
            };
            ctx.report(
                r,
                span,
                format!(
                    "VPC endpoint {} reaches DynamoDB as an Interface endpoint, billed per hour and per GB, where a Gateway endpoint is free",
                    r.id
                ),
                by_format(
                    scope.format,
                    "use VpcEndpointType: Gateway with RouteTableIds, unless the endpoint serves clients outside the VPC",
                    "use vpc.addGatewayEndpoint with GatewayVpcEndpointAwsService.DYNAMODB, unless the endpoint serves clients outside the VPC",
                    "set vpc_endpoint_type = \"Gateway\" with route_table_ids, unless the endpoint serves clients outside the VPC",
                ),
            );
        }
    }
}
