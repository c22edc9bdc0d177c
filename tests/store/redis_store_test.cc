// RedisStore against a real redis-server, started by the test on a Unix
// socket in a temporary directory (and stopped by it): offers and
// arrivals, the seen set, leases and fencing, termination, foreign data.
#include "store/redis_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace crawl {
namespace {

class RedisServer {
 public:
  RedisServer() {
    char tmpl[] = "/tmp/crawl-redis-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    socket_ = dir_ + "/redis.sock";
    pid_ = fork();
    if (pid_ == 0) {
      execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", socket_.c_str(),
             "--dir", dir_.c_str(), "--save", "", "--appendonly", "no", "--daemonize", "no",
             "--logfile", (dir_ + "/redis.log").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500 && !std::filesystem::exists(socket_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~RedisServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
  }
  RedisEndpoint endpoint() const {
    RedisEndpoint e;
    std::string error;
    EXPECT_TRUE(ParseRedisUrl("unix://" + socket_, e, error)) << error;
    return e;
  }

 private:
  std::string dir_, socket_;
  pid_t pid_ = -1;
};

RedisStoreOptions Options(const RedisServer& redis, const std::string& process,
                          double ttl = 30) {
  RedisStoreOptions o;
  o.servers = {redis.endpoint()};
  o.crawl_id = "t";
  o.process_id = process;
  o.lease_ttl_s = ttl;
  return o;
}

// Adds `url` here and offers it (depth, parent key).
UrlKey Offer(RedisStore& store, const std::string& url, int depth = 1,
             UrlKey parent = kNoUrl, std::uint8_t hops = 0) {
  const UrlKey key = store.Add(url).key;
  UrlState s;
  s.depth = depth;
  s.parent = parent;
  s.hops = hops;
  s.stage = UrlStage::kDone;
  store.Set(key, s);
  store.Offer(key, s);
  return key;
}

std::vector<std::string> Urls(RedisStore& store, const FrontierStore::Exchanged& x) {
  std::vector<std::string> out;
  for (const auto& a : x.arrivals) out.push_back(store.Url(a.key));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RedisUrlTest, Forms) {
  RedisEndpoint e;
  std::string error;
  ASSERT_TRUE(ParseRedisUrl("redis://cache.example:6380/3", e, error));
  EXPECT_EQ(e.host, "cache.example");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 3);
  ASSERT_TRUE(ParseRedisUrl("redis://crawler:p%40ss@10.0.0.1:7000", e, error));
  EXPECT_EQ(e.user, "crawler");
  EXPECT_EQ(e.password, "p@ss");
  EXPECT_EQ(e.display.find("p@ss"), std::string::npos) << e.display;
  ASSERT_TRUE(ParseRedisUrl("redis://[::1]:6379", e, error));
  EXPECT_EQ(e.host, "::1");
  ASSERT_TRUE(ParseRedisUrl("redis://localhost", e, error));
  EXPECT_EQ(e.port, 6379);
  ASSERT_TRUE(ParseRedisUrl("unix:///run/redis/redis.sock?db=2", e, error));
  EXPECT_EQ(e.path, "/run/redis/redis.sock");
  EXPECT_EQ(e.db, 2);
  ASSERT_TRUE(ParseRedisUrl("unix://u:secret@/tmp/r.sock", e, error));
  EXPECT_EQ(e.path, "/tmp/r.sock");
  EXPECT_EQ(e.password, "secret");
  EXPECT_EQ(e.display.find("secret"), std::string::npos);
  for (const char* bad : {"http://x", "redis://", "redis://h:0", "redis://h:99999",
                          "redis://h:x", "redis://h/x", "unix://relative.sock",
                          "unix:///s?x=1", "redis://[::1"}) {
    EXPECT_FALSE(ParseRedisUrl(bad, e, error)) << bad;
  }
}

TEST(RedisStoreTest, OfferedUrlsArriveOnceAtTheHolder) {
  RedisServer redis;
  RedisStore a(Options(redis, "a"), FrontierStore::Order::kBreadthFirst);
  EXPECT_FALSE(a.Finished()) << "no seed yet: not over";
  const UrlKey seed = Offer(a, "http://x.test/", 0);
  Offer(a, "http://x.test/1", 1, seed);
  Offer(a, "http://y.test/2", 1, seed, 2);
  FrontierStore::Exchanged x;
  a.Exchange(x);
  ASSERT_EQ(Urls(a, x), (std::vector<std::string>{"http://x.test/", "http://x.test/1",
                                                  "http://y.test/2"}));
  EXPECT_TRUE(a.Holds("x.test"));
  EXPECT_TRUE(a.Holds("y.test"));
  for (const auto& arrival : x.arrivals) {
    const std::string url = a.Url(arrival.key);
    if (url == "http://x.test/") {
      EXPECT_EQ(arrival.depth, 0);
      EXPECT_EQ(arrival.parent, kNoUrl);
    } else {
      EXPECT_EQ(arrival.depth, 1);
      EXPECT_EQ(a.Url(arrival.parent), "http://x.test/");
      EXPECT_EQ(arrival.hops, url == "http://y.test/2" ? 2 : 0);
    }
  }
  // Offered again (by anyone): seen, nothing arrives.
  RedisStore b(Options(redis, "b"), FrontierStore::Order::kBreadthFirst);
  Offer(b, "http://x.test/1");
  Offer(a, "http://y.test/2");
  FrontierStore::Exchanged y;
  b.Exchange(y);
  a.Exchange(y);
  EXPECT_TRUE(y.arrivals.empty());
  // A new URL of a host a holds arrives at a, not at b.
  Offer(b, "http://x.test/3");
  b.Exchange(y);
  EXPECT_TRUE(y.arrivals.empty());
  a.Exchange(y);
  EXPECT_EQ(Urls(a, y), (std::vector<std::string>{"http://x.test/3"}));
  // Not over until every URL is completed; then over for both.
  EXPECT_FALSE(a.Finished());
  for (const std::string url : {"http://x.test/", "http://x.test/1", "http://y.test/2",
                                "http://x.test/3"}) {
    UrlState s = a.Get(a.Find(url));
    s.stage = UrlStage::kDone;
    a.Set(a.Find(url), s);
  }
  a.Exchange(y);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_TRUE(a.Finished());
  EXPECT_TRUE(b.Finished());
}

TEST(RedisStoreTest, SeenSetHoldsThousandsOfUrlsOfOneHost) {
  RedisServer redis;
  RedisStore a(Options(redis, "a"), FrontierStore::Order::kBreadthFirst);
  constexpr int kUrls = 5000;  // 156 buckets, each split once or more
  for (int i = 0; i < kUrls; ++i) Offer(a, "http://big.test/" + std::to_string(i));
  FrontierStore::Exchanged x;
  a.Exchange(x);
  EXPECT_EQ(x.arrivals.size(), static_cast<std::size_t>(kUrls));
  // Another process finds them all again: every one is seen, whatever
  // level it went to.
  RedisStore b(Options(redis, "b"), FrontierStore::Order::kBreadthFirst);
  for (int i = 0; i < kUrls; ++i) Offer(b, "http://big.test/" + std::to_string(i));
  Offer(b, "http://big.test/new");
  b.Exchange(x);
  a.Exchange(x);
  EXPECT_EQ(Urls(a, x), (std::vector<std::string>{"http://big.test/new"}));
  RedisClient c(redis.endpoint(), nullptr);
  EXPECT_EQ(c.Run1({"HGET", "crawl:t:c", "seen"}).str, std::to_string(kUrls + 1));
  EXPECT_EQ(c.Run1({"HGET", "crawl:t:c", "n"}).str, std::to_string(kUrls + 1));
  // Linear hashing: 2^L + S buckets of at most about 32 (none left behind
  // at a split).
  const RedisValue m = c.Run1({"HMGET", "crawl:t:{big.test}:m", "L", "s"});
  const int buckets = (1 << std::stoi(m.array[0].str)) + std::stoi(m.array[1].str);
  EXPECT_EQ(buckets, (kUrls + 1 + 31) / 32);
  std::int64_t total = 0;
  for (int b = 0; b < buckets; ++b) {
    const std::int64_t n = c.Run1({"HLEN", "crawl:t:{big.test}:s:" + std::to_string(b)}).integer;
    EXPECT_LE(n, 80) << b;
    total += n;
  }
  EXPECT_EQ(total, kUrls + 1);
}

TEST(RedisStoreTest, ALapsedLeaseGoesElsewhereAndItsHolderWritesNothing) {
  RedisServer redis;
  RedisStore a(Options(redis, "a", /*ttl=*/1), FrontierStore::Order::kBreadthFirst);
  Offer(a, "http://x.test/1");
  Offer(a, "http://x.test/2");
  FrontierStore::Exchanged x;
  a.Exchange(x);
  ASSERT_EQ(x.arrivals.size(), 2u);
  ASSERT_TRUE(a.Holds("x.test"));
  // a is paused past its lease: it completes /1 but cannot send it yet.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_FALSE(a.Holds("x.test"));
  const UrlKey one = a.Find("http://x.test/1");
  UrlState s = a.Get(one);
  s.stage = UrlStage::kDone;
  a.Set(one, s);
  // b takes the host, with both URLs still pending.
  RedisStore b(Options(redis, "b", 1), FrontierStore::Order::kBreadthFirst);
  FrontierStore::Exchanged y;
  b.Exchange(y);
  EXPECT_EQ(Urls(b, y), (std::vector<std::string>{"http://x.test/1", "http://x.test/2"}));
  EXPECT_TRUE(b.Holds("x.test"));
  // a wakes: the host is lost, and its completion was not written.
  a.Exchange(x);
  EXPECT_EQ(x.lost, (std::vector<std::string>{"x.test"}));
  RedisClient c(redis.endpoint(), nullptr);
  EXPECT_EQ(c.Run1({"HLEN", "crawl:t:{x.test}:p"}).integer, 2);
  EXPECT_EQ(c.Run1({"GET", "crawl:t:{x.test}:l"}).str, "b 2") << "a new epoch";
}

TEST(RedisStoreTest, AHostLostAndTakenBackIsReadAgainNotCompleted) {
  RedisServer redis;
  RedisStore a(Options(redis, "a", /*ttl=*/1), FrontierStore::Order::kBreadthFirst);
  Offer(a, "http://x.test/1");
  FrontierStore::Exchanged x;
  a.Exchange(x);
  ASSERT_EQ(x.arrivals.size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // paused
  // The exchange that finds the lease lapsed takes nothing back...
  a.Exchange(x);
  EXPECT_EQ(x.lost, (std::vector<std::string>{"x.test"}));
  EXPECT_TRUE(x.arrivals.empty());
  // ... so the policy's drop of the old arrival completes nothing ...
  const UrlKey one = a.Find("http://x.test/1");
  UrlState s = a.Get(one);
  s.stage = UrlStage::kDone;
  a.Set(one, s);
  // ... and the next one takes the host back and gives the URL again.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  a.Exchange(x);
  EXPECT_EQ(Urls(a, x), (std::vector<std::string>{"http://x.test/1"}));
  RedisClient c(redis.endpoint(), nullptr);
  EXPECT_EQ(c.Run1({"HLEN", "crawl:t:{x.test}:p"}).integer, 1);
}

TEST(RedisStoreTest, NewsLongerThanOneReadIsReadToTheEnd) {
  RedisServer redis;
  RedisStore a(Options(redis, "a"), FrontierStore::Order::kBreadthFirst);
  Offer(a, "http://x.test/");
  FrontierStore::Exchanged x;
  a.Exchange(x);
  ASSERT_TRUE(a.Holds("x.test"));
  RedisStore b(Options(redis, "b"), FrontierStore::Order::kBreadthFirst);
  for (int i = 0; i < 2500; ++i) Offer(b, "http://x.test/" + std::to_string(i));
  b.Exchange(x);
  std::size_t got = 0;
  for (int round = 0; round < 5; ++round) {
    a.Exchange(x);
    got += x.arrivals.size();
  }
  EXPECT_EQ(got, 2500u);
}

TEST(RedisStoreTest, JoinWaitsForAnIdInUseAndRefusesServersInAnotherOrder) {
  RedisServer one, two, three;
  RedisStore a(Options(one, "a"), FrontierStore::Order::kBreadthFirst);
  a.Join();
  // The same id while a lives: waits (here: stopped at once).
  std::atomic<bool> stop{true};
  RedisStoreOptions same = Options(one, "a");
  same.stop = &stop;
  RedisStore twin(same, FrontierStore::Order::kBreadthFirst);
  EXPECT_THROW(twin.Join(), StoreError);
  a.Sync();  // a leaves: the id is free
  RedisStore again(Options(one, "a"), FrontierStore::Order::kBreadthFirst);
  EXPECT_NO_THROW(again.Join());
  // one is server 1/1 of the crawl: listed as 1/2, refused.
  RedisStoreOptions ab = Options(one, "b");
  ab.servers.push_back(two.endpoint());
  RedisStore b(ab, FrontierStore::Order::kBreadthFirst);
  EXPECT_THROW(b.Join(), StoreError);
  // three, one: three takes place 1/2, then one refuses 2/2; three's place
  // is given back, so three alone may still be the crawl's 1/1.
  RedisStoreOptions order = Options(three, "c");
  order.servers.push_back(one.endpoint());
  RedisStore c(order, FrontierStore::Order::kBreadthFirst);
  try {
    c.Join();
    FAIL() << "no error";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("same order"), std::string::npos) << e.what();
  }
  RedisClient raw(three.endpoint(), nullptr);
  EXPECT_TRUE(raw.Run1({"GET", "crawl:t:server"}).nil());
  RedisStore d(Options(three, "d"), FrontierStore::Order::kBreadthFirst);
  EXPECT_NO_THROW(d.Join());
}

TEST(RedisStoreTest, ReleasedLeasesAreTakenAtOnce) {
  RedisServer redis;
  RedisStore a(Options(redis, "a"), FrontierStore::Order::kBreadthFirst);
  Offer(a, "http://x.test/1");
  FrontierStore::Exchanged x;
  a.Exchange(x);
  ASSERT_TRUE(a.Holds("x.test"));
  a.Sync();  // leaves: gives the lease back
  RedisStore b(Options(redis, "b"), FrontierStore::Order::kBreadthFirst);
  b.Exchange(x);
  EXPECT_EQ(Urls(b, x), (std::vector<std::string>{"http://x.test/1"}));
}

TEST(RedisStoreTest, ForeignDataIsAClearError) {
  RedisServer redis;
  RedisClient c(redis.endpoint(), nullptr);
  {
    RedisStore a(Options(redis, "a"), FrontierStore::Order::kBreadthFirst);
    Offer(a, "http://x.test/1");
    FrontierStore::Exchanged x;
    // A pending entry that is not one of ours.
    c.Run1({"HSET", "crawl:t:{x.test}:p", "12345678", "\xff\xff garbage"});
    EXPECT_THROW(a.Exchange(x), StoreError);
  }
  c.Run1({"DEL", "crawl:t:open"});
  c.Run1({"SET", "crawl:t:open", "a string, not a sorted set"});
  RedisStore b(Options(redis, "b"), FrontierStore::Order::kBreadthFirst);
  Offer(b, "http://y.test/1");
  FrontierStore::Exchanged x;
  try {
    b.Exchange(x);
    FAIL() << "no error";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("WRONGTYPE"), std::string::npos) << e.what();
  }
  c.Run1({"SET", "crawl:t:options", ""});
  EXPECT_THROW(b.ClaimOptions("x"), StoreError);
}

}  // namespace
}  // namespace crawl
