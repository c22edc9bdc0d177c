#include "store/url_table.h"

#include <cstring>
#include <functional>
#include <stdexcept>
#include <utility>

namespace crawl {
namespace {

// "https://a.example:8443/x?y" -> {"https://a.example:8443", "/x?y"}.
std::pair<std::string_view, std::string_view> Split(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {{}, url};
  const std::size_t path = url.find('/', scheme + 3);
  if (path == std::string_view::npos) return {url, {}};
  return {url.substr(0, path), url.substr(path)};
}

// Little-endian base-128; returns the bytes written (at most 10).
std::size_t PutVarint(char* out, std::uint64_t v) {
  std::size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<char>(v);
  return n;
}

std::uint64_t GetVarint(const char*& p) {
  std::uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(*p++);
    v |= std::uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return v;
  }
}

// A 64-bit finaliser (splitmix64's): every input bit reaches every output bit.
std::uint64_t Mix(std::uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9u;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebu;
  h ^= h >> 31;
  return h;
}

}  // namespace

UrlTable::UrlTable() { Rebuild(kMinIndexBits); }

UrlTable::~UrlTable() = default;

std::uint64_t UrlTable::HashOrigin(std::string_view origin) {
  return std::hash<std::string_view>()(origin);
}

std::uint64_t UrlTable::Combine(std::uint64_t origin_hash, std::string_view rest) {
  return Mix(std::hash<std::string_view>()(rest) ^
             (origin_hash * 0x9e3779b97f4a7c15u));
}

// The slot for id `id`: id + 1 in the low bits_ bits, the top bits of `hash`
// above them.
std::uint32_t UrlTable::SlotValue(std::uint64_t hash, std::uint32_t id) const {
  const unsigned tag_bits = 32 - bits_;
  const std::uint32_t tag =
      tag_bits == 0 ? 0 : static_cast<std::uint32_t>(hash >> (64 - tag_bits)) << bits_;
  return tag | (id + 1);
}

UrlTable::Probe UrlTable::Lookup(std::uint64_t hash, std::string_view origin,
                                 std::string_view rest) const {
  const auto id_mask = static_cast<std::uint32_t>(mask_);
  const std::uint32_t tag = SlotValue(hash, 0) & ~id_mask;
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const std::uint32_t slot = slots_[i];
    if (slot == 0) return {kNone, i};
    if ((slot & ~id_mask) != tag) continue;
    const std::uint32_t id = (slot & id_mask) - 1;
    const Record r = Read(id);
    if (r.rest == rest && origins_[r.origin].text == origin) return {id, i};
  }
}

std::uint32_t UrlTable::Find(std::string_view url) const {
  const auto [origin, rest] = Split(url);
  return Lookup(Combine(HashOrigin(origin), rest), origin, rest).id;
}

UrlTable::Inserted UrlTable::Insert(std::string_view url) {
  if (url.size() > kMaxUrlSize) throw std::length_error("UrlTable: URL too long");
  const auto [origin, rest] = Split(url);
  const std::uint64_t origin_hash = HashOrigin(origin);
  const std::uint64_t hash = Combine(origin_hash, rest);
  Probe probe = Lookup(hash, origin, rest);
  if (probe.id != kNone) return {probe.id, false};
  if (size_ + 1 > max_size_) {
    if (bits_ == 32) throw std::length_error("UrlTable: full");
    Rebuild(bits_ + 1);
    probe.slot = hash & mask_;
    while (slots_[probe.slot] != 0) probe.slot = (probe.slot + 1) & mask_;
  }
  const std::uint32_t o = InternOrigin(origin, origin_hash);
  const auto id = static_cast<std::uint32_t>(size_);
  Append(o, rest);
  ++size_;
  slots_[probe.slot] = SlotValue(hash, id);
  return {id, true};
}

std::uint32_t UrlTable::InternOrigin(std::string_view origin, std::uint64_t hash) {
  const auto it = origin_ids_.find(origin);
  if (it != origin_ids_.end()) return it->second;
  const auto o = static_cast<std::uint32_t>(origins_.size());
  origins_.push_back({std::string(origin), hash});
  origin_ids_.emplace(std::string_view(origins_.back().text), o);
  return o;
}

