// Differential tests for crawl::UrlResolver: for every base and reference,
// UrlResolver(base, max).Resolve(ref) must equal ResolveUrl(base, ref, max),
// url and drop reason alike. Inputs: hand-picked bases and references mixing
// every feature of crawl/url.h, random references built from URL-ish tokens,
// lengths around the limits, and the links of Debian's python3-doc tree.
#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "crawl/url.h"

namespace crawl {
namespace {

// `s` with non-printable bytes as \xNN, for failure messages.
std::string Escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7f || c == '\\' || c == '"') {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// Compares one resolver against ResolveUrl over many references; reports at
// most a few differences, so that a broken fast path stays readable.
class Differ {
 public:
  // Resolves every ref in `refs` against `base` both ways, at limit `max`.
  void Check(std::string_view base, const std::vector<std::string>& refs,
             std::size_t max = kDefaultMaxUrlLength) {
    const UrlResolver resolver(base, max);
    for (const std::string& ref : refs) CheckOne(resolver, base, ref, max);
  }

  // Resolves `ref` with an existing resolver made from `base` and `max`.
  void CheckOne(const UrlResolver& resolver, std::string_view base,
                std::string_view ref, std::size_t max) {
    ++checked_;
    const UrlResult want = ResolveUrl(base, ref, max);
    const UrlResult got = resolver.Resolve(ref);
    if (got.url == want.url && got.drop == want.drop) {
      if (want.ok()) ++accepted_;
      return;
    }
    if (++failures_ > kMaxReported) return;
    ADD_FAILURE() << "base \"" << Escape(base) << "\" ref \"" << Escape(ref)
                  << "\" max " << max << ":\n  ResolveUrl:  "
                  << UrlDropName(want.drop) << " \"" << Escape(want.url)
                  << "\"\n  UrlResolver: " << UrlDropName(got.drop) << " \""
                  << Escape(got.url) << "\"";
  }

  // Also checks the limits around each accepted result's length, where the
  // length checks of the two paths must agree to the byte.
  void CheckWithLimits(std::string_view base,
                       const std::vector<std::string>& refs) {
    Check(base, refs);
    for (const std::string& ref : refs) {
      const UrlResult r = ResolveUrl(base, ref);
      if (!r.ok() || r.url.size() < 2) continue;
      for (std::size_t max : {r.url.size() - 1, r.url.size()}) {
        CheckOne(UrlResolver(base, max), base, ref, max);
      }
    }
  }

  std::size_t checked() const { return checked_; }
  std::size_t accepted() const { return accepted_; }
  std::size_t failures() const { return failures_; }

 private:
  static constexpr std::size_t kMaxReported = 20;
  std::size_t checked_ = 0;
  std::size_t accepted_ = 0;
  std::size_t failures_ = 0;
};

std::vector<std::string> Bases() {
  return {
      // Usable bases, plain and not.
      "http://a/b/c/d;p?q",
      "https://h.example/dir/page.html?x=1#top",
      "http://h.example",
      "http://h.example?q",
      "https://h.example/?",
      "HTTP://H.Example:80/A/B/",
      "https://h.example:443/a",
      "https://h.example:80/a",
      "http://h.example:8080/a/b.html",
      "http://h.example:08080/",
      "http://h.example:0/",
      "http://h.example:/x",
      "http://127.0.0.1:8080/p/1.html",
      "http://1.2.3.4/a",
      "http://u:p@h.example/a/b",
      "http://u@h.example/",
      "http://:@h.example/x",
      "http://[::1]/a/b",
      "http://[FE80::0:1]:8080/x/",
      "http://b\xC3\xBC"
      "cher.example/a/",
      "http://xn--bcher-kva.example/a",
      "http://%41.example/a/b",
      "http://h.example/a/./b/../c/",
      "http://h.example/a/b/..",
      "http://h.example/%2e%2E/x/%2e",
      "http://h.example/a b/\xC3\xBC/%7e/%zz/%3a",
      "http:\\\\h.example\\a\\b?c\\d",
      " \thttp://h.exa\tmple/a\n/b ",
      "http://h.example//a//b",
      "http://h.example//..",
      "http://h.example/a?q=1&r=/../x",
      "http://h.example/a#frag?x",
      "http://h_x.example-/a",
      "http://h.example./a",
      "http://h.example/a:b/c",
      "http://h~x!$&'()*+,;=.example/a",
      "https://H.EXAMPLE:0443/a?b?c",
      // IPv4 in number forms, and names that only look like numbers.
      "http://0x7f.1/a/",
      "http://2130706433:8080/a",
      "http://0177.0.0.1./a",
      "http://1.2.3.4./a",
      "http://0x/a",
      "http://1.2.3.4.example/a",
      "http://0x7f.foo/a",
      "http://%30x7f.1/a",
      "http:////h.example/a",
      "http:h.example/a",
      // Bases ResolveUrl refuses (each reason), usable only by absolute
      // references.
      "",
      "  ",
      "mailto:a@b",
      "/relative",
      "http:nohost",
      "http:/x",
      "http:///x",
      "http://a:99999/",
      "http://1.2.3.256/",
      "http://1.2.3.4.5/",
      "http://4294967296/",
      "http://foo.09/",
      "http:",
      "http:/",
      "http://a:65536/",
      "http://a:1x/",
      "http://a:80:80/",
      "http://[::g]/",
      "http://[::1/",
      "http://a b/",
      "http://%FF/",
      "http://%zz/",
      "http://[v1.x]/",
      "http://a%2Fb/",
      "https:x",
      "http://xn--a\xC3\xBC/",
  };
}

// RFC 3986 section 5.4, then references chosen to reach every branch of
// the clean-up, the fast paths and their fallbacks.
std::vector<std::string> HandPickedRefs() {
  return {
      // RFC 3986 section 5.4.1.
      "g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s",
      ";x", "g;x", "g;x?y#s", "", ".", "./", "..", "../", "../g", "../..",
      "../../", "../../g",
      // RFC 3986 section 5.4.2.
      "../../../g", "../../../../g", "/./g", "/../g", "g.", ".g", "g..",
      "..g", "./../g", "./g/.", "g/./h", "g/../h", "g;x=1/./y", "g;x=1/../y",
      "g?y/./x", "g?y/../x", "g#s/./x", "g#s/../x", "http:g",
      // Empty, fragments and queries.
      " ", "\t\n", "#", "#f", "#/../x", "?", "?q", "?q#f", "??", "?a/../b",
      "?a b", "?%41%2f%zz%", "?\xC3\xBC", "?[]", "?x\\y",
      // Paths.
      "/", "//", "///x", "/g/..", "/g/.", "/..//x", "/.//x", ".//x", "a//b",
      "...", ".../x", "g/...", "x.html", "/p/123.html", "sub dir/x",
      "../_static/pygments.css?2022.1", "a:b", "1a:b", "a_b:c", "./a:b",
      "a/b:c", "/a:b", "@x", "a@b/c", "~u/", "!$&'()*+,;=",
      // Percent-encoding.
      "%2e", "%2E", "%2e%2e/x", "%2E/x", ".%2e/x", "%2e./x", "a/%2e%2e",
      "a%2fb", "a%2Fb", "a%zz", "%", "%4", "%41", "%7e", "%3a%3A", "%00",
      "%FF", "%c3%bc",
      // Bytes that are encoded, cleaned or trimmed.
      "\xC3\xBC", "a b", "a\tb", "a\nb", "a\rb", "\\g", "\\\\g\\x",
      "g\\h?i\\j", "\x01g\x1f", "g\x7f", "\"<>`{}|^[]", std::string("a\0b", 3),
      " g ", "\x0bg",
      // Network-path references.
      "//g/x", "//G.Example:80/x", "//g:8080", "//g:08080/", "//g:0",
      "//g:/", "//g?x", "//g#x", "//u@g/", "//u:p@g/", "//@g/", "//[::1]/",
      "//[::1]:443/", "//b\xC3\xBC/", "//%41/", "//g:99999/", "//g:1x/",
      "//g:80:80/", "//g/a/../b", "//g/%2e%2e/b", "//g\\x", "\\\\g",
      "//a b/", "//h_x.example-/", "//1.2.3.4:80/", "///g/x", "////g",
      "/\\/\\//g/../x", "//0x7f.1/", "//0x7F.1:80/x", "//2130706433/",
      "//0177.0.0.1/", "//1.2.3.4./", "//1.2.3.256/", "//1.2.3.4.5/",
      "//4294967296/", "//foo.09/", "//foo.0x/", "//0x/", "//09/", "//0x1g/",
      "//1.2.3.4.example/", "//0x7f.foo/", "//%30x7f.1/", "//[::127.0.0.1]/",
      "//[0:0:0:0:0:ffff:7f00:1]/", "//[1:0:0:2:0:0:0:3]/", "//[::]/",
      "//[1::]/", "//[1:2:3:4:5:6:7:8]/",
      // Absolute references.
      "http://g", "http://g/", "HTTP://G.EXAMPLE/X", "https://g:443/x?y#z",
      "https://g:80/", "http://g:443/", "http://g:0080/", "http://g:/",
      "http://g:0/", "http://g:65535/", "http://g:65536/",
      "http://g:000000080/", "http://g:123456/", "http://u:p@g/",
      "http://u:@g/", "http://[::1]:80/", "http://[FE80::0:1]/",
      "http://[v1.x]/", "http://b\xC3\xBC"
      "cher.de/",
      "http://xn--bcher-kva.de/", "http://g/a/../b", "http://g/%2e%2e/b",
      "http://g?x", "http://g#x", "http://g/a b", "http://g./",
      "http://127.0.0.1:8080/p/45.html", "http://a%2Fb/", "http://%41/",
      "http:\\\\g\\x", "ht\ttp://g/", " http://g/ ", "http://g\t.example/",
      "http://", "http:///", "http://:80/", "http://g:x/", "http://g:-1/",
      "http://0x7f.1/", "https://0xffffffff/", "http://256/",
      "http://1.2.3.4./", "http://192.168.0.257/", "http://0xc0.0250.01/",
      "https:g.example/", "https:/g.example/", "https:////g.example/",
      "http:\\\\g/",
      // Scheme-relative forms and other schemes.
      "https:g", "http:/g", "https:/g", "http:", "https:", "http:?x",
      "http:#x", "http:////g", "HtTp:g", "HTTPS:g", "http:./g", "http:a:b",
      "mailto:x", "javascript:void(0)", "ftp://g/", "data:,x", "ws://g/",
      "httpx://g/", "java\tscript:x",
  };
}

TEST(UrlResolver, HandPickedBasesAndReferences) {
  Differ differ;
  const std::vector<std::string> refs = HandPickedRefs();
  for (const std::string& base : Bases()) {
    differ.CheckWithLimits(base, refs);
    differ.Check(base, refs, 40);
  }
  EXPECT_GT(differ.accepted(), differ.checked() / 3);
}

// Random references built from URL-ish tokens, so that most parse and the
// parts combine in every order.
TEST(UrlResolver, RandomReferences) {
  const std::string_view tokens[] = {
      "http:", "https:", "HTTP:", "//", "/", "\\", "?", "#", ".", "..", "./",
      "../", "g", "x.html", "a:b", ":", "@", "%", "%2e", "%2E", "%41",
      "%zz", "%2f", "%FF", "%3A", "\xC3\xBC", " ", "\t", "\n", "[::1]", "[",
      "]", "h.example", "H.EX", ":80", ":443", ":8080", ":0", ":99999",
      "u:p@", "b\xC3\xBC", "~", "!$&'()*+,;=", "0", "1.2.3.4", "_", "-",
      "xn--", "mailto:", "\x01", "\x7f", "0x7f", "0X", "256", "4294967296",
      "1.", "09", ".1",
  };
  std::mt19937 rng(20240601);
  Differ differ;
  for (const std::string& base : Bases()) {
    std::vector<std::string> refs;
    for (int i = 0; i < 1500; ++i) {
      std::string ref;
      const std::size_t n = 1 + rng() % 7;
      for (std::size_t k = 0; k < n; ++k) {
        ref += tokens[rng() % std::size(tokens)];
      }
      refs.push_back(std::move(ref));
    }
    differ.Check(base, refs);
    differ.Check(base, refs, 30);
  }
  EXPECT_GT(differ.accepted(), differ.checked() / 4);
}

// Lengths around the limit and around the size at which inputs are refused
// unparsed (4 x limit + 64).
TEST(UrlResolver, LongInputs) {
  Differ differ;
  for (std::size_t max : {std::size_t{40}, std::size_t{100},
                          std::size_t{1000}, kDefaultMaxUrlLength}) {
    std::vector<std::string> bases = {"http://h.example/"};
    std::vector<std::string> refs;
    for (std::size_t n : {max - 20, max - 18, max - 17, max - 16, max - 1,
                          max, max + 1, 4 * max + 40, 4 * max + 64,
                          4 * max + 65}) {
      bases.push_back("http://h.example/" + std::string(n, 'b') + "/c");
      bases.push_back(std::string(n, ' ') + "http://h.example/d");
      bases.push_back("http://h.example/?" + std::string(n, 'q'));
      refs.push_back(std::string(n, 'x'));
      refs.push_back("/" + std::string(n, 'y'));
      refs.push_back("?" + std::string(n, 'z'));
      refs.push_back(std::string(n, ' ') + "g");
      refs.push_back("g#" + std::string(n, 'f'));
      refs.push_back("http://g/" + std::string(n, 'p'));
      refs.push_back("//g/" + std::string(n / 3, '\xFF'));
      refs.push_back(std::string(n / 3, '.') + "/../" + std::string(n, 'x'));
      std::string dots;
      while (dots.size() < n) dots += "../";
      refs.push_back(dots + "g");
      refs.push_back("a/" + dots);
    }
    for (const std::string& base : bases) {
      differ.Check(base, refs, max);
      differ.Check(base, HandPickedRefs(), max);
    }
  }
  EXPECT_GT(differ.accepted(), 0u);
}

// Decodes the few character references that appear in attribute values of
// the python3-doc pages.
std::string DecodeEntities(std::string_view s) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'},  {"&gt;", '>'},
      {"&quot;", '"'}, {"&#39;", '\''}, {"&#64;", '@'}};
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [name, c] : kEntities) {
        if (s.substr(i).starts_with(name)) {
          out += c;
          i += name.size() - 1;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += s[i];
  }
  return out;
}

