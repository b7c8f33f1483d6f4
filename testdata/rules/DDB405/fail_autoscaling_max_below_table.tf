resource "aws_dynamodb_table" "orders" {
  name           = "orders"
  read_capacity  = 10
  write_capacity = 10
  hash_key       = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "customer"
    type = "S"
  }

  global_secondary_index {
    name            = "ByCustomer"
    hash_key        = "customer"
    projection_type = "KEYS_ONLY"
    read_capacity   = 10
    write_capacity  = 10
  }
}

resource "aws_appautoscaling_target" "orders_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}"
  scalable_dimension = "dynamodb:table:WriteCapacityUnits"
  min_capacity       = 10
  max_capacity       = 500
}

resource "aws_appautoscaling_target" "by_customer_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.orders.name}/index/ByCustomer"
  scalable_dimension = "dynamodb:index:WriteCapacityUnits"
  min_capacity       = 10
  max_capacity       = 50
}
