#include "crawl/fake_fetcher.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace crawl {
namespace {

TEST(FakeFetcher, LectureGraph) {
  auto f = FakeFetcher::Lecture();
  EXPECT_EQ(f->seeds(), std::vector<std::string>{"http://golang.org/"});
  EXPECT_EQ(f->page_count(), 4u);
  FetchResult root = f->Fetch("http://golang.org/");
  EXPECT_EQ(root.outcome, Outcome::kFetched);
  EXPECT_EQ(root.links, (std::vector<std::string>{"http://golang.org/pkg/",
                                                  "http://golang.org/cmd/"}));
  EXPECT_EQ(f->Fetch("http://golang.org/cmd/").outcome, Outcome::kNotFound);
  EXPECT_EQ(f->FetchCount("http://golang.org/"), 1);
  EXPECT_EQ(f->FetchCount("http://golang.org/cmd/"), 1);
  EXPECT_EQ(f->FetchCount("http://golang.org/pkg/"), 0);
  EXPECT_EQ(f->TotalFetches(), 2u);
}

TEST(FakeFetcher, RandomGraphIsDeterministicAndShaped) {
  RandomGraphOptions g{.pages = 500, .fanout = 7, .seed = 42};
  auto a = FakeFetcher::Random(g);
  auto b = FakeFetcher::Random(g);
  g.seed = 43;
  auto c = FakeFetcher::Random(g);
  EXPECT_EQ(a->page_count(), 500u);
  bool differs = false, self = false, missing = false;
  for (int i = 0; i < 500; ++i) {
    const std::string url = "http://fake.test/" + std::to_string(i);
    const auto la = a->LinksOf(url);
    ASSERT_TRUE(la.has_value());
    ASSERT_EQ(la->size(), 7u);
    EXPECT_EQ(*la, *b->LinksOf(url));
    differs |= *la != *c->LinksOf(url);
    for (const auto& l : *la) {
      self |= l == url;
      missing |= l.find("/missing/") != std::string::npos;
    }
  }
  EXPECT_TRUE(differs) << "another seed must give another graph";
  EXPECT_TRUE(self) << "self-links expected";
  EXPECT_TRUE(missing) << "links to missing pages expected";
  EXPECT_EQ(a->Fetch("http://fake.test/missing/3").outcome, Outcome::kNotFound);
  // Counted (compactly, by number) like any other fetch.
  EXPECT_EQ(a->FetchCount("http://fake.test/missing/3"), 1);
  EXPECT_EQ(a->FetchCount("http://fake.test/missing/4"), 0);
  EXPECT_EQ(a->FetchCounts().count("http://fake.test/missing/3"), 1u);
  a->Fetch("http://fake.test/missing/03");  // not canonical: a URL like any
  EXPECT_EQ(a->FetchCount("http://fake.test/missing/03"), 1);
  EXPECT_EQ(a->FetchCount("http://fake.test/missing/3"), 1);
}

TEST(FakeFetcher, HugeRandomGraphCostsNothingUpFront) {
  auto f = FakeFetcher::Random({.pages = 10'000'000, .fanout = 1000, .seed = 5});
  EXPECT_EQ(f->page_count(), 10'000'000u);
  FetchResult r = f->Fetch("http://fake.test/9999999");
  EXPECT_EQ(r.outcome, Outcome::kFetched);
  EXPECT_EQ(r.links.size(), 1000u);
  EXPECT_EQ(f->Fetch("http://fake.test/10000000").outcome, Outcome::kNotFound);
  EXPECT_EQ(f->Fetch("http://fake.test/007").outcome, Outcome::kNotFound)
      << "one page, one spelling";
  EXPECT_EQ(f->FetchCount("http://fake.test/9999999"), 1);
}

TEST(FakeFetcher, FaultsAreDeterministicPerUrl) {
  auto f = FakeFetcher::Random({.pages = 1000, .fanout = 1, .seed = 1});
  f->set_faults({.error_share = 0.2, .throw_share = 0.1, .seed = 5});
  int errors = 0, throws = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string url = "http://fake.test/" + std::to_string(i);
    ASSERT_FALSE(f->InjectsError(url) && f->InjectsThrow(url));
    if (f->InjectsThrow(url)) {
      ++throws;
      EXPECT_THROW(f->Fetch(url), std::runtime_error);
    } else if (f->InjectsError(url)) {
      ++errors;
      FetchResult r = f->Fetch(url);
      EXPECT_EQ(r.outcome, Outcome::kError);
      EXPECT_EQ(r.error.kind, ErrorKind::kInjected);
    } else {
      EXPECT_EQ(f->Fetch(url).outcome, Outcome::kFetched);
    }
  }
  EXPECT_NEAR(errors, 200, 50);
  EXPECT_NEAR(throws, 100, 40);
  EXPECT_EQ(f->TotalFetches(), 1000u) << "a throwing fetch still counts";
}

