# A local secondary index on a table that has no sort key.
resource "aws_dynamodb_table" "fail_no_table_range" {
  name     = "fail-no-table-range"
  hash_key = "pk"
  attribute {
    name = "pk"
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
