#include "benchsite/request_parser.h"

#include <charconv>
#include <cstring>

namespace crawl {
namespace {

// RFC 9110 tchar.
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Removes and returns the first line of `*rest` (without its CRLF or LF).
std::string_view NextLine(std::string_view* rest) {
  const std::size_t nl = rest->find('\n');
  std::string_view line = rest->substr(0, nl);
  rest->remove_prefix(nl == std::string_view::npos ? rest->size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// "GET /x HTTP/1.1": exactly single spaces between the three parts.
bool ParseRequestLine(std::string_view line, RequestHead* out) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  out->method = line.substr(0, sp1);
  out->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(out->method) || out->target.empty()) return false;
  for (const char c : out->target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  if (version.size() != 8 || !version.starts_with("HTTP/1.") ||
      version[7] < '0' || version[7] > '9') {
    return false;
  }
  out->minor_version = version[7] - '0';
  return true;
}

// What the Connection field values seen so far asked for.
struct ConnectionTokens {
  bool close = false;
  bool keep_alive = false;
};

void ParseConnection(std::string_view value, ConnectionTokens* tokens) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view token = TrimSpace(value.substr(0, comma));
    if (EqualsNoCase(token, "close")) tokens->close = true;
    if (EqualsNoCase(token, "keep-alive")) tokens->keep_alive = true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// A Content-Length value; false if it is not a plain decimal number or
// contradicts an earlier one.
bool ParseContentLength(std::string_view value, bool* seen,
                        std::uint64_t* length) {
  std::uint64_t n = 0;
  const char* end = value.data() + value.size();
  const auto r = std::from_chars(value.data(), end, n);
  if (value.empty() || r.ec != std::errc() || r.ptr != end ||
      value.front() == '+' || value.front() == '-') {
    return false;
  }
  if (*seen && n != *length) return false;
  *seen = true;
  *length = n;
  return true;
}

}  // namespace

std::size_t FindRequestHeadEnd(std::string_view data, std::size_t from) {
  std::size_t i = from;
  while (i < data.size()) {
    const std::size_t nl = data.find('\n', i);
    if (nl == std::string_view::npos) break;
    if (nl + 1 < data.size() && data[nl + 1] == '\n') return nl + 2;
    if (nl + 2 < data.size() && data[nl + 1] == '\r' && data[nl + 2] == '\n') {
      return nl + 3;
    }
    i = nl + 1;
  }
  return std::string_view::npos;
}

bool ParseRequestHead(std::string_view head, RequestHead* out) {
  *out = RequestHead();
  if (!ParseRequestLine(NextLine(&head), out)) return false;
  ConnectionTokens connection;
  bool length_seen = false;
  for (std::string_view line = NextLine(&head); !line.empty();
       line = NextLine(&head)) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = TrimSpace(line.substr(colon + 1));
    if (!IsToken(name)) return false;  // also rejects obs-fold and "Name :"
    if (value.find_first_of(std::string_view("\0\r", 2)) !=
        std::string_view::npos) {
      return false;
    }
    if (EqualsNoCase(name, "connection")) {
      ParseConnection(value, &connection);
    } else if (EqualsNoCase(name, "content-length")) {
      if (!ParseContentLength(value, &length_seen, &out->content_length)) {
        return false;
      }
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      return false;
    }
  }
  out->keep_alive = out->minor_version >= 1
                        ? !connection.close
                        : connection.keep_alive && !connection.close;
  return true;
}

}  // namespace crawl
