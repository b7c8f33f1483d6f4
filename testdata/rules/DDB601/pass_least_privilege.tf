variable "extra_action" {
  type = string
}

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
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Get*"]
    resources = [aws_dynamodb_table.orders.arn, "${aws_dynamodb_table.orders.arn}/index/*"]
  }

  # Deny statements never fire.
  statement {
    effect    = "Deny"
    actions   = ["dynamodb:*"]
    resources = ["*"]
  }

  # Unknown values never fire.
  statement {
    actions   = [var.extra_action]
    resources = [aws_dynamodb_table.orders.arn]
  }

  # Every action, but on a bucket only.
  statement {
    actions   = ["*"]
    resources = ["arn:aws:s3:::exports/*"]
  }
}

resource "aws_iam_policy" "app" {
  name   = "app"
  policy = data.aws_iam_policy_document.app.json
}
