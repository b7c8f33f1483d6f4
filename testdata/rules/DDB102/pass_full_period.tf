variable "pass_recovery_days" {
  type    = number
  default = 35
}

resource "aws_dynamodb_table" "pass_orders" {
  name         = "pass-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled                 = true
    recovery_period_in_days = var.pass_recovery_days
  }
}

resource "aws_dynamodb_table" "pass_events" {
  name         = "pass-events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}
