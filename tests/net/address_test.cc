// Tests for src/net/address.h: every special-purpose range at its first,
// last and just-outside address, every IPv4 spelling a resolver or browser
// accepts, IPv6 forms that embed IPv4, brackets and zone ids, names that are
// not addresses, canonical text and sockaddr conversion.
#include "net/address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace crawl {

// Lets GoogleTest print classes and addresses readably.
void PrintTo(AddressClass c, std::ostream* os) { *os << AddressClassName(c); }
void PrintTo(const IpAddress& a, std::ostream* os) {
  *os << (a.v6 ? "v6 " : "v4 ") << a.ToString();
}

namespace {

using C = AddressClass;

IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress address;
  address.bytes[0] = a;
  address.bytes[1] = b;
  address.bytes[2] = c;
  address.bytes[3] = d;
  return address;
}

// The address inet_pton makes of `text` (which must be valid).
IpAddress Pton(const std::string& text) {
  IpAddress address;
  address.v6 = text.find(':') != std::string::npos;
  EXPECT_EQ(inet_pton(address.v6 ? AF_INET6 : AF_INET, text.c_str(),
                      address.bytes.data()),
            1)
      << text;
  return address;
}

struct ClassCase {
  std::string_view text;
  AddressClass expected;
};

void ExpectClasses(const std::vector<ClassCase>& cases) {
  for (const ClassCase& c : cases) {
    SCOPED_TRACE(c.text);
    const std::optional<IpAddress> address = ParseIpLiteral(c.text);
    ASSERT_TRUE(address.has_value());
    EXPECT_EQ(Classify(*address), c.expected);
    EXPECT_EQ(IsPublic(*address), c.expected == C::kPublic);
  }
}

// First, last and just-outside addresses of each IPv4 range.
const std::vector<ClassCase>& V4Ranges() {
  static const auto* const kCases = new std::vector<ClassCase>{
      {"0.0.0.0", C::kUnspecified},
      {"0.255.255.255", C::kUnspecified},
      {"1.0.0.0", C::kPublic},
      {"9.255.255.255", C::kPublic},
      {"10.0.0.0", C::kPrivate},
      {"10.255.255.255", C::kPrivate},
      {"11.0.0.0", C::kPublic},
      {"100.63.255.255", C::kPublic},
      {"100.64.0.0", C::kPrivate},
      {"100.127.255.255", C::kPrivate},
      {"100.128.0.0", C::kPublic},
      {"126.255.255.255", C::kPublic},
      {"127.0.0.0", C::kLoopback},
      {"127.255.255.255", C::kLoopback},
      {"128.0.0.0", C::kPublic},
      {"169.253.255.255", C::kPublic},
      {"169.254.0.0", C::kLinkLocal},
      {"169.254.169.254", C::kLinkLocal},
      {"169.254.255.255", C::kLinkLocal},
      {"169.255.0.0", C::kPublic},
      {"172.15.255.255", C::kPublic},
      {"172.16.0.0", C::kPrivate},
      {"172.31.255.255", C::kPrivate},
      {"172.32.0.0", C::kPublic},
      {"191.255.255.255", C::kPublic},
      {"192.0.0.0", C::kReserved},
      {"192.0.0.255", C::kReserved},
      {"192.0.1.0", C::kPublic},
      {"192.0.1.255", C::kPublic},
      {"192.0.2.0", C::kReserved},
      {"192.0.2.255", C::kReserved},
      {"192.0.3.0", C::kPublic},
      {"192.88.98.255", C::kPublic},
      {"192.88.99.0", C::kReserved},
      {"192.88.99.255", C::kReserved},
      {"192.88.100.0", C::kPublic},
      {"192.167.255.255", C::kPublic},
      {"192.168.0.0", C::kPrivate},
      {"192.168.255.255", C::kPrivate},
      {"192.169.0.0", C::kPublic},
      {"198.17.255.255", C::kPublic},
      {"198.18.0.0", C::kReserved},
      {"198.19.255.255", C::kReserved},
      {"198.20.0.0", C::kPublic},
      {"198.51.99.255", C::kPublic},
      {"198.51.100.0", C::kReserved},
      {"198.51.100.255", C::kReserved},
      {"198.51.101.0", C::kPublic},
      {"203.0.112.255", C::kPublic},
      {"203.0.113.0", C::kReserved},
      {"203.0.113.255", C::kReserved},
      {"203.0.114.0", C::kPublic},
      {"223.255.255.255", C::kPublic},
      {"224.0.0.0", C::kMulticast},
      {"239.255.255.255", C::kMulticast},
      {"240.0.0.0", C::kReserved},
      {"255.255.255.254", C::kReserved},
      {"255.255.255.255", C::kReserved},
      {"8.8.8.8", C::kPublic},
      {"93.184.216.34", C::kPublic},
  };
  return *kCases;
}

