// The channel engine: the lecture's ConcurrentChannel.
//
// The master (the calling thread) alone owns the Frontier: no lock guards the
// seen set because no other thread can reach it. Workers receive URLs on the
// `tasks` channel, fetch, and send each result (with the page's links) back
// on the `results` channel. The master counts outstanding fetches (the
// Frontier's in-flight count, the lecture's `n`) and stops at zero.
//
// Why it cannot deadlock: the master never has more than `concurrency`
// fetches outstanding, and both channels hold that many values. So the master
// never blocks sending a task while every worker blocks sending a result to
// it — which is what happens with unbuffered channels and a master that sends
// before it receives.
#include <thread>
#include <vector>

#include "engine/engines.h"
#include "sync/channel.h"

namespace crawl {

Result<CrawlSummary> RunChannel(const CrawlOptions& options,
                                FrontierOptions frontier_options,
                                Fetcher& fetcher, RecordSink& sink) {
  frontier_options.order = FrontierOptions::Order::kBreadthFirst;
  const auto limit = static_cast<std::size_t>(options.concurrency);
  Channel<Task> tasks(limit);
  Channel<Completion> results(limit);

  std::vector<std::thread> workers;
  // However the master leaves, the workers are told to stop and joined.
  struct JoinWorkers {
    Channel<Task>& tasks;
    std::vector<std::thread>& workers;
    Fetcher& fetcher;
    bool finished = false;
    ~JoinWorkers() {
      tasks.Close();
      if (!finished) fetcher.CancelAll();  // an abort: do not drain slowly
      for (std::thread& w : workers) w.join();
    }
  } join_workers{tasks, workers, fetcher};

  Status error;
  // With fewer workers than `limit`, tasks wait in the channel (which holds
  // `limit`): slower, still correct.
  const std::size_t started = StartThreads(
      limit,
      [&] {
        try {
          for (Task& task : tasks) {
            TaskResult result = Execute(fetcher, task);
            results.Send(Completion{std::move(task), std::move(result)});
          }
        } catch (...) {
          results.Close();  // the master sees the end of results: abort
        }
      },
      workers, &error);
  if (started == 0) return error;

  // The master.
  try {
    Frontier frontier(frontier_options);
    for (const std::string& seed : options.seeds) frontier.AddSeed(seed);
    for (;;) {
      while (frontier.in_flight() < limit) {
        std::optional<Task> task = frontier.Next(Clock::now());
        if (!task) break;
        tasks.Send(std::move(*task));
      }
      if (frontier.Done()) break;
      // Wait for a result, or for a host's politeness delay to pass. Then
      // take every result already waiting before dispatching again: one
      // wake-up of the master serves a burst of completions.
      const auto wake = frontier.NextWakeup();
      std::optional<Completion> done = results.ReceiveUntil(std::min(
          wake.value_or(Clock::time_point::max()), Clock::now() + kPollPeriod));
      if (!done) {
        if (results.closed()) {
          return Status::Internal("crawl aborted: a fetch worker failed");
        }
        continue;  // time passed: look again
      }
      do {
        for (const PageRecord& r : frontier.Complete(
                 done->task, std::move(done->result), Clock::now())) {
          sink.OnRecord(r);
        }
      } while ((done = results.TryReceive()));
    }
    join_workers.finished = true;
    CrawlSummary summary = frontier.Summary();
    summary.threads = static_cast<int>(started);
    return summary;
  } catch (const std::exception& e) {
    return AbortedBy(&e);
  } catch (...) {
    return AbortedBy(nullptr);
  }
}

}  // namespace crawl
