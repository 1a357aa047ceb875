#!/usr/bin/env bash
# Benchmark of LINE delivery (outside CI): starts the LINE stand-in (scripts/line-standin.sh),
# registers one channel, runs sender-lambda/examples/bench-line.rs (N pushes through the real
# client and pacer), then reads the stand-in's arrival timestamps for the pacing accuracy: the most
# pushes in any one-second window against the configured rate. Figures go to docs/benchmarks.md.
# Usage: scripts/bench-line.sh [PUSHES] [RATE] [CONCURRENCY]   (default 3000 500 16); PROFILE=dev skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
pushes="${1:-3000}"; rate="${2:-500}"; concurrency="${3:-16}"; profile="${PROFILE:-release}"
scripts/line-standin.sh >/dev/null
cargo build -p kizuna-sender --profile "${profile}" --example bench-line
dir=target/${profile}/examples; [ "${profile}" = dev ] && dir=target/debug/examples
out=$(mktemp); (cd scripts/line-standin && exec ../../.venv/bin/python standin.py --port 0) >"$out" &
standin=$!; trap 'kill $standin 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q LISTENING "$out" && break; sleep 0.2; done
base="http://127.0.0.1:$(awk '/LISTENING/ {print $2}' "$out")"
curl -fsS "$base/_standin/channels" -d '{"channel_id":"9001","channel_secret":"bench-secret","rate_per_second":2000}' >/dev/null
"${dir}/bench-line" "$base" 9001 bench-secret "$pushes" "$rate" "$concurrency"
curl -fsS "$base/_standin/pushes?channel_id=9001" | python3 -c '
import json, sys
times = sorted(p["at"] for p in json.load(sys.stdin))
j, most = 0, 0
for i, t in enumerate(times):
    while times[j] <= t - 1.0:
        j += 1
    most = max(most, i - j + 1)
print(f"stand-in recorded={len(times)} max_in_any_1s_window={most} (configured rate '"$rate"'/s)")'
