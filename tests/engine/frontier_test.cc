#include "engine/frontier.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace crawl {
namespace {

using Order = FrontierOptions::Order;

FrontierOptions Opts(Order order, int max_depth = -1,
                     std::uint64_t max_pages = 0) {
  FrontierOptions o;
  o.order = order;
  o.max_depth = max_depth;
  o.max_pages = max_pages;
  return o;
}

// Dispatches and completes everything, with `graph` giving each URL's links;
// returns the fetch order.
std::vector<std::string> Drain(
    Frontier& f, const std::map<std::string, std::vector<std::string>>& graph) {
  std::vector<std::string> order;
  while (auto t = f.Next()) {
    order.push_back(t->url);
    auto it = graph.find(t->url);
    f.Complete(*t, it == graph.end() ? FetchResult::NotFound()
                                     : FetchResult::Fetched(it->second));
  }
  EXPECT_TRUE(f.Done());
  return order;
}

const std::map<std::string, std::vector<std::string>> kTree = {
    {"a", {"b", "c"}}, {"b", {"d", "a"}}, {"c", {"e"}}, {"d", {}}, {"e", {}}};

TEST(Frontier, BreadthFirstOrderAndDedup) {
  Frontier f(Opts(Order::kBreadthFirst));
  f.AddSeed("a");
  f.AddSeed("a");
  EXPECT_EQ(Drain(f, kTree), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(f.Summary().pages, 5u);
}

TEST(Frontier, DepthFirstOrderFollowsFirstLinkFirst) {
  Frontier f(Opts(Order::kDepthFirst));
  f.AddSeed("a");
  EXPECT_EQ(Drain(f, kTree), (std::vector<std::string>{"a", "b", "d", "c", "e"}));
}

TEST(Frontier, DepthFirstFetchesSeedsInOrderGiven) {
  Frontier f(Opts(Order::kDepthFirst));
  f.AddSeed("d");
  f.AddSeed("e");
  f.AddSeed("c");
  EXPECT_EQ(Drain(f, kTree), (std::vector<std::string>{"d", "e", "c"}));
}

TEST(Frontier, MaxDepthZeroIsSeedsOnly) {
  Frontier f(Opts(Order::kBreadthFirst, 0));
  f.AddSeed("a");
  EXPECT_EQ(Drain(f, kTree), (std::vector<std::string>{"a"}));
  EXPECT_EQ(f.Summary().discovered, 3u) << "a, and its links b and c, seen";
}

TEST(Frontier, NotDoneWhileSomethingIsInFlight) {
  Frontier f(Opts(Order::kBreadthFirst));
  f.AddSeed("a");
  auto t = f.Next();
  ASSERT_TRUE(t);
  EXPECT_FALSE(f.Next()) << "nothing else is ready";
  EXPECT_FALSE(f.Done()) << "but a is in flight: not done";
  f.Complete(*t, FetchResult::Fetched({"b"}));
  EXPECT_FALSE(f.Done());
  EXPECT_EQ(f.Ready(100), 1u);
}

TEST(Frontier, MaxPagesCapsDispatchesExactly) {
  Frontier f(Opts(Order::kBreadthFirst, -1, 2));
  f.AddSeed("a");
  auto a = f.Next();
  f.Complete(*a, FetchResult::Fetched({"b", "c", "d"}));
  EXPECT_EQ(f.Ready(100), 1u) << "one dispatch left of two";
  auto b = f.Next();
  ASSERT_TRUE(b);
  EXPECT_FALSE(f.Next());
  EXPECT_FALSE(f.Done());
  f.Complete(*b, FetchResult::Error(ErrorKind::kCurl, "y"));
  EXPECT_TRUE(f.Done()) << "queue not empty, but the cap is reached";
  EXPECT_EQ(f.Summary().pages, 2u);
  EXPECT_EQ(f.Summary().errors, 1u);
}

// A page first met deep, fetched at the depth limit (so its links were out
// of reach), then found through a shorter path: its links must be followed,
// without fetching it again.
TEST(Frontier, ShorterPathToFetchedPageExpandsItsLinks) {
  Frontier f(Opts(Order::kBreadthFirst, 2));
  f.AddSeed("s1");
  f.AddSeed("s2");
  auto s1 = f.Next();
  auto s2 = f.Next();  // held in flight until the end
  ASSERT_EQ(s2->url, "s2");
  f.Complete(*s1, FetchResult::Fetched({"a"}));
  auto a = f.Next();
  f.Complete(*a, FetchResult::Fetched({"c"}));
  auto c = f.Next();
  ASSERT_EQ(c->url, "c");
  PageRecord rc = f.Complete(*c, FetchResult::Fetched({"d"}));
  EXPECT_EQ(rc.depth, 2);
  EXPECT_FALSE(f.Next()) << "d is at depth 3: out of reach";

  f.Complete(*s2, FetchResult::Fetched({"c"}));  // c is now at depth 1
  auto d = f.Next();
  ASSERT_TRUE(d) << "d is now at depth 2 and must be fetched";
  EXPECT_EQ(d->url, "d");
  PageRecord rd = f.Complete(*d, FetchResult::Fetched({}));
  EXPECT_EQ(rd.depth, 2);
  EXPECT_EQ(rd.parent, "c");
  EXPECT_FALSE(f.Next()) << "c must not be fetched again";
  EXPECT_TRUE(f.Done());
}

// Likewise through a fetched redirect: when the 3xx's depth shrinks, its
// target's does too, and the target's stored links come within reach.
TEST(Frontier, ShorterPathToFetchedRedirectRelaxesItsTarget) {
  Frontier f(Opts(Order::kBreadthFirst, 2));
  f.AddSeed("s1");
  f.AddSeed("s2");
  auto s1 = f.Next();
  auto s2 = f.Next();  // held in flight
  f.Complete(*s1, FetchResult::Fetched({"a"}));
  auto a = f.Next();
  ASSERT_EQ(a->url, "a");
  f.Complete(*a, FetchResult::Fetched({"r"}));
  auto r = f.Next();
  ASSERT_EQ(r->url, "r");
  f.Complete(*r, FetchResult::Redirect("t"));
  auto t = f.Next();
  ASSERT_TRUE(t);
  ASSERT_EQ(t->url, "t");
  PageRecord rt = f.Complete(*t, FetchResult::Fetched({"u"}));
  EXPECT_EQ(rt.depth, 2);
  EXPECT_EQ(rt.hops, 1);
  EXPECT_EQ(rt.parent, "r");
  EXPECT_FALSE(f.Next()) << "u is at depth 3: out of reach";

  f.Complete(*s2, FetchResult::Fetched({"r"}));  // r and t now at depth 1
  auto u = f.Next();
  ASSERT_TRUE(u) << "u is now at depth 2 and must be fetched";
  EXPECT_EQ(u->url, "u");
  PageRecord ru = f.Complete(*u, FetchResult::Fetched({}));
  EXPECT_EQ(ru.depth, 2);
  EXPECT_EQ(ru.parent, "t");
  EXPECT_FALSE(f.Next()) << "nothing is fetched twice";
  EXPECT_TRUE(f.Done());
}

TEST(Frontier, InFlightPageReportsShorterDepthFoundMeanwhile) {
  Frontier f(Opts(Order::kBreadthFirst));
  f.AddSeed("s1");
  f.AddSeed("s2");
  auto s1 = f.Next();
  auto s2 = f.Next();
  f.Complete(*s1, FetchResult::Fetched({"a"}));
  auto a = f.Next();
  f.Complete(*a, FetchResult::Fetched({"b"}));
  auto b = f.Next();  // b in flight at depth 2
  f.Complete(*s2, FetchResult::Fetched({"b"}));
  PageRecord rb = f.Complete(*b, FetchResult::Fetched({}));
  EXPECT_EQ(rb.depth, 1);
  EXPECT_EQ(rb.parent, "s2");
}

TEST(Frontier, RecordCarriesParentAndResult) {
  Frontier f(Opts(Order::kBreadthFirst));
  f.AddSeed("a");
  auto a = f.Next();
  PageRecord ra = f.Complete(*a, FetchResult::Fetched({"b"}));
  EXPECT_EQ(ra.url, "a");
  EXPECT_EQ(ra.parent, "");
  EXPECT_EQ(ra.depth, 0);
  EXPECT_EQ(ra.result.links, (std::vector<std::string>{"b"}));
  auto b = f.Next();
  PageRecord rb = f.Complete(*b, FetchResult::NotFound());
  EXPECT_EQ(rb.parent, "a");
  EXPECT_EQ(rb.result.outcome, Outcome::kNotFound);
  EXPECT_EQ(f.Summary().not_found, 1u);
}

}  // namespace
}  // namespace crawl

