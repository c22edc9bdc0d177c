// WorkQueue: a fixed pool of threads running posted jobs in FIFO order. For
// CPU work handed off by an event loop (link extraction), so the loop never
// waits on it. The lecture's worker pool: threads ranging over a Channel of
// jobs, here one that never makes a poster wait.
//
// Jobs must not throw (one that does ends the process, as an exception
// escaping any thread does). The destructor runs every job already posted,
// then joins the threads. If no thread could be started, Post() runs the job
// on the calling thread.
//
// Thread safety: Post() may be called from any thread, including a job.
#ifndef CRAWL_SYNC_WORK_QUEUE_H_
#define CRAWL_SYNC_WORK_QUEUE_H_

#include <cstddef>
#include <functional>
#include <limits>
#include <thread>
#include <utility>
#include <vector>

#include "sync/channel.h"

namespace crawl {

class WorkQueue {
 public:
  // Starts `threads` threads (at least one is tried).
  explicit WorkQueue(std::size_t threads) {
    if (threads == 0) threads = 1;
    try {
      for (std::size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this] {
          for (std::function<void()>& job : jobs_) job();
        });
      }
    } catch (...) {
      // Go on with the threads we got (maybe none: Post runs inline).
    }
  }
  ~WorkQueue() {
    jobs_.Close();  // the threads drain what is queued, then end
    for (std::thread& t : threads_) t.join();
  }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  std::size_t threads() const { return threads_.size(); }

  void Post(std::function<void()> job) {
    if (threads_.empty()) {
      job();
      return;
    }
    jobs_.Send(std::move(job));
  }

 private:
  // Unbounded in practice: a poster (the event loop) never waits.
  Channel<std::function<void()>> jobs_{std::numeric_limits<std::size_t>::max()};
  std::vector<std::thread> threads_;
};

}  // namespace crawl

#endif  // CRAWL_SYNC_WORK_QUEUE_H_
