// crawl/crawler.h — crawl a graph of pages with one of the engines.
//
// The engines are the lecture's crawler written three ways (shared/seeds/):
//   serial   one fetch at a time, depth-first.
//   mutex    a bounded pool of threads shares the frontier and seen set under
//            one mutex; a pending count (queued + in flight) detects the end.
//   channel  a master thread owns the frontier and seen set; worker threads
//            fetch and send each page's links back on a Channel; the master
//            counts outstanding fetches and stops at zero.
//   event    (the default) the lecture's event-driven alternative: one thread
//            owns the frontier and starts fetches through the Fetcher's
//            asynchronous interface (FetchAsync); completions come back as
//            messages. For HTTP, one curl multi loop carries every transfer
//            and a small pool extracts links: thousands of fetches in flight
//            on a handful of threads.
// On the same graph every engine fetches the same set of pages (the pages
// whose shortest link distance from a seed is at most max_depth), fetches
// each URL at most once, and terminates.
#ifndef CRAWL_CRAWLER_H_
#define CRAWL_CRAWLER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/fetcher.h"
#include "crawl/status.h"

namespace crawl {

enum class Engine { kSerial, kMutex, kChannel, kEvent };

// Which discovered URLs may be followed (see src/scope/scope.h).
enum class ScopeMode {
  kHost,         // the seeds' hosts and ports (default ports are one)
  kHostAnyPort,  // the seeds' hosts, any port
  kDomain,  // the seeds' registrable domains (public suffix list)
  kAny,     // everywhere
};

// Live counters of a running crawl, for a progress display. Written by the
// engine, readable from any thread at any time (relaxed atomics).
struct CrawlProgress {
  std::atomic<std::uint64_t> pages{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> queued{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> bytes{0};
};

// "serial", "mutex", "channel", "event".
const char* EngineName(Engine engine);
// "host", "domain", "any".
const char* ScopeModeName(ScopeMode mode);
Result<ScopeMode> ParseScopeMode(std::string_view name);
// InvalidArgument for an unknown name.
Result<Engine> ParseEngine(std::string_view name);

struct CrawlOptions {
  // --- Affects behaviour ---
  // Where the crawl starts; at least one. Duplicates are fetched once.
  std::vector<std::string> seeds;
  Engine engine = Engine::kEvent;
  // A seed is depth 0, a page's links one deeper. Exactly the pages whose
  // shortest link distance from a seed is <= max_depth are fetched.
  // Negative: no limit.
  int max_depth = -1;
  // At most this many fetches in total (successful or not). 0: no limit.
  std::uint64_t max_pages = 0;
  // Which links and redirect targets to follow. Seeds are always fetched.
  ScopeMode scope = ScopeMode::kHost;
  std::vector<std::string> include;  // RE2 patterns on the whole URL
  std::vector<std::string> exclude;
  // A redirect target is followed as a new URL at the same depth; a chain
  // longer than this ends with an error record (kind "redirect_limit").
  int max_redirects = 20;
  // Per-host politeness: at most `per_host` fetches in flight to one host
  // (0: no limit) and `delay` seconds between requests to it, randomised
  // 0.5-1.5x and raised by a robots.txt Crawl-delay (capped).
  int per_host = 0;
  double delay = 0;
  double max_crawl_delay = 30;
  // robots.txt (RFC 9309): fetched once per scheme + authority before its
  // first page; disallowed URLs get an outcome kRobots record and are never
  // fetched. `robots_token` picks the group ("crawl" matches User-agent:
  // crawl). With `sitemaps`, robots.txt Sitemap: lines seed the crawl.
  bool obey_robots = true;
  std::string robots_token = "crawl";
  bool sitemaps = false;
  // Retries of timeouts, connection errors and HTTP 408/429/5xx: up to
  // `retries` more attempts, after Retry-After (capped at max_retry_wait) or
  // an exponential backoff from retry_base with jitter.
  int retries = 2;
  double retry_base = 1;
  double max_retry_wait = 60;
  // Spider traps: URLs admitted per host (0: no limit). URLs that repeat a
  // path segment 3 times are always dropped.
  std::uint64_t max_pages_per_host = 0;
  // URLs read from sitemaps longer than this are dropped (pages' links are
  // the fetcher's to bound).
  std::size_t max_url_length = 2048;

  // When *stop becomes true, nothing more is dispatched and the crawl ends
  // once the fetches in flight have (call Fetcher::CancelAll to hurry them).
  const std::atomic<bool>* stop = nullptr;
  // If set, kept up to date as the crawl goes.
  CrawlProgress* progress = nullptr;

  // --- Affects performance ---
  // Fetches in flight at once (threads of the mutex and channel engines;
  // outstanding asynchronous fetches of the event engine). Ignored by the
  // serial engine. Must be >= 1.
  int concurrency = 16;
};

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
  bool stopped = false;         // *options.stop was set
  std::uint64_t discovered = 0; // distinct URLs seen (fetched or not)
  // Threads that fetched: 1 for the serial engine and the event engine (its
  // one dispatching thread; the fetcher's own threads are not counted), else
  // `concurrency`, or fewer if the system refused to start more.
  int threads = 0;
  double seconds = 0;           // wall time of the crawl
};

// OK if Crawl() would accept `options`; else InvalidArgument saying why.
// Lets a caller check before it creates output files.
Status ValidateCrawlOptions(const CrawlOptions& options);

// Crawls from options.seeds with options.engine, fetching through `fetcher`
// and streaming one record per fetch to `sink`. Returns when nothing is
// queued and nothing is in flight. InvalidArgument if the options are not
// valid (no seeds, a seed that is not an http(s) URL, concurrency < 1, a bad
// pattern); Internal if not a single fetching thread could be started; fetch
// failures never make it fail. Seeds are normalised (url.h) first.
// `fetcher` and `sink` are borrowed for the duration of the call.
Result<CrawlSummary> Crawl(const CrawlOptions& options, Fetcher& fetcher,
                           RecordSink& sink);

}  // namespace crawl

#endif  // CRAWL_CRAWLER_H_
