resource "aws_dynamodb_table" "audit" {
  name         = "audit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}

resource "aws_iam_policy" "all_but_audit" {
  name = "all-but-audit"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect      = "Allow"
      Action      = "dynamodb:PutItem"
      NotResource = aws_dynamodb_table.audit.arn
    }]
  })
}
