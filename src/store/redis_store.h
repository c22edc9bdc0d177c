// RedisStore: a FrontierStore shared by every process of a crawl, on one
// or more Redis servers (--cluster). What must be shared is in Redis; what
// one process does with the hosts it holds stays in its memory.
//
// In Redis, per crawl (prefix "crawl:ID:") and per host H, every key of a
// host under the hash tag {H} (so that Redis Cluster could hold them
// later), on the server Fingerprint(H) picks:
//   {H}:s:B    the seen set: fingerprints (8 bytes) as fields of small
//              hashes (listpacks), by linear hashing: 2^L + S buckets B of
//              16 to 32 fingerprints, bucket S split in two each time the
//              host has 32 more URLs; a lookup reads one bucket.
//   {H}:p      pending: fingerprint -> entry (depth, hops, URL, parent URL)
//              for each URL queued or in flight anywhere; an entry goes
//              when its URL is completed, so a dead process's in-flight
//              URLs are still there for the next holder.
//   {H}:new    fingerprints added since the holder last read them.
//   {H}:m      the host's seen count (n), hashing level and split (L, S),
//              and lease epoch (e).
//   {H}:l      the lease: "PROCESS EPOCH", expiring after --lease-ttl.
// and per server: "open" (hosts with pending URLs, scored by when their
// lease expires: 0 for none), "inbox:PROCESS" (hosts with news for their
// holder), "c" (pending URLs n, a version v bumped by every change,
// started), "procs" (live processes, scored by when they expire) and
// "proc:PROCESS" (what `crawl status` shows), "server" (its place in the
// list, "1/2"); on the first server, "options" (the crawl's defining
// options).
//
// Every step is one Lua script on one server, so atomic: offering URLs to
// a host (seen check, pending, news for its holder), taking a host whose
// lease has expired (a new epoch), renewing leases, reading a host's news,
// completing URLs, giving leases back. Every write of a holder checks its
// lease and epoch: a process paused past its lease writes nothing when it
// wakes (fencing). A page's links are offered before the page is
// completed, so a crash between the two refetches the page but loses
// nothing; with several servers the offers' replies are awaited first.
//
// Termination: the crawl is over when every server's pending count is 0,
// read twice with the versions unchanged (work only moves by adding before
// removing, so two equal reads are a consistent snapshot).
//
// Thread safety: none; the Frontier's owner makes every call.
#ifndef CRAWL_STORE_REDIS_STORE_H_
#define CRAWL_STORE_REDIS_STORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/memory_store.h"
#include "store/redis_client.h"
#include "store/store.h"

namespace crawl {

struct RedisStoreOptions {
  std::vector<RedisEndpoint> servers;  // at least one
  std::string crawl_id;
  std::string process_id;  // unique among the crawl's processes
  double lease_ttl_s = 30;
  const std::atomic<bool>* stop = nullptr;  // ends a wait for Redis
  // Only reads (`crawl status`): does not join the crawl.
  bool observer = false;
};

class RedisStore final : public FrontierStore {
 public:
  using Clock = std::chrono::steady_clock;
  // Makes no round trip yet (each server is first reached when used).
  // Throws StoreError for bad options.
  RedisStore(RedisStoreOptions options, Order order);
  ~RedisStore() override;
  // Joins the crawl: this process counts as alive from now on (so others
  // leave it its share of the hosts). Throws StoreError if the servers are
  // listed in another order than by the crawl's first process; waits (until
  // a stop) while another live process has this one's id.
  void Join();
  // Renews this process's liveness if due (while it waits to start).
  void Heartbeat();

  // Whether `id` may name a crawl: 1..64 of [A-Za-z0-9._-].
  static bool ValidCrawlId(std::string_view id);

  // The crawl's defining options: `encoded`, stored if the crawl has none
  // yet (and `encoded` is not empty); else what it has ("": none yet).
  // Throws StoreError.
  std::string ClaimOptions(const std::string& encoded);

