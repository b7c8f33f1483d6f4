resource "aws_dynamodb_table" "fail_orders" {
  name         = "fail-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}

# Contributor Insights on an index only does not cover the table.
resource "aws_dynamodb_contributor_insights" "fail_orders_by_customer" {
  table_name = aws_dynamodb_table.fail_orders.name
  index_name = "by-customer"
}
