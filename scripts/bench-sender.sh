#!/usr/bin/env bash
# Benchmark of the sender's daily run (outside CI): planning and delivery of one Japan date for
# 1,000,000 subscriptions with an in-memory store and a counting mailer, against a Scan-based
# baseline in the same run. Writes docs/benchmarks-sender.md.
# Usage: scripts/bench-sender.sh [SUBSCRIBERS] (default 1000000); PROFILE=dev to skip the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
subscribers="${1:-1000000}"
profile="${PROFILE:-release}"
if [ ! -f public/index.html ]; then
  echo "==> building the sample site into public/ (the benchmark uses its schedules)"
  cargo run -p kizuna-generator --quiet -- build
fi
echo "==> cargo build --profile ${profile} --example bench-sender"
cargo build -p kizuna-sender --profile "${profile}" --example bench-sender
dir=target/${profile}/examples
[ "${profile}" = dev ] && dir=target/debug/examples
"${dir}/bench-sender" --schedule public --subscribers "${subscribers}" --date 2026-11-26 \
  --profile "${profile}" --output docs/benchmarks-sender.md
