# ddbguard:ignore DDB101 staging tables are rebuilt from prod every night
module "orders" {
  source = "../../modules/table"
  name   = "orders-staging"
}

# ddbguard:ignore DDB103
module "sessions" {
  source  = "../../modules/table"
  name    = "sessions"
  pitr    = true
  protect = true
}

# ddbguard:ignore DDB201 nothing here is below its tier
module "events" {
  source  = "../../modules/table"
  name    = "events"
  pitr    = true
}
