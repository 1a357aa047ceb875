#!/usr/bin/env bash
# Generator benchmark: synthesises N municipalities from the sample ones and measures a full build
# (pages/s, peak RSS via /usr/bin/time -v), a no-op rebuild, and a render-only run to a null sink.
# Page rendering is measured with --no-search; the Pagefind full-text index is measured separately
# (it dominates build time).
# Usage: scripts/bench-generator.sh [N ...]   (default: 35 350 and 1741 render-only)
# Results are printed as Markdown rows for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
cargo build --release -q -p kizuna-generator
bin=target/release/kizuna
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

synthesise() { # $1 = N: a content tree with N municipalities (scripts/compare/synthesise.sh)
  scripts/compare/synthesise.sh "$1" "$work/content-$1"
  echo "$work/content-$1"
}

measure() { # $1 = label, rest = command; prints "seconds peak_kb output-last-line"
  local label=$1; shift
  /usr/bin/time -v "$@" >"$work/out" 2>"$work/time"
  local rss secs
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
  echo "| $label | $secs | $((rss / 1024)) MB | $(tail -n 1 "$work/out") |"
}

echo "| run | wall time | peak RSS | kizuna's summary |"
echo "| --- | --- | --- | --- |"
for n in "${@:-35 350}"; do
  for m in $n; do
    dir=$(synthesise "$m")
    measure "N=$m build to disk" "$bin" build --no-search --content "$dir" --out "$work/public-$m" --today 2026-11-26
    measure "N=$m no-op rebuild" "$bin" build --no-search --content "$dir" --out "$work/public-$m" --today 2026-11-26
    # Outputs are kept until the end: ext4 is slow to create files right after many were deleted
    # (it skips recently freed inodes), which would charge one run's clean-up to the next.
  done
done
if [ $# -eq 0 ] && [ -d /dev/shm ]; then
  # The same build into memory (tmpfs): what the generator costs without the disk's metadata work.
  dir=$(synthesise 35)
  measure "N=35 build to tmpfs (/dev/shm)" "$bin" build --no-search --content "$dir" --out "/dev/shm/kizuna-bench-$$" --today 2026-11-26
  rm -rf "/dev/shm/kizuna-bench-$$"
fi
if [ $# -eq 0 ]; then
  dir=$(synthesise 35)
  measure "N=35 build to disk with the search index" "$bin" build --content "$dir" --out "$work/public-search" --today 2026-11-26
  measure "N=35 no-op rebuild with the search index" "$bin" build --content "$dir" --out "$work/public-search" --today 2026-11-26
  sed -i 's/^name: \(.*\)$/name: \1（改）/' "$dir/municipalities/m0001/municipality.yaml"
  measure "N=35 rebuild, one municipality renamed, with the search index" "$bin" build --content "$dir" --out "$work/public-search" --today 2026-11-26
  dir=$(synthesise 1741)
  measure "N=1741 render only (null sink)" "$bin" build --no-search --content "$dir" --today 2026-11-26 --null-sink
fi
