#include "sync/wait_group.h"

#include <cstdio>
#include <cstdlib>

namespace crawl {

void WaitGroup::Add(std::int64_t delta) {
  MutexLock lock(mu_);
  count_ += delta;
  if (count_ < 0) {
    std::fprintf(stderr, "crawl: WaitGroup counter went negative (%lld)\n",
                 static_cast<long long>(count_));
    std::abort();
  }
  if (count_ == 0) zero_.NotifyAll();
}

void WaitGroup::Wait() {
  MutexLock lock(mu_);
  while (count_ != 0) zero_.Wait(lock);
}

std::int64_t WaitGroup::count() const {
  MutexLock lock(mu_);
  return count_;
}

}  // namespace crawl
