resource "aws_kms_key" "fail_orders" {
  description = "orders table"
}

resource "aws_dynamodb_table" "fail_orders" {
  name         = "fail-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.fail_orders.arn
  }
}