TEST(AddressClassName, NamesEveryClass) {
  EXPECT_STREQ(AddressClassName(C::kPublic), "public");
  EXPECT_STREQ(AddressClassName(C::kLoopback), "loopback");
  EXPECT_STREQ(AddressClassName(C::kPrivate), "private");
  EXPECT_STREQ(AddressClassName(C::kLinkLocal), "link_local");
  EXPECT_STREQ(AddressClassName(C::kMulticast), "multicast");
  EXPECT_STREQ(AddressClassName(C::kUnspecified), "unspecified");
  EXPECT_STREQ(AddressClassName(C::kReserved), "reserved");
}

TEST(Classify, Ipv4RangesAtTheirEdges) { ExpectClasses(V4Ranges()); }

// Every IPv4 case again, embedded in each IPv6 form that carries one.
TEST(Classify, EmbeddedIpv4TakesTheIpv4Class) {
  for (const ClassCase& c : V4Ranges()) {
    SCOPED_TRACE(c.text);
    const IpAddress v4 = Pton(std::string(c.text));
    IpAddress mapped;  // ::ffff:a.b.c.d
    mapped.v6 = true;
    mapped.bytes[10] = mapped.bytes[11] = 0xFF;
    std::memcpy(&mapped.bytes[12], v4.bytes.data(), 4);
    EXPECT_EQ(Classify(mapped), c.expected) << "mapped";

    IpAddress compatible;  // ::a.b.c.d
    compatible.v6 = true;
    std::memcpy(&compatible.bytes[12], v4.bytes.data(), 4);
    EXPECT_EQ(Classify(compatible), c.expected) << "compatible";

    IpAddress nat64;  // 64:ff9b::a.b.c.d
    nat64.v6 = true;
    nat64.bytes[1] = 0x64;
    nat64.bytes[2] = 0xFF;
    nat64.bytes[3] = 0x9B;
    std::memcpy(&nat64.bytes[12], v4.bytes.data(), 4);
    EXPECT_EQ(Classify(nat64), c.expected) << "NAT64";

    IpAddress six_to_four;  // 2002:aabb:ccdd::1
    six_to_four.v6 = true;
    six_to_four.bytes[0] = 0x20;
    six_to_four.bytes[1] = 0x02;
    std::memcpy(&six_to_four.bytes[2], v4.bytes.data(), 4);
    six_to_four.bytes[15] = 1;
    EXPECT_EQ(Classify(six_to_four), c.expected) << "6to4";
  }
}

