// Tests for crawl/url.h: RFC 3986 section 5.4 resolution, the WHATWG-style
// clean-up browsers apply, equivalent spellings, drop reasons and UrlHost.
#include "crawl/url.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl {

// Lets GoogleTest print drop reasons by name.
void PrintTo(UrlDrop drop, std::ostream* os) { *os << UrlDropName(drop); }

namespace {

constexpr std::string_view kRfcBase = "http://a/b/c/d;p?q";

struct Case {
  std::string_view input;
  std::string_view expected;  // "" when dropped
  UrlDrop drop = UrlDrop::kNone;
};

// Checks one table row; the input is named in any failure.
void ExpectResolves(std::string_view base, const Case& c) {
  const UrlResult r = ResolveUrl(base, c.input);
  EXPECT_EQ(r.drop, c.drop) << "ref \"" << c.input << "\" gave "
                            << UrlDropName(r.drop) << " \"" << r.url << "\"";
  EXPECT_EQ(r.url, c.expected) << "ref \"" << c.input << "\"";
}

void ExpectNormalizes(const Case& c) {
  const UrlResult r = NormalizeUrl(c.input);
  EXPECT_EQ(r.drop, c.drop) << "url \"" << c.input << "\" gave "
                            << UrlDropName(r.drop) << " \"" << r.url << "\"";
  EXPECT_EQ(r.url, c.expected) << "url \"" << c.input << "\"";
}

// RFC 3986 section 5.4.1, "Normal Examples". Differences from the RFC's
// expected values, all by our contract: "g:h" is dropped (only http and https
// are accepted); fragments are dropped; "//g" gets the path "/".
TEST(Rfc3986Section5_4_1, NormalExamples) {
  const Case cases[] = {
      {"g:h", "", UrlDrop::kUnsupportedScheme},  // RFC: "g:h"
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},  // RFC: "http://g"
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q"},  // RFC: "...?q#s"
      {"g#s", "http://a/b/c/g"},     // RFC: "...g#s"
      {"g?y#s", "http://a/b/c/g?y"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const Case& c : cases) ExpectResolves(kRfcBase, c);
}

// RFC 3986 section 5.4.2, "Abnormal Examples". Fragments are dropped, and
// "http:g" takes the RFC's "backward compatibility" reading, as browsers do
// (the strict reading "http:g" has no host and would be dropped).
TEST(Rfc3986Section5_4_2, AbnormalExamples) {
  const Case cases[] = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g"},   // RFC: "...g#s/./x"
      {"g#s/../x", "http://a/b/c/g"},  // RFC: "...g#s/../x"
      {"http:g", "http://a/b/c/g"},    // RFC strict: "http:g"
  };
  for (const Case& c : cases) ExpectResolves(kRfcBase, c);
}

TEST(ResolveUrl, SpecialReferences) {
  const std::string_view base = "https://h.example/dir/page.html?x=1#top";
  const Case cases[] = {
      {"", "https://h.example/dir/page.html?x=1"},
      {"   ", "https://h.example/dir/page.html?x=1"},
      {"#frag", "https://h.example/dir/page.html?x=1"},
      {"?q", "https://h.example/dir/page.html?q"},
      {"?", "https://h.example/dir/page.html?"},
      {"//other.example/x", "https://other.example/x"},
      {"\\\\other.example\\x", "https://other.example/x"},
      {"../../../../x", "https://h.example/x"},
      {"/a/./b/../c", "https://h.example/a/c"},
      {"http://abs.example/", "http://abs.example/"},
      {"HTTPS://ABS.example:443/Y", "https://abs.example/Y"},
      {"https:rel", "https://h.example/dir/rel"},  // same scheme: relative
      {"https:/root", "https://h.example/root"},
      // Other scheme: absolute, and (URL Standard) its host follows any
      // number of slashes.
      {"http:rel", "http://rel/"},
      {"http:/rel/x", "http://rel/x"},
      {"http:", "", UrlDrop::kBadHost},
      {"http:/", "", UrlDrop::kBadHost},
      {"a:b", "", UrlDrop::kUnsupportedScheme},
      {"1a:b", "https://h.example/dir/1a:b"},  // not a scheme
      {"mailto:x@y.example", "", UrlDrop::kUnsupportedScheme},
      {"javascript:void(0)", "", UrlDrop::kUnsupportedScheme},
      {" \t\n", "https://h.example/dir/page.html?x=1"},
      {"sub dir/ü", "https://h.example/dir/sub%20dir/%C3%BC"},
  };
  for (const Case& c : cases) ExpectResolves(base, c);
}

