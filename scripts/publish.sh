#!/usr/bin/env bash
# Publishes the archive to the stack's bucket, atomically (DESIGN.md §5).
#
#   1. `kizuna build --production` (release binary) into target/publish/public — refuses drafts;
#   2. uploads it to a NEW prefix s3://BUCKET/builds/<build id>/ (aws s3 sync);
#   3. checks that every municipality's schedule.json of the build is there;
#   4. switches s3://BUCKET/current.json ({"schema":"kizuna-current/1","build":…,"prefix":"builds/<id>/"})
#      — what the sender reads — and then the CloudFront KeyValueStore key "build" — what viewers
#      are served from;
#   5. invalidates the CloudFront cache.
# The pointers are switched last, so a half-finished upload is never read: if anything before fails,
# the previous build stays current, and re-running the same build completes the upload.
#
# Requires the AWS CLI (`aws`, v2, or v1 with `pip install 'awscli[crt]'` for the KeyValueStore's
# SigV4A signing) with credentials for the stack's account. AWS_ENDPOINT_URL, AWS_REGION and
# AWS_PROFILE apply as usual. KIZUNA_AWS overrides the command (tests).
#
# Usage:
#   scripts/publish.sh --stack NAME                       # bucket, distribution, store from the stack's outputs
#   scripts/publish.sh --bucket B --distribution ID --kvs-arn ARN
# Options:
#   --public DIR    publish an existing build instead of building (its schedule.json files name the build)
#   --allow-draft   build without --production and accept draft builds (demos only)
#   --skip-cdn      do not touch CloudFront (emulators and tests: only S3 is switched)
#   --dry-run       print the plan and change nothing
set -euo pipefail
cd "$(dirname "$0")/.."

AWS_CMD=(${KIZUNA_AWS:-aws})
STACK="" BUCKET="" DISTRIBUTION="" KVS_ARN="" PUBLIC="" ALLOW_DRAFT=0 SKIP_CDN=0 DRY_RUN=0

die() { echo "publish: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --stack) STACK="${2:?--stack needs a name}"; shift 2 ;;
        --bucket) BUCKET="${2:?--bucket needs a name}"; shift 2 ;;
        --distribution) DISTRIBUTION="${2:?--distribution needs an id}"; shift 2 ;;
        --kvs-arn) KVS_ARN="${2:?--kvs-arn needs an ARN}"; shift 2 ;;
        --public) PUBLIC="${2:?--public needs a directory}"; shift 2 ;;
        --allow-draft) ALLOW_DRAFT=1; shift ;;
        --skip-cdn) SKIP_CDN=1; shift ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h|--help) usage ;;
        *) echo "publish: unknown argument $1" >&2; usage ;;
    esac
done

command -v "${AWS_CMD[0]}" >/dev/null || die "the AWS CLI ('${AWS_CMD[0]}') is not installed: see infra/README.md (prerequisites)"

# Runs a command, or only prints it in a dry run.
step() {
    if [ "$DRY_RUN" = 1 ]; then
        printf '  would run:'; printf ' %q' "$@"; printf '\n'
    else
        "$@"
    fi
}

stack_output() {
    "${AWS_CMD[@]}" cloudformation describe-stacks --stack-name "$STACK" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

if [ -n "$STACK" ]; then
    [ -n "$BUCKET" ] || BUCKET="$(stack_output ArchiveBucketName)"
    [ -n "$DISTRIBUTION" ] || DISTRIBUTION="$(stack_output DistributionId)"
    [ -n "$KVS_ARN" ] || KVS_ARN="$(stack_output CurrentBuildStoreArn)"
fi
[ -n "$BUCKET" ] && [ "$BUCKET" != "None" ] || die "no bucket: give --stack NAME or --bucket NAME"
if [ "$SKIP_CDN" = 0 ]; then
    [ -n "$DISTRIBUTION" ] && [ "$DISTRIBUTION" != "None" ] || die "no distribution: give --stack, --distribution (or --skip-cdn)"
    [ -n "$KVS_ARN" ] && [ "$KVS_ARN" != "None" ] || die "no key value store: give --stack, --kvs-arn (or --skip-cdn)"
fi

# 1. The build.
BUILD=()
if [ -z "$PUBLIC" ]; then
    PUBLIC="target/publish/public"
    BUILD=(cargo run --release --quiet -p kizuna-generator --bin kizuna -- build --out "$PUBLIC")
    [ "$ALLOW_DRAFT" = 1 ] || BUILD+=(--production)
    echo "==> building the archive"
    scripts/ipadic.sh
    step "${BUILD[@]}" || die "the build failed; nothing was uploaded"
fi

# The build id, from the schedule.json files (every municipality's must agree).
BUILD_ID="" MUNICIPALITIES=()
# (A dry run that would build first cannot know the new id: the plan says "<build id>".)
if [ -d "$PUBLIC" ] && { [ "$DRY_RUN" = 0 ] || [ -z "${BUILD[*]:-}" ]; }; then
    LISTING="$(python3 - "$PUBLIC" <<'EOF'
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
for path in sorted(root.glob("*/schedule.json")):
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("schema") != "kizuna-schedule/2":
        sys.exit(f"{path}: not a kizuna-schedule/2 document")
    print(f"{path.parent.name}\t{doc['build']['id']}\t{str(doc['build']['production']).lower()}")
EOF
    )" || die "cannot read the schedules in $PUBLIC"
    while IFS=$'\t' read -r muni id production; do
        [ -n "$muni" ] || continue
        [ -n "$BUILD_ID" ] || BUILD_ID="$id"
        [ "$id" = "$BUILD_ID" ] || die "$PUBLIC/$muni/schedule.json is of build $id, not $BUILD_ID: a mixed build is not published"
        if [ "$production" != "true" ] && [ "$ALLOW_DRAFT" = 0 ]; then
            die "$PUBLIC/$muni/schedule.json is not a production build (kizuna build --production); --allow-draft for demos"
        fi
        MUNICIPALITIES+=("$muni")
    done <<<"$LISTING"
