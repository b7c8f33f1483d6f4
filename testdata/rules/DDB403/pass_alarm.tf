resource "aws_dynamodb_table" "orders" {
  name             = "orders"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "pk"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "pk"
    type = "S"
  }

  replica {
    region_name = "eu-west-1"
  }
}

resource "aws_cloudwatch_metric_alarm" "orders_replication_latency" {
  alarm_name          = "orders-replication-latency"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ReplicationLatency"
  dimensions = {
    TableName       = aws_dynamodb_table.orders.name
    ReceivingRegion = "eu-west-1"
  }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  threshold           = 60000
  comparison_operator = "GreaterThanThreshold"
}
