#!/usr/bin/env bash
# Benchmark: synthetic history generation, 10,000 accounts × 12 months (issue #2 target:
# under 60 s on 2 cores), plus `validate` of the result. Prints the median of N runs.
#   benches/generate.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/vigil"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat >"$out/bench.toml" <<TOML
[sources]
base = "$out/history"
[warehouse]
url = "$out/wh"
TOML
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
gen=() ; val=()
for i in $(seq 1 "$runs"); do
  s=$(date +%s%N)
  "$bin" -q generate --accounts 10000 --months 12 --end 2026-06-30 --seed "$i" --out "$out/history" >/dev/null
  m=$(date +%s%N)
  "$bin" -q validate --config "$out/bench.toml" --run-date 2026-06-30 >/dev/null
  e=$(date +%s%N)
  gen+=("$(( (m - s) / 1000000 ))"); val+=("$(( (e - m) / 1000000 ))")
done
rows=$(python3 -c "import json,sys; print(json.load(open('$out/wh/validation/run_date=2026-06-30/report.json'))['tables'].__len__())")
size=$(du -sh "$out/history" | cut -f1)
echo "generate 10k accounts x 12 months: median $(printf '%s\n' "${gen[@]}" | median) ms over $runs runs (${gen[*]} ms)"
echo "validate the same history:         median $(printf '%s\n' "${val[@]}" | median) ms (${val[*]} ms)"
echo "tables: $rows, history size on disk: $size, cores: $(nproc)"
