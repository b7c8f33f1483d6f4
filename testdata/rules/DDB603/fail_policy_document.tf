resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}

data "aws_iam_policy_document" "cleanup" {
  statement {
    actions   = ["dynamodb:Query", "dynamodb:DeleteTable"]
    resources = [aws_dynamodb_table.orders.arn]
  }
}

resource "aws_iam_policy" "cleanup" {
  name   = "cleanup"
  policy = data.aws_iam_policy_document.cleanup.json
}
