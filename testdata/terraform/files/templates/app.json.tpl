{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ${jsonencode(actions)},
      "Resource": "${table_arn}"
    },
    {
      "Effect": "Allow",
      "Action": [
        %{~ for i, a in read_actions ~}
        ${i > 0 ? "," : ""}"${a}"
        %{~ endfor ~}
      ],
      "Resource": "*"
    }
  ]
}
