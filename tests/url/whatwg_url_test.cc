// The URL Standard's own test cases (web-platform-tests
// url/resources/urltestdata.json, kept in ../shared/testdata/) run through
// crawl's URL functions.
//
// Cases taken: those whose base is an http(s) URL, run through ResolveUrl and
// UrlResolver (which must agree) and through a page's link path (an <a href>
// under a <base href>, through ToFetchResult, which must agree too); and those without a base whose expected
// href is http(s), run through NormalizeUrl. A case with `failure` must be
// dropped; a case whose href is not http(s) must be dropped as
// kUnsupportedScheme; any other case must come out as its href, modulo
// crawl's documented normalisations (see Canonical()):
//   - the fragment is dropped;
//   - ResolveUrl and UrlResolver drop userinfo (NormalizeUrl keeps it);
//   - percent-encoding is normalised: escapes of unreserved characters are
//     decoded, hex is upper-cased, and every byte RFC 3986 does not allow raw
//     in a component is encoded (the URL Standard leaves e.g. '|', '^', '[',
//     ']', '{' in a query raw; crawl encodes them, and a lone '%' as %25).
// Cases crawl differs on otherwise are listed in kKnownDifferences, each
// with its reason.
//
// The file is found through $CRAWL_URLTESTDATA, else at
// <source>/../shared/testdata/urltestdata.json. When it is missing the test
// is skipped, unless CI=true, where it fails.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawl/url.h"
#include "fetch/http_fetcher.h"
#include "util/utf8.h"

namespace crawl {
namespace {

// ---- A tiny JSON reader: enough for urltestdata.json -----------------------

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // string value, or number as written
  std::vector<Json> items;
  // An object's members, in order (two vectors: std::pair<std::string,
  // Json> would need Json complete here).
  std::vector<std::string> keys;
  std::vector<Json> values;

  const Json* Get(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &values[i];
    }
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view in) : in_(in) {}

  // Parses the whole input; nullopt on a syntax error.
  std::optional<Json> Read() {
    Json value;
    if (!Value(value)) return std::nullopt;
    Space();
    if (pos_ != in_.size()) return std::nullopt;
    return value;
  }

 private:
  void Space() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\n' ||
                                 in_[pos_] == '\r' || in_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool Literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Value(Json& out) {
    Space();
    if (pos_ >= in_.size()) return false;
    const char c = in_[pos_];
    if (c == '"') {
      out.kind = Json::Kind::kString;
      return String(out.text);
    }
    if (c == '[') {
      out.kind = Json::Kind::kArray;
      ++pos_;
      Space();
      if (pos_ < in_.size() && in_[pos_] == ']') return ++pos_, true;
      while (true) {
        out.items.emplace_back();
        if (!Value(out.items.back())) return false;
        Space();
        if (pos_ >= in_.size()) return false;
        if (in_[pos_] == ']') return ++pos_, true;
        if (in_[pos_++] != ',') return false;
      }
    }
    if (c == '{') {
      out.kind = Json::Kind::kObject;
      ++pos_;
      Space();
      if (pos_ < in_.size() && in_[pos_] == '}') return ++pos_, true;
      while (true) {
        Space();
        std::string key;
        if (pos_ >= in_.size() || in_[pos_] != '"' || !String(key)) {
          return false;
        }
        Space();
        if (pos_ >= in_.size() || in_[pos_++] != ':') return false;
        out.keys.push_back(std::move(key));
        out.values.emplace_back();
        if (!Value(out.values.back())) return false;
        Space();
        if (pos_ >= in_.size()) return false;
        if (in_[pos_] == '}') return ++pos_, true;
        if (in_[pos_++] != ',') return false;
      }
    }
    if (Literal("null")) return true;
    if (Literal("true")) {
      out.kind = Json::Kind::kBool;
      out.boolean = true;
      return true;
    }
    if (Literal("false")) {
      out.kind = Json::Kind::kBool;
      return true;
    }
    const std::size_t start = pos_;
    while (pos_ < in_.size() &&
           std::string_view("+-0123456789.eE").find(in_[pos_]) !=
               std::string_view::npos) {
      ++pos_;
    }
    if (pos_ == start) return false;
    out.kind = Json::Kind::kNumber;
    out.text = std::string(in_.substr(start, pos_ - start));
    return true;
  }

  bool Hex4(std::uint32_t& out) {
    if (pos_ + 4 > in_.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = in_[pos_++];
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(v);
    }
    return true;
  }