TEST(Classify, Ipv6RangesAtTheirEdges) {
  ExpectClasses({
      // ::/128 and ::1/128 (both inside the IPv4-compatible ::/96).
      {"::", C::kUnspecified},
      {"::1", C::kLoopback},
      {"::2", C::kUnspecified},  // ::0.0.0.2
      // ::ffff:0:0/96, IPv4-mapped.
      {"::fffe:ffff:ffff", C::kReserved},
      {"::ffff:0.0.0.0", C::kUnspecified},
      {"::ffff:10.0.0.1", C::kPrivate},
      {"::ffff:127.0.0.1", C::kLoopback},
      {"::ffff:169.254.169.254", C::kLinkLocal},
      {"::ffff:8.8.8.8", C::kPublic},
      {"::ffff:255.255.255.255", C::kReserved},
      {"::1:0:0:0", C::kReserved},
      {"::1:808:808", C::kReserved},  // not ::ffff:0:0/96 nor ::/96
      // ::/96, IPv4-compatible.
      {"::8.8.8.8", C::kPublic},
      {"::10.0.0.1", C::kPrivate},
      {"::127.0.0.1", C::kLoopback},
      {"::255.255.255.255", C::kReserved},
      {"::1:0:0", C::kReserved},
      // 64:ff9b::/96, NAT64.
      {"64:ff9a:ffff:ffff:ffff:ffff:808:808", C::kReserved},
      {"64:ff9b::", C::kUnspecified},
      {"64:ff9b::8.8.8.8", C::kPublic},
      {"64:ff9b::10.0.0.1", C::kPrivate},
      {"64:ff9b::ffff:ffff", C::kReserved},
      {"64:ff9b::1:808:808", C::kReserved},
      {"64:ff9b:0:ffff:ffff:ffff:808:808", C::kReserved},
      // 64:ff9b:1::/48, local-use NAT64.
      {"64:ff9b:1::", C::kPrivate},
      {"64:ff9b:1::808:808", C::kPrivate},
      {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", C::kPrivate},
      {"64:ff9b:2::", C::kReserved},
      // 100::/64, discard-only (and everything around it is reserved).
      {"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"100::", C::kReserved},
      {"100::ffff:ffff:ffff:ffff", C::kReserved},
      {"100:0:0:1::", C::kReserved},
      // 2000::/3 global unicast.
      {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2000::", C::kPublic},
      {"2606:4700:4700::1111", C::kPublic},
      {"2a00:1450:4001:82b::200e", C::kPublic},
      {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"4000::", C::kReserved},
      // 2001::/23 protocol assignments, Teredo 2001::/32 among them.
      {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"2001::", C::kReserved},
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", C::kReserved},
      {"2001:2::1", C::kReserved},  // benchmarking
      {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2001:200::", C::kPublic},
      // 2001:db8::/32 documentation.
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"2001:db8::", C::kReserved},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2001:db9::", C::kPublic},
      // 2002::/16 6to4, classified by the IPv4 address in bytes 2..5.
      {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"2002::", C::kUnspecified},
      {"2002:808:808::1", C::kPublic},
      {"2002:a00:1::", C::kPrivate},
      {"2002:7f00:1::", C::kLoopback},
      {"2002:a9fe:a9fe::", C::kLinkLocal},
      {"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2003::", C::kPublic},
      // 3fff::/20 documentation.
      {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"3fff::", C::kReserved},
      {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"3fff:1000::", C::kPublic},
      // Outside 2000::/3.
      {"5f00::1", C::kReserved},
      {"1::", C::kReserved},
      // fc00::/7 unique local.
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"fc00::", C::kPrivate},
      {"fd00:ec2::254", C::kPrivate},  // AWS metadata over IPv6
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPrivate},
      {"fe00::", C::kReserved},
      // fe80::/10 link-local.
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"fe80::", C::kLinkLocal},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kLinkLocal},
      // fec0::/10 deprecated site-local.
      {"fec0::", C::kPrivate},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPrivate},
      // ff00::/8 multicast.
      {"ff00::", C::kMulticast},
      {"ff02::1", C::kMulticast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kMulticast},
  });
}

// Hosts an attacker might use to reach internal services, end to end.
TEST(Classify, DisguisedInternalHosts) {
  ExpectClasses({
      {"169.254.169.254", C::kLinkLocal},
      {"0xa9fea9fe", C::kLinkLocal},
      {"2852039166", C::kLinkLocal},
      {"0251.0376.0251.0376", C::kLinkLocal},
      {"169.254.43518", C::kLinkLocal},
      {"[::ffff:169.254.169.254]", C::kLinkLocal},
      {"[::ffff:a9fe:a9fe]", C::kLinkLocal},
      {"[64:ff9b::a9fe:a9fe]", C::kLinkLocal},
      {"[2002:a9fe:a9fe::1]", C::kLinkLocal},
      {"0", C::kUnspecified},
      {"0x", C::kUnspecified},
      {"[::]", C::kUnspecified},
      {"127.1", C::kLoopback},
      {"0x7f.1", C::kLoopback},
      {"[::1]", C::kLoopback},
      {"[::127.0.0.1]", C::kLoopback},
      {"10.1", C::kPrivate},
      {"167772161", C::kPrivate},
      {"[::ffff:10.0.0.1]", C::kPrivate},
      {"[::ffff:a00:1]", C::kPrivate},
      {"[fe80::1%25eth0]", C::kLinkLocal},
      {"fe80::1%eth0", C::kLinkLocal},
      {"[FE80::1]", C::kLinkLocal},
  });
}

