#!/usr/bin/env bash
# Try the whole service on one machine (issue 23): the archive, the subscription API and a mailbox
# on ONE origin, http://127.0.0.1:PORT/, with moto standing in for DynamoDB, SES, S3 and SQS.
#
#   scripts/demo.sh [--port 8080] [--seed-families N]   installs (once) and starts everything;
#                                                       Ctrl-C stops everything it started
#   scripts/demo.sh run-day 2027-01-15 [--port 8080]    runs the real delivery for that Japan date
#                                                       in the running demo (as its mailbox button does)
#
# What it starts, all on 127.0.0.1 only:
#   - moto_server from the project's .venv (scripts/moto.sh installs it), with the tables
#     (`kizuna-sender tables create`) and every municipality's sender address verified in SES;
#   - `kizuna-sender api serve --demo`: the archive built for this origin (`kizuna build --base-url`),
#     `/api/*` answered by the real API router (the code the API Lambda runs), and `/_mail/`, every
#     mail moto captured, newest first, with one-click unsubscribe and the demo's clock.
# The sample content is marked draft, so the demo sends drafts (KIZUNA_ALLOW_DRAFT=1). Its state is
# in memory: a new start begins with empty tables and an empty mailbox. The built archive and the
# logs are in .demo/ (or $KIZUNA_DEMO_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "demo: error: $*" >&2
  exit 1
}

port=8080
seed=0
command=serve
day=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --seed-families) seed="${2:?--seed-families needs a number}"; shift 2 ;;
    --seed-families=*) seed="${1#--seed-families=}"; shift ;;
    run-day) command=run-day; day="${2:?run-day needs a date, e.g. run-day 2027-01-15}"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $1 (see scripts/demo.sh --help)" ;;
  esac
done
[[ "$port" =~ ^[0-9]+$ ]] || fail "--port must be a number"
[[ "$seed" =~ ^[0-9]+$ ]] || fail "--seed-families must be a number"
origin="http://127.0.0.1:$port"

if [ "$command" = run-day ]; then
  [[ "$day" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || fail "run-day needs a date as YYYY-MM-DD"
  exec python3 - "$origin" "$day" <<'PY'
import sys, urllib.error, urllib.parse, urllib.request
origin, day = sys.argv[1], sys.argv[2]
request = urllib.request.Request(origin + "/_mail/run-day", data=urllib.parse.urlencode({"date": day}).encode(),
                                 headers={"Accept": "text/plain"}, method="POST")
try:
    with urllib.request.urlopen(request, timeout=600) as response:
        sys.stdout.write(response.read().decode())
except urllib.error.HTTPError as error:
    sys.stdout.write(error.read().decode())
    sys.exit(1)
except OSError as error:
    sys.exit(f"demo: error: no demo answers at {origin} ({error}); start it with scripts/demo.sh --port {origin.rsplit(':', 1)[1]}")
PY
fi

command -v python3 >/dev/null || fail "python3 is missing (apt-get install -y python3 python3-venv)"
command -v cargo >/dev/null || fail "cargo is missing (install Rust from https://rustup.rs)"

echo "==> moto (scripts/moto.sh)"
scripts/moto.sh >/dev/null
echo "==> building kizuna and kizuna-sender"
# The whole workspace's binaries at once: the same features as `cargo test --workspace`, so the test
# command reuses what its tests built instead of compiling the dependencies again per package.
cargo build -q --workspace --bins
bin="$(pwd)/${CARGO_TARGET_DIR:-target}/debug"

state="${KIZUNA_DEMO_DIR:-.demo}"
mkdir -p "$state"
echo "==> building the archive for $origin (into $state/public)"
"$bin/kizuna" build --out "$state/public" --base-url "$origin" >"$state/build.log" 2>&1 \
  || { cat "$state/build.log" >&2; fail "kizuna build failed"; }

source scripts/local-aws.sh
pids=()
trap stop_started EXIT
trap 'exit 130' INT TERM
start_moto "$state/moto.log"

# Settings of every kizuna-sender below (and of the runs the mailbox starts): a fresh link key per
# start, as the emulator forgets everything anyway.
export KIZUNA_LINK_SECRET="demo:$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export KIZUNA_SCHEDULE="$(cd "$state" && pwd)/public"
export KIZUNA_API_ALLOWED_ORIGINS="$origin"
export KIZUNA_ALLOW_DRAFT=1 KIZUNA_MAX_SEND_RATE=50 KIZUNA_LOG="${KIZUNA_LOG:-warn}"

echo "==> tables and sender identities in moto ($AWS_ENDPOINT_URL)"
"$bin/kizuna-sender" tables create >/dev/null
verify_senders "$KIZUNA_SCHEDULE"

if [ "$seed" -gt 0 ]; then
  echo "==> $seed sample families (kizuna-sender subscribers import)"
  python3 - "$KIZUNA_SCHEDULE" "$seed" >"$state/families.csv" <<'PY'
import datetime, glob, json, os, sys
root, count = sys.argv[1], int(sys.argv[2])
ids = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(root, "*", "schedule.json")))
today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).date()
print("email,municipality,kind,date")
for n in range(count):
    # Half expecting (due 1–280 days ahead), half with a child (born 0–2 years ago): the mailbox
    # fills with messages of every stage at once.
    if n % 2 == 0:
        kind, date = "due", today + datetime.timedelta(days=1 + (n * 37) % 280)
    else:
        kind, date = "birth", today - datetime.timedelta(days=(n * 53) % 730)
    print(f"family{n + 1}@example.jp,{ids[n % len(ids)]},{kind},{date}")
PY
  "$bin/kizuna-sender" subscribers import "$state/families.csv"
fi

echo "==> starting the demo on $origin"
"$bin/kizuna-sender" api serve --listen "127.0.0.1:$port" --demo "$state/public" &
pids+=("$!")
for _ in $(seq 1 100); do
  wait_for_http "$origin/_mail/" 0.2 && break
  kill -0 "${pids[-1]}" 2>/dev/null || fail "the demo server stopped (is port $port free? try --port)"
done
wait_for_http "$origin/_mail/" 5 || fail "the demo server did not answer on $origin"

cat <<EOT

  Kizuna demo — everything on this machine, nothing is really sent.

    archive      $origin/
    sign up      $origin/$(basename "$(dirname "$(ls "$KIZUNA_SCHEDULE"/*/schedule.json | head -n1)")")/subscribe/signup/
    mailbox      $origin/_mail/
    emulator     $AWS_ENDPOINT_URL   (moto; AWS_ENDPOINT_URL for kizuna-sender commands)
    run a day    scripts/demo.sh run-day $(python3 -c 'import datetime; print((datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))) + datetime.timedelta(days=1)).date())') --port $port   (or the button in the mailbox)

  Ctrl-C stops the demo and the emulator.
EOT
wait "${pids[-1]}"
