module "orders" {
  source = "./modules/not-downloaded"
}

data "aws_iam_policy_document" "teleport" {
  statement {
    actions   = ["dynamodb:*"]
    resources = [module.orders.table_arn, "${module.orders.table_arn}/index/*"]
  }
}

resource "aws_iam_policy" "teleport" {
  name   = "teleport"
  policy = data.aws_iam_policy_document.teleport.json
}
