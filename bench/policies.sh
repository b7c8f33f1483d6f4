#!/usr/bin/env bash
# Benchmark Guard policies: eight rules of the AWS Guard Rules Registry (four S3, four
# Lambda) over a CloudFormation corpus, through `ddbguard check --policy` with 1 and 2
# threads, beside the same check without policies and beside the cfn-guard CLI on the same
# files and rules: wall time (median of RUNS runs) and peak memory.
#
#   bench/policies.sh [CORPUS_DIR] [REGISTRY_DIR]
#   defaults: ../shared/corpus/cloudformation ../shared/guard-registry/rules/aws
#   CFN_GUARD=/path/to/cfn-guard RUNS=5 bench/policies.sh
#
# `cfn-guard validate -d DIR` stops at the first file it cannot load (a YAML anchor, an
# integer map key), so every tool runs on a copy of the corpus without the files cfn-guard
# rejects; how many were left out is printed. The cfn-guard CLI is single-threaded.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
corpus=${1:-../shared/corpus/cloudformation}
registry=${2:-../shared/guard-registry/rules/aws}
cfn_guard=${CFN_GUARD:-cfn-guard}
cargo build --release -q --bin ddbguard
bin=target/release/ddbguard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rules="$work/rules"
mkdir -p "$rules"
for r in lambda/lambda_concurrency_check lambda/lambda_dlq_check lambda/lambda_inside_vpc \
  lambda/lambda_function_public_access_prohibited amazon_s3/s3_bucket_versioning_enabled \
  amazon_s3/s3_bucket_logging_enabled amazon_s3/s3_bucket_server_side_encryption_enabled \
  amazon_s3/s3_bucket_level_public_access_prohibited; do
  cp "$registry/$r.guard" "$rules/"
done
names=$(grep -ho '^[[:space:]]*rule[[:space:]]\+[A-Za-z0-9_]\+' "$rules"/*.guard | awk '{print $2}' | paste -sd, -)

# The corpus without the files cfn-guard cannot load.
data="$work/corpus"
cp -r "$corpus" "$data"
rejected=0
while IFS= read -r -d '' f; do
  status=0
  "$cfn_guard" validate -r "$rules" -d "$f" -S none >/dev/null 2>&1 || status=$?
  # 0: pass, 19: rules failed; anything else: the file was not loaded.
  if [ "$status" -ne 0 ] && [ "$status" -ne 19 ]; then rm -f "$f"; rejected=$((rejected + 1)); fi
done < <(find "$data" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' \) -print0)
files=$(find "$data" -type f | wc -l)

# shellcheck source=bench/measure.sh
source bench/measure.sh

echo "== $corpus: $files files ($rejected left out: cfn-guard cannot load them); rules: $names"
printf '%-40s %8s %9s\n' "run" "wall s" "peak MB"
for threads in 1 2; do
  read -r wall peak < <(RAYON_NUM_THREADS=$threads measure "$bin" check "$data" --format json --fail-on never)
  printf '%-40s %8s %9s\n' "ddbguard, no policies, $threads thread(s)" "$wall" "$peak"
  read -r wall peak < <(RAYON_NUM_THREADS=$threads measure "$bin" check "$data" --policy "$rules" --format json --fail-on never)
  printf '%-40s %8s %9s\n' "ddbguard --policy, $threads thread(s)" "$wall" "$peak"
  read -r wall peak < <(RAYON_NUM_THREADS=$threads measure "$bin" check "$data" --policy "$rules" --select "$names" --format json --fail-on never)
  printf '%-40s %8s %9s\n' "ddbguard --policy --select, $threads thr." "$wall" "$peak"
done
read -r wall peak < <(measure "$cfn_guard" validate -r "$rules" -d "$data" -o json -S none --structured)
printf '%-40s %8s %9s\n' "cfn-guard validate (1 thread)" "$wall" "$peak"
