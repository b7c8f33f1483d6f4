# The configuration testdata/terraform/plan-nulls/plan.json is a plan of: every argument
# the plan records as null is not written here.

resource "aws_dynamodb_table" "unset" {
  name     = "unset"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "empty" {
  name         = "empty"
  hash_key     = "id"
  billing_mode = "PAY_PER_REQUEST"
  attribute {
    name = "id"
    type = "S"
  }
  tags = {
    compliance-tier = "confidential"
  }
}

resource "aws_dynamodb_table" "inner" {
  name                        = "inner"
  hash_key                    = "id"
  billing_mode                = "PAY_PER_REQUEST"
  deletion_protection_enabled = true
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
  }
  server_side_encryption {
  }
  tags = {
    compliance-tier = "confidential"
  }
}

resource "aws_dynamodb_table" "replicated" {
  name                        = "replicated"
  hash_key                    = "id"
  billing_mode                = "PAY_PER_REQUEST"
  deletion_protection_enabled = true
  stream_enabled              = true
  stream_view_type            = "NEW_AND_OLD_IMAGES"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = true
  }
  replica {
    region_name = "eu-west-1"
  }
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = "unset-throttles"
  namespace           = "AWS/DynamoDB"
  metric_name         = "ThrottledRequests"
  dimensions          = { TableName = "unset" }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
}

resource "aws_vpc_endpoint" "dynamodb" {
  service_name      = "com.amazonaws.us-east-1.dynamodb"
  vpc_endpoint_type = "Gateway"
  vpc_id            = "vpc-0123456789abcdef0"
}

resource "aws_dax_cluster" "cache" {
  cluster_name       = "cache"
  node_type          = "dax.r5.large"
  replication_factor = 3
}
