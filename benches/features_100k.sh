#!/usr/bin/env bash
# The training feature table at scale (issue #3): 100,000 accounts × 12 months must build
# within 24 GB of memory. `vigil features --mode train` works in account partitions (sized by
# `[features] partition_account_months`, 150,000 by default: 8 partitions here), each reading
# only its accounts' rows; reports wall time, peak RSS and the per-partition log lines.
#
#   benches/features_100k.sh                  # 100k accounts × 12 months, 1 run
#   ACCOUNTS=20000 RUNS=3 benches/features_100k.sh
#   PARTITIONS=4 benches/features_100k.sh     # force a partition count
#
# Generating the history takes ~4 minutes and ~18 GB once; it is kept in $WORK for later runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-100000}
MONTHS=${MONTHS:-12}
RUNS=${RUNS:-1}
WORK=${WORK:-/tmp/vigil-features-bench}
VIGIL=${VIGIL:-${CARGO_TARGET_DIR:-target}/debug/vigil}
DATE=2026-06-30
[[ -x "$VIGIL" ]] || cargo build --locked
mkdir -p "$WORK"
HIST="$WORK/history-$ACCOUNTS-$MONTHS"
if [[ ! -f "$HIST/accounts.parquet" ]]; then
  /usr/bin/time -f 'generate: %e s, peak RSS %M KiB' "$VIGIL" -q generate --accounts "$ACCOUNTS" \
    --months "$MONTHS" --end "$DATE" --seed 7 --out "$HIST" >/dev/null
fi
cat >"$WORK/bench.toml" <<TOML
[sources]
base = "$HIST"
[window]
lookback_months = $MONTHS
[warehouse]
url = "$WORK/wh"
[sentiment]
enabled = false
TOML
extra=()
[[ -n "${PARTITIONS:-}" ]] && extra=(--partitions "$PARTITIONS")
for i in $(seq "$RUNS"); do
  err="$WORK/run-$i.log"
  /usr/bin/time -f '%e %M' -o "$WORK/time-$i" "$VIGIL" --log-format json features --config "$WORK/bench.toml" \
    --run-date "$DATE" --mode train --out "$WORK/features.parquet" "${extra[@]}" >/dev/null 2>"$err"
  read -r secs kib <"$WORK/time-$i"
  python3 - "$err" "$secs" "$kib" <<'PY'
import json, sys
parts, total = [], None
for line in open(sys.argv[1]):
    try:
        f = json.loads(line).get("fields", {})
    except json.JSONDecodeError:
        continue
    if f.get("message") == "feature partition built":
        parts.append((f["partition"], f["rows"], f["load_ms"] / 1000, f["build_ms"] / 1000))
    elif f.get("message") == "feature table written":
        total = f
for p, rows, load, build in parts:
    print(f"  partition {p}: {rows:,} snapshots, read+validate {load:.1f} s, features+labels {build:.1f} s")
print(f"run: {float(sys.argv[2]):.1f} s, peak RSS {int(sys.argv[3]) / 1048576:.2f} GiB, "
      f"{total['rows']:,} snapshots of {total['accounts']:,} accounts, {len(parts) or 1} partition(s)")
PY
done
ls -l "$WORK/features.parquet" | awk '{printf "output: %.0f MB\n", $5 / 1e6}'
