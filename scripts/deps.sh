#!/usr/bin/env bash
# Installs the Debian 12 packages crawl needs to build and test, if any are
# missing, then npm warcio (pinned) into tests/warc/node_modules if it is not
# there. Safe to run again: it does nothing when everything is there.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev   # ThreadSanitizer build with -Wthread-safety
  python3                        # CLI and HTTP integration tests
  libmodest-dev                  # src/html: the myhtml tokenizer
  liburiparser-dev libidn2-dev   # src/url: RFC 3986 resolution, IDNA
  libpsl-dev libre2-dev          # src/scope: registrable domains, --include/--exclude
  nginx-light python3-doc        # integration test: python3-doc's HTML tree over nginx
  zlib1g-dev                     # src/robots, src/fetch: gzip sitemaps and bodies
  libssl-dev libdeflate-dev      # src/output: WARC SHA-1 digests; fast gzip of small records
  libbrotli-dev libzstd-dev      # src/fetch: br and zstd bodies (we decode, not curl)
  python3-protego                # robots.txt differential test (Scrapy's parser)
  iproute2 util-linux            # hostile tests run in a network namespace
  openssl                        # TLS test: a throwaway self-signed certificate
  wget2 wrk time                 # bench/wget2_compare.py, bench/memory.sh
  nodejs npm                     # tests/warc/check_warc.mjs: npm warcio checks our WARCs
  librocksdb-dev                 # src/store: --state DIR, the durable frontier store
  libhiredis-dev redis-server    # src/store: --cluster, the Redis frontier store and its tests
)

# src/fetch: HTTP/1.1, HTTP/2, TLS, gzip/br/zstd. From bookworm-backports
# (part of Debian's archive): bookworm's libcurl 7.88 frees a header buffer
# twice on a folded first header line (curl #11101, fixed in 8.1) and reuses a
# connection after an unsolicited response (fixed in 8.0, PR #10690). CMake
# refuses a libcurl older than 8.1.
backports=(libcurl4-openssl-dev libcurl4)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || provided "$1"; }
# A virtual package an installed one provides: NodeSource's nodejs provides
# (and conflicts with) npm.
provided() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null |
    awk -F'|' -v p="$1" '$1 ~ /^ii/ {
      n = split($2, a, /, */)
      for (i = 1; i <= n; i++) { sub(/ .*/, "", a[i]); if (a[i] == p) found = 1 }
    } END { exit !found }'
}
curl_new_enough() {
  local v
  v=$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev 2>/dev/null) || return 1
  dpkg --compare-versions "$v" ge 8.1
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
if ! curl_new_enough || [ ${#missing[@]} -ne 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  list=/etc/apt/sources.list.d/crawl-bookworm-backports.sources
  if ! curl_new_enough && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deps: adding bookworm-backports to apt's sources ($list)" >&2
    $sudo tee "$list" >/dev/null <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  fi
  echo "deps: installing ${missing[*]} ${backports[*]}" >&2
  $sudo apt-get update -qq
  [ ${#missing[@]} -eq 0 ] || $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if ! curl_new_enough; then
    $sudo apt-get install -y -qq --no-install-recommends -t bookworm-backports "${backports[@]}"
  fi
fi

# tests/warc/check_warc.mjs: webrecorder's warcio, pinned by
# tests/warc/package-lock.json, into tests/warc/node_modules (not in git).
warc_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/warc"
lock_version() {
  node -e 'console.log(require(process.argv[1]).packages["node_modules/warcio"].version)' \
    "$warc_dir/package-lock.json"
}
have_version() {
  node -e 'console.log(require(process.argv[1]).version)' \
    "$warc_dir/node_modules/warcio/package.json" 2>/dev/null || true
}
want=$(lock_version)
if [ "$(have_version)" != "$want" ]; then
  echo "deps: installing warcio@$want into tests/warc/node_modules (npm ci)" >&2
  npm ci --prefix "$warc_dir" --no-audit --no-fund
  [ "$(have_version)" = "$want" ] || { echo "deps: warcio@$want did not install" >&2; exit 1; }
fi
