// crawl/fake_fetcher.h — a Fetcher over canned pages, for tests, benchmarks
// and `crawl --fake`.
//
// Ships the lecture's graph (shared/seeds/: golang.org/, pkg/, pkg/fmt/ and
// pkg/os/ exist, cmd/ is linked but missing) and generates random graphs with
// cycles, self-links and links to missing pages. A fetch can be given latency
// and, per URL and deterministically, an injected error or a thrown exception.
// It counts the fetches of every URL.
//
// Thread safety: the graph is immutable after construction; Fetch() and the
// counters may be used from any number of threads at once. AddPage() and
// set_faults() must happen before the first Fetch().
#ifndef CRAWL_FAKE_FETCHER_H_
#define CRAWL_FAKE_FETCHER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crawl/fetcher.h"
#include "crawl/status.h"

namespace crawl {

struct RandomGraphOptions {
  int pages = 100;         // pages that exist: http://fake.test/0 .. N-1
                           // (1..10,000,000; generated on demand)
  int fanout = 4;          // links per page
  std::uint64_t seed = 1;  // same seed, same graph
  // Of each page's links: the share that go to a page that does not exist,
  // and the share that point back at the page itself. The rest go to a near
  // page (i+1..i+3, making long chains) or to any page (making shortcuts and
  // cycles), half and half.
  double missing_share = 0.05;
  double self_share = 0.05;
  // Where the pages live: page N is `prefix` + N, a missing one `prefix` +
  // "missing/" + N. Must end with '/'.
  std::string prefix = "http://fake.test/";
};

// Faults injected per URL. Whether a URL faults depends only on the URL and
// `seed`, so a reference crawl can predict it.
struct FaultOptions {
  double error_share = 0;  // Fetch returns outcome kError, kind "injected"
  double throw_share = 0;  // Fetch throws std::runtime_error
  std::uint64_t seed = 0;
};

class FakeFetcher final : public Fetcher {
 public:
  FakeFetcher();
  ~FakeFetcher() override;
  FakeFetcher(const FakeFetcher&) = delete;
  FakeFetcher& operator=(const FakeFetcher&) = delete;

  // The lecture's graph. Seed: http://golang.org/.
  static std::unique_ptr<FakeFetcher> Lecture();
  // A random graph as described by `options`. Seed: http://fake.test/0.
  static std::unique_ptr<FakeFetcher> Random(const RandomGraphOptions& options);
  // Parses the CLI's --fake spec: "lecture" or
  // "random:PAGES:FANOUT:SEED[:LATENCY_MS[:URL_BYTES]]" (URL_BYTES: pad the
  // prefix with a path segment so that page URLs average about that many
  // bytes, for memory figures). InvalidArgument on anything else.
  static Result<std::unique_ptr<FakeFetcher>> FromSpec(std::string_view spec);

  // Adds (or replaces) a page. Not thread-safe; only before fetching.
  void AddPage(std::string url, std::vector<std::string> links);
  // Adds a document for FetchDocument (e.g. a robots.txt). Not thread-safe;
  // only before fetching. Without one, FetchDocument answers 404.
  void AddDocument(std::string url, int status, std::string body);
  void set_faults(const FaultOptions& faults) { faults_ = faults; }
  // Each Fetch sleeps this long first (simulates network latency).
  void set_latency(std::chrono::microseconds latency) { latency_ = latency; }

  // Where a crawl of this graph starts.
  const std::vector<std::string>& seeds() const { return seeds_; }
  // The links of an existing page, or std::nullopt. Not counted as a fetch.
  std::optional<std::vector<std::string>> LinksOf(const std::string& url) const;
  // Number of pages that exist.
  std::size_t page_count() const {
    return pages_.size() + (random_ ? static_cast<std::size_t>(random_->pages) : 0);
  }

  // Thread-safe. Sleeps for the latency, then: an injected fault if the URL
  // draws one, kFetched with the page's links if it exists, else kNotFound.
  FetchResult Fetch(const Request& request) override;
  Document FetchDocument(const std::string& url, int max_redirects) override;
  // As Fetch and FetchDocument, but the latency is waited out by one timer
  // thread (started on first use) instead of the caller: thousands of fake
  // fetches in flight cost no thread each. The callback runs on that thread,
  // or on the caller's when there is no latency.
  void FetchAsync(const Request& request, FetchCallback done) override;
  void FetchDocumentAsync(const std::string& url, int max_redirects,
                          DocumentCallback done) override;
  // How often FetchDocument was called for `url` (thread-safe).
  int DocumentFetchCount(const std::string& url) const;

  // How often `url` has been fetched (thread-safe).
  int FetchCount(const std::string& url) const;
  // Every URL fetched at least once, with its count (thread-safe).
  std::map<std::string, int> FetchCounts() const;
  // Sum of all fetches (thread-safe).
  std::uint64_t TotalFetches() const { return total_.load(); }

  // Whether `url` draws an injected error / exception under the faults set.
  bool InjectsError(const std::string& url) const;
  bool InjectsThrow(const std::string& url) const;

 private:
  struct Page {
    std::vector<std::string> links;
    mutable std::atomic<int> fetches{0};
  };
  class Timers;
  // Fetch and FetchDocument without the latency.
  FetchResult FetchNow(const std::string& url);
  Document FetchDocumentNow(const std::string& url, int max_redirects);
  Timers& timers();

  // A random graph's page i, or -1 if `url` is not one.
  long RandomIndex(const std::string& url) const;
  // For "http://fake.test/missing/N" (a random graph's link to a page that
  // does not exist), N; else -1.
  long RandomMissingIndex(const std::string& url) const;
  std::vector<std::string> RandomLinks(std::uint64_t i) const;

  std::unordered_map<std::string, std::unique_ptr<Page>> pages_;
  // A random graph is not stored: page i's links are drawn from (seed, i)
  // when asked for. Only its fetch counters take memory.
  std::optional<RandomGraphOptions> random_;
  std::unique_ptr<std::atomic<int>[]> random_fetches_;
  // Fetches of the random graph's missing pages, by N (they are a few
  // million URLs in a big graph: a string map would cost ~115 bytes each).
  std::unique_ptr<std::atomic<int>[]> random_missing_fetches_;
  std::vector<std::string> seeds_;
  FaultOptions faults_;
  std::chrono::microseconds latency_{0};
  std::atomic<std::uint64_t> total_{0};

  std::unordered_map<std::string, Document> documents_;

  std::once_flag timers_once_;
  std::unique_ptr<Timers> timers_;

  // Fetch counts of URLs that are not pages, and of documents.
  mutable std::mutex missing_mu_;
  std::unordered_map<std::string, int> missing_fetches_;   // under missing_mu_
  std::unordered_map<std::string, int> document_fetches_;  // under missing_mu_
};

}  // namespace crawl

#endif  // CRAWL_FAKE_FETCHER_H_
