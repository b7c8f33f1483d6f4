resource "aws_kms_key" "pass_orders" {
  description         = "orders table"
  enable_key_rotation = true
}

resource "aws_kms_key" "pass_unused" {
  description = "not used by a table"
}

resource "aws_dynamodb_table" "pass_orders" {
  name         = "pass-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.pass_orders.arn
  }
}
