# The table's name is a template of a variable; the alarm uses the same template.
variable "env" {
  type = string
}

resource "aws_dynamodb_table" "orders" {
  name         = "orders-${var.env}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

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
  }
}

resource "aws_cloudwatch_metric_alarm" "by_customer_throttles" {
  alarm_name          = "orders-by-customer-throttles"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ReadThrottleEvents"
  dimensions = {
    TableName                = "orders-${var.env}"
    GlobalSecondaryIndexName = "ByCustomer"
  }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
}
