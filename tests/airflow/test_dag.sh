#!/usr/bin/env bash
# Runs vigil's Airflow DAG (pipelines/airflow, BashOperator variant) in a real Airflow 3 and
# checks what it published with an independent reader (Python `deltalake`).
#
#   tests/airflow/test_dag.sh VIGIL_BIN WORKDIR
#
# VIGIL_BIN  the built vigil binary (e.g. target/debug/vigil).
# WORKDIR    a project folder as `vigil demo` leaves it: pipelines/demo.toml (+ templates/),
#            models/, data/ (data/sentiment/vader, data/demo/history/) and out/registry/ with a
#            champion model. When data/demo/history or the champion is missing, the script runs
#            `VIGIL_BIN demo` there first (~70 s on 2 cores). The DAG run publishes into its own
#            warehouse in a temporary folder (configs WORKDIR/pipelines/.airflow-test-<pid>*.toml,
#            removed at exit), and an unsharded `vigil score` of the same date is the
#            reference the sharded output is compared with.
#
# Environment: VIGIL_CACHE (default ~/.cache/vigil) holds the virtual environment
# airflow-venv/ (apache-airflow, deltalake, pyarrow; reused when its pins match);
# VIGIL_AIRFLOW_SHARDS (default 3) shards for the run; KEEP_TMP=1 keeps the temporary folder;
# VIGIL_AIRFLOW_TEST_RETRAIN=1 also runs `vigil_retrain` (≈3 min more; it trains into
# WORKDIR/out/registry and may move its champion).
#
# What it does: installs Airflow (PyPI, no constraints file: the constraint URLs live on
# GitHub), `airflow db migrate` on SQLite in a temporary AIRFLOW_HOME, then
# `airflow dags test vigil_daily 2026-07-01T00:00:00+00:00` (data_interval_end 2026-07-01, run
# date 2026-06-30, the last day of 2026Q2, so the quarterly report runs too), then asserts the
# run, the XComs, the Delta partitions and the assets, and compares the sharded scores with
# an unsharded `vigil score` of the same inputs (check_run.py), then the exit-code
# behaviour: empty --as-of fails fast, exit 99 skips, exit 2 is not retried (check_exits.py).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 VIGIL_BIN WORKDIR" >&2
  exit 2
fi
VIGIL_BIN=$(realpath "$1")
WORKDIR=$(realpath "$2")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[[ -x $VIGIL_BIN ]] || { echo "not an executable: $VIGIL_BIN" >&2; exit 2; }
[[ -f $WORKDIR/pipelines/demo.toml ]] || { echo "$WORKDIR/pipelines/demo.toml is missing (see the header)" >&2; exit 2; }

AIRFLOW_VERSION=3.3.2
DELTALAKE_VERSION=1.6.6
PYARROW_VERSION=22.0.0
PINS="apache-airflow==$AIRFLOW_VERSION deltalake==$DELTALAKE_VERSION pyarrow==$PYARROW_VERSION"
CACHE=${VIGIL_CACHE:-$HOME/.cache/vigil}
VENV=$CACHE/airflow-venv
SHARDS=${VIGIL_AIRFLOW_SHARDS:-3}
AS_OF=2026-07-01T00:00:00+00:00
RUN_DATE=2026-06-30

