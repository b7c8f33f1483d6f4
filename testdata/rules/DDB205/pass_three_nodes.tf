resource "aws_dax_cluster" "sessions" {
  cluster_name       = "sessions"
  iam_role_arn       = "arn:aws:iam::111122223333:role/dax"
  node_type          = "dax.r5.large"
  replication_factor = 3
  availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

  cluster_endpoint_encryption_type = "TLS"

  server_side_encryption {
    enabled = true
  }
}
