#!/usr/bin/env bash
# The comparison of issue 22, side by side in one run: Kizuna (release build, with its search
# index) against Debian's `hugo` followed by the Pagefind CLI (npm `pagefind`, extended: Japanese
# segmentation) on an equivalent Hugo site generated from the same content
# (scripts/compare/hugo_site.py: titles, bodies, labels, topics, local sections, prev/next, a
# comparable layout in scripts/compare/hugo/). Municipalities are synthesised as for
# scripts/bench-generator.sh (scripts/compare/synthesise.sh). Each run is timed with
# /usr/bin/time -v (wall time, peak RSS); rows are printed as Markdown for docs/benchmarks.md.
#
# Usage: scripts/bench-compare.sh [N ...]   (default: 35)
#   For N above 350 only Kizuna is measured, rendering to a null sink (1,741 municipalities are
#   ~1.2 M pages, and Hugo holds a whole site in memory); BENCH_DISK=1 also writes that build to
#   disk under $TMPDIR (~13 GB at N = 1,741) and deletes it after measuring. Up to 350, the
#   fresh and no-op builds are also measured into tmpfs (BENCH_TMPFS, default /dev/shm; "" skips
#   them), with a cold and a warm cache (readings dictionary and national index), next to `cp -r`
#   of the output.
# Installs what it needs (idempotent, as root on Debian): hugo, python3-yaml, time, mecab-ipadic
# (scripts/ipadic.sh) and the Pagefind CLI (npm ci in scripts/compare).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v hugo >/dev/null || need+=(hugo)
command -v /usr/bin/time >/dev/null || need+=(time)
python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq "${need[@]}" >/dev/null || { echo "bench-compare: apt-get install ${need[*]} failed" >&2; exit 1; }
fi
scripts/ipadic.sh >/dev/null
(cd scripts/compare && npm ci --no-audit --no-fund --prefer-offline >/dev/null) \
  || { echo "bench-compare: npm ci in scripts/compare failed (is the npm registry reachable?)" >&2; exit 1; }
pagefind=scripts/compare/node_modules/.bin/pagefind
cargo build --release -q -p kizuna-generator --bin kizuna
kizuna=${CARGO_TARGET_DIR:-target}/release/kizuna
today=2026-11-26
work=$(mktemp -d)
# The same Kizuna builds are also measured into tmpfs (the generator's work without the disk's
# cost of creating files); BENCH_TMPFS names another memory file system, "" skips them.
tmpfs=${BENCH_TMPFS-/dev/shm}
shm=
trap 'rm -rf "$work" ${shm:+"$shm"}' EXIT

measure() { # $1 = label, rest = command: prints a Markdown row (wall time, CPU time, peak RSS, last output line)
  local label=$1; shift
  /usr/bin/time -v "$@" >"$work/out" 2>"$work/time" || { cat "$work/out" "$work/time" >&2; exit 1; }
  local rss secs cpu
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
  # CPU time (user + system) says what a run costs when other work shares the machine.
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f s", s}' "$work/time")
  echo "| $label | $secs | $cpu | $((rss / 1024)) MB | $(tail -n 1 "$work/out" | cut -c1-110) |"
}

echo "| run | wall time | CPU (user + sys) | peak RSS | output |"
echo "| --- | ---: | ---: | ---: | --- |"
for n in "${@:-35}"; do
  content=$work/content-$n
  scripts/compare/synthesise.sh "$n" "$content"
  # Kizuna's cache folder (generator/src/cache.rs: the compiled readings dictionary and the
  # national search index) starts empty: the first build makes both (cold), the later ones read
  # them (warm).
  export KIZUNA_CACHE_DIR=$work/cache-$n
  if [ "$n" -gt 350 ]; then
    measure "Kizuna N=$n, render + search index, null sink" "$kizuna" build --content "$content" --today "$today" --null-sink
    measure "Kizuna N=$n, render only (--no-search), null sink" "$kizuna" build --no-search --content "$content" --today "$today" --null-sink
    if [ "${BENCH_DISK:-0}" = 1 ]; then
      # The whole build written to disk (~13 GB, ~3 M files at N = 1,741), then deleted at once.
      measure "Kizuna N=$n, fresh build to disk with search" "$kizuna" build --content "$content" --out "$work/kizuna-$n" --today "$today"
      rm -rf "$work/kizuna-$n"
    fi
    continue
  fi
  out=$work/kizuna-$n
  measure "Kizuna N=$n, fresh build with search (shared national index), cold cache" "$kizuna" build --content "$content" --out "$out" --today "$today"
  measure "Kizuna N=$n, no-op rebuild with search" "$kizuna" build --content "$content" --out "$out" --today "$today"
  measure "Kizuna N=$n, fresh build with search, warm cache" "$kizuna" build --content "$content" --out "$work/kizuna-warm-$n" --today "$today"
  # The file system's own bound: copying the archive on the same disk (cp -r does not keep hard
  # links, so it writes every national copy that Kizuna links).
  measure "cp -r of Kizuna's N=$n output on the same disk" cp -r "$out" "$work/copy-$n"
  if [ -d "$tmpfs" ] && [ -w "$tmpfs" ]; then
    shm=$(mktemp -d "$tmpfs/kizuna-bench.XXXXXX")
    measure "Kizuna N=$n into tmpfs ($tmpfs), fresh, warm cache" "$kizuna" build --content "$content" --out "$shm/out" --today "$today"
    measure "Kizuna N=$n into tmpfs, no-op rebuild" "$kizuna" build --content "$content" --out "$shm/out" --today "$today"
    rm -rf "$shm/out"
    measure "Kizuna N=$n into tmpfs, fresh, cold cache" env KIZUNA_CACHE_DIR="$shm/cache" "$kizuna" build --content "$content" --out "$shm/out" --today "$today"
    rm -rf "$shm"
  fi
  measure "Kizuna N=$n, fresh build with search indexed per municipality (before)" \
    env KIZUNA_SEARCH_PER_MUNICIPALITY=1 "$kizuna" build --content "$content" --out "$work/kizuna-whole-$n" --today "$today"
  rm -rf "$work/kizuna-whole-$n"
  measure "Kizuna N=$n, fresh build without search" "$kizuna" build --no-search --content "$content" --out "$work/kizuna-nosearch-$n" --today "$today"
  rm -rf "$work/kizuna-nosearch-$n"
  site=$work/hugo-$n
  python3 scripts/compare/hugo_site.py "$content" "$out" "$site"
  cp site-theme/static/style.css "$site/static/style.css" 2>/dev/null || { mkdir -p "$site/static" && cp site-theme/static/style.css "$site/static/"; }
  start=$(date +%s.%N)
  measure "Hugo N=$n, fresh build" hugo --quiet --source "$site" --destination "$site/public"
  measure "Pagefind CLI over Hugo's N=$n output" "$pagefind" --site "$site/public" --force-language ja --quiet
  end=$(date +%s.%N)
  echo "| Hugo + Pagefind N=$n, together | $(python3 -c "print(f'{$end - $start:.1f} s')") | — | — | $(find "$site/public" -name '*.html' | wc -l) HTML files |"
  rm -rf "$site"
done
