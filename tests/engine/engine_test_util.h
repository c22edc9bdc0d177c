// Helpers shared by the engine tests.
#ifndef CRAWL_TESTS_ENGINE_ENGINE_TEST_UTIL_H_
#define CRAWL_TESTS_ENGINE_ENGINE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crawl/lecture.h"
#include "crawl/fake_fetcher.h"

namespace crawl::testing {

constexpr Engine kAllEngines[] = {Engine::kSerial, Engine::kMutex,
                                  Engine::kChannel, Engine::kEvent};

// Keeps every record; fails the test if OnRecord is ever entered while
// another call is still inside it (the RecordSink contract).
class CollectingSink : public RecordSink {
 public:
  void OnRecord(const PageRecord& record) override {
    if (inside_.exchange(true)) overlapped_ = true;
    records_.push_back(record);
    inside_ = false;
  }
  const std::vector<PageRecord>& records() const { return records_; }
  bool overlapped() const { return overlapped_; }

  std::set<std::string> Urls() const {
    std::set<std::string> urls;
    for (const auto& r : records_) urls.insert(r.url);
    return urls;
  }

 private:
  std::atomic<bool> inside_{false};
  std::atomic<bool> overlapped_{false};
  std::vector<PageRecord> records_;
};

// The reference: a plain breadth-first search written independently of the
// engines and their Frontier. Returns each page within `max_depth` of a seed
// with its shortest distance. `fetcher` must be a fresh fetcher over the same
// graph and faults (its counts are consumed).
inline std::map<std::string, int> ReferenceCrawl(
    FakeFetcher& fetcher, const std::vector<std::string>& seeds,
    int max_depth) {
  std::map<std::string, int> dist;
  std::deque<std::string> queue;
  for (const auto& s : seeds) {
    if (dist.emplace(s, 0).second) queue.push_back(s);
  }
  while (!queue.empty()) {
    std::string u = queue.front();
    queue.pop_front();
    const int d = dist[u];
    if (max_depth >= 0 && d >= max_depth) continue;
    std::vector<std::string> links;
    try {
      links = fetcher.Fetch(u).links;
    } catch (...) {
    }
    for (const auto& v : links) {
      if (dist.emplace(v, d + 1).second) queue.push_back(v);
    }
  }
  return dist;
}

// Aborts the whole test binary, naming `what`, if not disarmed in time: an
// engine that does not terminate fails loudly instead of hanging CI.
class Watchdog {
 public:
  Watchdog(std::string what, std::chrono::seconds limit)
      : what_(std::move(what)), thread_([this, limit] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, limit, [this] { return disarmed_; })) {
            std::fprintf(stderr, "WATCHDOG: %s did not finish in %lld s\n",
                         what_.c_str(), static_cast<long long>(limit.count()));
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      disarmed_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::string what_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

}  // namespace crawl::testing

#endif  // CRAWL_TESTS_ENGINE_ENGINE_TEST_UTIL_H_
