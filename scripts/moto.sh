#!/usr/bin/env bash
# Installs the AWS emulator the sender's integration tests use (idempotent).
#
# Creates <repo>/.venv with moto[server] pinned to the version DESIGN.md §7 was measured with, so
# `.venv/bin/moto_server` exists. The Rust tests start their own moto_server on a free port; this
# script only installs it. Re-running it when the right version is present does nothing.
#
# Usage: scripts/moto.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION="5.2.5"
VENV=".venv"

if [ -x "$VENV/bin/moto_server" ] && "$VENV/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(0 if m.version('moto') == '$MOTO_VERSION' else 1)" 2>/dev/null; then
    echo "==> moto $MOTO_VERSION already installed in $VENV"
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    python3 -m venv "$VENV"
fi
echo "==> installing moto[server]==$MOTO_VERSION into $VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
"$VENV/bin/moto_server" --help >/dev/null
echo "==> moto_server ready: $VENV/bin/moto_server"
