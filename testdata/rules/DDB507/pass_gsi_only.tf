resource "aws_dynamodb_table" "pass_orders" {
  name         = "pass-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "created"
    type = "S"
  }

  global_secondary_index {
    name            = "pass-by-created"
    hash_key        = "created"
    projection_type = "KEYS_ONLY"
  }
}
