resource "aws_dynamodb_table" "fine" {
  name     = "fine"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
