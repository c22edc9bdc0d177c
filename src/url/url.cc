// URL normalisation and resolution (see include/crawl/url.h).
//
// Pipeline: Prepare() cleans the input as the WHATWG URL standard does (trim,
// drop tabs/newlines, '\' -> '/', cut the fragment), checks the scheme, and
// rewrites the text into a strict RFC 3986 reference whose percent-encoding is
// already normalised (unreserved characters decoded, hex upper-cased, bytes
// that may not appear raw encoded). uriparser parses it and, for ResolveUrl,
// resolves it against the base. Serialize() then writes the canonical form:
// lower-case scheme and host, IDNA host, number-form IPv4 hosts in dotted
// decimal (CanonicalizeIpv4), IPv6 as the URL Standard writes it, no
// default port, no dot segments, no fragment. Prepare() also applies the URL
// Standard's special-scheme rule that the host follows any number of
// slashes ("http:x", "http:////x", "///x" against an http base).
//
// UrlResolver runs the same pipeline with the base prepared once, and does
// the parse-resolve-serialise steps by hand for the common references (see
// "UrlResolver's fast paths" below); ResolveImpl() stays the reference it is
// tested against.
#include "crawl/url.h"

#include <idn2.h>
#include <uriparser/Uri.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>

namespace crawl {
namespace {

// Character classes, as bits, for the characters RFC 3986 allows raw.
constexpr std::uint8_t kUnreservedBit = 1;  // ALPHA DIGIT - . _ ~
constexpr std::uint8_t kSubDelimBit = 2;    // ! $ & ' ( ) * + , ; =
constexpr std::uint8_t kColonBit = 4;
constexpr std::uint8_t kAtBit = 8;
constexpr std::uint8_t kSlashBit = 16;
constexpr std::uint8_t kQuestionBit = 32;

// What each component may contain raw (anything else is percent-encoded).
constexpr std::uint8_t kHostChars = kUnreservedBit | kSubDelimBit;
constexpr std::uint8_t kUserInfoChars = kHostChars | kColonBit;
constexpr std::uint8_t kPathChars = kUserInfoChars | kAtBit | kSlashBit;
constexpr std::uint8_t kQueryChars = kPathChars | kQuestionBit;

constexpr std::array<std::uint8_t, 256> kCharClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = kUnreservedBit;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = kUnreservedBit;
  for (int c = '0'; c <= '9'; ++c) table[c] = kUnreservedBit;
  for (unsigned char c : std::string_view("-._~")) table[c] = kUnreservedBit;
  for (unsigned char c : std::string_view("!$&'()*+,;=")) {
    table[c] = kSubDelimBit;
  }
  table[':'] = kColonBit;
  table['@'] = kAtBit;
  table['/'] = kSlashBit;
  table['?'] = kQuestionBit;
  return table;
}();

constexpr char kHexDigits[] = "0123456789ABCDEF";

bool Allowed(unsigned char c, std::uint8_t mask) {
  return (kCharClass[c] & mask) != 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsSchemeChar(char c) {
  return IsAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.';
}

void AppendLower(std::string& out, std::string_view s) {
  const std::size_t start = out.size();
  out.append(s);
  for (std::size_t i = start; i < out.size(); ++i) out[i] = ToLower(out[i]);
}

void AppendPercent(std::string& out, unsigned char c) {
  out += '%';
  out += kHexDigits[c >> 4];
  out += kHexDigits[c & 15];
}

// Appends `s`, keeping the characters in `mask` raw, decoding %XX escapes of
// unreserved characters, upper-casing the hex of other escapes, encoding a
// '%' that starts no escape as %25, and encoding every other byte.
void AppendEncoded(std::string& out, std::string_view s, std::uint8_t mask) {
  const std::size_t n = s.size();
  std::size_t run = 0;  // start of the pending run of raw characters
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c != '%' && Allowed(c, mask)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (c != '%') {
      AppendPercent(out, c);
      continue;
    }
    const int hi = i + 2 < n ? HexValue(s[i + 1]) : -1;
    const int lo = i + 2 < n ? HexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      out += "%25";
      continue;
    }
    const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
    if (Allowed(decoded, kUnreservedBit)) {
      out += static_cast<char>(decoded);
    } else {
      AppendPercent(out, decoded);
    }
    i += 2;
    run = i + 1;
  }
  out.append(s.data() + run, n - run);
}

// Strips leading and trailing C0 controls and spaces (WHATWG).
std::string_view Trim(std::string_view in) {
  while (!in.empty() && static_cast<unsigned char>(in.front()) <= 0x20) {
    in.remove_prefix(1);
  }
  while (!in.empty() && static_cast<unsigned char>(in.back()) <= 0x20) {
    in.remove_suffix(1);
  }
  return in;
}

