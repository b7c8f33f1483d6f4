resource "aws_dynamodb_table" "orders" {
  name           = "orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = 100
  write_capacity = 200
  hash_key       = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "customer"
    type = "S"
  }

  global_secondary_index {
    name            = "ByCustomer"
    hash_key        = "customer"
    projection_type = "KEYS_ONLY"
    read_capacity   = 50
    write_capacity  = 50
  }
}