namespace crawl {
namespace {

// --- Scheduling: politeness, retries, robots.txt, traps (fake time) ---

using std::chrono::milliseconds;

TaskResult PageResult(FetchResult r) {
  TaskResult t;
  t.page = std::move(r);
  return t;
}

TaskResult DocResult(int status, std::string body) {
  TaskResult t;
  t.document.http_status = status;
  t.document.body = std::move(body);
  return t;
}

TEST(FrontierScheduling, PerHostSlotsLeaveOtherHostsFree) {
  FrontierOptions o;
  o.per_host = 2;
  Frontier f(o);
  const auto t0 = Clock::now();
  for (int i = 0; i < 5; ++i) f.AddSeed("http://a.test/" + std::to_string(i));
  f.AddSeed("http://b.test/0");
  std::vector<Task> got;
  while (auto t = f.Next(t0)) got.push_back(*t);
  ASSERT_EQ(got.size(), 3u) << "two for a.test, one for b.test";
  int a = 0;
  for (const Task& t : got) a += t.url.find("a.test") != std::string::npos;
  EXPECT_EQ(a, 2);
  f.Complete(got[0], PageResult(FetchResult::Fetched({})), t0);
  auto next = f.Next(t0);
  ASSERT_TRUE(next) << "a freed slot is used at once";
  EXPECT_NE(next->url.find("a.test"), std::string::npos);
}

TEST(FrontierScheduling, DelayBetweenRequestsToOneHost) {
  FrontierOptions o;
  o.delay_s = 1.0;  // randomised 0.5..1.5 s
  Frontier f(o);
  const auto t0 = Clock::now();
  f.AddSeed("http://a.test/1");
  f.AddSeed("http://a.test/2");
  f.AddSeed("http://b.test/1");
  auto first = f.Next(t0);
  auto other = f.Next(t0);
  ASSERT_TRUE(first && other);
  EXPECT_NE(first->url.substr(0, 13), other->url.substr(0, 13))
      << "the other host is not held up";
  EXPECT_FALSE(f.Next(t0)) << "a.test must wait";
  EXPECT_FALSE(f.Done()) << "waiting is not done";
  auto wake = f.NextWakeup();
  ASSERT_TRUE(wake);
  EXPECT_GE(*wake - t0, milliseconds(499));
  EXPECT_LE(*wake - t0, milliseconds(1501));
  EXPECT_FALSE(f.Next(*wake - milliseconds(1)));
  EXPECT_TRUE(f.Next(*wake)) << "ready once the delay has passed";
}

TEST(FrontierScheduling, RetryAfterIsHonouredThenTheRecordShowsAttempts) {
  FrontierOptions o;
  o.retries = 2;
  Frontier f(o);
  const auto t0 = Clock::now();
  f.AddSeed("http://a.test/x");
  auto t = f.Next(t0);
  FetchResult busy;
  busy.outcome = Outcome::kHttpError;
  busy.http_status = 503;
  busy.retry_after_s = 5;
  EXPECT_TRUE(f.Complete(*t, PageResult(busy), t0).empty()) << "no record yet";
  EXPECT_FALSE(f.Next(t0 + std::chrono::seconds(4)));
  auto again = f.Next(t0 + std::chrono::seconds(5));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->url, "http://a.test/x");
  EXPECT_EQ(again->attempt, 2);
  auto records = f.Complete(*again, PageResult(FetchResult::Fetched({})),
                            t0 + std::chrono::seconds(5));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result.attempts, 2);
  EXPECT_TRUE(f.Done());
  EXPECT_EQ(f.Summary().retries, 1u);
}

