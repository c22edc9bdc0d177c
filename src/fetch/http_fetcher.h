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

#include "crawl/options.h"
#include "crawl/fetcher.h"
#include "crawl/url.h"
#include "fetch/http_client.h"
#include "sync/work_queue.h"

namespace crawl {


// Turns an HTTP response for `url` into a FetchResult (the rules above).
// Pure; thread-safe. Used by HttpFetcher and by event-driven engines.
FetchResult ToFetchResult(const std::string& url, const HttpResponse& response,
                          const PageOptions& options);

class HttpFetcher final : public Fetcher {
 public:
  // `outputs` keep every response received (WARC, the mirror), in this
  // order; not owned, they must outlive the fetcher. They are called on the
  // thread that turns the response into a FetchResult (see
  // PageOptions::parse_threads), and fill FetchResult::kept.
  HttpFetcher(const HttpOptions& http, const PageOptions& page,
              std::vector<ResponseSink*> outputs = {});
  // Not OK if the HTTP loop could not be started.
  Status status() const { return client_.status(); }

  FetchResult Fetch(const Request& request) override;
  Document FetchDocument(const std::string& url, int max_redirects) override;
  void FetchAsync(const Request& request, FetchCallback done) override;
  void FetchDocumentAsync(const std::string& url, int max_redirects,
                          DocumentCallback done) override;
  void CancelAll() override { client_.CancelAll(); }
  // Turns the HTTP loop here when built without its own thread
  // (HttpOptions::own_thread false); see Fetcher::Poll.
  bool Poll(std::chrono::steady_clock::time_point deadline) override {
    return client_.Poll(deadline);
  }
  // Page results carry their whole Response (FetchResult::response) from
  // now on. Call before any fetch starts.
  void KeepResponses() { keep_responses_ = true; }

 private:
  struct DocumentFetch;
  // ToFetchResult, then the outputs.
  FetchResult Process(const std::string& url, HttpResponse&& r) const;
  // A request's whole body is wanted when its response is handed on.
  bool keep_body() const { return keep_responses_; }
  void KeepResponse(const HttpResponse& r, const std::vector<std::string>& links,
                    bool html, Kept& kept) const;
  void FollowDocument(std::shared_ptr<DocumentFetch> fetch);
  WorkQueue* Parsers();  // null: parse on the loop thread

  const PageOptions page_;
  const std::vector<ResponseSink*> outputs_;
  bool keep_responses_ = false;
  // Declared before client_, so destroyed after it: the client's last
  // (cancelled) callbacks still find the pool.
  std::once_flag parsers_once_;
  std::unique_ptr<WorkQueue> parsers_;
  HttpClient client_;
};

}  // namespace crawl

#endif  // CRAWL_FETCH_HTTP_FETCHER_H_
