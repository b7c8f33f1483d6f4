resource "aws_dynamodb_table" "pass_20_gsis" {
  name         = "pass-20-gsis"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
  dynamic "global_secondary_index" {
    for_each = [for i in range(20) : "g${i}"]
    content {
      name            = global_secondary_index.value
      hash_key        = "pk"
      projection_type = "KEYS_ONLY"
    }
  }
}
