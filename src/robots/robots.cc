// robots.txt parsing and matching per RFC 9309 (see robots/robots.h).
//
// Choices where the RFC or the contract leaves room:
//  - Lines end at "\n", "\r\n" or "\r"; a UTF-8 BOM at the very start is
//    skipped; '#' starts a comment anywhere on a line. Any other bytes (NUL,
//    invalid UTF-8) are kept as opaque octets.
//  - Only the first kRobotsMaxBytes are read. If the cut falls inside a line,
//    that partial last line is dropped too: half a path would change meaning.
//  - Keys are case-insensitive, with optional spaces or tabs around ':'. A
//    line without ':' is still read when it starts with a known key followed
//    by whitespace ("Disallow /x"). Accepted spellings (RFC 9309 2.2.4 lets
//    crawlers accept misspellings): user-agent, useragent, "user agent";
//    disallow, dissallow, dissalow, disalow, diasllow, disallaw; allow;
//    sitemap, sitemaps, site-map; crawl-delay, crawldelay, "crawl delay".
//  - A group starts at a user-agent line that follows a rule (or no group);
//    consecutive user-agent lines share a group. Only allow/disallow lines
//    (also empty ones) end a run of user-agent lines: other records such as
//    Sitemap and Crawl-delay do not terminate a group (RFC 9309 2.2.4).
//  - A user-agent value matches when its own product token (the leading run
//    of [A-Za-z_-]) equals ours case-insensitively; "*" (alone, or followed by
//    whitespace) is the fallback group. Our own token is also reduced with
//    RobotsProductToken(), so "MyBot/1.0" works as an argument; an empty token
//    matches no specific group.
//  - A matching group with no rules still counts as a match: it allows
//    everything and the '*' group is not consulted (RFC 9309 2.1, 2.2.1).
//  - Rule values not starting with '/' or '*' get a '/' prepended
//    ("Disallow: private/" means "/private/"). Empty values are ignored.
//  - Percent-encoding is normalised identically on patterns and paths:
//    %XX of an unreserved character is decoded, other %XX get upper-case
//    hex, a '%' not followed by two hex digits becomes "%25", octets that may
//    not appear in a URI (controls, space, "<>\"\\^`{|}", DEL, non-ASCII) are
//    percent-encoded, and reserved characters stay as written (so "/" and
//    "%2F" differ). '*' and '$' are the exception: as literal path octets they
//    are always written "%2A" / "%24", so a pattern matches a literal '*' or
//    '$' in a path with "%2A" / "%24" (RFC 9309 2.2.3), while a bare '*' in a
//    pattern is the wildcard and a bare '$' is the end anchor only as the
//    pattern's last octet (elsewhere it is a literal "%24").
//  - Specificity is the length in octets of the normalised pattern, '*' and
//    '$' included; equal lengths go to Allow (RFC 9309 2.2.2 SHOULD).
//  - "/robots.txt" (exactly, without a query) is always allowed, also by
//    DisallowAll().
//  - Crawl-delay: the first valid value in the chosen groups, a plain
//    non-negative decimal ("10", "0.5", ".5"); signs, exponents, units, inf
//    and nan make the line invalid and it is skipped.
//  - Sitemap lines are collected from anywhere, trimmed; empty ones dropped.
//
// Matching cost: a rule is matched greedily, segment by segment between its
// '*'s, each segment found at its leftmost position with Knuth-Morris-Pratt,
// which never re-reads path octets: O(|path| + |pattern|) per rule, whatever
// the number of '*'s, and O(|pattern|) for a rule without '*'. At most
// kMaxWildcardRules rules with a '*' (the first in file order) are kept for
// each of the two candidate rule sets (our groups, the '*' groups); rules
// without '*' are bounded by the file. So one Allowed() call costs
// O(kMaxWildcardRules * |path| + P), P being the octets of all kept patterns
// (normalised, at most 3 * kRobotsMaxBytes): with a 2 KiB path, a few
// million octet steps at worst, whatever the file. Rules are sorted by
// specificity and deduplicated, so the first match found decides.
#include "robots/robots.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl {
namespace {

// Rules with a '*' kept for each candidate set (ours, '*'): each may cost a
// scan of the whole path. Real files stay far below; past it, later ones are
// dropped so that Allowed() stays cheap. Rules without '*' are not limited:
// one costs at most its own length, so all of them at most the file size.
constexpr std::size_t kMaxWildcardRules = 1'000;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kHex = "0123456789ABCDEF";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 section 2.3.
bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 3986 section 2.2, gen-delims and sub-delims.
bool IsReserved(unsigned char c) {
  return std::string_view(":/?#[]@!$&'()*+,;=").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

void AppendEscaped(unsigned char c, std::string* out) {
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// The normal form shared by patterns and paths (see the file comment). With
// `pattern`, a bare '*' stays the wildcard and a final bare '$' the anchor.
std::string Normalize(std::string_view s, bool pattern) {
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c == '%') {
      const int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      const int lo = hi >= 0 ? HexValue(s[i + 2]) : -1;
      if (lo < 0) {
        out += "%25";
        continue;
      }
      const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
      if (IsUnreserved(decoded)) {
        out.push_back(static_cast<char>(decoded));
      } else {
        AppendEscaped(decoded, &out);
      }
      i += 2;
    } else if (pattern && (c == '*' || (c == '$' && i + 1 == s.size()))) {
      out.push_back(static_cast<char>(c));
    } else if (c == '*' || c == '$') {
      AppendEscaped(c, &out);
    } else if (IsUnreserved(c) || IsReserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      AppendEscaped(c, &out);
    }
  }
  return out;
}

// The leftmost occurrence of `needle` (non-empty) in `text` at or after
// `from`, or npos. Knuth-Morris-Pratt: O(|text| - from + |needle|). `fail` is
// scratch space, reused across calls.
std::size_t FindFrom(std::string_view text, std::size_t from,
                     std::string_view needle,
                     std::vector<std::uint32_t>* fail) {
  const std::size_t m = needle.size();
  if (text.size() < from || text.size() - from < m) {
    return std::string_view::npos;
  }
  fail->assign(m, 0);
  for (std::size_t i = 1, k = 0; i < m; ++i) {
    while (k > 0 && needle[i] != needle[k]) k = (*fail)[k - 1];
    if (needle[i] == needle[k]) ++k;
    (*fail)[i] = static_cast<std::uint32_t>(k);
  }
  for (std::size_t i = from, k = 0; i < text.size(); ++i) {
    while (k > 0 && text[i] != needle[k]) k = (*fail)[k - 1];
    if (text[i] == needle[k]) ++k;
    if (k == m) return i + 1 - m;
  }
  return std::string_view::npos;
}

// Whether normalised `pattern` matches normalised `path` from its first octet:
// '*' matches any run of octets, a final '$' anchors at the end. Greedy: the
// head (up to the first '*') must be a prefix and, when anchored, the tail
// (after the last '*') a suffix; each segment in between is taken at its
// leftmost occurrence after the previous one, within what head and tail
// leave. Leftmost leaves the most room for the rest, so nothing is retried.
bool Matches(std::string_view pattern, std::string_view path,
             std::vector<std::uint32_t>* scratch) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  const std::size_t first_star = pattern.find('*');
  const std::string_view head = pattern.substr(0, first_star);
  if (path.substr(0, head.size()) != head) return false;
  if (first_star == std::string_view::npos) {
    return !anchored || path.size() == head.size();
  }
  std::string_view middle = pattern.substr(first_star);  // "*seg*seg..."
  if (anchored) {
    const std::size_t last_star = pattern.rfind('*');
    const std::string_view tail = pattern.substr(last_star + 1);
    if (path.size() - head.size() < tail.size() ||
        path.substr(path.size() - tail.size()) != tail) {
      return false;
    }
    path.remove_suffix(tail.size());
    middle = pattern.substr(first_star, last_star - first_star);
  }
  std::size_t pos = head.size();
  while (!middle.empty()) {
    const std::size_t star = middle.find('*');
    const std::string_view segment = middle.substr(0, star);
    middle.remove_prefix(star == std::string_view::npos ? middle.size()
                                                        : star + 1);
    if (segment.empty()) continue;
    const std::size_t at = FindFrom(path, pos, segment, scratch);
    if (at == std::string_view::npos) return false;
    pos = at + segment.size();
  }
  return true;
}

