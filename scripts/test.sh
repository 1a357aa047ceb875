#!/usr/bin/env bash
# Runs every Kizuna test on a fresh machine or a used one (idempotent).
#
# It installs and starts what the tests need, then runs the whole suite:
#   - moto_server (AWS emulator for DynamoDB, SES, SQS, S3, Secrets Manager) in .venv, via scripts/moto.sh;
#   - the LINE Messaging API stand-in (official line-bot-sdk models) in the same .venv, via
#     scripts/line-standin.sh; the LINE tests start their own stand-in on free ports;
#   - IPADIC (Debian mecab-ipadic) for the kana readings of the search index, via scripts/ipadic.sh;
#   - the infrastructure checks (aws-sam-translator, cfn-lint, checkov in .venv-infra);
#   - LibreOffice Calc and poppler-utils (scripts/office.sh) for the staff workbook and review tests;
#   - the Rust workspace tests (unit, integration, property, snapshot and doc tests); the sender's
#     integration tests start their own moto_server on free ports;
#   - schemathesis over sender-lambda/openapi.yaml against the real API router on 127.0.0.1 and moto
#     (scripts/api-contract.sh installs it into .venv-schemathesis);
#   - the archive and the one-machine demo (scripts/demo.sh) in a real headless Chromium (scripts/browser-test.sh installs Debian chromium,
#     Japanese fonts and the npm packages it needs).
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> installing moto (scripts/moto.sh)"
scripts/moto.sh

echo "==> installing the LINE Messaging API stand-in (scripts/line-standin.sh)"
scripts/line-standin.sh

echo "==> infrastructure checks: SAM transform, cfn-lint, checkov, publish against moto (scripts/infra-check.sh)"
scripts/infra-check.sh

echo "==> LibreOffice Calc and poppler-utils for the staff workbook and review tests (scripts/office.sh)"
scripts/office.sh
echo "==> IPADIC for search readings (scripts/ipadic.sh)"
scripts/ipadic.sh
# The builds of the tests below share one compiled readings dictionary, kept in the project's
# target folder rather than the home's cache (generator/src/yomi/cache.rs).
export KIZUNA_CACHE_DIR=${KIZUNA_CACHE_DIR:-$PWD/target/kizuna-cache}

echo "==> cargo test --workspace"
cargo test --workspace "$@"

echo "==> the API against its OpenAPI document: schemathesis over the real router and moto (scripts/api-contract.sh)"
scripts/api-contract.sh

echo "==> browser tests: archive, search, finder, accessibility, the demo (scripts/browser-test.sh)"
scripts/browser-test.sh
