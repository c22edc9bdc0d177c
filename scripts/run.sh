#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: installs what is missing, builds
# crawl (release) and runs it. With no arguments (a machine without internet
# will do) it crawls the lecture's graph with every engine, then runs
# `crawl bench`: a 20,000-page synthetic site served on 127.0.0.1, crawled by
# the event engine, with the figures printed. Otherwise the arguments go to
# crawl as they are, e.g.
#   scripts/run.sh https://example.com/ --depth 2 -o out.jsonl
#   scripts/run.sh bench --latency 50 -c 256
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh >&2
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" --target crawl >&2
crawl=build/release/tools/crawl/crawl
if [ $# -gt 0 ]; then
  exec "$crawl" "$@"
fi
for engine in event serial mutex channel; do
  echo "# crawl --fake lecture --engine $engine" >&2
  "$crawl" --fake lecture --engine "$engine"
done
echo "# crawl bench" >&2
"$crawl" bench
