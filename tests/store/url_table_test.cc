#include "store/url_table.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace crawl {
namespace {

// Inserts `url`, expecting it new with the next id; returns the id.
std::uint32_t AddNew(UrlTable& t, const std::string& url) {
  const std::size_t before = t.size();
  const UrlTable::Inserted in = t.Insert(url);
  EXPECT_TRUE(in.added) << url.substr(0, 80);
  EXPECT_EQ(in.id, before) << url.substr(0, 80);
  EXPECT_EQ(t.size(), before + 1);
  return in.id;
}

TEST(UrlTable, EmptyFindsNothing) {
  UrlTable t;
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Find("http://a.example/"), UrlTable::kNone);
  EXPECT_EQ(t.Find(""), UrlTable::kNone);
}

TEST(UrlTable, InsertFindAndRoundTrip) {
  UrlTable t;
  EXPECT_EQ(AddNew(t, "http://a.example/x"), 0u);
  EXPECT_EQ(AddNew(t, "http://a.example/y?q=1"), 1u);
  const UrlTable::Inserted again = t.Insert("http://a.example/x");
  EXPECT_FALSE(again.added);
  EXPECT_EQ(again.id, 0u);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.Find("http://a.example/x"), 0u);
  EXPECT_EQ(t.Find("http://a.example/y?q=1"), 1u);
  EXPECT_EQ(t.Find("http://a.example/y"), UrlTable::kNone);
  EXPECT_EQ(t.Find("http://a.example/x/"), UrlTable::kNone);
  EXPECT_EQ(t.Url(0), "http://a.example/x");
  EXPECT_EQ(t.Url(1), "http://a.example/y?q=1");
  EXPECT_EQ(t.Origin(1), "http://a.example");
  EXPECT_EQ(t.Rest(1), "/y?q=1");
  EXPECT_EQ(t.origins(), 1u);
}

TEST(UrlTable, SamePathOnDifferentOriginsIsDifferent) {
  UrlTable t;
  const std::vector<std::string> urls = {
      "http://a.example/p",       "https://a.example/p",
      "http://a.example:8080/p",  "https://a.example:8443/p",
      "http://b.example/p",       "http://user@a.example/p",
      "http://[::1]/p",           "http://[::1]:81/p",
      "http://a.example.com/p",   "http://a.exampl/e/p",
  };
  for (const std::string& u : urls) AddNew(t, u);
  EXPECT_EQ(t.origins(), urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    EXPECT_EQ(t.Find(urls[i]), i) << urls[i];
    EXPECT_EQ(t.Url(static_cast<std::uint32_t>(i)), urls[i]);
  }
  EXPECT_EQ(t.Origin(3), "https://a.example:8443");
  EXPECT_EQ(t.Rest(3), "/p");
}

TEST(UrlTable, StringsThatAreNotQuiteUrls) {
  UrlTable t;
  // No "://": all rest. No path: all origin. Either way, exact round trips.
  const std::vector<std::string> urls = {
      "", "a", "b", "/a", "http://a.example", "http://a.example/",
      "http://a.example?q", "mailto:x@y", "://", ":///", "x://y//z",
      std::string("http://a.example/nul\0byte", 25),
      std::string("http://a.example/nul\0bytf", 25),
  };
  for (const std::string& u : urls) AddNew(t, u);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const auto id = static_cast<std::uint32_t>(i);
    EXPECT_EQ(t.Find(urls[i]), id) << i;
    EXPECT_EQ(t.Url(id), urls[i]) << i;
    EXPECT_EQ(std::string(t.Origin(id)) + std::string(t.Rest(id)), urls[i]);
    EXPECT_FALSE(t.Insert(urls[i]).added);
  }
  EXPECT_EQ(t.Origin(1), "");
  EXPECT_EQ(t.Rest(1), "a");
  EXPECT_EQ(t.Origin(4), "http://a.example");
  EXPECT_EQ(t.Rest(4), "");
  EXPECT_EQ(t.Rest(5), "/");
  EXPECT_EQ(t.Origin(10), "x://y");
  EXPECT_EQ(t.Rest(10), "//z");
}

TEST(UrlTable, LongUrlsIncludingBiggerThanABlock) {
  UrlTable t;
  std::vector<std::string> urls;
  // Short and long interleaved, so long ones both fit the current block's
  // rest and do not, and some exceed a whole arena block (64 KiB).
  for (std::size_t len : {10u, 2000u, 5u, 40000u, 7u, 65530u, 65536u, 3u,
                          70000u, 200000u, 1u, 64000u, 64001u, 131072u, 9u}) {
    std::string u = "https://long.example/";
    for (std::size_t i = 0; u.size() < 21 + len; ++i) {
      u.push_back(static_cast<char>('a' + (i * 7 + len) % 26));
    }
    urls.push_back(u);
    AddNew(t, u);
  }
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const auto id = static_cast<std::uint32_t>(i);
    EXPECT_EQ(t.Find(urls[i]), id);
    EXPECT_EQ(t.Url(id), urls[i]);
  }
  // And nothing that differs in the last byte only.
  std::string other = urls[8];
  other.back() = other.back() == 'z' ? 'y' : 'z';
  EXPECT_EQ(t.Find(other), UrlTable::kNone);
}

TEST(UrlTable, RejectsUrlsLongerThanTheLimit) {
  UrlTable t;
  const std::string huge(UrlTable::kMaxUrlSize + 1, 'x');
  EXPECT_THROW(t.Insert(huge), std::length_error);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(AddNew(t, "http://a.example/"), 0u);
}