  // A string at in_[pos_] == '"'. Lone surrogates become U+FFFD, as a
  // JavaScript string would be UTF-8 encoded by the URL parser.
  bool String(std::string& out) {
    ++pos_;
    while (pos_ < in_.size()) {
      const char c = in_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= in_.size()) return false;
      const char e = in_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!Hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00) {
            std::uint32_t low = 0;
            const std::size_t save = pos_;
            if (in_.substr(pos_, 2) == "\\u" && (pos_ += 2, Hex4(low)) &&
                low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;
              cp = 0xFFFD;
            }
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          AppendUtf8(cp, out);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

// ---- Comparison modulo crawl's normalisations ------------------------------

bool StartsWithHttp(std::string_view s) {
  auto lower = [](std::string_view t, std::size_t n) {
    std::string r(t.substr(0, n));
    for (char& c : r) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return r;
  };
  return lower(s, 5) == "http:" || lower(s, 6) == "https:";
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// `extra` lists the characters besides unreserved and sub-delims that may
// appear raw.
void AppendCanonical(std::string& out, std::string_view s,
                     std::string_view extra) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  auto percent = [&out](unsigned char b) {
    out += '%';
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 15];
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 &&
        Hex(s[i + 2]) >= 0) {
      const auto d = static_cast<unsigned char>(Hex(s[i + 1]) * 16 +
                                                Hex(s[i + 2]));
      if (Unreserved(d)) {
        out += static_cast<char>(d);
      } else {
        percent(d);
      }
      i += 2;
    } else if (Unreserved(c) ||
               std::string_view("!$&'()*+,;=").find(static_cast<char>(c)) !=
                   std::string_view::npos ||
               (c != 0 && extra.find(static_cast<char>(c)) !=
                              std::string_view::npos)) {
      out += static_cast<char>(c);
    } else {
      percent(c);
    }
  }
}

// `url` (an absolute http(s) URL as the URL Standard or crawl writes it)
// without its fragment, with userinfo removed if `strip_userinfo`, and with
// crawl's percent-encoding normalisation applied to userinfo, path and query.
std::string Canonical(std::string_view url, bool strip_userinfo) {
  url = url.substr(0, url.find('#'));
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t auth_start = scheme_end + 3;
  std::size_t auth_end = url.find_first_of("/?", auth_start);
  if (auth_end == std::string_view::npos) auth_end = url.size();
  std::string out(url.substr(0, auth_start));
  std::string_view authority = url.substr(auth_start, auth_end - auth_start);
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    if (!strip_userinfo) {
      AppendCanonical(out, authority.substr(0, at), ":");
      out += '@';
    }
    authority.remove_prefix(at + 1);
  }
  out += authority;
  std::string_view rest = url.substr(auth_end);
  const std::size_t query = rest.find('?');
  AppendCanonical(out, rest.substr(0, query), ":@/");
  if (query != std::string_view::npos) {
    out += '?';
    AppendCanonical(out, rest.substr(query + 1), ":@/?");
  }
  return out;
}

// Cases crawl gets "wrong" on purpose, by input and base ("" for none).
struct KnownDifference {
  std::string_view input;
  std::string_view base;
  std::string_view reason;
};

constexpr std::string_view kQuoteInQuery =
    "crawl keeps ' raw in a query (an RFC 3986 sub-delim; the UrlResolver "
    "fast path copies such queries as they are); the URL Standard encodes "
    "it as %27 in special URLs";

constexpr KnownDifference kKnownDifferences[] = {
    {"http://host/?'", "", kQuoteInQuery},
    {"https://www.example.com/path{\x7fpath.html?query'\x7f=query#fragment<"
     "\x7f"
     "fragment",
     "", kQuoteInQuery},
    {"http://!\"$&'()*+,-.;=_`{}~/", "",
     "crawl accepts only RFC 3986 reg-name characters in a host; '\"', '`', "
     "'{' and '}' are not, and would have to be sent raw in a Host header "
     "(the URL Standard allows them)"},
};

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

// The link path of a page: the case's input as an <a href> under a <base
// href> of its base, through ToFetchResult (tokenizer, character references,
// base resolution, UrlResolver). Not for inputs HTML itself changes: NUL
// becomes U+FFFD, and invalid UTF-8 is replaced before resolving.
bool LinkPathApplies(std::string_view s) {
  return s.find('\0') == std::string_view::npos && IsValidUtf8(s);
}

