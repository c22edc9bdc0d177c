// WorkQueue: a fixed pool of threads running posted jobs in FIFO order. For
// CPU work handed off by an event loop (link extraction), so the loop never
// waits on it.
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
#include <deque>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "sync/mutex.h"

namespace crawl {

class WorkQueue {
 public:
  // Starts `threads` threads (at least one is tried).
  explicit WorkQueue(std::size_t threads) {
    if (threads == 0) threads = 1;
    try {
      for (std::size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { Work(); });
      }
    } catch (...) {
      // Go on with the threads we got (maybe none: Post runs inline).
    }
  }
  ~WorkQueue() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
      ready_.NotifyAll();
    }
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
    MutexLock lock(mu_);
    jobs_.push_back(std::move(job));
    // A busy pool takes the job when it next looks: a wake-up (a futex
    // call) only when a thread is waiting.
    if (idle_ > 0) ready_.NotifyOne();
  }

 private:
  void Work() {
    MutexLock lock(mu_);
    for (;;) {
      while (jobs_.empty() && !stopping_) {
        ++idle_;
        ready_.Wait(lock);
        --idle_;
      }
      if (jobs_.empty()) return;  // stopping, and nothing left
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.Unlock();
      job();
      lock.Lock();
    }
  }

  Mutex mu_;
  CondVar ready_;
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  std::size_t idle_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace crawl

#endif  // CRAWL_SYNC_WORK_QUEUE_H_
