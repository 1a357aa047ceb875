#!/usr/bin/env bash
# Tests scripts/publish.sh against moto S3 (run by scripts/infra-check.sh; idempotent).
#
# Starts its own moto_server (.venv, scripts/moto.sh) on a free port and uses the AWS CLI from
# .venv-infra, then checks: a build is uploaded under builds/<id>/ without the generator's
# bookkeeping files and current.json is switched to it; --dry-run changes nothing; drafts and mixed
# builds are refused; a half-finished upload (the CLI failing mid-sync) leaves the previous build
# current, and re-running completes it.
#
# Usage: scripts/publish-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/moto_server ] || scripts/moto.sh
[ -x .venv-infra/bin/aws ] || { echo "publish-test: run scripts/infra-check.sh first (installs the AWS CLI into .venv-infra)" >&2; exit 1; }

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
.venv/bin/moto_server -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
source scripts/local-aws.sh
trap 'stop_process "$MOTO_PID"; rm -rf "$WORK"' EXIT

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_REGION=ap-northeast-1 AWS_DEFAULT_REGION=ap-northeast-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export PATH="$PWD/.venv-infra/bin:$PATH"
for _ in $(seq 50); do
    curl -sf "$AWS_ENDPOINT_URL/moto-api/" >/dev/null 2>&1 && break
    sleep 0.1
done

BUCKET="kizuna-archive-test"
aws s3api create-bucket --bucket "$BUCKET" --create-bucket-configuration LocationConstraint=ap-northeast-1 >/dev/null

PASSED=0 FAILED=0
check() { # check NAME COMMAND…
    local name="$1"; shift
    if "$@"; then PASSED=$((PASSED + 1)); echo "ok   $name"; else FAILED=$((FAILED + 1)); echo "FAIL $name"; fi
}

# A small build: two municipalities, pages, mail parts and the generator's bookkeeping files.
make_build() { # make_build DIR ID PRODUCTION [SECOND_ID]
    local dir="$1" id="$2" production="$3" second="${4:-$2}"
    mkdir -p "$dir/assets" "$dir/hikari/maternity/12w3d" "$dir/hikari/mail/sections" "$dir/sora"
    echo '<!doctype html><title>きずな</title>' >"$dir/index.html"
    echo 'body{}' >"$dir/assets/style.css"
    echo "<p>$id</p>" >"$dir/hikari/maternity/12w3d/index.html"
    echo '{"title":"t","html":"<p>h</p>","text":"t"}' >"$dir/hikari/mail/sections/x.json"
    printf '{"schema":"kizuna-schedule/2","build":{"id":"%s","production":%s},"entries":[]}\n' "$id" "$production" >"$dir/hikari/schedule.json"
    printf '{"schema":"kizuna-schedule/2","build":{"id":"%s","production":%s},"entries":[]}\n' "$second" "$production" >"$dir/sora/schedule.json"
    echo 'manifest' >"$dir/.kizuna-manifest"
    echo 'manifest' >"$dir/hikari/.kizuna-manifest"
}

current() { aws s3 cp "s3://$BUCKET/current.json" - 2>/dev/null; }
keys() {
    aws s3api list-objects-v2 --bucket "$BUCKET" --prefix "$1" --query 'Contents[].Key' --output text \
        | tr '\t' '\n' | grep -vx 'None' | sort || true
}
publish() { scripts/publish.sh --bucket "$BUCKET" --skip-cdn "$@" >"$WORK/out.log" 2>&1; }
fails() { ! "$@"; }
flaky_publish() { (export KIZUNA_AWS="$WORK/flaky-aws"; publish "$@"); }

A="20261126T050000Z-aaaaaa" B="20261127T050000Z-bbbbbb"
make_build "$WORK/a" "$A" true
make_build "$WORK/b" "$B" true

