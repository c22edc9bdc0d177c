#include "benchsite/site_page.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace crawl {
namespace {

// The splitmix64 finaliser: a cheap hash with good avalanche.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void AppendNumber(std::uint64_t n, std::string* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out->append(buf, r.ptr);
}

// `size` bytes of words and newlines: no markup, no character references.
std::string MakePadding(std::size_t size) {
  static constexpr std::string_view kWords[] = {
      "lorem", "ipsum", "dolor", "sit",    "amet",    "consectetur",
      "adipiscing", "elit", "sed", "do",   "eiusmod", "tempor",
      "incididunt", "ut",  "labore", "et", "dolore",  "magna", "aliqua"};
  std::string text;
  text.reserve(size + 16);
  std::size_t line = 0;
  for (std::uint64_t n = 0; text.size() < size; ++n) {
    const std::string_view word = kWords[Mix(n) % std::size(kWords)];
    if (line + word.size() > 72) {
      text += '\n';
      line = 0;
    } else if (line > 0) {
      text += ' ';
      ++line;
    }
    text += word;
    line += word.size();
  }
  text.resize(size);
  return text;
}

}  // namespace

SiteLink SiteLinkAt(std::uint64_t pages, std::uint64_t i, std::uint64_t k) {
  const std::uint64_t h = Mix(Mix(i) + k);
  const std::uint64_t target = k == 0 ? (i + 1) % pages : h % pages;
  return SiteLink{target, h >> 62};
}

static std::string PortSuffix(std::string_view origin) {
  const std::size_t colon = origin.rfind(':');
  const std::size_t slashes = origin.find("//");
  if (colon == std::string_view::npos ||
      (slashes != std::string_view::npos && colon < slashes + 2)) {
    return "";
  }
  return std::string(origin.substr(colon));
}

PageRenderer::PageRenderer(const SiteOptions& options, std::string origin)
    : pages_(options.pages),
      hosts_(options.hosts),
      fanout_(options.fanout),
      page_size_(options.page_size),
      origin_(std::move(origin)),
      port_suffix_(PortSuffix(origin_)),
      padding_(MakePadding(options.page_size)) {}

void PageRenderer::AppendOrigin(std::uint64_t i, std::string* out) const {
  if (hosts_ <= 1) {
    *out += origin_;
    return;
  }
  *out += "http://h";
  AppendNumber(i % hosts_, out);
  *out += ".bench.test";
  *out += port_suffix_;
}

void PageRenderer::AppendHead(std::uint64_t i, std::string* out) const {
  *out += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Page ";
  AppendNumber(i, out);
  *out += "</title></head>\n<body>\n<h1>Page ";
  AppendNumber(i, out);
  *out += "</h1>\n<ul>\n";
  for (int k = 0; k < fanout_; ++k) {
    const SiteLink link = SiteLinkAt(pages_, i, static_cast<std::uint64_t>(k));
    AppendLink(i, link.target, link.form, out);
  }
  *out += "</ul>\n<p>";
}

// Forms: 0 absolute path; 1 relative to the page's directory ("/" for page
// 0, "/p/" for the others); 2 the same with dot segments, or an absolute
// path with a fragment for the root; 3 absolute URL. A link to another
// virtual host is always form 3.
void PageRenderer::AppendLink(std::uint64_t from, std::uint64_t to,
                              std::uint64_t form, std::string* out) const {
  *out += "<li><a href=\"";
  if (hosts_ > 1 && from % hosts_ != to % hosts_) form = 3;
  const bool at_root = from == 0;
  const bool to_root = to == 0;
  switch (form) {
    case 1:
      *out += to_root ? (at_root ? "./" : "../") : (at_root ? "p/" : "");
      break;
    case 2:
      if (to_root) {
        *out += at_root ? "./#top" : "../#top";
        break;
      }
      *out += at_root ? "./p/" : "../p/";
      break;
    case 3:
      AppendOrigin(to, out);
      [[fallthrough]];
    default:
      *out += to_root ? "/" : "/p/";
      break;
  }
  if (!to_root) {
    AppendNumber(to, out);
    *out += form == 2 ? ".html#top" : ".html";
  }
  *out += "\">page ";
  AppendNumber(to, out);
  *out += "</a></li>\n";
}

Status ValidateSiteOptions(const SiteOptions& o) {
  if (o.pages < 1) return Status::InvalidArgument("pages must be >= 1");
  if (o.fanout < 0 || o.fanout > 100'000) {
    return Status::InvalidArgument("fanout must be in 0..100000");
  }
  if (o.page_size > (std::size_t{64} << 20)) {
    return Status::InvalidArgument("page_size must be <= 64 MiB");
  }
  if (o.latency.count() < 0) {
    return Status::InvalidArgument("latency must be >= 0");
  }
  if (o.hosts < 1 || o.hosts > 1'000'000) {
    return Status::InvalidArgument("hosts must be in 1..1000000");
  }
  if (o.threads < 1 || o.threads > 64) {
    return Status::InvalidArgument("threads must be in 1..64");
  }
  if (o.max_connections < 1) {
    return Status::InvalidArgument("max_connections must be >= 1");
  }
  if (o.idle_timeout.count() <= 0) {
    return Status::InvalidArgument("idle_timeout must be > 0");
  }
  return Status::Ok();
}

std::string SitePagePath(std::uint64_t i) {
  if (i == 0) return "/";
  std::string path = "/p/";
  AppendNumber(i, &path);
  path += ".html";
  return path;
}

std::string SiteHostName(std::uint64_t k) {
  std::string name = "h";
  AppendNumber(k, &name);
  name += ".bench.test";
  return name;
}

std::string SiteUrl(const SiteOptions& options, std::uint16_t port,
                    std::uint64_t i) {
  std::string url = "http://";
  url += options.hosts > 1 ? SiteHostName(i % options.hosts) : "127.0.0.1";
  url += ':';
  AppendNumber(port, &url);
  url += SitePagePath(i);
  return url;
}

std::optional<std::uint64_t> SitePageIndex(const SiteOptions& options,
                                           std::string_view target) {
  if (target == "/") return 0;
  constexpr std::string_view kPrefix = "/p/", kSuffix = ".html";
  if (target.size() <= kPrefix.size() + kSuffix.size() ||
      !target.starts_with(kPrefix) || !target.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = target.substr(
      kPrefix.size(), target.size() - kPrefix.size() - kSuffix.size());
  if (digits[0] == '0') return std::nullopt;  // "0", or a leading zero
  std::uint64_t i = 0;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() ||
      i >= options.pages) {
    return std::nullopt;
  }
  return i;
}

std::vector<std::uint64_t> SiteLinks(const SiteOptions& options,
                                     std::uint64_t i) {
  std::vector<std::uint64_t> links;
  links.reserve(static_cast<std::size_t>(std::max(options.fanout, 0)));
  for (int k = 0; k < options.fanout; ++k) {
    links.push_back(
        SiteLinkAt(options.pages, i, static_cast<std::uint64_t>(k)).target);
  }
  return links;
}

std::string SitePageBody(const SiteOptions& options, std::uint64_t i,
                         std::string_view origin) {
  const PageRenderer renderer(options, std::string(origin));
  std::string body;
  renderer.AppendHead(i, &body);
  body += renderer.padding().substr(0, renderer.PaddingFor(body.size()));
  body += kPageTail;
  return body;
}

}  // namespace crawl
