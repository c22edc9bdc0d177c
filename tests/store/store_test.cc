// The FrontierStore contract (store/store.h), one suite run over every
// implementation.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <filesystem>
#include <fstream>

#include "store/memory_store.h"
#include "store/rocks_store.h"
#include "store/store.h"

#include <rocksdb/db.h>

namespace crawl {
namespace {

using Kind = QueueEntry::Kind;
using Order = FrontierStore::Order;
using Place = FrontierStore::Place;

namespace fs = std::filesystem;

// A fresh directory, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "store_test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct StoreKind {
  std::string name;
  std::function<std::unique_ptr<FrontierStore>(Order, const std::string& dir)> make;
  // A commit between steps (default: FrontierStore::Commit).
  std::function<void(FrontierStore&)> commit;
  friend void PrintTo(const StoreKind& k, std::ostream* os) { *os << k.name; }
};

std::unique_ptr<FrontierStore> MakeRocks(Order o, const std::string& dir) {
  return RocksStore::Open(dir, o, RocksStore::Mode::kCreateOrOpen);
}

std::vector<StoreKind> Stores() {
  return {{"memory",
           [](Order o, const std::string&) { return std::make_unique<MemoryStore>(o); },
           nullptr},
          {"rocksdb", MakeRocks, nullptr},
          // Each commit's write held back until the next commit: every read
          // between steps is answered from what is still being written.
          {"rocksdb_writing", MakeRocks, [](FrontierStore& store) {
             auto& rocks = static_cast<RocksStore&>(store);
             rocks.HoldWrites(false);
             rocks.Sync();
             rocks.HoldWrites(true);
             rocks.Commit({});
           }}};
}

class StoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  std::unique_ptr<FrontierStore> Make(Order order = Order::kBreadthFirst) {
    return GetParam().make(order, dir_.Sub("state" + std::to_string(made_++)));
  }
  // A commit between steps changes nothing a reader sees (a no-op for a
  // store that keeps nothing).
  void Commit(FrontierStore& store) {
    if (GetParam().commit) {
      GetParam().commit(store);
    } else {
      store.Commit({});
    }
  }

 private:
  TempDir dir_;
  int made_ = 0;
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

  Commit(*store);
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
  EXPECT_EQ(store->Url(keys[0]), urls[0]) << "before a commit";
  Commit(*store);
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
  Commit(*store);
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
  Commit(*store);
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
  EXPECT_EQ(store->Url(store->Take(0)->key), "c");
  Commit(*store);
  EXPECT_EQ(Drain(*store, 0), (std::vector<std::string>{"robots:9", "b", "a", "s1", "s2"}));
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
  Commit(*store);
  store->Links(k[0], got);
  EXPECT_EQ(got, links) << "after a commit";
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
  Commit(*store);
  EXPECT_EQ(store->size(), static_cast<std::uint64_t>(kUrls));
  EXPECT_EQ(std::set<UrlKey>(keys.begin(), keys.end()).size(), keys.size());
  for (int i = 0; i < kUrls; i += 997) {
    EXPECT_EQ(store->Find(urls[i]), keys[i]);
    EXPECT_EQ(store->Url(keys[i]), urls[i]);
  }
  EXPECT_GT(store->MemoryUsage(), 0u);
}

// --- What only a durable store does ---

std::unique_ptr<RocksStore> OpenRocks(const std::string& dir, Order order = Order::kBreadthFirst) {
  return RocksStore::Open(dir, order, RocksStore::Mode::kCreateOrOpen);
}

