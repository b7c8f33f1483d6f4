locals {
  fail_lsis = ["a", "b", "c", "d", "e", "f"]
}

resource "aws_dynamodb_table" "fail_six_lsis" {
  name      = "fail-six-lsis"
  hash_key  = "pk"
  range_key = "sk"
  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  dynamic "attribute" {
    for_each = local.fail_lsis
    content {
      name = "lsi_${attribute.value}"
      type = "S"
    }
  }
  dynamic "local_secondary_index" {
    for_each = local.fail_lsis
    content {
      name            = "lsi-${local_secondary_index.value}"
      range_key       = "lsi_${local_secondary_index.value}"
      projection_type = "KEYS_ONLY"
    }
  }
}
