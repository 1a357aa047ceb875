#!/usr/bin/env bash
# Checks the infrastructure templates offline (idempotent; no AWS account needed).
#
#   1. creates .venv-infra with pinned aws-sam-translator, cfn-lint, checkov and awscli (once);
#   2. transforms infra/template.yaml as CloudFormation would (infra/transform.py: the
#      AWS::LanguageExtensions Fn::ForEach, then aws-sam-translator for a fake account in
#      ap-northeast-1) into target/infra/template.json;
#   3. cfn-lint on the source and on the result (cfn-lint alone does not expand SAM, so it misses
#      bad runtimes, Refs and GetAtts on SAM resources), and on infra/waf.yaml;
#   4. checkov (--framework cloudformation --skip-download) on the source, the result and waf.yaml:
#      every finding is fixed or skipped in the template with a one-line reason;
#   5. infra/rewrite-test.mjs: the CloudFront viewer-request function (path -> current build) under node;
#   6. scripts/publish-test.sh: the publishing script against moto S3.
#
# Usage: scripts/infra-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=".venv-infra"
PINS=(
    "aws-sam-translator==1.115.0"
    "cfn-lint==1.58.0"
    "checkov==3.3.30"
    "awscli==1.46.3"
)

installed() {
    [ -x "$VENV/bin/python" ] || return 1
    "$VENV/bin/python" - "${PINS[@]}" <<'EOF'
import importlib.metadata as m, sys
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    try:
        if m.version(name) != version:
            sys.exit(1)
    except m.PackageNotFoundError:
        sys.exit(1)
EOF
}

if installed; then
    echo "==> infra tools already installed in $VENV"
else
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    echo "==> installing ${PINS[*]} into $VENV (about a minute)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
fi

OUT="target/infra"
mkdir -p "$OUT"

echo "==> transforming infra/template.yaml offline"
"$VENV/bin/python" infra/transform.py infra/template.yaml "$OUT/template.json"

echo "==> cfn-lint"
"$VENV/bin/cfn-lint" -- infra/template.yaml infra/waf.yaml
# W2001 (unused parameter): the offline expansion of Fn::ForEach consumes SenderDomains.
"$VENV/bin/cfn-lint" --ignore-checks W2001 -- "$OUT/template.json"

echo "==> checkov"
for template in infra/template.yaml "$OUT/template.json" infra/waf.yaml; do
    "$VENV/bin/checkov" --framework cloudformation --skip-download --compact --quiet -f "$template"
done

echo "==> CloudFront viewer-request function (node)"
command -v node >/dev/null || { echo "infra-check: node is required for infra/rewrite-test.mjs (Debian: apt-get install nodejs)" >&2; exit 1; }
node infra/rewrite-test.mjs "$OUT/template.json"

echo "==> publish script against moto S3"
scripts/publish-test.sh

echo "==> infrastructure checks passed"
