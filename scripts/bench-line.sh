#!/usr/bin/env bash
# Benchmark of LINE delivery (outside CI): starts the LINE stand-in (scripts/line-standin.sh),
# registers channels, and measures
#   1. sender-lambda/examples/bench-line.rs: N pushes through the real client and pacer;
#   2. sender-lambda/examples/bench-line-day.rs: a whole day's run (`run_day`, planning, reservation,
#      LinePush) for FAMILIES LINE families of the towns with LINE in public/ (built if missing);
# then reads the stand-in's arrival timestamps for the pacing accuracy: the most pushes in any
# one-second window of one channel against the configured rate. Figures go to docs/benchmarks.md.
# Usage: scripts/bench-line.sh [PUSHES] [RATE] [CONCURRENCY] [FAMILIES] [DATE]
#        (default 3000 500 16 20000 2026-11-26); PROFILE=dev skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
pushes="${1:-3000}"; rate="${2:-500}"; concurrency="${3:-16}"; families="${4:-20000}"; date="${5:-2026-11-26}"
profile="${PROFILE:-release}"
scripts/line-standin.sh >/dev/null
if [ ! -f public/index.html ]; then
  echo "==> building the sample site into public/ (the day's run uses its schedules)"
  cargo run -p kizuna-generator --quiet -- build
fi
cargo build -p kizuna-sender --profile "${profile}" --example bench-line --example bench-line-day
dir=target/${profile}/examples; [ "${profile}" = dev ] && dir=target/debug/examples
out=$(mktemp); (cd scripts/line-standin && exec ../../.venv/bin/python standin.py --port 0) >"$out" &
standin=$!; trap 'kill $standin 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q LISTENING "$out" && break; sleep 0.2; done
base="http://127.0.0.1:$(awk '/LISTENING/ {print $2}' "$out")"
# The most pushes the stand-in saw in any one-second window of one channel.
window() {
  curl -fsS "$base/_standin/pushes?channel_id=$1" | python3 -c '
import json, sys
times = sorted(p["at"] for p in json.load(sys.stdin))
j, most = 0, 0
for i, t in enumerate(times):
    while times[j] <= t - 1.0:
        j += 1
    most = max(most, i - j + 1)
print(f"channel '"$1"': stand-in recorded={len(times)} max_in_any_1s_window={most} (configured rate '"$2"'/s)")'
}
curl -fsS "$base/_standin/channels" -d '{"channel_id":"9999","channel_secret":"bench-secret","rate_per_second":2000}' >/dev/null
echo "==> pushes through the client and pacer"
"${dir}/bench-line" "$base" 9999 bench-secret "$pushes" "$rate" "$concurrency"
window 9999 "$rate"
# One channel per town with LINE (bench-line-day gives the n-th town channel 900<n>).
for n in 0 1 2 3 4 5 6 7 8 9; do
  curl -fsS "$base/_standin/channels" \
    -d "{\"channel_id\":\"900$n\",\"channel_secret\":\"bench-secret-$n\",\"rate_per_second\":2000}" >/dev/null
done
echo "==> a whole day's run with LINE families"
"${dir}/bench-line-day" "$base" public "$date" "$families" "$rate"
for n in 0 1; do window "900$n" "$rate"; done
