// The event engine: the lecture's last lesson — one event loop instead of a
// thread per fetch — and the default.
//
// The master (the calling thread) alone owns the Frontier, as in the channel
// engine, but no thread ever waits on a fetch. Fetches start through the
// Fetcher's asynchronous interface (Fetcher::FetchAsync): for HttpFetcher one
// curl multi loop carries every transfer and a small pool of parse threads
// turns responses into links, so thousands of fetches can be in flight on a
// handful of threads. Each completion is sent to the master on a Channel, as
// in the channel engine. The master:
//   1. starts every task the Frontier has ready, up to `concurrency`
//      outstanding;
//   2. stops when the Frontier is Done (nothing in flight, nothing left);
//   3. otherwise waits until a completion arrives or a host's delay passes,
//      takes every completion waiting (one wake-up serves a burst), hands
//      each to the Frontier and streams its records, and goes back to 1.
//
// Why it cannot deadlock: the master is the only thread that waits on
// anything but a lock, and it waits only with a deadline; a fetcher's
// callback never blocks: the channel holds `concurrency` completions and
// no more than that many fetches are ever outstanding.
// With a fetcher that lends its event loop (Fetcher::Poll: HttpFetcher
// without a loop thread, as the CLI builds it for this engine), the master
// turns that loop itself while it waits: curl, link extraction, the frontier
// and the output all run on one thread, with no hand-off and no wake-up
// between threads; the loop returns to the master as soon as a transfer ends.
// Why nothing outlives the crawl: every started fetch is counted; the master
// returns only when every callback has arrived (on an abort, after asking
// the fetcher to cancel), so no callback can reach a dead channel.
#include <algorithm>
#include <utility>
#include <vector>

#include "engine/engines.h"
#include "sync/channel.h"

namespace crawl {
namespace {

class EventEngine {
 public:
  EventEngine(const CrawlOptions& options, FrontierOptions frontier_options,
              Fetcher& fetcher, RecordSink& sink)
      : options_(options),
        fetcher_(fetcher),
        sink_(sink),
        frontier_(frontier_options),
        limit_(static_cast<std::size_t>(options.concurrency)) {}

  Result<CrawlSummary> Run() {
    Status status;
    try {
      Loop();
    } catch (const std::exception& e) {
      status = AbortedBy(&e);
    } catch (...) {
      status = AbortedBy(nullptr);
    }
    if (!status.ok()) {
      // Hurry the fetches still out, and wait for each callback.
      fetcher_.CancelAll();
      Drain();
      return status;
    }
    CrawlSummary summary = frontier_.Summary();
    summary.threads = 1;
    return summary;
  }

 private:
  void Loop() {
    for (const std::string& seed : options_.seeds) frontier_.AddSeed(seed);
    std::vector<Completion> done;
    for (;;) {
      Dispatch();
      Stream();
      if (frontier_.Done()) {
        frontier_.Checkpoint(/*end=*/true);
        return;
      }
      // With a durable store: the records streamed and the fetches started
      // since the last turn become one commit. (With a shared one: an
      // exchange, which may admit URLs that make records at once.)
      frontier_.Checkpoint();
      Stream();
      const auto wake = frontier_.NextWakeup();
      Wait(std::min(wake.value_or(Clock::time_point::max()),
                    Clock::now() + kPollPeriod),
           &done);
      outstanding_ -= done.size();  // even if Complete or the sink throws
      const Clock::time_point now = Clock::now();
      for (Completion& c : done) {
        for (const PageRecord& r :
             frontier_.Complete(c.task, std::move(c.result), now)) {
          sink_.OnRecord(r);
        }
      }
      done.clear();
    }
  }

  // Streams the records the frontier made outside Complete().
  void Stream() {
    for (const PageRecord& r : frontier_.TakeRecords()) sink_.OnRecord(r);
  }

  // Starts every task that is ready, up to the concurrency limit.
  void Dispatch() {
    const Clock::time_point now = Clock::now();
    while (frontier_.in_flight() < limit_) {
      std::optional<Task> task = frontier_.Next(now);
      if (!task) return;
      Start(std::move(*task));
    }
  }

  // Starts `task`; its completion is sent on `results_`. A fetcher that
  // breaks the contract and throws from FetchAsync aborts the crawl.
  void Start(Task task) {
    ++outstanding_;
    try {
      StartFetch(std::move(task));
    } catch (...) {
      --outstanding_;
      throw;
    }
  }

  void StartFetch(Task task) {
    Channel<Completion>* results = &results_;
    if (task.kind == Task::Kind::kPage) {
      if (task.failure.kind != ErrorKind::kNone) {  // failed by a hook
        Completion c{std::move(task), {}};
        c.result.page =
            FetchResult::Error(c.task.failure.kind, c.task.failure.message);
        FetchClock().Stamp(c.result.page);
        results->Send(std::move(c));
        return;
      }
      const Request request = RequestOf(task);
      fetcher_.FetchAsync(
          request, [results, task = std::move(task),
                clock = FetchClock()](FetchResult result) mutable {
            clock.Stamp(result);
            Completion c{std::move(task), {}};
            c.result.page = std::move(result);
            results->Send(std::move(c));
          });
      return;
    }
    const std::string url = task.url;
    fetcher_.FetchDocumentAsync(
        url, kDocumentRedirects,
        [results, task = std::move(task)](Document doc) mutable {
          Completion c{std::move(task), {}};
          c.result.document = std::move(doc);
          results->Send(std::move(c));
        });
  }

  // Takes the completions that arrive until `deadline` (at least one, unless
  // the deadline passes first). A fetcher that lends its event loop runs it
  // here, on this thread, until a callback has posted; otherwise wait for
  // the fetcher's threads to post.
  void Wait(Clock::time_point deadline, std::vector<Completion>* done) {
    if (std::optional<Completion> c = results_.TryReceive()) {
      Take(std::move(c), done);  // already here (a task failed by a hook)
    } else if (fetcher_.Poll(deadline)) {
      Take(results_.TryReceive(), done);
    } else {
      Take(results_.ReceiveUntil(deadline), done);
    }
  }

  // Appends `first`, if any, and every completion already waiting.
  void Take(std::optional<Completion> first, std::vector<Completion>* done) {
    for (std::optional<Completion> c = std::move(first); c;
         c = results_.TryReceive()) {
      done->push_back(std::move(*c));
    }
  }

  // Waits for every outstanding callback (after an abort).
  void Drain() {
    std::vector<Completion> done;
    while (outstanding_ > 0) {
      Wait(Clock::now() + kPollPeriod, &done);
      outstanding_ -= std::min(outstanding_, done.size());
      done.clear();
    }
  }

  const CrawlOptions& options_;
  Fetcher& fetcher_;
  RecordSink& sink_;
  Frontier frontier_;
  const std::size_t limit_;
  std::size_t outstanding_ = 0;  // fetches started whose callback is due
  // Never full: it holds `limit_` completions, and at most `limit_`
  // fetches are outstanding.
  Channel<Completion> results_{limit_};
};

}  // namespace

Result<CrawlSummary> RunEvent(const CrawlOptions& options,
                              FrontierOptions frontier_options,
                              Fetcher& fetcher, RecordSink& sink) {
  frontier_options.order = FrontierOptions::Order::kBreadthFirst;
  return EventEngine(options, frontier_options, fetcher, sink).Run();
}

}  // namespace crawl
