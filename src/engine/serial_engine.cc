// The serial engine: the lecture's Serial crawler. One fetch at a time,
// depth-first, on the calling thread, which owns the Frontier.
#include "engine/engines.h"

namespace crawl {

Result<CrawlSummary> RunSerial(const CrawlOptions& options,
                               FrontierOptions frontier_options,
                               Fetcher& fetcher, RecordSink& sink) {
  frontier_options.order = FrontierOptions::Order::kDepthFirst;
  Frontier frontier(frontier_options);
  for (const std::string& seed : options.seeds) frontier.AddSeed(seed);

  try {
    while (std::optional<Task> task = frontier.Next()) {
      FetchResult result = FetchSafely(fetcher, task->url);
      sink.OnRecord(frontier.Complete(*task, std::move(result)));
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
