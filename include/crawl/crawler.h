// crawl/crawler.h — crawl::Crawler, the crawler to embed: options in,
// callbacks out, records and archives kept.
//
//   crawl::CrawlerOptions options;
//   options.crawl.seeds = {"https://example.com/"};
//   options.output.warc.emplace();
//   options.output.warc->name = "example";               // example.warc.gz
//   auto crawler = crawl::Crawler::Open(options);        // Status, not throw
//   if (!crawler.ok()) { ...crawler.status().message()... }
//   (*crawler)->OnRecord([](const crawl::PageRecord& r) { ... });
//   auto summary = (*crawler)->Run();                     // until done
//
// The crawl is the command-line tool's: the same policy (scope, depth,
// robots.txt, politeness, retries, traps), the event engine on one libcurl
// loop, and the same outputs (JSON Lines, WARC with CDXJ, a mirror), chosen
// in CrawlerOptions (options.h).
//
// Callbacks. Set them before Run(); each replaces any set before. For each
// page URL, in this order:
//   1. OnRequest  once, before the first attempt (retries resend the same
//                 request): may add header lines, set data, or Skip().
//   2. OnResponse for every response received for it (a retried 503 too),
//                 with the status, headers and body (or its spill file).
//   3. OnLinks    once, for a page fetched (2xx) whose body was HTML: may
//                 remove links or add others, before they are followed.
//   4. OnError    once, if the URL failed: no usable response (error.kind
//                 says why), or a status >= 400 (kind kHttpStatus).
//   5. OnRecord   once: the URL's summary record (what JSON Lines writes).
// A URL robots.txt disallows gets only OnRecord (outcome kRobots); one
// OnRequest skipped gets nothing more. robots.txt and sitemap fetches are
// the crawl's own: they reach the outputs, not the callbacks.
//
// Threads. Callbacks are never called at once: each returns before the next
// begins, so they may share state without locks. With the event engine
// (the default) they all run on the thread that called Run(); with the
// lecture's thread engines, on whichever crawl thread is due. A callback
// holds up the crawl while it runs: keep it short, or hand work to a thread
// of your own. The references a callback gets are valid only during the
// call: copy what you keep.
//
// Errors are values. A callback that throws does not stop the crawl: the
// exception becomes the URL's result (outcome kError, kind kCallback, the
// message naming the callback and what() it threw); one thrown by OnError
// or OnRecord is counted in CrawlSummary::callback_errors.
//
// Stopping. Stop() may be called from any thread or from inside a callback:
// nothing more is dispatched, transfers in flight are cancelled (their
// records say kind kCancelled), and Run() returns within a second, with the
// outputs closed on whole records.
#ifndef CRAWL_CRAWLER_H_
#define CRAWL_CRAWLER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawl/fetcher.h"
#include "crawl/options.h"
#include "crawl/record.h"
#include "crawl/request.h"
#include "crawl/response.h"
#include "crawl/status.h"

namespace crawl {

// A fetched page's links, as OnLinks sees them: absolute, normalised, in
// document order. What is left after the callback is what the crawl follows
// (scope, depth and robots.txt still apply).
class Links {
 public:
  Links(std::vector<std::string>& urls, std::string_view page_url,
        std::size_t max_url_length = kDefaultMaxUrlLength)
      : urls_(urls), page_url_(page_url), max_url_length_(max_url_length) {}

  const std::vector<std::string>& urls() const { return urls_; }
  std::size_t size() const { return urls_.size(); }
  bool empty() const { return urls_.empty(); }
  auto begin() const { return urls_.cbegin(); }
  auto end() const { return urls_.cend(); }

  // Keeps only the links for which keep(url) is true.
  template <typename Predicate>
  void Keep(Predicate keep) {
    std::erase_if(urls_, [&keep](const std::string& url) { return !keep(url); });
  }
  void Clear() { urls_.clear(); }
  // Adds `url`, resolved against the page's URL and normalised; false (and
  // nothing added) if it is not a usable http(s) URL.
  bool Add(std::string_view url);

 private:
  std::vector<std::string>& urls_;
  std::string_view page_url_;
  std::size_t max_url_length_;
};

class Crawler {
 public:
  // Checks `options` and opens the outputs (creating or truncating their
  // files) and the HTTP loop. InvalidArgument for options that cannot work
  // (no seed, a seed that is not http(s), a bad pattern, a WARC without
  // HTTP), naming the option; IoError for an output that cannot be opened;
  // Internal if the HTTP loop cannot start.
  static Result<std::unique_ptr<Crawler>> Open(CrawlerOptions options);
  // The same crawl through `fetcher` instead of HTTP (a FakeFetcher, the
  // lecture's graphs): options.http and the WARC and mirror outputs are not
  // used (asking for those is InvalidArgument), and OnResponse is called
  // only for results that carry a Response.
  static Result<std::unique_ptr<Crawler>> Open(CrawlerOptions options,
                                               std::unique_ptr<Fetcher> fetcher);
  // Closes the outputs if Run() did not. Must not run while Run() does.
  ~Crawler();
  Crawler(const Crawler&) = delete;
  Crawler& operator=(const Crawler&) = delete;