struct ParseCase {
  std::string_view host;
  std::string_view expected;  // as inet_pton reads it
};

void ExpectParses(const std::vector<ParseCase>& cases) {
  for (const ParseCase& c : cases) {
    SCOPED_TRACE(c.host);
    const std::optional<IpAddress> address = ParseIpLiteral(c.host);
    ASSERT_TRUE(address.has_value());
    EXPECT_EQ(*address, Pton(std::string(c.expected)));
  }
}

TEST(ParseIpLiteral, Ipv4Spellings) {
  ExpectParses({
      {"127.0.0.1", "127.0.0.1"},
      {"0.0.0.0", "0.0.0.0"},
      {"255.255.255.255", "255.255.255.255"},
      // Fewer parts: the last fills the remaining bytes.
      {"127.1", "127.0.0.1"},
      {"127.0.1", "127.0.0.1"},
      {"10.1", "10.0.0.1"},
      {"10.0.258", "10.0.1.2"},
      {"1.2.65535", "1.2.255.255"},
      {"1.16777215", "1.255.255.255"},
      {"2130706433", "127.0.0.1"},
      {"4294967295", "255.255.255.255"},
      {"0", "0.0.0.0"},
      {"1", "0.0.0.1"},
      // Hexadecimal.
      {"0x7f000001", "127.0.0.1"},
      {"0x7F000001", "127.0.0.1"},
      {"0X7f000001", "127.0.0.1"},
      {"0xffffffff", "255.255.255.255"},
      {"0x7f.1", "127.0.0.1"},
      {"0x7f.0.0.1", "127.0.0.1"},
      {"0xa9.0xfe.0xa9.0xfe", "169.254.169.254"},
      {"0x0", "0.0.0.0"},
      {"0x00000000007f.1", "127.0.0.1"},
      // Octal.
      {"017700000001", "127.0.0.1"},
      {"0177.0.0.1", "127.0.0.1"},
      {"0177.1", "127.0.0.1"},
      {"037777777777", "255.255.255.255"},
      {"127.000.000.001", "127.0.0.1"},
      {"00", "0.0.0.0"},
      {"000000000000000000177.0.0.1", "127.0.0.1"},
      {"010.010.010.010", "8.8.8.8"},
      // Mixed.
      {"0x7f.0.01", "127.0.0.1"},
      {"192.0x00A8.0250.1", "192.168.168.1"},
      // One trailing dot (WHATWG; inet_aton refuses).
      {"127.1.", "127.0.0.1"},
      {"127.0.0.1.", "127.0.0.1"},
      {"1.", "0.0.0.1"},
      // An empty hexadecimal part is 0 (WHATWG; inet_aton refuses).
      {"0x", "0.0.0.0"},
      {"0X", "0.0.0.0"},
      {"0x.1", "0.0.0.1"},
      {"1.0x", "1.0.0.0"},
      {"127.0.0.0x", "127.0.0.0"},
      {"0x.0x.0", "0.0.0.0"},
      // Brackets around IPv4 (a proxy may strip them).
      {"[127.0.0.1]", "127.0.0.1"},
      {"[0x7f.1]", "127.0.0.1"},
  });
}

TEST(ParseIpLiteral, Ipv4IsV4WithTheOtherBytesZero) {
  const std::optional<IpAddress> address = ParseIpLiteral("0xffffffff");
  ASSERT_TRUE(address.has_value());
  EXPECT_FALSE(address->v6);
  EXPECT_EQ(*address, V4(255, 255, 255, 255));
}

