// Frontier: the crawl policy every engine shares — the seen set, what to
// fetch next and when, robots.txt, politeness, retries, limits, and when the
// crawl is over. The engines differ only in who owns it.
//
// Identity: a normalised URL string is a page; each URL is fetched at most
// once (retries of one URL aside).
//
// Depth: a seed is depth 0, a page's links one deeper. Every node keeps the
// shortest depth known so far; when it shrinks, the node is queued if it had
// been out of reach, and if it was already fetched its stored links are
// relaxed again (without refetching). So exactly the pages within max_depth
// of a seed are fetched, in any order of completion. Links are stored only
// when max_depth is set.
//
// Redirects: a 3xx's target is a URL like any other — scoped, deduplicated —
// queued at the 3xx's own depth, one hop further; past max_redirects hops the
// 3xx's record becomes an error (kind "redirect_limit").
//
// Scheduling: URLs wait in per-host queues (the host name without the port,
// so http://a:8080 and https://a:8080 share one). A host may be dispatched
// when it has a free slot (per_host), its delay has passed and it has
// something that may start; ready hosts are served round-robin, hosts
// waiting out a delay sit in a timer heap, so a slow or busy host never holds
// up the others and nothing is scanned. Next() returns nothing when no host
// is ready *now*; NextWakeup() says when one will be. After a dispatch a
// host waits max(delay_s x 0.5..1.5, its Crawl-delay x 1.0..1.2): jitter may
// lengthen a delay robots.txt asked for, never shorten it.
//
// Order within a host, breadth-first: robots.txt and sitemap tasks first
// (after retries); then pages, shallowest depth first, and within a depth
// round-robin over the pages that discovered them — the links one page gave
// the host form a group, and each turn takes one URL from the front group
// and moves the group to the back of its depth — so one page's 10,000 links
// do not starve the rest of their depth, and a crawl stopped early has seen
// every page's first links. A page stays at the depth it was queued at if
// Relax shrinks it meanwhile. Depth-first: one stack, a page's first link
// next.
//
// A host's page retries wait in a queue of their own, taken before anything
// else of the host's, so a retry never waits behind anything. What may
// start: a retry, always; anything else (a new page, a robots.txt, a
// sitemap) only while max_pages is not reached. A host is in the ready list
// or the timer heap exactly when it has something that may start and a free
// slot: every push and completion reschedules its host, and the moment
// max_pages is reached the hosts without a retry leave both (once per
// crawl). Ready(), NextWakeup() and Done() read the same rule, so whenever
// the crawl is not Done(), something is in flight, or Next() returns a
// task, or NextWakeup() names when it will.
//
// robots.txt (RFC 9309): with obey_robots, the first URL of a scheme +
// authority queues a robots task ahead of it; that authority's URLs wait
// until the rules arrive (4xx: allow all; 5xx or network error: retried,
// then disallow all), then each is queued or recorded as outcome kRobots
// without a fetch. Rules are kept 24 hours. A Crawl-delay (capped) is the
// host's minimum gap between dispatches. With `sitemaps`, Sitemap: lines are fetched and their URLs
// become seeds.
//
// Retries: a timeout, connection error, cut-off response or HTTP
// 408/429/5xx is retried up to `retries` times; the host waits Retry-After
// (capped) or an exponential backoff with jitter, and a host that keeps
// failing waits longer. A retry keeps its page's max_pages slot: retries run
// after max_pages is reached.
//
// Termination: Done() is true when nothing is in flight and nothing is left
// that may be dispatched: the stop flag is set, or no retry is queued and
// either the queues are empty or max_pages is reached.
//
// State: what the policy reads and writes per URL and per host queue lives
// in a FrontierStore (store/store.h): the options' store, or a MemoryStore
// of the Frontier's own (see store/memory_store.h for its memory per URL).
// Scheduling (ready hosts, timers, slots in flight, delays), robots.txt
// rules and the counters live here.
//
// Hooks (FrontierOptions::hooks, set by crawl::Crawler): each page's
// Request is built once, before its first attempt, with its depth, parent
// and the data its parent's request had (or what Visit() gave it); the hook
// may add headers, set data, skip it (no record; dropped["skipped"]) or fail
// it (the task carries the error and is not fetched). Retries send the same
// Request. Each attempt's result passes through the hook before the policy
// reads it. Only pages whose request holds data keep it (one map entry
// each), for their children to inherit. URLs added by Visit() are taken at
// every Next() and become seeds; Done() closes the hook's visits once
// nothing waits.
//
// Sharing: with a shared store (several processes, one crawl), a URL
// newly within reach is not admitted here but offered to the crawl, and
// the store hands it, once cluster-wide, to the process holding its host's
// lease, where it arrives and is admitted as above (robots.txt, queue,
// politeness). Every process exchanges with the store at least every
// kExchangePeriod; a host whose lease is lost is released (its queue and
// waiting URLs dropped, its in-flight results dropped as they complete:
// the new holder fetches them). Done() also waits for the rest of the
// crawl to be done, unless stopped or max_pages is reached (a per-process
// limit: the process then leaves). Depth is the one a URL was first found
// at (a shorter path found later elsewhere does not shorten it).
//
// Thread safety: none. Each engine states who owns its Frontier.
#ifndef CRAWL_ENGINE_FRONTIER_H_
#define CRAWL_ENGINE_FRONTIER_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crawl/lecture.h"
#include "crawl/request.h"
#include "crawl/fetcher.h"
#include "robots/robots.h"
#include "scope/scope.h"
#include "store/store.h"

