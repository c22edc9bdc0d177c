#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what is
# missing, then builds and tests three ways:
#   1. release build (g++), every test;
#   2. ThreadSanitizer build (clang-14, with -Wthread-safety), the tests
#      labelled "concurrency";
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build (g++), every test.
# Warnings are errors in all three; any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

jobs=$(nproc)
configure() {  # DIR CMAKE_ARGS...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCRAWL_WERROR=ON "$@" >/dev/null
}
step() { printf '\n=== %s\n' "$*"; }

step "1/3 release build, all tests"
configure build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs"

step "2/3 ThreadSanitizer build (clang-14), concurrency tests"
configure build/tsan -DCMAKE_CXX_COMPILER=clang++-14 -DCRAWL_SANITIZE=thread \
  -DCRAWL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/tsan -j "$jobs"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build/tsan --output-on-failure -L concurrency

step "3/3 AddressSanitizer + UBSan build, all tests"
configure build/asan -DCRAWL_SANITIZE=address,undefined -DCRAWL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=Debug
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS="detect_leaks=1 abort_on_error=1" \
UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"