# --dry-run prints the plan and changes nothing.
check "dry run succeeds" publish --public "$WORK/a" --dry-run
check "dry run prints the upload and the switch" grep -q "would run:.*s3 sync.*builds/$A/" "$WORK/out.log"
check "dry run uploads nothing" test -z "$(keys "")"

# A first publication.
check "publishes build A" publish --public "$WORK/a"
EXPECTED_A="{\"schema\":\"kizuna-current/1\",\"build\":\"$A\",\"prefix\":\"builds/$A/\"}"
check "current.json points to A" test "$(current)" = "$EXPECTED_A"
check "A's files are under builds/A/" test "$(keys "builds/$A/" | wc -l)" -eq 6
check "A's schedule is there" grep -qx "builds/$A/hikari/schedule.json" <(keys "builds/$A/")
check "bookkeeping files are not uploaded" test -z "$(keys "" | grep kizuna-manifest || true)"
check "current.json is JSON, not cached" test "$(aws s3api head-object --bucket "$BUCKET" --key current.json --query '[ContentType,CacheControl]' --output text)" = "$(printf 'application/json\tno-store')"

# Refusals: nothing uploaded, nothing switched.
make_build "$WORK/draft" "20261128T050000Z-dddddd" false
check "a draft build is refused" fails publish --public "$WORK/draft"
check "the refusal names production" grep -q "not a production build" "$WORK/out.log"
make_build "$WORK/mixed" "20261128T050000Z-eeeeee" true "20261128T050000Z-ffffff"
check "a mixed build is refused" fails publish --public "$WORK/mixed"
check "refused builds upload nothing" test -z "$(keys "builds/20261128")"
check "current.json still points to A" test "$(current)" = "$EXPECTED_A"

# A half-finished upload: the CLI dies after uploading part of build B.
cat >"$WORK/flaky-aws" <<'EOF'
#!/usr/bin/env bash
# The AWS CLI, except that `s3 sync` uploads only hikari/ and then fails, as an interrupted upload.
if [ "$1 $2" = "s3 sync" ]; then
    aws "$@" --exclude "sora/*" && echo "upload interrupted" >&2
    exit 1
fi
exec aws "$@"
EOF
chmod +x "$WORK/flaky-aws"
check "an interrupted upload fails the publication" fails flaky_publish --public "$WORK/b"
check "part of B was uploaded" grep -qx "builds/$B/hikari/schedule.json" <(keys "builds/$B/")
check "after the interruption current.json still points to A" test "$(current)" = "$EXPECTED_A"

# An upload that silently lost a municipality is caught before the switch.
cat >"$WORK/lossy-aws" <<'EOF'
#!/usr/bin/env bash
# The AWS CLI, except that `s3 sync` silently leaves out sora/.
if [ "$1 $2" = "s3 sync" ]; then
    exec aws "$@" --exclude "sora/*"
fi
exec aws "$@"
EOF
chmod +x "$WORK/lossy-aws"
lossy_publish() { (export KIZUNA_AWS="$WORK/lossy-aws"; publish "$@"); }
check "a silently incomplete upload is not switched to" fails lossy_publish --public "$WORK/b"
check "the refusal names the missing schedule" grep -q "sora/schedule.json is missing" "$WORK/out.log"
check "current.json still points to A after the incomplete upload" test "$(current)" = "$EXPECTED_A"

# Re-running completes B, then switches.
check "re-running publishes B" publish --public "$WORK/b"
check "current.json points to B" test "$(current)" = "{\"schema\":\"kizuna-current/1\",\"build\":\"$B\",\"prefix\":\"builds/$B/\"}"
check "B is complete" test "$(keys "builds/$B/" | wc -l)" -eq 6
check "A is kept for a rollback" test "$(keys "builds/$A/" | wc -l)" -eq 6

# Without --skip-cdn the CloudFront targets are required.
check "CloudFront targets are required" bash -c '! scripts/publish.sh --bucket "$0" --public "$1" >/dev/null 2>&1' "$BUCKET" "$WORK/a"

echo "publish-test: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
