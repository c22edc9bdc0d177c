// robots.txt (RFC 9309, https://www.rfc-editor.org/rfc/rfc9309) and
// sitemaps (https://www.sitemaps.org/protocol.html): parse and match.
//
// The parser never fails: it walks any bytes and keeps what it recognises.
// Groups are chosen by the crawler's product token (case-insensitive);
// repeated groups for one token are merged; '*' is the fallback; a specific
// group does not inherit '*'. Allow/Disallow with '*' and '$'; the longest
// match wins, Allow wins a tie; percent-encoding is normalised on both sides;
// "/robots.txt" itself is always allowed; rules before any group are
// ignored; at least 500 KiB are parsed (more is ignored).
//
// Thread safety: a RobotsRules is immutable after Parse(); Allowed() may be
// called from any number of threads.
#ifndef CRAWL_ROBOTS_ROBOTS_H_
#define CRAWL_ROBOTS_ROBOTS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawl {

inline constexpr std::size_t kRobotsMaxBytes = 512 * 1024;

// The product token of a User-Agent: "MyBot/2.0 (+http://x)" -> "MyBot".
// Only [A-Za-z_-] characters are kept (RFC 9309 section 2.2.1).
std::string RobotsProductToken(std::string_view user_agent);

class RobotsRules {
 public:
  // Allows everything (a missing robots.txt: 4xx).
  static RobotsRules AllowAll();
  // Disallows everything but /robots.txt itself (robots.txt unreachable:
  // 5xx or network error).
  static RobotsRules DisallowAll();
  // Parses `body` for the crawler whose product token is `product_token`.
  static RobotsRules Parse(std::string_view body, std::string_view product_token);

  // Whether the crawler may fetch `path_and_query`: the path of a URL plus
  // "?query" if any ("/a/b?x=1"), as in the normalised URL.
  bool Allowed(std::string_view path_and_query) const;

  // The Crawl-delay of the chosen group, in seconds, if it gave a valid one.
  std::optional<double> crawl_delay() const { return crawl_delay_; }
  // Every Sitemap: URL in the file (they belong to no group), as written.
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }

 private:
  struct Rule {
    bool allow;
    std::string pattern;  // normalised, may contain '*' and a final '$'
  };
  std::vector<Rule> rules_;
  bool disallow_all_ = false;
  std::optional<double> crawl_delay_;
  std::vector<std::string> sitemaps_;
};

// A sitemap (https://www.sitemaps.org/protocol.html): either a <urlset> of
// page URLs or a <sitemapindex> of further sitemaps. A gzip body (magic
// bytes 1f 8b) is decompressed first, at most `max_bytes` decompressed.
// Tolerant: anything that is not a <loc> in a <url> or <sitemap> is ignored;
// never fails; the <loc> text has XML entities decoded and is trimmed.
struct Sitemap {
  std::vector<std::string> urls;      // <urlset><url><loc>
  std::vector<std::string> sitemaps;  // <sitemapindex><sitemap><loc>
  bool truncated = false;             // hit max_bytes or max_entries
};
Sitemap ParseSitemap(std::string_view body, std::size_t max_bytes = 50 << 20,
                     std::size_t max_entries = 50'000);

}  // namespace crawl

#endif  // CRAWL_ROBOTS_ROBOTS_H_
