# Tables without point-in-time recovery, in the shapes Terraform allows.
variable "fail_pitr_default" {
  type    = bool
  default = false
}

resource "aws_dynamodb_table" "fail_no_block" {
  name     = "fail-no-block"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "fail_disabled" {
  name     = "fail-disabled"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = false
  }
}

resource "aws_dynamodb_table" "fail_variable" {
  name     = "fail-variable"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = var.fail_pitr_default
  }
}

resource "aws_dynamodb_table" "fail_replica" {
  name             = "fail-replica"
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
  replica {
    region_name = "eu-west-1"
  }
}
