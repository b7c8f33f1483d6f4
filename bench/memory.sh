#!/usr/bin/env bash
# Peak memory of a check as the tree grows: N copies of a corpus directory side by side
# under a temporary directory, checked at once (JSON to /dev/null); peak resident set size
# (GNU time's "Maximum resident set size") and wall time per N. Flat memory means the peak
# at 4 and 8 copies stays near the peak at 1 copy.
#
#   bench/memory.sh [CORPUS_DIR] [N...]     default: ../shared/corpus/cloudformation 1 4 8
#   BIN=/path/to/ddbguard bench/memory.sh   measure another build (no cargo build then)
#   RUNS=3 bench/memory.sh                  the largest peak and the median time of 3 runs
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-1}
corpus=${1:-../shared/corpus/cloudformation}
shift || true
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 4 8)
if [ -z "${BIN:-}" ]; then
  cargo build --release -q --bin ddbguard
  BIN=target/release/ddbguard
fi
[ -d "$corpus" ] || { echo "no such directory: $corpus" >&2; exit 2; }

# shellcheck source=bench/measure.sh
source bench/measure.sh

work=$(mktemp -d /tmp/ddbguard-memory.XXXXXX)
trap 'rm -rf "$work"' EXIT
mb=$(du -sm "$corpus" | cut -f1)
echo "== $corpus (${mb} MB on disk), $BIN, $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %9s %8s %9s %11s\n' "copies" "MB input" "wall s" "peak MB" "x 1 copy"
made=0
base=""
for n in "${counts[@]}"; do
  while [ "$made" -lt "$n" ]; do
    made=$((made + 1))
    cp -r "$corpus" "$work/copy$made"
  done
  paths=()
  for i in $(seq "$n"); do paths+=("$work/copy$i"); done
  read -r wall peak < <(measure "$BIN" check "${paths[@]}" --format json --fail-on never)
  [ -n "$base" ] || base=$peak
  ratio=$(awk -v p="$peak" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? p / b : 0) }')
  printf '%-8s %9s %8s %9s %11s\n' "$n" "$((mb * n))" "$wall" "$peak" "$ratio"
done
