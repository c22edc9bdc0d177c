#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what is
# missing, then builds and tests three ways:
#   1. release build (g++), every test;
#   2. ThreadSanitizer build (clang-14, with -Wthread-safety), the tests
#      labelled "concurrency" and "http" (the crawl binary's event loop and
#      engines under real HTTP load);
#   1b. the release build installed to a temporary prefix, the examples
#      built against it out of tree and run against a server on 127.0.0.1;
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build (g++), every test,
#      then the examples again, built and run with the same sanitizers;
#   4. libFuzzer (clang-14, ASan+UBSan): URL normalisation, UrlResolver
#      against ResolveUrl, link extraction and IP-literal parsing,
#      FUZZ_SECONDS each (default 30).
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

step "1/4 release build, all tests"
configure build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs"
step "1b/4 install to a temporary prefix; the examples built with find_package(crawl) and pkg-config, run on 127.0.0.1"
bash scripts/test_install.sh build/release

step "2/4 ThreadSanitizer build (clang-14), concurrency and HTTP tests"
configure build/tsan -DCMAKE_CXX_COMPILER=clang++-14 -DCRAWL_SANITIZE=thread \
  -DCRAWL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/tsan -j "$jobs"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir build/tsan --output-on-failure -L "concurrency|http"

step "3/4 AddressSanitizer + UBSan build, all tests"
configure build/asan -DCRAWL_SANITIZE=address,undefined -DCRAWL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=Debug
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS="detect_leaks=1 abort_on_error=1" \
UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"
step "3b/4 the examples under AddressSanitizer + UBSan, on the ASan library"
bash scripts/test_install.sh build/asan address,undefined

step "4/4 fuzzers: URL normalisation and resolution, link extraction (also against myhtml), IP literals"
configure build/fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCRAWL_FUZZ=ON \
  -DCRAWL_SANITIZE=address,undefined -DCRAWL_BUILD_TESTS=OFF \
  -DCRAWL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
fuzzers="url_fuzz url_resolver_fuzz links_fuzz links_diff_fuzz address_fuzz"
cmake --build build/fuzz -j "$jobs" --target $fuzzers
seconds=${FUZZ_SECONDS:-30}
for target in $fuzzers; do
  name=${target%_fuzz}
  corpus=$(mktemp -d)
  log=build/fuzz/$target.log
  dict=()
  if [ -f "tests/fuzz/$name.dict" ]; then dict=(-dict="tests/fuzz/$name.dict"); fi
  # Exits non-zero on a crash, leak, timeout or broken invariant, and leaves
  # the input in build/fuzz/.
  if ! build/fuzz/tests/fuzz/$target -max_total_time="$seconds" \
      -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix=build/fuzz/ "$corpus" "tests/fuzz/corpus/$name" \
      >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target found a failing input (see build/fuzz/)" >&2
    exit 1
  fi
  echo "fuzz: $target: $(grep -o 'number_of_executed_units: [0-9]*' "$log") in ${seconds}s, no failure"
  rm -rf "$corpus"
done
