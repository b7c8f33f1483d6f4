resource "aws_dynamodb_table" "fail_no_lifecycle" {
  name     = "fail-no-lifecycle"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "fail_prevent_false" {
  name     = "fail-prevent-false"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  lifecycle {
    prevent_destroy = false
    ignore_changes  = [read_capacity]
  }
}
