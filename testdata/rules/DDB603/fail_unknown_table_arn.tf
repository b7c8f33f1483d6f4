variable "table_arn" {
  type = string
}

resource "aws_iam_user_policy" "ops" {
  name = "ops"
  user = "ops"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:Delete*", "dynamodb:Update*"]
      Resource = var.table_arn
    }]
  })
}

resource "aws_ssoadmin_permission_set_inline_policy" "operators" {
  instance_arn       = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  permission_set_arn = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
  inline_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "dynamodb:DeleteTable"
      Resource = "arn:aws:dynamodb:*:111122223333:table/orders"
    }]
  })
}
