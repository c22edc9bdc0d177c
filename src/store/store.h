// FrontierStore: the state of a crawl, as the Frontier's policy reads and
// writes it. The policy (scope, depth, redirects, traps, robots.txt,
// retries, politeness, fair order) is written once, in engine/frontier.cc,
// over this interface; a store only keeps what it is given and hands it
// back in the order it was asked to.
//
// What a store keeps:
//   - the seen set: each URL once, under a UrlKey, with its UrlState;
//   - per host, the queue of what waits to be fetched (see Push);
//   - with a finite --depth, each fetched page's links and where a fetched
//     3xx pointed, so that a shorter path found later reaches them again.
// Scheduling (which host is ready when), robots.txt rules and the
// counters stay with the policy.
//
// Keys: a UrlKey is opaque to the policy. It names one URL for the store's
// whole life and in every process that shares the store: the memory store
// uses its dense ids; a store shared between processes uses a 64-bit
// fingerprint of the URL. Hosts are named by the policy's own small ids.
//
// Calls come in batches where one call may serve many URLs (AddIfNew), so
// a store that pays per round trip or per write batch pays once; taking an
// entry from a queue is not the end of it (the URL's stage says it is in
// flight until the policy completes it).
//
// Thread safety: none; the Frontier's owner serialises every call.
#ifndef CRAWL_STORE_STORE_H_
#define CRAWL_STORE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace crawl {

using UrlKey = std::uint64_t;
inline constexpr UrlKey kNoUrl = UINT64_MAX;
inline constexpr std::uint32_t kNoHost = UINT32_MAX;
inline constexpr int kUnreached = INT32_MAX;

// Where a URL is in its life. Every URL starts kDiscovered; the rest is the
// policy's (see engine/frontier.h).
enum class UrlStage : std::uint8_t {
  kDiscovered,  // seen, not (yet) within reach
  kWaiting,     // within reach, waiting for its site's robots.txt
  kQueued,      // in its host's queue
  kInFlight,
  kDone,  // fetched, blocked by robots.txt, or dropped
};

// What the policy keeps per URL.
struct UrlState {
  int depth = kUnreached;  // shortest known from a seed
  UrlKey parent = kNoUrl;  // the page that gave that depth
  std::uint32_t host = kNoHost;  // set when admitted
  UrlStage stage = UrlStage::kDiscovered;
  std::uint8_t hops = 0;      // redirects that led here
  std::uint8_t attempts = 0;  // fetches completed
  bool operator==(const UrlState&) const = default;
};

// An entry of a host queue: a page (key: its UrlKey), or a robots.txt or
// sitemap task (key: the policy's id for it).
struct QueueEntry {
  enum class Kind : std::uint8_t { kPage, kRobots, kSitemap };
  Kind kind = Kind::kPage;
  UrlKey key = kNoUrl;
};

class FrontierStore {
 public:
  // The order a host's queue gives its entries back in (fixed for a store).
  enum class Order : std::uint8_t {
    // Retries, oldest first; then urgent entries, newest first; then pages
    // by the depth they were queued at, shallowest first, and within a
    // depth round-robin over groups (one entry a turn, the group then going
    // to the back of its depth); an entry pushed with the same depth and
    // group as the one pushed just before it, with no Take between,
    // extends that group, and anything else starts a new one at the back.
    kBreadthFirst,
    // Retries, oldest first; then a stack: the entry pushed last (urgent or
    // page) comes first, except seeds, pushed to the bottom.
    kDepthFirst,
  };
  // Where Push puts an entry (see Order).
  enum class Place : std::uint8_t { kRetry, kUrgent, kPage, kSeed };

  virtual ~FrontierStore() = default;

  // --- The seen set ---
  struct Added {
    UrlKey key = kNoUrl;
    bool added = false;  // false: known already, under this key
  };
  // The key of `url`, or kNoUrl if it has not been added.
  virtual UrlKey Find(std::string_view url) const = 0;
  // Find and Get for each of `urls` at once (a page's links): out[i] is
  // urls[i]'s key and state, key kNoUrl if unseen (out is resized). A store
  // may answer the batch in one round trip.
  struct Found {
    UrlKey key = kNoUrl;
    UrlState state;
  };
  virtual void FindMany(std::span<const std::string_view> urls,
                        std::vector<Found>& out) const {
    out.resize(urls.size());
    for (std::size_t i = 0; i < urls.size(); ++i) {
      out[i].key = Find(urls[i]);
      if (out[i].key != kNoUrl) out[i].state = Get(out[i].key);
    }
  }
  // Adds each of `urls` not yet seen, with a default UrlState; out[i] is
  // urls[i]'s key (out is resized). A URL repeated in the batch is added
  // once. Throws std::length_error if a URL is too long for the store or
  // the store is full.
  virtual void AddIfNew(std::span<const std::string_view> urls,
                        std::vector<Added>& out) = 0;
  Added Add(std::string_view url) {
    std::vector<Added> out;
    AddIfNew(std::span<const std::string_view>(&url, 1), out);
    return out[0];
  }
  // How many URLs have been added.
  virtual std::uint64_t size() const = 0;

