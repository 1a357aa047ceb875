#!/usr/bin/env bash
# Installs the IPADIC dictionary sources that the archive's search needs for kana readings
# (generator/src/yomi.rs): Debian's `mecab-ipadic` (/usr/share/mecab/dic/ipadic). Idempotent; as
# root it installs what is missing, otherwise it says how. KIZUNA_IPADIC names another folder.
set -euo pipefail

dir="${KIZUNA_IPADIC:-/usr/share/mecab/dic/ipadic}"
if [ -f "$dir/matrix.def" ] && [ -f "$dir/Noun.csv" ]; then
  exit 0
fi
if [ -n "${KIZUNA_IPADIC:-}" ]; then
  echo "ipadic: error: KIZUNA_IPADIC=$dir has no IPADIC sources (*.csv, matrix.def, char.def, unk.def)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ipadic: error: IPADIC is missing; install it with: sudo apt-get install -y mecab-ipadic" >&2
  exit 1
fi
echo "==> apt-get install mecab-ipadic (kana readings for search)"
apt-get update -qq || { echo "ipadic: error: apt-get update failed" >&2; exit 1; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mecab-ipadic >/dev/null \
  || { echo "ipadic: error: apt-get install mecab-ipadic failed" >&2; exit 1; }
[ -f "$dir/matrix.def" ] || { echo "ipadic: error: mecab-ipadic installed, but $dir/matrix.def is missing" >&2; exit 1; }
