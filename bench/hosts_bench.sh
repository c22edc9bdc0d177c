#!/usr/bin/env bash
# Does the scheduler's cost per page grow with the number of hosts?
# `crawl bench --hosts N` for N = 1, 100, 10000 side by side: the same
# 20,000 pages spread over N virtual hosts (h0.bench.test ..., all reaching
# the child server on 127.0.0.1 through --connect-to), crawled with -c 64
# --per-host 2. Each configuration runs RUNS times; the median pages/s and
# CPU microseconds per page (the crawler's process alone) are printed.
#
#   bench/hosts_bench.sh [BUILD_DIR]     (default build/release; built if needed)
#
# Environment: RUNS (default 3), PAGES (default 20000), HOSTS (default
# "1 100 10000"), CONCURRENCY (default 64), PER_HOST (default 2), EXTRA
# (more crawl bench flags, e.g. "--ignore-robots").
#
# Two rows per N: robots.txt obeyed (bench's default: one more request per
# host, and with it a new connection), and --ignore-robots (pages only). With
# --per-host 2 and one host only 2 fetches are ever in flight, so N = 1's
# pages/s is bounded by the per-host limit, not by the scheduler; compare
# the CPU per page.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
runs=${RUNS:-3}
pages=${PAGES:-20000}
hosts_list=${HOSTS:-"1 100 10000"}
concurrency=${CONCURRENCY:-64}
per_host=${PER_HOST:-2}
extra=${EXTRA:-}
. bench/lib.sh
ensure_built "$build" crawl
crawl=$build/tools/crawl/crawl
ulimit -n 20000 2>/dev/null || true

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "crawl bench --pages $pages -c $concurrency --per-host $per_host" \
     "--hosts N $extra; median of $runs runs"
printf "%-8s %-14s %10s %12s %10s\n" hosts robots "pages/s" "CPU us/page" \
       "requests"
for robots in obeyed ignored; do
  flags=()
  [[ $robots == ignored ]] && flags+=(--ignore-robots)
  for n in $hosts_list; do
    rates=() cpus=() requests=
    for _ in $(seq "$runs"); do
      # shellcheck disable=SC2086
      out=$("$crawl" bench --pages "$pages" -c "$concurrency" \
              --per-host "$per_host" --hosts "$n" "${flags[@]}" $extra) || {
        echo "crawl bench --hosts $n failed:" >&2
        echo "$out" >&2
        exit 1
      }
      grep -q "every page once" <<<"$out" || {
        echo "crawl bench --hosts $n: not every page once:" >&2
        echo "$out" >&2
        exit 1
      }
      rates+=("$(awk '/pages\/s/ {print $2}' <<<"$out")")
      cpus+=("$(sed -n 's/.*: \([0-9.]*\) us per page/\1/p' <<<"$out")")
      requests=$(sed -n 's/.*fetched, \([0-9]*\) requests served.*/\1/p' \
                   <<<"$out")
    done
    printf "%-8s %-14s %10s %12s %10s\n" "$n" "$robots" \
      "$(printf '%s\n' "${rates[@]}" | median)" \
      "$(printf '%s\n' "${cpus[@]}" | median)" "$requests"
  done
done
