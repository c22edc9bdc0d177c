// crawl::Crawler (include/crawl/crawler.h): the callbacks' order and
// threads, OnRequest's headers and Skip, data carried to child requests,
// Visit and Stop from other threads and from callbacks, callbacks that
// throw. Real HTTP against RouteServer on 127.0.0.1, and the lecture's
// engines through a FakeFetcher. Runs under ThreadSanitizer in CI.
#include "crawl/crawler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "crawl/fake_fetcher.h"
#include "crawler/route_server.h"

namespace crawl {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::Route;
using testing::RouteServer;

Route Page(std::string body, milliseconds delay = milliseconds(0)) {
  Route r;
  r.body = std::move(body);
  r.delay = delay;
  return r;
}
Route Redirect(int status, const std::string& location) {
  Route r;
  r.status = status;
  r.headers = {"Location: " + location};
  return r;
}
Route Text(std::string body) {
  Route r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

std::string Html(const std::vector<std::string>& hrefs) {
  std::string body = "<!doctype html><title>t</title><body>";
  for (const auto& h : hrefs) body += "<a href=\"" + h + "\">x</a>";
  return body + "</body>";
}

CrawlerOptions OptionsFor(const RouteServer& server, const std::string& path = "/") {
  CrawlerOptions o;
  o.crawl.seeds = {server.Url(path)};
  o.crawl.retries = 0;
  o.crawl.concurrency = 8;
  return o;
}

std::unique_ptr<Crawler> MustOpen(CrawlerOptions options) {
  auto crawler = Crawler::Open(std::move(options));
  EXPECT_TRUE(crawler.ok()) << crawler.status().message();
  return crawler.ok() ? std::move(*crawler) : nullptr;
}

// Every callback appends "name url"; the events of each URL, in order.
struct Trace {
  std::vector<std::pair<std::string, std::string>> events;
  std::vector<std::string> Of(const std::string& url) const {
    std::vector<std::string> out;
    for (const auto& [name, u] : events) {
      if (u == url) out.push_back(name);
    }
    return out;
  }
};

TEST(Crawler, CallbacksFireInTheDocumentedOrderOnTheRunThread) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/a", "/missing", "/moved", "/a"})));
  server.Add("/a", Page(Html({"/"})));
  server.Add("/moved", Redirect(301, "/target"));
  server.Add("/target", Text("plain"));
  server.Start();

  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  Trace trace;
  const std::thread::id run_thread = std::this_thread::get_id();
  int off_thread = 0;
  auto note = [&](const char* name, const std::string& url) {
    trace.events.emplace_back(name, url);
    if (std::this_thread::get_id() != run_thread) ++off_thread;
  };
  std::map<std::string, ErrorKind> error_kinds;
  std::map<std::string, int> statuses;
  crawler->OnRequest([&](Request& r) { note("request", r.url); });
  crawler->OnResponse([&](const Request& r, const Response& resp) {
    note("response", r.url);
    statuses[r.url] = resp.status;
    EXPECT_EQ(resp.url, r.url);
  });
  crawler->OnLinks([&](const Request& r, Links& links) {
    note("links", r.url);
    if (r.url == server.Url("/")) {
      // Document order, resolved; the duplicate /a is still there.
      EXPECT_EQ(links.size(), 4u);
      EXPECT_EQ(links.urls()[0], server.Url("/a"));
    }
  });
  crawler->OnError([&](const PageRecord& rec, const FetchError& e) {
    note("error", rec.url);
    error_kinds[rec.url] = e.kind;
  });
  crawler->OnRecord([&](const PageRecord& rec) { note("record", rec.url); });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(off_thread, 0) << "the event engine calls back on Run()'s thread";

  using V = std::vector<std::string>;
  EXPECT_EQ(trace.Of(server.Url("/")), (V{"request", "response", "links", "record"}));
  EXPECT_EQ(trace.Of(server.Url("/a")), (V{"request", "response", "links", "record"}));
  EXPECT_EQ(trace.Of(server.Url("/missing")),
            (V{"request", "response", "error", "record"}));
  EXPECT_EQ(trace.Of(server.Url("/moved")), (V{"request", "response", "record"}));
  EXPECT_EQ(trace.Of(server.Url("/target")), (V{"request", "response", "record"}))
      << "not HTML: no OnLinks";
  EXPECT_EQ(error_kinds[server.Url("/missing")], ErrorKind::kHttpStatus);
  EXPECT_EQ(statuses[server.Url("/missing")], 404);
  EXPECT_EQ(statuses[server.Url("/moved")], 301);
  EXPECT_EQ(summary->pages, 5u);
  EXPECT_EQ(summary->callback_errors, 0u);
  // robots.txt is the crawl's own fetch: it reached no callback.
  for (const auto& [name, url] : trace.events) {
    EXPECT_EQ(url.find("robots.txt"), std::string::npos) << name;
  }
  EXPECT_EQ(server.RequestsFor("/robots.txt"), 1u);
}

TEST(Crawler, OnRequestHeadersReachTheServerAndSkipFetchesNothing) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/a", "/private"})));
  server.Add("/a", Page(Html({})));
  server.Add("/private", Page(Html({"/behind"})));
  server.Start();

