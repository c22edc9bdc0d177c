#!/usr/bin/env bash
# What keeping the crawl costs: `crawl bench` with no output, with
# --warc-file (and --warc-cdx), and with --mirror, side by side in one run.
#
#   bench/keep_bench.sh [BUILD_DIR] [ROUNDS]   (defaults build/release, 5)
#
# 1. Speed: `crawl bench -c 64` (20,000 pages of 8 KB), the variants taken in
#    turn, ROUNDS times; the median pages/s of each and its ratio to no
#    output. (Issue: WARC on costs at most 25% of pages/s.)
# 2. Memory: 200 pages of 20 MB each at -c 64 --max-body 50M; peak RSS of
#    the crawler (the server is another process). (Issue: at most 256 MB.)
# The WARC and mirror go to a temporary directory on the same disk as
# $TMPDIR, removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rounds=${2:-5}
crawl=$build/tools/crawl/crawl
. bench/lib.sh
ensure_built "$build" crawl
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

variants=("none" "warc" "warc+cdx" "mirror")
args_for() {
  case $1 in
    none) ;;
    warc) echo "--warc-file $dir/w" ;;
    warc+cdx) echo "--warc-file $dir/w --warc-cdx" ;;
    mirror) echo "--mirror $dir/m" ;;
  esac
}

# pages/s and peak RSS (MB) from a `crawl bench` report.
run() {
  local out
  # shellcheck disable=SC2046
  out=$("$crawl" bench "$@" 2>&1) || { echo "$out" >&2; exit 1; }
  rm -rf "$dir"/w* "$dir"/m
  local pps rss
  pps=$(sed -n 's/^  pages\/s *\([0-9.]*\).*/\1/p' <<<"$out")
  rss=$(sed -n 's/^  peak RSS *\([0-9.]*\) MB.*/\1/p' <<<"$out")
  echo "$pps $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "1. speed: crawl bench -c 64 (20000 pages x 8 KB), $rounds rounds"
declare -A pps
for ((r = 0; r < rounds; r++)); do
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2046
    read -r p _ < <(run -c 64 $(args_for "$v"))
    pps[$v]+="$p "
  done
done
base=$(tr ' ' '\n' <<<"${pps[none]}" | grep . | median)
for v in "${variants[@]}"; do
  m=$(tr ' ' '\n' <<<"${pps[$v]}" | grep . | median)
  awk -v v="$v" -v m="$m" -v b="$base" -v all="${pps[$v]}" \
    'BEGIN { printf "  %-9s median %8.0f pages/s  (%.2f x no output)   runs: %s\n", v, m, m / b, all }'
done

echo "2. memory: crawl bench --pages 200 --page-size 20480 -c 64 --max-body 50M"
for v in "${variants[@]}"; do
  # shellcheck disable=SC2046
  read -r p rss < <(run --pages 200 --page-size 20480 --fanout 4 -c 64 \
                        --max-body 50M $(args_for "$v"))
  printf "  %-9s peak RSS %6s MB  (%s pages/s)\n" "$v" "$rss" "$p"
done
