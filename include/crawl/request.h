// crawl/request.h — one page request as the crawl makes it: the URL, where
// the crawl found it, the extra header lines to send, and a small bag of
// typed values (RequestData) that the requests made from the page's links
// inherit.
//
// crawl::Crawler's OnRequest callback (crawler.h) sees each Request before
// it is sent and may add header lines, set data, or skip it; every later
// callback about the URL gets the same Request back.
#ifndef CRAWL_REQUEST_H_
#define CRAWL_REQUEST_H_

#include <any>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl {

// Named values of any copyable type, carried from a page to the requests
// its links (and redirects) create: set "category" on a seed's request and
// every page found from it has it too, until a callback sets it anew.
// A copy is cheap (the values are shared, and copied only when one of the
// copies is changed). Not thread-safe; crawl touches a request's data only
// from inside the callbacks, which never run at once.
class RequestData {
 public:
  // Sets `key` to `value` (replacing any value, of any type).
  template <typename T>
  void Set(std::string key, T value) {
    auto values = values_ ? std::make_shared<Map>(*values_)
                          : std::make_shared<Map>();
    (*values)[std::move(key)] = std::any(std::move(value));
    values_ = std::move(values);
  }
  // The value of `key` if it is set and of type T; else null. Valid until
  // the next Set or Erase on this object.
  template <typename T>
  const T* Get(std::string_view key) const {
    if (!values_) return nullptr;
    auto it = values_->find(key);
    return it == values_->end() ? nullptr : std::any_cast<T>(&it->second);
  }
  bool Has(std::string_view key) const {
    return values_ && values_->find(key) != values_->end();
  }
  void Erase(std::string_view key) {
    if (!Has(key)) return;
    auto values = std::make_shared<Map>(*values_);
    values->erase(values->find(key));
    values_ = values->empty() ? nullptr : std::move(values);
  }
  bool empty() const { return !values_ || values_->empty(); }

 private:
  using Map = std::map<std::string, std::any, std::less<>>;
  std::shared_ptr<const Map> values_;
};

struct Request {
  Request() = default;
  // A bare request for `url`: what the lecture's Fetcher::Fetch(url) gets.
  Request(std::string url) : url(std::move(url)) {}  // NOLINT: implicit
  Request(const char* url) : url(url) {}             // NOLINT: implicit

  // The URL, absolute and normalised (url.h). The crawl's own: OnRequest
  // may read it, not change it (a request whose URL was changed fails with
  // error kind "callback", unsent).
  std::string url;
  // Links from a seed (or a Visit()ed URL, depth 0).
  int depth = 0;
  // The page whose link (or redirect) led here; empty for a seed.
  std::string parent;
  // Extra header lines for this request alone, "Name: value" (no CR, LF or
  // NUL: a request with one fails with error kind "callback"). Sent after
  // HttpOptions::headers; "Name:" removes a header, as in curl.
  std::vector<std::string> headers;
  // Inherited from `parent`'s request (or from Visit()); see RequestData.
  RequestData data;

  // OnRequest: do not fetch this URL. It gets no record; the summary counts
  // it under dropped["skipped"].
  void Skip() { skip_ = true; }
  bool skipped() const { return skip_; }

 private:
  bool skip_ = false;
};

}  // namespace crawl

#endif  // CRAWL_REQUEST_H_