TEST(ParseIpLiteral, Ipv6Forms) {
  ExpectParses({
      {"::1", "::1"},
      {"[::1]", "::1"},
      {"::", "::"},
      {"[::]", "::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
      {"2001:DB8::1", "2001:db8::1"},
      {"[2001:0DB8:0000:0000:0000:0000:0000:0001]", "2001:db8::1"},
      {"FE80::1", "fe80::1"},
      // Embedded IPv4.
      {"::ffff:10.0.0.1", "::ffff:a00:1"},
      {"[::ffff:10.0.0.1]", "::ffff:a00:1"},
      {"::ffff:a00:1", "::ffff:10.0.0.1"},
      {"[::FFFF:A00:1]", "::ffff:10.0.0.1"},
      {"::10.0.0.1", "::a00:1"},
      {"64:ff9b::10.0.0.1", "64:ff9b::a00:1"},
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
      // Zone ids are dropped.
      {"fe80::1%eth0", "fe80::1"},
      {"fe80::1%25eth0", "fe80::1"},
      {"[fe80::1%eth0]", "fe80::1"},
      {"[fe80::1%25eth0]", "fe80::1"},
      {"[FE80::1%25ETH0]", "fe80::1"},
      {"fe80::1%1", "fe80::1"},
      {"ff02::1%lo", "ff02::1"},
      {"2001:db8::1%7", "2001:db8::1"},
  });
}

TEST(ParseIpLiteral, NamesAndInvalidLiteralsAreNotAddresses) {
  const std::string_view kNotAddresses[] = {
      "",
      "example.com",
      "localhost",
      "a.b.c.d",
      "127.0.0.1.example",
      "0x7f.foo",
      "foo.127",  // WHATWG: an invalid URL
      "1.2.3.4.5",
      "1.2.3.4.0",
      "0.0.0.0.0",
      "1.2.3.4..",
      "1..2",
      ".1",
      ".",
      "..",
      "256.1.1.1",
      "1.256.1.1",
      "1.2.256.1",
      "1.2.3.256",
      "1.2.65536",
      "1.16777216",
      "4294967296",
      "0x100000000",
      "040000000000",
      "99999999999999999999999999",
      "0x1.0x100.1",
      "08",
      "09.1.1.1",
      "1.2.3.08",
      "0xg",
      "0x7g.1",
      "00x1",
      "0x0x1",
      "1e2",
      "-1",
      "+1",
      "1.2.3.-4",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.4 junk",
      "1.2.3.4\t",
      "127.0.0.1:80",
      std::string_view("1.2.3.4\0", 8),
      std::string_view("::1\0", 4),
      "\xef\xbc\x91.2.3.4",  // fullwidth 1: IDNA maps it before us
      // IPv6.
      "[",
      "]",
      "[]",
      "[::1",
      "::1]",
      "[[::1]]",
      "[::1]:80",
      ":",
      ":::",
      "::1::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7:1.2.3.4",
      "12345::",
      "g::",
      "::ffff:0x7f.1",
      "::ffff:127.1",
      "::ffff:01.2.3.4",
      "::ffff:1.2.3.4.",
      "::1.",
      "fe80::1%",
      "[fe80::1%]",
      "fe80::1%eth 0",
      "fe80::1%a%b",
      "[127.0.0.1%eth0]",
      "[example.com]",
  };
  for (const std::string_view host : kNotAddresses) {
    EXPECT_EQ(ParseIpLiteral(host), std::nullopt)
        << "\"" << std::string(host) << "\"";
  }
}

TEST(IpAddress, ToStringIsCanonical) {
  EXPECT_EQ(V4(10, 0, 0, 1).ToString(), "10.0.0.1");
  EXPECT_EQ(V4(0, 0, 0, 0).ToString(), "0.0.0.0");
  EXPECT_EQ(V4(255, 255, 255, 255).ToString(), "255.255.255.255");
  const struct {
    std::string_view host;
    std::string_view text;
  } kCases[] = {
      {"0x7f.1", "127.0.0.1"},
      {"::1", "::1"},
      {"::", "::"},
      {"[2001:0DB8:0:0:0:0:0:1]", "2001:db8::1"},
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one 0 stays
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // longest run
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // first of equal
      {"::ffff:a00:1", "::ffff:10.0.0.1"},
      {"[FE80::1%25eth0]", "fe80::1"},
  };
  for (const auto& c : kCases) {
    const std::optional<IpAddress> address = ParseIpLiteral(c.host);
    ASSERT_TRUE(address.has_value()) << c.host;
    EXPECT_EQ(address->ToString(), c.text) << c.host;
  }
}

// Random addresses in every spelling: each parses to the same address, and
// ToString() parses back to it.
TEST(ParseIpLiteral, RandomAddressesRoundTrip) {
  std::mt19937_64 random(20240601);
  for (int i = 0; i < 2000; ++i) {
    const auto value = static_cast<std::uint32_t>(random());
    const IpAddress v4 = V4(static_cast<std::uint8_t>(value >> 24),
                            static_cast<std::uint8_t>(value >> 16),
                            static_cast<std::uint8_t>(value >> 8),
                            static_cast<std::uint8_t>(value));
    const std::string dotted = v4.ToString();
    ASSERT_EQ(Pton(dotted), v4);
    char hex[16];
    char octal[16];
    std::snprintf(hex, sizeof(hex), "0x%x", static_cast<unsigned>(value));
    std::snprintf(octal, sizeof(octal), "0%o", static_cast<unsigned>(value));
    const std::string spellings[] = {
        dotted,
        dotted + ".",
        std::to_string(value),
        hex,
        octal,
        std::to_string(value >> 24) + "." + std::to_string(value & 0xFFFFFF),
        std::to_string(value >> 24) + "." +
            std::to_string((value >> 16) & 0xFF) + "." +
            std::to_string(value & 0xFFFF),
    };
    for (const std::string& spelling : spellings) {
      EXPECT_EQ(ParseIpLiteral(spelling), v4) << spelling;
    }

    IpAddress v6;
    v6.v6 = true;
    for (std::uint8_t& b : v6.bytes) b = static_cast<std::uint8_t>(random());
    if (i % 4 == 0) {  // exercise the "::" and mixed notations too
      std::fill(v6.bytes.begin(), v6.bytes.begin() + 10, 0);
      if (i % 8 == 0) v6.bytes[10] = v6.bytes[11] = 0xFF;
    }
    const std::string text = v6.ToString();
    EXPECT_EQ(ParseIpLiteral(text), v6) << text;
    EXPECT_EQ(ParseIpLiteral("[" + text + "]"), v6) << text;
    EXPECT_EQ(Pton(text), v6) << text;
  }
}

TEST(FromSockaddr, Ipv4RoundTrip) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(80);
  ASSERT_EQ(inet_pton(AF_INET, "169.254.169.254", &in.sin_addr), 1);
  const std::optional<IpAddress> address =
      FromSockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof(in));
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(*address, V4(169, 254, 169, 254));
  EXPECT_EQ(address->ToString(), "169.254.169.254");
  EXPECT_EQ(Classify(*address), C::kLinkLocal);
  EXPECT_EQ(ParseIpLiteral(address->ToString()), address);
}

