{
  "Statement": [ ${ ]
}