  CrawlerOptions options = OptionsFor(server);
  options.http.headers = {"X-Everyone: yes"};
  auto crawler = MustOpen(options);
  ASSERT_TRUE(crawler);
  std::vector<std::string> records;
  crawler->OnRequest([&](Request& r) {
    if (r.url.ends_with("/private")) {
      r.Skip();
      return;
    }
    r.headers.push_back("X-Page: " + r.url.substr(r.url.rfind('/')));
  });
  crawler->OnRecord([&](const PageRecord& rec) { records.push_back(rec.url); });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok()) << summary.status().message();

  auto log = server.Log();
  auto head_of = [&](const std::string& path) {
    auto it = log.find(path);
    return it == log.end() ? std::string() : it->second;
  };
  EXPECT_NE(head_of("/").find("\r\nX-Page: /\r\n"), std::string::npos) << head_of("/");
  EXPECT_NE(head_of("/a").find("\r\nX-Page: /a\r\n"), std::string::npos) << head_of("/a");
  EXPECT_NE(head_of("/a").find("\r\nX-Everyone: yes\r\n"), std::string::npos);
  EXPECT_EQ(head_of("/").find("X-Page: /a"), std::string::npos)
      << "one request's headers stay with it";
  EXPECT_EQ(server.RequestsFor("/private"), 0u);
  EXPECT_EQ(server.RequestsFor("/behind"), 0u);
  EXPECT_EQ(records.size(), 2u) << "a skipped URL gets no record";
  EXPECT_EQ(summary->dropped["skipped"], 1u);
}

TEST(Crawler, AHeaderLineWithANewlineFailsThatRequestOnly) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/a"})));
  server.Add("/a", Page(Html({})));
  server.Start();
  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  crawler->OnRequest([&](Request& r) {
    if (r.url.ends_with("/a")) r.headers.push_back("X-Evil: 1\r\nHost: other");
  });
  std::map<std::string, ErrorKind> kinds;
  crawler->OnRecord([&](const PageRecord& rec) { kinds[rec.url] = rec.result.error.kind; });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(kinds[server.Url("/a")], ErrorKind::kCallback);
  EXPECT_EQ(kinds[server.Url("/")], ErrorKind::kNone);
  EXPECT_EQ(server.RequestsFor("/a"), 0u) << "never sent";
}