enum class Key {
  kUnknown,
  kUserAgent,
  kAllow,
  kDisallow,
  kSitemap,
  kCrawlDelay
};

struct KeySpelling {
  std::string_view text;
  Key key;
};

constexpr KeySpelling kKeys[] = {
    {"user-agent", Key::kUserAgent},  {"useragent", Key::kUserAgent},
    {"user agent", Key::kUserAgent},  {"allow", Key::kAllow},
    {"disallow", Key::kDisallow},     {"dissallow", Key::kDisallow},
    {"dissalow", Key::kDisallow},     {"disalow", Key::kDisallow},
    {"diasllow", Key::kDisallow},     {"disallaw", Key::kDisallow},
    {"sitemap", Key::kSitemap},       {"sitemaps", Key::kSitemap},
    {"site-map", Key::kSitemap},      {"crawl-delay", Key::kCrawlDelay},
    {"crawldelay", Key::kCrawlDelay}, {"crawl delay", Key::kCrawlDelay},
};

Key KeyOf(std::string_view name) {
  for (const KeySpelling& k : kKeys) {
    if (EqualsIgnoreCase(name, k.text)) return k.key;
  }
  return Key::kUnknown;
}

// Splits a comment-free, trimmed line into its key and value: "key: value",
// or, without ':', a known key followed by whitespace and a value.
std::pair<Key, std::string_view> SplitLine(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    return {KeyOf(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1))};
  }
  for (const KeySpelling& k : kKeys) {
    if (line.size() > k.text.size() && IsSpace(line[k.text.size()]) &&
        EqualsIgnoreCase(line.substr(0, k.text.size()), k.text)) {
      return {k.key, Trim(line.substr(k.text.size()))};
    }
  }
  return {Key::kUnknown, {}};
}

