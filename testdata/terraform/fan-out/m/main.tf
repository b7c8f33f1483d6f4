resource "aws_dynamodb_table" "t" {
  count    = 400
  name     = "t${count.index}"
  hash_key = "id"
}