TEST(Crawler, RequestDataIsInheritedByLinksAndRedirects) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/a", "/moved"})));
  server.Add("/a", Page(Html({"/a/deeper"})));
  server.Add("/a/deeper", Page(Html({})));
  server.Add("/moved", Redirect(302, "/landing"));
  server.Add("/landing", Page(Html({})));
  server.Start();

  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  std::map<std::string, std::string> origin, parent_of, section;
  std::map<std::string, int> depth;
  crawler->OnRequest([&](Request& r) {
    if (r.depth == 0) r.data.Set<std::string>("origin", "seed");
    if (r.url.ends_with("/a")) r.data.Set<std::string>("section", "a");
    const std::string* o = r.data.Get<std::string>("origin");
    origin[r.url] = o ? *o : "(none)";
    const std::string* s = r.data.Get<std::string>("section");
    section[r.url] = s ? *s : "(none)";
    parent_of[r.url] = r.parent;
    depth[r.url] = r.depth;
  });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok());
  for (const char* path : {"/", "/a", "/a/deeper", "/moved", "/landing"}) {
    EXPECT_EQ(origin[server.Url(path)], "seed") << path;
  }
  EXPECT_EQ(section[server.Url("/a/deeper")], "a") << "set on the parent, seen by the child";
  EXPECT_EQ(section[server.Url("/a")], "a");
  EXPECT_EQ(section[server.Url("/landing")], "(none)") << "siblings do not share";
  EXPECT_EQ(parent_of[server.Url("/a/deeper")], server.Url("/a"));
  EXPECT_EQ(parent_of[server.Url("/landing")], server.Url("/moved"));
  EXPECT_EQ(depth[server.Url("/a/deeper")], 2);
}

TEST(Crawler, VisitFromAnotherThreadAddsUrlsWithTheirData) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  // The seed answers late, so the crawl is still running when the visits
  // come in.
  server.Add("/", Page(Html({}), milliseconds(800)));
  server.Add("/v1", Page(Html({"/v1/child"})));
  server.Add("/v1/child", Page(Html({})));
  server.Add("/v2", Page(Html({})));
  server.Start();

  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  std::mutex mu;
  std::map<std::string, std::string> tags;
  std::vector<std::string> records;
  crawler->OnRequest([&](Request& r) {
    const std::string* t = r.data.Get<std::string>("tag");
    std::lock_guard lock(mu);
    tags[r.url] = t ? *t : "(none)";
  });
  crawler->OnRecord([&](const PageRecord& rec) { records.push_back(rec.url); });
  std::atomic<bool> visited{false};
  std::thread visitor([&] {
    std::this_thread::sleep_for(milliseconds(200));
    RequestData data;
    data.Set<std::string>("tag", "from-thread");
    EXPECT_TRUE(crawler->Visit(server.Url("/v1"), data).ok());
    EXPECT_TRUE(crawler->Visit(server.Url("/v2")).ok());
    EXPECT_TRUE(crawler->Visit(server.Url("/v2")).ok()) << "a duplicate is fine, fetched once";
    EXPECT_EQ(crawler->Visit("ftp://example.com/").code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(crawler->Visit("not a url").code(), Status::Code::kInvalidArgument);
    visited = true;
  });
  auto summary = crawler->Run();
  visitor.join();
  ASSERT_TRUE(summary.ok());
  ASSERT_TRUE(visited);
  EXPECT_EQ(tags[server.Url("/v1")], "from-thread");
  EXPECT_EQ(tags[server.Url("/v1/child")], "from-thread");
  EXPECT_EQ(tags[server.Url("/v2")], "(none)");
  EXPECT_EQ(server.RequestsFor("/v1/child"), 1u);
  EXPECT_EQ(server.RequestsFor("/v2"), 1u);
  EXPECT_EQ(summary->pages, 4u);
  EXPECT_EQ(crawler->Visit(server.Url("/late")).code(), Status::Code::kFailedPrecondition)
      << "after Run() returned";
}

