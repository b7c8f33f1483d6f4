resource "aws_dynamodb_table" "pass_lsi" {
  name      = "pass-lsi"
  hash_key  = "pk"
  range_key = "sk"
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
    type = "N"
  }
  local_secondary_index {
    name            = "by-created"
    range_key       = "created"
    projection_type = "ALL"
  }
}
