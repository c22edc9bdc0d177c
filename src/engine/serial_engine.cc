// The serial engine: the lecture's Serial crawler. One fetch at a time,
// depth-first, on the calling thread, which owns the Frontier.
#include "engine/engines.h"

namespace crawl {

Result<CrawlSummary> RunSerial(const CrawlOptions& options, Fetcher& fetcher,
                               RecordSink& sink) {
  Frontier frontier(
      MakeFrontierOptions(options, FrontierOptions::Order::kDepthFirst));
  for (const std::string& seed : options.seeds) frontier.AddSeed(seed);

  while (std::optional<Task> task = frontier.Next()) {
    FetchResult result = FetchSafely(fetcher, task->url);
    sink.OnRecord(frontier.Complete(*task, std::move(result)));
  }
  CrawlSummary summary = frontier.Summary();
  summary.threads = 1;
  return summary;
}

}  // namespace crawl
