// HttpClient without a loop thread (HttpOptions::own_thread = false): the
// owner turns the loop with Poll(), as the event engine does. Against the
// bench site on 127.0.0.1.
#include "fetch/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "benchsite/site_server.h"

namespace crawl {
namespace {

using Clock = std::chrono::steady_clock;

HttpOptions Driven() {
  HttpOptions o;
  o.own_thread = false;
  o.allow_private = true;  // 127.0.0.1
  return o;
}

TEST(HttpClientDriven, PollCarriesManyTransfersOnTheCallersThread) {
  SiteServer site({.pages = 100, .fanout = 3, .page_size = 1024,
                   .latency = std::chrono::milliseconds(20)});
  ASSERT_TRUE(site.Start().ok());
  HttpClient client(Driven());
  ASSERT_TRUE(client.status().ok());
  const std::thread::id me = std::this_thread::get_id();
  int done = 0, ok = 0, other_thread = 0;
  for (std::uint64_t i = 0; i < 100; ++i) {
    client.Start(site.RootUrl() + SitePagePath(i).substr(1),
                 [&](HttpResponse&& r) {
                   ++done;
                   if (r.status == 200 && r.body.size() == 1024) ++ok;
                   if (std::this_thread::get_id() != me) ++other_thread;
                 });
  }
  EXPECT_EQ(done, 0) << "nothing happens until the owner turns the loop";
  const auto start = Clock::now();
  while (done < 100 && Clock::now() - start < std::chrono::seconds(20)) {
    EXPECT_TRUE(client.Poll(Clock::now() + std::chrono::milliseconds(100)));
  }
  EXPECT_EQ(done, 100);
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(other_thread, 0);
  // 100 requests of 20 ms each, all in flight at once: far less than the
  // 2 s they would take one by one (a generous bound for slow CI).
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1500));
}

TEST(HttpClientDriven, PollReturnsAtTheDeadlineOrOnInterrupt) {
  HttpClient client(Driven());
  auto start = Clock::now();
  EXPECT_TRUE(client.Poll(start + std::chrono::milliseconds(50)));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(45));

  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.Interrupt();
  });
  start = Clock::now();
  EXPECT_TRUE(client.Poll(start + std::chrono::seconds(20)));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  other.join();
}

TEST(HttpClientDriven, GetTurnsTheLoopItself) {
  SiteServer site({.pages = 5, .fanout = 2, .page_size = 2048});
  ASSERT_TRUE(site.Start().ok());
  HttpClient client(Driven());
  HttpResponse r = client.Get(site.RootUrl());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 2048u);
}

TEST(HttpClientDriven, CancelFromAnotherThreadEndsTransfers) {
  SiteServer site({.pages = 10, .fanout = 2, .page_size = 1024,
                   .latency = std::chrono::milliseconds(10'000)});
  ASSERT_TRUE(site.Start().ok());
  HttpClient client(Driven());
  int cancelled = 0, done = 0;
  for (int i = 0; i < 10; ++i) {
    client.Start(site.RootUrl(), [&](HttpResponse&& r) {
      ++done;
      if (r.error_kind == ErrorKind::kCancelled) ++cancelled;
    });
  }
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.CancelAll();
  });
  const auto start = Clock::now();
  while (done < 10 && Clock::now() - start < std::chrono::seconds(5)) {
    client.Poll(Clock::now() + std::chrono::milliseconds(100));
  }
  stopper.join();
  EXPECT_EQ(done, 10);
  EXPECT_EQ(cancelled, 10);
}

TEST(HttpClientDriven, DestructorEndsWhatIsLeftOnce) {
  SiteServer site({.pages = 10, .fanout = 2, .page_size = 1024,
                   .latency = std::chrono::milliseconds(10'000)});
  ASSERT_TRUE(site.Start().ok());
  int done = 0, cancelled = 0;
  {
    HttpClient client(Driven());
    for (int i = 0; i < 5; ++i) {
      client.Start(site.RootUrl(), [&](HttpResponse&& r) {
        ++done;
        if (r.error_kind == ErrorKind::kCancelled) ++cancelled;
      });
    }
    client.Poll(Clock::now() + std::chrono::milliseconds(50));  // in flight
    for (int i = 0; i < 3; ++i) {  // still waiting to start
      client.Start(site.RootUrl(), [&](HttpResponse&& r) {
        ++done;
        if (r.error_kind == ErrorKind::kCancelled) ++cancelled;
      });
    }
  }
  EXPECT_EQ(done, 8);
  EXPECT_EQ(cancelled, 8);
}

TEST(HttpClientDriven, WakerWakesPollAndOutlivesTheClient) {
  std::shared_ptr<const HttpClient::Waker> waker;
  {
    HttpClient client(Driven());
    waker = client.waker();
    ASSERT_NE(waker, nullptr);
    std::thread other([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      waker->Wake();
    });
    const auto start = Clock::now();
    EXPECT_TRUE(client.Poll(start + std::chrono::seconds(20)));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
    other.join();
  }
  // A parse job finishing after its fetcher is gone still holds the waker:
  // waking it must be harmless (ASan would report a use after free).
  waker->Wake();
  waker->Wake();
}

}  // namespace
}  // namespace crawl
