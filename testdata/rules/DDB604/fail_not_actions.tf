data "aws_iam_policy_document" "power_user" {
  statement {
    not_actions = ["iam:*", "organizations:*"]
    resources   = ["*"]
  }
}

resource "aws_iam_policy" "power_user" {
  name   = "power-user"
  policy = data.aws_iam_policy_document.power_user.json
}
