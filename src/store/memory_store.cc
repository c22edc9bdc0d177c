#include "store/memory_store.h"

namespace crawl {

UrlKey MemoryStore::Find(std::string_view url) const {
  const std::uint32_t id = urls_.Find(url);
  return id == UrlTable::kNone ? kNoUrl : id;
}

void MemoryStore::AddIfNew(std::span<const std::string_view> urls,
                           std::vector<Added>& out) {
  out.resize(urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const UrlTable::Inserted in = urls_.Insert(urls[i]);
    if (in.added) nodes_.emplace_back();
    out[i] = {in.id, in.added};
  }
}

UrlState MemoryStore::Get(UrlKey key) const {
  const Node& n = nodes_[Id(key)];
  UrlState s;
  s.depth = n.depth;
  s.parent = n.parent == kNone ? kNoUrl : n.parent;
  s.host = n.host;
  s.stage = n.stage;
  s.hops = n.hops;
  s.attempts = n.attempts;
  return s;
}

void MemoryStore::Set(UrlKey key, const UrlState& s) {
  Node& n = nodes_[Id(key)];
  n.depth = s.depth;
  n.parent = s.parent == kNoUrl ? kNone : Id(s.parent);
  n.host = s.host;
  n.stage = s.stage;
  n.hops = s.hops;
  n.attempts = s.attempts;
}

void MemoryStore::Url(UrlKey key, std::string& out) const {
  const std::uint32_t id = Id(key);
  const std::string_view origin = urls_.Origin(id);
  const std::string_view rest = urls_.Rest(id);
  out.assign(origin);
  out.append(rest);
}

// --- Host queues ---

MemoryStore::Queue& MemoryStore::QueueOf(std::uint32_t host) {
  if (host >= queues_.size()) queues_.resize(std::size_t{host} + 1);
  return queues_[host];
}

void MemoryStore::Push(std::uint32_t host, QueueEntry entry, Place place,
                       int depth, UrlKey group) {
  Queue& q = QueueOf(host);
  const Entry e{entry.kind, static_cast<std::uint32_t>(entry.key)};
  const bool dfs = order_ == Order::kDepthFirst;
  switch (place) {
    case Place::kRetry: q.retries.push_back(e.id); return;
    case Place::kUrgent:
      if (dfs) {
        q.entries.push_back(e);
      } else {
        q.entries.push_front(e);
      }
      return;
    case Place::kSeed:
      if (dfs) {
        q.entries.push_front(e);
        return;
      }
      [[fallthrough]];
    case Place::kPage:
      if (dfs) {
        q.entries.push_back(e);
      } else {
        PushPage(q, e.id, depth, group);
      }
      return;
  }
}

// Into the back group of `depth` if the last push opened it, else a new
// group at the back.
void MemoryStore::PushPage(Queue& q, std::uint32_t id, int depth, UrlKey group) {
  std::uint32_t slot = free_slot_;
  if (slot != kNone) {
    free_slot_ = slots_[slot].next;
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[slot] = {id, kNone};
  std::deque<Group>& level = q.levels[depth];
  if (q.open_depth == depth && q.open_group == group && !level.empty()) {
    slots_[level.back().tail].next = slot;
    level.back().tail = slot;
  } else {
    level.push_back({slot, slot});
    q.open_depth = depth;
    q.open_group = group;
  }
  ++q.level_pages;
}

// The shallowest depth's front group gives its oldest page, then goes to
// the back of its depth if it has more: O(1) but for the map of depths
// (a handful).
std::uint32_t MemoryStore::TakePage(Queue& q) {
  const auto level = q.levels.begin();
  std::deque<Group>& groups = level->second;
  Group group = groups.front();
  groups.pop_front();
  const std::uint32_t slot = group.head;
  const std::uint32_t id = slots_[slot].id;
  group.head = slots_[slot].next;
  slots_[slot].next = free_slot_;
  free_slot_ = slot;
  if (group.head != kNone) groups.push_back(group);
  if (groups.empty()) q.levels.erase(level);
  --q.level_pages;
  q.open_depth = kUnreached;
  q.open_group = kNoUrl;
  return id;
}

std::optional<QueueEntry> MemoryStore::Take(std::uint32_t host) {
  if (host >= queues_.size()) return std::nullopt;
  Queue& q = queues_[host];
  if (!q.retries.empty()) {
    const std::uint32_t id = q.retries.front();
    q.retries.erase(q.retries.begin());
    return QueueEntry{QueueEntry::Kind::kPage, id};
  }
  Entry e;
  if (order_ == Order::kDepthFirst) {
    if (q.entries.empty()) return std::nullopt;
    e = q.entries.back();
    q.entries.pop_back();
  } else if (!q.entries.empty()) {
    e = q.entries.front();
    q.entries.pop_front();
  } else if (q.level_pages != 0) {
    e = {QueueEntry::Kind::kPage, TakePage(q)};
  } else {
    return std::nullopt;
  }
  return QueueEntry{e.kind, e.id};
}

FrontierStore::QueueSize MemoryStore::Queued(std::uint32_t host) const {
  if (host >= queues_.size()) return {};
  const Queue& q = queues_[host];
  return {q.retries.size(), q.entries.size() + q.level_pages};
}

// --- Links and redirects ---

void MemoryStore::SetLinks(UrlKey page, std::span<const UrlKey> links) {
  if (links.empty()) return;
  const std::uint32_t id = Id(page);
  const std::uint64_t start = links_.size();
  links_.push_back(static_cast<std::uint32_t>(links.size()));
  for (const UrlKey link : links) links_.push_back(Id(link));
  links_at_.resize(std::size_t{id} + 1);
  links_at_[id] = start + 1;
}

void MemoryStore::Links(UrlKey page, std::vector<UrlKey>& out) const {
  out.clear();
  const std::uint32_t id = Id(page);
  if (id >= links_at_.size() || links_at_[id] == 0) return;
  const std::uint64_t at = links_at_[id] - 1;
  const std::uint32_t count = links_[at];
  out.reserve(count);
  for (std::uint32_t k = 1; k <= count; ++k) out.push_back(links_[at + k]);
}

void MemoryStore::SetRedirect(UrlKey page, UrlKey target) {
  redirects_[Id(page)] = Id(target);
}

UrlKey MemoryStore::Redirect(UrlKey page) const {
  if (redirects_.empty()) return kNoUrl;
  const auto it = redirects_.find(Id(page));
  return it == redirects_.end() ? kNoUrl : it->second;
}

std::size_t MemoryStore::MemoryUsage() const {
  return urls_.MemoryUsage() + nodes_.MemoryUsage() + slots_.MemoryUsage() +
         links_.MemoryUsage() + links_at_.MemoryUsage() +
         queues_.capacity() * sizeof(Queue);
}

}  // namespace crawl
