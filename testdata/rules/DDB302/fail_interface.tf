data "aws_region" "current" {}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = "vpc-0123456789abcdef0"
  service_name      = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
  vpc_endpoint_type = "Interface"
  subnet_ids        = ["subnet-0123456789abcdef0"]
}