TEST(ResolveUrl, BadBase) {
  // An absolute reference does not need the base.
  EXPECT_EQ(ResolveUrl("", "http://x.example/").url, "http://x.example/");
  EXPECT_EQ(ResolveUrl("mailto:a@b", "http://x.example/").url,
            "http://x.example/");
  // A relative one reports what is wrong with the base.
  EXPECT_EQ(ResolveUrl("", "x").drop, UrlDrop::kEmpty);
  EXPECT_EQ(ResolveUrl("mailto:a@b", "x").drop, UrlDrop::kUnsupportedScheme);
  EXPECT_EQ(ResolveUrl("/relative/base", "x").drop, UrlDrop::kMalformed);
  EXPECT_EQ(ResolveUrl("http://a:99999/", "x").drop, UrlDrop::kMalformed);
  EXPECT_EQ(ResolveUrl("http:", "x").drop, UrlDrop::kBadHost);
  EXPECT_EQ(ResolveUrl("http:///", "x").drop, UrlDrop::kBadHost);
  // "http:host" is "http://host" (the URL Standard).
  EXPECT_EQ(ResolveUrl("http:nohost", "x").url, "http://nohost/x");
  // The base is cleaned up like any URL.
  EXPECT_EQ(ResolveUrl(" HTTP://A.example\\d\\e#f ", "g").url,
            "http://a.example/d/g");
}

// Browsers parse the base before resolving against it, so its dot segments
// go first; a strict RFC 3986 merge would give "http://h/a/b/t" here.
TEST(ResolveUrl, BaseIsNormalisedFirst) {
  EXPECT_EQ(ResolveUrl("http://h/a/b/..", "t").url, "http://h/a/t");
  EXPECT_EQ(ResolveUrl("http://h//..", "t").url, "http://h/t");
  EXPECT_EQ(ResolveUrl("http://h/a/%2e%2e/b/", "t").url, "http://h/b/t");
  EXPECT_EQ(ResolveUrl("http://h/a/./b", "").url, "http://h/a/b");
  for (std::string_view base :
       {"http://h/a/b/..", "HTTP://H:80/x/./y/../z?q#f", "http://h//..",
        "http://[::1]/a/../b", "http://b%C3%BC.h/p"}) {
    for (std::string_view ref : {"", "t", "../t", "?q", "//g/x", "/..//x"}) {
      EXPECT_EQ(ResolveUrl(base, ref).url,
                ResolveUrl(NormalizeUrl(base).url, ref).url)
          << base << " + " << ref;
    }
  }
}

