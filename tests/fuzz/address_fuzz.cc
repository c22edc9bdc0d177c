// libFuzzer target for ParseIpLiteral, Classify and IpAddress::ToString
// (src/net/address.h). The input is one host. Beyond "no crash, no sanitizer
// report", it traps when an invariant fails:
//   - an IPv4 result leaves bytes 4..15 zero;
//   - ToString() parses back to the same address (also in brackets for
//     IPv6) and is a fixed point; Classify() gives a named class;
//   - glibc agrees: whatever inet_pton (IPv4 or IPv6) or inet_aton accepts
//     parses to the same address, and every IPv4 result is what inet_aton
//     reads once the two WHATWG-only forms (one trailing dot, an empty "0x"
//     part) are rewritten; every IPv6 result is inet_pton's reading of the
//     text before the zone id.
//
// Build and run (not part of the CMake build):
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
//     -Iinclude -Isrc src/net/address.cc tests/fuzz/address_fuzz.cc
//     -o address_fuzz && ./address_fuzz -max_total_time=60
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool HasAsciiSpace(std::string_view s) {
  for (const char c : s) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) return true;
  }
  return false;
}

// inet_pton's reading of `text`, or nullopt.
std::optional<crawl::IpAddress> Pton(int family, const std::string& text) {
  crawl::IpAddress address;
  address.v6 = family == AF_INET6;
  if (inet_pton(family, text.c_str(), address.bytes.data()) != 1) {
    return std::nullopt;
  }
  return address;
}

// inet_aton's reading of `text`, or nullopt.
std::optional<crawl::IpAddress> Aton(const std::string& text) {
  in_addr in{};
  if (inet_aton(text.c_str(), &in) == 0) return std::nullopt;
  crawl::IpAddress address;
  std::memcpy(address.bytes.data(), &in, 4);
  return address;
}

// `text` as inet_aton would need it to read what WHATWG reads: without one
// trailing dot, and with each empty hexadecimal part ("0x") written as "0".
std::string AsInetAtonInput(std::string_view text) {
  if (text.ends_with('.')) text.remove_suffix(1);
  std::string out;
  while (true) {
    const std::size_t dot = text.find('.');
    const std::string_view part = text.substr(0, dot);
    out += (part == "0x" || part == "0X") ? std::string_view("0") : part;
    if (dot == std::string_view::npos) break;
    out += '.';
    text.remove_prefix(dot + 1);
  }
  return out;
}

void CheckAddress(const crawl::IpAddress& address) {
  if (!address.v6) {
    for (std::size_t i = 4; i < address.bytes.size(); ++i) {
      Check(address.bytes[i] == 0);
    }
  }
  const std::string text = address.ToString();
  const std::optional<crawl::IpAddress> again = crawl::ParseIpLiteral(text);
  Check(again.has_value() && *again == address);
  Check(again->ToString() == text);
  if (address.v6) Check(crawl::ParseIpLiteral("[" + text + "]") == address);
  const crawl::AddressClass c = crawl::Classify(address);
  Check(std::strcmp(crawl::AddressClassName(c), "unknown") != 0);
  Check(crawl::IsPublic(address) == (c == crawl::AddressClass::kPublic));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view host(reinterpret_cast<const char*>(data), size);
  const std::optional<crawl::IpAddress> address = crawl::ParseIpLiteral(host);
  if (address) CheckAddress(*address);

  // glibc takes C strings: compare only where it sees the whole input.
  if (host.find('\0') != std::string_view::npos || size > 256) return 0;
  const std::string text(host);
  for (const int family : {AF_INET, AF_INET6}) {
    if (const std::optional<crawl::IpAddress> expected = Pton(family, text)) {
      Check(address == expected);
    }
  }
  // inet_aton ignores whatever follows a space; getaddrinfo does not.
  if (!HasAsciiSpace(host)) {
    if (const std::optional<crawl::IpAddress> expected = Aton(text)) {
      Check(address == expected);
    }
  }
  if (!address) return 0;

  std::string_view inner = host;
  if (inner.starts_with('[')) inner = inner.substr(1, inner.size() - 2);
  if (address->v6) {
    const std::string before_zone(inner.substr(0, inner.find('%')));
    Check(Pton(AF_INET6, before_zone) == address);
  } else {
    Check(!HasAsciiSpace(inner));
    Check(Aton(AsInetAtonInput(inner)) == address);
  }
  return 0;
}
