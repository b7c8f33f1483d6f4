# Exists in the base: the LSI added here forces a replacement (DDB501), and
# prevent_destroy makes Terraform refuse it. PITR was already off (DDB101, unchanged).
resource "aws_dynamodb_table" "orders" {
  name                        = "tf-orders"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "customerId"
  range_key                   = "orderId"
  deletion_protection_enabled = true

  attribute {
    name = "customerId"
    type = "S"
  }
  attribute {
    name = "orderId"
    type = "S"
  }
  attribute {
    name = "createdAt"
    type = "S"
  }

  local_secondary_index {
    name            = "ByCreatedAt"
    range_key       = "createdAt"
    projection_type = "ALL"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# New in head, with an LSI: not a replacement; PITR off is a new DDB101.
resource "aws_dynamodb_table" "invoices" {
  name                        = "tf-invoices"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "customerId"
  range_key                   = "invoiceId"
  deletion_protection_enabled = true

  attribute {
    name = "customerId"
    type = "S"
  }
  attribute {
    name = "invoiceId"
    type = "S"
  }
  attribute {
    name = "dueDate"
    type = "S"
  }

  local_secondary_index {
    name            = "ByDueDate"
    range_key       = "dueDate"
    projection_type = "KEYS_ONLY"
  }

  lifecycle {
    prevent_destroy = true
  }
}