// The message of the StoreError `f` throws ("" if none).
template <typename F>
std::string StoreErrorOf(F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

TEST(RocksStore, ReopenedStoreHasExactlyTheLastCommit) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  UrlKey p, a1, a2, b1, r, w, f;
  {
    auto store = OpenRocks(dir);
    EXPECT_TRUE(store->created());
    const std::vector<UrlKey> k = AddAll(*store, {"p", "a1", "a2", "b1", "r", "w", "f"});
    p = k[0], a1 = k[1], a2 = k[2], b1 = k[3], r = k[4], w = k[5], f = k[6];
    store->Push(2, {Kind::kPage, a1}, Place::kPage, 1, p);
    store->Push(2, {Kind::kPage, a2}, Place::kPage, 1, p);
    store->Push(2, {Kind::kPage, b1}, Place::kPage, 1, r);
    store->Push(2, {Kind::kRobots, 5}, Place::kUrgent);
    store->Push(2, {Kind::kPage, r}, Place::kRetry);
    UrlState s;
    s.depth = 3;
    s.parent = p;
    s.host = 2;
    s.stage = UrlStage::kWaiting;
    store->Set(w, s);
    s.stage = UrlStage::kInFlight;
    store->Set(f, s);
    const std::vector<UrlKey> links = {a1, a2};
    store->SetLinks(p, links);
    store->SetRedirect(r, b1);
    store->Commit({{"policy", "counters"}, {"outputs", "jsonl=42"}});

    // Not committed: gone after the reopen.
    store->Add("lost");
    store->Push(2, {Kind::kPage, p}, Place::kRetry);
    s.stage = UrlStage::kDone;
    store->Set(f, s);
    EXPECT_EQ(store->Take(2)->key, r);
  }
  auto store = OpenRocks(dir);
  EXPECT_FALSE(store->created());
  EXPECT_EQ(store->size(), 7u);
  EXPECT_EQ(store->Find("lost"), kNoUrl);
  EXPECT_EQ(store->Find("a2"), a2);
  EXPECT_EQ(store->LoadMeta("policy"), "counters");
  EXPECT_EQ(store->LoadMeta("outputs"), "jsonl=42");
  EXPECT_EQ(store->LoadMeta("nothing"), "");
  const UrlState fs = store->Get(f);
  EXPECT_EQ(fs.stage, UrlStage::kInFlight) << "the committed stage";
  EXPECT_EQ(fs.depth, 3);
  EXPECT_EQ(fs.parent, p);

  const FrontierStore::Unfinished u = store->TakeUnfinished();
  EXPECT_EQ(u.in_flight, std::vector<UrlKey>{f});
  EXPECT_EQ(u.waiting, std::vector<UrlKey>{w});
  EXPECT_EQ(u.hosts, std::vector<std::uint32_t>{2});
  EXPECT_EQ(store->Queued(2).retries, 1u);
  EXPECT_EQ(store->Queued(2).others, 3u) << "the robots.txt entry is dropped";
  EXPECT_EQ(Drain(*store, 2), (std::vector<std::string>{"r", "a1", "b1", "a2"}));
  std::vector<UrlKey> got;
  store->Links(p, got);
  EXPECT_EQ(got, (std::vector<UrlKey>{a1, a2}));
  EXPECT_EQ(store->Redirect(r), b1);

  // Taken, then done with (r, a1) or queued anew (b1), and committed: gone
  // from their places for good. Taken and in flight (a2): back in its
  // place, without an in-flight mark. New pushes continue the queue.
  for (const UrlKey k : {r, a1}) {
    UrlState done = store->Get(k);
    done.stage = UrlStage::kDone;
    store->Set(k, done);
  }
  UrlState flying = store->Get(a2);
  flying.stage = UrlStage::kInFlight;
  store->Set(a2, flying);
  store->Push(2, {Kind::kPage, b1}, Place::kRetry);
  store->Push(2, {Kind::kPage, w}, Place::kPage, 4, p);
  store->Commit({});
  store.reset();
  store = OpenRocks(dir);
  EXPECT_EQ(store->TakeUnfinished().in_flight, std::vector<UrlKey>{f}) << "f only";
  EXPECT_EQ(Drain(*store, 2), (std::vector<std::string>{"b1", "a2", "w"}));
}

// A deque's front position is used again after a Take; a commit that holds
// the earlier entry there must not bring it back.
TEST(RocksStore, ReusedPositionsAndMarksDoNotComeBack) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  {
    auto store = OpenRocks(dir);
    const std::vector<UrlKey> k = AddAll(*store, {"a", "b", "c"});
    store->Push(0, {Kind::kPage, k[0]}, Place::kUrgent);
    UrlState s;
    s.host = 0;
    s.stage = UrlStage::kInFlight;
    store->Set(k[2], s);
    store->Commit({});
    EXPECT_EQ(store->Take(0)->key, k[0]);
    store->Push(0, {Kind::kPage, k[1]}, Place::kUrgent);  // a's position again
    EXPECT_EQ(store->Take(0)->key, k[1]);
    s.stage = UrlStage::kQueued;  // c: retried, in flight again, done
    store->Set(k[2], s);
    s.stage = UrlStage::kInFlight;
    store->Set(k[2], s);
    s.stage = UrlStage::kDone;
    store->Set(k[2], s);
    store->Commit({});
  }
  auto store = OpenRocks(dir);
  EXPECT_FALSE(store->Take(0)) << "nothing queued";
  const FrontierStore::Unfinished u = store->TakeUnfinished();
  EXPECT_TRUE(u.in_flight.empty()) << "c is done";
}