// The rest of the WHATWG clean-up: removes tabs and newlines, cuts the
// fragment and turns '\' into '/' before the query. Returns a view of `in`
// when only the fragment goes, else of `*scratch`. Only http(s) URLs survive
// later checks, so the backslash rule applies to every input.
std::string_view Clean(std::string_view in, std::string* scratch) {
  std::size_t end = 0;
  bool needs_copy = false;
  bool in_query = false;
  for (; end < in.size() && in[end] != '#'; ++end) {
    const char c = in[end];
    if (c == '?') in_query = true;
    if (c == '\t' || c == '\n' || c == '\r' || (c == '\\' && !in_query)) {
      needs_copy = true;
    }
  }
  if (!needs_copy) return in.substr(0, end);
  scratch->clear();
  in_query = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '#') break;
    if (c == '?') in_query = true;
    *scratch += (c == '\\' && !in_query) ? '/' : c;
  }
  return *scratch;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != b[i]) return false;
  }
  return true;
}

// Removes "." and ".." segments from the absolute path that ends `s` and
// starts at `start`, in place, as the WHATWG path parser does: ".." removes
// the segment before it (never the root), and a final "." or ".." leaves a
// trailing slash.
void RemoveDotSegments(std::string& s, std::size_t start) {
  std::size_t write = start;
  std::size_t read = start;
  while (read < s.size()) {  // s[read] == '/'
    std::size_t next = s.find('/', read + 1);
    if (next == std::string::npos) next = s.size();
    const std::string_view segment(s.data() + read + 1, next - read - 1);
    const bool last = next == s.size();
    if (segment == "." || segment == "..") {
      if (segment == ".." && write > start) write = s.rfind('/', write - 1);
      if (last) s[write++] = '/';
    } else {
      if (write != read) {
        std::copy(s.begin() + read, s.begin() + next, s.begin() + write);
      }
      write += next - read;
    }
    read = next;
  }
  s.resize(write);
}

struct Prepared {
  UrlDrop drop = UrlDrop::kNone;
  bool absolute = false;  // has a scheme (after the same-scheme rule)
};

// Rewrites `in` into `*out` as an RFC 3986 reference uriparser accepts (see
// the file comment). Without `base_scheme` (NormalizeUrl) the input must be
// absolute; with it (ResolveUrl; "" for an unusable base) it may be relative,
// and "http:g" against an http base is the relative "g", as in browsers.
Prepared Prepare(std::string_view in,
                 std::optional<std::string_view> base_scheme, std::string* out,
                 std::string* scratch) {
  out->clear();
  in = Trim(in);
  if (in.empty()) {
    if (!base_scheme) return {UrlDrop::kEmpty, false};
    return {};  // an empty reference: the base itself
  }
  const std::string_view s = Clean(in, scratch);
  std::size_t pos = 0;
  bool absolute = false;
  if (!s.empty() && IsAlpha(s[0])) {
    std::size_t i = 1;
    while (i < s.size() && IsSchemeChar(s[i])) ++i;
    if (i < s.size() && s[i] == ':') {
      const std::string_view scheme = s.substr(0, i);
      if (!EqualsIgnoreCase(scheme, "http") &&
          !EqualsIgnoreCase(scheme, "https")) {
        return {UrlDrop::kUnsupportedScheme, false};
      }
      pos = i + 1;
      absolute = !base_scheme || !EqualsIgnoreCase(scheme, *base_scheme) ||
                 s.substr(pos).starts_with("//");
      if (absolute) {
        AppendLower(*out, scheme);
        *out += ':';
      }
    }
  }
  if (!absolute && !base_scheme) return {UrlDrop::kMalformed, false};

  // A special scheme always has an authority, and the URL Standard ignores
  // any number of slashes before it ("http:example.com", "http:/x",
  // "http:////x", "///x" against an http base); only "http:g" against an
  // http base is relative without one.
  const bool has_authority = absolute || s.substr(pos).starts_with("//");
  if (has_authority) {
    while (pos < s.size() && s[pos] == '/') ++pos;
    *out += "//";
    std::size_t end = pos;
    while (end < s.size() && s[end] != '/' && s[end] != '?') ++end;
    std::string_view host_port = s.substr(pos, end - pos);
    pos = end;
    const std::size_t at = host_port.rfind('@');
    if (at != std::string_view::npos) {
      AppendEncoded(*out, host_port.substr(0, at), kUserInfoChars);
      *out += '@';
      host_port.remove_prefix(at + 1);
    }
    std::string_view port;
    if (host_port.starts_with('[')) {
      // An IP literal: left to uriparser, which validates it.
      const std::size_t close = host_port.find(']');
      if (close == std::string_view::npos) return {UrlDrop::kMalformed, false};
      for (char c : host_port.substr(1, close - 1)) {
        const auto b = static_cast<unsigned char>(c);
        if (!Allowed(b, kUserInfoChars)) return {UrlDrop::kMalformed, false};
      }
      *out += host_port.substr(0, close + 1);
      port = host_port.substr(close + 1);
    } else {
      const std::size_t colon = host_port.find(':');
      AppendEncoded(*out, host_port.substr(0, colon), kHostChars);
      if (colon != std::string_view::npos) port = host_port.substr(colon);
    }
    if (!port.empty()) {
      if (port[0] != ':') return {UrlDrop::kMalformed, false};
      for (char c : port.substr(1)) {
        if (c < '0' || c > '9') return {UrlDrop::kMalformed, false};
      }
      *out += port;
    }
  }

  const std::size_t query = s.find('?', pos);
  const std::string_view path =
      s.substr(pos, query == std::string_view::npos ? s.npos : query - pos);
  if (!absolute && !has_authority && !path.starts_with('/') &&
      path.substr(0, path.find('/')).find(':') != std::string_view::npos) {
    *out += "./";  // "a:b" would parse as a scheme; "./a:b" is the same path
  }
  const std::size_t path_start = out->size();
  AppendEncoded(*out, path, kPathChars);
  // Browsers parse the base before resolving against it: a base's dot
  // segments must go before RFC 3986 merges paths.
  if (has_authority) RemoveDotSegments(*out, path_start);
  if (query != std::string_view::npos) {
    *out += '?';
    AppendEncoded(*out, s.substr(query + 1), kQueryChars);
  }
  return {UrlDrop::kNone, absolute};
}

