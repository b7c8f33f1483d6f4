resource "aws_iam_group_policy" "ops" {
  name  = "ops"
  group = "ops"

  policy = <<-EOT
    {
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "dynamodb:Update*",
          "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
        }
      ]
    }
  EOT
}
