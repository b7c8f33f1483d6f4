variable "pass_pitr" {
  type    = bool
  default = true
}

variable "pass_unknown" {
  type = bool
}

locals {
  pass_replicas = ["eu-west-1", "us-west-2"]
}

resource "aws_dynamodb_table" "pass_literal" {
  name     = "pass-literal"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled                 = true
    recovery_period_in_days = 35
  }
}

resource "aws_dynamodb_table" "pass_variable" {
  name     = "pass-variable"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = var.pass_pitr
  }
}

# A variable without a value is unknown: no finding.
resource "aws_dynamodb_table" "pass_unknown" {
  name     = "pass-unknown"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = var.pass_unknown
  }
}

resource "aws_dynamodb_table" "pass_dynamic_replicas" {
  name             = "pass-dynamic-replicas"
  hash_key         = "id"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = true
  }
  dynamic "replica" {
    for_each = toset(local.pass_replicas)
    content {
      region_name            = replica.value
      point_in_time_recovery = true
    }
  }
}
