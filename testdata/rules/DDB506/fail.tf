# The GSI key is not defined, and "extra" is defined but no key uses it.
resource "aws_dynamodb_table" "fail_mismatch" {
  name         = "fail-mismatch"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "extra"
    type = "S"
  }
  global_secondary_index {
    name            = "by-email"
    hash_key        = "email"
    projection_type = "ALL"
  }
}
