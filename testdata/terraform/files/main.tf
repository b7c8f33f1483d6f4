resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

# A policy kept in a JSON file beside the configuration.
resource "aws_iam_policy" "admin" {
  name   = "orders-admin"
  policy = file("${path.module}/policies/admin.json")
}

# A policy template filled in with the table's ARN: findings point into the template.
resource "aws_iam_role_policy" "reader" {
  role   = "reader"
  policy = templatefile("${path.module}/templates/reader.json.tpl", { table_arn = aws_dynamodb_table.orders.arn })
}

# A template whose text is made by a for directive: findings point at the call.
resource "aws_iam_role_policy" "app" {
  role   = "app"
  policy = templatefile("${path.module}/templates/app.json.tpl", {
    table_arn    = aws_dynamodb_table.orders.arn
    actions      = ["dynamodb:GetItem", "dynamodb:*"]
    read_actions = ["dynamodb:GetItem", "dynamodb:Query"]
  })
}

# A template that does not parse.
resource "aws_iam_role_policy" "broken" {
  role   = "app"
  policy = templatefile("${path.module}/templates/broken.json.tpl", {})
}
