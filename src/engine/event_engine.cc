// The event engine: the lecture's last lesson — one event loop instead of a
// thread per fetch — and the default.
//
// The master (the calling thread) alone owns the Frontier, as in the channel
// engine, but no thread ever waits on a fetch. Fetches start through the
// Fetcher's asynchronous interface (Fetcher::FetchAsync): for HttpFetcher one
// curl multi loop carries every transfer and a small pool of parse threads
// turns responses into links, so thousands of fetches can be in flight on a
// handful of threads. Each completion is posted to the master's Inbox, a
// message queue. The master:
//   1. starts every task the Frontier has ready, up to `concurrency`
//      outstanding;
//   2. stops when the Frontier is Done (nothing in flight, nothing left);
//   3. otherwise waits until a completion arrives or a host's delay passes,
//      takes every completion waiting (one wake-up serves a burst), hands
//      each to the Frontier and streams its records, and goes back to 1.
//
// Why it cannot deadlock: the master is the only thread that waits on
// anything but a lock, and it waits only with a deadline; a fetcher's
// callback never blocks (it appends to the Inbox under a short lock).
// With a fetcher that lends its event loop (Fetcher::Poll: HttpFetcher
// without a loop thread, as the CLI builds it for this engine), the master
// turns that loop itself while it waits: curl, link extraction, the frontier
// and the output all run on one thread, with no hand-off and no wake-up
// between threads; the loop returns to the master as soon as a transfer ends.
// Why nothing outlives the crawl: every started fetch is counted; the master
// returns only when every callback has arrived (on an abort, after asking
// the fetcher to cancel), so no callback can reach a dead Inbox.
#include <algorithm>
#include <utility>
#include <vector>

#include "engine/engines.h"
#include "sync/mutex.h"

namespace crawl {
namespace {

struct Completion {
  Task task;
  TaskResult result;
};

// Completions on their way to the master; one consumer.
class Inbox {
 public:
  void Post(Completion completion) {
    MutexLock lock(mu_);
    items_.push_back(std::move(completion));
    // A futex wake-up only when the master is asleep: a busy master finds
    // the completion when it next looks.
    if (waiting_) arrived_.NotifyOne();
  }

  // Moves every waiting completion into `*out` (appended); if there are
  // none, first waits for one until `deadline` (time_point::min(): no wait).
  void TakeAll(std::vector<Completion>* out, Clock::time_point deadline) {
    MutexLock lock(mu_);
    while (items_.empty() && deadline > Clock::time_point::min()) {
      waiting_ = true;
      const bool woken = arrived_.WaitUntil(lock, deadline);
      waiting_ = false;
      if (!woken) break;
    }
    if (out->empty()) {
      out->swap(items_);
    } else {
      for (Completion& c : items_) out->push_back(std::move(c));
      items_.clear();
    }
  }

 private:
  Mutex mu_;
  CondVar arrived_;
  std::vector<Completion> items_ GUARDED_BY(mu_);
  bool waiting_ GUARDED_BY(mu_) = false;
};

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
      if (frontier_.Done()) return;
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

  // Starts every task that is ready, up to the concurrency limit.
  void Dispatch() {
    const Clock::time_point now = Clock::now();
    while (frontier_.in_flight() < limit_) {
      std::optional<Task> task = frontier_.Next(now);
      if (!task) return;
      Start(std::move(*task));
    }
  }

  // Starts `task`; its completion is posted to the Inbox. A fetcher that
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
    Inbox* inbox = &inbox_;
    if (task.kind == Task::Kind::kPage) {
      const std::string url = task.url;
      const auto started_at = std::chrono::system_clock::now();
      const auto start = Clock::now();
      fetcher_.FetchAsync(
          url, [inbox, task = std::move(task), started_at,
                start](FetchResult result) mutable {
            result.fetched_at = started_at;
            if (result.fetch_ms == 0) {
              result.fetch_ms = std::chrono::duration<double, std::milli>(
                                    Clock::now() - start)
                                    .count();
            }
            Completion c{std::move(task), {}};
            c.result.page = std::move(result);
            inbox->Post(std::move(c));
          });
      return;
    }
    const std::string url = task.url;
    fetcher_.FetchDocumentAsync(
        url, kDocumentRedirects,
        [inbox, task = std::move(task)](Document doc) mutable {
          Completion c{std::move(task), {}};
          c.result.document = std::move(doc);
          inbox->Post(std::move(c));
        });
  }

  // Takes the completions that arrive until `deadline` (at least one, unless
  // the deadline passes first). A fetcher that lends its event loop runs it
  // here, on this thread, until a callback has posted; otherwise wait for
  // the fetcher's threads to post.
  void Wait(Clock::time_point deadline, std::vector<Completion>* done) {
    if (fetcher_.Poll(deadline)) {
      inbox_.TakeAll(done, Clock::time_point::min());
    } else {
      inbox_.TakeAll(done, deadline);
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
  Inbox inbox_;
};

}  // namespace

Result<CrawlSummary> RunEvent(const CrawlOptions& options,
                              FrontierOptions frontier_options,
                              Fetcher& fetcher, RecordSink& sink) {
  frontier_options.order = FrontierOptions::Order::kBreadthFirst;
  return EventEngine(options, frontier_options, fetcher, sink).Run();
}

}  // namespace crawl
