resource "aws_dynamodb_table" "pass_orders" {
  name         = "pass-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}

resource "aws_dynamodb_contributor_insights" "pass_orders" {
  table_name = aws_dynamodb_table.pass_orders.name
}

resource "aws_dynamodb_table" "pass_events" {
  name         = "pass-events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}

resource "aws_dynamodb_contributor_insights" "pass_events" {
  table_name = "pass-events"
}
