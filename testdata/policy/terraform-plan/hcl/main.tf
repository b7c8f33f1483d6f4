variable "env" {
  type    = string
  default = "prod"
}

resource "aws_kms_key" "tables" {
  enable_key_rotation = true
}

resource "aws_dynamodb_table" "orders" {
  name                        = "orders-${var.env}"
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
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.tables.arn
  }
  tags = {
    owner = "orders-team"
  }
}

resource "aws_dynamodb_table" "events" {
  name                        = "events-${var.env}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = false
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = false
  }
}

module "stores" {
  source   = "./modules/store"
  for_each = toset(["carts", "wishlists"])
  name     = each.key
}

# ddbguard:ignore TF_TOPIC_ENCRYPTED the alerts carry no data
resource "aws_sns_topic" "alerts" {
  name = "alerts-${var.env}"
}

resource "aws_sns_topic" "audit" {
  name              = "audit-${var.env}"
  kms_master_key_id = "alias/aws/sns"
}
