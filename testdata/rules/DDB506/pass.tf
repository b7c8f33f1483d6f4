variable "pass_gsis" {
  default = [
    { name = "by-email", hash_key = "email" },
  ]
}

resource "aws_dynamodb_table" "pass_match" {
  name         = "pass-match"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "email"
    type = "S"
  }
  dynamic "global_secondary_index" {
    for_each = var.pass_gsis
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      projection_type = "ALL"
    }
  }
}
