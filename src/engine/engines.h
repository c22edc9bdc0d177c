// The engines behind crawl::Crawl(). Each takes validated options and returns
// the counts of its Frontier; Crawl() adds the timing.
#ifndef CRAWL_ENGINE_ENGINES_H_
#define CRAWL_ENGINE_ENGINES_H_

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "crawl/lecture.h"
#include "crawl/fetcher.h"
#include "engine/frontier.h"

namespace crawl {

// crawl::Crawl() with `hooks` (null: none) in the Frontier, and its state in
// `store` (null: in memory; else the event engine only): what
// crawl::Crawler runs.
Result<CrawlSummary> RunCrawl(const CrawlOptions& options, Fetcher& fetcher,
                              RecordSink& sink, FrontierHooks* hooks,
                              FrontierStore* store = nullptr);

// `options.seeds` are normalised; `frontier` carries the crawl policy (the
// engine sets the order it wants).
Result<CrawlSummary> RunSerial(const CrawlOptions& options,
                               FrontierOptions frontier, Fetcher& fetcher,
                               RecordSink& sink);
Result<CrawlSummary> RunMutex(const CrawlOptions& options,
                              FrontierOptions frontier, Fetcher& fetcher,
                              RecordSink& sink);
Result<CrawlSummary> RunEvent(const CrawlOptions& options,
                              FrontierOptions frontier, Fetcher& fetcher,
                              RecordSink& sink);
Result<CrawlSummary> RunChannel(const CrawlOptions& options,
                                FrontierOptions frontier, Fetcher& fetcher,
                                RecordSink& sink);

// Redirects followed when fetching a robots.txt or sitemap (RFC 9309
// 2.3.1.2: at least five).
inline constexpr int kDocumentRedirects = 5;

// How long an engine waits at most before looking at the Frontier again
// (the stop flag is read there).
inline constexpr std::chrono::milliseconds kPollPeriod{100};

// Engines do not let exceptions escape (a throwing sink, std::bad_alloc):
// the crawl ends with an Internal status naming what was thrown.
Status AbortedBy(const std::exception* e);

// Starts up to `n` threads running `body`, appending them to `threads`;
// returns how many started. Creating a thread can fail (the process is out
// of threads or address space); the engines then go on with the threads they
// got, and fail with `*error` only when they got none.
std::size_t StartThreads(std::size_t n, const std::function<void()>& body,
                         std::vector<std::thread>& threads, Status* error);

// A finished task and what it produced, on its way back to the thread that
// owns the Frontier (channel and event engines).
struct Completion {
  Task task;
  TaskResult result;
};

// The clock of one page fetch, read when it starts. Stamp() sets the
// result's fetched_at, and its fetch_ms if the fetcher did not measure it.
class FetchClock {
 public:
  void Stamp(FetchResult& result) const {
    result.fetched_at = started_at_;
    if (result.fetch_ms == 0) {
      result.fetch_ms =
          std::chrono::duration<double, std::milli>(Clock::now() - start_)
              .count();
    }
  }

 private:
  std::chrono::system_clock::time_point started_at_ =
      std::chrono::system_clock::now();
  Clock::time_point start_ = Clock::now();
};

// fetcher.Fetch(url), with anything thrown turned into an error result of
// kind "exception": one bad fetch must not end the crawl or leak a pending
// count (the lecture's `defer done.Done()`). Sets fetched_at, and fetch_ms
// if the fetcher did not.
FetchResult FetchSafely(Fetcher& fetcher, const Request& request);

// Performs `task` with `fetcher`: a page fetch (FetchSafely) or a document
// fetch (robots.txt, sitemap), never throwing.
TaskResult Execute(Fetcher& fetcher, const Task& task);

}  // namespace crawl

#endif  // CRAWL_ENGINE_ENGINES_H_
