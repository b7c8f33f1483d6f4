resource "aws_iam_user_policy" "batch" {
  name = "batch"
  user = "batch"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:BatchWriteItem"]
      Resource = "*"
    }]
  })
}
