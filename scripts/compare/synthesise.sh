#!/usr/bin/env bash
# Synthesises a content tree of N municipalities for the benchmarks: the sample content (tracks,
# surveys, synonyms, house style) and its municipalities
# cloned round-robin (each with its local information and overrides), each given its own id
# (m0000, m0001 …), code and base URL; tracks and site settings are the sample's.
# Usage: scripts/compare/synthesise.sh N OUT_DIR   (OUT_DIR is replaced)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=$1 dir=$2
rm -rf "$dir"
mkdir -p "$dir/municipalities"
# Everything national (tracks, surveys, synonyms, house style …): all of content/ but the municipalities.
for part in content/*; do [ "$part" = content/municipalities ] || cp -r "$part" "$dir/"; done
samples=(content/municipalities/*/)
for ((i = 0; i < n; i++)); do
  src=${samples[$((i % ${#samples[@]}))]}
  id=$(printf 'm%04d' "$i")
  cp -r "$src" "$dir/municipalities/$id"
  sed -i "s/^code: .*/code: \"$(printf '99%04d' "$i")\"/; s#kizuna.example.jp/[a-z]*/#kizuna.example.jp/$id/#" "$dir/municipalities/$id/municipality.yaml"
done
