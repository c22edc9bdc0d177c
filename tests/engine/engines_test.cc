// Every engine on the lecture's graph, and the behaviour every engine shares.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "engine/engine_test_util.h"

namespace crawl {
namespace {

using testing::CollectingSink;
using testing::kAllEngines;

class EngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  CrawlOptions Options(std::vector<std::string> seeds) {
    CrawlOptions o;
    o.seeds = std::move(seeds);
    o.engine = GetParam();
    o.concurrency = 4;
    return o;
  }
};

// The lecture: golang.org/, pkg/, pkg/fmt/, pkg/os/ exist; cmd/ is missing.
TEST_P(EngineTest, LectureGraphFindsTheFourPagesAndCmdMissing) {
  auto fetcher = FakeFetcher::Lecture();
  CollectingSink sink;
  auto summary = Crawl(Options(fetcher->seeds()), *fetcher, sink);
  ASSERT_TRUE(summary.ok()) << summary.status().message();

  std::map<std::string, Outcome> outcome;
  for (const auto& r : sink.records()) {
    EXPECT_TRUE(outcome.emplace(r.url, r.result.outcome).second)
        << r.url << " recorded twice";
  }
  const std::map<std::string, Outcome> expected = {
      {"http://golang.org/", Outcome::kFetched},
      {"http://golang.org/pkg/", Outcome::kFetched},
      {"http://golang.org/pkg/fmt/", Outcome::kFetched},
      {"http://golang.org/pkg/os/", Outcome::kFetched},
      {"http://golang.org/cmd/", Outcome::kNotFound},
  };
  EXPECT_EQ(outcome, expected);
  EXPECT_EQ(summary->fetched, 4u);
  EXPECT_EQ(summary->not_found, 1u);
  EXPECT_EQ(summary->errors, 0u);
  EXPECT_EQ(summary->pages, 5u);
  for (const auto& [url, n] : fetcher->FetchCounts()) {
    EXPECT_EQ(n, 1) << url << " fetched " << n << " times";
  }
  EXPECT_EQ(fetcher->TotalFetches(), 5u);
  EXPECT_FALSE(sink.overlapped());
}

TEST_P(EngineTest, LectureRecordsHaveDepthAndParent) {
  auto fetcher = FakeFetcher::Lecture();
  CollectingSink sink;
  ASSERT_TRUE(Crawl(Options(fetcher->seeds()), *fetcher, sink).ok());
  for (const auto& r : sink.records()) {
    if (r.url == "http://golang.org/") {
      EXPECT_EQ(r.depth, 0);
      EXPECT_EQ(r.parent, "");
      EXPECT_EQ(r.result.links.size(), 2u);
    } else if (r.url == "http://golang.org/pkg/fmt/") {
      EXPECT_EQ(r.depth, 2);
      EXPECT_EQ(r.parent, "http://golang.org/pkg/");
    } else if (r.url == "http://golang.org/cmd/") {
      EXPECT_EQ(r.depth, 1);
      EXPECT_EQ(r.parent, "http://golang.org/");
    }
  }
}

TEST_P(EngineTest, LectureDepthOneStopsBeforeFmtAndOs) {
  auto fetcher = FakeFetcher::Lecture();
  CollectingSink sink;
  CrawlOptions o = Options(fetcher->seeds());
  o.max_depth = 1;
  ASSERT_TRUE(Crawl(o, *fetcher, sink).ok());
  EXPECT_EQ(sink.Urls(),
            (std::set<std::string>{"http://golang.org/", "http://golang.org/pkg/",
                                   "http://golang.org/cmd/"}));
}

TEST_P(EngineTest, MaxPagesIsExact) {
  auto fetcher = FakeFetcher::Lecture();
  CollectingSink sink;
  CrawlOptions o = Options(fetcher->seeds());
  o.max_pages = 3;
  auto summary = Crawl(o, *fetcher, sink);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(sink.records().size(), 3u);
  EXPECT_EQ(fetcher->TotalFetches(), 3u);
}

// The lecture's point about `defer done.Done()`: a fetch that throws must not
// stop the crawl or leave it waiting forever.
class ThrowingFetcher : public Fetcher {
 public:
  FetchResult Fetch(const Request& request) override {
    const std::string& url = request.url;
    if (url == "http://t/boom") throw std::runtime_error("kaboom");
    if (url == "http://t/int") throw 42;
    if (url == "http://t/") {
      return FetchResult::Fetched(
          {"http://t/boom", "http://t/int", "http://t/ok"});
    }
    return FetchResult::Fetched({"http://t/"});
  }
};

TEST_P(EngineTest, ThrowingFetchIsRecordedAndTheCrawlGoesOn) {
  ThrowingFetcher fetcher;
  CollectingSink sink;
  auto summary = Crawl(Options({"http://t/"}), fetcher, sink);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->pages, 4u);
  EXPECT_EQ(summary->errors, 2u);
  for (const auto& r : sink.records()) {
    if (r.url == "http://t/boom") {
      EXPECT_EQ(r.result.outcome, Outcome::kError);
      EXPECT_EQ(r.result.error.kind, ErrorKind::kException);
      EXPECT_EQ(r.result.error.message, "kaboom");
    } else if (r.url == "http://t/int") {
      EXPECT_EQ(r.result.error.kind, ErrorKind::kException);
    } else {
      EXPECT_EQ(r.result.outcome, Outcome::kFetched);
    }
  }
}