TEST(FrontierScheduling, RetriesRunOutWithTheLastError) {
  FrontierOptions o;
  o.retries = 1;
  o.retry_base_s = 0.1;
  Frontier f(o);
  auto now = Clock::now();
  f.AddSeed("http://a.test/x");
  std::vector<PageRecord> records;
  for (int i = 0; i < 10 && !f.Done(); ++i) {
    auto t = f.Next(now);
    if (!t) {
      now = *f.NextWakeup();
      continue;
    }
    records = f.Complete(*t, PageResult(FetchResult::Error(ErrorKind::kTimeout, "slow")), now);
  }
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result.attempts, 2);
  EXPECT_EQ(records[0].result.error.kind, ErrorKind::kTimeout);
}

TEST(FrontierScheduling, NotFoundIsNotRetried) {
  FrontierOptions o;
  o.retries = 3;
  Frontier f(o);
  f.AddSeed("http://a.test/x");
  auto t = f.Next(Clock::now());
  EXPECT_EQ(f.Complete(*t, PageResult(FetchResult::NotFound()), Clock::now()).size(), 1u);
  EXPECT_TRUE(f.Done());
}

// RFC 9309 2.3.1: robots.txt comes first; its verdict applies before any
// page of the authority is fetched.
TEST(FrontierRobots, FetchedFirstThenDisallowedPagesAreRecordedNotFetched) {
  FrontierOptions o;
  o.obey_robots = true;
  o.robots_token = "crawl";
  Frontier f(o);
  const auto now = Clock::now();
  f.AddSeed("http://a.test/ok");
  f.AddSeed("http://a.test/private/no");
  auto robots = f.Next(now);
  ASSERT_TRUE(robots);
  EXPECT_EQ(robots->kind, Task::Kind::kRobots);
  EXPECT_EQ(robots->url, "http://a.test/robots.txt");
  EXPECT_FALSE(f.Next(now)) << "pages wait for the rules";
  auto records = f.Complete(
      *robots, DocResult(200, "User-agent: *\nDisallow: /private/\n"), now);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].url, "http://a.test/private/no");
  EXPECT_EQ(records[0].result.outcome, Outcome::kRobots);
  auto page = f.Next(now);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->url, "http://a.test/ok");
  // A later link to the same site is judged at once.
  auto more = f.Complete(
      *page, PageResult(FetchResult::Fetched({"http://a.test/private/2"})), now);
  ASSERT_EQ(more.size(), 2u) << "the blocked link's record and the page's";
  EXPECT_EQ(more[0].result.outcome, Outcome::kRobots);
  EXPECT_TRUE(f.Done());
  EXPECT_EQ(f.Summary().robots, 2u);
}

