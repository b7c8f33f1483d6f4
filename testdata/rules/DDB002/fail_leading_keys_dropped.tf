# The condition block names ForAllValues:StringEquals twice: JSON keeps the last one, so the
# dynamodb:LeadingKeys condition is dropped and every partition key is readable.
resource "aws_iam_policy" "tenant_read" {
  name = "tenant-read"
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["dynamodb:GetItem", "dynamodb:Query"],
      "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/Tenants",
      "Condition": {
        "ForAllValues:StringEquals": {
          "dynamodb:LeadingKeys": ["$${aws:userid}"]
        },
        "ForAllValues:StringEquals": {
          "dynamodb:Attributes": ["id", "name"]
        }
      }
    }
  ]
}
POLICY
}
