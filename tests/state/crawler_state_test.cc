// crawl::Crawler with CrawlerOptions::state_dir: a stopped crawl is taken
// up by the next Open of the same options (what was cut off by the stop is
// fetched then, and gets its one record), a finished one does nothing, and
// the refusals: other defining options, a state another Crawler holds, an
// engine other than the event engine. ReadCrawlStatus reads the
// last commit while the state is held. Real HTTP against RouteServer.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "crawl/crawler.h"
#include "crawler/route_server.h"

namespace crawl {
namespace {

using std::chrono::milliseconds;
using testing::Route;
using testing::RouteServer;
namespace fs = std::filesystem;

Route Page(std::string body, milliseconds delay = milliseconds(0)) {
  Route r;
  r.body = std::move(body);
  r.delay = delay;
  return r;
}

std::string Html(const std::vector<std::string>& hrefs) {
  std::string body = "<!doctype html><body>";
  for (const auto& h : hrefs) body += "<a href=\"" + h + "\">x</a>";
  return body + "</body>";
}

class CrawlerState : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "crawl-state-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // "/" links /fast (300 ms) and /slow0../slow5 (2 s each).
  void Serve() {
    std::vector<std::string> hrefs = {"/fast"};
    for (int i = 0; i < 6; ++i) {
      hrefs.push_back("/slow" + std::to_string(i));
      server_.Add(hrefs.back(), Page(Html({}), milliseconds(2000)));
    }
    server_.Add("/", Page(Html(hrefs)));
    server_.Add("/fast", Page(Html({}), milliseconds(300)));
    server_.Start();
  }

  CrawlerOptions Options() const {
    CrawlerOptions o;
    o.crawl.seeds = {server_.Url("/")};
    o.crawl.retries = 0;
    o.crawl.concurrency = 8;
    o.crawl.obey_robots = false;
    o.state_dir = dir_ + "/state";
    o.output.jsonl.path = dir_ + "/out.jsonl";
    return o;
  }

  // The JSON Lines file's URLs, each with its number of records; every
  // line whole.
  std::map<std::string, int> Records() const {
    std::ifstream in(dir_ + "/out.jsonl");
    std::map<std::string, int> out;
    std::string line;
    while (std::getline(in, line)) {
      EXPECT_EQ(line.front(), '{');
      EXPECT_EQ(line.back(), '}');
      EXPECT_EQ(line.find("\"cancelled\""), std::string::npos) << line;
      const std::size_t at = line.find("\"url\":\"") + 7;
      ++out[line.substr(at, line.find('"', at) - at)];
    }
    return out;
  }

  std::string dir_;
  RouteServer server_;
};

TEST_F(CrawlerState, AStoppedCrawlIsTakenUpAndEveryPageGetsOneRecord) {
  ASSERT_TRUE(server_.ok());
  Serve();
  {
    auto crawler = Crawler::Open(Options());
    ASSERT_TRUE(crawler.ok()) << crawler.status().message();
    Crawler* c = crawler->get();
    (*crawler)->OnRecord([&](const PageRecord& r) {
      if (r.url == server_.Url("/fast")) c->Stop();
    });
    auto summary = (*crawler)->Run();
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_TRUE(summary->stopped);
    EXPECT_FALSE(summary->resumed);
    EXPECT_EQ(summary->pages, 2u);  // "/" and /fast; the slow ones were cut off
  }
  EXPECT_EQ(Records().size(), 2u);
  {
    auto status = ReadCrawlStatus(dir_ + "/state");
    ASSERT_TRUE(status.ok()) << status.status().message();
    EXPECT_FALSE(status->finished);
    EXPECT_EQ(status->queued, 6u);
    EXPECT_EQ(status->in_flight, 0u);
    EXPECT_EQ(status->counts.pages, 2u);
    ASSERT_EQ(status->top_hosts.size(), 1u);
    EXPECT_EQ(status->top_hosts[0].second, 6u);
    EXPECT_NE(status->started, std::chrono::system_clock::time_point{});
  }
  {
    auto crawler = Crawler::Open(Options());
    ASSERT_TRUE(crawler.ok()) << crawler.status().message();
    std::vector<std::string> seen;
    (*crawler)->OnRecord([&](const PageRecord& r) { seen.push_back(r.url); });
    auto summary = (*crawler)->Run();
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_TRUE(summary->resumed);
    EXPECT_FALSE(summary->stopped);
    EXPECT_EQ(seen.size(), 6u);  // only the slow pages, now
    EXPECT_EQ(summary->pages, 8u);  // the whole crawl's
    EXPECT_EQ(summary->fetched, 8u);
  }
  const std::map<std::string, int> records = Records();
  EXPECT_EQ(records.size(), 8u);
  for (const auto& [url, n] : records) EXPECT_EQ(n, 1) << url;
  auto status = ReadCrawlStatus(dir_ + "/state");
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->finished);
  EXPECT_EQ(status->queued, 0u);
}

