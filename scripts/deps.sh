#!/usr/bin/env bash
# Installs the Debian 12 packages crawl needs to build and test, if any are
# missing. Safe to run again: it does nothing when everything is there.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev   # ThreadSanitizer build with -Wthread-safety
  python3                        # CLI and HTTP integration tests
  libcurl4-openssl-dev           # src/fetch: HTTP/1.1, HTTP/2, TLS, gzip/br/zstd
  libmodest-dev                  # src/html: the myhtml tokenizer
  liburiparser-dev libidn2-dev   # src/url: RFC 3986 resolution, IDNA
  libpsl-dev libre2-dev          # src/scope: registrable domains, --include/--exclude
  nginx-light python3-doc        # integration test: python3-doc's HTML tree over nginx
  zlib1g-dev                     # src/robots: gzip sitemaps
  python3-protego                # robots.txt differential test (Scrapy's parser)
  iproute2 util-linux            # hostile tests run in a network namespace
  openssl                        # TLS test: a throwaway self-signed certificate
  wget2 wrk time                 # bench/wget2_compare.py, bench/memory.sh
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