// Where browsers part from RFC 3986, we follow the WHATWG URL standard.
TEST(NormalizeUrl, WhatwgCleanup) {
  const Case cases[] = {
      {"  http://a.example/x  ", "http://a.example/x"},
      {"\x01\x1f http://a.example/x\x02", "http://a.example/x"},
      {"http://a.example/x\x7f", "http://a.example/x%7F"},  // not C0: kept
      {"ht\ttp://a.exa\nmple/x\r\ny", "http://a.example/xy"},
      {"http:\\\\a.example\\b\\c?d\\e", "http://a.example/b/c?d%5Ce"},
      {"http://a.example/b c", "http://a.example/b%20c"},
      {"http://a.example/caf\xC3\xA9", "http://a.example/caf%C3%A9"},
      {"http://a.example/?q=\xE2\x82\xAC", "http://a.example/?q=%E2%82%AC"},
      {"http://a.example/\xFF", "http://a.example/%FF"},
      {"http://a.example/\"<>`{}|^[]",
       "http://a.example/%22%3C%3E%60%7B%7D%7C%5E%5B%5D"},
      {"http://a.example/100%", "http://a.example/100%25"},
      {"http://a.example/%zz%4", "http://a.example/%25zz%254"},
      {"http://b\xC3\xBC"
       "cher.example/",
       "http://xn--bcher-kva.example/"},
      {"http://B\xC3\x9C"
       "CHER.example/",
       "http://xn--bcher-kva.example/"},
      // IDNA2008 disallows U+2603, so libidn2 accepts it only in the
      // transitional fallback, as browsers do.
      {"http://\xE2\x98\x83.net/", "http://xn--n3h.net/"},
      {"http://fa\xC3\x9F.de/", "http://xn--fa-hia.de/"},  // nontransitional
      {"HTTP://WWW.EXAMPLE.COM/Path", "http://www.example.com/Path"},
      {"http://a.example:80/", "http://a.example/"},
      {"https://a.example:443/", "https://a.example/"},
      {"http://a.example:443/", "http://a.example:443/"},
      {"https://a.example:80/", "https://a.example:80/"},
      {"http://a.example:/", "http://a.example/"},
      {"http://a.example:0080/", "http://a.example/"},
      {"http://a.example:08080/", "http://a.example:8080/"},
      {"http://a.example", "http://a.example/"},
      {"http://a.example?x", "http://a.example/?x"},
      {"http://a.example/%7e%7E", "http://a.example/~~"},
      {"http://a.example/%41%5a%30%2d%2e%5f", "http://a.example/AZ0-._"},
      {"http://a.example/a%2fb", "http://a.example/a%2Fb"},
      {"http://a.example/%3a%3F%23%25", "http://a.example/%3A%3F%23%25"},
      {"http://a.example/?%3d%26=", "http://a.example/?%3D%26="},
      {"http://a/b/../c", "http://a/c"},
      {"http://a/b/./c/./", "http://a/b/c/"},
      {"http://a/../../x", "http://a/x"},
      {"http://a/b/%2e%2E/c/%2e", "http://a/c/"},  // %2e is '.'
      {"http://a/b//c", "http://a/b//c"},
      {"http://a/b#frag", "http://a/b"},
      {"http://a/b?q#frag?x", "http://a/b?q"},
      {"http://a/b?", "http://a/b?"},
      {"http://a/b?q?r/s", "http://a/b?q?r/s"},
      {"http://user:pass@a/", "http://user:pass@a/"},
      {"http://us%65r:p%41ss@a/", "http://user:pAss@a/"},
      {"http://user:@a/", "http://user@a/"},
      {"http://:@a/", "http://a/"},
      {"http://@a/", "http://a/"},
      {"http://a@b@c/", "http://a%40b@c/"},
      {"http://[FE80::0:0:1]/", "http://[fe80::1]/"},
      {"http://[::1]:8080/", "http://[::1]:8080/"},
      {"http://%41%42.example/", "http://ab.example/"},
      {"http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/"},
      {"http://1.2.3.4/", "http://1.2.3.4/"},
      {"http://a.example./", "http://a.example./"},
  };
  for (const Case& c : cases) ExpectNormalizes(c);
}