// Every href of every page of Debian's python3-doc HTML tree, resolved
// against the page's URL as an http and an https server would serve it.
TEST(UrlResolver, PythonDocLinks) {
  std::set<std::filesystem::path> roots;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator("/usr/share/doc", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("python3")) continue;
    const std::filesystem::path html = entry.path() / "html";
    if (std::filesystem::is_directory(html, ec)) {
      roots.insert(std::filesystem::canonical(html, ec));
    }
  }
  const std::regex href_re("href=\"([^\"]*)\"");
  Differ differ;
  std::size_t pages = 0;
  for (const std::filesystem::path& root : roots) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(root, ec)) {
      if (entry.path().extension() != ".html") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string body((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      std::vector<std::string> refs;
      for (auto it = std::sregex_iterator(body.begin(), body.end(), href_re);
           it != std::sregex_iterator(); ++it) {
        refs.push_back(DecodeEntities((*it)[1].str()));
      }
      const std::string path =
          std::filesystem::relative(entry.path(), root).generic_string();
      differ.Check("http://docs.example/3/" + path, refs);
      differ.Check("https://docs.example:8443/" + path, refs);
      ++pages;
    }
  }
  if (pages == 0) GTEST_SKIP() << "no /usr/share/doc/python3*/html tree";
  std::cout << "[          ] " << pages << " pages, " << differ.checked()
            << " links, " << differ.accepted() << " accepted\n";
  EXPECT_GT(differ.accepted(), differ.checked() / 2);
}