// Scheme, host and port make a site, each with its own robots.txt; a URL
// without a path is judged as "/".
TEST(FrontierRobots, EachOriginHasItsOwnRules) {
  FrontierOptions o;
  o.obey_robots = true;
  o.robots_token = "crawl";
  Frontier f(o);
  const auto now = Clock::now();
  for (const char* url : {"http://a.test/private/x", "http://a.test:8080/private/x",
                          "https://a.test/private/x", "https://a.test",
                          "http://a.test"}) {
    f.AddSeed(url);
  }
  std::set<std::string> fetched;
  std::set<std::string> blocked;
  for (int step = 0; !f.Done(); ++step) {
    ASSERT_LT(step, 20) << "the crawl must end";
    auto t = f.Next(now);
    ASSERT_TRUE(t);
    std::vector<PageRecord> records;
    if (t->kind == Task::Kind::kRobots) {
      std::string rules = "User-agent: *\nDisallow: /private/\n";
      if (t->url == "https://a.test/robots.txt") rules = "User-agent: *\nDisallow: /\n";
      records = t->url == "http://a.test:8080/robots.txt"
                    ? f.Complete(*t, DocResult(404, ""), now)
                    : f.Complete(*t, DocResult(200, rules), now);
    } else {
      fetched.insert(t->url);
      records = f.Complete(*t, PageResult(FetchResult::Fetched({})), now);
    }
    for (const PageRecord& r : records) {
      if (r.result.outcome == Outcome::kRobots) blocked.insert(r.url);
    }
  }
  EXPECT_EQ(fetched, (std::set<std::string>{"http://a.test:8080/private/x",
                                            "http://a.test"}));
  EXPECT_EQ(blocked, (std::set<std::string>{"http://a.test/private/x",
                                            "https://a.test/private/x",
                                            "https://a.test"}));
}

