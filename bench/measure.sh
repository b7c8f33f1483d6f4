# Shared by the benchmark scripts (sourced, not run): `measure CMD…` runs CMD $RUNS times
# and prints the median wall seconds (to the millisecond) and the largest peak RSS in MB.
measure() {
  local times=() peak=0 tmp
  tmp=$(mktemp)
  for _ in $(seq "$RUNS"); do
    local start end kb
    start=$EPOCHREALTIME
    /usr/bin/time -f "%M" -o "$tmp" "$@" >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
    kb=$(tail -1 "$tmp")
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  rm -f "$tmp"
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $((peak / 1024))"
}
