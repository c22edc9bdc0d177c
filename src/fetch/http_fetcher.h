// HttpFetcher: the Fetcher for the real web, over HttpClient's event loop.
//   - FetchAsync() (the event engine) starts a transfer on the loop; when it
//     ends, the response is turned into a FetchResult and handed to the
//     callback, on the loop thread or on a pool of parse threads
//     (PageOptions::parse_threads). No thread waits on a transfer.
//   - Fetch() (the thread engines) is the thin blocking wrapper, as
//     curl_easy_perform is over curl multi: it starts a transfer and waits,
//     then parses on the calling thread — so link extraction runs in
//     parallel on the engine's threads, not on the loop.
//
// The response becomes: 2xx -> kFetched (links extracted if the body is HTML:
// Content-Type text/html or application/xhtml+xml, or no Content-Type and a
// body that sniffs as HTML); 301/302/303/307/308 with a Location -> kRedirect
// with redirect_to resolved and normalised; 404/410 -> kNotFound; any other
// status (>= 400, 1xx, a 3xx that is no redirect such as 304, or a redirect
// without a usable Location) -> kHttpError; no usable response -> kError
// (HttpResponse::error_kind: a cut-off response is "truncated", a malformed
// one "bad_response", a broken Content-Encoding "decoding").
//
// Thread safety: Fetch() and CancelAll() may be called from any thread
// (never from an HttpClient callback).
#ifndef CRAWL_FETCH_HTTP_FETCHER_H_
#define CRAWL_FETCH_HTTP_FETCHER_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crawl/fetcher.h"
#include "crawl/url.h"
#include "fetch/http_client.h"
#include "sync/work_queue.h"

namespace crawl {

struct PageOptions {
  std::size_t max_url_length = kDefaultMaxUrlLength;
  std::size_t max_links_per_page = 10'000;
  // Where FetchAsync turns responses into links: 0 on the HTTP loop thread
  // itself (no hand-off), N > 0 on a pool of N threads (started on first
  // use), -1 on a pool of one thread per core.
  int parse_threads = 0;
  // Honour a page's <meta name=robots> and X-Robots-Tag nofollow / none
  // (the page's links are then not followed); `robots_token` is the
  // product token they may name (lower case).
  bool obey_meta_robots = false;
  std::string robots_token;
  // Outputs that keep every response received (WARC, the mirror), in this
  // order; not owned, must outlive the fetcher. Called on the thread that
  // turns the response into a FetchResult (see parse_threads), which fills
  // FetchResult::kept.
  std::vector<ResponseSink*> outputs;
};

// Turns an HTTP response for `url` into a FetchResult (the rules above).
// Pure; thread-safe. Used by HttpFetcher and by event-driven engines.
FetchResult ToFetchResult(const std::string& url, const HttpResponse& response,
                          const PageOptions& options);

class HttpFetcher final : public Fetcher {
 public:
  HttpFetcher(const HttpOptions& http, const PageOptions& page);
  // Not OK if the HTTP loop could not be started.
  Status status() const { return client_.status(); }

  FetchResult Fetch(const std::string& url) override;
  Document FetchDocument(const std::string& url, int max_redirects) override;
  void FetchAsync(const std::string& url, FetchCallback done) override;
  void FetchDocumentAsync(const std::string& url, int max_redirects,
                          DocumentCallback done) override;
  void CancelAll() override { client_.CancelAll(); }
  // Turns the HTTP loop here when built without its own thread
  // (HttpOptions::own_thread false); see Fetcher::Poll.
  bool Poll(std::chrono::steady_clock::time_point deadline) override {
    return client_.Poll(deadline);
  }

 private:
  struct DocumentFetch;
  // ToFetchResult, then the outputs.
  FetchResult Process(const std::string& url, HttpResponse&& r) const;
  void KeepResponse(const HttpResponse& r, const std::vector<std::string>& links,
                    bool html, Kept& kept) const;
  void FollowDocument(std::shared_ptr<DocumentFetch> fetch);
  WorkQueue* Parsers();  // null: parse on the loop thread

  const PageOptions page_;
  // Declared before client_, so destroyed after it: the client's last
  // (cancelled) callbacks still find the pool.
  std::once_flag parsers_once_;
  std::unique_ptr<WorkQueue> parsers_;
  HttpClient client_;
};

}  // namespace crawl

#endif  // CRAWL_FETCH_HTTP_FETCHER_H_