TEST(Crawler, VisitFromACallbackIsCrawled) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({})));
  server.Add("/unlinked", Page(Html({})));
  server.Start();
  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  Crawler* c = crawler.get();
  crawler->OnRecord([&](const PageRecord& rec) {
    if (rec.url == server.Url("/")) {
      EXPECT_TRUE(c->Visit(server.Url("/unlinked")).ok());
    }
  });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(server.RequestsFor("/unlinked"), 1u);
  EXPECT_EQ(summary->pages, 2u);
}

// A site whose seed links to pages that answer only after a minute.
void AddSlowSite(RouteServer& server) {
  std::vector<std::string> hrefs = {"/fast"};
  for (int i = 0; i < 6; ++i) {
    std::string path = "/slow" + std::to_string(i);
    hrefs.push_back(path);
    server.Add(path, Page(Html({}), milliseconds(60'000)));
  }
  server.Add("/", Page(Html(hrefs)));
  server.Add("/fast", Page(Html({}), milliseconds(300)));
}

TEST(Crawler, StopFromACallbackCancelsTransfersAndRunReturnsWithinASecond) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  AddSlowSite(server);
  server.Start();
  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  Crawler* c = crawler.get();
  Clock::time_point stopped_at{};
  std::map<std::string, ErrorKind> kinds;
  crawler->OnRecord([&](const PageRecord& rec) {
    kinds[rec.url] = rec.result.error.kind;
    if (rec.url == server.Url("/fast")) {
      stopped_at = Clock::now();
      c->Stop();
    }
  });
  auto summary = crawler->Run();
  const auto returned_at = Clock::now();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_NE(stopped_at, Clock::time_point{}) << "/fast was fetched";
  EXPECT_LT(returned_at - stopped_at, milliseconds(1000));
  EXPECT_TRUE(summary->stopped);
  int cancelled = 0;
  for (const auto& [url, kind] : kinds) {
    if (url.find("/slow") != std::string::npos) {
      EXPECT_EQ(kind, ErrorKind::kCancelled) << url;
      ++cancelled;
    }
  }
  EXPECT_EQ(cancelled, 6) << "each transfer in flight ends with a record";
  EXPECT_EQ(crawler->Visit(server.Url("/x")).code(), Status::Code::kFailedPrecondition);
}

TEST(Crawler, StopFromAnotherThreadReturnsWithinASecond) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  AddSlowSite(server);
  server.Start();
  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  std::atomic<std::int64_t> stop_ns{0};
  std::thread stopper([&] {
    // Once the slow pages are in flight.
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (server.RequestsFor("/slow5") == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    std::this_thread::sleep_for(milliseconds(100));
    stop_ns = Clock::now().time_since_epoch().count();
    crawler->Stop();
  });
  auto summary = crawler->Run();
  const auto returned_at = Clock::now();
  stopper.join();
  ASSERT_TRUE(summary.ok());
  ASSERT_GT(server.RequestsFor("/slow5"), 0u);
  const Clock::time_point stopped_at{Clock::duration(stop_ns.load())};
  EXPECT_LT(returned_at - stopped_at, milliseconds(1000));
  EXPECT_TRUE(summary->stopped);
  EXPECT_GE(summary->error_kinds["cancelled"], 6u);
  EXPECT_EQ(summary->error_kinds["cancelled"] + summary->fetched, 8u)
      << "the seed, /fast (fetched or cancelled) and six cancelled";
}

TEST(Crawler, StopBeforeRunEndsAtOnce) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  AddSlowSite(server);
  server.Start();
  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  crawler->Stop();
  const auto start = Clock::now();
  auto summary = crawler->Run();
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->stopped);
  EXPECT_EQ(server.RequestsFor("/slow0"), 0u);
}