TEST_P(EngineTest, DuplicateSeedsAreOnePage) {
  auto fetcher = FakeFetcher::Lecture();
  CollectingSink sink;
  auto summary = Crawl(
      Options({"http://golang.org/", "http://golang.org/", "http://golang.org/pkg/"}),
      *fetcher, sink);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->pages, 5u);
  for (const auto& [url, n] : fetcher->FetchCounts()) EXPECT_EQ(n, 1) << url;
}

TEST_P(EngineTest, ConcurrencyOfOneStillFinishes) {
  auto fetcher = FakeFetcher::Random({.pages = 300, .fanout = 5, .seed = 3});
  CollectingSink sink;
  CrawlOptions o = Options(fetcher->seeds());
  o.concurrency = 1;
  auto summary = Crawl(o, *fetcher, sink);
  ASSERT_TRUE(summary.ok());
  EXPECT_GT(summary->pages, 100u);
}

// A sink that throws (or std::bad_alloc anywhere) ends the crawl with an
// error status; it must never std::terminate or hang.
class ThrowingSink : public RecordSink {
 public:
  void OnRecord(const PageRecord&) override {
    if (++n_ == 5) throw std::runtime_error("disk on fire");
  }

 private:
  int n_ = 0;
};

TEST_P(EngineTest, ThrowingSinkAbortsTheCrawlCleanly) {
  auto fetcher = FakeFetcher::Random({.pages = 500, .fanout = 4, .seed = 2});
  fetcher->set_latency(std::chrono::microseconds(200));
  ThrowingSink sink;
  CrawlOptions o = Options(fetcher->seeds());
  o.concurrency = 8;
  auto summary = Crawl(o, *fetcher, sink);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), Status::Code::kInternal);
  EXPECT_NE(summary.status().message().find("disk on fire"), std::string::npos);
  EXPECT_LT(fetcher->TotalFetches(), 100u) << "the crawl stopped";
}

// Records stream as fetches complete: the first arrives long before the
// crawl ends.
class FirstRecordSink : public RecordSink {
 public:
  explicit FirstRecordSink(FakeFetcher& f) : f_(f) {}
  void OnRecord(const PageRecord&) override {
    if (first_fetches_ == 0) first_fetches_ = f_.TotalFetches();
  }
  std::uint64_t first_fetches_ = 0;

 private:
  FakeFetcher& f_;
};

TEST_P(EngineTest, RecordsStreamAsTheCrawlGoes) {
  auto fetcher = FakeFetcher::Random({.pages = 400, .fanout = 4, .seed = 4});
  FirstRecordSink sink(*fetcher);
  CrawlOptions o = Options(fetcher->seeds());
  o.concurrency = 4;
  auto summary = Crawl(o, *fetcher, sink);
  ASSERT_TRUE(summary.ok());
  ASSERT_GT(summary->pages, 300u);
  EXPECT_LE(sink.first_fetches_, 5u)
      << "the first record came only after " << sink.first_fetches_
      << " fetches";
}