// Writes id size_'s record and notes where. A record that fits a block never
// straddles two: it starts a new block if the current one lacks room (the
// rest of that block is left unused). A bigger one gets a block of its own
// size, covering as many block numbers as it would have spanned (the extra
// numbers hold null), so positions stay increasing.
void UrlTable::Append(std::uint32_t origin, std::string_view rest) {
  char head[20];
  std::size_t head_size = PutVarint(head, origin);
  head_size += PutVarint(head + head_size, rest.size());
  const std::size_t need = head_size + rest.size();

  std::uint64_t pos = end_;
  const std::uint64_t offset = pos & (kBlockSize - 1);
  char* out;
  // Invariant: when `end_` is at a block boundary, no block holds it yet
  // (blocks_.size() == end_ >> kBlockBits).
  if (need > kBlockSize) {
    if (offset != 0) pos += kBlockSize - offset;
    const std::uint64_t span = (need + kBlockSize - 1) >> kBlockBits;
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(need));
    out = blocks_.back().get();
    blocks_.resize(blocks_.size() + span - 1);
    arena_bytes_ += need;
    end_ = pos + (span << kBlockBits);
  } else {
    if (offset != 0 && offset + need > kBlockSize) pos += kBlockSize - offset;
    if ((pos & (kBlockSize - 1)) == 0) {
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(kBlockSize));
      arena_bytes_ += kBlockSize;
    }
    out = blocks_[pos >> kBlockBits].get() + (pos & (kBlockSize - 1));
    end_ = pos + need;
  }
  std::memcpy(out, head, head_size);
  if (!rest.empty()) std::memcpy(out + head_size, rest.data(), rest.size());

  // The offset from the group's base fits 32 bits: at most 2^kGroupBits - 1
  // records come before it in the group, each taking less than
  // kMaxUrlSize + 20 + 2 * kBlockSize of position space.
  static_assert(((std::uint64_t{1} << kGroupBits) - 1) *
                    (kMaxUrlSize + 20 + 2 * kBlockSize) <= UINT32_MAX);
  if ((size_ & ((std::size_t{1} << kGroupBits) - 1)) == 0) group_base_.push_back(pos);
  offset_.push_back(static_cast<std::uint32_t>(pos - group_base_[size_ >> kGroupBits]));
}

UrlTable::Record UrlTable::Read(std::uint32_t id) const {
  const std::uint64_t pos = group_base_[id >> kGroupBits] + offset_[id];
  const char* p = blocks_[pos >> kBlockBits].get() + (pos & (kBlockSize - 1));
  const auto origin = static_cast<std::uint32_t>(GetVarint(p));
  const auto size = static_cast<std::size_t>(GetVarint(p));
  return {origin, std::string_view(p, size)};
}

// A new index of 2^bits slots, filled from the arena. The old one goes
// first: the two never coexist.
void UrlTable::Rebuild(unsigned bits) {
  slots_.reset();
  bits_ = bits;
  mask_ = (std::uint64_t{1} << bits) - 1;
  max_size_ = static_cast<std::size_t>((mask_ + 1) / 10 * 7);
  slots_ = std::make_unique<std::uint32_t[]>(mask_ + 1);
  for (std::size_t id = 0; id < size_; ++id) {
    const auto id32 = static_cast<std::uint32_t>(id);
    const Record r = Read(id32);
    const std::uint64_t hash = Combine(origins_[r.origin].hash, r.rest);
    std::uint64_t i = hash & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = SlotValue(hash, id32);
  }
}

std::string UrlTable::Url(std::uint32_t id) const {
  const Record r = Read(id);
  const std::string& origin = origins_[r.origin].text;
  std::string url;
  url.reserve(origin.size() + r.rest.size());
  url.append(origin).append(r.rest);
  return url;
}

std::string_view UrlTable::Origin(std::uint32_t id) const {
  return origins_[Read(id).origin].text;
}

std::string_view UrlTable::Rest(std::uint32_t id) const { return Read(id).rest; }

std::size_t UrlTable::MemoryUsage() const {
  std::size_t bytes = arena_bytes_ + blocks_.capacity() * sizeof(blocks_[0]) +
                      group_base_.MemoryUsage() + offset_.MemoryUsage() +
                      (mask_ + 1) * sizeof(std::uint32_t);
  for (const OriginEntry& o : origins_) bytes += sizeof(o) + o.text.capacity();
  // A node per origin (key, value, next, cached hash) and the buckets.
  bytes += origin_ids_.size() * 48 + origin_ids_.bucket_count() * sizeof(void*);
  return bytes;
}

}  // namespace crawl
