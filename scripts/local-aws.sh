# Shared by scripts/demo.sh, scripts/api-contract.sh and scripts/publish-test.sh (sourced, not
# run): moto_server from the project's .venv on a free 127.0.0.1 port, with the sender addresses
# of a built archive verified in SES. The caller has run scripts/moto.sh, defines `fail`, and keeps the `pids` array it stops.

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until URL answers (any HTTP status), up to SECONDS; returns 1 if it never does.
wait_for_http() {
  python3 - "$1" "$2" <<'PY'
import sys, time, urllib.error, urllib.request
url, deadline = sys.argv[1], time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# Starts moto_server (its log in LOG_FILE) and exports the AWS settings every kizuna-sender
# command and boto3 then use: AWS_ENDPOINT_URL, region ap-northeast-1, dummy credentials.
start_moto() {
  local log_file="$1" port
  port="$(free_port)"
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
  pids+=("$!")
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=ap-northeast-1
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  wait_for_http "$AWS_ENDPOINT_URL/moto-api/data.json" 30 || fail "moto_server did not start (see $log_file)"
}

# Verifies in SES the sender address of every municipality in a built archive (moto verifies at once).
verify_senders() {
  .venv/bin/python - "$1" <<'PY'
import glob, json, os, sys
import boto3
ses = boto3.client("sesv2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="ap-northeast-1")
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*", "schedule.json"))):
    with open(path, encoding="utf-8") as file:
        ses.create_email_identity(EmailIdentity=json.load(file)["municipality"]["email"]["from"])
PY
}

# Stops one started process: TERM, then KILL when it is still there after 5 s. moto_server's
# signal handler calls sys.exit in whatever thread code the signal lands in; inside Python's
# threading internals that leaves a lock broken and the server hung for good (seen once in CI,
# where the demo test then waited for ever), so a stop never waits on a process without a limit.
stop_process() {
  local pid="$1"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Stops every process in `pids` (the EXIT trap of the caller).
stop_started() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do stop_process "$pid"; done
}
