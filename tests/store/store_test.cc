// The FrontierStore contract (store/store.h), one suite run over every
// implementation.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/memory_store.h"
#include "store/store.h"

namespace crawl {
namespace {

using Kind = QueueEntry::Kind;
using Order = FrontierStore::Order;
using Place = FrontierStore::Place;

struct StoreKind {
  std::string name;
  std::function<std::unique_ptr<FrontierStore>(Order)> make;
};

std::vector<StoreKind> Stores() {
  return {{"memory", [](Order o) { return std::make_unique<MemoryStore>(o); }}};
}

class StoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  std::unique_ptr<FrontierStore> Make(Order order = Order::kBreadthFirst) {
    return GetParam().make(order);
  }
};

// Keys added for `urls`, in order.
std::vector<UrlKey> AddAll(FrontierStore& store, const std::vector<std::string>& urls) {
  std::vector<std::string_view> views(urls.begin(), urls.end());
  std::vector<FrontierStore::Added> out;
  store.AddIfNew(views, out);
  std::vector<UrlKey> keys;
  for (const auto& a : out) keys.push_back(a.key);
  return keys;
}

// Takes everything from `host`, as the pages' URLs (other kinds as
// "robots:KEY" / "sitemap:KEY").
std::vector<std::string> Drain(FrontierStore& store, std::uint32_t host) {
  std::vector<std::string> out;
  while (auto e = store.Take(host)) {
    switch (e->kind) {
      case Kind::kPage: out.push_back(store.Url(e->key)); break;
      case Kind::kRobots: out.push_back("robots:" + std::to_string(e->key)); break;
      case Kind::kSitemap: out.push_back("sitemap:" + std::to_string(e->key)); break;
    }
  }
  return out;
}

TEST_P(StoreTest, AddIfNewAddsEachUrlOnce) {
  auto store = Make();
  std::vector<std::string_view> batch = {"https://a.example/1", "https://a.example/2",
                                         "https://a.example/1", "https://b.example/1"};
  std::vector<FrontierStore::Added> out;
  store->AddIfNew(batch, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(out[0].added);
  EXPECT_TRUE(out[1].added);
  EXPECT_FALSE(out[2].added) << "repeated in the batch: added once";
  EXPECT_EQ(out[2].key, out[0].key);
  EXPECT_TRUE(out[3].added);
  EXPECT_EQ((std::set<UrlKey>{out[0].key, out[1].key, out[3].key}).size(), 3u);
  EXPECT_EQ(store->size(), 3u);

  // Again: all known, same keys.
  std::vector<FrontierStore::Added> again;
  store->AddIfNew(batch, again);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_FALSE(again[i].added) << batch[i];
    EXPECT_EQ(again[i].key, out[i].key) << batch[i];
    EXPECT_EQ(store->Find(batch[i]), out[i].key) << batch[i];
  }
  EXPECT_EQ(store->size(), 3u);
  EXPECT_EQ(store->Find("https://a.example/3"), kNoUrl);
  EXPECT_EQ(store->Find("https://a.example/1/"), kNoUrl) << "exact match only";
}

TEST_P(StoreTest, UrlsRoundTrip) {
  auto store = Make();
  const std::vector<std::string> urls = {
      "https://a.example:8443/x?y#",  "http://a.example",  "no-scheme-at-all",
      "https://a.example/" + std::string(5000, 'p'), "https://a.example/caf\xc3\xa9",
      "", "x://"};
  const std::vector<UrlKey> keys = AddAll(*store, urls);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    EXPECT_EQ(store->Url(keys[i]), urls[i]);
    std::string reused = "left over from before";
    store->Url(keys[i], reused);
    EXPECT_EQ(reused, urls[i]);
  }
}

