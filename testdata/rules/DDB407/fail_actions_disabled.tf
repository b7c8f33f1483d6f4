resource "aws_sns_topic" "ops" {
  name = "ops"
}

resource "aws_cloudwatch_metric_alarm" "orders_errors" {
  alarm_name          = "orders-system-errors"
  namespace           = "AWS/DynamoDB"
  metric_name         = "SystemErrors"
  dimensions          = { TableName = "orders" }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.ops.arn]
  actions_enabled     = false
}
