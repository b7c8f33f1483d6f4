locals {
  names = toset([for i in range(100000) : "t${i}"])
}

resource "aws_dynamodb_table" "many" {
  for_each = local.names
  name     = each.key
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
