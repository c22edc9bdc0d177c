# What the benchmark scripts share; each sources it from the repository's
# root (after cd).

# ensure_built BUILD_DIR TARGET: builds TARGET (RelWithDebInfo) in BUILD_DIR
# unless its binary is there already.
ensure_built() {
  local build=$1 target=$2 binary
  case $target in
    crawl) binary=$build/tools/crawl/crawl ;;
    *) binary=$build/bench/$target ;;
  esac
  if [[ ! -x $binary ]]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" --target "$target" >&2
  fi
}
