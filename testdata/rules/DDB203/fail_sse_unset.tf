resource "aws_dax_cluster" "fail_cache" {
  cluster_name       = "fail-cache"
  iam_role_arn       = "arn:aws:iam::111122223333:role/dax"
  node_type          = "dax.r5.large"
  replication_factor = 3
}
