variable "table_name" {
  type = string
}

resource "aws_dynamodb_table" "orders" {
  name             = "orders"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "pk"
  stream_enabled   = true
  stream_view_type = "NEW_IMAGE"

  attribute {
    name = "pk"
    type = "S"
  }
}

data "aws_iam_policy_document" "app" {
  statement {
    actions = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:GetRecords"]
    resources = [
      aws_dynamodb_table.orders.arn,
      "${aws_dynamodb_table.orders.arn}/index/*",
      aws_dynamodb_table.orders.stream_arn,
      "arn:aws:dynamodb:*:*:table/${var.table_name}",
    ]
  }

  statement {
    actions   = ["dynamodb:ListTables"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "app" {
  name   = "app"
  policy = data.aws_iam_policy_document.app.json
}