// max_pages counts pages across runs: what the stop cut off goes out again
// within the limit, not on top of it.
TEST_F(CrawlerState, MaxPagesHoldsAcrossAStopAndAResume) {
  ASSERT_TRUE(server_.ok());
  Serve();
  CrawlerOptions o = Options();
  o.crawl.max_pages = 4;  // "/", /fast, /slow0, /slow1
  {
    auto crawler = Crawler::Open(o);
    ASSERT_TRUE(crawler.ok()) << crawler.status().message();
    Crawler* c = crawler->get();
    (*crawler)->OnRecord([&](const PageRecord& r) {
      if (r.url == server_.Url("/fast")) c->Stop();
    });
    auto summary = (*crawler)->Run();
    ASSERT_TRUE(summary.ok()) << summary.status().message();
    EXPECT_EQ(summary->pages, 2u);
  }
  auto crawler = Crawler::Open(o);
  ASSERT_TRUE(crawler.ok()) << crawler.status().message();
  auto summary = (*crawler)->Run();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->pages, 4u);
  const std::map<std::string, int> records = Records();
  EXPECT_EQ(records.size(), 4u);
  EXPECT_EQ(records.count(server_.Url("/slow0")), 1u);
  EXPECT_EQ(records.count(server_.Url("/slow1")), 1u);
}

TEST_F(CrawlerState, AFinishedCrawlDoesNothingWhenRunAgain) {
  ASSERT_TRUE(server_.ok());
  Serve();
  {
    auto crawler = Crawler::Open(Options());
    ASSERT_TRUE(crawler.ok()) << crawler.status().message();
    auto summary = (*crawler)->Run();
    ASSERT_TRUE(summary.ok());
    EXPECT_FALSE(summary->already_finished);
  }
  const auto size = fs::file_size(dir_ + "/out.jsonl");
  auto crawler = Crawler::Open(Options());
  ASSERT_TRUE(crawler.ok()) << crawler.status().message();
  int records = 0;
  (*crawler)->OnRecord([&](const PageRecord&) { ++records; });
  auto summary = (*crawler)->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->already_finished);
  EXPECT_EQ(summary->pages, 8u);
  EXPECT_EQ(records, 0);
  EXPECT_EQ(fs::file_size(dir_ + "/out.jsonl"), size);
}

TEST_F(CrawlerState, RefusesAnotherCrawlAHeldStateAndWhatCannotResume) {
  ASSERT_TRUE(server_.ok());
  Serve();
  auto first = Crawler::Open(Options());
  ASSERT_TRUE(first.ok()) << first.status().message();

  // Held by `first` (RocksDB's lock), even for the same crawl.
  auto held = Crawler::Open(Options());
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(held.status().message().find("in use by another crawl"), std::string::npos)
      << held.status().message();
  // ... but readable.
  auto status = ReadCrawlStatus(dir_ + "/state");
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_EQ(status->counts.pages, 0u);
  first->reset();

  CrawlerOptions deeper = Options();
  deeper.crawl.max_depth = 3;
  auto other = Crawler::Open(deeper);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(other.status().message().find("--depth inf"), std::string::npos)
      << other.status().message();

  CrawlerOptions seeds = Options();
  seeds.crawl.seeds.push_back(server_.Url("/fast"));
  other = Crawler::Open(seeds);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("the seeds"), std::string::npos)
      << other.status().message();

  CrawlerOptions threads = Options();
  threads.crawl.engine = Engine::kMutex;
  other = Crawler::Open(threads);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("event engine"), std::string::npos);

  // The same options still open it.
  auto again = Crawler::Open(Options());
  EXPECT_TRUE(again.ok()) << again.status().message();
}

TEST_F(CrawlerState, ReadCrawlStatusOfNothingIsAnError) {
  auto status = ReadCrawlStatus(dir_ + "/none");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(dir_ + "/none"));
}

}  // namespace
}  // namespace crawl