// Pages taken from a breadth-first group or the retries and done with out
// of order leave holes among the entries kept for those still in flight: a
// reopened store takes what is left, in order, and counts it exactly.
TEST(RocksStore, PagesDoneOutOfOrderLeaveHolesThatAReopenSkips) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  std::vector<UrlKey> k;
  {
    auto store = OpenRocks(dir);
    k = AddAll(*store, {"p0", "p1", "p2", "p3", "r0", "r1", "r2"});
    for (int i = 0; i < 4; ++i) store->Push(0, {Kind::kPage, k[i]}, Place::kPage, 1, 99);
    for (int i = 4; i < 7; ++i) store->Push(0, {Kind::kPage, k[i]}, Place::kRetry);
    store->Commit({});
    auto take = [&](UrlStage then) {
      const UrlKey key = store->Take(0)->key;
      UrlState s = store->Get(key);
      s.stage = UrlStage::kInFlight;
      store->Set(key, s);
      return std::pair(key, then);
    };
    // r0, r1 and p0, p1 go out; r1 and p1 finish; r0 and p0 are in flight.
    std::vector<std::pair<UrlKey, UrlStage>> out = {
        take(UrlStage::kInFlight), take(UrlStage::kDone), take(UrlStage::kInFlight),
        take(UrlStage::kInFlight), take(UrlStage::kInFlight), take(UrlStage::kDone)};
    EXPECT_EQ(out[0].first, k[4]);
    EXPECT_EQ(out[2].first, k[6]);  // the retries first: r0, r1, r2
    for (const auto& [key, stage] : out) {
      if (stage != UrlStage::kDone) continue;
      UrlState s = store->Get(key);
      s.stage = UrlStage::kDone;
      store->Set(key, s);
    }
    store->Commit({});
  }
  auto store = OpenRocks(dir);
  // In flight then: r0, r2, p0, p1; done: r1, p2. Left: p3.
  EXPECT_EQ(store->Queued(0).retries, 2u);
  EXPECT_EQ(store->Queued(0).others, 3u);
  EXPECT_EQ(Drain(*store, 0), (std::vector<std::string>{"r0", "r2", "p0", "p1", "p3"}));
  EXPECT_EQ(store->Queued(0).retries, 0u);
  EXPECT_EQ(store->Queued(0).others, 0u);
}

TEST(RocksStore, DepthFirstStackSurvivesAReopen) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  {
    auto store = OpenRocks(dir, Order::kDepthFirst);
    const std::vector<UrlKey> k = AddAll(*store, {"s1", "s2", "a", "b"});
    store->Push(0, {Kind::kPage, k[0]}, Place::kSeed, 0, kNoUrl);
    store->Push(0, {Kind::kPage, k[1]}, Place::kSeed, 0, kNoUrl);
    store->Push(0, {Kind::kPage, k[2]}, Place::kPage, 1, k[0]);
    store->Push(0, {Kind::kSitemap, 1}, Place::kUrgent);
    store->Push(0, {Kind::kPage, k[3]}, Place::kPage, 1, k[0]);
    store->Commit({});
  }
  auto store = OpenRocks(dir, Order::kDepthFirst);
  EXPECT_EQ(Drain(*store, 0), (std::vector<std::string>{"b", "a", "s1", "s2"}));
}

TEST(RocksStore, ASecondProcessIsRefusedWhileTheFirstHasTheState) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  auto first = OpenRocks(dir);
  const std::string error = StoreErrorOf([&] { OpenRocks(dir); });
  EXPECT_NE(error.find("in use by another crawl"), std::string::npos) << error;
  first.reset();
  EXPECT_EQ(StoreErrorOf([&] { OpenRocks(dir); }), "") << "free again";
}