log() { printf '== %s\n' "$*" >&2; }
TIMES=()
phase_start() { PHASE=$1; PHASE_T0=$(date +%s.%N); log "$PHASE"; }
phase_end() {
  local secs
  secs=$(awk -v a="$PHASE_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  TIMES+=("$PHASE: ${secs} s")
  log "$PHASE took ${secs} s"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-airflow.XXXXXX")
CONFIG=$WORKDIR/pipelines/.airflow-test-$$.toml
CONFIG2=$WORKDIR/pipelines/.airflow-test-$$-unsharded.toml
cleanup() {
  rm -f "$CONFIG" "$CONFIG2"
  if [[ ${KEEP_TMP:-0} == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# --- 1. Airflow in a reused virtual environment -------------------------------------------
phase_start "install ($PINS)"
if [[ -x $VENV/bin/airflow && $(cat "$VENV/.vigil-pins" 2>/dev/null) == "$PINS" ]]; then
  log "reusing $VENV"
else
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check $PINS; then
    echo "pip could not install $PINS from PyPI (see above)" >&2
    rm -rf "$VENV"
    exit 1
  fi
  echo "$PINS" > "$VENV/.vigil-pins"
fi
"$VENV/bin/airflow" version >/dev/null
phase_end

# --- 2. Demo history and champion model ---------------------------------------------------
models=$(cd "$WORKDIR" && "$VIGIL_BIN" -q models list --config pipelines/demo.toml 2>/dev/null || true)
if [[ ! -f $WORKDIR/data/demo/history/accounts.parquet || $models != *'"champion":true'* ]]; then
  phase_start "vigil demo in $WORKDIR (no demo history or no champion yet)"
  (cd "$WORKDIR" && "$VIGIL_BIN" -q demo --config pipelines/demo.toml > "$TMP/demo.out")
  phase_end
fi

# The demo config with its own warehouse, so every table checked below is the DAG run's.
WAREHOUSE=$TMP/warehouse
"$VENV/bin/python" "$HERE/test_config.py" "$WORKDIR/pipelines/demo.toml" "$WAREHOUSE" > "$CONFIG"

# --- 3. Airflow home on SQLite --------------------------------------------------------------
export AIRFLOW_HOME=$TMP/airflow-home
export AIRFLOW__CORE__DAGS_FOLDER=$REPO/pipelines/airflow
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__UNIT_TEST_MODE=False
export AIRFLOW__LOGGING__LOGGING_LEVEL=INFO
export VIGIL_AIRFLOW_OPERATOR=bash
# Airflow Variables through the environment (AIRFLOW_VAR_<NAME>), as a deployment may set them.
export AIRFLOW_VAR_VIGIL_BIN=$VIGIL_BIN
export AIRFLOW_VAR_VIGIL_CONFIG=$CONFIG
export AIRFLOW_VAR_VIGIL_SHARDS=$SHARDS
# Parse time (DAG processor and workers alike): the warehouse URL of the Asset URIs.
export VIGIL_WAREHOUSE_URL=$WAREHOUSE
export VIGIL_AIRFLOW_RETRY_DELAY_S=5

phase_start "airflow db migrate"
"$VENV/bin/airflow" db migrate > "$TMP/db-migrate.log" 2>&1 || { tail -50 "$TMP/db-migrate.log" >&2; exit 1; }
phase_end

phase_start "airflow dags list --local (both DAGs parse)"
"$VENV/bin/airflow" dags list-import-errors --local -o plain > "$TMP/import-errors.txt" 2>&1 || true
if ! grep -q "No data found" "$TMP/import-errors.txt"; then
  cat "$TMP/import-errors.txt" >&2
  echo "the vigil DAG files do not import (above)" >&2
  exit 1
fi
"$VENV/bin/airflow" dags list --local -o plain > "$TMP/dags.txt" 2>&1
for dag in vigil_daily vigil_retrain; do
  grep -q "^$dag " "$TMP/dags.txt" || { cat "$TMP/dags.txt" >&2; echo "$dag is not listed" >&2; exit 1; }
done
phase_end

# --- 4. The daily DAG, end to end ----------------------------------------------------------
phase_start "airflow dags test vigil_daily $AS_OF ($SHARDS shards)"
set +e
"$VENV/bin/airflow" dags test vigil_daily "$AS_OF" > "$TMP/dags-test.log" 2>&1
rc=$?
set -e
phase_end
if [[ $rc -ne 0 ]]; then
  tail -80 "$TMP/dags-test.log" >&2
  echo "airflow dags test exited $rc" >&2
  exit 1
fi

# The reference: the same date scored unsharded, from the same text_sentiment, elsewhere.
phase_start "vigil score unsharded (reference)"
mkdir -p "$TMP/unsharded"
cp -r "$WAREHOUSE/text_sentiment" "$TMP/unsharded/"
"$VENV/bin/python" "$HERE/test_config.py" "$WORKDIR/pipelines/demo.toml" "$TMP/unsharded" > "$CONFIG2"
if ! (cd "$WORKDIR" && "$VIGIL_BIN" -q score --config "$CONFIG2" --as-of "$AS_OF" > "$TMP/unsharded.json" 2> "$TMP/unsharded.err"); then
  cat "$TMP/unsharded.err" >&2
  exit 1
fi
phase_end

phase_start "check the run, XComs, Delta tables and assets"
"$VENV/bin/python" "$HERE/check_run.py" \
  --db "$AIRFLOW_HOME/airflow.db" --warehouse "$WAREHOUSE" --unsharded "$TMP/unsharded/_staged/run_date=$RUN_DATE" \
  --run-date "$RUN_DATE" --shards "$SHARDS" --log "$TMP/dags-test.log"
phase_end

# --- 5. Exit codes: empty --as-of, exit 99, exit 2 ----------------------------------------
phase_start "check exit-code handling (empty --as-of, 99, 2)"
"$VENV/bin/python" "$HERE/check_exits.py" --dags "$REPO/pipelines/airflow" --workdir "$WORKDIR"
phase_end

# --- 6. Optional: the weekly retraining DAG (trains and may promote in WORKDIR's registry) ----
if [[ ${VIGIL_AIRFLOW_TEST_RETRAIN:-0} == 1 ]]; then
  phase_start "airflow dags test vigil_retrain $AS_OF"
  if ! "$VENV/bin/airflow" dags test vigil_retrain "$AS_OF" > "$TMP/retrain.log" 2>&1; then
    tail -60 "$TMP/retrain.log" >&2
  fi
  phase_end
  "$VENV/bin/python" "$HERE/check_retrain.py" --db "$AIRFLOW_HOME/airflow.db" --warehouse "$WAREHOUSE" \
    --run-date "$RUN_DATE"
fi

log "timings"
for t in "${TIMES[@]}"; do printf '   %s\n' "$t" >&2; done
log "airflow DAG test passed"
