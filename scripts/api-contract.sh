#!/usr/bin/env bash
# The subscription API against its OpenAPI document (issue 15 item 8): schemathesis (PyPI, pinned)
# drives the real router — `kizuna-sender api serve` on 127.0.0.1, the code the API Lambda runs —
# over moto, with a bounded number of examples per operation and a fixed seed. It fails on any
# 5xx, any status, content type, header or body that sender-lambda/openapi.yaml does not document,
# and any change to the tables or any mail sent by a refused request (tests/api-contract/hooks.py).
#
# Idempotent, for a fresh Debian machine or a used one: installs moto (scripts/moto.sh) and
# schemathesis with boto3 into .venv-schemathesis. Usage: scripts/api-contract.sh [--max-examples N]
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "api-contract: error: $*" >&2
  exit 1
}

SCHEMATHESIS_VERSION="4.32.5"
BOTO3_VERSION="1.44.18"
VENV=".venv-schemathesis"
max_examples=20
case "${1:-}" in
  --max-examples) max_examples="${2:?--max-examples needs a number}" ;;
  "") ;;
  *) fail "unknown argument $1" ;;
esac

command -v python3 >/dev/null || fail "python3 is missing (apt-get install -y python3 python3-venv)"
scripts/moto.sh >/dev/null
if ! "$VENV/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(0 if m.version('schemathesis') == '$SCHEMATHESIS_VERSION' and m.version('boto3') else 1)" 2>/dev/null; then
  echo "==> installing schemathesis==$SCHEMATHESIS_VERSION and boto3 into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || fail "cannot create $VENV (apt-get install -y python3-venv)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "boto3==$BOTO3_VERSION" || fail "pip install schemathesis failed (is PyPI reachable?)"
fi

echo "==> building kizuna and kizuna-sender"
# The whole workspace's binaries at once: the same features as `cargo test --workspace`, so the test
# command reuses what its tests built instead of compiling the dependencies again per package.
cargo build -q --workspace --bins
bin="$(pwd)/${CARGO_TARGET_DIR:-target}/debug"

source scripts/local-aws.sh
work="$(mktemp -d)"
pids=()
trap 'stop_started; rm -rf "$work"' EXIT
port="$(free_port)"
origin="http://127.0.0.1:$port"
"$bin/kizuna" build --out "$work/public" --base-url "$origin" --no-search >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "kizuna build failed"; }
start_moto "$work/moto.log"

export KIZUNA_LINK_SECRET="contract:$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export KIZUNA_SCHEDULE="$work/public" KIZUNA_API_ALLOWED_ORIGINS="$origin"
export KIZUNA_SUBSCRIPTIONS_TABLE=contract-subscriptions KIZUNA_DELIVERIES_TABLE=contract-deliveries
export KIZUNA_ALLOW_DRAFT=1 KIZUNA_MAX_SEND_RATE=50 KIZUNA_LOG=error
"$bin/kizuna-sender" tables create >/dev/null
verify_senders "$KIZUNA_SCHEDULE"
"$bin/kizuna-sender" api serve --listen "127.0.0.1:$port" >"$work/api.log" 2>&1 &
pids+=("$!")
wait_for_http "$origin/api/subscriptions" 30 || { cat "$work/api.log" >&2; fail "the local API did not start"; }

municipality="$(basename "$(dirname "$(ls "$KIZUNA_SCHEDULE"/*/schedule.json | head -n1)")")"
echo "==> schemathesis $SCHEMATHESIS_VERSION: sender-lambda/openapi.yaml against $origin (≤ $max_examples examples per operation)"
KIZUNA_API="$origin" KIZUNA_CONTRACT_MUNICIPALITY="$municipality" \
  PYTHONPATH="$(pwd)/tests/api-contract" SCHEMATHESIS_HOOKS=hooks \
  "$VENV/bin/schemathesis" run sender-lambda/openapi.yaml --url "$origin" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,refused_requests_change_nothing \
    --workers 1 --max-examples "$max_examples" --seed 23 --phases examples,coverage,fuzzing \
    --generation-database none --max-time 240 --no-color \
  || { echo "--- API log" >&2; tail -n 50 "$work/api.log" >&2; fail "the API does not match its OpenAPI document (above)"; }
