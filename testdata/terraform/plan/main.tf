variable "orders_pitr" {
  type = bool
}

resource "aws_dynamodb_table" "orders" {
  name                        = "orders"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "order_id"
  deletion_protection_enabled = true

  attribute {
    name = "order_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.orders_pitr
  }

  lifecycle {
    prevent_destroy = true
  }
}

module "stores" {
  source = "./modules/store"
  name   = "stores"
}