std::string HtmlAttribute(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> PageLinks(std::string_view base, std::string_view href) {
  HttpResponse r;
  r.status = 200;
  r.content_type = "text/html; charset=utf-8";
  r.body.Append("<!DOCTYPE html><base href=\"" + HtmlAttribute(base) +
                "\"><a href=\"" + HtmlAttribute(href) + "\">x</a>");
  r.body_bytes = r.body.size();
  return ToFetchResult("http://page.test/p", r, PageOptions{}).links;
}

std::string Describe(const UrlResult& r) {
  if (r.ok()) return r.url;
  return std::string("<dropped: ") + UrlDropName(r.drop) + ">";
}

std::filesystem::path DataPath() {
  if (const char* env = std::getenv("CRAWL_URLTESTDATA"); env && *env) {
    return env;
  }
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / ".." /
         "shared" / "testdata" / "urltestdata.json";
}

TEST(WhatwgUrlTest, UrlTestData) {
  const std::filesystem::path path = DataPath();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string_view(ci) == "true") {
      FAIL() << "CI=true and the URL Standard's test data is missing: "
             << path << " (set CRAWL_URLTESTDATA to its path)";
    }
    GTEST_SKIP() << "no " << path
                 << "; set CRAWL_URLTESTDATA to urltestdata.json to run";
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const std::optional<Json> root = JsonReader(text).Read();
  ASSERT_TRUE(root.has_value()) << "cannot parse " << path;
  ASSERT_EQ(root->kind, Json::Kind::kArray);

  std::map<std::pair<std::string_view, std::string_view>, std::string_view>
      known;
  for (const KnownDifference& k : kKnownDifferences) {
    if (!k.reason.empty()) known[{k.input, k.base}] = k.reason;
  }
  std::map<std::pair<std::string_view, std::string_view>, bool> known_used;

  int taken = 0;
  int link_path_checked = 0;
  int passed = 0;
  int taken_with_base = 0;
  int passed_with_base = 0;
  int differ_known = 0;
  int failed = 0;
  for (const Json& c : root->items) {
    if (c.kind != Json::Kind::kObject) continue;  // a comment
    const Json* input = c.Get("input");
    const Json* base = c.Get("base");
    const Json* href = c.Get("href");
    const Json* failure = c.Get("failure");
    if (input == nullptr || base == nullptr) continue;
    const bool must_fail = failure != nullptr && failure->boolean;
    const bool has_base = base->kind == Json::Kind::kString;
    if (has_base && !StartsWithHttp(base->text)) continue;
    if (!has_base && (must_fail || href == nullptr ||
                      !StartsWithHttp(href->text))) {
      continue;
    }
    ++taken;
    if (has_base) ++taken_with_base;
    const std::string_view base_text =
        has_base ? std::string_view(base->text) : std::string_view();
    UrlResult got;
    if (has_base) {
      got = ResolveUrl(base_text, input->text);
      const UrlResult fast = UrlResolver(base_text).Resolve(input->text);
      EXPECT_EQ(fast.url, got.url) << "UrlResolver differs from ResolveUrl: "
                                   << Escape(input->text) << " against "
                                   << Escape(base_text);
      EXPECT_EQ(fast.drop, got.drop)
          << "UrlResolver differs from ResolveUrl: " << Escape(input->text)
          << " against " << Escape(base_text);
      if (LinkPathApplies(input->text) && LinkPathApplies(base_text)) {
        ++link_path_checked;
        const std::vector<std::string> links = PageLinks(base_text, input->text);
        if (got.ok()) {
          EXPECT_EQ(links, std::vector<std::string>{got.url})
              << "the link path differs from ResolveUrl: " << Escape(input->text)
              << " against " << Escape(base_text);
        } else {
          EXPECT_TRUE(links.empty())
              << "the link path keeps what ResolveUrl drops: "
              << Escape(input->text) << " against " << Escape(base_text);
        }
      }
    } else {
      got = NormalizeUrl(input->text);
    }

    bool ok = false;
    std::string want;
    if (must_fail) {
      want = "<dropped>";
      ok = !got.ok();
    } else if (href != nullptr && !StartsWithHttp(href->text)) {
      want = "<dropped: scheme> (" + href->text + ")";
      ok = got.drop == UrlDrop::kUnsupportedScheme;
    } else if (href != nullptr) {
      want = Canonical(href->text, has_base);
      ok = got.ok() && Canonical(got.url, has_base) == want &&
           Canonical(got.url, has_base) == got.url;
    }
    const auto key = std::make_pair(std::string_view(input->text), base_text);
    const auto it = known.find(key);
    if (it != known.end()) {
      known_used[key] = true;
      EXPECT_FALSE(ok) << "listed as a known difference but passes: "
                       << Escape(input->text) << " against "
                       << Escape(base_text);
      ++differ_known;
      continue;
    }
    if (ok) {
      ++passed;
      if (has_base) ++passed_with_base;
    } else {
      ++failed;
      ADD_FAILURE() << "input " << Escape(input->text) << " base "
                    << (has_base ? Escape(base_text) : "(none)")
                    << "\n  want " << Escape(want) << "\n  got  "
                    << Escape(Describe(got));
    }
  }
  for (const auto& [key, reason] : known) {
    EXPECT_TRUE(known_used.count(key))
        << "known difference not in the data: " << Escape(key.first)
        << " against " << Escape(key.second);
  }
  std::printf(
      "urltestdata.json: %d cases taken, %d pass, %d known differences, "
      "%d fail (with an http(s) base: %d of %d pass; %d also through a "
      "page's link path)\n",
      taken, passed, differ_known, failed, passed_with_base, taken_with_base,
      link_path_checked);
}

}  // namespace
}  // namespace crawl