  // See the callbacks above. Set before Run().
  using RequestCallback = std::function<void(Request& request)>;
  using ResponseCallback =
      std::function<void(const Request& request, const Response& response)>;
  using LinksCallback = std::function<void(const Request& request, Links& links)>;
  using ErrorCallback =
      std::function<void(const PageRecord& record, const FetchError& error)>;
  using RecordCallback = std::function<void(const PageRecord& record)>;
  void OnRequest(RequestCallback callback);
  void OnResponse(ResponseCallback callback);
  void OnLinks(LinksCallback callback);
  void OnError(ErrorCallback callback);
  void OnRecord(RecordCallback callback);

  // Adds `url` to the crawl as a seed (depth 0, fetched whatever the scope;
  // its links are scoped as any page's), with `data` for its request. Any
  // thread, any time before Run() has returned, from a callback too; a URL
  // already seen is not fetched again. InvalidArgument if `url` is not a
  // usable http(s) URL; FailedPrecondition once the crawl has ended (or was
  // stopped). Limits hold for it as for a link: once max_pages pages went
  // out, it is counted as dropped ("max_pages") and gets no record. It does
  // not widen the private-address refusal: a URL on a private address other
  // than the seeds' origins needs HttpOptions::allow_private.
  Status Visit(std::string_view url, RequestData data = {});

  // Ends the crawl soon; see "Stopping" above. Any thread, any time.
  void Stop();

  // Crawls until nothing is queued and nothing is in flight, or Stop().
  // Then closes the outputs (the CDXJ index is written then) and returns the
  // summary. IoError if an output failed (the crawl stopped at the failure;
  // the files end on whole records); FailedPrecondition if called twice.
  // Once per Crawler.
  Result<CrawlSummary> Run();

  // Live counters; readable from any thread at any time.
  const CrawlProgress& progress() const;

  // For a process that must exit without waiting for Run() (a second
  // Ctrl-C): returns once no output is half-way through a record, and none
  // writes after it. Any thread.
  void Abandon();

  class Impl;

 private:
  explicit Crawler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a state directory's last commit says of its crawl: `crawl status
// --state DIR`. Read from a copy of the committed state, so a crawl running
// on the directory is not disturbed.
struct CrawlStatus {
  bool finished = false;         // the crawl ran to its end
  std::uint64_t queued = 0;      // URLs waiting to be fetched (or for robots.txt)
  std::uint64_t in_flight = 0;   // URLs being fetched at the last commit
  CrawlSummary counts;           // outcomes so far; `discovered`: URLs seen
  // The hosts with the most URLs queued, most first: (host, queued).
  std::vector<std::pair<std::string, std::uint64_t>> top_hosts;
  double pages_per_second = 0;   // over the minute before the last commit
  std::chrono::system_clock::time_point started, last_commit;
  // The options that define the crawl, as (flag, value): see --state.
  std::vector<std::pair<std::string, std::string>> options;
};

// Reads the state in `state_dir`; FailedPrecondition if there is none, or
// it cannot be read (another format, corrupted).
Result<CrawlStatus> ReadCrawlStatus(const std::string& state_dir,
                                    std::size_t top_hosts = 10);

// A cluster crawl (CrawlerOptions::cluster) as its Redis servers have it
// now: what `crawl status --cluster` prints.
struct ClusterStatus {
  bool started = false;   // a seed was added
  bool finished = false;  // started, and nothing queued or in flight
  std::uint64_t seen = 0;     // URLs added, cluster-wide
  std::uint64_t pending = 0;  // URLs queued or in flight, cluster-wide
  std::uint64_t hosts = 0;    // hosts with URLs pending or a lease
  std::uint64_t leased_hosts = 0;
  struct Process {
    std::string id;
    std::uint64_t hosts = 0;  // leases held
    std::uint64_t done = 0;   // URLs completed
    double expires_in_s = 0;  // its liveness, unless renewed
  };
  std::vector<Process> processes;  // alive
  // Up to top_hosts hosts per server, those without a holder first.
  struct Host {
    std::string name;
    std::uint64_t pending = 0;
    bool leased = false;
  };
  std::vector<Host> top_hosts;
  std::uint64_t redis_bytes = 0;  // the servers' used_memory
  // The crawl's defining options, as (flag, value).
  std::vector<std::pair<std::string, std::string>> options;
};

// Reads `cluster`'s crawl (servers, crawl_id, password); FailedPrecondition
// if Redis cannot be read or holds no such crawl, InvalidArgument for bad
// options. Joins nothing: the crawl may be running.
Result<ClusterStatus> ReadClusterStatus(const ClusterOptions& cluster,
                                        std::size_t top_hosts = 10);

}  // namespace crawl

#endif  // CRAWL_CRAWLER_H_
