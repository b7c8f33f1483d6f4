resource "aws_kms_key" "pass_table" {
  description         = "payments table"
  enable_key_rotation = true
}

resource "aws_kms_alias" "pass_table" {
  name          = "alias/pass-payments"
  target_key_id = aws_kms_key.pass_table.key_id
}

resource "aws_dynamodb_table" "pass_payments" {
  name         = "pass-payments"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.pass_table.arn
  }

  tags = {
    compliance-tier = "regulated"
  }
}

resource "aws_dynamodb_table" "pass_ledger" {
  name         = "pass-ledger"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_alias.pass_table.arn
  }

  tags = {
    compliance-tier = "regulated"
  }
}

resource "aws_dynamodb_table" "pass_sessions" {
  name         = "pass-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}