  UrlKey Find(std::string_view url) const override { return local_.Find(url); }
  void AddIfNew(std::span<const std::string_view> urls,
                std::vector<Added>& out) override {
    local_.AddIfNew(urls, out);
  }
  std::uint64_t size() const override { return local_.size(); }
  UrlState Get(UrlKey key) const override { return local_.Get(key); }
  void Set(UrlKey key, const UrlState& state) override;
  void Url(UrlKey key, std::string& out) const override { local_.Url(key, out); }
  using FrontierStore::Url;
  void Push(std::uint32_t host, QueueEntry entry, Place place, int depth = 0,
            UrlKey group = kNoUrl) override {
    local_.Push(host, entry, place, depth, group);
  }
  std::optional<QueueEntry> Take(std::uint32_t host) override { return local_.Take(host); }
  QueueSize Queued(std::uint32_t host) const override { return local_.Queued(host); }
  void SetLinks(UrlKey page, std::span<const UrlKey> links) override {
    local_.SetLinks(page, links);
  }
  void Links(UrlKey page, std::vector<UrlKey>& out) const override { local_.Links(page, out); }
  void SetRedirect(UrlKey page, UrlKey target) override { local_.SetRedirect(page, target); }
  UrlKey Redirect(UrlKey page) const override { return local_.Redirect(page); }
  std::size_t MemoryUsage() const override;

  bool shared() const override { return true; }
  void Offer(UrlKey key, const UrlState& s) override;
  void Exchange(Exchanged& out) override;
  bool Holds(std::string_view host) const override;
  bool Finished() override;
  // At the crawl's end: sends what waits, gives every lease back (so
  // another process need not wait out their TTL) and leaves the crawl.
  void Sync() override;

  // What `crawl status --cluster` shows. Throws StoreError.
  struct ProcessStatus {
    std::string id;
    std::uint64_t held = 0;  // hosts
    std::uint64_t done = 0;  // URLs completed
    double expires_in_s = 0;
  };
  struct Status {
    bool started = false;
    std::uint64_t pending = 0;  // URLs queued or in flight, cluster-wide
    std::uint64_t seen = 0;     // URLs ever added
    std::uint64_t open_hosts = 0;    // hosts with pending URLs or a lease
    std::uint64_t leased_hosts = 0;  // held by the processes alive
    std::vector<ProcessStatus> processes;
    // Up to `top` hosts of each server's index, those without a holder
    // first: (host, pending URLs, leased).
    struct HostStatus {
      std::string name;
      std::uint64_t pending = 0;
      bool leased = false;
    };
    std::vector<HostStatus> hosts;
    std::uint64_t redis_bytes = 0;  // used_memory, summed
  };
  Status ReadStatus(std::size_t top);

  std::uint64_t reconnects() const;

 private:
  struct Lease {
    std::uint32_t shard = 0;
    std::int64_t epoch = 0;
    Clock::time_point valid_until{};
    bool resync = true;  // its pending URLs are to be read in full
    bool more = false;   // its news were not all read
  };
  struct Outbox {
    std::vector<std::string> offers;  // fingerprint, entry, ...
    std::vector<std::string> dones;   // fingerprints
  };

  std::uint32_t ShardOf(std::string_view host) const;
  std::uint32_t HostIndex(std::string_view host);
  void Flush(std::vector<std::string>& lost);
  void Renew(Clock::time_point now, std::vector<std::string>& lost);
  void Acquire(Clock::time_point now);
  void ReadNews(Exchanged& out);
  void Resync(Exchanged& out);
  // An entry from Redis, as an arrival (added here); throws StoreError if
  // it is malformed.
  void Arrive(std::string_view entry, std::uint32_t host, Exchanged& out);
  void Lose(const std::string& host, std::vector<std::string>& lost);
  std::string Ms(double seconds) const;

  const RedisStoreOptions options_;
  const std::string prefix_;  // "crawl:ID:"
  std::vector<std::unique_ptr<RedisClient>> shards_;
  MemoryStore local_;
  // Hosts by index (the store's own, not the policy's ids).
  std::vector<std::string> host_names_;
  std::unordered_map<std::string, std::uint32_t> host_index_;
  std::unordered_map<std::string, Lease> leases_;  // held here, by host
  // URLs given here (arrivals) and not yet completed: local id -> host.
  std::unordered_map<std::uint32_t, std::uint32_t> arrived_;
  std::unordered_map<std::uint32_t, Outbox> outbox_;  // by host index
  std::size_t outbox_bytes_ = 0;
  Clock::time_point next_renew_{}, next_acquire_{}, next_finish_check_{};
  std::uint64_t done_ = 0;  // URLs completed here
  bool said_waiting_ = false;
  bool left_ = false;
  std::string url_, parent_;  // scratch
};

}  // namespace crawl

#endif  // CRAWL_STORE_REDIS_STORE_H_
