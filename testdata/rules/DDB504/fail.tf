resource "aws_dynamodb_table" "fail_21_gsis" {
  name         = "fail-21-gsis"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
  dynamic "global_secondary_index" {
    for_each = [for i in range(21) : "g${i}"]
    content {
      name            = global_secondary_index.value
      hash_key        = "pk"
      projection_type = "KEYS_ONLY"
    }
  }
}
