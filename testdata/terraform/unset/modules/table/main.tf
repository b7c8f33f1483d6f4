variable "name" {
  type = string
}

# null: the provider's default (off) applies.
variable "deletion_protection_enabled" {
  type    = bool
  default = null
}

variable "pitr" {
  type    = bool
  default = false
}

variable "sse" {
  type    = bool
  default = true
}

variable "tier" {
  type    = string
  default = "standard"
}

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.deletion_protection_enabled
  tags                        = { compliance-tier = var.tier }

  attribute {
    name = "id"
    type = "S"
  }

  dynamic "point_in_time_recovery" {
    for_each = var.pitr ? [1] : []
    content {
      enabled = true
    }
  }

  dynamic "server_side_encryption" {
    for_each = var.sse ? [1] : []
    content {
      enabled = true
    }
  }
}
