#!/usr/bin/env bash
# Scaling in resources: one CloudFormation template with N on-demand tables (each with a
# GSI; every tenth with two alarms, one naming it by Ref and one by its literal name, and a
# policy on its ARN), checked whole. Cross-resource rules (alarms per table and GSI,
# Contributor Insights, endpoints, IAM) must stay linear in the resources of a scope.
#
#   bench/tables.sh [N...]            default: 5000 40000 100000
#   BIN=/path/to/ddbguard bench/tables.sh 5000    time another build
#   TIMEOUT=120 bench/tables.sh                   stop a run after 120 s (exit 124)
# Prints N, file size, wall seconds, peak RSS (MB), exit status and the finding count.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(5000 40000 100000)
bin=${BIN:-target/release/ddbguard}
[ -n "${BIN:-}" ] || cargo build --release -q --bin ddbguard
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

generate() {
  python3 - "$1" > "$2" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
out.write("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n")
for i in range(n):
    out.write(f"""  T{i}:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: t-{i}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {{AttributeName: pk, AttributeType: S}}
        - {{AttributeName: g, AttributeType: S}}
      KeySchema:
        - {{AttributeName: pk, KeyType: HASH}}
      GlobalSecondaryIndexes:
        - IndexName: ByG
          KeySchema:
            - {{AttributeName: g, KeyType: HASH}}
          Projection: {{ProjectionType: ALL}}
""")
    if i % 10 == 0:
        out.write(f"""  A{i}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/DynamoDB
      MetricName: ThrottledRequests
      Dimensions: [{{Name: TableName, Value: !Ref T{i}}}]
      AlarmActions: [arn:aws:sns:us-east-1:123456789012:ops]
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
  E{i}:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/DynamoDB
      MetricName: SystemErrors
      Dimensions: [{{Name: TableName, Value: t-{i}}}]
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
  P{i}:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [dynamodb:GetItem, dynamodb:Query]
            Resource: [!GetAtt T{i}.Arn, !Sub '${{T{i}.Arn}}/index/*']
""")
PY
}

printf '%-8s %8s %8s %9s %5s %9s\n' tables MB "wall s" "peak MB" exit findings
for n in "${counts[@]}"; do
  f="$dir/tables-$n.yaml"
  generate "$n" "$f"
  mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1048576 }')
  start=$EPOCHREALTIME
  rc=0
  /usr/bin/time -v -o "$dir/time" timeout "${TIMEOUT:-600}" "$bin" check "$f" --format json --fail-on never \
    > "$dir/out.json" 2>/dev/null || rc=$?
  end=$EPOCHREALTIME
  wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
  peak=$(awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$dir/time")
  findings=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$dir/out.json" 2>/dev/null || echo "?")
  printf '%-8s %8s %8s %9s %5s %9s\n' "$n" "$mb" "$wall" "$peak" "$rc" "$findings"
done