TEST(FakeFetcher, CountsAreExactUnderConcurrentFetches) {
  auto f = FakeFetcher::Lecture();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        f->Fetch("http://golang.org/pkg/");
        f->Fetch("http://golang.org/nope/" + std::to_string(i % 10));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f->FetchCount("http://golang.org/pkg/"), 8000);
  EXPECT_EQ(f->FetchCount("http://golang.org/nope/3"), 800);
  EXPECT_EQ(f->TotalFetches(), 16000u);
  EXPECT_EQ(f->FetchCounts().size(), 11u);
}

TEST(FakeFetcher, LatencyDelaysEachFetch) {
  auto f = FakeFetcher::Lecture();
  f->set_latency(std::chrono::milliseconds(20));
  const auto start = std::chrono::steady_clock::now();
  f->Fetch("http://golang.org/");
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(20));
}

TEST(FakeFetcherSpec, Parses) {
  auto lecture = FakeFetcher::FromSpec("lecture");
  ASSERT_TRUE(lecture.ok());
  EXPECT_EQ((*lecture)->page_count(), 4u);
  auto random = FakeFetcher::FromSpec("random:50:3:9");
  ASSERT_TRUE(random.ok());
  EXPECT_EQ((*random)->page_count(), 50u);
  EXPECT_EQ(*(*random)->LinksOf("http://fake.test/0"),
            *FakeFetcher::Random({.pages = 50, .fanout = 3, .seed = 9})
                 ->LinksOf("http://fake.test/0"));
  EXPECT_TRUE(FakeFetcher::FromSpec("random:50:3:9:5").ok());
}

TEST(FakeFetcherSpec, RejectsMalformed) {
  for (const char* bad :
       {"", "lectures", "random", "random:", "random:10", "random:10:2",
        "random:x:2:1", "random:10:2:1:", "random:10:2:1:5:6:7", "random:0:2:1",
        "random:-5:2:1", "random:10:-1:1", "random:10:2001:1",
        "random:10:2:1:99999999", "random:10 :2:1", "random:20000000:1:1"}) {
    auto r = FakeFetcher::FromSpec(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' accepted";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    }
  }
}

TEST(FakeFetcherSpec, UrlBytesPadsEveryUrlOfTheGraph) {
  auto f = FakeFetcher::FromSpec("random:2000:4:9:0:70");
  ASSERT_TRUE(f.ok()) << f.status().message();
  const std::string seed = (*f)->seeds().at(0);
  EXPECT_GE(seed.size() + 3, 70u) << seed;  // "…/0": the digits of an average page
  FetchResult r = (*f)->Fetch(seed);
  EXPECT_EQ(r.outcome, Outcome::kFetched);
  ASSERT_FALSE(r.links.empty());
  for (const std::string& link : r.links) {
    EXPECT_EQ(link.compare(0, seed.size() - 1, seed, 0, seed.size() - 1), 0) << link;
    EXPECT_NE((*f)->Fetch(link).outcome, Outcome::kError) << link;
  }
  EXPECT_FALSE(FakeFetcher::FromSpec("random:50:3:9:0:5000").ok());
}

}  // namespace
}  // namespace crawl
