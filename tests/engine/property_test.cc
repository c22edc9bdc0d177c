// Property test: on hundreds of random graphs (sizes, fanouts, depths,
// concurrency, injected errors and exceptions, several seeds, page caps),
// every engine fetches exactly the pages a breadth-first reference finds
// within the depth limit, fetches no URL twice, honours max_pages exactly,
// and terminates.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "engine/engine_test_util.h"

namespace crawl {
namespace {

using testing::CollectingSink;
using testing::ReferenceCrawl;
using testing::Watchdog;

struct Case {
  RandomGraphOptions graph;
  FaultOptions faults;
  std::vector<std::string> seeds;
  int max_depth = -1;
  std::uint64_t max_pages = 0;
  int concurrency = 1;
  int latency_us = 0;

  std::string Describe() const {
    std::ostringstream s;
    s << "pages=" << graph.pages << " fanout=" << graph.fanout
      << " seed=" << graph.seed << " depth=" << max_depth
      << " max_pages=" << max_pages << " concurrency=" << concurrency
      << " errors=" << faults.error_share << " throws=" << faults.throw_share
      << " latency_us=" << latency_us << " seeds=" << seeds.size();
    return s.str();
  }
};

std::unique_ptr<FakeFetcher> MakeFetcher(const Case& c) {
  auto f = FakeFetcher::Random(c.graph);
  f->set_faults(c.faults);
  f->set_latency(std::chrono::microseconds(c.latency_us));
  return f;
}

Case RandomCase(std::mt19937_64& rng, int index) {
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  auto chance = [&](double p) {
    return std::bernoulli_distribution(p)(rng);
  };
  Case c;
  c.graph.pages = chance(0.2) ? pick(1, 10) : pick(10, 400);
  c.graph.fanout = pick(0, 8);
  c.graph.seed = 1000 + index;
  c.graph.missing_share = chance(0.5) ? 0.1 : 0.0;
  c.graph.self_share = chance(0.5) ? 0.1 : 0.0;
  if (chance(0.5)) {
    c.faults.error_share = pick(1, 20) / 100.0;
    c.faults.throw_share = pick(0, 10) / 100.0;
    c.faults.seed = index;
  }
  const int nseeds = pick(1, 3);
  for (int i = 0; i < nseeds; ++i) {
    c.seeds.push_back(chance(0.1) ? "http://fake.test/missing/seed"
                                  : "http://fake.test/" +
                                        std::to_string(pick(0, c.graph.pages - 1)));
  }
  c.max_depth = chance(0.4) ? -1 : pick(0, 8);
  c.concurrency = std::vector<int>{1, 2, 3, 8, 16, 64}[pick(0, 5)];
  if (chance(0.3)) c.max_pages = pick(1, c.graph.pages + 5);
  if (chance(0.05)) c.latency_us = pick(1, 100);
  return c;
}

void CheckEngine(const Case& c, Engine engine,
                 const std::map<std::string, int>& reference) {
  SCOPED_TRACE(std::string("engine=") + EngineName(engine));
  auto fetcher = MakeFetcher(c);
  CollectingSink sink;
  CrawlOptions o;
  o.seeds = c.seeds;
  o.engine = engine;
  o.max_depth = c.max_depth;
  o.max_pages = c.max_pages;
  o.concurrency = c.concurrency;

  Result<CrawlSummary> summary = Status::Internal("not run");
  {
    Watchdog watchdog(c.Describe() + " engine=" + EngineName(engine),
                      std::chrono::seconds(60));
    summary = Crawl(o, *fetcher, sink);
  }
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_FALSE(sink.overlapped()) << "sink called concurrently";

  // No URL fetched twice; records match fetches one to one.
  for (const auto& [url, n] : fetcher->FetchCounts()) {
    ASSERT_EQ(n, 1) << url << " fetched " << n << " times";
  }
  const std::set<std::string> urls = sink.Urls();
  ASSERT_EQ(urls.size(), sink.records().size()) << "a URL recorded twice";
  ASSERT_EQ(fetcher->TotalFetches(), sink.records().size());
  ASSERT_EQ(summary->pages, sink.records().size());

  std::set<std::string> expected;
  for (const auto& [url, d] : reference) expected.insert(url);
  if (c.max_pages == 0 || c.max_pages >= expected.size()) {
    ASSERT_EQ(urls, expected);
  } else {
    ASSERT_EQ(urls.size(), c.max_pages) << "max_pages must be exact";
    for (const auto& u : urls) ASSERT_TRUE(expected.count(u)) << u;
  }

  // Every reported depth is a real path length within the limit.
  std::uint64_t errors = 0;
  for (const auto& r : sink.records()) {
    const int shortest = reference.at(r.url);
    ASSERT_GE(r.depth, shortest) << r.url;
    if (c.max_depth >= 0) {
      ASSERT_LE(r.depth, c.max_depth) << r.url;
    }
    if (r.depth == 0) {
      ASSERT_EQ(r.parent, "") << r.url;
    }
    if (r.depth > 0) {
      ASSERT_TRUE(urls.count(r.parent)) << r.url;
    }
    if (r.result.outcome == Outcome::kError) ++errors;
  }
  ASSERT_EQ(summary->errors, errors);
}

TEST(EngineProperty, SamePagesAsBreadthFirstReferenceOnRandomGraphs) {
  constexpr int kGraphs = 520;
  std::mt19937_64 rng(20261122);
  for (int i = 0; i < kGraphs; ++i) {
    const Case c = RandomCase(rng, i);
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.Describe());
    auto ref_fetcher = MakeFetcher(c);
    ref_fetcher->set_latency(std::chrono::microseconds(0));
    const auto reference = ReferenceCrawl(*ref_fetcher, c.seeds, c.max_depth);
    for (Engine engine : testing::kAllEngines) {
      CheckEngine(c, engine, reference);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// A page first met deep (and fetched at the depth limit, its links out of
// reach) and only later found through a shorter path must have its links
// followed. 0 -> [1, B]; 1 -> 2 -> 3 -> 4 -> 5; B -> 3; depth 3. The answer is
// {0, 1, 2, 3, 4, B}: 4 is at distance 3 through B. B is slow, so every
// engine meets 3 through 1 -> 2 first. A crawler that fixes a page's depth
// when it first meets it never fetches 4.
class SlowPageFetcher : public Fetcher {
 public:
  FetchResult Fetch(const Request& request) override {
    const std::string& url = request.url;
    static const std::map<std::string, std::vector<std::string>> kGraph = {
        {"http://g/0", {"http://g/1", "http://g/b"}},
        {"http://g/1", {"http://g/2"}}, {"http://g/2", {"http://g/3"}},
        {"http://g/3", {"http://g/4"}}, {"http://g/4", {"http://g/5"}},
        {"http://g/5", {}}, {"http://g/b", {"http://g/3"}}};
    if (url == "http://g/b") {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return FetchResult::Fetched(kGraph.at(url));
  }
};

TEST(EngineProperty, PageMetDeepThenShallowIsExpanded) {
  for (Engine engine : testing::kAllEngines) {
    SCOPED_TRACE(EngineName(engine));
    SlowPageFetcher f;
    CrawlOptions o;
    o.seeds = {"http://g/0"};
    o.engine = engine;
    o.max_depth = 3;
    o.concurrency = 2;
    CollectingSink sink;
    ASSERT_TRUE(Crawl(o, f, sink).ok());
    EXPECT_EQ(sink.Urls(),
              (std::set<std::string>{"http://g/0", "http://g/1", "http://g/2",
                                     "http://g/3", "http://g/4", "http://g/b"}));
  }
}

}  // namespace
}  // namespace crawl