TEST(FrontierRobots, Rfc9309_2_3_1_3_MissingAllowsAllUnreachableRetriesThenBlocks) {
  for (int status : {404, 503}) {
    FrontierOptions o;
    o.obey_robots = true;
    o.retries = 1;
    o.retry_base_s = 0.01;
    Frontier f(o);
    auto now = Clock::now();
    f.AddSeed("http://a.test/x");
    int robots_fetches = 0;
    std::vector<PageRecord> all;
    while (!f.Done()) {
      auto t = f.Next(now);
      if (!t) {
        now = *f.NextWakeup();
        continue;
      }
      TaskResult r = t->kind == Task::Kind::kRobots
                         ? (++robots_fetches, DocResult(status, ""))
                         : PageResult(FetchResult::Fetched({}));
      for (auto& rec : f.Complete(*t, std::move(r), now)) all.push_back(rec);
    }
    ASSERT_EQ(all.size(), 1u);
    if (status == 404) {
      EXPECT_EQ(robots_fetches, 1);
      EXPECT_EQ(all[0].result.outcome, Outcome::kFetched);
    } else {
      EXPECT_EQ(robots_fetches, 2) << "retried once";
      EXPECT_EQ(all[0].result.outcome, Outcome::kRobots);
    }
  }
}

TEST(FrontierRobots, CrawlDelayRaisesTheHostDelay) {
  FrontierOptions o;
  o.obey_robots = true;
  o.max_crawl_delay_s = 2;
  Frontier f(o);
  const auto t0 = Clock::now();
  f.AddSeed("http://a.test/1");
  f.AddSeed("http://a.test/2");
  auto robots = f.Next(t0);
  f.Complete(*robots, DocResult(200, "User-agent: *\nCrawl-delay: 100\n"), t0);
  ASSERT_TRUE(f.Next(t0));
  auto wake = f.NextWakeup();
  ASSERT_TRUE(wake);
  EXPECT_GE(*wake - t0, std::chrono::milliseconds(2000)) << "capped at 2 s, a minimum";
  EXPECT_LE(*wake - t0, std::chrono::milliseconds(2401)) << "capped at 2 s x 1.2";
}

// Dispatches everything of one host on a simulated clock, each task
// completed at once, waiting out each delay; returns the dispatch times of
// the pages.
std::vector<Clock::time_point> PageTimes(Frontier& f, Clock::time_point now,
                                         const std::string& robots) {
  std::vector<Clock::time_point> times;
  while (!f.Done()) {
    auto t = f.Next(now);
    if (!t) {
      auto wake = f.NextWakeup();
      if (!wake) break;
      now = *wake;
      continue;
    }
    if (t->kind == Task::Kind::kRobots) {
      f.Complete(*t, DocResult(200, robots), now);
    } else {
      times.push_back(now);
      f.Complete(*t, PageResult(FetchResult::Fetched({})), now);
    }
  }
  EXPECT_TRUE(f.Done());
  return times;
}

Clock::duration MinGap(const std::vector<Clock::time_point>& times) {
  Clock::duration gap = Clock::duration::max();
  for (std::size_t i = 1; i < times.size(); ++i) gap = std::min(gap, times[i] - times[i - 1]);
  return gap;
}

TEST(FrontierRobots, CrawlDelayIsAMinimumDelayIsRandomisedBothWays) {
  const auto t0 = Clock::now();
  for (const double delay : {0.0, 0.5, 1.0}) {
    FrontierOptions o;
    o.obey_robots = true;
    o.delay_s = delay;
    Frontier f(o);
    for (int i = 0; i < 200; ++i) f.AddSeed("http://a.test/" + std::to_string(i));
    const auto times = PageTimes(f, t0, "User-agent: *\nCrawl-delay: 1\n");
    ASSERT_EQ(times.size(), 200u);
    EXPECT_GE(MinGap(times), std::chrono::seconds(1))
        << "Crawl-delay: 1 is a minimum (--delay " << delay << ")";
    EXPECT_LE(MinGap(times), milliseconds(1100)) << "jitter is small";
  }
  // --delay alone keeps its 0.5..1.5 randomisation, below and above.
  FrontierOptions o;
  o.delay_s = 1;
  Frontier f(o);
  for (int i = 0; i < 200; ++i) f.AddSeed("http://a.test/" + std::to_string(i));
  const auto times = PageTimes(f, t0, "");
  ASSERT_EQ(times.size(), 200u);
  EXPECT_GE(MinGap(times), milliseconds(500));
  EXPECT_LT(MinGap(times), milliseconds(600)) << "--delay varies below its value";
  Clock::duration longest{};
  for (std::size_t i = 1; i < times.size(); ++i) longest = std::max(longest, times[i] - times[i - 1]);
  EXPECT_GT(longest, milliseconds(1400));
  EXPECT_LE(longest, milliseconds(1500));
}

