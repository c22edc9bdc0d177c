// IP addresses: which ones a crawler must not connect to by default.
// Pure functions; no I/O. The only knowledge of special address ranges.
//
// Private (refused unless allowed): loopback (127.0.0.0/8, ::1), private
// (10/8, 172.16/12, 192.168/16, RFC 4193 fc00::/7), shared address space
// (100.64/10), link-local (169.254/16, fe80::/10), multicast (224/4,
// ff00::/8), unspecified (0.0.0.0/8, ::), broadcast and reserved (240/4),
// IPv4-mapped/compatible IPv6 of any of those (::ffff:10.0.0.1), and
// NAT64/6to4 forms that embed one where that is unambiguous.
//
// Thread safety: all functions are pure.
#ifndef CRAWL_NET_ADDRESS_H_
#define CRAWL_NET_ADDRESS_H_

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4
  bool operator==(const IpAddress&) const = default;
  // "10.0.0.1", "::1" (canonical text).
  std::string ToString() const;
};

enum class AddressClass {
  kPublic,
  kLoopback,
  kPrivate,      // RFC 1918, RFC 4193, shared 100.64/10
  kLinkLocal,    // 169.254/16 (cloud metadata lives here), fe80::/10
  kMulticast,
  kUnspecified,  // 0.0.0.0/8, ::
  kReserved,     // 240/4, broadcast, documentation ranges, ...
};
// "public", "loopback", "private", "link_local", "multicast",
// "unspecified", "reserved".
const char* AddressClassName(AddressClass c);

AddressClass Classify(const IpAddress& address);
inline bool IsPublic(const IpAddress& a) {
  return Classify(a) == AddressClass::kPublic;
}

// The address in a sockaddr (AF_INET or AF_INET6), or std::nullopt.
std::optional<IpAddress> FromSockaddr(const sockaddr* sa, socklen_t len);

// If `host` (as in a URL, IPv6 in brackets or not) is an IP literal in ANY
// spelling a resolver or browser accepts, the address: dotted decimal,
// fewer parts ("127.1"), decimal ("2130706433"), hex ("0x7f000001",
// "0x7f.0.0.1"), octal ("0177.0.0.1"), mixed, trailing dot; IPv6 including
// IPv4-mapped ("[::ffff:10.0.0.1]", "[::ffff:a00:1]"). Otherwise (a DNS name,
// or not a valid literal) std::nullopt.
std::optional<IpAddress> ParseIpLiteral(std::string_view host);

}  // namespace crawl

#endif  // CRAWL_NET_ADDRESS_H_