TEST_P(StoreTest, StateStartsDiscoveredAndRoundTrips) {
  auto store = Make();
  const std::vector<UrlKey> keys = AddAll(*store, {"https://a.example/", "https://a.example/b"});
  const UrlState fresh = store->Get(keys[1]);
  EXPECT_EQ(fresh.stage, UrlStage::kDiscovered);
  EXPECT_EQ(fresh.depth, kUnreached);
  EXPECT_EQ(fresh.parent, kNoUrl);
  EXPECT_EQ(fresh.host, kNoHost);
  EXPECT_EQ(fresh.hops, 0);
  EXPECT_EQ(fresh.attempts, 0);

  UrlState s;
  s.depth = 7;
  s.parent = keys[0];
  s.host = 123456;
  s.stage = UrlStage::kInFlight;
  s.hops = 20;
  s.attempts = 255;
  store->Set(keys[1], s);
  const UrlState got = store->Get(keys[1]);
  EXPECT_EQ(got.depth, 7);
  EXPECT_EQ(got.parent, keys[0]);
  EXPECT_EQ(got.host, 123456u);
  EXPECT_EQ(got.stage, UrlStage::kInFlight);
  EXPECT_EQ(got.hops, 20);
  EXPECT_EQ(got.attempts, 255);
  EXPECT_EQ(store->Get(keys[0]).stage, UrlStage::kDiscovered) << "others untouched";

  s.parent = kNoUrl;
  s.stage = UrlStage::kDone;
  store->Set(keys[1], s);
  EXPECT_EQ(store->Get(keys[1]).parent, kNoUrl);
  EXPECT_EQ(store->Get(keys[1]).stage, UrlStage::kDone);
}

TEST_P(StoreTest, BreadthFirstQueueOrder) {
  auto store = Make(Order::kBreadthFirst);
  const std::vector<UrlKey> k = AddAll(
      *store, {"s", "a1", "a2", "a3", "b1", "b2", "c1", "r", "d2"});
  auto page = [&](std::size_t i, int depth, UrlKey group) {
    store->Push(0, {Kind::kPage, k[i]}, Place::kPage, depth, group);
  };
  store->Push(0, {Kind::kPage, k[0]}, Place::kSeed, 0, kNoUrl);
  page(8, 2, k[1]);  // deeper: after every depth-1 page
  page(1, 1, k[0]);  // s's links a1 a2 a3 form one group...
  page(2, 1, k[0]);
  page(3, 1, k[0]);
  page(4, 1, k[7]);  // ...r's b1 b2 another
  page(5, 1, k[7]);
  store->Push(0, {Kind::kRobots, 42}, Place::kUrgent);
  store->Push(0, {Kind::kSitemap, 43}, Place::kUrgent);
  store->Push(0, {Kind::kPage, k[7]}, Place::kRetry);
  EXPECT_EQ(store->Queued(0).retries, 1u);
  EXPECT_EQ(store->Queued(0).others, 9u);

  // The retry, the urgent entries newest first, the seed; then depth 1
  // round-robin over the two groups; then depth 2.
  EXPECT_EQ(store->Take(0)->key, k[7]);
  EXPECT_EQ(store->Take(0)->kind, Kind::kSitemap);
  EXPECT_EQ(store->Take(0)->kind, Kind::kRobots);
  EXPECT_EQ(store->Url(store->Take(0)->key), "s");
  EXPECT_EQ(store->Url(store->Take(0)->key), "a1");
  // A page taken: the next push starts a group of its own, even with the
  // same depth and group as the last one.
  page(6, 1, k[7]);
  EXPECT_EQ(Drain(*store, 0),
            (std::vector<std::string>{"b1", "a2", "c1", "b2", "a3", "d2"}));
  EXPECT_EQ(store->Queued(0).retries, 0u);
  EXPECT_EQ(store->Queued(0).others, 0u);
  EXPECT_FALSE(store->Take(0));
}

TEST_P(StoreTest, BreadthFirstGroupExtendsOnlyConsecutivePushes) {
  auto store = Make(Order::kBreadthFirst);
  const std::vector<UrlKey> k = AddAll(*store, {"p", "q", "x1", "x2", "y1", "x3"});
  auto page = [&](std::size_t i, UrlKey group) {
    store->Push(0, {Kind::kPage, k[i]}, Place::kPage, 1, group);
  };
  page(2, k[0]);
  page(3, k[0]);
  page(4, k[1]);
  page(5, k[0]);  // p again, but after q's push: a new group
  EXPECT_EQ(Drain(*store, 0), (std::vector<std::string>{"x1", "y1", "x3", "x2"}));
}