// One page's 10,000 links do not starve the other pages of its depth: within
// a depth, the links of different pages are taken in turn.
TEST(FrontierFairness, ABigPageDoesNotStarveItsDepth) {
  std::map<std::string, std::vector<std::string>> graph;
  std::vector<std::string>& root = graph["http://a.test/"];
  root.push_back("http://a.test/big");
  for (int k = 0; k < 50; ++k) {
    const std::string p = "http://a.test/p" + std::to_string(k);
    root.push_back(p);
    graph[p] = {p + "/child"};
  }
  std::vector<std::string>& big = graph["http://a.test/big"];
  for (int n = 0; n < 10000; ++n) big.push_back("http://a.test/big/" + std::to_string(n));
  Frontier f(Opts(Order::kBreadthFirst, -1, 200));
  f.AddSeed("http://a.test/");
  const std::vector<std::string> order = Drain(f, graph);
  ASSERT_EQ(order.size(), 200u);
  const std::set<std::string> got(order.begin(), order.end());
  for (int k = 0; k < 50; ++k) {
    const std::string p = "http://a.test/p" + std::to_string(k);
    EXPECT_TRUE(got.count(p)) << p;
    EXPECT_TRUE(got.count(p + "/child")) << p << "/child";
  }
  // Shallower first: the root, then its 51 links, then depth 2.
  for (std::size_t i = 1; i <= 51; ++i) {
    EXPECT_EQ(order[i].find("/big/"), std::string::npos) << i << " " << order[i];
    EXPECT_EQ(order[i].find("/child"), std::string::npos) << i << " " << order[i];
  }
  // Round-robin over the 51 pages of depth 1 that gave links: the first 51
  // of depth 2 take one link from each.
  std::set<std::string> first_round(order.begin() + 52, order.begin() + 103);
  int bigs = 0;
  for (const std::string& u : first_round) bigs += u.find("/big/") != std::string::npos;
  EXPECT_EQ(bigs, 1);
}

TEST(FrontierFairness, RobotsAheadOfPagesLinksInterleaved) {
  // Two pages' links at one depth alternate, and a robots.txt of a new site
  // of the host goes ahead of them.
  FrontierOptions o = Opts(Order::kBreadthFirst);
  o.obey_robots = true;
  Frontier f(o);
  const auto t0 = Clock::now();
  f.AddSeed("http://a.test/x");
  f.AddSeed("http://a.test/y");
  auto robots = f.Next(t0);
  ASSERT_TRUE(robots && robots->kind == Task::Kind::kRobots);
  f.Complete(*robots, DocResult(404, ""), t0);
  auto x = f.Next(t0);
  auto y = f.Next(t0);
  ASSERT_TRUE(x && y);
  EXPECT_EQ(x->url, "http://a.test/x");
  f.Complete(*x, PageResult(FetchResult::Fetched({"http://a.test/x1", "http://a.test/x2",
                                                  "http://a.test/x3"})), t0);
  f.Complete(*y, PageResult(FetchResult::Fetched({"http://a.test/y1", "http://a.test/y2",
                                                  "https://a.test/y3"})), t0);
  std::vector<std::string> order;
  while (auto t = f.Next(t0)) {
    order.push_back(t->url);
    if (t->kind == Task::Kind::kRobots) {
      f.Complete(*t, DocResult(404, ""), t0);
    } else {
      f.Complete(*t, PageResult(FetchResult::Fetched({})), t0);
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{
                       "https://a.test/robots.txt", "http://a.test/x1",
                       "http://a.test/y1", "http://a.test/x2", "http://a.test/y2",
                       "http://a.test/x3", "https://a.test/y3"}));
  EXPECT_TRUE(f.Done());
}