// Owns the members of a UriUriA that uriparser filled in successfully.
class Uri {
 public:
  Uri() = default;
  Uri(const Uri&) = delete;
  Uri& operator=(const Uri&) = delete;
  ~Uri() {
    if (owned_) uriFreeUriMembersA(&uri_);
  }

  bool Parse(std::string_view text) {
    const char* error_pos = nullptr;
    owned_ = uriParseSingleUriExA(&uri_, text.data(), text.data() + text.size(),
                                  &error_pos) == URI_SUCCESS;
    return owned_;
  }

  bool Resolve(const Uri& ref, const Uri& base) {
    owned_ = uriAddBaseUriExA(&uri_, &ref.uri_, &base.uri_,
                              URI_RESOLVE_STRICTLY) == URI_SUCCESS;
    return owned_;
  }

  const UriUriA& get() const { return uri_; }

 private:
  UriUriA uri_{};
  bool owned_ = false;
};

std::string_view Text(const UriTextRangeA& range) {
  if (range.first == nullptr || range.afterLast == nullptr) return {};
  return std::string_view(
      range.first, static_cast<std::size_t>(range.afterLast - range.first));
}

// Parses one part of an IPv4 address as the URL Standard does: decimal,
// hexadecimal after "0x" ("0x" alone is 0), octal after a leading '0'.
// Values above 2^32 saturate at 2^33. False if not a number.
bool ParseIpv4Number(std::string_view s, std::uint64_t* value) {
  if (s.empty()) return false;
  std::uint64_t radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  constexpr std::uint64_t kSaturated = std::uint64_t{1} << 33;
  std::uint64_t v = 0;
  for (char c : s) {
    const int d = HexValue(c);
    if (d < 0 || static_cast<std::uint64_t>(d) >= radix) return false;
    v = std::min(v * radix + static_cast<std::uint64_t>(d), kSaturated);
  }
  *value = v;
  return true;
}

// Whether the URL Standard parses `host` (an ASCII, lower-cased host name)
// as IPv4: its last label, after one trailing dot is dropped, is all
// decimal digits or "0x" and hexadecimal digits.
bool EndsInNumber(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  const std::size_t dot = host.rfind('.');
  const std::string_view last =
      dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (std::all_of(last.begin(), last.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return true;
  }
  std::uint64_t ignored = 0;
  return last.size() >= 2 && last[0] == '0' &&
         (last[1] == 'x' || last[1] == 'X') && ParseIpv4Number(last, &ignored);
}

// If the host at out[start, end) ends in a number (EndsInNumber), rewrites
// it as dotted-decimal IPv4 ("0xc0.0250.01", "3232235521" ->
// "192.168.0.1") and returns true, or returns false if it is not a valid
// address ("1.2.3.256", "1.2.3.4.5", "foo.09"): the URL Standard then
// rejects the URL. Other hosts are left alone.
bool CanonicalizeIpv4(std::string& out, std::size_t start) {
  std::string_view host = std::string_view(out).substr(start);
  if (!EndsInNumber(host)) return true;
  if (host.ends_with('.')) host.remove_suffix(1);
  std::uint64_t parts[4];
  std::size_t n = 0;
  while (true) {
    const std::size_t dot = host.find('.');
    if (n == 4 || !ParseIpv4Number(host.substr(0, dot), &parts[n])) {
      return false;
    }
    ++n;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  std::uint64_t address = parts[n - 1];
  if (address >= (std::uint64_t{1} << (8 * (5 - n)))) return false;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (parts[i] > 255) return false;
    address += parts[i] << (8 * (3 - i));
  }
  out.resize(start);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 255);
    if (shift > 0) out += '.';
  }
  return true;
}

// Appends an IPv6 address as the URL Standard serialises it: lower-case hex
// pieces without leading zeros, the first longest run of two or more zero
// pieces compressed to "::", no dotted IPv4 tail ("[::7f00:1]").
void AppendIpv6(std::string& out, const unsigned char* bytes) {
  unsigned pieces[8];
  for (int i = 0; i < 8; ++i) {
    pieces[i] = static_cast<unsigned>(bytes[2 * i]) << 8 | bytes[2 * i + 1];
  }
  int best = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && pieces[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char kLowerHex[] = "0123456789abcdef";
  out += '[';
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += i == 0 ? "::" : ":";
      i += best_len - 1;
      continue;
    }
    const unsigned p = pieces[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (p >> shift) & 15;
      if (digit != 0 || started || shift == 0) {
        out += kLowerHex[digit];
        started = true;
      }
    }
    if (i < 7) out += ':';
  }
  out += ']';
}