TEST(Crawler, StopFromOnRequestSendsNothingMore) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/a", "/b", "/c"})));
  for (const char* p : {"/a", "/b", "/c"}) server.Add(p, Page(Html({})));
  server.Start();
  CrawlerOptions options = OptionsFor(server);
  options.crawl.concurrency = 1;
  auto crawler = MustOpen(options);
  ASSERT_TRUE(crawler);
  Crawler* c = crawler.get();
  crawler->OnRequest([&](Request& r) {
    if (r.url.ends_with("/a")) c->Stop();
  });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->stopped);
  EXPECT_EQ(server.RequestsFor("/a"), 0u);
  EXPECT_EQ(server.RequestsFor("/b") + server.RequestsFor("/c"), 0u);
  EXPECT_EQ(summary->dropped["stopped"], 3u);
}

TEST(Crawler, OnRequestMayNotChangeTheUrl) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/a"})));
  server.Add("/a", Page(Html({})));
  server.Add("/elsewhere", Page(Html({})));
  server.Start();
  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  crawler->OnRequest([&](Request& r) {
    if (r.url.ends_with("/a")) r.url = server.Url("/elsewhere");
  });
  std::map<std::string, PageRecord> records;
  crawler->OnRecord([&](const PageRecord& rec) { records[rec.url] = rec; });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(server.RequestsFor("/elsewhere"), 0u);
  EXPECT_EQ(server.RequestsFor("/a"), 0u);
  EXPECT_EQ(records[server.Url("/a")].result.error.kind, ErrorKind::kCallback);
}

TEST(Crawler, ThrowingCallbacksBecomeResultsNotCrashes) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/req", "/resp", "/links", "/rec", "/fine"})));
  for (const char* p : {"/req", "/resp", "/rec", "/fine"}) {
    server.Add(p, Page(Html({})));
  }
  server.Add("/links", Page(Html({"/never"})));
  server.Add("/never", Page(Html({})));
  server.Start();

  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  crawler->OnRequest([](Request& r) {
    if (r.url.ends_with("/req")) throw std::runtime_error("boom in request");
  });
  crawler->OnResponse([](const Request& r, const Response&) {
    if (r.url.ends_with("/resp")) throw 42;  // not a std::exception
  });
  crawler->OnLinks([](const Request& r, Links&) {
    if (r.url.ends_with("/links")) throw std::logic_error("boom in links");
  });
  int errors_seen = 0;
  crawler->OnError([&](const PageRecord&, const FetchError&) {
    ++errors_seen;
    throw std::runtime_error("OnError throws too");
  });
  std::map<std::string, PageRecord> records;
  crawler->OnRecord([&](const PageRecord& rec) {
    records[rec.url] = rec;
    if (rec.url.ends_with("/rec")) throw std::runtime_error("boom in record");
  });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok()) << summary.status().message();

  auto check = [&](const char* path, const char* needle) {
    const PageRecord& r = records[server.Url(path)];
    EXPECT_EQ(r.result.outcome, Outcome::kError) << path;
    EXPECT_EQ(r.result.error.kind, ErrorKind::kCallback) << path;
    EXPECT_NE(r.result.error.message.find(needle), std::string::npos)
        << path << ": " << r.result.error.message;
  };
  check("/req", "OnRequest threw: boom in request");
  check("/resp", "OnResponse threw: an exception that is not a std::exception");
  check("/links", "OnLinks threw: boom in links");
  EXPECT_EQ(server.RequestsFor("/req"), 0u) << "a failed OnRequest sends nothing";
  EXPECT_EQ(server.RequestsFor("/never"), 0u) << "a failed page's links are not followed";
  EXPECT_EQ(records[server.Url("/rec")].result.outcome, Outcome::kFetched);
  EXPECT_EQ(records[server.Url("/fine")].result.outcome, Outcome::kFetched);
  EXPECT_EQ(errors_seen, 3);
  EXPECT_EQ(summary->callback_errors, 4u) << "three OnError throws and one OnRecord";
  EXPECT_EQ(summary->error_kinds["callback"], 3u);
  EXPECT_EQ(summary->pages, 6u);
}

