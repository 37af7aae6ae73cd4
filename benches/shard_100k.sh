#!/usr/bin/env bash
# Sharded scoring of 100,000 accounts against one unsharded `vigil score` of the same inputs
# (issue #8's scale-out path): `vigil plan --shards N`, N × `vigil score --shard i/N` run one
# after another here (in production: N Airflow workers or pods in parallel), `vigil publish`
# combining them. Reports each shard's wall time and peak RSS — what one worker or pod needs —
# and checks that the published risk_scores equal the unsharded run's row count.
#
#   benches/shard_100k.sh                 # 100k accounts × 6 months, 4 shards
#   SHARDS=8 ACCOUNTS=20000 benches/shard_100k.sh
#
# Inputs, champion and configs are those of benches/score_100k.sh (run first, or this script
# runs it once with RUNS=1 to create them).
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-100000}
SHARDS=${SHARDS:-4}
WORK=${WORK:-/tmp/vigil-score-bench}
VIGIL=${VIGIL:-${CARGO_TARGET_DIR:-target}/debug/vigil}
DATE=2026-06-30
[[ -x "$VIGIL" ]] || cargo build --locked
if [[ ! -f "$WORK/score.toml" || ! -d "$WORK/registry/risk/aliases" || ! -d "$WORK/history-$ACCOUNTS" ]]; then
  ACCOUNTS=$ACCOUNTS RUNS=1 WORK=$WORK VIGIL=$VIGIL benches/score_100k.sh
fi
results=$(mktemp)
measure() { # label command...
  local err; err=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$err" "${@:2}" -q >"$WORK/$1-summary.json"
  read -r secs kb <"$err"
  rm -f "$err"
  echo "$1 $secs $kb" | tee -a "$results"
}
rm -rf "$WORK/wh-$ACCOUNTS"
measure unsharded "$VIGIL" score --config "$WORK/score.toml" --run-date "$DATE"
rows_unsharded=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print([x for x in s["stages"] if x["stage"]=="score"][0]["rows_out"])' "$WORK/unsharded-summary.json")
measure plan "$VIGIL" plan --config "$WORK/score.toml" --run-date "$DATE" --shards "$SHARDS"
for i in $(seq 0 $((SHARDS - 1))); do
  measure "shard-$i" "$VIGIL" score --config "$WORK/score.toml" --run-date "$DATE" --shard "$i/$SHARDS"
done
measure publish "$VIGIL" publish --config "$WORK/score.toml" --run-date "$DATE"
rows_published=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["stages"][0]["metrics"]["risk_scores"]["rows"])' "$WORK/publish-summary.json")
python3 - "$results" "$ACCOUNTS" "$SHARDS" "$rows_unsharded" "$rows_published" <<'PY'
import statistics, sys
rows = {l.split()[0]: (float(l.split()[1]), int(l.split()[2]) / 1048576) for l in open(sys.argv[1]) if l.strip()}
n = int(sys.argv[3])
shards = [rows[f"shard-{i}"] for i in range(n)]
un = rows["unsharded"]
worst = max(s for s, _ in shards)
print(f"accounts: {int(sys.argv[2]):,}   shards: {n}   rows unsharded {sys.argv[4]}, published from shards {sys.argv[5]}")
print(f"unsharded score: {un[0]:.1f} s, peak RSS {un[1]:.2f} GiB")
print(f"per shard: median {statistics.median(s for s, _ in shards):.1f} s (max {worst:.1f} s), "
      f"peak RSS median {statistics.median(r for _, r in shards):.2f} GiB (max {max(r for _, r in shards):.2f} GiB)")
print(f"plan {rows['plan'][0]:.1f} s, publish {rows['publish'][0]:.1f} s (peak {rows['publish'][1]:.2f} GiB)")
print(f"wall with {n} workers in parallel ≈ plan + slowest shard + publish = "
      f"{rows['plan'][0] + worst + rows['publish'][0]:.1f} s; ratio to unsharded score "
      f"{(rows['plan'][0] + worst + rows['publish'][0]) / un[0]:.2f}")
assert sys.argv[4] == sys.argv[5], "sharded publish must hold every account"
PY
