variable "tables" {
  type = map(bool)
  default = {
    orders   = false
    sessions = true
  }
}

resource "aws_dynamodb_table" "per_service" {
  for_each     = var.tables
  name         = each.key
  hash_key     = "id"
  billing_mode = "PAY_PER_REQUEST"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = each.value
  }
}

resource "aws_dynamodb_table" "events" {
  name     = "events"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

# ddbguard:ignore ORG_TABLE_PITR rebuilt nightly from the event log
resource "aws_dynamodb_table" "scratch" {
  name     = "scratch"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
