// PageRenderer: the pages of the synthetic site (site_server.h), rendered
// piecewise so that the server can send the padding from one shared text
// instead of copying it into every response.
//
// A page body is Head(i) + padding().substr(0, PaddingFor(Head(i).size()))
// + kPageTail.
//
// Thread safety: a PageRenderer is immutable after construction; any number
// of threads may use one at once.
#ifndef CRAWL_BENCHSITE_SITE_PAGE_H_
#define CRAWL_BENCHSITE_SITE_PAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "benchsite/site_server.h"

namespace crawl {

inline constexpr std::string_view kPageTail = "</p>\n</body></html>\n";

class PageRenderer {
 public:
  // `origin` is "http://127.0.0.1:PORT" (for the absolute-URL links; with
  // hosts > 1 its ":PORT" follows each "http://h<k>.bench.test").
  // Requires ValidateSiteOptions(options).ok().
  PageRenderer(const SiteOptions& options, std::string origin);

  // Appends the body of page i (< pages) up to the padding: the HTML head,
  // the links, and the "<p>" that opens the padding.
  void AppendHead(std::uint64_t i, std::string* out) const;

  // How much padding follows a head of `head_size` bytes.
  std::size_t PaddingFor(std::size_t head_size) const {
    const std::size_t used = head_size + kPageTail.size();
    return used >= page_size_ ? 0 : page_size_ - used;
  }

  // Text without markup, at least as long as any PaddingFor().
  std::string_view padding() const { return padding_; }

 private:
  void AppendLink(std::uint64_t from, std::uint64_t to, std::uint64_t form,
                  std::string* out) const;
  // The origin of page i's host, no trailing slash.
  void AppendOrigin(std::uint64_t i, std::string* out) const;

  const std::uint64_t pages_;
  const std::uint64_t hosts_;
  const int fanout_;
  const std::size_t page_size_;
  const std::string origin_;
  const std::string port_suffix_;  // ":PORT" of origin_, for hosts_ > 1
  const std::string padding_;
};

// The k-th link of page i (k < fanout): its target and how it is written
// (0..3, see AppendLink). For SiteLinks and the renderer alike.
struct SiteLink {
  std::uint64_t target;
  std::uint64_t form;
};
SiteLink SiteLinkAt(std::uint64_t pages, std::uint64_t i, std::uint64_t k);

}  // namespace crawl

#endif  // CRAWL_BENCHSITE_SITE_PAGE_H_