// A plain non-negative decimal: digits, optionally '.' and more digits.
std::optional<double> ParseDelay(std::string_view v) {
  const std::size_t dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
  if (whole.empty() && frac.empty()) return std::nullopt;
  for (std::string_view part : {whole, frac}) {
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  double d = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d,
                                         std::chars_format::fixed);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return d;
}

// What the groups matching one kind of user-agent line say.
struct Collected {
  bool seen = false;  // a group for it exists, even without rules
  std::vector<std::pair<bool, std::string>> rules;  // (allow, pattern)
  std::size_t wildcard_rules = 0;                   // seen, kept or not
  std::optional<double> crawl_delay;
};

// The part of `body` that is read: the first kRobotsMaxBytes, less a last
// line the limit cuts in two.
std::string_view WithinLimit(std::string_view body) {
  if (body.size() <= kRobotsMaxBytes) return body;
  const auto is_eol = [](char c) { return c == '\n' || c == '\r'; };
  const bool cut_inside_line =
      !is_eol(body[kRobotsMaxBytes]) && !is_eol(body[kRobotsMaxBytes - 1]);
  body = body.substr(0, kRobotsMaxBytes);
  if (cut_inside_line) {
    const std::size_t last_eol = body.find_last_of("\r\n");
    body = body.substr(0, last_eol == std::string_view::npos ? 0 : last_eol);
  }
  return body;
}

// Most specific (longest) first, Allow before Disallow at equal length, and
// without duplicates: the first rule that matches decides.
void SortBySpecificity(std::vector<std::pair<bool, std::string>>* rules) {
  std::sort(rules->begin(), rules->end(), [](const auto& a, const auto& b) {
    if (a.second.size() != b.second.size()) {
      return a.second.size() > b.second.size();
    }
    if (a.first != b.first) return a.first;
    return a.second < b.second;
  });
  rules->erase(std::unique(rules->begin(), rules->end()), rules->end());
}

}  // namespace

