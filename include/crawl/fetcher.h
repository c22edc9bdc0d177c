// crawl/fetcher.h — the Fetcher abstraction: given a URL, get the page and
// the links on it.
//
// This is the lecture's `Fetcher` interface (shared/seeds/): every crawl
// engine talks to the web only through it, so engines can be tested on canned
// graphs (FakeFetcher) and run against the real web or remote workers.
//
// Thread safety: Fetch() is called from many threads at once; every
// implementation must allow that. FetchAsync() is the event-driven form of
// Fetch(): it returns at once and reports the result through a callback.
#ifndef CRAWL_FETCHER_H_
#define CRAWL_FETCHER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <memory>

#include "crawl/request.h"
#include "crawl/response.h"

namespace crawl {

// What became of one fetch.
enum class Outcome {
  kFetched,    // the page was retrieved (HTTP 2xx); its links are in `links`
  kRedirect,   // HTTP 3xx pointing at `redirect_to`
  kNotFound,   // the page does not exist (HTTP 404 or 410)
  kHttpError,  // any other HTTP status >= 400 (or a 3xx with no Location)
  kError,      // no usable response; `error` says why
  kRobots,     // not fetched: robots.txt disallows it (set by the crawl)
};

// "fetched", "redirect", "not_found", "http_error", "error", "robots".
const char* OutcomeName(Outcome outcome);

struct FetchError {
  ErrorKind kind = ErrorKind::kNone;  // kNone: no error
  // A human-readable sentence.
  std::string message;
};

// The result of one fetch. A failed fetch is a result, not an exception.
struct FetchResult {
  Outcome outcome = Outcome::kError;
  // Absolute URLs of the page's outgoing links, in document order.
  std::vector<std::string> links;
  // Set when outcome == kError (and optionally for kNotFound).
  FetchError error;

  // Filled by fetchers that speak HTTP; zero / empty otherwise.
  int http_status = 0;
  std::string content_type;
  std::uint64_t bytes = 0;  // body bytes received (decoded)
  bool truncated = false;   // the body hit the size cap
  double fetch_ms = 0;      // wall time of the fetch
  // For kRedirect: the Location, resolved and normalised. The crawl treats
  // it as a new URL (scoped, deduplicated), not as something already fetched.
  std::string redirect_to;
  // Links found on the page but not usable, by reason ("scheme", "too_long",
  // "malformed", "bad_host", "empty", "max_links", ...).
  std::map<std::string, std::uint32_t> dropped_links;
  // When the fetch started (set by the engine).
  std::chrono::system_clock::time_point fetched_at;
  // The server's Retry-After, in seconds (from seconds or an HTTP-date);
  // negative if none.
  double retry_after_s = -1;
  // Attempts made (set by the crawl when it retries).
  int attempts = 1;
  // Why the page's links were not followed, if robots directives said so:
  // "meta" (<meta name=robots content=nofollow|none>) or "header"
  // (X-Robots-Tag). `links` is then empty.
  std::string nofollow;
  // Those of `links` whose element had rel=nofollow (followed all the same:
  // a hint for search engines, not an instruction to a crawler).
  std::vector<std::string> nofollow_links;
  // The body was HTML (its links were read).
  bool html = false;
  // Where the outputs (WARC, the mirror) kept the response.
  Kept kept;
  // The whole response, for fetchers that speak HTTP, when the crawl asked
  // for it (crawl::Crawler's OnResponse); null otherwise.
  std::shared_ptr<const Response> response;

  static FetchResult Fetched(std::vector<std::string> links) {
    FetchResult r;
    r.outcome = Outcome::kFetched;
    r.links = std::move(links);
    return r;
  }
  static FetchResult Redirect(std::string to) {
    FetchResult r;
    r.outcome = Outcome::kRedirect;
    r.redirect_to = std::move(to);
    return r;
  }
  static FetchResult NotFound() {
    FetchResult r;
    r.outcome = Outcome::kNotFound;
    return r;
  }
  static FetchResult Error(ErrorKind kind, std::string message) {
    FetchResult r;
    r.outcome = Outcome::kError;
    r.error = {kind, std::move(message)};
    return r;
  }
};

// A whole document, for robots.txt and sitemaps: redirects followed (up to
// the given number), body kept whatever its type (up to the fetcher's size
// cap).
struct Document {
  int http_status = 0;     // of the last response; 0 if none
  std::string body;
  std::string final_url;   // after redirects
  FetchError error;        // kind kNone if a response was received
  bool truncated = false;
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;

  // Fetches `request.url` (absolute, normalised; see url.h), sending
  // `request.headers` too if the fetcher speaks HTTP, and returns what became
  // of it. A Request converts from a URL string: fetcher.Fetch(url).
  // `links` and `redirect_to` must be absolute normalised URLs too
  // (FakeFetcher's canned URLs are written so). Never fails by
  // returning a Status: failures are FetchResults with outcome kError.
  // Implementations should not throw; the engines still catch anything thrown
  // and record it as an error of kind "exception", so one bad fetch never
  // stops a crawl.
  // Thread-safe: called concurrently from many threads.
  virtual FetchResult Fetch(const Request& request) = 0;

  // Fetches `url` as a Document, following up to `max_redirects` redirects.
  // Thread-safe. The default answers 404 (a fetcher that has no documents:
  // "no robots.txt", which allows everything).
  virtual Document FetchDocument(const std::string& url, int max_redirects) {
    (void)max_redirects;
    Document d;
    d.http_status = 404;
    d.final_url = url;
    return d;
  }

  // The asynchronous interface, for event-driven engines: no thread waits
  // on a fetch. Starts fetching `url` and calls `done` exactly once with what
  // Fetch(url) would return (an exception becomes an error result of kind
  // "exception"). `done` may run on any thread, possibly before FetchAsync
  // returns; it must be quick and must not call back into the fetcher.
  // FetchAsync never throws. The default runs Fetch() on the calling thread;
  // fetchers built on an event loop (HttpFetcher) override it so that
  // thousands of fetches can be in flight without a thread each.
  // Thread-safe.
  using FetchCallback = std::function<void(FetchResult)>;
  using DocumentCallback = std::function<void(Document)>;
  virtual void FetchAsync(const Request& request, FetchCallback done);
  // FetchDocument, asynchronously, with the same contract as FetchAsync.
  virtual void FetchDocumentAsync(const std::string& url, int max_redirects,
                                  DocumentCallback done);

  // For a fetcher whose event loop runs on the caller's thread (HttpFetcher
  // built without a loop thread): runs it until at least one FetchAsync
  // callback has run, or `deadline`, and returns true. Callbacks then run on
  // this thread, inside Poll. Returns false at once if the fetcher has no
  // loop to lend (the default): its callbacks come from its own threads.
  // Called by one thread at a time: the engine's.
  virtual bool Poll(std::chrono::steady_clock::time_point deadline) {
    (void)deadline;
    return false;
  }

  // Asks fetches in flight to end soon (a crawl is being stopped); they
  // return errors of kind "cancelled". Thread-safe. The default does nothing
  // (fetches that end quickly anyway).
  virtual void CancelAll() {}
};

}  // namespace crawl

#endif  // CRAWL_FETCHER_H_
