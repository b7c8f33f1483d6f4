module "b" {
  source = "../b"
}

resource "aws_dynamodb_table" "a" {
  name     = "a"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
