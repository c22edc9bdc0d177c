#include "output/surt.h"

#include <algorithm>
#include <vector>

#include "util/ascii.h"

namespace crawl {
namespace {

// The WHATWG URL parser's percent-encode sets for a special URL's path and
// query (C0 controls and bytes above '~' in both).
bool EncodeInPath(unsigned char c) {
  return c <= 0x20 || c > 0x7e || c == '"' || c == '#' || c == '<' ||
         c == '>' || c == '?' || c == '`' || c == '{' || c == '}';
}
bool EncodeInQuery(unsigned char c) {
  return c <= 0x20 || c > 0x7e || c == '"' || c == '#' || c == '<' ||
         c == '>' || c == '\'';
}

void AppendEncoded(std::string& out, std::string_view s,
                   bool (*encode)(unsigned char)) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (encode(b)) {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string Surt(std::string_view url) {
  const bool https = url.starts_with("https:");
  if (!https && !url.starts_with("http:")) return std::string(url);
  std::string u(url);
  // /^(https?:\/\/)www\d*\./ — case-sensitive, before lower-casing, as
  // warcio does it.
  const std::size_t after = https ? 8 : 7;
  if (u.size() > after && u.compare(after - 2, 2, "//") == 0 &&
      u.compare(after, 3, "www") == 0) {
    std::size_t q = after + 3;
    while (q < u.size() && u[q] >= '0' && u[q] <= '9') ++q;
    if (q < u.size() && u[q] == '.') u.erase(after, q + 1 - after);
  }
  for (char& c : u) c = AsciiLower(c);

  std::string_view rest(u);
  rest.remove_prefix(https ? 6 : 5);
  while (rest.starts_with("/")) rest.remove_prefix(1);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos &&
      (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    // The URL parser reads the port as a number: "080" is 80.
    while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);
    if (port == (https ? "443" : "80")) port = {};
  }

  std::string key;
  key.reserve(u.size() + 2);
  // hostname.split('.').reverse().join(',')
  std::vector<std::string_view> labels;
  while (true) {
    const std::size_t dot = host.find('.');
    labels.push_back(host.substr(0, dot));
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  for (std::size_t i = labels.size(); i-- > 0;) {
    key.append(labels[i]);
    if (i > 0) key.push_back(',');
  }
  if (!port.empty()) {
    key.push_back(':');
    key.append(port);
  }
  key.push_back(')');

  const std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  const std::size_t qmark = rest.find('?');
  std::string_view path = rest.substr(0, qmark);
  if (path.empty()) {
    key.push_back('/');
  } else {
    AppendEncoded(key, path, EncodeInPath);
  }
  if (qmark != std::string_view::npos && qmark + 1 < rest.size()) {
    std::string encoded;
    AppendEncoded(encoded, rest.substr(qmark + 1), EncodeInQuery);
    std::string_view query = encoded;
    std::vector<std::string_view> parts;
    while (true) {
      const std::size_t amp = query.find('&');
      parts.push_back(query.substr(0, amp));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    // JavaScript's default sort compares UTF-16 code units: for ASCII, the
    // byte order.
    std::sort(parts.begin(), parts.end());
    key.push_back('?');
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) key.push_back('&');
      key.append(parts[i]);
    }
  }
  return key;
}

void AppendJsStringLiteral(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (b < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[b >> 4]);
          out.push_back(kHex[b & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace crawl
