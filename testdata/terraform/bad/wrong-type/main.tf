variable "pitr" {
  type    = bool
  default = "sometimes"
}

resource "aws_dynamodb_table" "typed" {
  name     = "typed"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = var.pitr
  }
}
