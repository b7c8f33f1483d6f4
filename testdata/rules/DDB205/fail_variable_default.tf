variable "dax_nodes" {
  type    = number
  default = 2
}

resource "aws_dax_cluster" "sessions" {
  cluster_name       = "sessions"
  iam_role_arn       = "arn:aws:iam::111122223333:role/dax"
  node_type          = "dax.r5.large"
  replication_factor = var.dax_nodes

  cluster_endpoint_encryption_type = "TLS"

  server_side_encryption {
    enabled = true
  }
}
