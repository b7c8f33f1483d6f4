variable "protect" {
  type    = bool
  default = true
}

module "orders" {
  source  = "../../modules/table"
  name    = "orders"
  pitr    = true
  protect = var.protect
}

module "cache" {
  source  = "example/cache/aws"
  version = "1.2.0"
  name    = "cache"
}
