// crawl/record.h — what a crawl reports: one PageRecord per URL it is done
// with, and a CrawlSummary at the end.
#ifndef CRAWL_RECORD_H_
#define CRAWL_RECORD_H_

#include <cstdint>
#include <map>
#include <string>

#include "crawl/fetcher.h"

namespace crawl {

// One fetched URL, as streamed to a RecordSink.
struct PageRecord {
  std::string url;
  // The shortest link distance from a seed known when the fetch completed.
  int depth = 0;
  // Redirects followed to reach this URL from a page that was linked.
  int hops = 0;
  // Attempts are in result.attempts.
  // The page through which the crawl reached this URL; empty for a seed.
  std::string parent;
  // The fetch's result; `links` holds the page's outgoing links.
  FetchResult result;
};

// Receives one record per fetched URL, as the crawl goes.
// Thread safety: an engine never calls OnRecord concurrently with itself, but
// may call it from any of its threads. OnRecord must not throw; a sink that
// can fail remembers the failure (see JsonlSink::status()).
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void OnRecord(const PageRecord& record) = 0;
};

struct CrawlSummary {
  std::uint64_t pages = 0;      // fetches completed (= records emitted)
  std::uint64_t fetched = 0;    // outcome kFetched
  std::uint64_t redirects = 0;  // outcome kRedirect
  std::uint64_t not_found = 0;  // outcome kNotFound
  std::uint64_t http_errors = 0;  // outcome kHttpError
  std::uint64_t errors = 0;     // outcome kError (including exceptions)
  std::uint64_t robots = 0;     // outcome kRobots (never fetched)
  std::uint64_t retries = 0;    // extra attempts made
  std::uint64_t bytes = 0;      // body bytes received
  // Pages by HTTP status class: "2xx", "3xx", "4xx", "5xx", and "none" for
  // fetches without a status.
  std::map<std::string, std::uint64_t> status_classes;
  // Errors (outcome kError) by kind.
  std::map<std::string, std::uint64_t> error_kinds;
  // URLs not fetched, by reason: what pages linked but could not be used
  // ("scheme", "malformed", ...), what scope rejected ("scope", "include",
  // "exclude"), and what limits left ("depth", "max_pages", "stopped").
  std::map<std::string, std::uint64_t> dropped;
  // Exceptions thrown by crawl::Crawler's OnError and OnRecord callbacks
  // (those thrown by the others are the URLs' results).
  std::uint64_t callback_errors = 0;
  bool stopped = false;         // *options.stop was set
  std::uint64_t discovered = 0; // distinct URLs seen (fetched or not)
  // Threads that fetched: 1 for the serial engine and the event engine (its
  // one dispatching thread; the fetcher's own threads are not counted), else
  // `concurrency`, or fewer if the system refused to start more.
  int threads = 0;
  double seconds = 0;           // wall time of the crawl
  // With a state directory (CrawlerOptions::state_dir): the counts above
  // are the whole crawl's, over every run. `resumed`: this run took up an
  // earlier one's crawl, fetching `requeued` URLs that were in flight when
  // it ended once more; `already_finished`: that crawl had run to its end,
  // and this run did nothing.
  bool resumed = false;
  std::uint64_t requeued = 0;
  bool already_finished = false;
};

}  // namespace crawl

#endif  // CRAWL_RECORD_H_
