data "aws_iam_policy_document" "player" {
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
    resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/GameScores"]

    condition {
      test     = "StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["$${aws:userid}"]
    }
  }
}

resource "aws_iam_policy" "player" {
  name   = "player"
  policy = data.aws_iam_policy_document.player.json
}