// Appends the host of a registered name (or IPv4 address): percent-decoded,
// IDNA-mapped to ASCII when not ASCII, lower-cased. False if unusable.
bool AppendRegName(std::string& out, std::string_view host) {
  if (host.empty()) return false;
  if (host.find('%') == std::string_view::npos) {
    AppendLower(out, host);  // Prepare() let only kHostChars through raw
    return true;
  }
  std::string decoded;
  decoded.reserve(host.size());
  bool ascii = true;
  for (std::size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    // Prepare() left only well-formed escapes.
    if (c == '%' && i + 2 < host.size()) {
      c = static_cast<char>(HexValue(host[i + 1]) * 16 + HexValue(host[i + 2]));
      i += 2;
    }
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80) {
      ascii = false;
    } else if (!Allowed(b, kHostChars)) {
      return false;  // a forbidden host character, or a NUL before IDNA
    }
    decoded += c;
  }
  if (ascii) {
    AppendLower(out, decoded);
    return true;
  }
  const auto* in = reinterpret_cast<const std::uint8_t*>(decoded.c_str());
  std::uint8_t* ascii_host = nullptr;
  int rc =
      idn2_lookup_u8(in, &ascii_host, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK) {
    idn2_free(ascii_host);
    ascii_host = nullptr;
    rc = idn2_lookup_u8(in, &ascii_host, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
  }
  bool ok = rc == IDN2_OK && ascii_host != nullptr && ascii_host[0] != 0;
  if (ok) {
    const std::size_t start = out.size();
    for (const std::uint8_t* p = ascii_host; *p != 0; ++p) {
      const char c = ToLower(static_cast<char>(*p));
      if (!Allowed(static_cast<unsigned char>(c), kHostChars)) ok = false;
      out += c;
    }
    if (!ok) out.resize(start);
  }
  idn2_free(ascii_host);
  return ok;
}

// Appends a registered name as AppendRegName() does, then a host that ends
// in a number as dotted-decimal IPv4 (CanonicalizeIpv4). False if unusable.
bool AppendHost(std::string& out, std::string_view host) {
  const std::size_t start = out.size();
  return AppendRegName(out, host) && CanonicalizeIpv4(out, start);
}

// Appends the path of `uri`, "/" if empty. Prepare() and uriparser's
// resolution leave no dot segments; removing them again costs little and
// keeps the output canonical whatever uriparser's edge cases do.
void AppendPath(std::string& out, const UriUriA& uri) {
  const std::size_t start = out.size();
  for (const UriPathSegmentA* seg = uri.pathHead; seg != nullptr;
       seg = seg->next) {
    out += '/';
    out += Text(seg->text);
  }
  if (out.size() == start) out += '/';
  RemoveDotSegments(out, start);
}

// Writes the canonical form of a parsed (and resolved) URL.
UrlResult Serialize(const UriUriA& uri, std::size_t max_length,
                    std::size_t size_hint) {
  UrlResult result;
  std::string& out = result.url;
  const std::string_view scheme = Text(uri.scheme);
  const bool https = EqualsIgnoreCase(scheme, "https");
  if (!https && !EqualsIgnoreCase(scheme, "http")) {
    return {{},
            scheme.empty() ? UrlDrop::kMalformed : UrlDrop::kUnsupportedScheme};
  }
  if (uri.hostText.first == nullptr) return {{}, UrlDrop::kBadHost};
  out.reserve(size_hint + 16);
  out += https ? "https://" : "http://";

  const std::string_view user_info = Text(uri.userInfo);
  const std::size_t colon = user_info.find(':');
  const std::string_view user = user_info.substr(0, colon);
  const std::string_view password = colon == std::string_view::npos
                                        ? std::string_view()
                                        : user_info.substr(colon + 1);
  if (!user.empty() || !password.empty()) {
    out += user;
    if (!password.empty()) {
      out += ':';
      out += password;
    }
    out += '@';
  }

  if (uri.hostData.ip6 != nullptr) {
    AppendIpv6(out, uri.hostData.ip6->data);
  } else if (uri.hostData.ipFuture.first != nullptr) {
    return {{}, UrlDrop::kBadHost};  // "[v1.x]": browsers reject it too
  } else if (!AppendHost(out, Text(uri.hostText))) {
    return {{}, UrlDrop::kBadHost};
  }

  std::string_view port = Text(uri.portText);
  while (port.size() > 1 && port[0] == '0') port.remove_prefix(1);
  if (!port.empty()) {
    if (port.size() > 5) return {{}, UrlDrop::kMalformed};
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return {{}, UrlDrop::kMalformed};
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return {{}, UrlDrop::kMalformed};
    if (value != (https ? 443u : 80u)) {
      out += ':';
      out += port;
    }
  }

  AppendPath(out, uri);
  if (uri.query.first != nullptr) {
    out += '?';
    out += Text(uri.query);
  }
  if (out.size() > max_length) return {{}, UrlDrop::kTooLong};
  return result;
}