TEST_P(StoreTest, DepthFirstIsAStackWithSeedsAtTheBottom) {
  auto store = Make(Order::kDepthFirst);
  const std::vector<UrlKey> k = AddAll(*store, {"s1", "s2", "a", "b", "c"});
  store->Push(0, {Kind::kPage, k[0]}, Place::kSeed, 0, kNoUrl);
  store->Push(0, {Kind::kPage, k[1]}, Place::kSeed, 0, kNoUrl);
  store->Push(0, {Kind::kPage, k[2]}, Place::kPage, 1, k[0]);
  store->Push(0, {Kind::kPage, k[3]}, Place::kPage, 1, k[0]);
  store->Push(0, {Kind::kRobots, 9}, Place::kUrgent);
  store->Push(0, {Kind::kPage, k[4]}, Place::kRetry);
  EXPECT_EQ(Drain(*store, 0),
            (std::vector<std::string>{"c", "robots:9", "b", "a", "s1", "s2"}));
}

TEST_P(StoreTest, HostsHaveQueuesOfTheirOwn) {
  auto store = Make();
  const std::vector<UrlKey> k = AddAll(*store, {"a", "b", "c"});
  store->Push(3, {Kind::kPage, k[0]}, Place::kSeed, 0, kNoUrl);
  store->Push(1000, {Kind::kPage, k[1]}, Place::kSeed, 0, kNoUrl);
  store->Push(3, {Kind::kPage, k[2]}, Place::kRetry);
  EXPECT_FALSE(store->Take(0));
  EXPECT_FALSE(store->Take(999999)) << "a host never pushed to";
  EXPECT_EQ(store->Queued(999999).others, 0u);
  EXPECT_EQ(Drain(*store, 1000), (std::vector<std::string>{"b"}));
  EXPECT_EQ(Drain(*store, 3), (std::vector<std::string>{"c", "a"}));
}

TEST_P(StoreTest, RetriesAreTakenOldestFirst) {
  auto store = Make();
  const std::vector<UrlKey> k = AddAll(*store, {"a", "b", "c"});
  for (const UrlKey key : k) store->Push(0, {Kind::kPage, key}, Place::kRetry);
  EXPECT_EQ(Drain(*store, 0), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_P(StoreTest, LinksAndRedirectsRoundTrip) {
  auto store = Make();
  const std::vector<UrlKey> k = AddAll(*store, {"p", "a", "b", "c", "r", "t"});
  std::vector<UrlKey> links = {k[1], k[2], k[3], k[1]};
  store->SetLinks(k[0], links);
  std::vector<UrlKey> got = {k[5]};  // replaced, not appended to
  store->Links(k[0], got);
  EXPECT_EQ(got, links);
  store->Links(k[1], got);
  EXPECT_TRUE(got.empty()) << "a page without stored links";
  store->Links(k[5], got);
  EXPECT_TRUE(got.empty()) << "the last key, with nothing stored";

  EXPECT_EQ(store->Redirect(k[4]), kNoUrl);
  store->SetRedirect(k[4], k[5]);
  EXPECT_EQ(store->Redirect(k[4]), k[5]);
  EXPECT_EQ(store->Redirect(k[0]), kNoUrl);
}

TEST_P(StoreTest, ManyUrls) {
  auto store = Make();
  constexpr int kUrls = 200000;
  std::vector<std::string> urls;
  for (int i = 0; i < kUrls; ++i) {
    urls.push_back("https://h" + std::to_string(i % 97) + ".example/p/" + std::to_string(i));
  }
  const std::vector<UrlKey> keys = AddAll(*store, urls);
  EXPECT_EQ(store->size(), static_cast<std::uint64_t>(kUrls));
  EXPECT_EQ(std::set<UrlKey>(keys.begin(), keys.end()).size(), keys.size());
  for (int i = 0; i < kUrls; i += 997) {
    EXPECT_EQ(store->Find(urls[i]), keys[i]);
    EXPECT_EQ(store->Url(keys[i]), urls[i]);
  }
  EXPECT_GT(store->MemoryUsage(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest, ::testing::ValuesIn(Stores()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace crawl
