resource "aws_dynamodb_table" "pass_prevent" {
  name     = "pass-prevent"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  lifecycle {
    prevent_destroy = true
  }
}