// Inputs this much longer than the limit are refused unparsed, so hostile
// megabyte hrefs cost nothing; only padding could shrink that much.
bool AbsurdlyLong(std::string_view s, std::size_t max_length) {
  constexpr std::size_t kSlack = 64;
  if (max_length > (s.npos - kSlack) / 4) return false;
  return s.size() > 4 * max_length + kSlack;
}

// Per-thread buffers for the prepared texts, so that a call allocates little
// more than its result.
struct Scratch {
  std::string clean;
  std::string base;
  std::string ref;
};
thread_local Scratch t_scratch;

// Releases buffers that an unusually long URL grew.
void TrimScratch() {
  constexpr std::size_t kKeepBytes = 1 << 16;
  for (std::string* b : {&t_scratch.clean, &t_scratch.base, &t_scratch.ref}) {
    if (b->capacity() > kKeepBytes) std::string().swap(*b);
  }
}

UrlResult NormalizeImpl(std::string_view url, std::size_t max_length) {
  if (AbsurdlyLong(url, max_length)) return {{}, UrlDrop::kTooLong};
  std::string& text = t_scratch.ref;
  const Prepared prepared = Prepare(url, std::nullopt, &text, &t_scratch.clean);
  if (prepared.drop != UrlDrop::kNone) return {{}, prepared.drop};
  Uri uri;
  if (!uri.Parse(text)) return {{}, UrlDrop::kMalformed};
  return Serialize(uri.get(), max_length, text.size());
}

UrlResult ResolveImpl(std::string_view base, std::string_view ref,
                      std::size_t max_length) {
  if (AbsurdlyLong(ref, max_length)) return {{}, UrlDrop::kTooLong};
  std::string& base_text = t_scratch.base;
  std::string& ref_text = t_scratch.ref;
  const Prepared base_prepared =
      AbsurdlyLong(base, max_length)
          ? Prepared{UrlDrop::kTooLong, false}
          : Prepare(base, std::nullopt, &base_text, &t_scratch.clean);
  std::string_view base_scheme;  // "" matches no scheme
  if (base_prepared.drop == UrlDrop::kNone) {
    base_scheme = std::string_view(base_text);
    base_scheme = base_scheme.substr(0, base_scheme.find(':'));
  }
  const Prepared ref_prepared =
      Prepare(ref, base_scheme, &ref_text, &t_scratch.clean);
  if (ref_prepared.drop != UrlDrop::kNone) return {{}, ref_prepared.drop};
  Uri ref_uri;
  if (!ref_uri.Parse(ref_text)) return {{}, UrlDrop::kMalformed};
  if (ref_prepared.absolute) {
    return Serialize(ref_uri.get(), max_length, ref_text.size());
  }
  if (base_prepared.drop != UrlDrop::kNone) return {{}, base_prepared.drop};
  Uri base_uri;
  Uri resolved;
  if (!base_uri.Parse(base_text) || !resolved.Resolve(ref_uri, base_uri)) {
    return {{}, UrlDrop::kMalformed};
  }
  return Serialize(resolved.get(), max_length,
                   base_text.size() + ref_text.size());
}

// UrlResolver's fast paths. ResolveImpl() cleans a reference with Prepare()
// into strict RFC 3986 text, then lets uriparser parse and resolve it and
// Serialize() write it. When the host is a plain name, what uriparser and
// Serialize() do to such text is simple to do by hand: copy the scheme,
// lower-case the host, normalise the port, merge paths (RFC 3986 section
// 5.2.3) and remove dot segments. ResolveFast() does that, on the reference
// itself when it needs none of Prepare()'s clean-up (IsPlain()), else on
// Prepare()'s text. A plain host that ends in a number is IPv4, rewritten
// by CanonicalizeIpv4() as Serialize() does (an invalid one falls back).
// Everything else (user info, IP literals, escaped or non-ASCII hosts, ports
// Serialize() refuses, "http:x" without "//" against an https base, "///x",
// unusable bases) goes to uriparser.

// Bytes that Prepare() leaves as they are in every component but the
// authority: unreserved, sub-delims, ':', '@', '/', '?'.
constexpr std::array<bool, 256> kPlainChar = [] {
  std::array<bool, 256> table{};
  for (std::size_t c = 0; c < table.size(); ++c) {
    table[c] = (kCharClass[c] & kQueryChars) != 0;
  }
  return table;
}();

int UpperHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// If `in` needs none of Prepare()'s clean-up and encoding, sets `*text` to
// its part before any fragment and returns true. That is: it starts with no
// space or control (so nothing is trimmed), and before any '#' it holds only
// kPlainChar bytes and escapes that AppendEncoded() keeps as they are ('%'
// and two upper-case hex digits of a byte that is not unreserved). What
// Prepare() writes for such a reference differs from `*text` only in the
// case of the scheme, a "./" before a relative path whose first segment has
// a colon, and the dot segments of a path after an authority, none of which
// changes what the reference resolves to.
bool IsPlain(std::string_view in, std::string_view* text) {
  const std::size_t n = in.size();
  std::size_t i = 0;
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (kPlainChar[c]) continue;
    if (c == '#') break;
    if (c != '%' || i + 2 >= n) return false;
    const int hi = UpperHexValue(in[i + 1]);
    const int lo = UpperHexValue(in[i + 2]);
    if (hi < 0 || lo < 0 ||
        Allowed(static_cast<unsigned char>(hi * 16 + lo), kUnreservedBit)) {
      return false;
    }
    i += 2;
  }
  *text = in.substr(0, i);
  return true;
}

