#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly (nbclient) against a vigil warehouse, twice:
#  1. the warehouse as given (out/warehouse after `vigil demo`, and `vigil report` if
#     quarterly_patterns is wanted): every notebook must run without an error and show a chart
#     or say which optional table is absent; nothing but an optional table that really is absent
#     may be reported absent (the registry, the validation report, risk_scores, actions and
#     model_runs must be read); every row count a notebook prints must match the table's
#     partition (tests/notebooks/execute.py);
#  2. a copy holding only risk_scores and no registry: the notebooks must still run, printing
#     an `absent: …` notice for each missing table instead of failing.
# Dependencies (tests/notebooks/requirements.txt, pinned) go into a virtual environment under
# ${VIGIL_CACHE:-$HOME/.cache/vigil}/notebooks-venv, reused while the requirements are unchanged.
#
# usage: tests/notebooks/run.sh WAREHOUSE_DIR [REGISTRY_DIR]
#   REGISTRY_DIR defaults to the registry/ folder beside WAREHOUSE_DIR (the demo's layout).
#   NOTEBOOK_CELL_TIMEOUT (seconds, default 180) bounds each cell.
set -euo pipefail

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: tests/notebooks/run.sh WAREHOUSE_DIR [REGISTRY_DIR]"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ -d $1 ]] || die "warehouse '$1' is not a folder (run \`vigil demo\` first: it writes out/warehouse)"
warehouse=$(cd "$1" && pwd)
[[ -d $warehouse/risk_scores/_delta_log ]] || die "no risk_scores Delta table under $warehouse"
registry=${2:-$(dirname "$warehouse")/registry}
if [[ -d $registry ]]; then registry=$(cd "$registry" && pwd); else log "no registry at $registry"; fi

cache=${VIGIL_CACHE:-$HOME/.cache/vigil}
venv=$cache/notebooks-venv
req=$root/tests/notebooks/requirements.txt
want=$(sha256sum "$req" | cut -d' ' -f1)
started=$(date +%s%N)
if [[ ! -x $venv/bin/python || "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
  log "installing the notebook environment into $venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" >"$venv/.requirements.sha256"
  log "installed in $(( ($(date +%s%N) - started) / 1000000 )) ms"
else
  log "reusing $venv ($(( ($(date +%s%N) - started) / 1000000 )) ms)"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Kernel state (connection files, IPython profile) stays out of the user's home; matplotlib's
# font cache is kept with the venv so later runs skip building it.
export JUPYTER_RUNTIME_DIR=$scratch/jupyter-runtime JUPYTER_PLATFORM_DIRS=1
export IPYTHONDIR=$scratch/ipython MPLCONFIGDIR=$cache/notebooks-matplotlib
unset VIGIL_RUN_DATE VIGIL_QUARTER VIGIL_REPORTS MPLBACKEND
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in notebooks/ from importing vigil_nb
shopt -s nullglob
notebooks=("$root"/notebooks/*.ipynb)
(( ${#notebooks[@]} )) || die "no notebook under $root/notebooks"

missing=() absent_names=()
for t in monitoring text_sentiment quarterly_patterns feedback_summary; do
  [[ -d $warehouse/$t/_delta_log ]] || { missing+=(--missing "$t"); absent_names+=("$t"); }
done
log "run 1: ${#notebooks[@]} notebooks against $warehouse (optional tables absent: ${absent_names[*]:-none})"
VIGIL_WAREHOUSE=$warehouse VIGIL_REGISTRY=$registry \
  "$venv/bin/python" "$root/tests/notebooks/execute.py" --strict "${missing[@]}" \
  --require-count risk_scores --require-count actions --require-count model_runs "${notebooks[@]}"

log "run 2: a warehouse with only risk_scores and no registry"
mkdir -p "$scratch/warehouse"
cp -r "$warehouse/risk_scores" "$scratch/warehouse/"
absent=()
for t in actions model_runs monitoring text_sentiment quarterly_patterns feedback_summary; do
  absent+=(--expect-absent "$t")
done
VIGIL_WAREHOUSE=$scratch/warehouse VIGIL_REGISTRY=$scratch/no-registry \
  "$venv/bin/python" "$root/tests/notebooks/execute.py" --require-count risk_scores "${absent[@]}" "${notebooks[@]}"
