resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}

data "aws_iam_policy_document" "app" {
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:RestoreTableToPointInTime"]
    resources = [aws_dynamodb_table.orders.arn]
  }

  statement {
    effect    = "Deny"
    actions   = ["dynamodb:DeleteTable", "dynamodb:UpdateContinuousBackups"]
    resources = [aws_dynamodb_table.orders.arn]
  }
}

resource "aws_iam_policy" "app" {
  name   = "app"
  policy = data.aws_iam_policy_document.app.json
}
