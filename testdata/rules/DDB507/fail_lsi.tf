resource "aws_dynamodb_table" "fail_orders" {
  name         = "fail-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "created"
    type = "S"
  }

  local_secondary_index {
    name            = "fail-by-created"
    range_key       = "created"
    projection_type = "KEYS_ONLY"
  }
}
