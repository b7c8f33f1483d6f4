variable "private_route_table_ids" {
  type = list(string)
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id          = "vpc-0123456789abcdef0"
  service_name    = "com.amazonaws.us-east-1.dynamodb"
  route_table_ids = ["rtb-0123456789abcdef0"]
}

resource "aws_vpc_endpoint" "from_variable" {
  vpc_id          = "vpc-0123456789abcdef0"
  service_name    = "com.amazonaws.us-east-1.dynamodb"
  route_table_ids = var.private_route_table_ids
}