TEST(RocksStore, ReadOnlyOpenWorksWhileACrawlHasTheState) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  auto crawl = OpenRocks(dir);
  crawl->Add("https://a.example/");
  crawl->Commit({{"policy", "v1"}});
  crawl->Sync();  // written: what a reader sees
  auto status = RocksStore::Open(dir, Order::kBreadthFirst, RocksStore::Mode::kReadOnly);
  EXPECT_EQ(status->LoadMeta("policy"), "v1");
  EXPECT_EQ(status->size(), 1u);
  EXPECT_NE(StoreErrorOf([&] { status->Commit({}); }), "");
}

TEST(RocksStore, ReadOnlyOpenOfNothingIsAnError) {
  TempDir tmp;
  const std::string error = StoreErrorOf([&] {
    RocksStore::Open(tmp.Sub("none"), Order::kBreadthFirst, RocksStore::Mode::kReadOnly);
  });
  EXPECT_NE(error.find("no crawl state"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(tmp.Sub("none"))) << "nothing created";
}

TEST(RocksStore, ADirectoryOfOtherFilesIsRefused) {
  TempDir tmp;
  fs::create_directory(tmp.Sub("docs"));
  std::ofstream(tmp.Sub("docs/notes.txt")) << "mine\n";
  const std::string error = StoreErrorOf([&] { OpenRocks(tmp.Sub("docs")); });
  EXPECT_NE(error.find("no crawl state"), std::string::npos) << error;
  EXPECT_EQ(fs::directory_iterator(tmp.Sub("docs"))->path().filename(), "notes.txt");
  std::ofstream(tmp.Sub("file")) << "x";
  EXPECT_NE(StoreErrorOf([&] { OpenRocks(tmp.Sub("file")); }).find("not a directory"),
            std::string::npos);
}

// Writes `key` = `value` into column family `family` of the state, as
// another program (or a bug) might.
void Poke(const std::string& dir, const std::string& family, const std::string& key,
          const std::string& value) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {"urls", {}}, {"queue", {}}, {"links", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open({}, dir, families, &handles, &db).ok());
  const std::size_t i = family == "urls" ? 1 : family == "queue" ? 2 : family == "links" ? 3 : 0;
  ASSERT_TRUE(db->Put({}, handles[i], key, value).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

TEST(RocksStore, AnIncompatibleFormatIsRefused) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  OpenRocks(dir)->Commit({});
  Poke(dir, "default", "format", "crawl-state 99");
  const std::string error = StoreErrorOf([&] { OpenRocks(dir); });
  EXPECT_NE(error.find("crawl-state 99"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot be resumed by this version"), std::string::npos) << error;
}

TEST(RocksStore, CorruptedRecordsAndFilesAreRefused) {
  TempDir tmp;
  const std::string dir = tmp.Sub("state");
  UrlKey key;
  {
    auto store = OpenRocks(dir);
    key = store->Add("https://a.example/").key;
    store->Commit({});
  }
  std::string k;
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(key >> (8 * i)));
  Poke(dir, "urls", k, "\xff\xff\xff");
  {
    auto store = OpenRocks(dir);
    const std::string error = StoreErrorOf([&] { store->Find("https://a.example/"); });
    EXPECT_NE(error.find("corrupted"), std::string::npos) << error;
  }
  Poke(dir, "queue", std::string("P\0\0\0\0", 5), "short");
  EXPECT_NE(StoreErrorOf([&] { OpenRocks(dir); }).find("corrupted"), std::string::npos);

  // A damaged file: every MANIFEST overwritten in its middle.
  TempDir tmp2;
  const std::string dir2 = tmp2.Sub("state");
  OpenRocks(dir2)->Commit({});
  for (const auto& e : fs::directory_iterator(dir2)) {
    if (e.path().filename().string().rfind("MANIFEST", 0) != 0) continue;
    std::fstream file(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(e.path()) / 2));
    file << std::string(16, '\x5a');
  }
  const std::string error = StoreErrorOf([&] { OpenRocks(dir2); });
  EXPECT_NE(error.find("corrupted"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest, ::testing::ValuesIn(Stores()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace crawl