// Each group lists spellings of one URL; the first is the normalised form.
TEST(NormalizeUrl, EquivalentSpellings) {
  const std::vector<std::vector<std::string_view>> groups = {
      {"http://example.com/", "HTTP://EXAMPLE.COM/", "http://example.com",
       "http://example.com:80/", "http://example.com:/",
       " http://example.com/#x", "http://Example.COM/./",
       "http://example.com/a/..", "http:\\\\example.com\\",
       "http://exa\tmple.com/", "http://example.com/%2e/"},
      {"http://example.com/~user", "http://example.com/%7euser",
       "http://example.com/%7Euser", "http://example.com/a/../~user#top"},
      {"http://a/%C3%BC", "http://a/\xC3\xBC", "http://a/%c3%bc",
       "http://a/%C3%bc"},
      {"http://xn--bcher-kva.example/",
       "http://b\xC3\xBC"
       "cher.example/",
       "http://B\xC3\x9C"
       "CHER.EXAMPLE/",
       "http://b%C3%BCcher.example/", "http://XN--BCHER-KVA.example:80"},
      {"https://a/b?x=1", "https://a:443/b?x=1#f", "HTTPS://A/b?x=1",
       "https://a/c/../b?x=1", "https://a/./b?x=1"},
      {"http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::0001]:80/",
       "http://[0::1]"},
      {"http://a/a%20b", "http://a/a b", "http://a/a%20b#",
       "http://a/a%20b#x y"},
  };
  for (const auto& group : groups) {
    for (std::string_view spelling : group) {
      const UrlResult r = NormalizeUrl(spelling);
      EXPECT_TRUE(r.ok()) << spelling << ": " << UrlDropName(r.drop);
      EXPECT_EQ(r.url, group[0]) << "spelling \"" << spelling << "\"";
    }
  }
}

TEST(NormalizeUrl, DistinctUrlsStayDistinct) {
  const std::string_view distinct[] = {
      "http://a/",    "https://a/",    "http://a/?",   "http://a/b",
      "http://a/b/",  "http://a/B",    "http://a/b?c", "http://a/%2F",
      "http://a:81/", "http://u@a/",   "http://a/%3F", "http://a//",
      "http://a.b/",  "http://a/?%26", "http://a/?&",  "http://a./",
  };
  for (std::string_view a : distinct) {
    for (std::string_view b : distinct) {
      if (a == b) continue;
      EXPECT_NE(NormalizeUrl(a).url, NormalizeUrl(b).url) << a << " vs " << b;
    }
  }
}

TEST(NormalizeUrl, ControlBytesAndNul) {
  EXPECT_EQ(NormalizeUrl(std::string_view("\0http://a/b\0c\0", 14)).url,
            "http://a/b%00c");
  EXPECT_EQ(NormalizeUrl(std::string_view("http://a\0b/", 11)).drop,
            UrlDrop::kBadHost);
  EXPECT_EQ(NormalizeUrl("http://a/\x01\x1b?\x7f").url, "http://a/%01%1B?%7F");
}

TEST(UrlDrops, Empty) {
  EXPECT_EQ(NormalizeUrl("").drop, UrlDrop::kEmpty);
  EXPECT_EQ(NormalizeUrl("   ").drop, UrlDrop::kEmpty);
  EXPECT_EQ(NormalizeUrl(std::string_view("\t\n\r\x00 \x1f", 6)).drop,
            UrlDrop::kEmpty);
  EXPECT_TRUE(ResolveUrl("http://a/", " ").ok());  // an empty ref is the base
}

TEST(UrlDrops, UnsupportedScheme) {
  for (std::string_view url :
       {"mailto:a@b.example", "javascript:alert(1)", "ftp://a.example/",
        "data:text/plain,x", "file:///etc/passwd", "ws://a/", "httpx://a/",
        "tel:+123", " JavaScript:x", "java\tscript:x", "g:h"}) {
    EXPECT_EQ(NormalizeUrl(url).drop, UrlDrop::kUnsupportedScheme) << url;
    EXPECT_EQ(ResolveUrl("http://a/", url).drop, UrlDrop::kUnsupportedScheme)
        << url;
  }
}

TEST(UrlDrops, Malformed) {
  for (std::string_view url :
       {"//a.example/", "/path", "a.example/x", "#frag", "?q", "1http://a/",
        "http://a:99999/", "http://a:65536/", "http://a:1x/", "http://a:-1/",
        "http://a:80:80/", "http://[::1/", "http://[::1]x/", "http://[::g]/",
        "http://[1:2]/", "http://[<>]/"}) {
    const UrlResult r = NormalizeUrl(url);
    EXPECT_EQ(r.drop, UrlDrop::kMalformed) << url << " gave " << r.url;
  }
  EXPECT_EQ(NormalizeUrl("http://a:65535/").url, "http://a:65535/");
  EXPECT_EQ(NormalizeUrl("http://a:0/").url, "http://a:0/");
}

