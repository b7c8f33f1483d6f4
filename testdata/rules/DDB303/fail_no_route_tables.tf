# The association attaches a route table to another endpoint (S3), not to DynamoDB's.
data "aws_region" "current" {}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id       = "vpc-0123456789abcdef0"
  service_name = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id       = "vpc-0123456789abcdef0"
  service_name = "com.amazonaws.${data.aws_region.current.name}.s3"
}

resource "aws_vpc_endpoint_route_table_association" "s3_private" {
  vpc_endpoint_id = aws_vpc_endpoint.s3.id
  route_table_id  = "rtb-0123456789abcdef0"
}
