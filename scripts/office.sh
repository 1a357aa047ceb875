#!/usr/bin/env bash
# Installs what the staff-workbook and review-document tests need (issue 18), idempotently, on a
# fresh Debian machine or a used one: LibreOffice Calc (headless `soffice --convert-to xlsx`, the
# round trip of the 年度更新 workbook as LibreOffice saves it), Chromium with Japanese fonts (to print
# the 原稿確認 document to PDF) and poppler-utils (`pdfinfo`, `pdftotext`, to check that PDF). Called by scripts/test.sh before
# `cargo test`; the tests themselves fail (never skip) with this script's name when a part is missing.
# Usage: scripts/office.sh
set -euo pipefail

fail() {
  echo "office: error: $*" >&2
  exit 1
}

missing=()
command -v soffice >/dev/null || missing+=(libreoffice-calc)
command -v pdfinfo >/dev/null && command -v pdftotext >/dev/null || missing+=(poppler-utils)
# The review document is printed to PDF by Chromium with Japanese fonts (as scripts/browser-test.sh uses them).
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
fc-list :lang=ja 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    fail "missing ${missing[*]}; install with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  echo "==> apt-get install ${missing[*]}"
  # The dpkg lock may be held by another install for a while: wait for it rather than failing.
  apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
  apt_get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
fi
command -v soffice >/dev/null || fail "no soffice after installing libreoffice-calc"
command -v pdfinfo >/dev/null || fail "no pdfinfo after installing poppler-utils"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "no Chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install -y chromium, or set CHROMIUM)"
echo "office: soffice, chromium and poppler-utils are installed"