TEST(UrlDrops, BadHost) {
  for (std::string_view url :
       {"http:///", "http://", "http://:80/", "http://u@/", "http:",
        "http:/", "http:?x", "http:////?x", "http://a b/", "http://a%20b/",
        "http://a%2Fb/",
        "http://a%00b/", "http://a<b/", "http://%/", "http://a%zz/",
        "http://%FF/", "http://xn--a\xC3\xBC/", "http://[v1.x]/",
        "http://a\xEF\xBC\x8F"
        "b/"}) {  // U+FF0F FULLWIDTH SOLIDUS maps to '/'
    const UrlResult r = NormalizeUrl(url);
    EXPECT_EQ(r.drop, UrlDrop::kBadHost) << url << " gave " << r.url;
  }
}

TEST(UrlDrops, TooLongAtTheLimit) {
  const std::string prefix = "http://a.example/";
  for (std::size_t max :
       {std::size_t{20}, std::size_t{100}, kDefaultMaxUrlLength}) {
    const std::string exact = prefix + std::string(max - prefix.size(), 'x');
    EXPECT_EQ(NormalizeUrl(exact, max).url, exact);
    EXPECT_EQ(NormalizeUrl(exact + "y", max).drop, UrlDrop::kTooLong);
    EXPECT_EQ(ResolveUrl(prefix, exact.substr(prefix.size()), max).url, exact);
    EXPECT_EQ(ResolveUrl(prefix, exact.substr(prefix.size()) + "y", max).drop,
              UrlDrop::kTooLong);
  }
  // The limit applies after normalisation, both ways.
  EXPECT_EQ(NormalizeUrl("HTTP://A.EXAMPLE:80/x#fragment", 18).url,
            "http://a.example/x");
  EXPECT_EQ(NormalizeUrl("http://a.example/\xC3\xA9", 20).drop,
            UrlDrop::kTooLong);  // 19 bytes in, 23 out
}

TEST(UrlDrops, AbsurdInputsAreRefusedUnparsed) {
  // 4 x max + 64 bytes are parsed; one more is refused even though the URL
  // would be short once its padding is stripped.
  const std::size_t max = 100;
  const std::string url = "http://a/";
  EXPECT_TRUE(
      NormalizeUrl(std::string(4 * max + 64 - url.size(), ' ') + url, max)
          .ok());
  EXPECT_EQ(
      NormalizeUrl(std::string(4 * max + 65 - url.size(), ' ') + url, max).drop,
      UrlDrop::kTooLong);
  const std::string huge = "http://a/" + std::string(10 << 20, 'x');
  EXPECT_EQ(NormalizeUrl(huge).drop, UrlDrop::kTooLong);
  EXPECT_EQ(ResolveUrl("http://a/", huge).drop, UrlDrop::kTooLong);
  EXPECT_EQ(ResolveUrl(huge, "x").drop, UrlDrop::kTooLong);
  EXPECT_EQ(ResolveUrl(huge, "http://b/").url, "http://b/");  // base unused
  // A limit large enough for the huge URL accepts it, and later calls work.
  EXPECT_EQ(NormalizeUrl(huge, huge.size()).url.size(), huge.size());
  EXPECT_EQ(NormalizeUrl("http://a/").url, "http://a/");
}

TEST(UrlDropName, NamesEveryReason) {
  EXPECT_STREQ(UrlDropName(UrlDrop::kNone), "none");
  EXPECT_STREQ(UrlDropName(UrlDrop::kEmpty), "empty");
  EXPECT_STREQ(UrlDropName(UrlDrop::kUnsupportedScheme), "scheme");
  EXPECT_STREQ(UrlDropName(UrlDrop::kTooLong), "too_long");
  EXPECT_STREQ(UrlDropName(UrlDrop::kMalformed), "malformed");
  EXPECT_STREQ(UrlDropName(UrlDrop::kBadHost), "bad_host");
  EXPECT_EQ(kUrlDropReasons, 6);
}