TEST_P(EngineTest, RobotsDisallowIsHonouredAndRecorded) {
  auto fetcher = FakeFetcher::Lecture();
  fetcher->AddDocument("http://golang.org/robots.txt", 200,
                       "User-agent: *\nDisallow: /pkg/fmt/\n");
  CollectingSink sink;
  auto summary = Crawl(Options(fetcher->seeds()), *fetcher, sink);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(fetcher->FetchCount("http://golang.org/pkg/fmt/"), 0);
  EXPECT_EQ(fetcher->DocumentFetchCount("http://golang.org/robots.txt"), 1);
  EXPECT_EQ(summary->robots, 1u);
  EXPECT_EQ(summary->pages, 5u) << "4 fetched + 1 blocked record";
  bool seen = false;
  for (const auto& r : sink.records()) {
    if (r.url == "http://golang.org/pkg/fmt/") {
      seen = true;
      EXPECT_EQ(r.result.outcome, Outcome::kRobots);
    }
  }
  EXPECT_TRUE(seen);
}

// Wraps a fetcher and remembers the most fetches ever in flight at once.
class ConcurrencyMeter : public Fetcher {
 public:
  explicit ConcurrencyMeter(Fetcher& inner) : inner_(inner) {}
  FetchResult Fetch(const Request& request) override {
    const std::string& url = request.url;
    Enter();
    FetchResult r = inner_.Fetch(url);
    --active_;
    return r;
  }
  // The event engine's path: in flight from the call to the callback.
  void FetchAsync(const Request& request, FetchCallback done) override {
    const std::string& url = request.url;
    Enter();
    inner_.FetchAsync(url, [this, done = std::move(done)](FetchResult r) {
      --active_;
      done(std::move(r));
    });
  }
  int max() const { return max_.load(); }

 private:
  void Enter() {
    const int now = ++active_;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
  }

  Fetcher& inner_;
  std::atomic<int> active_{0}, max_{0};
};

TEST_P(EngineTest, PerHostCapHoldsUnderConcurrency) {
  auto fake = FakeFetcher::Random({.pages = 300, .fanout = 4, .seed = 8});
  fake->set_latency(std::chrono::microseconds(300));
  ConcurrencyMeter meter(*fake);
  CollectingSink sink;
  CrawlOptions o = Options(fake->seeds());
  o.concurrency = 16;
  o.per_host = 3;
  auto summary = Crawl(o, meter, sink);
  ASSERT_TRUE(summary.ok());
  EXPECT_GT(summary->pages, 200u);
  EXPECT_LE(meter.max(), 3);
  if (GetParam() != Engine::kSerial) {
    EXPECT_EQ(meter.max(), 3) << "and used";
  }
}

TEST_P(EngineTest, DelaySpacesRequestsToAHost) {
  auto fetcher = FakeFetcher::Lecture();
  CollectingSink sink;
  CrawlOptions o = Options(fetcher->seeds());
  o.delay = 0.05;  // 25..75 ms between requests
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Crawl(o, *fetcher, sink).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(4 * 25))
      << "5 pages on one host: at least 4 gaps";
  EXPECT_EQ(sink.records().size(), 5u);
}

TEST_P(EngineTest, InvalidOptionsAreRejected) {
  auto fetcher = FakeFetcher::Lecture();
  CollectingSink sink;
  auto none = Crawl(Options({}), *fetcher, sink);
  EXPECT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(Crawl(Options({""}), *fetcher, sink).ok());
  EXPECT_FALSE(Crawl(Options({"ftp://golang.org/"}), *fetcher, sink).ok());
  CrawlOptions bad_regex = Options(fetcher->seeds());
  bad_regex.include = {"("};
  EXPECT_FALSE(Crawl(bad_regex, *fetcher, sink).ok());
  CrawlOptions zero = Options(fetcher->seeds());
  zero.concurrency = 0;
  EXPECT_FALSE(Crawl(zero, *fetcher, sink).ok());
  EXPECT_EQ(fetcher->TotalFetches(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllEngines, EngineTest,
                         ::testing::ValuesIn(testing::kAllEngines),
                         [](const auto& info) {
                           return std::string(EngineName(info.param));
                         });

TEST(EngineName, RoundTrips) {
  for (Engine e : kAllEngines) {
    auto parsed = ParseEngine(EngineName(e));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, e);
  }
  EXPECT_FALSE(ParseEngine("goroutine").ok());
}

}  // namespace
}  // namespace crawl
