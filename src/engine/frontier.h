// Frontier: the crawl policy every engine shares — the seen set, what to
// fetch next, depth and page limits, and when the crawl is over.
//
// Identity: a URL string is a page (normalisation happens before it gets
// here). Each URL is fetched at most once.
//
// Depth: a seed is depth 0, a page's links one deeper. A concurrent crawl can
// first meet a page through a long path and only later through a short one.
// Every node keeps the shortest depth known so far; when it shrinks, the node
// is queued if it had been out of reach, and if it was already fetched its
// stored links are relaxed again (without refetching). So exactly the pages
// within max_depth of a seed are fetched, in any order of completion. Links
// are stored only when max_depth is set, the only case where they are needed.
//
// Redirects: a 3xx's target is a URL like any other — scoped, deduplicated —
// queued at the 3xx's own depth, one hop further; past max_redirects hops the
// 3xx's record becomes an error (kind "redirect_limit").
//
// Scope: links and redirect targets that the Scope rejects are counted and
// never interned, so they cost no memory.
//
// Termination: Done() is true when nothing can be dispatched and nothing is
// in flight. "Nothing to dispatch right now" while fetches are in flight is
// not done: their links may add work. Once *stop is set nothing more is
// dispatched.
//
// Thread safety: none. Each engine states who owns its Frontier (the serial
// thread; the mutex engine's mutex; the channel engine's master thread).
#ifndef CRAWL_ENGINE_FRONTIER_H_
#define CRAWL_ENGINE_FRONTIER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crawl/crawler.h"
#include "crawl/fetcher.h"
#include "scope/scope.h"

namespace crawl {

struct FrontierOptions {
  enum class Order { kBreadthFirst, kDepthFirst };
  int max_depth = -1;           // negative: no limit
  std::uint64_t max_pages = 0;  // dispatches; 0: no limit
  Order order = Order::kBreadthFirst;
  int max_redirects = 20;
  const Scope* scope = nullptr;               // null: follow everything
  const std::atomic<bool>* stop = nullptr;    // see CrawlOptions::stop
  CrawlProgress* progress = nullptr;          // see CrawlOptions::progress
};

// A URL handed out for fetching. The URL is a copy, so the fetching thread
// needs no access to the Frontier.
struct Task {
  std::uint32_t id = 0;
  std::string url;
};

class Frontier {
 public:
  explicit Frontier(const FrontierOptions& options);
  Frontier(const Frontier&) = delete;
  Frontier& operator=(const Frontier&) = delete;

  // Adds a seed at depth 0 (a duplicate seed is one page).
  void AddSeed(std::string_view url);

  // The next URL to fetch, marked in flight; std::nullopt if none can be
  // dispatched now (queue empty, or max_pages dispatched).
  std::optional<Task> Next();

  // Records the end of `task`'s fetch: relaxes its links (queueing those
  // newly within reach) and returns the record to stream. `task` must come
  // from Next() and be completed exactly once.
  PageRecord Complete(const Task& task, FetchResult result);

  // Nothing can be dispatched and nothing is in flight: the crawl is over.
  bool Done() const { return in_flight_ == 0 && Ready() == 0; }
  // How many Next() calls would succeed now.
  std::size_t Ready() const;
  std::size_t in_flight() const { return in_flight_; }
  std::size_t queued() const { return queue_.size(); }

  // Counts so far (pages, outcomes, distinct URLs seen). `seconds` is 0.
  CrawlSummary Summary() const;

 private:
  enum class State : std::uint8_t { kDiscovered, kQueued, kInFlight, kDone };
  static constexpr std::uint32_t kNoParent = UINT32_MAX;
  static constexpr int kUnreached = INT32_MAX;

  struct Node {
    std::string_view url;  // points into ids_' key
    int depth = kUnreached;
    std::uint32_t parent = kNoParent;
    State state = State::kDiscovered;
    std::uint8_t hops = 0;             // redirects that led here
    std::uint32_t redirect = kNoParent;  // where a fetched 3xx pointed
    std::vector<std::uint32_t> links;  // only when max_depth >= 0
  };

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };

  std::uint32_t Intern(std::string_view url);
  bool WithinDepth(int depth) const {
    return options_.max_depth < 0 || depth <= options_.max_depth;
  }
  // Lowers node `id`'s depth to `depth` (via `parent`) if that is shorter,
  // queueing it or re-relaxing its stored links as its state requires.
  void Relax(std::uint32_t id, int depth, std::uint32_t parent);
  // Counts and applies the outcome of a completed fetch.
  void Count(const FetchResult& result);
  // Whether `url` may be followed; counts the drop if not.
  bool InScope(std::string_view url);
  bool Stopped() const {
    return options_.stop != nullptr &&
           options_.stop->load(std::memory_order_relaxed);
  }
  void Publish();  // updates options_.progress

  const FrontierOptions options_;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>
      ids_;
  std::vector<Node> nodes_;
  std::deque<std::uint32_t> queue_;
  std::size_t in_flight_ = 0;
  std::uint64_t dispatched_ = 0;
  CrawlSummary counts_;  // everything but `discovered`, `seconds`
};

}  // namespace crawl

#endif  // CRAWL_ENGINE_FRONTIER_H_
