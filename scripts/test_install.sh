#!/usr/bin/env bash
# Installs a build to a temporary prefix and uses it as a user would: checks
# that only include/crawl is exported, builds each example out of tree with
# find_package(crawl) (against the shared library, and link_checker against
# the static one too) and one with pkg-config, then runs them against a
# site on 127.0.0.1 (tests/examples/check_examples.py).
#
#   scripts/test_install.sh BUILD_DIR [SANITIZERS]
#
# With SANITIZERS (e.g. address,undefined; BUILD_DIR built with the same),
# the examples are built with them too and any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
sanitize=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
fail() { echo "test_install: $*" >&2; exit 1; }

# Only the public headers, and they include nothing but each other and the
# standard library.
[ -d "$prefix/include/crawl" ] || fail "no include/crawl installed"
extra=$(find "$prefix/include" -mindepth 1 -not -path "$prefix/include/crawl" \
        -not -path "$prefix/include/crawl/*.h")
[ -z "$extra" ] || fail "installed beyond include/crawl/*.h: $extra"
if grep -h '#include "' "$prefix"/include/crawl/*.h | grep -v '#include "crawl/'; then
  fail "a public header includes something private"
fi
for h in "$prefix"/include/crawl/*.h; do  # each header stands alone
  echo "#include <crawl/$(basename "$h")>" |
    g++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$prefix/include" -x c++ - ||
    fail "$(basename "$h") does not compile on its own"
done
if grep -n "$PWD/src\|/src\b" "$prefix"/lib/cmake/crawl/*.cmake; then
  fail "the CMake package exports src/"
fi
for f in lib/libcrawl.a lib/libcrawl.so bin/crawl share/man/man1/crawl.1 \
         lib/pkgconfig/crawl.pc lib/cmake/crawl/crawlConfig.cmake; do
  [ -e "$prefix/$f" ] || fail "$f not installed"
done
"$prefix/bin/crawl" --version >/dev/null || fail "the installed crawl does not run"

flags=()
if [ -n "$sanitize" ]; then
  flags=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize -fno-omit-frame-pointer"
         -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$sanitize")
fi
configure() {  # SRC DIR ARGS...
  local src=$1 dir=$2; shift 2
  cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_INIT="-Wall -Wextra -Werror" \
    "${flags[@]}" "$@" >/dev/null
  cmake --build "$dir" >/dev/null
}
for ex in link_checker page_saver matcher; do
  configure "examples/$ex" "$work/shared/$ex"
done
configure examples/link_checker "$work/static/link_checker" -DCRAWL_USE_STATIC_LIBS=ON
if ldd "$work/static/link_checker/link_checker" | grep -q libcrawl; then
  fail "the static link_checker uses libcrawl.so"
fi
mkdir -p "$work/pc"
san=()
[ -n "$sanitize" ] && san=(-fsanitize="$sanitize")
# shellcheck disable=SC2046
g++ -std=c++20 "${san[@]}" examples/matcher/main.cc -o "$work/pc/matcher" \
  $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs crawl) \
  -Wl,-rpath,"$prefix/lib"

export ASAN_OPTIONS="detect_leaks=1 abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"
s=$work/shared
python3 tests/examples/check_examples.py \
  --bin "$s/link_checker/link_checker" "$s/page_saver/page_saver" "$s/matcher/matcher" \
  --bin "$work/static/link_checker/link_checker" "$s/page_saver/page_saver" "$work/pc/matcher"
