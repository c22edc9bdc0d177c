#!/usr/bin/env bash
# Runs a command in a new network namespace that has only loopback, so that
# nothing it does can reach any other address (a crawler bug that tried to
# connect to 10.0.0.1 gets "network unreachable", and no packet leaves the
# machine), and with an /etc/hosts of its own that maps evil.test to
# 127.0.0.2 (a name whose DNS answer is private). Needs root (CI runs as
# root).
set -euo pipefail
hosts=$(mktemp)
trap 'rm -f "$hosts"' EXIT
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.0.2 evil.test\n' >"$hosts"
chmod 644 "$hosts"
unshare --net --mount -- bash -c '
  set -e
  ip link set lo up
  mount --bind "$1" /etc/hosts
  shift
  exec "$@"' _ "$hosts" "$@"
