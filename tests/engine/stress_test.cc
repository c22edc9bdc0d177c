// The concurrent engines with latency and injected faults at high
// concurrency: the test ThreadSanitizer reruns in CI to prove them race-free.
#include <gtest/gtest.h>

#include "engine/engine_test_util.h"

namespace crawl {
namespace {

using testing::CollectingSink;
using testing::ReferenceCrawl;
using testing::Watchdog;

struct StressCase {
  int pages, fanout, concurrency, latency_us, max_depth;
  std::uint64_t max_pages;
};

class StressTest : public ::testing::TestWithParam<Engine> {};

TEST_P(StressTest, LatencyAndFaultsAtHighConcurrency) {
  const StressCase cases[] = {
      {2000, 6, 64, 200, -1, 0},  {1500, 8, 128, 100, 4, 0},
      {1000, 4, 32, 300, -1, 500}, {3000, 10, 256, 50, 6, 2000},
  };
  for (const StressCase& s : cases) {
    SCOPED_TRACE("pages=" + std::to_string(s.pages) +
                 " concurrency=" + std::to_string(s.concurrency));
    RandomGraphOptions g{.pages = s.pages, .fanout = s.fanout, .seed = 77};
    g.missing_share = 0.05;
    FaultOptions faults{.error_share = 0.05, .throw_share = 0.05, .seed = 9};

    auto ref = FakeFetcher::Random(g);
    ref->set_faults(faults);
    const auto reference = ReferenceCrawl(*ref, ref->seeds(), s.max_depth);

    auto fetcher = FakeFetcher::Random(g);
    fetcher->set_faults(faults);
    fetcher->set_latency(std::chrono::microseconds(s.latency_us));
    CrawlOptions o;
    o.seeds = fetcher->seeds();
    o.engine = GetParam();
    o.concurrency = s.concurrency;
    o.max_depth = s.max_depth;
    o.max_pages = s.max_pages;
    CollectingSink sink;
    Result<CrawlSummary> summary = Status::Internal("not run");
    {
      Watchdog watchdog("stress", std::chrono::seconds(240));
      summary = Crawl(o, *fetcher, sink);
    }
    ASSERT_TRUE(summary.ok());
    EXPECT_FALSE(sink.overlapped());
    for (const auto& [url, n] : fetcher->FetchCounts()) ASSERT_EQ(n, 1) << url;
    const auto urls = sink.Urls();
    if (s.max_pages == 0 || s.max_pages >= reference.size()) {
      EXPECT_EQ(urls.size(), reference.size());
    } else {
      EXPECT_EQ(urls.size(), s.max_pages);
    }
    for (const auto& u : urls) ASSERT_TRUE(reference.count(u)) << u;
    EXPECT_GT(summary->errors, 0u) << "faults were injected";
  }
}

INSTANTIATE_TEST_SUITE_P(Concurrent, StressTest,
                         ::testing::Values(Engine::kMutex, Engine::kChannel,
                                           Engine::kEvent),
                         [](const auto& info) {
                           return std::string(EngineName(info.param));
                         });

}  // namespace
}  // namespace crawl