namespace crawl {

using Clock = std::chrono::steady_clock;

// What crawl::Crawler adds to the policy (see the comment at the top).
// Called by the Frontier's owner, inside Next(), Complete() and Done().
class FrontierHooks {
 public:
  virtual ~FrontierHooks() = default;
  // Whether pages get Requests (OnRequest, OnResult); read once, when the
  // Frontier is made. Visits are taken either way.
  virtual bool WantsRequests() const = 0;
  // Before a page's first attempt. May change the request's headers and
  // data or Skip() it; a returned error (kind not kNone) fails the page
  // without a fetch.
  virtual FetchError OnRequest(Request& request) = 0;
  // Every attempt's result, before the policy reads it (it may change the
  // links, or turn the result into an error).
  virtual void OnResult(const Request& request, FetchResult& result) = 0;
  // Moves the URLs added since the last call (normalised) into `out`.
  virtual void TakeVisits(
      std::vector<std::pair<std::string, RequestData>>& out) = 0;
  // Refuses visits from now on and returns true, if none waits or `force`;
  // else false.
  virtual bool CloseVisits(bool force) = 0;
  // With a durable store, before each commit (with a shared one, before
  // each exchange that completes URLs): pushes every record streamed so far
  // out to the outputs and appends their positions to `out` (name, value),
  // to be committed with the state. Throws on a failed output.
  virtual void Checkpoint(FrontierStore::Meta& out) { (void)out; }
};

struct FrontierOptions {
  enum class Order { kBreadthFirst, kDepthFirst };
  // What to fetch.
  int max_depth = -1;           // negative: no limit
  std::uint64_t max_pages = 0;  // pages dispatched; 0: no limit
  Order order = Order::kBreadthFirst;
  int max_redirects = 20;
  const Scope* scope = nullptr;  // null: follow everything
  std::uint64_t max_pages_per_host = 0;  // URLs admitted per host; 0: no limit
  // Politeness.
  int per_host = 0;        // fetches in flight per host; 0: no limit
  double delay_s = 0;      // between dispatches to a host, x 0.5..1.5
  bool obey_robots = false;
  std::string robots_token;       // product token for robots.txt groups
  double max_crawl_delay_s = 30;  // cap on a robots.txt Crawl-delay
  bool sitemaps = false;          // seed from robots.txt Sitemap: lines
  std::size_t max_url_length = 2048;  // for URLs read from sitemaps
  // Retries.
  int retries = 0;
  double retry_base_s = 1;      // first backoff
  double max_retry_wait_s = 60;  // cap on Retry-After and on backoff
  std::uint64_t random_seed = 1;  // jitter
  // Control.
  const std::atomic<bool>* stop = nullptr;  // see CrawlOptions::stop
  CrawlProgress* progress = nullptr;        // see CrawlOptions::progress
  FrontierHooks* hooks = nullptr;           // not owned
  // Where the state lives (not owned; its Order must match `order`); null:
  // a MemoryStore of the Frontier's own.
  FrontierStore* store = nullptr;
};

// Something to fetch. The URL is a copy, so the fetching thread needs no
// access to the Frontier.
struct Task {
  using Kind = QueueEntry::Kind;
  Kind kind = Kind::kPage;
  std::uint64_t id = 0;  // the page's UrlKey; the site (robots), sitemap
  std::string url;
  int attempt = 1;
  // With hooks, a page's request (its headers, its data); else null.
  std::shared_ptr<const Request> request;
  // Set when the hooks failed the page: it is not fetched, and this is its
  // error.
  FetchError failure;
};

// A page task's request: its own, or a bare one for its URL.
inline Request RequestOf(const Task& task) {
  return task.request ? *task.request : Request(task.url);
}

// What a Task's fetch produced: `page` for kPage, `document` otherwise.
struct TaskResult {
  FetchResult page;
  Document document;
};

class Frontier {
 public:
  explicit Frontier(const FrontierOptions& options);
  Frontier(const Frontier&) = delete;
  Frontier& operator=(const Frontier&) = delete;

