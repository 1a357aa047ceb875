#!/usr/bin/env bash
# Installs the LINE Messaging API stand-in the sender's LINE tests use (idempotent), and can start it.
#
# The stand-in (scripts/line-standin/standin.py) validates every request with the official LINE SDK's
# generated models, so this installs PyPI `line-bot-sdk`, pinned, into the project's .venv (the one
# scripts/moto.sh creates; the two share it without conflicts). The Rust tests start their own
# stand-in on a free port, as they start moto_server; `--serve [PORT]` starts one by hand.
#
# Usage: scripts/line-standin.sh [--serve [PORT]]
set -euo pipefail
cd "$(dirname "$0")/.."

LINE_BOT_SDK_VERSION="3.27.0"
VENV=".venv"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(0 if m.version('line-bot-sdk') == '$LINE_BOT_SDK_VERSION' else 1)" 2>/dev/null; then
    echo "==> line-bot-sdk $LINE_BOT_SDK_VERSION already installed in $VENV"
else
    if [ ! -x "$VENV/bin/python" ]; then
        echo "==> creating $VENV"
        python3 -m venv "$VENV"
    fi
    echo "==> installing line-bot-sdk==$LINE_BOT_SDK_VERSION into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "line-bot-sdk==$LINE_BOT_SDK_VERSION"
fi
# Importing the stand-in proves the SDK models it validates with are there.
(cd scripts/line-standin && "../../$VENV/bin/python" -c "import standin, webhook_events")
echo "==> LINE stand-in ready: $VENV/bin/python scripts/line-standin/standin.py --port PORT"

if [ "${1:-}" = "--serve" ]; then
    cd scripts/line-standin
    exec "../../$VENV/bin/python" standin.py --port "${2:-0}"
fi
