variable "name" {
  type = string
}

variable "hash_key" {
  type = string
}

variable "pitr" {
  type    = bool
  default = true
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.hash_key
  deletion_protection_enabled = true
  tags                        = var.tags

  attribute {
    name = var.hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.pitr
  }

  lifecycle {
    prevent_destroy = true
  }
}

output "name" {
  value = aws_dynamodb_table.this.name
}
