// A Frontier over a RocksStore, killed at random moments (everything since
// its last commit lost, as with kill -9) and resumed until it finishes:
// it must fetch what an uninterrupted crawl fetches, each completed page's
// record exactly once, and fetch again only what was in flight. The hosts
// have robots.txt files naming sitemaps, which list pages nothing links to:
// a sitemap not yet fetched at a kill is fetched after it, and one fetched
// is not fetched again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/frontier.h"
#include "store/rocks_store.h"

namespace crawl {
namespace {

namespace fs = std::filesystem;

struct Graph {
  std::map<std::string, FetchResult> pages;
  std::map<std::string, std::string> documents;  // robots.txt and sitemaps
};

constexpr int kHosts = 7;

std::string Page(int i) {
  return "http://h" + std::to_string(i % kHosts) + ".example/p" + std::to_string(i);
}
std::string Host(int h) { return "http://h" + std::to_string(h) + ".example"; }
// Listed only by host h's sitemap.
std::string Orphan(int h, int k) {
  return Host(h) + "/orphan" + std::to_string(k);
}

// `n` pages, each linking to 4 others; some redirect, some are missing,
// some fail once with a 503 (retried).
Graph RandomGraph(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Graph g;
  for (int i = 0; i < n; ++i) {
    const int kind = static_cast<int>(rng() % 20);
    if (kind == 0) {
      g.pages[Page(i)] = FetchResult::Redirect(Page(static_cast<int>(rng() % n)));
    } else if (kind == 1) {
      g.pages[Page(i)] = FetchResult::NotFound();
    } else {
      std::vector<std::string> links;
      for (int k = 0; k < 4; ++k) {
        // Mostly nearby pages (so depth matters), some far.
        const int to = k < 3 ? (i + 1 + static_cast<int>(rng() % 10)) % n
                             : static_cast<int>(rng() % n);
        links.push_back(Page(to));
      }
      g.pages[Page(i)] = FetchResult::Fetched(links);
    }
  }
  // Each host's robots.txt names a sitemap index, which names itself (a
  // loop) and a sitemap of orphans (fetched, they link back).
  for (int h = 0; h < kHosts; ++h) {
    g.documents[Host(h) + "/robots.txt"] =
        "User-agent: *\nDisallow: /private\nSitemap: " + Host(h) + "/index.xml\n";
    g.documents[Host(h) + "/index.xml"] =
        "<sitemapindex><sitemap><loc>" + Host(h) + "/index.xml</loc></sitemap>"
        "<sitemap><loc>" + Host(h) + "/orphans.xml</loc></sitemap></sitemapindex>";
    std::string urlset = "<urlset>";
    for (int k = 0; k < 3; ++k) {
      urlset += "<url><loc>" + Orphan(h, k) + "</loc></url>";
      g.pages[Orphan(h, k)] = FetchResult::Fetched({Page(h), Host(h) + "/private"});
    }
    g.documents[Host(h) + "/orphans.xml"] = urlset + "</urlset>";
  }
  return g;
}

Document FetchDocument(const Graph& g, const std::string& url) {
  Document d;
  auto it = g.documents.find(url);
  if (it == g.documents.end()) {
    d.http_status = 404;
  } else {
    d.http_status = 200;
    d.body = it->second;
  }
  d.final_url = url;
  return d;
}

FetchResult Fetch(const Graph& g, const std::string& url, int attempt) {
  if (attempt == 1 && url.size() % 5 == 0) {
    FetchResult r;
    r.outcome = Outcome::kHttpError;
    r.http_status = 503;
    r.retry_after_s = 0;
    return r;
  }
  auto it = g.pages.find(url);
  return it == g.pages.end() ? FetchResult::NotFound() : it->second;
}

FrontierOptions Options(int max_depth) {
  FrontierOptions o;
  o.max_depth = max_depth;
  o.retries = 2;
  o.retry_base_s = 0;
  o.max_retry_wait_s = 0;
  o.obey_robots = true;
  o.sitemaps = true;
  return o;
}

struct Outcome2 {
  std::map<std::string, int> records;  // committed records per URL
  std::map<std::string, int> fetches;  // fetches per URL (first attempts)
  std::map<std::string, int> sitemap_fetches;
  // In flight at a kill, or completed since the last commit: what may be
  // fetched again.
  std::size_t lost_at_kills = 0;
  int runs = 0;
};

// Crawls `g` from Page(0); with `kill_every` > 0, each process dies after
// a random number of completions (up to kill_every), losing everything
// since its last commit.
Outcome2 Crawl(const Graph& g, int max_depth, int kill_every, std::uint64_t seed,
               const std::string& dir) {
  std::mt19937_64 rng(seed);
  Outcome2 out;
  for (bool finished = false; !finished;) {
    if (++out.runs > 500) {
      ADD_FAILURE() << "does not finish";
      return out;
    }
    auto store = RocksStore::Open(dir, FrontierStore::Order::kBreadthFirst,
                                  RocksStore::Mode::kCreateOrOpen);
    FrontierOptions o = Options(max_depth);
    o.store = store.get();
    Frontier f(o);
    f.AddSeed(Page(0));
    std::vector<std::string> pending;  // records since the last commit
    std::size_t uncommitted = 0;       // page completions since then
    std::vector<Task> flying;
    int budget = kill_every > 0 ? 1 + static_cast<int>(rng() % kill_every) : -1;
    for (;;) {
      while (flying.size() < 8) {
        auto t = f.Next(Clock::now());
        if (!t) break;
        if (t->kind == Task::Kind::kPage && t->attempt == 1) ++out.fetches[t->url];
        if (t->kind == Task::Kind::kSitemap) ++out.sitemap_fetches[t->url];
        flying.push_back(std::move(*t));
      }
      if (flying.empty()) {
        EXPECT_TRUE(f.Done());
        f.Commit();
        for (auto& url : pending) ++out.records[url];
        finished = true;
        break;
      }
      // Complete one of those in flight, at random.
      const std::size_t pick = rng() % flying.size();
      Task t = std::move(flying[pick]);
      flying.erase(flying.begin() + static_cast<std::ptrdiff_t>(pick));
      TaskResult r;
      if (t.kind == Task::Kind::kPage) {
        r.page = Fetch(g, t.url, t.attempt);
      } else {
        r.document = FetchDocument(g, t.url);
      }
      ++uncommitted;
      for (const PageRecord& rec : f.Complete(t, std::move(r), Clock::now())) {
        pending.push_back(rec.url);
      }
      if (rng() % 4 == 0) {  // a commit now and then
        f.Commit();
        for (auto& url : pending) ++out.records[url];
        pending.clear();
        uncommitted = 0;
      }
      if (budget > 0 && --budget == 0) {  // kill -9: pending is lost
        out.lost_at_kills += flying.size() + uncommitted;
        break;
      }
    }
  }
  return out;
}

class ResumeTest : public ::testing::TestWithParam<int> {  // max_depth
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "resume_test-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_P(ResumeTest, KilledAndResumedCrawlFetchesWhatAnUninterruptedOneDoes) {
  const int max_depth = GetParam();
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Graph g = RandomGraph(400, seed);
    Outcome2 whole = Crawl(g, max_depth, 0, seed, dir_ + "/whole" + std::to_string(seed));
    Outcome2 killed = Crawl(g, max_depth, 12, seed, dir_ + "/killed" + std::to_string(seed));
    EXPECT_GE(killed.runs, 10) << "killed at least 10 times";
    std::set<std::string> a, b;
    for (const auto& [url, n] : whole.records) a.insert(url);
    for (const auto& [url, n] : killed.records) {
      b.insert(url);
      EXPECT_EQ(n, 1) << url << ": one record per URL";
    }
    EXPECT_EQ(a, b) << "the same pages, depth " << max_depth << ", seed " << seed;
    if (max_depth != 0) {
      for (int h = 0; h < kHosts; ++h) {
        EXPECT_TRUE(b.contains(Orphan(h, 0))) << "from the sitemap: " << Orphan(h, 0);
      }
    }
    EXPECT_EQ(whole.sitemap_fetches.size(), 2u * kHosts);
    std::size_t sitemaps_again = 0;
    for (const auto& [url, n] : whole.sitemap_fetches) {
      EXPECT_EQ(n, 1) << url << ": each sitemap once (the index names itself)";
    }
    EXPECT_EQ(killed.sitemap_fetches.size(), 2u * kHosts);
    for (const auto& [url, n] : killed.sitemap_fetches) {
      sitemaps_again += static_cast<std::size_t>(n - 1);
    }
    std::size_t refetched = 0;
    for (const auto& [url, n] : killed.fetches) refetched += static_cast<std::size_t>(n - 1);
    EXPECT_LE(refetched + sitemaps_again, killed.lost_at_kills)
        << "fetched again: no more than what was in flight or done since the last commit";
    EXPECT_EQ(whole.runs, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Depths, ResumeTest, ::testing::Values(-1, 3, 6));

}  // namespace
}  // namespace crawl
