module "orders" {
  source = "../modules/table"
  name   = "orders"
}

module "events" {
  source        = "../modules/table"
  name          = "events"
  create_alarms = true
}
