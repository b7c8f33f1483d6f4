resource "aws_dynamodb_table" "orders" {
  name                        = "tf-orders"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "customerId"
  range_key                   = "orderId"
  deletion_protection_enabled = true

  attribute {
    name = "customerId"
    type = "S"
  }
  attribute {
    name = "orderId"
    type = "S"
  }

  lifecycle {
    prevent_destroy = true
  }
}
