#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: installs what is missing, builds
# crawl (release) and runs it. With no arguments it crawls the lecture's graph
# with every engine; otherwise the arguments go to crawl as they are, e.g.
#   scripts/run.sh --fake random:10000:8:1:5 --engine mutex -c 64 -o out.jsonl
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
