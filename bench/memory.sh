#!/usr/bin/env bash
# Memory per seen URL: peak RSS of a crawl of the fake random graph divided
# by the URLs it saw (issue: at most 64 bytes for a crawl that sees
# 10,000,000 distinct URLs).
#
#   bench/memory.sh [BUILD_DIR] [PAGES] [URL_BYTES] [--state | --cluster]
#       defaults build/release, 10000000, 0 (the graph's own short URLs);
#       built if needed. URL_BYTES pads the URLs to about that length; with
#       --state the crawl keeps its state in a fresh directory (RocksDB):
#       the peak RSS then counts what RAM holds beside the URLs on disk,
#       and the state's size on disk is printed per URL too. With
#       --cluster the crawl is one process of a cluster crawl on a
#       redis-server started here (Unix socket, no persistence), and
#       Redis's own memory is printed per URL seen: at the end (the seen
#       set: nothing is pending then), and at its peak (with the pending
#       URLs), both net of an empty server's.
#
# random:PAGES:8:1 sees about 1.33 x PAGES URLs (10M pages: 13,289,701 URLs,
# a minute or two on one core). The peak RSS includes the fake fetcher's
# own bookkeeping, which a real crawl does not have: two 4-byte fetch
# counters per page (one for page N, one for its "missing/N" twin); the
# last line takes them off.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
pages=${2:-10000000}
url_bytes=${3:-0}
state=()
state_dir=
redis_dir=
redis_pid=
if [[ ${4:-} == --state ]]; then
  state_dir=$(mktemp -d)
  state=(--state "$state_dir/state")
elif [[ ${4:-} == --cluster ]]; then
  redis_dir=$(mktemp -d)
  redis-server --port 0 --unixsocket "$redis_dir/redis.sock" --dir "$redis_dir" --save "" \
    --appendonly no --daemonize no --logfile "$redis_dir/redis.log" &
  redis_pid=$!
  for _ in $(seq 100); do [[ -S $redis_dir/redis.sock ]] && break; sleep 0.05; done
  redis_base=$(redis-cli -s "$redis_dir/redis.sock" INFO memory | awk -F: '/^used_memory:/ {print $2+0}')
  state=(--cluster "unix://$redis_dir/redis.sock" --crawl-id memory)
fi
. bench/lib.sh
ensure_built "$build" crawl
out=$(mktemp)
trap 'rm -f "$out"; [[ -z $state_dir ]] || rm -rf "$state_dir"
      [[ -z $redis_pid ]] || { kill $redis_pid; wait $redis_pid; rm -rf "$redis_dir"; }' EXIT
# Not -q: the summary has "URLs seen" (stderr is not a terminal, so there is
# no progress line).
/usr/bin/time -f "peak_kb %M seconds %e" \
  "$build/tools/crawl/crawl" --fake "random:$pages:8:1:0:$url_bytes" --per-host 0 -c 64 \
  -o /dev/null "${state[@]}" 2>"$out"
seen=$(sed -n 's/.*URLs seen \([0-9]*\).*/\1/p' "$out")
missing=$(sed -n 's/.*not_found \([0-9]*\).*/\1/p' "$out")
read -r peak_kb seconds < <(sed -n 's/^peak_kb \([0-9]*\) seconds \([0-9.]*\)$/\1 \2/p' "$out")
if [[ -z $seen || -z $peak_kb ]]; then
  cat "$out" >&2
  exit 1
fi
disk=0
if [[ -n $state_dir ]]; then disk=$(du -sb "$state_dir/state" | cut -f1); fi
if [[ -n $redis_pid ]]; then
  info=$(redis-cli -s "$redis_dir/redis.sock" INFO memory)
  used=$(awk -F: '/^used_memory:/ {print $2+0}' <<< "$info")
  peak=$(awk -F: '/^used_memory_peak:/ {print $2+0}' <<< "$info")
  cluster_seen=$(redis-cli -s "$redis_dir/redis.sock" HGET crawl:memory:c seen)
  keys=$(redis-cli -s "$redis_dir/redis.sock" DBSIZE)
  awk -v u="$used" -v p="$peak" -v b="$redis_base" -v n="$cluster_seen" -v k="$keys" 'BEGIN {
    printf "Redis: %d URLs seen in %d keys; %.1f bytes per URL at the end, %.1f at the peak (net of %d bytes empty)\n",
           n, k, (u - b) / n, (p - b) / n, b
  }'
fi
awk -v kb="$peak_kb" -v seen="$seen" -v pages="$pages" -v missing="$missing" \
    -v s="$seconds" -v disk="$disk" -v ub="$url_bytes" -v st="${4:+ $4}" 'BEGIN {
  bytes = kb * 1024
  printf "random:%d:8:1:0:%d%s: %d URLs seen (%d not pages), peak RSS %.1f MiB, %.1f s\n",
         pages, ub, st, seen, missing, bytes / 1048576, s
  printf "bytes per seen URL: %.1f\n", bytes / seen
  printf "net of the fake fetcher'\''s page counters (8 bytes a page): %.1f\n",
         (bytes - 8 * pages) / seen
  if (disk > 0) printf "state on disk: %.1f bytes per seen URL\n", disk / seen
}'
