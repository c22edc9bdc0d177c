// IP address parsing and classification (see src/net/address.h).
//
// PARSING. ParseIpLiteral() accepts the union of what glibc's resolver
// (inet_aton, and getaddrinfo, which uses its exact variant) and a browser's
// WHATWG URL host parser turn into an address, so that no spelling that WOULD
// connect somewhere is mistaken for a DNS name:
//
//   IPv4: 1 to 4 parts separated by '.'. A part is decimal, hexadecimal after
//   "0x"/"0X", or octal after a leading '0'. All parts but the last are one
//   byte; the last fills the remaining bytes ("127.1", "10.0.258",
//   "2130706433", "0x7f.1", "017700000001"). Leading zeros are unlimited
//   ("0x00007f.1"). A part out of range, an empty part, a digit that is not
//   of the part's base ("08") or more than 4 parts: not an address.
//
//   Where the two disagree (checked against glibc 2.36 and Node 20's URL):
//   - One trailing dot ("127.1.", "1."): WHATWG accepts it, inet_aton does
//     not (getaddrinfo then queries DNS for the name). Accepted.
//   - An empty hexadecimal part ("0x", "0x.1", "1.0x"): WHATWG reads it as
//     0 ("http://0x/" is http://0.0.0.0/), inet_aton rejects it. Accepted:
//     0.0.0.0 is a connectable address (Linux treats it as this host).
//   - Trailing whitespace ("1.2.3.4 junk"): inet_aton accepts and ignores
//     it, but getaddrinfo's exact variant does not, and WHATWG forbids
//     spaces in hosts. Rejected.
//   - Out-of-range values: both reject them (glibc no longer wraps around);
//     WHATWG then fails the whole URL rather than treating the host as a
//     name ("http://256.1.1.1/", "http://1..2/", "http://08/" are invalid
//     URLs), and getaddrinfo looks it up as a DNS name. Not an address.
//   - WHATWG maps the host through IDNA first, so fullwidth or circled
//     digits ("１２７.０.０.１") become ASCII before this parser runs. Our
//     URL normaliser does that mapping too; this function expects its
//     output and treats any non-ASCII byte as part of a name.
//   A host whose last label is not a number ("0x7f.foo", "127.0.0.1.example")
//   is a name for both.
//
//   IPv6: anything inet_pton(AF_INET6) accepts (the same set as the WHATWG
//   IPv6 parser, including an embedded dotted quad in its strict form and
//   upper case), in brackets or not. A zone id after '%' ("fe80::1%eth0",
//   "[fe80::1%25eth0]" as RFC 6874 writes it in URLs) must be non-empty
//   printable ASCII and is dropped: the result is the address itself, so
//   fe80::1%eth0 classifies as link-local. Browsers reject zone ids;
//   getaddrinfo accepts them on any address.
//
//   Brackets around an IPv4 literal ("[127.0.0.1]") make an invalid URL for
//   WHATWG, but a proxy that strips the brackets would pass the rest to its
//   resolver, so it is accepted as that IPv4 address.
//
// CLASSIFICATION (IANA IPv4 and IPv6 Special-Purpose Address Registries; the
// first matching row wins; "embedded" means the class of the IPv4 address at
// the given bytes):
//
//   IPv4                  class        what
//   0.0.0.0/8             unspecified  "this network"; 0.0.0.0 reaches this
//                                      host on Linux
//   10.0.0.0/8            private      RFC 1918
//   100.64.0.0/10         private      shared address space (carrier NAT)
//   127.0.0.0/8           loopback
//   169.254.0.0/16        link_local   cloud metadata (169.254.169.254)
//   172.16.0.0/12         private      RFC 1918
//   192.0.0.0/24          reserved     IETF protocol assignments (DS-Lite,
//                                      NAT64 discovery, PCP/TURN anycast)
//   192.0.2.0/24          reserved     documentation (TEST-NET-1)
//   192.88.99.0/24        reserved     deprecated 6to4 relay anycast
//   192.168.0.0/16        private      RFC 1918
//   198.18.0.0/15         reserved     benchmarking
//   198.51.100.0/24       reserved     documentation (TEST-NET-2)
//   203.0.113.0/24        reserved     documentation (TEST-NET-3)
//   224.0.0.0/4           multicast
//   240.0.0.0/4           reserved     future use
//   255.255.255.255/32    reserved     limited broadcast (inside 240/4)
//   anything else         public       (including the registry's globally
//                                      reachable AS112 and AMT blocks)
//
//   IPv6                  class        what
//   ::/128                unspecified
//   ::1/128               loopback
//   ::ffff:0:0/96         embedded 12  IPv4-mapped
//   ::/96                 embedded 12  deprecated IPv4-compatible
//   64:ff9b::/96          embedded 12  NAT64 well-known prefix
//   64:ff9b:1::/48        private      local-use NAT64 (RFC 8215): the
//                                      embedded position is site-defined
//   100::/64              reserved     discard-only
//   2001::/23             reserved     IETF protocol assignments: Teredo
//                                      2001::/32, benchmarking 2001:2::/48,
//                                      ORCHID, anycast services
//   2001:db8::/32         reserved     documentation
//   2002::/16             embedded 2   6to4: tunnelled to that IPv4 address
//   3fff::/20             reserved     documentation (RFC 9637)
//   2000::/3              public       global unicast
//   fc00::/7              private      unique local (RFC 4193)
//   fec0::/10             private      deprecated site-local
//   fe80::/10             link_local
//   ff00::/8              multicast
//   anything else         reserved     unassigned or IETF-reserved space
//                                      outside 2000::/3 (5f00::/16 SRv6
//                                      SIDs, the rest of ::/8, 4000::/3...)
#include "net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace crawl {
namespace {

// Values above this are out of range for any IPv4 part; parsing saturates
// here so that arbitrarily long parts cannot overflow.
constexpr std::uint64_t kTooLarge = std::uint64_t{1} << 32;

// The value of an ASCII (hexadecimal) digit, or 16 for any other byte.
unsigned DigitValue(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return 16;
}

// One part of an IPv4 literal, as the WHATWG "IPv4 number parser" reads it;
// values of kTooLarge or more come back as kTooLarge.
std::optional<std::uint64_t> ParseIpv4Part(std::string_view part) {
  if (part.empty()) return std::nullopt;
  unsigned base = 10;
  if (part.size() >= 2 && part[0] == '0' &&
      (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);  // may leave "": WHATWG reads "0x" as 0
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (const char c : part) {
    const unsigned digit = DigitValue(c);
    if (digit >= base) return std::nullopt;
    value = value * base + digit;  // at most 16 * 2^32 + 15: no overflow
    if (value > kTooLarge) value = kTooLarge;
  }
  return value;
}

std::optional<IpAddress> ParseIpv4(std::string_view text) {
  if (text.ends_with('.')) text.remove_suffix(1);
  std::uint64_t parts[4] = {};
  std::size_t count = 0;
  while (true) {
    if (count == 4) return std::nullopt;  // a fifth part
    const std::size_t dot = text.find('.');
    const std::optional<std::uint64_t> part =
        ParseIpv4Part(text.substr(0, dot));
    if (!part) return std::nullopt;
    parts[count++] = *part;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  // The last part fills the 5 - count bytes the others leave.
  std::uint64_t value = parts[count - 1];
  if (value >> (8 * (5 - count)) != 0) return std::nullopt;
  for (std::size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 0xFF) return std::nullopt;
    value |= parts[i] << (24 - 8 * i);
  }
  IpAddress address;
  for (int i = 0; i < 4; ++i) {
    address.bytes[i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  }
  return address;
}

bool IsZoneChar(char c) {
  return c > ' ' && c < 0x7F && c != '%' && c != '[' && c != ']';
}

std::optional<IpAddress> ParseIpv6(std::string_view text) {
  const std::size_t percent = text.find('%');
  if (percent != std::string_view::npos) {
    const std::string_view zone = text.substr(percent + 1);
    if (zone.empty()) return std::nullopt;
    for (const char c : zone) {
      if (!IsZoneChar(c)) return std::nullopt;
    }
    text = text.substr(0, percent);
  }
  // inet_pton needs a C string; an embedded NUL would cut it short. The
  // longest valid text is 45 characters.
  char buffer[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof(buffer) ||
      text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress address;
  address.v6 = true;
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) {
    return std::nullopt;
  }
  return address;
}

// The 32 bits at bytes[offset..offset+3], most significant first.
std::uint32_t Load32(const IpAddress& address, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | address.bytes[offset + i];
  }
  return value;
}

std::uint64_t Load64(const IpAddress& address, std::size_t offset) {
  return (std::uint64_t{Load32(address, offset)} << 32) |
         Load32(address, offset + 4);
}

// Whether the first `bits` (0..64) bits of a and b are equal.
bool SamePrefix(std::uint64_t a, std::uint64_t b, int bits) {
  return bits == 0 || ((a ^ b) >> (64 - bits)) == 0;
}

constexpr std::uint32_t V4(std::uint32_t a, std::uint32_t b, std::uint32_t c,
                           std::uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

struct V4Block {
  std::uint32_t prefix;
  int length;
  AddressClass address_class;
};

// The IPv4 table of the file comment, in order.
constexpr V4Block kV4Blocks[] = {
    {V4(0, 0, 0, 0), 8, AddressClass::kUnspecified},
    {V4(10, 0, 0, 0), 8, AddressClass::kPrivate},
    {V4(100, 64, 0, 0), 10, AddressClass::kPrivate},
    {V4(127, 0, 0, 0), 8, AddressClass::kLoopback},
    {V4(169, 254, 0, 0), 16, AddressClass::kLinkLocal},
    {V4(172, 16, 0, 0), 12, AddressClass::kPrivate},
    {V4(192, 0, 0, 0), 24, AddressClass::kReserved},
    {V4(192, 0, 2, 0), 24, AddressClass::kReserved},
    {V4(192, 88, 99, 0), 24, AddressClass::kReserved},
    {V4(192, 168, 0, 0), 16, AddressClass::kPrivate},
    {V4(198, 18, 0, 0), 15, AddressClass::kReserved},
    {V4(198, 51, 100, 0), 24, AddressClass::kReserved},
    {V4(203, 0, 113, 0), 24, AddressClass::kReserved},
    {V4(224, 0, 0, 0), 4, AddressClass::kMulticast},
    {V4(240, 0, 0, 0), 4, AddressClass::kReserved},
    {V4(255, 255, 255, 255), 32, AddressClass::kReserved},
};

AddressClass ClassifyV4(std::uint32_t address) {
  for (const V4Block& block : kV4Blocks) {
    if (SamePrefix(std::uint64_t{address} << 32,
                   std::uint64_t{block.prefix} << 32, block.length)) {
      return block.address_class;
    }
  }
  return AddressClass::kPublic;
}

constexpr int kNoEmbeddedV4 = -1;

struct V6Block {
  std::uint64_t high;  // the prefix's first 64 bits
  std::uint64_t low;   // and its last 64
  int length;
  AddressClass address_class;
  int embedded_v4 = kNoEmbeddedV4;  // if set, classify the IPv4 address here
};

// The IPv6 table of the file comment, in order.
constexpr V6Block kV6Blocks[] = {
    {0, 0, 128, AddressClass::kUnspecified},
    {0, 1, 128, AddressClass::kLoopback},
    {0, 0x0000'ffff'0000'0000, 96, AddressClass::kReserved, 12},
    {0, 0, 96, AddressClass::kReserved, 12},
    {0x0064'ff9b'0000'0000, 0, 96, AddressClass::kReserved, 12},
    {0x0064'ff9b'0001'0000, 0, 48, AddressClass::kPrivate},
    {0x0100'0000'0000'0000, 0, 64, AddressClass::kReserved},
    {0x2001'0000'0000'0000, 0, 23, AddressClass::kReserved},
    {0x2001'0db8'0000'0000, 0, 32, AddressClass::kReserved},
    {0x2002'0000'0000'0000, 0, 16, AddressClass::kReserved, 2},
    {0x3fff'0000'0000'0000, 0, 20, AddressClass::kReserved},
    {0x2000'0000'0000'0000, 0, 3, AddressClass::kPublic},
    {0xfc00'0000'0000'0000, 0, 7, AddressClass::kPrivate},
    {0xfec0'0000'0000'0000, 0, 10, AddressClass::kPrivate},
    {0xfe80'0000'0000'0000, 0, 10, AddressClass::kLinkLocal},
    {0xff00'0000'0000'0000, 0, 8, AddressClass::kMulticast},
};

bool InBlock(std::uint64_t high, std::uint64_t low, const V6Block& block) {
  if (block.length <= 64) return SamePrefix(high, block.high, block.length);
  return high == block.high && SamePrefix(low, block.low, block.length - 64);
}

}  // namespace

std::string IpAddress::ToString() const {
  if (!v6) {
    std::string text;
    for (int i = 0; i < 4; ++i) {
      if (i > 0) text += '.';
      text += std::to_string(bytes[i]);
    }
    return text;
  }
  // glibc's inet_ntop writes RFC 5952 text (lower case, the longest run of
  // zero groups as "::"), with IPv4-mapped and -compatible addresses in
  // mixed notation ("::ffff:10.0.0.1").
  char buffer[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, bytes.data(), buffer, sizeof(buffer)) == nullptr) {
    return {};  // cannot happen: the buffer is large enough
  }
  return buffer;
}

const char* AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link_local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kReserved:
      return "reserved";
  }
  return "unknown";
}

AddressClass Classify(const IpAddress& address) {
  if (!address.v6) return ClassifyV4(Load32(address, 0));
  const std::uint64_t high = Load64(address, 0);
  const std::uint64_t low = Load64(address, 8);
  for (const V6Block& block : kV6Blocks) {
    if (!InBlock(high, low, block)) continue;
    if (block.embedded_v4 == kNoEmbeddedV4) return block.address_class;
    return ClassifyV4(
        Load32(address, static_cast<std::size_t>(block.embedded_v4)));
  }
  return AddressClass::kReserved;
}

std::optional<IpAddress> FromSockaddr(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return std::nullopt;
  const auto size = static_cast<std::size_t>(len);
  sa_family_t family = 0;
  if (size < offsetof(sockaddr, sa_family) + sizeof(family)) {
    return std::nullopt;
  }
  // memcpy: `sa` may point into a buffer with any alignment.
  std::memcpy(&family,
              reinterpret_cast<const char*>(sa) + offsetof(sockaddr, sa_family),
              sizeof(family));
  IpAddress address;
  if (family == AF_INET && size >= sizeof(sockaddr_in)) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof(in));
    std::memcpy(address.bytes.data(), &in.sin_addr, 4);
    return address;
  }
  if (family == AF_INET6 && size >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof(in6));
    address.v6 = true;
    std::memcpy(address.bytes.data(), &in6.sin6_addr, 16);
    return address;
  }
  return std::nullopt;
}

std::optional<IpAddress> ParseIpLiteral(std::string_view host) {
  if (host.starts_with('[')) {
    if (host.size() < 2 || !host.ends_with(']')) return std::nullopt;
    host = host.substr(1, host.size() - 2);
    if (std::optional<IpAddress> v6 = ParseIpv6(host)) return v6;
    return ParseIpv4(host);  // see the file comment
  }
  if (host.find(':') != std::string_view::npos) return ParseIpv6(host);
  return ParseIpv4(host);
}

}  // namespace crawl
