variable "n" {
  type = number
}

resource "aws_dynamodb_table" "maybe" {
  count    = var.n
  name     = "maybe-${count.index}"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
