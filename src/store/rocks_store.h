// RocksStore: a FrontierStore on RocksDB, in a state directory, so that a
// crawl survives its process (--state DIR). The only file that includes
// RocksDB's headers is rocks_store.cc.
//
// Layout: four column families.
//   - "urls": fingerprint (8 bytes, big-endian) -> the URL's UrlState and
//     the URL itself. A UrlKey is the URL's 63-bit fingerprint; a collision
//     (another URL under that key) takes the next key up. Per-key Bloom
//     filters make the "seen?" of a new URL cheap.
//   - "queue": host queues, one key an entry, under positions that are
//     dense per queue, so that RAM holds only each queue's bounds (and a
//     breadth-first host's groups) and a Take is one point read:
//       'R' host pos            retries, taken from the low end
//       'D' host pos            the deque (urgent entries; depth-first:
//                               everything), both ends
//       'P' host depth group seq  breadth-first pages, group by group
//     and the URLs in flight ('F' key) and waiting for robots.txt
//     ('W' key), kept by Set() from their stage. A page taken from an 'R'
//     or 'P' queue keeps its entry until it is done with (its stage leaves
//     kInFlight) or queued anew, and gets no 'F' mark: reopened, the store
//     has it queued again where it was. (Positions in those queues are never
//     reused; the deque's are, so its entries go when taken, with an 'F'
//     mark for a page.) So a page costs its queue entry's put and delete and
//     two writes of its record, and nothing for being in flight.
//   - "links": 'L' key -> the keys of a fetched page's links; 'T' key ->
//     a fetched 3xx's target.
//   - "default": the format version and the policy's and outputs' meta.
//
// Changes since the last Commit are held in memory (records read or
// written, queue entries and links put) and made into one WriteBatch by
// Commit, with the meta: so what is on disk is always the state as of one
// commit. A writer thread applies the batch (the WAL append and the
// memtable inserts, the bulk of a commit's cost) while the crawl goes on;
// until it is done, the batch's changes stay in memory too (the records
// cached, the queue entries and links in `writing_`), and reads see them
// there. One batch is written at a time: Commit first waits for the one
// before, and throws its failure. A process kill loses what changed since
// the last written commit, never part of one; the WAL is written without
// fsync, so a power loss may lose the last commits too (see
// docs/architecture.md).
//
// Memory: the cache of records touched since the last commit, the queue
// bounds per host (and 16 bytes per breadth-first group), and RocksDB's
// memtables and block cache (bounded: see rocks_store.cc).
#ifndef CRAWL_STORE_ROCKS_STORE_H_
#define CRAWL_STORE_ROCKS_STORE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/store.h"

namespace crawl {

class RocksStore final : public FrontierStore {
 public:
  enum class Mode {
    kCreateOrOpen,  // a crawl: create the state, or resume it
    kReadOnly,      // `crawl status`: read the last commit, while a crawl may run
  };
  // Opens the state in `dir`. Throws StoreError with a message that names
  // the cause: another process holds it, it is from an incompatible
  // version, it is corrupted, or it cannot be created.
  static std::unique_ptr<RocksStore> Open(const std::string& dir, Order order,
                                          Mode mode);
  ~RocksStore() override;

  // Whether the state was made by this Open (nothing committed before).
  bool created() const { return created_; }

  UrlKey Find(std::string_view url) const override;
  void FindMany(std::span<const std::string_view> urls,
                std::vector<Found>& out) const override;
  void AddIfNew(std::span<const std::string_view> urls,
                std::vector<Added>& out) override;
  std::uint64_t size() const override { return size_; }
  UrlState Get(UrlKey key) const override;
  void Set(UrlKey key, const UrlState& state) override;
  void Url(UrlKey key, std::string& out) const override;

  void Push(std::uint32_t host, QueueEntry entry, Place place, int depth = 0,
            UrlKey group = kNoUrl) override;
  std::optional<QueueEntry> Take(std::uint32_t host) override;
  QueueSize Queued(std::uint32_t host) const override;

  void SetLinks(UrlKey page, std::span<const UrlKey> links) override;
  void Links(UrlKey page, std::vector<UrlKey>& out) const override;
  void SetRedirect(UrlKey page, UrlKey target) override;
  UrlKey Redirect(UrlKey page) const override;

  std::size_t MemoryUsage() const override;

  bool durable() const override { return true; }
  void Commit(const Meta& meta) override;
  void Sync() override;
  std::string LoadMeta(std::string_view name) const override;
  Unfinished TakeUnfinished() override;

  // For `crawl status`: the number of queued entries per host (by id), read
  // from the committed state.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> QueuedByHost() const;

  // For tests: while held, the writer does not start a commit's write (a
  // Commit or Sync then waits for it: release first).
  void HoldWrites(bool hold);

  struct Db;  // RocksDB's handles (rocks_store.cc)

 private:
  struct Record {
    UrlState state;
    std::string url;
    bool dirty = false;       // changed since the last commit
    std::uint32_t commit = 0;  // the number of the commit that wrote it last
  };
  // The records in memory, by key: an open-addressed table of indices
  // (keys are fingerprints, random already: the low bits are the hash)
  // into a deque, whose elements stay put until EraseIf rebuilds both.
  class RecordCache {
   public:
    Record* Find(UrlKey key);
    // `key` must be absent.
    Record& Insert(UrlKey key, Record r);
    std::size_t size() const { return records_.size(); }
    // Keeps only the records for which keep(key, record) is true.
    template <typename Keep>
    void Retain(Keep keep);
    std::size_t MemoryUsage() const;

