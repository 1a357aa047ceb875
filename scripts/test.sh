#!/usr/bin/env bash
# Runs every Kizuna test on a fresh machine or a used one (idempotent).
#
# It installs and starts what the tests need, then runs the whole suite:
#   - the Rust workspace tests (unit, integration, property, snapshot and doc tests).
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo test --workspace"
cargo test --workspace "$@"
