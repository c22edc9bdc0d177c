// The mutex engine: the lecture's ConcurrentMutex, on a bounded pool.
//
// Shared state: the Frontier (seen set, queue, pending count) is guarded by
// one mutex, mu_. Records go to the sink under a second mutex, sink_mu_, so
// slow output never holds up the frontier.
//
// Why it cannot deadlock: the Go code starts a goroutine per link and has
// each goroutine wait (done.Wait()) until its children finish. Ported
// literally onto a bounded pool of N threads, that deadlocks as soon as N
// threads are all waiting on children that have no thread left to run them.
// Here no thread ever waits on its children. A fetch's links go into the
// shared Frontier and any idle thread takes them; a thread waits only when
// there is nothing to take now — until a completion notifies it or the
// first host's politeness delay passes. The end is a pending count, not a
// join tree:
// Frontier::Done() (nothing queued, nothing in flight), read under mu_, so no
// thread can see "done" while another is about to add work.
#include <algorithm>
#include <thread>
#include <vector>

#include "engine/engines.h"
#include "sync/mutex.h"

namespace crawl {
namespace {

class MutexEngine {
 public:
  MutexEngine(const CrawlOptions& options, FrontierOptions frontier_options,
              Fetcher& fetcher, RecordSink& sink)
      : options_(options),
        fetcher_(fetcher),
        frontier_(frontier_options),
        sink_(sink) {}

  Result<CrawlSummary> Run() {
    {
      MutexLock lock(mu_);
      for (const std::string& seed : options_.seeds) frontier_.AddSeed(seed);
    }
    std::vector<std::thread> pool;
    Status error;
    // The threads that did start carry the whole crawl between them.
    const std::size_t threads = StartThreads(
        static_cast<std::size_t>(options_.concurrency), [this] { Work(); },
        pool, &error);
    if (threads == 0) return error;
    for (std::thread& t : pool) t.join();
    MutexLock lock(mu_);
    if (!abort_.ok()) return abort_;
    CrawlSummary summary = frontier_.Summary();
    summary.threads = static_cast<int>(threads);
    return summary;
  }

 private:
  // Anything thrown (a sink's exception, std::bad_alloc) stops every thread
  // and makes Run() fail, instead of std::terminate.
  void Work() {
    try {
      WorkLoop();
    } catch (const std::exception& e) {
      Abort(AbortedBy(&e));
    } catch (...) {
      Abort(AbortedBy(nullptr));
    }
  }

  void Abort(Status status) {
    MutexLock lock(mu_);
    if (abort_.ok()) abort_ = std::move(status);
    work_.NotifyAll();
  }

  void WorkLoop() {
    MutexLock lock(mu_);
    for (;;) {
      if (!abort_.ok()) return;
      std::optional<Task> task = frontier_.Next(Clock::now());
      if (!task) {
        if (delivering_ == 0 && frontier_.Done()) {
          work_.NotifyAll();  // everyone out
          return;
        }
        // Wait for a completion, or for a host's delay to pass.
        const auto wake = frontier_.NextWakeup();
        ++idle_;
        work_.WaitUntil(lock, std::min(wake.value_or(Clock::time_point::max()),
                                       Clock::now() + kPollPeriod));
        --idle_;
        continue;
      }
      lock.Unlock();
      TaskResult result = Execute(fetcher_, *task);
      lock.Lock();
      std::vector<PageRecord> records =
          frontier_.Complete(*task, std::move(result), Clock::now());
      if (!records.empty()) {
        // To the sink before asking Done(): a record's callback may still
        // add work (crawl::Crawler::Visit), which Done() then sees.
        ++delivering_;
        lock.Unlock();
        {
          MutexLock sink_lock(sink_mu_);
          for (const PageRecord& r : records) sink_.OnRecord(r);
        }
        lock.Lock();
        --delivering_;
      }
      if (delivering_ == 0 && frontier_.Done()) {
        work_.NotifyAll();  // everyone out
      } else {
        // This thread takes one ready host itself; wake an idle thread for
        // each of the others.
        const std::size_t ready = frontier_.Ready(idle_ + 1);
        const std::size_t wake = std::min(ready > 0 ? ready - 1 : 0, idle_);
        for (std::size_t i = 0; i < wake; ++i) work_.NotifyOne();
      }
    }
  }

  const CrawlOptions& options_;
  Fetcher& fetcher_;

  Mutex mu_;
  CondVar work_;  // signalled when URLs become ready or the crawl is done
  Frontier frontier_ GUARDED_BY(mu_);
  std::size_t idle_ GUARDED_BY(mu_) = 0;  // threads waiting on work_
  // Threads handing records to the sink: the crawl is not done while one
  // is (a record's callback may add work).
  std::size_t delivering_ GUARDED_BY(mu_) = 0;
  Status abort_ GUARDED_BY(mu_);          // not OK once a thread threw

  Mutex sink_mu_;
  RecordSink& sink_ GUARDED_BY(sink_mu_);
};

}  // namespace

Result<CrawlSummary> RunMutex(const CrawlOptions& options,
                              FrontierOptions frontier_options,
                              Fetcher& fetcher, RecordSink& sink) {
  frontier_options.order = FrontierOptions::Order::kBreadthFirst;
  return MutexEngine(options, frontier_options, fetcher, sink).Run();
}

}  // namespace crawl
