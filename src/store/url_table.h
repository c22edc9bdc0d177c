// UrlTable: the set of URLs a crawl has seen, each named by a dense 32-bit
// id (0, 1, 2, ... in order of insertion), in 12 to 18 bytes per URL
// beyond its path and query (a 2-byte record header, 4.25 bytes of position,
// 5.7 to 11.4 of index).
//
// A URL is split into its origin — scheme and authority, everything before
// the first '/' after "://" ("https://a.example:8443") — and the rest (the
// path and query, "/x?y"). Origins are few and stored once each; the rest is
// stored once per URL. A string without "://" has an empty origin and is all
// rest, and one without a '/' after "://" is all origin, so every string
// round-trips: Url(Insert(s).id) == s.
//
// Storage:
//   - The arena: fixed-size blocks, never moved or copied once written (so
//     the table never needs twice its memory to grow). Each URL is one record
//     that never straddles two blocks: varint origin id, varint length, the
//     rest's bytes. A record too big for a block gets a block of its own.
//   - Per id, the record's arena position, as a 32-bit offset from a 64-bit
//     base shared by each run of 32 ids (both in ChunkedArrays, below).
//   - The index: open addressing with linear probing over a power-of-two
//     array of 32-bit slots, at most 70% full. A slot holds id + 1 (0 is
//     empty) in its low log2(capacity) bits — ids stay below the capacity —
//     and spare high bits of the URL's hash in the rest, so a probe rarely
//     has to read a record that does not match. Growing rebuilds the index
//     from the arena (hashes are not stored), so only one index exists at a
//     time.
//
// Thread safety: none; const methods may run concurrently with each other.
#ifndef CRAWL_STORE_URL_TABLE_H_
#define CRAWL_STORE_URL_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crawl {

// An array that grows by whole chunks of 2^kChunkBits elements: elements
// never move (references stay valid) and growth never copies them. New
// elements are value-initialised.
template <typename T, unsigned kChunkBits = 12>
class ChunkedArray {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  const T& operator[](std::size_t i) const {
    return chunks_[i >> kChunkBits][i & (kChunk - 1)];
  }
  // Appends a value-initialised element.
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunk) {
      chunks_.push_back(std::make_unique<T[]>(kChunk));
    }
    return (*this)[size_++];
  }
  void push_back(const T& value) { emplace_back() = value; }
  // Grows to `n` elements (value-initialised); never shrinks.
  void resize(std::size_t n) {
    while (size_ < n) emplace_back();
  }
  // Bytes allocated.
  std::size_t MemoryUsage() const {
    return chunks_.size() * kChunk * sizeof(T) +
           chunks_.capacity() * sizeof(chunks_[0]);
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

class UrlTable {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  // Longest URL accepted (far above any crawl's --max-url-length).
  static constexpr std::size_t kMaxUrlSize = std::size_t{1} << 26;

  UrlTable();
  ~UrlTable();
  UrlTable(const UrlTable&) = delete;
  UrlTable& operator=(const UrlTable&) = delete;

  // The id of `url`, or kNone if it has not been inserted.
  std::uint32_t Find(std::string_view url) const;

  struct Inserted {
    std::uint32_t id;
    bool added;  // false: `url` was there already, with this id
  };
  // Adds `url` if new; its id either way. A new URL's id is size() before
  // the call. Throws std::length_error if `url` is longer than kMaxUrlSize
  // or the table holds as many URLs as 32-bit ids allow.
  Inserted Insert(std::string_view url);

  // The URL with id `id` (< size()), reassembled.
  std::string Url(std::uint32_t id) const;
  // Its two parts; Url(id) == Origin(id) + Rest(id). The views stay valid as
  // long as the table.
  std::string_view Origin(std::uint32_t id) const;
  std::string_view Rest(std::uint32_t id) const;

  std::size_t size() const { return size_; }
  std::size_t origins() const { return origins_.size(); }
  // Bytes allocated, roughly (not counting the allocator's own overhead).
  std::size_t MemoryUsage() const;

 private:
  static constexpr unsigned kBlockBits = 16;  // 64 KiB arena blocks
  static constexpr std::size_t kBlockSize = std::size_t{1} << kBlockBits;
  static constexpr unsigned kGroupBits = 5;  // 32 ids share a base position
  static constexpr unsigned kMinIndexBits = 10;

  struct OriginEntry {
    std::string text;
    std::uint64_t hash;
  };
  struct Record {
    std::uint32_t origin;
    std::string_view rest;
  };
  struct Probe {
    std::uint32_t id;    // kNone: not found
    std::uint64_t slot;  // where it is, or the empty slot ending the probe
  };

  static std::uint64_t HashOrigin(std::string_view origin);
  static std::uint64_t Combine(std::uint64_t origin_hash, std::string_view rest);

  Probe Lookup(std::uint64_t hash, std::string_view origin,
               std::string_view rest) const;
  std::uint32_t SlotValue(std::uint64_t hash, std::uint32_t id) const;
  std::uint32_t InternOrigin(std::string_view origin, std::uint64_t hash);
  void Append(std::uint32_t origin, std::string_view rest);
  Record Read(std::uint32_t id) const;
  void Rebuild(unsigned bits);

  // Arena.
  std::vector<std::unique_ptr<char[]>> blocks_;  // null: inside a big record
  std::uint64_t end_ = 0;  // the next free position (block << kBlockBits | offset)
  std::size_t arena_bytes_ = 0;
  // Per id.
  ChunkedArray<std::uint64_t> group_base_;  // per 2^kGroupBits ids
  ChunkedArray<std::uint32_t> offset_;      // from its group's base
  std::size_t size_ = 0;
  // Index.
  std::unique_ptr<std::uint32_t[]> slots_;
  unsigned bits_ = 0;       // capacity = 2^bits_
  std::uint64_t mask_ = 0;  // capacity - 1
  std::size_t max_size_ = 0;  // grow beyond this
  // Origins: stable strings (a deque never moves its elements).
  std::deque<OriginEntry> origins_;
  std::unordered_map<std::string_view, std::uint32_t> origin_ids_;
};

}  // namespace crawl

#endif  // CRAWL_STORE_URL_TABLE_H_
