#!/usr/bin/env bash
# Benchmark ddbguard over the shared corpus: a parse-only floor (read and parse every
# document, nothing else) beside the full check, with 1 and 2 threads; wall time (median
# of N runs), files/s, MB/s and peak memory.
#
#   bench/run.sh [CORPUS_DIR...]      default: ../shared/corpus/cloudformation
#   RUNS=5 bench/run.sh ../shared/corpus/cloudformation ../shared/corpus/terraform
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
dirs=("$@"); [ ${#dirs[@]} -gt 0 ] || dirs=(../shared/corpus/cloudformation)
cargo build --release -q --bin ddbguard --example parse_floor
bin=target/release/ddbguard
floor=target/release/examples/parse_floor

# shellcheck source=bench/measure.sh
source bench/measure.sh

for dir in "${dirs[@]}"; do
  files=$(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' -o -name '*.tf' \) | wc -l)
  mb=$(du -sm "$dir" | cut -f1)
  echo "== $dir ($files files, ${mb} MB on disk)"
  printf '%-28s %8s %10s %8s %9s\n' "run" "wall s" "files/s" "MB/s" "peak MB"
  for threads in 1 2; do
    for what in floor check; do
      if [ "$what" = floor ]; then cmd=("$floor" "$dir"); else cmd=("$bin" check "$dir" --format json --fail-on never); fi
      read -r wall peak < <(RAYON_NUM_THREADS=$threads measure "${cmd[@]}")
      rate=$(awk -v f="$files" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0 ? f / w : 0) }')
      mbs=$(awk -v m="$mb" -v w="$wall" 'BEGIN { printf "%.1f", (w > 0 ? m / w : 0) }')
      printf '%-28s %8s %10s %8s %9s\n' "$what, $threads thread(s)" "$wall" "$rate" "$mbs" "$peak"
    done
  done
done
