#!/usr/bin/env bash
# Screenshots of the demo's reports for the README and docs/reports.md: runs the demo in a
# scratch folder (or uses DEMO_DIR, a project folder after `vigil demo`), writes the pages the
# demo leaves out (quarterly report, doctor), checks every page in headless Chromium
# (tests/browser/check_reports.py) and keeps full-page 1280 px PNGs of the quarterly, model,
# validation and doctor pages as docs/screenshots/{quarterly,model,validation,doctor}.png (a page
# whose PNG would pass ~600 KB is cut to its first screens; the output says so).
#
#   scripts/screenshots.sh [DEMO_DIR]
#
# Needs chromium and pdftotext (Debian: chromium poppler-utils fonts-dejavu-core) and a built
# binary (VIGIL_BIN, default target/debug/vigil). Exits 1 when a browser check fails; the
# screenshots are written anyway, so look at them and at the failures.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '== %s\n' "$*" >&2; }

vigil_bin=$(realpath "${VIGIL_BIN:-${CARGO_TARGET_DIR:-target}/debug/vigil}")
[[ -x $vigil_bin ]] || { echo "no vigil binary at $vigil_bin (cargo build, or set VIGIL_BIN)" >&2; exit 2; }
if [[ $# -ge 1 ]]; then
  demo=$(realpath "$1")
else
  demo=$(mktemp -d "${TMPDIR:-/tmp}/vigil-screenshots.XXXXXX")
  trap 'rm -rf "$demo"' EXIT
  mkdir -p "$demo/data"
  cp -r pipelines models "$demo/"
  cp -r data/sentiment "$demo/data/"
  log "running vigil demo in $demo"
  (cd "$demo" && "$vigil_bin" demo >"$demo/demo.out" 2>"$demo/demo.log") || { tail -n 40 "$demo/demo.log" >&2; exit 1; }
fi
log "rendering and checking the reports of $demo"
rm -f docs/screenshots/{quarterly,model,validation,doctor}.png # a page that is gone leaves no stale image
python3 tests/browser/check_reports.py "$demo" --vigil "$vigil_bin" --screenshots docs/screenshots
