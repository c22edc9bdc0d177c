#!/usr/bin/env bash
# Builds the release benchmarks and runs them. Arguments go to engines_bench,
# e.g. bench/run.sh --concurrency 16,64 --engines mutex,channel
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh >&2
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" --target engines_bench >&2
exec build/release/bench/engines_bench "$@"
