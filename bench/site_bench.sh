#!/usr/bin/env bash
# Requests/s of the `crawl bench` site server (bench/site_serve) under wrk,
# and of nginx serving the same pages as static files, on 127.0.0.1.
#
#   bench/site_bench.sh [BUILD_DIR]     (default build/release; built if needed)
#
# Environment: DURATION (seconds per run, default 5), PAGES (default 1000),
# PAGE_SIZE (default 8192). Needs wrk and nginx (Debian: wrk, nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
duration=${DURATION:-5}
pages=${PAGES:-1000}
page_size=${PAGE_SIZE:-8192}
. bench/lib.sh
ensure_built "$build" site_serve
ulimit -n 20000 2>/dev/null || true
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Starts site_serve with the given flags; sets url and server_pid.
serve() {
  "$build/bench/site_serve" --pages "$pages" --page-size "$page_size" "$@" \
    >"$tmp/serve.out" &
  server_pid=$!
  for _ in $(seq 100); do
    url=$(head -n1 "$tmp/serve.out" 2>/dev/null || true)
    [[ -n $url ]] && return
    sleep 0.05
  done
  echo "site_serve did not start" >&2
  exit 1
}

stop() {
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
}

# wrk THREADS CONNECTIONS URL [PREFIX]: prints requests/s.
run_wrk() {
  wrk -t"$1" -c"$2" -d"${duration}s" -s bench/site_wrk.lua "$3" -- "$pages" \
    "${4:-/}" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx: " $0 > "/dev/stderr"}'
}

printf '%-44s %12s\n' configuration requests/s
for threads in 1 2; do
  serve --threads "$threads"
  for load in "1 16" "2 64"; do
    set -- $load
    printf '%-44s %12s\n' "site_serve threads=$threads wrk -t$1 -c$2" \
      "$(run_wrk "$1" "$2" "$url")"
  done
  stop
done

serve --threads 2 --latency 50
printf '%-44s %12s\n' "site_serve threads=2 latency=50ms wrk -t2 -c1000" \
  "$(run_wrk 2 1000 "$url")"
stop

# nginx over the same bytes, saved from site_serve.
serve
mkdir -p "$tmp/root/p"
python3 - "$url" "$pages" "$tmp/root" <<'EOF'
import sys, urllib.request
url, pages, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(pages):
    path = "index.html" if i == 0 else "p/%d.html" % i
    with urllib.request.urlopen(url + ("" if i == 0 else path)) as r:
        open("%s/%s" % (root, path), "wb").write(r.read())
EOF
stop
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for workers in 1 2; do
  cat >"$tmp/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
error_log $tmp/error.log;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $tmp; proxy_temp_path $tmp;
  fastcgi_temp_path $tmp; uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  types { text/html html; }
  server { listen 127.0.0.1:$port; root $tmp/root; }
}
EOF
  nginx -c "$tmp/nginx.conf" -p "$tmp" &
  server_pid=$!
  sleep 0.5
  for load in "1 16" "2 64"; do
    set -- $load
    printf '%-44s %12s\n' "nginx workers=$workers wrk -t$1 -c$2" \
      "$(run_wrk "$1" "$2" "http://127.0.0.1:$port/")"
  done
  stop
done