// Many URLs over many origins: grows the index many times and the arena
// over many blocks; every id stays findable and round-trips.
TEST(UrlTable, GrowsAcrossRehashesAndBlocks) {
  UrlTable t;
  const auto url = [](std::size_t i) {
    const char* schemes[] = {"http", "https"};
    std::string u = std::string(schemes[i % 2]) + "://h" + std::to_string(i % 1000) +
                    ".example";
    if (i % 7 == 0) u += ":" + std::to_string(8000 + i % 3);
    u += "/" + std::to_string(i);
    if (i % 5 == 0) u += "?page=" + std::to_string(i * 31) + "&sort=asc";
    return u;
  };
  constexpr std::size_t kUrls = 300'000;
  for (std::size_t i = 0; i < kUrls; ++i) {
    const UrlTable::Inserted in = t.Insert(url(i));
    ASSERT_TRUE(in.added) << i;
    ASSERT_EQ(in.id, i);
    if (i % 1000 == 999) {  // an earlier one is still there, mid-growth
      ASSERT_EQ(t.Find(url(i / 2)), i / 2);
    }
  }
  EXPECT_EQ(t.size(), kUrls);
  std::set<std::string> origins;
  for (std::size_t i = 0; i < kUrls; ++i) {
    const std::string u = url(i);
    origins.insert(u.substr(0, u.find('/', u.find("://") + 3)));
  }
  EXPECT_EQ(t.origins(), origins.size());
  EXPECT_GT(origins.size(), 2000u);
  for (std::size_t i = 0; i < kUrls; ++i) {
    const auto id = static_cast<std::uint32_t>(i);
    ASSERT_EQ(t.Find(url(i)), id) << url(i);
    ASSERT_EQ(t.Url(id), url(i));
    const UrlTable::Inserted again = t.Insert(url(i));
    ASSERT_FALSE(again.added);
    ASSERT_EQ(again.id, id);
  }
  EXPECT_EQ(t.size(), kUrls);
  EXPECT_EQ(t.Find("http://h1.example/2"), UrlTable::kNone);
  EXPECT_EQ(t.Find("http://h1.example/1"), UrlTable::kNone);  // https only
  EXPECT_EQ(t.Find("https://h1.example/1"), 1u);
}

// Per URL: the rest's bytes, two varints, 4 bytes of offset, and an index
// of 4-byte slots at most 70% (at least 35%) full.
TEST(UrlTable, MemoryIsCompact) {
  UrlTable t;
  constexpr std::size_t kUrls = 1'000'000;
  std::size_t rest_bytes = 0;
  for (std::size_t i = 0; i < kUrls; ++i) {
    const std::string rest = "/" + std::to_string(1'000'000 + i);
    rest_bytes += rest.size();
    t.Insert("http://fake.test" + rest);
  }
  const double per_url =
      static_cast<double>(t.MemoryUsage() - rest_bytes) / static_cast<double>(kUrls);
  EXPECT_LT(per_url, 20.0);  // 2^21 slots: 8.4; records' heads 2; offsets 4.25
}

// Against a std::unordered_map, on random URLs with shared prefixes.
TEST(UrlTable, AgreesWithAHashMap) {
  std::mt19937_64 rng(7);
  UrlTable t;
  std::unordered_map<std::string, std::uint32_t> ref;
  std::vector<std::string> by_id;
  const auto random_url = [&] {
    const char* origins[] = {"http://a", "http://a:1", "https://a", "http://b",
                             "", "http://ab"};
    std::string u = origins[rng() % 6];
    const std::size_t parts = rng() % 4;
    for (std::size_t i = 0; i < parts; ++i) {
      u += "/" + std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 3));
    }
    if (rng() % 4 == 0) u += "?" + std::to_string(rng() % 10);
    return u;
  };
  for (int step = 0; step < 200'000; ++step) {
    const std::string u = random_url();
    if (rng() % 3 == 0) {
      const auto it = ref.find(u);
      ASSERT_EQ(t.Find(u), it == ref.end() ? UrlTable::kNone : it->second) << u;
      continue;
    }
    const UrlTable::Inserted in = t.Insert(u);
    const auto [it, added] = ref.emplace(u, static_cast<std::uint32_t>(by_id.size()));
    ASSERT_EQ(in.added, added) << u;
    ASSERT_EQ(in.id, it->second) << u;
    if (added) by_id.push_back(u);
  }
  ASSERT_EQ(t.size(), by_id.size());
  for (std::size_t i = 0; i < by_id.size(); ++i) {
    ASSERT_EQ(t.Url(static_cast<std::uint32_t>(i)), by_id[i]);
  }
}

TEST(ChunkedArray, ElementsStayPutAndStartValueInitialised) {
  struct Pair {
    int a = 5;
    std::uint64_t b = 0;
  };
  ChunkedArray<Pair, 3> array;  // chunks of 8
  EXPECT_TRUE(array.empty());
  Pair& first = array.emplace_back();
  first.b = 42;
  for (int i = 1; i < 100; ++i) array.emplace_back().b = static_cast<std::uint64_t>(i);
  EXPECT_EQ(array.size(), 100u);
  EXPECT_EQ(&array[0], &first);
  EXPECT_EQ(first.b, 42u);
  EXPECT_EQ(array[99].a, 5);
  EXPECT_EQ(array[99].b, 99u);
  array.resize(130);
  EXPECT_EQ(array.size(), 130u);
  EXPECT_EQ(array[129].a, 5);
  EXPECT_EQ(array[129].b, 0u);
  array.resize(10);  // never shrinks
  EXPECT_EQ(array.size(), 130u);
}

}  // namespace
}  // namespace crawl
