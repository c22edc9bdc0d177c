// crawl/url.h — URL resolution and normalisation: a URL's identity.
//
// Two links that normalise alike are one page, fetched once. Normalising:
//   - clean up as the WHATWG URL standard does before parsing: strip leading
//     and trailing C0 controls and spaces, remove tabs and newlines anywhere,
//     treat '\' as '/' in http(s) URLs;
//   - resolve against a base per RFC 3986 section 5 (uriparser), with two
//     browser habits: the base's dot segments are removed first, and
//     "http:g" against an http base is the relative reference "g";
//   - as the URL Standard does for special schemes, take the host after
//     any number of slashes: "http:example.com", "http:/example.com" and
//     "http:////example.com" are all "http://example.com/" (without a base,
//     or against a base of the other scheme), and so is "///example.com"
//     against an http(s) base;
//   - lower-case scheme and host; IDNA host to punycode (libidn2); a host
//     that ends in a number is IPv4 and is written in dotted decimal
//     ("0x7f.1", "2130706433", "0177.0.0.1" -> "127.0.0.1"; "1.2.3.4." ->
//     "1.2.3.4"), and one that is not a valid address ("1.2.3.256",
//     "1.2.3.4.5", "foo.09") is dropped as kBadHost, so that UrlHost() of a
//     result shows the private-address check every spelling of an address;
//     IPv6 as the URL Standard writes it ("[::7f00:1]", not
//     "[::127.0.0.1]"); drop the default port (80 for http, 443 for https);
//     remove dot segments; empty path becomes "/";
//   - normalise percent-encoding: upper-case hex digits, decode encoded
//     unreserved characters, encode bytes that may not appear raw (controls,
//     space, non-ASCII, ...);
//   - drop the fragment;
//   - ResolveUrl (for links and Locations) also drops userinfo; an empty
//     reference (href="") is the base.
// Against the URL Standard's own tests (tests/url/whatwg_url_test.cc) the
// result is the standard's href modulo the fragment, userinfo and the
// percent-encoding above, except that crawl keeps "'" raw in queries and
// accepts only RFC 3986 reg-name characters in hosts.
// Only http and https URLs are accepted; anything else is dropped with a
// reason, as are URLs longer than the limit after normalisation.
//
// Thread safety: all functions are pure and may be called from any thread,
// and so may UrlResolver::Resolve() on one resolver.
#ifndef CRAWL_URL_H_
#define CRAWL_URL_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace crawl {

// Why a URL was not accepted.
enum class UrlDrop : unsigned char {
  kNone = 0,
  kEmpty,              // nothing left after clean-up
  kUnsupportedScheme,  // not http or https (mailto:, ftp:, ...)
  kTooLong,            // longer than the limit after normalisation
  kMalformed,          // not a parseable URL (bad port, bad IP literal, ...)
  kBadHost,            // missing host, or a host IDNA rejects
};
inline constexpr int kUrlDropReasons = 6;

// "none", "empty", "scheme", "too_long", "malformed", "bad_host".
const char* UrlDropName(UrlDrop drop);

struct UrlResult {
  std::string url;  // the normalised absolute URL when ok()
  UrlDrop drop = UrlDrop::kNone;
  bool ok() const { return drop == UrlDrop::kNone; }
};

inline constexpr std::size_t kDefaultMaxUrlLength = 2048;

// Normalises an absolute URL.
UrlResult NormalizeUrl(std::string_view url,
                       std::size_t max_length = kDefaultMaxUrlLength);

// Resolves `ref` (as written in a page or a Location header: relative or
// absolute) against `base` (an absolute http(s) URL) and normalises the
// result.
UrlResult ResolveUrl(std::string_view base, std::string_view ref,
                     std::size_t max_length = kDefaultMaxUrlLength);

// Resolves many references against one base, such as the links of a page:
// the base is cleaned, parsed and normalised once, and the common references
// (absolute http(s) URLs with plain host names, path-absolute and relative
// paths, queries, fragments) are resolved by hand without a URI parser.
// Resolve(ref) returns exactly what ResolveUrl(base, ref, max_length)
// returns, for every input.
//
// Construction costs less than one ResolveUrl() call. Resolve() is const
// and may be called from several threads at once. Construction allocates
// and may throw std::bad_alloc; Resolve() does not throw.
class UrlResolver {
 public:
  explicit UrlResolver(std::string_view base,
                       std::size_t max_length = kDefaultMaxUrlLength);
  ~UrlResolver();

  UrlResolver(UrlResolver&&) noexcept;
  UrlResolver& operator=(UrlResolver&&) noexcept;
  UrlResolver(const UrlResolver&) = delete;
  UrlResolver& operator=(const UrlResolver&) = delete;

  // Same as ResolveUrl(base, ref, max_length) with this resolver's base and
  // limit. Requires that `*this` was not moved from.
  UrlResult Resolve(std::string_view ref) const;

 private:
  struct Base;

  std::unique_ptr<Base> base_;
};

// Credentials taken from a URL's userinfo ("http://user:pw@host/").
struct UrlCredentials {
  std::string origin;    // where they apply: "http://host:8080" (UrlOrigin)
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded; empty if none was given
};

// Removes the userinfo ("user:pw@") from a normalised URL, if any.
// ResolveUrl and UrlResolver do this to every URL they return: a link or a
// Location never carries credentials into the crawl (they would be sent to
// whatever host it names, and shown in records). NormalizeUrl keeps them,
// for a seed's owner to take with TakeUserInfo.
void StripUserInfo(std::string& url);

// Removes the userinfo from a normalised URL and returns it, or nullopt if
// there is none.
std::optional<UrlCredentials> TakeUserInfo(std::string& url);

// The origin of a normalised URL without userinfo: scheme and authority,
// "https://a.example:8443/x?y" -> "https://a.example:8443" (the default
// port is already gone from a normalised URL); "" if it has no "://".
std::string_view UrlOrigin(std::string_view normalized_url);

// The host of a normalised URL, without the port, or "" if it has none.
// E.g. "http://a.example:8080/x" -> "a.example"; IPv6 keeps its brackets:
// "http://[::1]/" -> "[::1]".
std::string_view UrlHost(std::string_view normalized_url);

}  // namespace crawl

#endif  // CRAWL_URL_H_
