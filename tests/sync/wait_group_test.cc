#include "sync/wait_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace crawl {
namespace {

using namespace std::chrono_literals;

TEST(WaitGroup, WaitAtZeroReturnsAtOnce) {
  WaitGroup wg;
  wg.Wait();
  EXPECT_EQ(wg.count(), 0);
}

TEST(WaitGroup, WaitsForEveryDone) {
  WaitGroup wg;
  constexpr int kThreads = 32;
  std::atomic<int> finished{0};
  wg.Add(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(i % 5));
      ++finished;
      wg.Done();
    });
  }
  wg.Wait();
  EXPECT_EQ(finished.load(), kThreads) << "Wait returned before every Done";
  for (auto& t : threads) t.join();
}

TEST(WaitGroup, DoesNotReturnWhileCountIsPositive) {
  WaitGroup wg;
  wg.Add(2);
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    wg.Wait();
    returned = true;
  });
  wg.Done();
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(returned.load()) << "Wait returned with the count at 1";
  wg.Done();
  waiter.join();
  EXPECT_TRUE(returned.load());
}

TEST(WaitGroup, ManyWaitersAllWake) {
  WaitGroup wg;
  wg.Add(1);
  std::atomic<int> woke{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 8; ++i) {
    waiters.emplace_back([&] {
      wg.Wait();
      ++woke;
    });
  }
  wg.Done();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(woke.load(), 8);
}

TEST(WaitGroup, ReusableAfterZero) {
  WaitGroup wg;
  for (int round = 0; round < 3; ++round) {
    wg.Add(4);
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i) ts.emplace_back([&] { wg.Done(); });
    wg.Wait();
    for (auto& t : ts) t.join();
    EXPECT_EQ(wg.count(), 0);
  }
}

TEST(WaitGroupDeathTest, NegativeCounterAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  WaitGroup wg;
  EXPECT_DEATH(wg.Done(), "WaitGroup counter went negative");
}

}  // namespace
}  // namespace crawl