TEST(UrlHost, ReturnsTheHost) {
  EXPECT_EQ(UrlHost("http://a.example:8080/x"), "a.example");
  EXPECT_EQ(UrlHost("http://a.example/x"), "a.example");
  EXPECT_EQ(UrlHost("https://a.example"), "a.example");
  EXPECT_EQ(UrlHost("http://a.example?q"), "a.example");
  EXPECT_EQ(UrlHost("http://u:p@a.example:1/x@y"), "a.example");
  EXPECT_EQ(UrlHost("http://[::1]:8080/"), "[::1]");
  EXPECT_EQ(UrlHost("http://[::1]/"), "[::1]");
  EXPECT_EQ(UrlHost("http://xn--bcher-kva.example/"), "xn--bcher-kva.example");
  EXPECT_EQ(UrlHost("not a url"), "");
  EXPECT_EQ(UrlHost(""), "");
  EXPECT_EQ(UrlHost(NormalizeUrl("HTTP://B\xC3\xBC"
                                 "cher.Example:80/")
                        .url),
            "xn--bcher-kva.example");
}

// A link or a Location never carries credentials into the crawl: they would
// be sent to whatever host it names, and shown in records.
TEST(ResolveUrl, DropsUserInfo) {
  EXPECT_EQ(ResolveUrl("http://a.test/", "http://user:pw@b.test/x").url,
            "http://b.test/x");
  EXPECT_EQ(ResolveUrl("http://a.test/", "//u@b.test:81/").url,
            "http://b.test:81/");
  EXPECT_EQ(ResolveUrl("http://u:p@a.test/d/", "x").url, "http://a.test/d/x");
  EXPECT_EQ(ResolveUrl("http://a.test/", "/p@q").url, "http://a.test/p@q")
      << "an @ in the path is not userinfo";
  EXPECT_EQ(ResolveUrl("http://a.test/", "?u@b").url, "http://a.test/?u@b");
  const UrlResolver resolver("http://a.test/");
  EXPECT_EQ(resolver.Resolve("https://x:y@b.test/").url, "https://b.test/");
  EXPECT_EQ(NormalizeUrl("http://user:pw@b.test/").url,
            "http://user:pw@b.test/")
      << "a seed keeps them, for TakeUserInfo";
}

TEST(TakeUserInfo, DecodesAndRemoves) {
  std::string url = NormalizeUrl("http://us%65r:p%40ss:w@b.test:8080/x").url;
  auto c = TakeUserInfo(url);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(url, "http://b.test:8080/x");
  EXPECT_EQ(c->origin, "http://b.test:8080");
  EXPECT_EQ(c->user, "user");
  EXPECT_EQ(c->password, "p@ss:w");
  std::string plain = "http://b.test/x@y";
  EXPECT_FALSE(TakeUserInfo(plain).has_value());
  EXPECT_EQ(plain, "http://b.test/x@y");
  std::string user_only = "https://u@b.test/";
  c = TakeUserInfo(user_only);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->user, "u");
  EXPECT_EQ(c->password, "");
  EXPECT_EQ(c->origin, "https://b.test");
}

TEST(UrlOrigin, SchemeAndAuthority) {
  EXPECT_EQ(UrlOrigin("https://a.example:8443/x?y"), "https://a.example:8443");
  EXPECT_EQ(UrlOrigin("http://a.example?q"), "http://a.example");
  EXPECT_EQ(UrlOrigin("http://[::1]:81/"), "http://[::1]:81");
  EXPECT_EQ(UrlOrigin("no-scheme"), "");
}

