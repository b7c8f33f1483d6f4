# 400 module instances of 400 tables each: more than a root may read.
module "m" {
  source = "./m"
  count  = 400
}