// The length of the scheme that starts `text`, as Prepare() finds it (a
// letter, then letters, digits, '+', '-', '.', up to a ':'), or 0.
std::size_t SchemeSize(std::string_view text) {
  if (text.empty() || !IsAlpha(text[0])) return 0;
  std::size_t i = 1;
  while (i < text.size() && IsSchemeChar(text[i])) ++i;
  return i < text.size() && text[i] == ':' ? i : 0;
}

bool IsPlainHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// Whether `path` has a "." or ".." segment.
bool HasDotSegment(std::string_view path) {
  const std::size_t n = path.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (path[i] != '.' || (i > 0 && path[i - 1] != '/')) continue;
    std::size_t end = i + 1;
    if (end < n && path[end] == '.') ++end;
    if (end == n || path[end] == '/') return true;
  }
  return false;
}

// If `authority` is a plain host name (ASCII letters, digits, '-', '.', '_';
// no user info, IP literal or escape) with an optional port of digits that
// Serialize() accepts, appends "host[:port]" as Serialize() writes it and
// returns true. Else returns false, with `out` partly written.
bool AppendPlainAuthority(std::string& out, std::string_view authority,
                          bool https) {
  std::size_t colon = 0;
  while (colon < authority.size() && authority[colon] != ':') ++colon;
  const std::string_view host = authority.substr(0, colon);
  if (host.empty()) return false;
  for (char c : host) {
    if (!IsPlainHostChar(c)) return false;
  }
  const std::size_t host_start = out.size();
  AppendLower(out, host);
  // A number-form IPv4 host is rewritten here as Serialize() does; an
  // invalid one goes to the slow path, which drops it.
  if (!CanonicalizeIpv4(out, host_start)) return false;
  if (colon == authority.size()) return true;
  std::string_view port = authority.substr(colon + 1);
  while (port.size() > 1 && port[0] == '0') port.remove_prefix(1);
  if (port.empty()) return true;
  if (port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  if (value != (https ? 443u : 80u)) {
    out += ':';
    out += port;
  }
  return true;
}

// `rest` is "//authority[/path][?query]", from an absolute or network-path
// reference. If the authority is plain (see AppendPlainAuthority), appends
// what Serialize() writes after the scheme's "//" and returns true; else
// returns false, with `out` partly written.
bool AppendFromAuthority(std::string& out, std::string_view rest, bool https) {
  rest.remove_prefix(2);
  const std::size_t n = rest.size();
  std::size_t end = 0;
  while (end < n && rest[end] != '/' && rest[end] != '?') ++end;
  if (!AppendPlainAuthority(out, rest.substr(0, end), https)) return false;
  std::size_t query = end;
  while (query < n && rest[query] != '?') ++query;
  const std::string_view path = rest.substr(end, query - end);
  if (path.empty()) {
    out += '/';
  } else {
    const std::size_t path_start = out.size();
    out.append(path);
    if (HasDotSegment(path)) RemoveDotSegments(out, path_start);
  }
  out.append(rest.substr(query));
  return true;
}

// A normalised base URL and where its parts start.
struct CanonicalBase {
  std::string url;           // "" when the base has no normalised form
  std::size_t path = 0;      // the path's first '/'
  std::size_t dir_end = 0;   // one past the path's last '/'
  std::size_t path_end = 0;  // the query's '?', or url.size()

  // Sets the offsets from `url`, which must be a normalised URL.
  void Index() {
    path = url.find("://") + 3;
    while (url[path] != '/') ++path;
    path_end = path;
    while (path_end < url.size() && url[path_end] != '?') ++path_end;
    dir_end = path_end;
    while (url[dir_end - 1] != '/') --dir_end;
  }
};

// Appends the resolution of `ref`, a relative reference without authority
// (as Prepare() or IsPlain() leave it) against `base` (with a url), as
// uriparser's RFC 3986 resolution and then Serialize() write it.
void AppendRelative(std::string& out, const CanonicalBase& base,
                    std::string_view ref) {
  const std::string_view url = base.url;
  if (ref.empty()) {  // the base itself
    out.append(url);
    return;
  }
  if (ref[0] == '?') {  // the base's path, this query
    out.append(url.substr(0, base.path_end));
    out.append(ref);
    return;
  }
  std::size_t query = 0;
  while (query < ref.size() && ref[query] != '?') ++query;
  const std::string_view path = ref.substr(0, query);
  out.append(url.substr(0, path[0] == '/' ? base.path : base.dir_end));
  out.append(path);
  // The base's path has no dot segments; only the reference can bring some.
  if (HasDotSegment(path)) RemoveDotSegments(out, base.path);
  out.append(ref.substr(query));
}

// What ResolveFast() made of a reference.
enum class Fast : unsigned char {
  kDone,      // the result is written
  kDropped,   // the reference is dropped: its scheme is not http(s)
  kFallBack,  // uriparser is needed
};

}  // namespace

