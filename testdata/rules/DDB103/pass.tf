variable "pass_protect" {
  type    = string
  default = "true"
}

resource "aws_dynamodb_table" "pass_true" {
  name                        = "pass-true"
  hash_key                    = "id"
  deletion_protection_enabled = true
  attribute {
    name = "id"
    type = "S"
  }
}

# A string "true" from a bool variable converts to true.
resource "aws_dynamodb_table" "pass_string_variable" {
  name                        = "pass-string-variable"
  hash_key                    = "id"
  deletion_protection_enabled = tobool(var.pass_protect)
  attribute {
    name = "id"
    type = "S"
  }
}
