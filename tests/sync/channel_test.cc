#include "sync/channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace crawl {
namespace {

using namespace std::chrono_literals;

TEST(Channel, BufferedIsFifo) {
  Channel<int> ch(3);
  EXPECT_TRUE(ch.Send(1));
  EXPECT_TRUE(ch.Send(2));
  EXPECT_TRUE(ch.Send(3));
  EXPECT_EQ(ch.Receive(), 1);
  EXPECT_EQ(ch.Receive(), 2);
  EXPECT_EQ(ch.Receive(), 3);
  EXPECT_EQ(ch.TryReceive(), std::nullopt);
}

TEST(Channel, CloseDeliversWhatWasSentThenEnds) {
  Channel<std::string> ch(4);
  ch.Send("a");
  ch.Send("b");
  ch.Close();
  EXPECT_FALSE(ch.Send("c")) << "send on a closed channel must fail";
  EXPECT_EQ(ch.Receive(), "a");
  EXPECT_EQ(ch.Receive(), "b");
  EXPECT_EQ(ch.Receive(), std::nullopt);
  EXPECT_EQ(ch.Receive(), std::nullopt) << "closed stays closed";
  ch.Close();  // idempotent
  EXPECT_TRUE(ch.closed());
}

TEST(Channel, CloseWakesBlockedReceivers) {
  Channel<int> ch(1);
  std::atomic<int> ended{0};
  std::vector<std::thread> receivers;
  for (int i = 0; i < 4; ++i) {
    receivers.emplace_back([&] {
      EXPECT_EQ(ch.Receive(), std::nullopt);
      ++ended;
    });
  }
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ended.load(), 0) << "receivers must block on an empty channel";
  ch.Close();
  for (auto& t : receivers) t.join();
  EXPECT_EQ(ended.load(), 4);
}

TEST(Channel, CloseWakesBlockedSendersWhichFail) {
  Channel<int> ch(1);
  ASSERT_TRUE(ch.Send(0));  // now full
  std::atomic<int> failed{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < 3; ++i) {
    senders.emplace_back([&, i] {
      if (!ch.Send(i + 1)) ++failed;
    });
  }
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(failed.load(), 0) << "senders must block on a full channel";
  ch.Close();
  for (auto& t : senders) t.join();
  EXPECT_EQ(failed.load(), 3);
  EXPECT_EQ(ch.Receive(), 0) << "the value accepted before Close survives";
  EXPECT_EQ(ch.Receive(), std::nullopt);
}

TEST(Channel, UnbufferedSendWaitsForReceiver) {
  Channel<int> ch;  // capacity 0: a rendezvous
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    EXPECT_TRUE(ch.Send(42));
    sent = true;
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(sent.load()) << "unbuffered Send returned with no receiver";
  EXPECT_EQ(ch.Receive(), 42);
  sender.join();
  EXPECT_TRUE(sent.load());
}

TEST(Channel, UnbufferedSendFailsIfClosedBeforeTaken) {
  Channel<int> ch;
  std::atomic<int> result{-1};
  std::thread sender([&] { result = ch.Send(7) ? 1 : 0; });
  std::this_thread::sleep_for(20ms);
  ch.Close();
  sender.join();
  EXPECT_EQ(result.load(), 0) << "nobody took the value: Send must say so";
  EXPECT_EQ(ch.Receive(), std::nullopt) << "and the value is withdrawn";
}

TEST(Channel, UnbufferedManySendersEachValueOnce) {
  Channel<int> ch;
  constexpr int kSenders = 8, kEach = 500;
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (int i = 0; i < kEach; ++i) ASSERT_TRUE(ch.Send(s * kEach + i));
    });
  }
  std::vector<int> seen(kSenders * kEach, 0);
  for (int n = 0; n < kSenders * kEach; ++n) ++seen[*ch.Receive()];
  for (auto& t : senders) t.join();
  for (int v : seen) ASSERT_EQ(v, 1);
}

TEST(Channel, RangeForReceivesUntilClosed) {
  Channel<int> ch(2);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) ch.Send(i);
    ch.Close();
  });
  std::vector<int> got;
  for (int& v : ch) got.push_back(v);
  producer.join();
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[i], i);
}

// Many producers and consumers: every value arrives exactly once, and per
// producer in the order sent.
TEST(Channel, ManyProducersManyConsumersNothingLost) {
  for (std::size_t capacity : {0u, 1u, 7u, 64u}) {
    Channel<std::pair<int, int>> ch(capacity);
    constexpr int kProducers = 6, kConsumers = 5, kEach = 2000;
    std::vector<std::vector<std::pair<int, int>>> got(kConsumers);
    std::vector<std::thread> consumers, producers;
    for (int c = 0; c < kConsumers; ++c) {
      consumers.emplace_back([&, c] {
        for (auto& v : ch) got[c].push_back(v);
      });
    }
    for (int p = 0; p < kProducers; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < kEach; ++i) ASSERT_TRUE(ch.Send({p, i}));
      });
    }
    for (auto& t : producers) t.join();
    ch.Close();
    for (auto& t : consumers) t.join();

    std::vector<std::vector<int>> count(kProducers, std::vector<int>(kEach));
    for (const auto& list : got) {
      std::vector<int> last(kProducers, -1);
      for (auto [p, i] : list) {
        ++count[p][i];
        EXPECT_GT(i, last[p]) << "per-producer order broken for one consumer";
        last[p] = i;
      }
    }
    for (int p = 0; p < kProducers; ++p) {
      for (int i = 0; i < kEach; ++i) {
        ASSERT_EQ(count[p][i], 1) << "capacity " << capacity << " value " << p
                                  << "/" << i;
      }
    }
  }
}

TEST(Channel, MoveOnlyValues) {
  Channel<std::unique_ptr<int>> ch(1);
  ch.Send(std::make_unique<int>(7));
  auto v = ch.Receive();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(**v, 7);
}

}  // namespace
}  // namespace crawl