struct UrlResolver::Base {
  // Same as ResolveImpl(base, ref, max_length) for the base this was made
  // from. Thread-safe.
  UrlResult Resolve(std::string_view ref);

  // Resolves `text`, plain (see IsPlain()) or written by Prepare() with
  // `scheme`, into `out` if that needs no uriparser.
  Fast ResolveFast(std::string_view text, std::string& out) const;

  // The base parsed by uriparser, or null if it does not parse. Parses on
  // first use. Thread-safe.
  const Uri* Parsed() {
    std::call_once(parse_once, [this] {
      parsed = uri.Parse(text.empty() ? canonical.url : text);
    });
    return parsed ? &uri : nullptr;
  }

  std::size_t max_length = kDefaultMaxUrlLength;
  UrlDrop drop = UrlDrop::kNone;  // why Prepare() refused the base
  std::string_view scheme;        // "http", "https"; "" when dropped
  CanonicalBase canonical;        // the base for the fast paths
  // The base as Prepare() wrote it, when drop is kNone; "" when the base
  // was plain, and uriparser parses `canonical.url` instead, which
  // resolves every reference alike.
  std::string text;

 private:
  std::once_flag parse_once;
  Uri uri;  // `text` or `canonical.url` parsed, when `parsed`
  bool parsed = false;
};

Fast UrlResolver::Base::ResolveFast(std::string_view text,
                                    std::string& out) const {
  const std::size_t scheme_size = SchemeSize(text);
  if (scheme_size > 0) {
    const std::string_view ref_scheme = text.substr(0, scheme_size);
    const bool https = EqualsIgnoreCase(ref_scheme, "https");
    if (!https && !EqualsIgnoreCase(ref_scheme, "http")) return Fast::kDropped;
    text.remove_prefix(scheme_size + 1);
    if (text.starts_with("//")) {  // absolute
      out.reserve(text.size() + 8);
      out += https ? "https://" : "http://";
      return AppendFromAuthority(out, text, https) ? Fast::kDone
                                                   : Fast::kFallBack;
    }
    // "http:g" against an http base is "g"; against others it is absolute
    // and has no host.
    if (!EqualsIgnoreCase(ref_scheme, scheme)) return Fast::kFallBack;
  }
  if (canonical.url.empty()) return Fast::kFallBack;
  if (text.starts_with("//")) {  // a network-path reference
    out.reserve(text.size() + 8);
    out += scheme;
    out += "://";
    return AppendFromAuthority(out, text, scheme.size() == 5)
               ? Fast::kDone
               : Fast::kFallBack;
  }
  out.reserve(canonical.url.size() + text.size());
  AppendRelative(out, canonical, text);
  return Fast::kDone;
}

UrlResult UrlResolver::Base::Resolve(std::string_view ref) {
  // The steps and their order are ResolveImpl's, with the base prepared
  // once and the common cases done by hand.
  if (AbsurdlyLong(ref, max_length)) return {{}, UrlDrop::kTooLong};
  UrlResult result;
  std::string_view plain;
  if (IsPlain(ref, &plain)) {
    const Fast fast = ResolveFast(plain, result.url);
    if (fast == Fast::kDropped) return {{}, UrlDrop::kUnsupportedScheme};
    if (fast == Fast::kDone) {
      if (result.url.size() > max_length) return {{}, UrlDrop::kTooLong};
      return result;
    }
    result.url.clear();
  }

  std::string& ref_text = t_scratch.ref;
  const Prepared prepared = Prepare(ref, scheme, &ref_text, &t_scratch.clean);
  if (prepared.drop != UrlDrop::kNone) return {{}, prepared.drop};
  // Prepare() returned kUnsupportedScheme for what ResolveFast() drops.
  if (ResolveFast(ref_text, result.url) == Fast::kDone) {
    if (result.url.size() > max_length) return {{}, UrlDrop::kTooLong};
    return result;
  }

  Uri ref_uri;
  if (!ref_uri.Parse(ref_text)) return {{}, UrlDrop::kMalformed};
  if (prepared.absolute) {
    return Serialize(ref_uri.get(), max_length, ref_text.size());
  }
  if (drop != UrlDrop::kNone) return {{}, drop};
  const Uri* base_uri = Parsed();
  Uri resolved;
  if (base_uri == nullptr || !resolved.Resolve(ref_uri, *base_uri)) {
    return {{}, UrlDrop::kMalformed};
  }
  return Serialize(resolved.get(), max_length,
                   canonical.url.size() + ref_text.size());
}

