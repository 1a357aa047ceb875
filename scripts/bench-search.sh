#!/usr/bin/env bash
# Search quality benchmark (issue 22): builds the sample archive and types every query of
# tests/browser/search-queries.json into ゆめみ野市's search box in Debian Chromium, then prints the
# precision and recall of the top 5 as a Markdown table for docs/benchmarks.md.
# Usage: scripts/bench-search.sh [LABEL]
#   KIZUNA_BIN=path   measure an archive built by another kizuna binary (e.g. one built from an
#                     older commit, for the "before" column); THEME=dir its theme (site-theme).
# Installs what it needs like scripts/browser-test.sh (chromium, fonts, npm ci, IPADIC).
set -euo pipefail
cd "$(dirname "$0")/.."
label="${1:-search}"
[ -x /usr/bin/chromium ] || { echo "bench-search: run scripts/browser-test.sh once (installs chromium)" >&2; exit 1; }
scripts/ipadic.sh
(cd tests/browser && npm ci --no-audit --no-fund --prefer-offline >/dev/null)
if [ -z "${KIZUNA_BIN:-}" ]; then
  cargo build -q -p kizuna-generator --bin kizuna
  KIZUNA_BIN="$(pwd)/${CARGO_TARGET_DIR:-target}/debug/kizuna"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$KIZUNA_BIN" build --today 2026-11-26 --theme "${THEME:-site-theme}" --out "$work/public" >/dev/null
node tests/browser/search-quality.js "$work/public" "$label"
