resource "aws_iam_policy" "public_fields" {
  name = "public-fields"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:Query", "dynamodb:Scan"]
      Resource = "arn:aws:dynamodb:us-east-1:123456789012:table/Users"
      Condition = {
        "ForAllValues:StringEquals" = {
          "dynamodb:Attributes" = ["UserId", "DisplayName"]
        }
      }
    }]
  })
}