TEST(FrontierTraps, RepeatedSegmentsAndPagesPerHost) {
  FrontierOptions o;
  o.max_pages_per_host = 3;
  Frontier f(o);
  const auto now = Clock::now();
  f.AddSeed("http://a.test/");
  auto t = f.Next(now);
  f.Complete(*t, PageResult(FetchResult::Fetched(
                     {"http://a.test/x/y/x/y/x/", "http://a.test/1",
                      "http://a.test/2", "http://a.test/3", "http://b.test/1"})),
             now);
  std::set<std::string> fetched;
  while (auto n = f.Next(now)) {
    fetched.insert(n->url);
    f.Complete(*n, PageResult(FetchResult::Fetched({})), now);
  }
  EXPECT_EQ(fetched, (std::set<std::string>{"http://a.test/1", "http://a.test/2",
                                            "http://b.test/1"}));
  const CrawlSummary s = f.Summary();
  EXPECT_EQ(s.dropped.at("trap"), 1u);
  EXPECT_EQ(s.dropped.at("max_pages_per_host"), 1u);
}

}  // namespace
}  // namespace crawl

namespace crawl {
namespace {

// A retried page keeps its max_pages slot: another page must not take it
// while the retry waits out its backoff.
TEST(FrontierScheduling, RetryKeepsItsMaxPagesSlot) {
  FrontierOptions o;
  o.max_pages = 2;
  o.retries = 1;
  Frontier f(o);
  auto now = Clock::now();
  f.AddSeed("http://a.test/");
  f.AddSeed("http://b.test/");
  auto a = f.Next(now);
  auto b = f.Next(now);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->url, "http://a.test/");
  EXPECT_TRUE(f.Complete(*a, PageResult(FetchResult::Error(ErrorKind::kConnect, "no")), now).empty());
  f.Complete(*b, PageResult(FetchResult::Fetched({"http://b.test/2"})), now);
  std::vector<std::string> fetched;
  std::vector<PageRecord> records;
  for (int step = 0; !f.Done(); ++step) {
    ASSERT_LT(step, 100) << "the crawl must end";
    auto t = f.Next(now);
    if (!t) {
      ASSERT_TRUE(f.NextWakeup()) << "not done, so something must be coming";
      now = *f.NextWakeup();
      continue;
    }
    fetched.push_back(t->url);
    for (auto& r : f.Complete(*t, PageResult(FetchResult::Fetched({})), now)) {
      records.push_back(r);
    }
  }
  EXPECT_EQ(fetched, std::vector<std::string>{"http://a.test/"})
      << "the retry runs; b.test/2 never does";
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result.attempts, 2);
}

}  // namespace
}  // namespace crawl

namespace crawl {
namespace {

// The hang of a crawl that never ended: max_pages is reached while a page
// retry of host h.test waits behind a robots.txt task of the same host (the
// https site on the same host and port: one host queue, two robots sites).
// Robots tasks may not start once max_pages pages are out, but the retry
// may, and must: Next() once skipped the whole host, leaving Done() false
// with nothing in flight, nothing ready and no wakeup.
void RetryBehindARobotsTaskOfItsHost(Order order) {
  {
    FrontierOptions o;
    o.order = order;
    o.obey_robots = true;
    o.max_pages = 2;
    o.retries = 5;
    o.retry_base_s = 1;
    o.max_retry_wait_s = 3;
    Frontier f(o);
    auto now = Clock::now();
    f.AddSeed("http://h.test:8080/");
    auto robots = f.Next(now);
    ASSERT_TRUE(robots);
    ASSERT_EQ(robots->url, "http://h.test:8080/robots.txt");
    f.Complete(*robots, DocResult(404, ""), now);
    auto seed = f.Next(now);
    ASSERT_TRUE(seed);
    f.Complete(*seed, PageResult(FetchResult::Fetched(
                          {"https://h.test:8080/a", "http://h.test:8080/busy"})),
               now);
    // The https site's robots.txt (plain HTTP on that port: no TLS) and the
    // second and last page, both out at once.
    std::optional<Task> tls_robots;
    std::optional<Task> busy;
    for (int i = 0; i < 2; ++i) {
      auto t = f.Next(now);
      ASSERT_TRUE(t);
      (t->kind == Task::Kind::kRobots ? tls_robots : busy) = t;
    }
    ASSERT_TRUE(tls_robots && busy);
    EXPECT_EQ(tls_robots->url, "https://h.test:8080/robots.txt");
    EXPECT_EQ(busy->url, "http://h.test:8080/busy");
    FetchResult unavailable;
    unavailable.outcome = Outcome::kHttpError;
    unavailable.http_status = 503;
    EXPECT_TRUE(f.Complete(*busy, PageResult(unavailable), now).empty())
        << "to be retried";
    TaskResult tls_failed;
    tls_failed.document.error = {ErrorKind::kNetwork, "TLS handshake failed"};
    EXPECT_TRUE(f.Complete(*tls_robots, std::move(tls_failed), now).empty())
        << "robots.txt to be retried too: queued at the host's front";

    std::vector<PageRecord> records;
    int dispatches = 0;
    for (int step = 0; !f.Done(); ++step) {
      ASSERT_LT(step, 100) << "the crawl must end";
      auto t = f.Next(now);
      if (!t) {
        ASSERT_EQ(f.in_flight(), 0u);
        auto wake = f.NextWakeup();
        ASSERT_TRUE(wake) << "not done, nothing in flight, nothing ready: "
                             "so a wakeup must be due";
        ASSERT_GT(*wake, now);
        now = *wake;
        continue;
      }
      ASSERT_EQ(t->kind, Task::Kind::kPage) << "max_pages reached: only retries";
      ASSERT_EQ(t->url, "http://h.test:8080/busy");
      ++dispatches;
      for (auto& r : f.Complete(*t, PageResult(FetchResult::Fetched({})), now)) {
        records.push_back(std::move(r));
      }
    }
    EXPECT_EQ(dispatches, 1);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].url, "http://h.test:8080/busy");
    EXPECT_EQ(records[0].result.attempts, 2);
    EXPECT_EQ(f.Summary().dropped.at("max_pages"), 1u) << "https://h.test:8080/a";
  }
}

