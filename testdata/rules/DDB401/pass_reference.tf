# Both index alarms, the table named by reference (one by .name, one by .id).
resource "aws_dynamodb_table" "orders" {
  name           = "orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
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
    projection_type = "ALL"
    read_capacity   = 5
    write_capacity  = 5
  }
}

resource "aws_cloudwatch_metric_alarm" "by_customer_throttles" {
  alarm_name          = "orders-by-customer-throttles"
  namespace           = "AWS/DynamoDB"
  metric_name         = "WriteThrottleEvents"
  dimensions = {
    TableName                = aws_dynamodb_table.orders.name
    GlobalSecondaryIndexName = "ByCustomer"
  }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
}

resource "aws_cloudwatch_metric_alarm" "by_customer_writes" {
  alarm_name          = "orders-by-customer-writes"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 5
  threshold           = 240

  metric_query {
    id          = "writes"
    return_data = true

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ConsumedWriteCapacityUnits"
      period      = 60
      stat        = "Sum"
      dimensions = {
        TableName                = aws_dynamodb_table.orders.id
        GlobalSecondaryIndexName = "ByCustomer"
      }
    }
  }
}
