resource "aws_dynamodb_table" "fail_payments" {
  name         = "fail-payments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  server_side_encryption {
    enabled = true
  }

  tags = {
    compliance-tier = "regulated"
  }
}

resource "aws_dynamodb_table" "fail_cards" {
  name         = "fail-cards"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  tags = {
    "compliance-tier" = "confidential"
  }
}
