variable "name" {
  type = string
}

variable "create_alarms" {
  type    = bool
  default = false
}

variable "enabled" {
  type    = bool
  default = true
}

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = true

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  count               = var.enabled && var.create_alarms ? 1 : 0
  alarm_name          = "${var.name}-throttles"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ThrottledRequests"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  period              = 60
  statistic           = "Sum"
  threshold           = 0
  alarm_actions       = ["arn:aws:sns:eu-west-1:111122223333:ops"]
  dimensions          = { TableName = aws_dynamodb_table.this.name }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  count               = var.create_alarms ? 1 : 0
  alarm_name          = "${var.name}-errors"
  namespace           = "AWS/DynamoDB"
  metric_name         = "SystemErrors"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  period              = 60
  statistic           = "Sum"
  threshold           = 0
  alarm_actions       = ["arn:aws:sns:eu-west-1:111122223333:ops"]
  dimensions          = { TableName = aws_dynamodb_table.this.name }
}
