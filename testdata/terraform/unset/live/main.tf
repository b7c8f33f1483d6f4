module "orders" {
  source = "../modules/table"
  name   = "orders"
}

module "events" {
  source                      = "../modules/table"
  name                        = "events"
  deletion_protection_enabled = true
  pitr                        = var.events_pitr
}

variable "events_pitr" {
  type = bool
}

module "secrets" {
  source                      = "../modules/table"
  name                        = "secrets"
  deletion_protection_enabled = true
  pitr                        = true
  tier                        = "confidential"
  sse                         = false
}
