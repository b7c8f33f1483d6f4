# An application: tables from a local module, an alarm, IAM and a gateway endpoint.
variable "env" {
  type = string
}

variable "tables" {
  type = map(object({
    hash_key = string
    pitr     = bool
  }))
  default = {}
}

locals {
  prefix = "shop-${var.env}"
  common_tags = {
    Team = "orders"
    Env  = var.env
  }
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

module "tables" {
  source   = "./modules/table"
  for_each = var.tables

  name     = "${local.prefix}-${each.key}"
  hash_key = each.value.hash_key
  pitr     = each.value.pitr
  tags     = merge(local.common_tags, { Table = each.key })
}

# ddbguard:ignore DDB104 the audit log is recreated from the stream
resource "aws_dynamodb_table" "audit" {
  name                        = "${local.prefix}-audit"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  range_key                   = "at"
  deletion_protection_enabled = var.env == "prod"

  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = "at"
    type = "N"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.tables.arn
  }
}

resource "aws_kms_key" "tables" {
  description         = "tables"
  enable_key_rotation = true
}

resource "aws_cloudwatch_metric_alarm" "audit_throttles" {
  alarm_name          = "${local.prefix}-audit-throttles"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ThrottledRequests"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  period              = 60
  statistic           = "Sum"
  threshold           = 0
  dimensions = {
    TableName = aws_dynamodb_table.audit.name
  }
}

resource "aws_iam_policy" "writer" {
  name = "${local.prefix}-writer"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
      Resource = [aws_dynamodb_table.audit.arn, "${aws_dynamodb_table.audit.arn}/index/*"]
    }]
  })
}

resource "aws_iam_role_policy" "reader" {
  name   = "reader"
  role   = "app"
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "dynamodb:*",
          "Resource": "*"
        }
      ]
    }
  EOT
}

data "aws_iam_policy_document" "stream" {
  statement {
    actions   = ["dynamodb:GetRecords"]
    resources = ["arn:aws:dynamodb:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:table/${local.prefix}-audit/stream/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalTag/Team"
      values   = ["orders"]
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id          = aws_vpc.main.id
  service_name    = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
  route_table_ids = ["rtb-1"]
}

resource "aws_iam_role_policy" "audit_reader" {
  name   = "audit-reader"
  role   = "app"
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["dynamodb:Query"],
      "Resource": "${aws_dynamodb_table.audit.arn}/index/*"
    }
  ]
}
EOT
}