TEST(FrontierScheduling, RetryBehindARobotsTaskOfItsHostRunsAfterMaxPages) {
  {
    SCOPED_TRACE("breadth-first");
    RetryBehindARobotsTaskOfItsHost(Order::kBreadthFirst);
  }
  {
    SCOPED_TRACE("depth-first");
    RetryBehindARobotsTaskOfItsHost(Order::kDepthFirst);
  }
}

// Depth-first, without robots.txt: a link queued (at the back, taken next)
// after a retry of its host, then max_pages reached elsewhere. The retry
// still runs, first.
TEST(FrontierScheduling, RetryBeforeNewPagesOfItsHostDepthFirst) {
  FrontierOptions o;
  o.order = Order::kDepthFirst;
  o.max_pages = 3;
  o.retries = 1;
  Frontier f(o);
  auto now = Clock::now();
  f.AddSeed("http://a.test/1");
  f.AddSeed("http://a.test/2");
  auto a1 = f.Next(now);
  auto a2 = f.Next(now);
  ASSERT_TRUE(a1 && a2);
  f.AddSeed("http://b.test/");
  FetchResult busy;
  busy.outcome = Outcome::kHttpError;
  busy.http_status = 503;
  busy.retry_after_s = 1;
  EXPECT_TRUE(f.Complete(*a1, PageResult(busy), now).empty());
  f.Complete(*a2, PageResult(FetchResult::Fetched({"http://a.test/new"})), now);
  auto b = f.Next(now);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->url, "http://b.test/") << "the third and last page";
  f.Complete(*b, PageResult(FetchResult::Fetched({})), now);
  ASSERT_FALSE(f.Done()) << "a retry is due";
  EXPECT_FALSE(f.Next(now)) << "not before its Retry-After";
  ASSERT_TRUE(f.NextWakeup());
  now = *f.NextWakeup();
  auto retry = f.Next(now);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->url, a1->url);
  EXPECT_EQ(retry->attempt, 2);
  EXPECT_FALSE(f.Next(now)) << "http://a.test/new is beyond max_pages";
  EXPECT_EQ(f.Complete(*retry, PageResult(FetchResult::Fetched({})), now).size(), 1u);
  EXPECT_TRUE(f.Done());
}

// A cut-off response is retried like other network errors.
TEST(FrontierScheduling, TruncatedIsRetried) {
  FrontierOptions o;
  o.retries = 1;
  Frontier f(o);
  auto now = Clock::now();
  f.AddSeed("http://a.test/x");
  auto t = f.Next(now);
  ASSERT_TRUE(t);
  EXPECT_TRUE(f.Complete(*t, PageResult(FetchResult::Error(ErrorKind::kTruncated, "cut off")), now)
                  .empty());
  now = f.NextWakeup().value_or(now);
  auto again = f.Next(now);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt, 2);
}

}  // namespace
}  // namespace crawl
