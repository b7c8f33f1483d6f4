resource "aws_dynamodb_table" "orders" {
  name     = "commandes-é"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = false
  }
}