  virtual UrlState Get(UrlKey key) const = 0;
  virtual void Set(UrlKey key, const UrlState& state) = 0;
  // The URL itself, into `out` (whose capacity is reused).
  virtual void Url(UrlKey key, std::string& out) const = 0;
  std::string Url(UrlKey key) const {
    std::string url;
    Url(key, url);
    return url;
  }

  // --- Host queues ---
  virtual void Push(std::uint32_t host, QueueEntry entry, Place place,
                    int depth = 0, UrlKey group = kNoUrl) = 0;
  // The next entry of `host`'s queue, removed from it; nullopt if empty.
  virtual std::optional<QueueEntry> Take(std::uint32_t host) = 0;
  struct QueueSize {
    std::size_t retries = 0;
    std::size_t others = 0;
  };
  virtual QueueSize Queued(std::uint32_t host) const = 0;

  // --- What exact depth needs (only used with a finite --depth) ---
  // Page `page`'s links (set once, after its fetch), in order.
  virtual void SetLinks(UrlKey page, std::span<const UrlKey> links) = 0;
  virtual void Links(UrlKey page, std::vector<UrlKey>& out) const = 0;
  // Where fetched 3xx `page` pointed (kNoUrl: nowhere known).
  virtual void SetRedirect(UrlKey page, UrlKey target) = 0;
  virtual UrlKey Redirect(UrlKey page) const = 0;

  // Bytes of memory the store holds, roughly.
  virtual std::size_t MemoryUsage() const = 0;

  // --- Durability (a store that dies with its process keeps none) ---
  // Whether what Commit() saves outlives the process.
  virtual bool durable() const { return false; }
  // Makes every change since the last Commit durable in one atomic write,
  // with `meta`: the policy's and the outputs' own state, by name. The
  // write may go on in the background (reads see its changes meanwhile):
  // it is done when the next Commit or Sync returns, each of which throws
  // StoreError if it could not be (none of that batch is then kept, and
  // the store should not be used further).
  using Meta = std::vector<std::pair<std::string, std::string>>;
  // The meta a crawl's last commit has when it ran to its end ("1").
  static constexpr char kFinishedMeta[] = "finished";
  virtual void Commit(const Meta& meta) { (void)meta; }
  // Waits until the last Commit is written (see Commit).
  virtual void Sync() {}
  // What the last Commit (of this process or an earlier one) saved under
  // `name`; empty if nothing.
  virtual std::string LoadMeta(std::string_view name) const {
    (void)name;
    return {};
  }
  // Opened over an earlier process's state: the URLs that were in flight
  // or waiting for robots.txt at its last commit (their queue entries are
  // gone; the policy queues them again), and the hosts whose queues hold
  // entries. Robots.txt and sitemap entries name the earlier process's ids
  // and are dropped when a store is opened.
  struct Unfinished {
    std::vector<UrlKey> in_flight;
    std::vector<UrlKey> waiting;
    std::vector<std::uint32_t> hosts;
  };
  virtual Unfinished TakeUnfinished() { return {}; }

  // --- Sharing (a store several processes crawl from at once) ---
  // A shared store's hosts are leased, each to one process at a time: only
  // the holder of a host's lease queues, fetches and completes its URLs, so
  // politeness holds across the processes. The rest of the interface is
  // this process's part of the crawl: the URLs it found or was given, the
  // queues of the hosts it holds. None of the calls below is made on a
  // store that is not shared().
  virtual bool shared() const { return false; }
  // `key` (with `s`: its depth, parent and hops) is newly within reach
  // here: the store hands it to the crawl, which adds it to its host's
  // queue once, cluster-wide, for the host's holder to admit (an Arrival
  // there). The policy keeps it here as done.
  virtual void Offer(UrlKey key, const UrlState& s) {
    (void)key;
    (void)s;
  }
  // A URL given to this process, the holder of its host: added here
  // (`key`, and its parent's `parent`, kNoUrl for a seed), to be admitted.
  struct Arrival {
    UrlKey key = kNoUrl;
    UrlKey parent = kNoUrl;
    int depth = 0;
    std::uint8_t hops = 0;
  };
  struct Exchanged {
    std::vector<Arrival> arrivals;
    std::vector<std::string> lost;  // hosts no longer held here
  };
  // Sends what was offered and completed since the last call, renews this
  // process's leases, takes hosts that have no holder, and returns what
  // arrived and what was lost. Throws StoreError.
  virtual void Exchange(Exchanged& out) { out = {}; }
  // Whether this process holds host `name` now: may fetch from it, and
  // complete its URLs (a result for a host no longer held is dropped: its
  // new holder fetches the URL again).
  virtual bool Holds(std::string_view host) const {
    (void)host;
    return true;
  }
  // Whether nothing is queued or in flight in any process of the crawl
  // (nor waits here to be sent). Throws StoreError.
  virtual bool Finished() { return true; }
};

// A store's failure to read or write its state (a full disk, a corrupted
// file): the crawl stops; what was committed stays.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace crawl

#endif  // CRAWL_STORE_STORE_H_
