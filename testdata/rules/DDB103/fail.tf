resource "aws_dynamodb_table" "fail_unset" {
  name     = "fail-unset"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "fail_false" {
  name                        = "fail-false"
  hash_key                    = "id"
  deletion_protection_enabled = false
  attribute {
    name = "id"
    type = "S"
  }
}

locals {
  fail_protect = { prod = true, dev = false }
}

resource "aws_dynamodb_table" "fail_for_each" {
  for_each                    = local.fail_protect
  name                        = "fail-${each.key}"
  hash_key                    = "id"
  deletion_protection_enabled = each.value
  attribute {
    name = "id"
    type = "S"
  }
}
