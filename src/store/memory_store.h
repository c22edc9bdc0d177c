// MemoryStore: a FrontierStore in this process's memory, for a crawl that
// need not survive it. Its UrlKeys are UrlTable's dense ids.
//
// Memory: a URL seen costs about 30 bytes plus its path and query — its
// UrlTable entry (the path, 2 bytes of header, 4 of offset, 6 to 12 of
// index) and a 16-byte Node (a UrlState packed, with 32-bit ids) — and 8
// more while queued (breadth-first: an 8-byte Slot, plus 8 bytes per group,
// i.e. per page whose links to the host are queued; depth-first: an 8-byte
// Entry). Links and redirects are kept only when the policy sets them.
#ifndef CRAWL_STORE_MEMORY_STORE_H_
#define CRAWL_STORE_MEMORY_STORE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

#include "store/store.h"
#include "store/url_table.h"

namespace crawl {

class MemoryStore final : public FrontierStore {
 public:
  explicit MemoryStore(Order order) : order_(order) {}

  UrlKey Find(std::string_view url) const override;
  void AddIfNew(std::span<const std::string_view> urls,
                std::vector<Added>& out) override;
  std::uint64_t size() const override { return urls_.size(); }
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

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // A UrlState in 16 bytes: ids fit 32 bits here.
  struct Node {
    std::int32_t depth = kUnreached;
    std::uint32_t parent = kNone;
    std::uint32_t host = kNoHost;
    UrlStage stage = UrlStage::kDiscovered;
    std::uint8_t hops = 0;
    std::uint8_t attempts = 0;
  };
  static_assert(sizeof(Node) == 16);
  // A queued page of a breadth-first host: a link in its group's list, in
  // slots_ (freed slots are reused, so slots_ holds at most the most pages
  // ever queued at once).
  struct Slot {
    std::uint32_t id;
    std::uint32_t next;  // in its group; kNone: the last
  };
  // The queued pages of one group, oldest first.
  struct Group {
    std::uint32_t head;
    std::uint32_t tail;
  };
  struct Entry {  // a QueueEntry in 8 bytes
    QueueEntry::Kind kind;
    std::uint32_t id;
  };
  struct Queue {
    // Few (no more than the host ever had in flight at once): a vector.
    std::vector<std::uint32_t> retries;
    // Depth-first: everything else, a stack (the back is the top).
    // Breadth-first: only urgent entries, newest at the front.
    std::deque<Entry> entries;
    // Breadth-first pages by depth, each depth's groups round-robin.
    std::map<int, std::deque<Group>> levels;
    std::size_t level_pages = 0;
    // The group a push with this depth and group extends (none once a
    // page is taken, which may have rotated or removed it).
    int open_depth = kUnreached;
    UrlKey open_group = kNoUrl;
  };

  static std::uint32_t Id(UrlKey key) { return static_cast<std::uint32_t>(key); }
  Queue& QueueOf(std::uint32_t host);
  void PushPage(Queue& queue, std::uint32_t id, int depth, UrlKey group);
  std::uint32_t TakePage(Queue& queue);

  const Order order_;
  UrlTable urls_;             // the seen set: URL <-> id
  ChunkedArray<Node> nodes_;  // by id
  std::vector<Queue> queues_;  // by host
  ChunkedArray<Slot> slots_;
  std::uint32_t free_slot_ = kNone;  // freed slots, linked by `next`
  // links_ holds, per page, its link count and then its links' ids;
  // links_at_[id] is where page id's start, plus one (0: none; covers the
  // ids up to the last page stored).
  ChunkedArray<std::uint32_t> links_;
  ChunkedArray<std::uint64_t> links_at_;
  std::unordered_map<std::uint32_t, std::uint32_t> redirects_;
};

}  // namespace crawl

#endif  // CRAWL_STORE_MEMORY_STORE_H_
