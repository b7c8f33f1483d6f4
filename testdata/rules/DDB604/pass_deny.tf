data "aws_iam_policy_document" "guard" {
  statement {
    effect      = "Deny"
    not_actions = ["dynamodb:GetItem", "dynamodb:Query"]
    resources   = ["*"]
  }

  statement {
    not_actions = ["dynamodb:*", "iam:*"]
    resources   = ["*"]
  }
}

resource "aws_iam_policy" "guard" {
  name   = "guard"
  policy = data.aws_iam_policy_document.guard.json
}