  // Adds a seed at depth 0 (a duplicate seed is one page).
  void AddSeed(std::string_view url);

  // The next thing to fetch, marked in flight; std::nullopt if nothing can
  // be dispatched at `now`.
  std::optional<Task> Next(Clock::time_point now);
  std::optional<Task> Next() { return Next(Clock::now()); }

  // Records the end of `task` (from Next(), completed exactly once) and
  // returns the records to stream: none (a retry, a robots.txt), one (a
  // page), or more (URLs a robots.txt turned out to disallow).
  std::vector<PageRecord> Complete(const Task& task, TaskResult result,
                                   Clock::time_point now);
  // Convenience for a page task completed now; returns its one record, or
  // an empty record if the page is to be retried.
  PageRecord Complete(const Task& task, FetchResult result);

  // Records made outside Complete() since its last call: with a shared
  // store, of URLs that arrived and were blocked by robots.txt at once.
  // The owner streams them like Complete()'s (before the next exchange).
  std::vector<PageRecord> TakeRecords();

  // Nothing in flight and nothing more can be dispatched: the crawl is over.
  bool Done() const;
  // When a host now waiting out a delay becomes ready, if any.
  std::optional<Clock::time_point> NextWakeup() const;
  // How many tasks Next() could hand out now, counted up to `at_most` (so
  // the cost stays O(at_most)): how many idle threads are worth waking.
  std::size_t Ready(std::size_t at_most) const;
  std::size_t in_flight() const { return in_flight_; }
  std::size_t queued() const { return queued_pages_; }

  // Counts so far (`seconds` is 0).
  CrawlSummary Summary() const;

  // With a durable store: makes the crawl's state as of now durable, with
  // `outputs` (the outputs' positions, by name) in the same atomic write;
  // `finished` marks the crawl as run to its end. Throws StoreError if the
  // store cannot. A no-op for a store that keeps nothing.
  void Commit(FrontierStore::Meta outputs = {}, bool finished = false);
  // Commit() with the positions the hooks give (FrontierHooks::Checkpoint),
  // if anything changed: what an engine calls after streaming each batch of
  // records. `end`: the crawl is Done(); it is finished unless stopped.
  void Checkpoint(bool end = false);
  bool durable() const { return durable_; }
  // Whether this Frontier took up an earlier process's crawl from its
  // store (and how many of its URLs were in flight then, fetched again).
  bool resumed() const { return resumed_; }
  std::size_t requeued() const { return requeued_; }

  // What a store's last Commit saved of the policy (`crawl status`); none
  // if nothing was committed. Throws StoreError if it cannot be read.
  struct Committed {
    struct HostMeta {
      std::string name;
      std::uint64_t admitted = 0;
      double crawl_delay_s = 0;
    };
    CrawlSummary counts;  // `discovered`: the store's size
    std::uint64_t dispatched = 0, reached = 0, sitemap_seeds = 0;
    std::uint64_t in_flight = 0;  // pages in flight then
    std::vector<HostMeta> hosts;  // by host id
    // Every sitemap added, in order, and whether it was done with (fetched,
    // or refused): the rest are fetched by a resumed crawl.
    std::vector<std::pair<std::string, bool>> sitemaps;
  };
  static std::optional<Committed> LoadCommitted(const FrontierStore& store);

