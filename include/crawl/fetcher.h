// crawl/fetcher.h — the Fetcher abstraction: given a URL, get the page and
// the links on it.
//
// This is the lecture's `Fetcher` interface (shared/seeds/): every crawl
// engine talks to the web only through it, so engines can be tested on canned
// graphs (FakeFetcher) and run against the real web or remote workers.
//
// Thread safety: Fetch() is called from many threads at once; every
// implementation must allow that.
#ifndef CRAWL_FETCHER_H_
#define CRAWL_FETCHER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace crawl {

// What became of one fetch.
enum class Outcome {
  kFetched,   // the page was retrieved (its links are in `links`)
  kNotFound,  // the server says the page does not exist (e.g. HTTP 404)
  kError,     // the fetch failed; `error` says why
};

// "fetched", "not_found", "error".
const char* OutcomeName(Outcome outcome);

struct FetchError {
  // A short machine-readable word, e.g. "exception", "injected", "timeout".
  std::string kind;
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
  double fetch_ms = 0;      // wall time of the fetch

  static FetchResult Fetched(std::vector<std::string> links) {
    FetchResult r;
    r.outcome = Outcome::kFetched;
    r.links = std::move(links);
    return r;
  }
  static FetchResult NotFound() {
    FetchResult r;
    r.outcome = Outcome::kNotFound;
    return r;
  }
  static FetchResult Error(std::string kind, std::string message) {
    FetchResult r;
    r.outcome = Outcome::kError;
    r.error = {std::move(kind), std::move(message)};
    return r;
  }
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;

  // Fetches `url` (absolute) and returns what became of it. Never fails by
  // returning a Status: failures are FetchResults with outcome kError.
  // Implementations should not throw; the engines still catch anything thrown
  // and record it as an error of kind "exception", so one bad fetch never
  // stops a crawl.
  // Thread-safe: called concurrently from many threads.
  virtual FetchResult Fetch(const std::string& url) = 0;
};

}  // namespace crawl

#endif  // CRAWL_FETCHER_H_
