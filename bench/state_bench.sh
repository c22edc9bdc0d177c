#!/usr/bin/env bash
# The durable store's cost: `crawl bench` with --state (RocksDB, a fresh
# state directory each run) against the memory store, in pairs (memory,
# durable, memory, durable, ...) so that drift hits both alike; the medians
# of pages/s and of CPU microseconds per page as crawl bench reports them
# (the crawl alone: not the server, not the process's start), and their
# ratios. Then the disk the state took, per URL.
#
#   bench/state_bench.sh [BUILD_DIR] [RUNS] [CRAWL BENCH OPTIONS...]
#       defaults: build/release, 7, -c 64 --pages 20000
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
runs=${2:-7}
shift $(( $# > 2 ? 2 : $# ))
opts=("$@")
if [[ ${#opts[@]} -eq 0 ]]; then opts=(-c 64 --pages 20000); fi
crawl=$build/tools/crawl/crawl
. bench/lib.sh
ensure_built "$build" crawl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
figures() {  # pages/s and us/page from a crawl bench report
  sed -n -e 's/^  pages\/s *\([0-9.]*\)$/\1/p' -e 's/.*: \([0-9.]*\) us per page$/\1/p' "$1" | paste -sd' '
}
: >"$work/memory" && : >"$work/durable"
for ((i = 0; i < runs; i++)); do
  "$crawl" bench "${opts[@]}" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  figures "$work/out" >>"$work/memory"
  rm -rf "$work/state"
  "$crawl" bench "${opts[@]}" --state "$work/state" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  figures "$work/out" >>"$work/durable"
done
urls=$(sed -n 's/^  pages *\([0-9]*\) fetched.*/\1/p' "$work/out")
disk=$(du -sb "$work/state" | cut -f1)
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mp=$(cut -d' ' -f1 "$work/memory" | median); mu=$(cut -d' ' -f2 "$work/memory" | median)
dp=$(cut -d' ' -f1 "$work/durable" | median); du_=$(cut -d' ' -f2 "$work/durable" | median)
echo "crawl bench ${opts[*]}: $runs runs each, medians"
awk -v mp="$mp" -v mu="$mu" -v dp="$dp" -v du="$du_" -v disk="$disk" -v urls="$urls" 'BEGIN {
  printf "  memory store   %8.0f pages/s  %6.1f us CPU per page\n", mp, mu
  printf "  --state        %8.0f pages/s  %6.1f us CPU per page\n", dp, du
  printf "  durable/memory %8.3f pages/s  %6.3f CPU per page\n", dp / mp, du / mu
  printf "  state on disk  %d bytes for %d URLs: %.0f bytes per URL (WAL and tables, uncompacted)\n", disk, urls, disk / urls
}'
