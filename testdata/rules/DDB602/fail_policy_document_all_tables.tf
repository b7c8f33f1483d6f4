data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "reports" {
  statement {
    actions   = ["dynamodb:Query", "dynamodb:Scan"]
    resources = ["arn:aws:dynamodb:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:table/*"]
  }
}

resource "aws_iam_role_policy" "reports" {
  name   = "reports"
  role   = "reports"
  policy = data.aws_iam_policy_document.reports.json
}
