# Payments service: tables, their alarms, the network and the service policy.

variable "environment" {
  type    = string
  default = "prod"
}

variable "pitr_enabled" {
  type    = bool
  default = false
}

locals {
  name_prefix = "payments-${var.environment}"
  tags = {
    service         = "payments"
    compliance-tier = "regulated"
  }
}

data "aws_region" "current" {}

resource "aws_kms_key" "payments" {
  description         = "payments tables"
  enable_key_rotation = false
}

resource "aws_dynamodb_table" "payments" {
  name                        = "${local.name_prefix}-payments"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "paymentId"
  range_key                   = "createdAt"
  deletion_protection_enabled = true

  attribute {
    name = "paymentId"
    type = "S"
  }

  attribute {
    name = "createdAt"
    type = "N"
  }

  attribute {
    name = "merchantId"
    type = "S"
  }

  global_secondary_index {
    name            = "byMerchant"
    hash_key        = "merchantId"
    range_key       = "createdAt"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = var.pitr_enabled
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.payments.arn
  }

  tags = local.tags

  lifecycle {
    prevent_destroy = true
  }
}

module "ledger" {
  source = "./modules/table"
  name   = "${local.name_prefix}-ledger"
}

resource "aws_cloudwatch_metric_alarm" "payments_throttles" {
  alarm_name          = "${local.name_prefix}-payments-throttles"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ThrottledRequests"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  dimensions = {
    TableName = aws_dynamodb_table.payments.name
    Operation = "PutItem"
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
}

resource "aws_iam_policy" "payments_service" {
  name = "${local.name_prefix}-service"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
        Resource = [aws_dynamodb_table.payments.arn, "${aws_dynamodb_table.payments.arn}/index/*"]
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:DeleteTable", "dynamodb:UpdateTable"]
        Resource = "arn:aws:dynamodb:*:*:table/*"
      },
    ]
  })
}
