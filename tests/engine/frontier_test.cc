#include "engine/frontier.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(f.Ready(), 1u);
}

TEST(Frontier, MaxPagesCapsDispatchesExactly) {
  Frontier f(Opts(Order::kBreadthFirst, -1, 2));
  f.AddSeed("a");
  auto a = f.Next();
  f.Complete(*a, FetchResult::Fetched({"b", "c", "d"}));
  EXPECT_EQ(f.Ready(), 1u) << "one dispatch left of two";
  auto b = f.Next();
  ASSERT_TRUE(b);
  EXPECT_FALSE(f.Next());
  EXPECT_FALSE(f.Done());
  f.Complete(*b, FetchResult::Error("x", "y"));
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