 private:
  using Place = FrontierStore::Place;
  static constexpr std::uint32_t kNone = UINT32_MAX;
  struct Host {
    std::string name;  // the key in host_ids_
    // What its queue in the store holds: retries, and everything else.
    std::size_t retries = 0;
    std::size_t queued = 0;
    int in_flight = 0;
    Clock::time_point next_allowed{};
    double crawl_delay_s = 0;  // robots.txt's (capped): a minimum
    int failures = 0;  // consecutive
    std::uint64_t admitted = 0;
    bool scheduled = false;  // in ready_ or timers_
    bool dirty = false;      // changed since the last Commit (durable store)
  };
  struct Site {  // a scheme + authority: the unit of robots.txt
    enum class Robots : std::uint8_t { kUnknown, kFetching, kReady };
    std::string key;  // "https://example.com:8443"
    std::uint32_t host = kNone;
    Robots robots = Robots::kUnknown;
    RobotsRules rules = RobotsRules::AllowAll();
    std::string unavailable;  // why robots.txt could not be had, if so
    FetchError refusal;       // our own policy refused the site (private)
    Clock::time_point expires{};
    int attempts = 0;
    std::vector<UrlKey> waiting;
    std::vector<std::uint32_t> waiting_sitemaps;
  };
  struct SitemapTask {
    std::string url;
    std::uint32_t host;
    bool done = false;  // fetched, or refused
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  template <typename V>
  using StringMap =
      std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  template <typename Create>
  static std::uint32_t IdOf(StringMap<std::uint32_t>& ids, std::string_view key,
                            std::size_t next, Create&& create);
  std::uint32_t HostOf(std::string_view url);
  std::uint32_t SiteOf(std::string_view url);
  bool WithinDepth(int depth) const {
    return options_.max_depth < 0 || depth <= options_.max_depth;
  }
  bool Stopped() const {
    return options_.stop != nullptr &&
           options_.stop->load(std::memory_order_relaxed);
  }
  bool PagesExhausted() const {
    return options_.max_pages != 0 && dispatched_ >= options_.max_pages;
  }
  // Whether `host` has something that may start now or later: a retry, or
  // (before max_pages is reached) anything queued.
  bool HasWork(const Host& host) const {
    return host.retries != 0 || (host.queued != 0 && !PagesExhausted());
  }
  // Whether anything queued may still be dispatched, whenever.
  bool MoreToDispatch() const {
    return !Stopped() &&
           (retrying_ != 0 || (queued_entries_ != 0 && !PagesExhausted()));
  }
  // Whether `url` may be followed (scope, traps); counts the drop if not.
  bool Admissible(std::string_view url);

  void Relax(UrlKey key, int depth, UrlKey parent);
  // A URL newly within reach (`s`, its state, with its depth): to its
  // site's robots check, then its queue.
  void Admit(UrlKey key, UrlState s, bool seed);
  void Enqueue(UrlKey key, UrlState s, bool seed);
  void PushEntry(std::uint32_t host, QueueEntry entry, Place place);
  // The gap after a dispatch to `host`, in seconds (0: none).
  double Gap(const Host& host);
  void Schedule(std::uint32_t host, Clock::time_point now);
  // max_pages just reached: hosts left with nothing that may start leave
  // ready_ and timers_.
  void Unschedule();
  void Block(UrlKey key, const Site& site);
  // Queues a sitemap fetch once its site's robots.txt allows it.
  void AddSitemap(const std::string& url);
  double Jitter();
  double Backoff(int failures);

