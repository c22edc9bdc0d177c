// The serial engine: the lecture's Serial crawler. One fetch at a time,
// depth-first, on the calling thread, which owns the Frontier. When every
// host is waiting out its delay, it sleeps until the first is ready.
#include <thread>

#include "engine/engines.h"

namespace crawl {

Result<CrawlSummary> RunSerial(const CrawlOptions& options,
                               FrontierOptions frontier_options,
                               Fetcher& fetcher, RecordSink& sink) {
  frontier_options.order = FrontierOptions::Order::kDepthFirst;
  Frontier frontier(frontier_options);
  for (const std::string& seed : options.seeds) frontier.AddSeed(seed);
  try {
    while (!frontier.Done()) {
      std::optional<Task> task = frontier.Next(Clock::now());
      if (!task) {
        // Nothing in flight here, so only time can make a host ready.
        auto wake = frontier.NextWakeup();
        std::this_thread::sleep_until(
            std::min(wake.value_or(Clock::time_point::max()),
                     Clock::now() + kPollPeriod));
        continue;
      }
      TaskResult result = Execute(fetcher, *task);
      for (const PageRecord& r :
           frontier.Complete(*task, std::move(result), Clock::now())) {
        sink.OnRecord(r);
      }
    }
  } catch (const std::exception& e) {
    return AbortedBy(&e);
  } catch (...) {
    return AbortedBy(nullptr);
  }
  CrawlSummary summary = frontier.Summary();
  summary.threads = 1;
  return summary;
}

}  // namespace crawl