TEST(Crawler, OnLinksMayDropAndAddLinks) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/keep", "/drop"})));
  server.Add("/keep", Page(Html({})));
  server.Add("/drop", Page(Html({})));
  server.Add("/added", Page(Html({})));
  server.Start();
  auto crawler = MustOpen(OptionsFor(server));
  ASSERT_TRUE(crawler);
  crawler->OnLinks([](const Request& r, Links& links) {
    if (r.depth != 0) return;
    links.Keep([](const std::string& u) { return !u.ends_with("/drop"); });
    EXPECT_TRUE(links.Add("added#frag"));
    EXPECT_FALSE(links.Add("mailto:someone@example.com"));
  });
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(server.RequestsFor("/keep"), 1u);
  EXPECT_EQ(server.RequestsFor("/drop"), 0u);
  EXPECT_EQ(server.RequestsFor("/added"), 1u);
}

TEST(Crawler, OutputsAreLibraryFeatures) {
  RouteServer server;
  ASSERT_TRUE(server.ok());
  server.Add("/", Page(Html({"/a"})));
  server.Add("/a", Page(Html({})));
  server.Start();
  const std::string dir = ::testing::TempDir() + "/crawler_outputs";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  CrawlerOptions options = OptionsFor(server);
  options.output.jsonl.path = dir + "/pages.jsonl";
  options.output.warc.emplace();
  options.output.warc->name = dir + "/site";
  options.output.warc->cdx = true;
  options.output.mirror.emplace();
  options.output.mirror->dir = dir + "/mirror";
  auto crawler = MustOpen(options);
  ASSERT_TRUE(crawler);
  auto summary = crawler->Run();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  std::ifstream jsonl(dir + "/pages.jsonl");
  int lines = 0;
  for (std::string line; std::getline(jsonl, line);) {
    EXPECT_NE(line.find("\"warc_file\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"saved_as\""), std::string::npos) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  int warcs = 0, cdx = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".warc.gz")) ++warcs;
    if (name.ends_with(".cdxj")) ++cdx;
  }
  EXPECT_EQ(warcs, 1);
  EXPECT_EQ(cdx, 1);
  int mirrored = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir + "/mirror")) {
    if (e.is_regular_file()) ++mirrored;
  }
  EXPECT_EQ(mirrored, 2);
}