   private:
    struct Slot {
      std::uint32_t tag;    // the key's high 32 bits: most misses end here
      std::uint32_t index;  // into records_, + 1; 0: empty
    };
    void Place(std::uint32_t index);
    std::vector<Slot> slots_;
    std::deque<std::pair<UrlKey, Record>> records_;
    // The last record found: the policy reads and writes one URL a few
    // times in a row.
    UrlKey last_key_ = kNoUrl;
    Record* last_ = nullptr;
  };
  struct Group {
    std::uint64_t id;
    std::uint32_t head;  // next seq to take
    std::uint32_t tail;  // next seq to push
  };
  struct Queue {
    std::uint64_t retry_lo = 0, retry_hi = 0;  // [lo, hi)
    std::uint64_t deque_lo = 0, deque_hi = 0;  // [lo, hi)
    std::map<int, std::deque<Group>> levels;
    std::size_t level_pages = 0;
    std::size_t deque_entries = 0;  // in [deque_lo, deque_hi): holes dropped
    std::size_t retry_entries = 0;  // in [retry_lo, retry_hi)
    int open_depth = kUnreached;
    UrlKey open_group = kNoUrl;
  };

  RocksStore(std::unique_ptr<Db> db, Order order, bool read_only);
  void Load();
  // The record of `key` (cached, or read), null if none.
  Record* Lookup(UrlKey key) const;
  // The key `url` has, or (if unseen) the free key it would take.
  struct Probe {
    UrlKey key;
    Record* record;  // null: unseen
  };
  Probe ProbeUrl(std::string_view url) const;
  Queue& QueueOf(std::uint32_t host);
 public:
  // A key of the "queue" or "links" family (at most 21 bytes), held
  // inline: the per-page keys cost no allocation.
  struct Key {
    std::uint8_t size = 0;
    char bytes[23] = {};
    std::string_view view() const { return {bytes, size}; }
    bool operator==(const Key& other) const { return view() == other.view(); }
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return std::hash<std::string_view>()(k.view()); }
  };

 private:
  // The writes of one commit, besides its records.
  struct Pending {
    std::unordered_map<Key, std::string, KeyHash> queue_puts;
    std::unordered_set<Key, KeyHash> queue_deletes;
    std::unordered_map<Key, std::string, KeyHash> link_puts;  // "L"/"T" + key
    void clear() {
      queue_puts.clear();
      queue_deletes.clear();
      link_puts.clear();
    }
  };
  // The value of queue (or else links) key `key` as of the latest changes:
  // pending_'s, then writing_'s, then the DB's; nullopt if it has none.
  std::optional<std::string> Latest(bool queue, const Key& key) const;
  // Waits for the writer's commit, and lets its records be dropped from
  // the cache; throws StoreError if the write failed.
  void FinishWrite();
  // Whether `r` must stay cached: changed since the last commit, or in the
  // commit being written, or taken and in flight.
  bool Pinned(UrlKey key, const Record& r) const;
  void PutQueue(const Key& key, std::string value);
  void DropEntry(const Key& key);
  // Reads and removes queue entry `key`; nullopt if absent.
  std::optional<std::string> TakeQueue(const Key& key);
  // Reads entry `key` of a retry or breadth-first queue (unless its value
  // is known already); a page's entry stays (in taken_) until the page is
  // done with or queued anew.
  std::optional<QueueEntry> TakeKept(const Key& key,
                                     std::optional<QueueEntry> known = std::nullopt);
  void Mark(char set, UrlKey key, bool on);

  std::unique_ptr<Db> db_;
  const Order order_;
  const bool read_only_;
  bool created_ = false;
  std::uint64_t size_ = 0;
  // Since the last commit.
  mutable RecordCache cache_;
  mutable std::size_t retain_at_;  // cache_'s size that makes Lookup drop clean ones
  std::vector<UrlKey> dirty_;  // the records of cache_ that are dirty
  // Keys lately found absent, by their low bits: a new link is looked for
  // (FindMany) and then added (AddIfNew), and the second look is spared a
  // read. A key leaves when it is added (only this store adds to the state).
  mutable std::vector<UrlKey> absent_;
  // Pages taken from 'R' and 'P' queues, not yet done with: their entries'
  // keys. Their records stay in cache_.
  std::unordered_map<UrlKey, Key> taken_;
  Pending pending_;  // since the last commit
  // The last commit's, while the writer applies it (and the records with
  // its number); writing_commit_ 0: none is.
  Pending writing_;
  std::vector<std::pair<const Key*, const std::string*>> batch_order_;  // Commit's
  std::string record_;  // Commit's, for its capacity
  std::vector<Record*> committed_;  // Commit's: the records it writes
  std::uint32_t commits_ = 0;
  std::uint32_t writing_commit_ = 0;
  std::vector<Queue> queues_;  // by host
  // The values of breadth-first entries pushed while there was room, by
  // group and position: a Take of one reads nothing. Those pushed first
  // stay, as they are taken first; positions are never reused, so a value
  // never changes.
  struct HotKey {
    std::uint64_t group;
    std::uint32_t seq;
    bool operator==(const HotKey&) const = default;
  };
  struct HotHash {
    std::size_t operator()(const HotKey& k) const {
      return (k.group * 0x9e3779b97f4a7c15ULL) ^ k.seq;
    }
  };
  std::unordered_map<HotKey, QueueEntry, HotHash> hot_;
  std::uint64_t next_group_ = 1;
  Unfinished unfinished_;
};

}  // namespace crawl

#endif  // CRAWL_STORE_ROCKS_STORE_H_