std::string RobotsProductToken(std::string_view user_agent) {
  user_agent = Trim(user_agent);
  std::size_t n = 0;
  while (n < user_agent.size() && IsTokenChar(user_agent[n])) ++n;
  return std::string(user_agent.substr(0, n));
}

RobotsRules RobotsRules::AllowAll() { return RobotsRules(); }

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules r;
  r.disallow_all_ = true;
  return r;
}

RobotsRules RobotsRules::Parse(std::string_view body,
                               std::string_view product_token) {
  RobotsRules result;
  const std::string ours = RobotsProductToken(product_token);

  body = WithinLimit(body);
  if (body.substr(0, kBom.size()) == kBom) body.remove_prefix(kBom.size());

  Collected specific, star;
  // Whether the last user-agent or rule line was a user-agent line, and
  // whom the current group is for (neither before the first group).
  bool agents_open = false;
  bool group_specific = false, group_star = false;

  while (!body.empty()) {
    // "\r\n" reads as "\r" and an empty line, which is harmless.
    const std::size_t eol = body.find_first_of("\r\n");
    std::string_view line = body.substr(0, eol);
    body.remove_prefix(eol == std::string_view::npos ? body.size() : eol + 1);
    line = Trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const auto [key, value] = SplitLine(line);

    switch (key) {
      case Key::kUserAgent: {
        if (!agents_open) group_specific = group_star = false;
        agents_open = true;
        if (value == "*" ||
            (value.size() > 1 && value[0] == '*' && IsSpace(value[1]))) {
          group_star = star.seen = true;
        } else if (!ours.empty() &&
                   EqualsIgnoreCase(RobotsProductToken(value), ours)) {
          group_specific = specific.seen = true;
        }
        break;
      }
      case Key::kAllow:
      case Key::kDisallow: {
        agents_open = false;
        if (value.empty()) break;
        std::string pattern = Normalize(value, /*pattern=*/true);
        if (pattern[0] != '/' && pattern[0] != '*') pattern.insert(0, 1, '/');
        const bool wildcard = pattern.find('*') != std::string::npos;
        for (Collected* c : {&specific, &star}) {
          if (!(c == &specific ? group_specific : group_star)) continue;
          if (wildcard && c->wildcard_rules++ >= kMaxWildcardRules) continue;
          c->rules.emplace_back(key == Key::kAllow, pattern);
        }
        break;
      }
      case Key::kCrawlDelay: {
        const std::optional<double> delay = ParseDelay(value);
        if (!delay) break;
        if (group_specific && !specific.crawl_delay)
          specific.crawl_delay = delay;
        if (group_star && !star.crawl_delay) star.crawl_delay = delay;
        break;
      }
      case Key::kSitemap:
        if (!value.empty()) result.sitemaps_.emplace_back(value);
        break;
      case Key::kUnknown:
        break;
    }
  }

  Collected& chosen = specific.seen ? specific : star;
  result.crawl_delay_ = chosen.crawl_delay;
  SortBySpecificity(&chosen.rules);
  result.rules_.reserve(chosen.rules.size());
  for (auto& [allow, pattern] : chosen.rules) {
    result.rules_.push_back(Rule{allow, std::move(pattern)});
  }
  return result;
}

bool RobotsRules::Allowed(std::string_view path_and_query) const {
  std::string path = Normalize(path_and_query, /*pattern=*/false);
  if (path.empty() || path[0] != '/') path.insert(0, 1, '/');
  if (path == "/robots.txt") return true;
  if (disallow_all_) return false;
  std::vector<std::uint32_t> scratch;
  for (const Rule& rule : rules_) {
    if (Matches(rule.pattern, path, &scratch)) return rule.allow;
  }
  return true;
}

}  // namespace crawl