TEST(Crawler, OpenRefusesOptionsThatCannotWork) {
  CrawlerOptions none;
  auto r = Crawler::Open(none);
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  CrawlerOptions ftp;
  ftp.crawl.seeds = {"ftp://example.com/"};
  EXPECT_EQ(Crawler::Open(ftp).status().code(), Status::Code::kInvalidArgument);
  CrawlerOptions bad_pattern;
  bad_pattern.crawl.seeds = {"http://127.0.0.1:1/"};
  bad_pattern.crawl.include = {"("};
  EXPECT_EQ(Crawler::Open(bad_pattern).status().code(), Status::Code::kInvalidArgument);
  CrawlerOptions unwritable;
  unwritable.crawl.seeds = {"http://127.0.0.1:1/"};
  unwritable.output.jsonl.path = "/nonexistent-dir/x.jsonl";
  EXPECT_EQ(Crawler::Open(unwritable).status().code(), Status::Code::kIoError);
  CrawlerOptions fake_warc;
  fake_warc.crawl.seeds = {"http://golang.org/"};
  fake_warc.output.warc.emplace();
  fake_warc.output.warc->name = "/tmp/x";
  EXPECT_EQ(Crawler::Open(fake_warc, FakeFetcher::Lecture()).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(Crawler, RunTwiceIsAnError) {
  CrawlerOptions o;
  o.crawl.seeds = {"http://golang.org/"};
  auto crawler = Crawler::Open(o, FakeFetcher::Lecture());
  ASSERT_TRUE(crawler.ok());
  ASSERT_TRUE((*crawler)->Run().ok());
  EXPECT_EQ((*crawler)->Run().status().code(), Status::Code::kFailedPrecondition);
}

// Every engine runs the callbacks one at a time, with the same order per URL.
class CrawlerEngines : public ::testing::TestWithParam<Engine> {};

TEST_P(CrawlerEngines, CallbacksNeverOverlapAndDataFlowsOnEveryEngine) {
  RandomGraphOptions graph;
  graph.pages = 400;
  graph.fanout = 6;
  graph.seed = 7;
  graph.missing_share = 0;
  auto fake = FakeFetcher::Random(graph);
  fake->set_latency(std::chrono::microseconds(200));
  CrawlerOptions o;
  o.crawl.seeds = fake->seeds();
  o.crawl.engine = GetParam();
  o.crawl.concurrency = 8;
  o.crawl.obey_robots = false;
  auto crawler = Crawler::Open(o, std::move(fake));
  ASSERT_TRUE(crawler.ok()) << crawler.status().message();
  std::atomic<int> inside{0};
  int overlaps = 0;  // written only inside callbacks, which never overlap
  std::map<std::string, int> order;  // url -> 1 after request, 2 after links, 3 record
  int out_of_order = 0, missing_data = 0;
  auto enter = [&] {
    if (inside.fetch_add(1) != 0) ++overlaps;
  };
  auto leave = [&] { inside.fetch_sub(1); };
  (*crawler)->OnRequest([&](Request& r) {
    enter();
    if (r.depth == 0) r.data.Set<int>("root", 1);
    if (r.data.Get<int>("root") == nullptr) ++missing_data;
    if (order[r.url] != 0) ++out_of_order;
    order[r.url] = 1;
    leave();
  });
  (*crawler)->OnLinks([&](const Request& r, Links&) {
    enter();
    if (order[r.url] != 1) ++out_of_order;
    order[r.url] = 2;
    leave();
  });
  (*crawler)->OnRecord([&](const PageRecord& rec) {
    enter();
    if (order[rec.url] == 0 || order[rec.url] == 3) ++out_of_order;
    order[rec.url] = 3;
    leave();
  });
  auto summary = (*crawler)->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(overlaps, 0);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(missing_data, 0);
  EXPECT_GT(summary->fetched, 50u);
  EXPECT_EQ(summary->fetched, summary->pages);
  EXPECT_EQ(order.size(), summary->pages);
}

// Each record Visit()s the next page, to the last one: the crawl is not
// over while a record is being delivered, on any engine.
TEST_P(CrawlerEngines, AVisitFromTheLastRecordIsCrawled) {
  auto fake = std::make_unique<FakeFetcher>();
  constexpr int kChain = 30;
  for (int i = 0; i < kChain; ++i) {
    fake->AddPage("http://chain.test/" + std::to_string(i), {});
  }
  CrawlerOptions o;
  o.crawl.seeds = {"http://chain.test/0"};
  o.crawl.engine = GetParam();
  o.crawl.concurrency = 4;
  o.crawl.obey_robots = false;
  auto crawler = Crawler::Open(o, std::move(fake));
  ASSERT_TRUE(crawler.ok());
  Crawler* c = crawler->get();
  int refused = 0, records = 0;
  (*crawler)->OnRecord([&](const PageRecord& rec) {
    ++records;
    const int i = std::stoi(rec.url.substr(rec.url.rfind('/') + 1));
    if (i + 1 < kChain && !c->Visit("http://chain.test/" + std::to_string(i + 1)).ok()) {
      ++refused;
    }
  });
  auto summary = (*crawler)->Run();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(refused, 0);
  EXPECT_EQ(records, kChain);
  EXPECT_EQ(summary->fetched, static_cast<std::uint64_t>(kChain));
}

INSTANTIATE_TEST_SUITE_P(All, CrawlerEngines,
                         ::testing::Values(Engine::kSerial, Engine::kMutex,
                                           Engine::kChannel, Engine::kEvent),
                         [](const auto& info) {
                           return std::string(EngineName(info.param));
                         });

}  // namespace
}  // namespace crawl
