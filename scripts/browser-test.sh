#!/usr/bin/env bash
# The archive in a real browser (issue 10, DESIGN.md §7): builds the sample archive into a
# temporary directory and runs tests/browser with node's test runner — the finder's date rules
# against kizuna-schedule's vectors, then Debian Chromium driven by playwright-core over http
# (navigation, Japanese search, the finder, no-JS pages, a 375×812 viewport, axe on every page type),
# and the one-machine demo driven as a parent (demo.test.js starts scripts/demo.sh itself).
#
# Idempotent, for a fresh Debian machine or a used one. As root it installs what is missing
# (apt: chromium, fonts-noto-cjk, and nodejs/npm when there is no node; npm ci in tests/browser).
# Anything missing that it cannot install is an error with the command to fix it: it never skips.
# Usage: scripts/browser-test.sh   (CHROMIUM=/path overrides /usr/bin/chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "browser-test: error: $*" >&2
  exit 1
}

chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$chromium_bin" ] || missing+=(chromium)
fc-list :lang=ja 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    fail "missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}"
  fi
  echo "==> apt-get install ${missing[*]}"
  apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
fi
[ -x "$chromium_bin" ] || fail "no Chromium at $chromium_bin (apt-get install -y chromium, or set CHROMIUM)"
fc-list :lang=ja | grep -q . || fail "no Japanese font (apt-get install -y fonts-noto-cjk)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || fail "Node.js $node_major is too old: the tests need 18 or newer"

echo "==> npm ci (tests/browser)"
(cd tests/browser && npm ci --no-audit --no-fund --prefer-offline >/dev/null) \
  || fail "npm ci in tests/browser failed (is the npm registry reachable?)"

echo "==> building the sample archive"
scripts/ipadic.sh
# The workspace's binaries at once: the features `cargo test --workspace` built with, nothing recompiled.
cargo build -q --workspace --bins
kizuna="$(pwd)/${CARGO_TARGET_DIR:-target}/debug/kizuna"
[ -x "$kizuna" ] || fail "the kizuna binary is not at $kizuna"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
today=2026-11-26
# The archive is built for the address the test server will listen on, so that absolute links
# (the subscription pages use them, as the API serves some of them too) stay on this machine.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$kizuna" build --today "$today" --out "$work/public" --base-url "http://127.0.0.1:$port" >/dev/null

echo "==> node --test tests/browser ($("$chromium_bin" --version 2>/dev/null | head -n1))"
cd tests/browser
KIZUNA_ARCHIVE="$work/public" KIZUNA_PORT="$port" KIZUNA_BIN="$kizuna" KIZUNA_TODAY="$today" CHROMIUM="$chromium_bin" \
  node --test --test-concurrency=1 vectors.test.js archive.test.js search.test.js search-shared.test.js demo.test.js forms.test.js line-pages.test.js reports.test.js reports-surveys.test.js surveys.test.js
