#!/usr/bin/env bash
# Builds the three Lambda functions for AWS Lambda (provided.al2023, x86_64) with cargo-lambda.
#
# Installs cargo-lambda from PyPI into .venv-lambda when it is missing (it brings zig, which links
# against the Lambda runtime's glibc), then runs
#   cargo lambda build --release --bin delivery-lambda --bin api-lambda --bin ses-events-lambda
# Each function's `bootstrap` lands in target/lambda/<binary>/. `sam build --beta-features` runs
# the same build per function (BuildMethod: rust-cargolambda); this script is the quick check that
# the functions build, outside .ci/run (a release build of the AWS SDK takes minutes on 2 cores).
# arm64 is untested here (only the x86_64 Rust target is installed).
#
# Usage: scripts/lambda-build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=".venv-lambda"
CARGO_LAMBDA_VERSION="1.9.2"
BINARIES=(delivery-lambda api-lambda ses-events-lambda)

# The binaries must exist and start the Lambda runtime (not placeholders).
missing=()
for binary in "${BINARIES[@]}"; do
    source="sender-lambda/src/bin/$binary.rs"
    if [ ! -f "$source" ]; then
        missing+=("$binary ($source does not exist)")
    elif ! grep -q "lambda_runtime" "$source"; then
        missing+=("$binary ($source does not start lambda_runtime yet)")
    elif ! grep -q "name = \"$binary\"" sender-lambda/Cargo.toml; then
        missing+=("$binary (no [[bin]] in sender-lambda/Cargo.toml)")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "lambda-build: cannot build the functions, missing binaries:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi

if [ -x "$VENV/bin/cargo-lambda" ] && "$VENV/bin/cargo-lambda" lambda --version 2>/dev/null | grep -q "$CARGO_LAMBDA_VERSION"; then
    echo "==> cargo-lambda $CARGO_LAMBDA_VERSION already installed in $VENV"
else
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    echo "==> installing cargo-lambda==$CARGO_LAMBDA_VERSION into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION"
fi
export PATH="$PWD/$VENV/bin:$PATH"

ARGS=()
for binary in "${BINARIES[@]}"; do ARGS+=(--bin "$binary"); done
echo "==> cargo lambda build --release --x86-64 ${ARGS[*]}"
cargo lambda build --release --x86-64 "${ARGS[@]}"

for binary in "${BINARIES[@]}"; do
    bootstrap="target/lambda/$binary/bootstrap"
    [ -x "$bootstrap" ] || { echo "lambda-build: $bootstrap was not produced" >&2; exit 1; }
    echo "==> $bootstrap ($(du -h "$bootstrap" | cut -f1))"
done
