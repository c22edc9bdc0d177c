// WaitGroup: Go's sync.WaitGroup. A counter that Add raises and Done lowers;
// Wait blocks until it is zero.
//
// Thread safety: every method may be called from any number of threads.
// Misuse (the counter going negative) is a programming error: it aborts with
// a message, as Go panics.
//
// The lecture's trap: a thread that Waits for work it must itself help do
// never wakes. In a bounded thread pool, a pool thread must never Wait for
// tasks queued on the same pool (see src/engine/mutex_engine.cc).
#ifndef CRAWL_SYNC_WAIT_GROUP_H_
#define CRAWL_SYNC_WAIT_GROUP_H_

#include <cstdint>

#include "sync/mutex.h"

namespace crawl {

class WaitGroup {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  // Adds `delta` (may be negative) to the counter. Aborts if it goes below 0.
  void Add(std::int64_t delta);
  // Add(-1).
  void Done() { Add(-1); }
  // Blocks until the counter is zero.
  void Wait();
  std::int64_t count() const;

 private:
  mutable Mutex mu_;
  CondVar zero_;
  std::int64_t count_ GUARDED_BY(mu_) = 0;
};

}  // namespace crawl

#endif  // CRAWL_SYNC_WAIT_GROUP_H_