// Every accepted result is a fixed point, the same whichever way it is
// reached, and free of the bytes a normalised URL may not contain.
void ExpectCanonical(std::string_view input, const UrlResult& r) {
  if (!r.ok()) {
    EXPECT_TRUE(r.url.empty()) << input;
    return;
  }
  EXPECT_TRUE(r.url.starts_with("http://") || r.url.starts_with("https://"))
      << input << " -> " << r.url;
  for (char c : r.url) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_TRUE(b > 0x20 && b < 0x7F && c != '#') << input << " -> " << r.url;
  }
  EXPECT_EQ(NormalizeUrl(r.url).url, r.url) << "from " << input;
  std::string without_userinfo = r.url;
  StripUserInfo(without_userinfo);
  EXPECT_EQ(ResolveUrl(r.url, "").url, without_userinfo) << "from " << input;
  EXPECT_NE(UrlHost(r.url), "") << r.url;
}

TEST(NormalizeUrl, RandomInputsGiveCanonicalResults) {
  // URL-ish alphabet, so that many inputs parse.
  const std::string_view alphabet =
      "ab:/?#[]@%2eE.\\ \t\x01\xC3\xBC\xFF-_~!$&'()*+,;=80Hh";
  const std::string_view prefixes[] = {"http://", "https://", "HTTP:\\\\", ""};
  std::mt19937 rng(12345);
  for (int i = 0; i < 5000; ++i) {
    std::string s(prefixes[rng() % 4]);
    const std::size_t n = rng() % 24;
    for (std::size_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    ExpectCanonical(s, NormalizeUrl(s));
    ExpectCanonical(s, ResolveUrl("http://h.example/d/p?q", s));
    if (HasFailure()) return;  // one input is enough to debug
  }
}

// IPv4 hosts in number forms are canonicalised as the URL Standard does, so
// that the private-address check (ParseIpLiteral(UrlHost(url))) sees
// dotted decimal whatever the spelling.
TEST(UrlHosts, Ipv4NumberForms) {
  for (std::string_view url :
       {"http://0x7f.1/", "http://2130706433/", "http://0177.0.0.1/",
        "http://0x7F.0.0.1/", "http://127.1/", "http://127.0.1/",
        "http://0x7f000001/", "http://017700000001/", "http://127.0.0.1./",
        "http://%30x7f.1/", "http://\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x97."
        "\xEF\xBC\x90.\xEF\xBC\x90.\xEF\xBC\x91/",  // fullwidth digits
        "http://0000000000000000177.0.0.1/"}) {
    EXPECT_EQ(NormalizeUrl(url).url, "http://127.0.0.1/") << url;
    EXPECT_EQ(ResolveUrl("https://h.example/", url).url, "http://127.0.0.1/")
        << url;
    EXPECT_EQ(UrlResolver("https://h.example/").Resolve(url).url,
              "http://127.0.0.1/")
        << url;
    EXPECT_EQ(UrlHost(NormalizeUrl(url).url), "127.0.0.1") << url;
  }
  EXPECT_EQ(ResolveUrl("http://0x7f.1:8080/a/", "b").url,
            "http://127.0.0.1:8080/a/b");
  EXPECT_EQ(ResolveUrl("http://h.example/", "//0xc0.0250.01/x").url,
            "http://192.168.0.1/x");
  EXPECT_EQ(NormalizeUrl("http://256/").url, "http://0.0.1.0/");
  EXPECT_EQ(NormalizeUrl("http://0xffffffff/").url,
            "http://255.255.255.255/");
  EXPECT_EQ(NormalizeUrl("http://1.2.3.4./").url, "http://1.2.3.4/");
  EXPECT_EQ(NormalizeUrl("http://0x/").url, "http://0.0.0.0/");
  // Names whose last label is not a number stay names.
  EXPECT_EQ(NormalizeUrl("http://0x7f.foo/").url, "http://0x7f.foo/");
  EXPECT_EQ(NormalizeUrl("http://1.2.3.4.example/").url,
            "http://1.2.3.4.example/");
  EXPECT_EQ(NormalizeUrl("http://0x1g/").url, "http://0x1g/");
}

TEST(UrlHosts, InvalidIpv4IsDropped) {
  for (std::string_view url :
       {"http://192.168.0.257/", "http://1.2.3.4.5/", "http://4294967296/",
        "http://foo.09/", "http://0xffffffff1/", "http://256.256.256.256/",
        "http://1..2/", "http://08/", "http://foo.0x/", "http://1.2.3.4.5./",
        "http://18446744073709551616/"}) {
    EXPECT_EQ(NormalizeUrl(url).drop, UrlDrop::kBadHost) << url;
    EXPECT_EQ(ResolveUrl("http://h.example/", url).drop, UrlDrop::kBadHost)
        << url;
    EXPECT_EQ(UrlResolver("http://h.example/").Resolve(url).drop,
              UrlDrop::kBadHost)
        << url;
  }
}

TEST(UrlHosts, Ipv6AsTheUrlStandardWritesIt) {
  EXPECT_EQ(NormalizeUrl("http://[::127.0.0.1]/").url, "http://[::7f00:1]/");
  EXPECT_EQ(NormalizeUrl("http://[::ffff:127.0.0.1]/").url,
            "http://[::ffff:7f00:1]/");
  EXPECT_EQ(NormalizeUrl("http://[1:0:0:2:0:0:0:3]/").url,
            "http://[1:0:0:2::3]/");
  EXPECT_EQ(NormalizeUrl("http://[1:0:2:0:3:0:4:0]/").url,
            "http://[1:0:2:0:3:0:4:0]/");
  EXPECT_EQ(NormalizeUrl("http://[::]/").url, "http://[::]/");
  EXPECT_EQ(NormalizeUrl("http://[1::]/").url, "http://[1::]/");
  EXPECT_EQ(NormalizeUrl("http://[0:0::1]/").url, "http://[::1]/");
  EXPECT_EQ(NormalizeUrl("http://[ABCD:0::0:1]:81/").url,
            "http://[abcd::1]:81/");
}

// A special scheme's host follows any number of slashes (URL Standard).
TEST(UrlHosts, SlashesBeforeTheHost) {
  EXPECT_EQ(NormalizeUrl("http:example.com/").url, "http://example.com/");
  EXPECT_EQ(NormalizeUrl("http:/example.com/").url, "http://example.com/");
  EXPECT_EQ(NormalizeUrl("http:////example.com/").url, "http://example.com/");
  EXPECT_EQ(NormalizeUrl("http:\\\\example.com/").url,
            "http://example.com/");
  for (std::string_view base : {"http://example.org/", "https://h.example/"}) {
    const UrlResolver resolver(base);
    for (auto [ref, want] : std::initializer_list<
             std::pair<std::string_view, std::string_view>>{
             {"///example.org/path", "/example.org/path"},
             {"/\\/\\//example.org/../path", "/example.org/path"},
             {"////example.org//a", "/example.org//a"}}) {
      const std::string expected =
          std::string(base.substr(0, base.find(':'))) + ":/" +
          std::string(want);
      EXPECT_EQ(ResolveUrl(base, ref).url, expected) << ref;
      EXPECT_EQ(resolver.Resolve(ref).url, expected) << ref;
    }
  }
  // Another special scheme without "//" is absolute; the same one is
  // relative.
  EXPECT_EQ(ResolveUrl("http://example.org/a/", "https:example.com/").url,
            "https://example.com/");
  EXPECT_EQ(ResolveUrl("https://example.org/a/", "https:example.com/").url,
            "https://example.org/a/example.com/");
  EXPECT_EQ(ResolveUrl("http://example.org/a/", "https:/example.com/").url,
            "https://example.com/");
}

// An empty reference (href="") is the base (HTML: a link to the document's
// base URL). The link extractor skips empty values; see src/html/links.cc.
TEST(UrlHosts, EmptyReferenceIsTheBase) {
  EXPECT_EQ(ResolveUrl("http://h.example/a/b?c#d", "").url,
            "http://h.example/a/b?c");
  EXPECT_EQ(UrlResolver("http://h.example/a/b?c#d").Resolve("").url,
            "http://h.example/a/b?c");
}

}  // namespace
}  // namespace crawl