TEST(UrlResolver, MovedResolverKeepsItsBase) {
  UrlResolver a("http://h.example/d/p");
  UrlResolver b = std::move(a);
  EXPECT_EQ(b.Resolve("q").url, "http://h.example/d/q");
  UrlResolver c("http://other.example/");
  c = std::move(b);
  EXPECT_EQ(c.Resolve("../r?s").url, "http://h.example/r?s");
  EXPECT_EQ(c.Resolve("%2e%2e/%7e").url, "http://h.example/~");
}

// One resolver shared by threads, some of them taking uriparser's path
// (whose base is parsed on first use).
TEST(UrlResolver, ConcurrentResolve) {
  for (std::string_view base :
       {"http://h.example/a/b", "http://b\xC3\xBC.example/a/b", "http:x"}) {
    const UrlResolver resolver(base);
    const std::vector<std::string> refs = HandPickedRefs();
    std::vector<UrlResult> want;
    for (const std::string& ref : refs) want.push_back(ResolveUrl(base, ref));
    std::vector<std::thread> threads;
    std::vector<std::size_t> mismatches(4);
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < 5; ++round) {
          for (std::size_t i = 0; i < refs.size(); ++i) {
            const UrlResult got = resolver.Resolve(refs[i]);
            if (got.url != want[i].url || got.drop != want[i].drop) {
              ++mismatches[t];
            }
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (std::size_t m : mismatches) EXPECT_EQ(m, 0u) << base;
  }
}

}  // namespace
}  // namespace crawl
