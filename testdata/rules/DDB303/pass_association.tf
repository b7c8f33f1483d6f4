# Route tables attached through association resources.
data "aws_region" "current" {}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id       = "vpc-0123456789abcdef0"
  service_name = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
}

resource "aws_vpc_endpoint_route_table_association" "private" {
  vpc_endpoint_id = aws_vpc_endpoint.dynamodb.id
  route_table_id  = "rtb-0123456789abcdef0"
}