UrlResolver::UrlResolver(std::string_view base, std::size_t max_length)
    : base_(std::make_unique<Base>()) {
  Base& b = *base_;
  b.max_length = max_length;
  if (AbsurdlyLong(base, max_length)) {
    b.drop = UrlDrop::kTooLong;
    return;
  }
  CanonicalBase& c = b.canonical;
  // A plain http(s) base with a plain host needs neither Prepare() nor
  // uriparser.
  std::string_view plain;
  const std::size_t scheme_size =
      IsPlain(base, &plain) ? SchemeSize(plain) : 0;
  if (scheme_size > 0) {
    const std::string_view base_scheme = plain.substr(0, scheme_size);
    const std::string_view rest = plain.substr(scheme_size + 1);
    const bool https = EqualsIgnoreCase(base_scheme, "https");
    if (rest.starts_with("//") &&
        (https || EqualsIgnoreCase(base_scheme, "http"))) {
      c.url.reserve(plain.size() + 1);
      c.url = https ? "https://" : "http://";
      if (AppendFromAuthority(c.url, rest, https)) {
        b.scheme = https ? "https" : "http";
        c.Index();
        return;
      }
      c.url.clear();
    }
  }

  const Prepared prepared =
      Prepare(base, std::nullopt, &b.text, &t_scratch.clean);
  TrimScratch();
  if (prepared.drop != UrlDrop::kNone) {
    b.drop = prepared.drop;
    b.text.clear();
    return;
  }
  const std::string_view text = b.text;
  b.scheme = text.starts_with("https:") ? "https" : "http";
  const std::string_view rest = text.substr(b.scheme.size() + 1);
  if (rest.starts_with("//")) {
    c.url.reserve(text.size() + 1);
    c.url.append(text.substr(0, b.scheme.size() + 1));
    c.url += "//";
    if (!AppendFromAuthority(c.url, rest, b.scheme.size() == 5)) {
      c.url.clear();
    }
  }
  if (c.url.empty()) {
    const Uri* uri = b.Parsed();
    if (uri == nullptr) return;
    UrlResult r = Serialize(uri->get(), std::string::npos, text.size());
    if (!r.ok()) return;
    c.url = std::move(r.url);
  }
  c.Index();
}

UrlResolver::~UrlResolver() = default;
UrlResolver::UrlResolver(UrlResolver&&) noexcept = default;
UrlResolver& UrlResolver::operator=(UrlResolver&&) noexcept = default;

UrlResult UrlResolver::Resolve(std::string_view ref) const {
  try {
    UrlResult result = base_->Resolve(ref);
    StripUserInfo(result.url);
    TrimScratch();
    return result;
  } catch (const std::exception&) {  // only std::bad_alloc can get here
    return {{}, UrlDrop::kMalformed};
  }
}

const char* UrlDropName(UrlDrop drop) {
  static constexpr const char* kNames[kUrlDropReasons] = {
      "none", "empty", "scheme", "too_long", "malformed", "bad_host"};
  const auto index = static_cast<std::size_t>(drop);
  return index < std::size(kNames) ? kNames[index] : "unknown";
}

UrlResult NormalizeUrl(std::string_view url, std::size_t max_length) {
  try {
    UrlResult result = NormalizeImpl(url, max_length);
    TrimScratch();
    return result;
  } catch (const std::exception&) {  // only std::bad_alloc can get here
    return {{}, UrlDrop::kMalformed};
  }
}

UrlResult ResolveUrl(std::string_view base, std::string_view ref,
                     std::size_t max_length) {
  try {
    UrlResult result = ResolveImpl(base, ref, max_length);
    StripUserInfo(result.url);
    TrimScratch();
    return result;
  } catch (const std::exception&) {
    return {{}, UrlDrop::kMalformed};
  }
}

namespace {

// Where the userinfo of a normalised URL starts (after "://") and ends
// (after its '@'); npos if it has none. Only the authority is searched.
std::pair<std::size_t, std::size_t> UserInfoSpan(std::string_view url) {
  constexpr auto npos = std::string_view::npos;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == npos) return {npos, npos};
  const std::size_t start = scheme_end + 3;
  const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const std::size_t at = url.substr(start, end - start).rfind('@');
  if (at == npos) return {npos, npos};
  return {start, start + at + 1};
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

void StripUserInfo(std::string& url) {
  const auto [start, end] = UserInfoSpan(url);
  if (start != std::string_view::npos) url.erase(start, end - start);
}

std::optional<UrlCredentials> TakeUserInfo(std::string& url) {
  const auto [start, end] = UserInfoSpan(url);
  if (start == std::string_view::npos) return std::nullopt;
  const std::string_view info = std::string_view(url).substr(start, end - 1 - start);
  const std::size_t colon = info.find(':');
  UrlCredentials c;
  c.user = PercentDecode(info.substr(0, colon));
  if (colon != std::string_view::npos) c.password = PercentDecode(info.substr(colon + 1));
  url.erase(start, end - start);
  c.origin = std::string(UrlOrigin(url));
  return c;
}

std::string_view UrlOrigin(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  return url.substr(0, std::min(url.find_first_of("/?#", scheme_end + 3), url.size()));
}

std::string_view UrlHost(std::string_view normalized_url) {
  std::size_t start = normalized_url.find("://");
  if (start == std::string_view::npos) return {};
  start += 3;
  std::size_t end = normalized_url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = normalized_url.size();
  std::string_view host = normalized_url.substr(start, end - start);
  const std::size_t at = host.rfind('@');
  if (at != std::string_view::npos) host.remove_prefix(at + 1);
  if (host.starts_with('[')) {
    const std::size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  return host.substr(0, host.find(':'));
}

}  // namespace crawl
