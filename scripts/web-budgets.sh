#!/usr/bin/env bash
# Web budgets of the archive (issue 10), outside CI: a message page must transfer under 30 KB
# (search assets excluded), no page type may have a render-blocking script, and Lighthouse 12.2.3
# (mobile) must score 100 for accessibility and at least 95 for performance on a message page and
# a landing page. Writes the measured figures to docs/benchmarks-web.md; exits non-zero when a
# budget is missed. Needs what scripts/browser-test.sh installs (run it first on a fresh machine).
# Usage: scripts/web-budgets.sh   (LIGHTHOUSE_RUNS=N, default 3 runs per page)
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "web-budgets: error: $*" >&2
  exit 1
}
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "no Chromium: run scripts/browser-test.sh (it installs it) or apt-get install -y chromium"
command -v node >/dev/null || fail "no Node.js: run scripts/browser-test.sh first"

echo "==> npm ci (tests/browser, tests/browser/lighthouse)"
(cd tests/browser && npm ci --no-audit --no-fund --prefer-offline >/dev/null) || fail "npm ci in tests/browser failed"
(cd tests/browser/lighthouse && npm ci --no-audit --no-fund --prefer-offline >/dev/null) \
  || fail "npm ci in tests/browser/lighthouse failed"

echo "==> building the sample archive"
scripts/ipadic.sh
cargo build -q -p kizuna-generator --bin kizuna
kizuna="$(pwd)/${CARGO_TARGET_DIR:-target}/debug/kizuna"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$kizuna" build --today 2026-11-26 --out "$work/public" >/dev/null

BUILD_TIMING="$("$kizuna" build --today 2026-11-26 --null-sink | tail -n 1)"
export BUILD_TIMING

echo "==> measuring (Lighthouse takes about half a minute per run)"
mkdir -p docs
node tests/browser/budgets.js "$work/public" docs/benchmarks-web.md
