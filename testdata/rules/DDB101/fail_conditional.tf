# One branch of a conditional leaves PITR off: the rule fails on that branch.
variable "fail_env" {
  type = string
}

locals {
  fail_pitr = var.fail_env == "prod" ? true : false
}

resource "aws_dynamodb_table" "fail_conditional" {
  name     = "fail-conditional"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = local.fail_pitr
  }
}