TEST(FromSockaddr, Ipv6RoundTrip) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_scope_id = 2;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr), 1);
  const std::optional<IpAddress> address =
      FromSockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof(in6));
  ASSERT_TRUE(address.has_value());
  EXPECT_TRUE(address->v6);
  EXPECT_EQ(address->ToString(), "::ffff:10.0.0.1");
  EXPECT_EQ(Classify(*address), C::kPrivate);
  EXPECT_EQ(ParseIpLiteral(address->ToString()), address);
}

TEST(FromSockaddr, FromStorageAsTheKernelFillsIt) {
  sockaddr_storage storage{};
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  in6->sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "2606:4700:4700::1111", &in6->sin6_addr), 1);
  const std::optional<IpAddress> address = FromSockaddr(
      reinterpret_cast<const sockaddr*>(&storage), sizeof(storage));
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->ToString(), "2606:4700:4700::1111");
  EXPECT_TRUE(IsPublic(*address));
}

TEST(FromSockaddr, RejectsShortLengthsAndOtherFamilies) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  const auto* sa4 = reinterpret_cast<const sockaddr*>(&in);
  const auto* sa6 = reinterpret_cast<const sockaddr*>(&in6);
  EXPECT_TRUE(FromSockaddr(sa4, sizeof(in)).has_value());
  EXPECT_EQ(FromSockaddr(sa4, sizeof(in) - 1), std::nullopt);
  EXPECT_EQ(FromSockaddr(sa4, 0), std::nullopt);
  EXPECT_TRUE(FromSockaddr(sa6, sizeof(in6)).has_value());
  EXPECT_EQ(FromSockaddr(sa6, sizeof(in6) - 1), std::nullopt);
  EXPECT_EQ(FromSockaddr(sa6, sizeof(sockaddr_in)), std::nullopt);
  EXPECT_EQ(FromSockaddr(nullptr, sizeof(in6)), std::nullopt);

  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_EQ(FromSockaddr(reinterpret_cast<const sockaddr*>(&un), sizeof(un)),
            std::nullopt);
}

}  // namespace
}  // namespace crawl
