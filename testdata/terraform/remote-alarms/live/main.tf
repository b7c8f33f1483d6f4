module "table" {
  source  = "example/table/aws"
  version = "2.0.0"
  name    = "orders"
}