fi
if [ -z "$BUILD_ID" ]; then
    [ "$DRY_RUN" = 1 ] || die "no */schedule.json in $PUBLIC: not a Kizuna build"
    BUILD_ID="<build id>"
else
    [[ "$BUILD_ID" =~ ^[0-9A-Za-z-]+$ ]] || die "unexpected build id '$BUILD_ID'"
fi
PREFIX="builds/$BUILD_ID/"
echo "==> publishing build $BUILD_ID (${#MUNICIPALITIES[@]} municipalities) to s3://$BUCKET/$PREFIX"

# 2. The upload, to the build's own prefix (nothing reads it yet). The generator's bookkeeping
#    files are not part of the site.
step "${AWS_CMD[@]}" s3 sync "$PUBLIC/" "s3://$BUCKET/$PREFIX" \
    --exclude ".kizuna-*" --exclude "*/.kizuna-*" \
    --cache-control "public, max-age=300" --no-progress --only-show-errors

# 3. Every municipality's schedule.json must be there before the switch.
if [ "$DRY_RUN" = 0 ]; then
    for muni in "${MUNICIPALITIES[@]}"; do
        "${AWS_CMD[@]}" s3api head-object --bucket "$BUCKET" --key "$PREFIX$muni/schedule.json" >/dev/null \
            || die "s3://$BUCKET/$PREFIX$muni/schedule.json is missing after the upload; current.json was not switched"
    done
fi

# 4. The switch: current.json (the sender), then the viewers' key.
POINTER="$(mktemp)"
trap 'rm -f "$POINTER"' EXIT
printf '{"schema":"kizuna-current/1","build":"%s","prefix":"%s"}\n' "$BUILD_ID" "$PREFIX" >"$POINTER"
echo "==> switching s3://$BUCKET/current.json to $PREFIX: $(cat "$POINTER")"
step "${AWS_CMD[@]}" s3 cp "$POINTER" "s3://$BUCKET/current.json" \
    --content-type application/json --cache-control no-store --no-progress --only-show-errors

if [ "$SKIP_CDN" = 1 ]; then
    echo "==> --skip-cdn: CloudFront left as it is"
else
    echo "==> switching the viewers' build (CloudFront KeyValueStore key \"build\")"
    if [ "$DRY_RUN" = 1 ]; then
        step "${AWS_CMD[@]}" cloudfront-keyvaluestore put-key --kvs-arn "$KVS_ARN" --key build --value "$BUILD_ID" --if-match "<ETag>"
    else
        ETAG="$("${AWS_CMD[@]}" cloudfront-keyvaluestore describe-key-value-store --kvs-arn "$KVS_ARN" --query ETag --output text)"
        "${AWS_CMD[@]}" cloudfront-keyvaluestore put-key --kvs-arn "$KVS_ARN" --key build --value "$BUILD_ID" \
            --if-match "$ETAG" >/dev/null
    fi
    # 5. Paths are rewritten to /builds/<id>/… before the cache lookup, so new requests miss the old
    #    build's entries anyway; the invalidation also clears redirects and error answers.
    echo "==> invalidating CloudFront $DISTRIBUTION"
    step "${AWS_CMD[@]}" cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths "/*" \
        --query Invalidation.Id --output text
fi

if [ "$DRY_RUN" = 1 ]; then
    echo "==> dry run: nothing was changed"
else
    echo "==> published build $BUILD_ID"
fi
