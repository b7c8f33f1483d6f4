env = "dev"
tables = {
  orders = { hash_key = "order_id", pitr = true }
  carts  = { hash_key = "cart_id", pitr = false }
}
