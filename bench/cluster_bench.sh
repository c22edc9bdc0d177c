#!/usr/bin/env bash
# crawl --cluster on this machine: does the rate scale with the processes,
# what does Redis pay per page, and what does one kill -9 cost?
#
#   bench/cluster_bench.sh [BUILD_DIR]   (default build/release; built if needed)
#
# A redis-server (on a Unix socket, no persistence) and bench/site_serve
# (PAGES pages over HOSTS virtual hosts, each response after 50 ms,
# through --connect-to) are started here and stopped at the end. Then:
#   - Scaling: for N in PROCS (default "1 2 4"), N processes crawl the
#     site together, each at -c 64 --per-host 2 --ignore-robots (N - 1 join
#     first, without seeds; the last brings the seed). The rate is the
#     pages of all N over the wall time from the seeded start until the
#     last exits; "vs N x 1" is that over N times the one-process rate.
#   - Redis CPU: the server's user + system CPU over the run, per page.
#   - Memory: Redis's used_memory after the 1-process crawl, per URL seen.
#   - Failover: 2 processes with --lease-ttl 5; one is killed with SIGKILL
#     halfway; the duplicates are the pages the server answered twice (its
#     --page-log), and the takeover time is from the kill until every host
#     the dead process held has a new holder (or nothing pending).
# Environment: PAGES (default 60000), HOSTS (default 256), PROCS.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
pages=${PAGES:-60000}
hosts=${HOSTS:-256}
procs_list=${PROCS:-"1 2 4"}
. bench/lib.sh
ensure_built "$build" crawl
ensure_built "$build" site_serve
crawl=$build/tools/crawl/crawl
site_serve=$(find "$build" -name site_serve -type f -perm -u+x | head -1)
ulimit -n 20000 2>/dev/null || true

tmp=$(mktemp -d /tmp/crawl-cluster-bench-XXXXXX)
sock=$tmp/redis.sock
redis-server --port 0 --unixsocket "$sock" --dir "$tmp" --save "" --appendonly no \
  --daemonize no --logfile "$tmp/redis.log" &
redis_pid=$!
site_pid=""
cleanup() {
  if [[ -n $site_pid ]]; then kill "$site_pid" 2>/dev/null || true; fi
  kill "$redis_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.05; done
rcli() { redis-cli -s "$sock" "$@"; }

start_site() {
  "$site_serve" --pages "$pages" --fanout 10 --hosts "$hosts" --latency 50 --threads 2 \
    --page-log "$tmp/pages.log" > "$tmp/site.out" &
  site_pid=$!
  for _ in $(seq 100); do [[ -s $tmp/site.out ]] && break; sleep 0.05; done
  root=$(head -1 "$tmp/site.out")
  port=${root##*:}; port=${port%/}
}
stop_site() {
  kill -TERM "$site_pid"; wait "$site_pid" 2>/dev/null || true; site_pid=""
}
redis_cpu_ticks() { awk '{print $14 + $15}' "/proc/$redis_pid/stat"; }
ticks=$(getconf CLK_TCK)

# run_cluster ID N [LEASE_TTL]: starts N processes (pids in $pids); the
# last one has the seed.
run_cluster() {
  local id=$1 n=$2 ttl=${3:-30} i
  pids=()
  for ((i = 1; i <= n; i++)); do
    local seed=()
    if ((i == n)); then
      seed=("$root")
      start_ns=$(date +%s%N)
    fi
    "$crawl" --cluster "unix://$sock" --crawl-id "$id" --cluster-process-id "p$i" \
      --scope any --connect-to "::127.0.0.1:$port" -c 64 --per-host 2 --ignore-robots \
      --retries 0 --lease-ttl "$ttl" -q -o "$tmp/out.jsonl" "${seed[@]}" \
      2> "$tmp/err.p$i" &
    pids+=($!)
    if ((i < n)); then sleep 0.2; fi
  done
}
records() { cat "$tmp"/out.p*.jsonl 2>/dev/null | wc -l; }

echo "crawl --cluster: $pages pages over $hosts hosts, 50 ms a response;" \
     "each process -c 64 --per-host 2 --ignore-robots"
printf "%-10s %10s %10s %12s %16s\n" processes pages "pages/s" "vs N x 1" "Redis CPU us/page"
one=""
for n in $procs_list; do
  rm -f "$tmp"/out.p*.jsonl
  start_site
  cpu0=$(redis_cpu_ticks)
  run_cluster "scale$n" "$n"
  for p in "${pids[@]}"; do wait "$p"; done
  end_ns=$(date +%s%N)
  cpu1=$(redis_cpu_ticks)
  stop_site
  got=$(records)
  secs=$(awk -v a="$start_ns" -v b="$end_ns" 'BEGIN {print (b - a) / 1e9}')
  rate=$(awk -v p="$got" -v s="$secs" 'BEGIN {printf "%.0f", p / s}')
  if [[ -z $one ]]; then one=$rate; fi
  ratio=$(awk -v r="$rate" -v o="$one" -v n="$n" 'BEGIN {printf "%.2f", r / (o * n)}')
  us=$(awk -v c=$((cpu1 - cpu0)) -v t="$ticks" -v p="$got" 'BEGIN {printf "%.1f", c / t * 1e6 / p}')
  printf "%-10s %10s %10s %12s %16s\n" "$n" "$got" "$rate" "$ratio" "$us"
  if [[ $n == 1 ]]; then
    used=$(rcli INFO memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
    seen=$(rcli HGET crawl:scale1:c seen)
    echo "  Redis after 1 process: used_memory $used bytes for $seen URLs seen" \
         "($(awk -v u="$used" -v s="$seen" 'BEGIN {printf "%.1f", u / s}') B/URL, all crawls' keys)"
  fi
done

echo "failover: 2 processes, --lease-ttl 5, one killed with SIGKILL halfway"
rm -f "$tmp"/out.p*.jsonl
start_site
run_cluster failover 2 5
while (($(records) < pages / 2)); do sleep 0.1; done
victim_hosts=()
for h in $(rcli ZRANGE crawl:failover:open 0 -1); do
  if [[ $(rcli GET "crawl:failover:{$h}:l") == "p1 "* ]]; then victim_hosts+=("$h"); fi
done
in_flight_max=64
kill -KILL "${pids[0]}"
kill_ns=$(date +%s%N)
taken_ns=""
while [[ -z $taken_ns ]]; do
  left=0
  for h in "${victim_hosts[@]}"; do
    holder=$(rcli GET "crawl:failover:{$h}:l")
    pending=$(rcli HLEN "crawl:failover:{$h}:p")
    if [[ $holder == "p1 "* ]] || { [[ -z $holder ]] && ((pending > 0)); }; then left=1; break; fi
  done
  if ((left == 0)); then taken_ns=$(date +%s%N); fi
  sleep 0.1
done
wait "${pids[1]}"
wait "${pids[0]}" 2>/dev/null || true
stop_site
dups=$(awk '$2 > 1 {n++} END {print n + 0}' "$tmp/pages.log")
served=$(awk '{n++} END {print n + 0}' "$tmp/pages.log")
echo "  pages served: $served of $pages; served twice: $dups" \
     "($(awk -v d="$dups" -v p="$pages" 'BEGIN {printf "%.2f", 100 * d / p}')%; the dead" \
     "process had at most $in_flight_max in flight); its ${#victim_hosts[@]} hosts" \
     "had new holders $(awk -v a="$kill_ns" -v b="$taken_ns" 'BEGIN {printf "%.1f", (b - a) / 1e9}') s after the kill"