  // Builds page `key`'s request and asks the hooks about it; false if they
  // skipped it (it is then done).
  bool Ask(UrlKey key, UrlState& s, Task& task);
  void TakeVisits();
  // False if the page is to be retried.
  bool CompletePage(const Task& task, FetchResult result, Clock::time_point now);
  void CompleteRobots(const Task& task, Document doc, Clock::time_point now);
  void CompleteSitemap(const Task& task, Document doc, Clock::time_point now);
  // Queues sitemap `id` (or has it wait for its site's robots.txt).
  void QueueSitemap(std::uint32_t id);
  void SitemapDone(std::uint32_t id);
  void Count(const FetchResult& result);
  void Publish();
  PageRecord MakeRecord(UrlKey key, const UrlState& s, FetchResult result) const;
  // What of host `h` a Commit saves has changed.
  void Touch(std::uint32_t h) {
    if (durable_ && !hosts_[h].dirty) {
      hosts_[h].dirty = true;
      dirty_hosts_.push_back(h);
    }
  }
  // Takes up the crawl the store holds, if any (at construction).
  void Resume();
  // With a shared store: what this process sends and is given (rate-limited
  // to one exchange per kExchangePeriod, unless `force`).
  void Exchange(Clock::time_point now, bool force);
  // The hooks' Checkpoint, if records were made since the last one.
  void FlushRecords();
  // A URL the crawl gave this process, the holder of its host: admitted.
  void Arrive(const FrontierStore::Arrival& a);
  // Host `name` is no longer held here: its queue and the URLs waiting for
  // its robots.txt are dropped (its new holder has them all), and what it
  // has in flight is dropped as it completes.
  void Release(std::string_view name);

  const FrontierOptions options_;
  const std::unique_ptr<FrontierStore> own_store_;  // if options_.store is null
  FrontierStore& store_;
  StringMap<std::uint32_t> host_ids_;
  std::vector<Host> hosts_;
  StringMap<std::uint32_t> site_ids_;
  std::vector<Site> sites_;
  std::vector<SitemapTask> sitemaps_;
  StringMap<std::uint32_t> sitemap_ids_;  // by URL: each sitemap is fetched once
  bool sitemaps_dirty_ = false;           // sitemaps_ changed since the last Commit
  std::size_t sitemap_seeds_ = 0;
  std::deque<std::uint32_t> ready_;  // hosts, round-robin
  using Timer = std::pair<Clock::time_point, std::uint32_t>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::size_t in_flight_ = 0;
  std::size_t queued_entries_ = 0;  // in host queues (not retries), any kind
  std::size_t queued_pages_ = 0;    // pages in host queues or waiting
  std::uint64_t dispatched_ = 0;    // pages dispatched (first attempts)
  std::uint64_t in_flight_first_ = 0;  // of which in flight now
  std::uint64_t in_flight_pages_ = 0;  // page tasks in flight
  std::size_t retrying_ = 0;        // pages in hosts' retries
  std::uint64_t reached_ = 0;       // URLs admitted (out of kDiscovered)
  std::vector<PageRecord> out_;     // records made outside a page's own
  std::mt19937_64 rng_;
  // The time of the operation in progress (Next, Complete, AddSeed): read
  // once, not per push.
  Clock::time_point now_{};
  CrawlSummary counts_;  // everything but `discovered`, `seconds`
  // With hooks: the requests of pages in flight or waiting to be retried,
  // and the data of pages whose request had some (for their children).
  std::unordered_map<UrlKey, std::shared_ptr<const Request>> requests_;
  std::unordered_map<UrlKey, RequestData> data_;
  // Scratch, kept for its capacity.
  std::vector<std::pair<std::string, RequestData>> visits_;
  std::string url_;
  std::vector<UrlKey> link_keys_;
  std::vector<std::string_view> link_views_;
  std::vector<FrontierStore::Found> found_;
  std::vector<std::string_view> fresh_;
  std::vector<FrontierStore::Added> added_;
  const bool requests_wanted_;  // options_.hooks->WantsRequests()
  const bool durable_;          // store_.durable()
  std::vector<std::uint32_t> dirty_hosts_;
  bool resumed_ = false;
  std::size_t requeued_ = 0;
  bool uncommitted_ = false;  // changed since the last Commit
  // With a shared store (see FrontierStore::shared): a URL newly within
  // reach is offered to the crawl, unless it is arriving from it.
  const bool shared_;
  bool arriving_ = false;
  bool unflushed_ = false;  // records made since the hooks' last Checkpoint
  Clock::time_point next_exchange_{};
  FrontierStore::Exchanged exchanged_;
};

}  // namespace crawl

#endif  // CRAWL_ENGINE_FRONTIER_H_
