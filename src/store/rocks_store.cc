#include "store/rocks_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

#include "sync/mutex.h"
#include "util/codec.h"
#include "util/fingerprint.h"

namespace crawl {

// The state's format: a directory written by another format is refused.
constexpr std::string_view kFormat = "crawl-state 2";
constexpr std::uint64_t kMiddle = std::uint64_t{1} << 62;  // deque positions start here
// Clean records cached between commits before they are dropped.
// Records kept in memory: every one changed since the last commit, and up
// to this many others, read or committed lately (the hot ones: a page's
// record between its dispatch and its completion, well-linked pages).
constexpr std::size_t kMaxCached = std::size_t{1} << 17;

constexpr std::size_t kAbsentSlots = 4096;  // RocksStore::absent_
constexpr std::size_t kMaxHot = std::size_t{1} << 16;  // RocksStore::hot_

struct RocksStore::Db {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // meta, urls, queue, links
  rocksdb::ColumnFamilyHandle* meta() const { return handles[0]; }
  rocksdb::ColumnFamilyHandle* urls() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* queue() const { return handles[2]; }
  rocksdb::ColumnFamilyHandle* links() const { return handles[3]; }
  std::string secondary;  // read-only: the secondary instance's own directory

  // The writer: a thread that applies a commit's batch. The batch is the
  // master's while no write is posted, and the writer's while one is.
  rocksdb::WriteBatch batch;  // kept for its capacity
  Mutex mu;
  CondVar changed;
  bool posted GUARDED_BY(mu) = false;  // batch is to be written, or being written
  bool held GUARDED_BY(mu) = false;
  bool quit GUARDED_BY(mu) = false;
  std::string error GUARDED_BY(mu);  // the first failed write's
  std::thread writer;

  // Starts the writer (a store that writes; before its first Post).
  void Start() {
    try {
      writer = std::thread([this] {
        pthread_setname_np(pthread_self(), "crawl-state");  // as top -H shows it
        Write();
      });
    } catch (const std::system_error& e) {
      throw StoreError(std::string("cannot start the state's writer thread: ") + e.what());
    }
  }
  // Hands `batch` to the writer.
  void Post() {
    MutexLock lock(mu);
    posted = true;
    changed.NotifyAll();
  }
  // Waits until no write is posted; throws StoreError if one failed.
  void Wait() {
    MutexLock lock(mu);
    while (posted) changed.Wait(lock);
    if (!error.empty()) throw StoreError(error);
  }
  void Hold(bool on) {
    MutexLock lock(mu);
    held = on;
    changed.NotifyAll();
  }
  void Write() {
    MutexLock lock(mu);
    for (;;) {
      while (!quit && (!posted || held)) changed.Wait(lock);
      if (!posted) return;  // quit, with nothing left to write
      lock.Unlock();
      const rocksdb::Status s = db->Write({}, &batch);
      lock.Lock();
      if (!s.ok() && error.empty()) error = "cannot commit the crawl's state: " + s.ToString();
      posted = false;
      changed.NotifyAll();
    }
  }

  ~Db() {
    if (writer.joinable()) {  // the last commit is written before the DB closes
      {
        MutexLock lock(mu);
        quit = true;
        held = false;
        changed.NotifyAll();
      }
      writer.join();
    }
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
      db.reset();
    }
    if (!secondary.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(secondary, ec);
    }
  }
};

namespace {

UrlKey NextKey(UrlKey key) { return (key + 1) & (kNoUrl >> 1); }

std::string UrlDbKey(UrlKey key) {
  std::string k;
  PutBe(k, key, 8);
  return k;
}

void EncodeRecord(const UrlState& s, std::string_view url, std::string& v) {
  v.clear();
  PutVarint(v, s.depth == kUnreached ? 0 : static_cast<std::uint64_t>(s.depth) + 1);
  PutVarint(v, s.parent == kNoUrl ? 0 : s.parent + 1);
  PutVarint(v, s.host == kNoHost ? 0 : std::uint64_t{s.host} + 1);
  v.push_back(static_cast<char>(s.stage));
  v.push_back(static_cast<char>(s.hops));
  v.push_back(static_cast<char>(s.attempts));
  v.append(url);
}

bool DecodeRecord(std::string_view v, UrlState& s, std::string& url) {
  Reader in(v);
  const std::uint64_t depth = in.Varint();
  const std::uint64_t parent = in.Varint();
  const std::uint64_t host = in.Varint();
  const std::uint64_t stage = in.Be(1);
  const std::uint64_t hops = in.Be(1);
  const std::uint64_t attempts = in.Be(1);
  if (!in.ok() || depth > static_cast<std::uint64_t>(kUnreached) || host > kNoHost ||
      stage > static_cast<std::uint64_t>(UrlStage::kDone)) {
    return false;
  }
  s.depth = depth == 0 ? kUnreached : static_cast<int>(depth - 1);
  s.parent = parent == 0 ? kNoUrl : parent - 1;
  s.host = host == 0 ? kNoHost : static_cast<std::uint32_t>(host - 1);
  s.stage = static_cast<UrlStage>(stage);
  s.hops = static_cast<std::uint8_t>(hops);
  s.attempts = static_cast<std::uint8_t>(attempts);
  url.assign(in.Rest());
  return true;
}

using Key = RocksStore::Key;

// `n` low bytes of `v`, big-endian, onto `k` (so that keys sort by number).
void AppendBe(Key& k, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) k.bytes[k.size++] = static_cast<char>((v >> (8 * i)) & 0xff);
}
Key QueueKey(char type, std::uint32_t host, std::uint64_t pos) {
  Key k;
  k.bytes[k.size++] = type;
  AppendBe(k, host, 4);
  AppendBe(k, pos, 8);
  return k;
}
Key PageKey(std::uint32_t host, int depth, std::uint64_t group, std::uint32_t seq) {
  Key k;
  k.bytes[k.size++] = 'P';
  AppendBe(k, host, 4);
  AppendBe(k, static_cast<std::uint32_t>(depth), 4);
  AppendBe(k, group, 8);
  AppendBe(k, seq, 4);
  return k;
}
Key SetKey(char set, UrlKey key) {
  Key k;
  k.bytes[k.size++] = set;
  AppendBe(k, key, 8);
  return k;
}
rocksdb::Slice SliceOf(const Key& k) { return {k.bytes, k.size}; }
std::string EntryValue(QueueEntry e) {
  std::string v(1, static_cast<char>(e.kind));
  PutBe(v, e.key, 8);
  return v;
}
std::optional<QueueEntry> ParseEntry(std::string_view v) {
  if (v.size() != 9 || static_cast<unsigned char>(v[0]) > 2) return std::nullopt;
  return QueueEntry{static_cast<QueueEntry::Kind>(v[0]), GetBe(v, 1, 8)};
}

[[noreturn]] void Fail(const rocksdb::Status& status, const std::string& what) {
  throw StoreError(what + ": " + status.ToString());
}

// RocksDB's info log, dropped: the store reports its failures itself, and a
// LOG file on the state's disk would fail with it when the disk is full
// (librocksdb 7.8 then asserts as it logs the write error).
class DropLogger final : public rocksdb::Logger {
 public:
  DropLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

// The message for a failed open, naming its likely cause.
std::string OpenError(const rocksdb::Status& s, const std::string& dir) {
  const std::string detail = s.ToString();
  if (s.IsIOError() && (detail.find("lock") != std::string::npos ||
                        detail.find("Resource temporarily unavailable") != std::string::npos)) {
    return "state directory " + dir +
           " is in use by another crawl (its lock is held); wait for that crawl "
           "to end, or use another --state directory";
  }
  if (s.IsCorruption()) {
    return "state directory " + dir + " is corrupted (" + detail +
           "); it cannot be resumed: start again with a new --state directory";
  }
  return "cannot open state directory " + dir + ": " + detail;
}

}  // namespace

std::unique_ptr<RocksStore> RocksStore::Open(const std::string& dir, Order order,
                                             Mode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(dir, ec);
  if (exists && !fs::is_directory(dir, ec)) {
    throw StoreError("state directory " + dir + " is not a directory");
  }
  if (exists && !fs::exists(fs::path(dir) / "CURRENT", ec) && !fs::is_empty(dir, ec)) {
    throw StoreError("state directory " + dir +
                     " holds files but no crawl state: refusing to write into it");
  }
  if (mode == Mode::kReadOnly && !fs::exists(fs::path(dir) / "CURRENT", ec)) {
    throw StoreError("no crawl state in " + dir);
  }

  auto cache = rocksdb::NewLRUCache(64 << 20);
  auto table = [&](bool bloom) {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    // Index and filter blocks live with their table readers, out of the
    // block cache: a seen-check never waits for a megabyte of index to be
    // read back (with them in the cache, data blocks evicted them once the
    // URLs outgrew it, and a crawl of a million URLs slowed to a crawl).
    // They cost ~12 bits a URL of RAM (the Bloom filter's 10, the index's
    // ~2).
    t.cache_index_and_filter_blocks = false;
    if (bloom) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    return rocksdb::NewBlockBasedTableFactory(t);
  };
  rocksdb::ColumnFamilyOptions base;
  base.write_buffer_size = 4 << 20;
  base.max_write_buffer_number = 2;
  base.compression = rocksdb::kLZ4Compression;
  base.table_factory.reset(table(false));
  rocksdb::ColumnFamilyOptions urls = base;
  urls.write_buffer_size = 16 << 20;
  urls.table_factory.reset(table(true));
  urls.optimize_filters_for_hits = false;
  // A Bloom filter on the memtable too: a new URL's "seen?" is answered
  // there without walking the skip list.
  urls.memtable_prefix_bloom_size_ratio = 0.05;
  urls.memtable_whole_key_filtering = true;
  // A hash table of small skip lists (one a key) for the memtable: a
  // commit's records, at random keys, go in without a walk down one big
  // skip list (that walk was most of a commit's cost). Flushes sort it.
  urls.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
  urls.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 18));
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, base},
      {"urls", urls},
      {"queue", base},
      {"links", base}};

  rocksdb::DBOptions options;
  options.create_if_missing = mode == Mode::kCreateOrOpen;
  options.create_missing_column_families = mode == Mode::kCreateOrOpen;
  options.max_open_files = 512;
  options.keep_log_file_num = 2;
  options.max_background_jobs = 2;
  options.paranoid_checks = true;
  options.allow_concurrent_memtable_write = false;
  options.info_log = std::make_shared<DropLogger>();
  // The WAL holds what the memtables do: closing need not write them out
  // (the next open replays it).
  options.avoid_flush_during_shutdown = true;
  // A column family written little (the meta) would otherwise keep every
  // WAL file since its last flush.
  options.max_total_wal_size = 64 << 20;

  auto db = std::make_unique<Db>();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (mode == Mode::kReadOnly) {
    // A secondary instance keeps its own small info log: in a scratch
    // directory ($TMPDIR), removed with the store.
    std::error_code tmp_error;
    std::string tmpl = (fs::temp_directory_path(tmp_error) / "crawl-status-XXXXXX").string();
    if (tmp_error || mkdtemp(tmpl.data()) == nullptr) {
      throw StoreError("cannot make a temporary directory for reading the state");
    }
    db->secondary = tmpl;
    options.max_open_files = -1;  // required by a secondary instance
    s = rocksdb::DB::OpenAsSecondary(options, dir, db->secondary, families,
                                     &db->handles, &raw);
    if (s.ok()) s = raw->TryCatchUpWithPrimary();
  } else {
    s = rocksdb::DB::Open(options, dir, families, &db->handles, &raw);
  }
  db->db.reset(raw);
  if (!s.ok()) throw StoreError(OpenError(s, dir));
  std::unique_ptr<RocksStore> store(new RocksStore(std::move(db), order,
                                                   mode == Mode::kReadOnly));
  store->Load();
  if (mode != Mode::kReadOnly) store->db_->Start();
  return store;
}

RocksStore::RocksStore(std::unique_ptr<Db> db, Order order, bool read_only)
    : db_(std::move(db)),
      order_(order),
      read_only_(read_only),
      retain_at_(kMaxCached),
      absent_(kAbsentSlots, kNoUrl) {}

RocksStore::~RocksStore() = default;

void RocksStore::Load() {
  rocksdb::DB& db = *db_->db;
  std::string format;
  rocksdb::Status s = db.Get({}, db_->meta(), "format", &format);
  if (s.IsNotFound()) {
    if (read_only_) throw StoreError("no committed crawl state yet");
    created_ = true;
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = db.Put(sync, db_->meta(), "format", rocksdb::Slice(kFormat.data(), kFormat.size()));
    if (!s.ok()) Fail(s, "cannot write the state's format");
    return;
  }
  if (!s.ok()) Fail(s, "cannot read the state's format");
  if (format != kFormat) {
    throw StoreError("the state directory was written in format \"" + format +
                     "\", and this crawl reads \"" + std::string(kFormat) +
                     "\": it cannot be resumed by this version");
  }
  auto number = [&](const char* name) -> std::uint64_t {
    std::string v;
    const rocksdb::Status st = db.Get({}, db_->meta(), name, &v);
    if (st.IsNotFound()) return 0;
    if (!st.ok()) Fail(st, std::string("cannot read ") + name);
    if (v.size() != 8) throw StoreError(std::string("the state is corrupted: bad ") + name);
    return GetBe(v, 0, 8);
  };
  size_ = number("store.size");
  next_group_ = std::max<std::uint64_t>(1, number("store.next_group"));

  // The queues' bounds, from their entries.
  rocksdb::WriteBatch drop;  // robots.txt and sitemap entries of the earlier process
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, db_->queue()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    const std::string_view v(it->value().data(), it->value().size());
    const char type = k.empty() ? 0 : k[0];
    if ((type == 'F' || type == 'W') && k.size() == 9) {
      (type == 'F' ? unfinished_.in_flight : unfinished_.waiting).push_back(GetBe(k, 1, 8));
      continue;
    }
    const bool sized = (type == 'R' || type == 'D') ? k.size() == 13 : k.size() == 21;
    const auto entry = ParseEntry(v);
    if (!sized || (type != 'R' && type != 'D' && type != 'P') || !entry) {
      throw StoreError("the state is corrupted: a queue entry cannot be read");
    }
    const auto host = static_cast<std::uint32_t>(GetBe(k, 1, 4));
    Queue& q = QueueOf(host);
    if (type == 'R') {
      const std::uint64_t pos = GetBe(k, 5, 8);
      if (q.retry_entries == 0) q.retry_lo = pos;
      q.retry_hi = pos + 1;
      ++q.retry_entries;  // pages taken and done with leave holes
    } else if (type == 'D') {
      if (entry->kind != QueueEntry::Kind::kPage) {
        drop.Delete(db_->queue(), it->key());
        continue;
      }
      const std::uint64_t pos = GetBe(k, 5, 8);
      if (q.deque_entries == 0) q.deque_lo = pos;
      q.deque_hi = pos + 1;
      ++q.deque_entries;
    } else {
      const int depth = static_cast<int>(GetBe(k, 5, 4));
      const std::uint64_t group = GetBe(k, 9, 8);
      const auto seq = static_cast<std::uint32_t>(GetBe(k, 17, 4));
      std::deque<Group>& level = q.levels[depth];
      // Pages done with out of order leave holes in a group: Take skips them.
      if (level.empty() || level.back().id != group) {
        level.push_back({group, seq, seq + 1});
      } else {
        level.back().tail = seq + 1;
      }
      ++q.level_pages;
      next_group_ = std::max(next_group_, group + 1);
    }
  }
  if (!it->status().ok()) Fail(it->status(), "cannot read the queues");
  it.reset();
  for (std::uint32_t h = 0; h < queues_.size(); ++h) {
    const Queue& q = queues_[h];
    if (q.retry_entries != 0 || q.deque_entries != 0 || q.level_pages != 0) {
      unfinished_.hosts.push_back(h);
    }
    if (q.deque_entries == 0) queues_[h].deque_lo = queues_[h].deque_hi = kMiddle;
  }
  if (drop.Count() != 0 && !read_only_) {
    s = db.Write({}, &drop);
    if (!s.ok()) Fail(s, "cannot drop the earlier process's robots.txt entries");
  }
}

// --- URLs ---

RocksStore::Record* RocksStore::RecordCache::Find(UrlKey key) {
  if (key == last_key_) return last_;
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(key >> 32);
  for (std::size_t i = key & mask;; i = (i + 1) & mask) {
    const Slot slot = slots_[i];
    if (slot.index == 0) return nullptr;
    if (slot.tag == tag && records_[slot.index - 1].first == key) {
      last_key_ = key;
      last_ = &records_[slot.index - 1].second;
      return last_;
    }
  }
}

void RocksStore::RecordCache::Place(std::uint32_t index) {
  const std::size_t mask = slots_.size() - 1;
  const UrlKey key = records_[index].first;
  std::size_t i = key & mask;
  while (slots_[i].index != 0) i = (i + 1) & mask;
  slots_[i] = {static_cast<std::uint32_t>(key >> 32), index + 1};
}

RocksStore::Record& RocksStore::RecordCache::Insert(UrlKey key, Record r) {
  records_.emplace_back(key, std::move(r));
  if ((records_.size()) * 2 > slots_.size()) {  // load at most 1/2
    slots_.assign(std::max<std::size_t>(1024, slots_.size() * 2), Slot{0, 0});
    for (std::uint32_t i = 0; i < records_.size(); ++i) Place(i);
  } else {
    Place(static_cast<std::uint32_t>(records_.size() - 1));
  }
  return records_.back().second;
}

template <typename Keep>
void RocksStore::RecordCache::Retain(Keep keep) {
  std::deque<std::pair<UrlKey, Record>> kept;
  for (auto& kv : records_) {
    if (keep(kv.first, kv.second)) kept.push_back(std::move(kv));
  }
  records_.swap(kept);
  last_key_ = kNoUrl;  // moved
  last_ = nullptr;
  std::size_t n = 1024;
  while (n < records_.size() * 2) n *= 2;
  slots_.assign(n, Slot{0, 0});
  for (std::uint32_t i = 0; i < records_.size(); ++i) Place(i);
}

std::size_t RocksStore::RecordCache::MemoryUsage() const {
  std::size_t bytes = slots_.capacity() * sizeof(Slot) +
                      records_.size() * sizeof(std::pair<UrlKey, Record>);
  for (const auto& kv : records_) {
    if (kv.second.url.capacity() > 15) bytes += kv.second.url.capacity() + 1;
  }
  return bytes;
}

RocksStore::Record* RocksStore::Lookup(UrlKey key) const {
  if (Record* r = cache_.Find(key)) return r;
  UrlKey& absent = absent_[key & (kAbsentSlots - 1)];
  if (absent == key) return nullptr;
  std::string value;
  const rocksdb::Status s = db_->db->Get({}, db_->urls(), UrlDbKey(key), &value);
  if (s.IsNotFound()) {
    absent = key;
    return nullptr;
  }
  if (!s.ok()) Fail(s, "cannot read a URL's state");
  if (cache_.size() >= retain_at_) {  // drop what is clean and not in flight
    cache_.Retain([this](UrlKey k, const Record& r) { return Pinned(k, r); });
    // Not again before the cache has grown as much anew (a turn that
    // changed more records than kMaxCached must not rebuild it per read).
    retain_at_ = std::max(kMaxCached, 2 * cache_.size());
  }
  Record r;
  if (!DecodeRecord(value, r.state, r.url)) {
    throw StoreError("the state is corrupted: a URL's record cannot be read");
  }
  return &cache_.Insert(key, std::move(r));
}

RocksStore::Probe RocksStore::ProbeUrl(std::string_view url) const {
  UrlKey key = Fingerprint(url);
  for (;;) {
    Record* r = Lookup(key);
    if (r == nullptr || r->url == url) return {key, r};
    key = NextKey(key);  // a fingerprint collision: the next key up
  }
}

void RocksStore::FindMany(std::span<const std::string_view> urls,
                          std::vector<Found>& out) const {
  out.resize(urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const Probe p = ProbeUrl(urls[i]);
    out[i].key = p.record == nullptr ? kNoUrl : p.key;
    if (p.record != nullptr) out[i].state = p.record->state;
  }
}

UrlKey RocksStore::Find(std::string_view url) const {
  const Probe p = ProbeUrl(url);
  return p.record == nullptr ? kNoUrl : p.key;
}

void RocksStore::AddIfNew(std::span<const std::string_view> urls,
                          std::vector<Added>& out) {
  out.resize(urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (urls[i].size() > (std::size_t{1} << 26)) {
      throw std::length_error("URL too long for the state store");
    }
    const Probe p = ProbeUrl(urls[i]);
    if (p.record != nullptr) {
      out[i] = {p.key, false};
      continue;
    }
    Record r;
    r.url.assign(urls[i]);
    r.dirty = true;
    cache_.Insert(p.key, std::move(r));
    if (UrlKey& absent = absent_[p.key & (kAbsentSlots - 1)]; absent == p.key) absent = kNoUrl;
    dirty_.push_back(p.key);
    ++size_;
    out[i] = {p.key, true};
  }
}

UrlState RocksStore::Get(UrlKey key) const {
  const Record* r = Lookup(key);
  if (r == nullptr) throw StoreError("the state is inconsistent: a URL key has no record");
  return r->state;
}

void RocksStore::Mark(char set, UrlKey key, bool on) {
  const Key k = SetKey(set, key);
  if (on) {
    PutQueue(k, std::string());
  } else {
    DropEntry(k);
  }
}

void RocksStore::Set(UrlKey key, const UrlState& state) {
  Record* r = Lookup(key);
  if (r == nullptr) throw StoreError("the state is inconsistent: a URL key has no record");
  const UrlState was = r->state;
  r->state = state;
  const auto taken = taken_.find(key);
  if (taken != taken_.end()) {
    // Taken from a retry or breadth-first queue: its entry stays until the
    // page is done with (or queued anew), and says "not finished" on disk
    // meanwhile, so being in flight is written nowhere.
    if (state.stage == UrlStage::kInFlight) {
      UrlState stored = state;
      stored.stage = was.stage;
      if (!r->dirty && stored == was) return;
    } else {
      DropEntry(taken->second);
      taken_.erase(taken);
    }
  } else if (was.stage != state.stage) {
    if (was.stage == UrlStage::kInFlight) Mark('F', key, false);
    if (state.stage == UrlStage::kInFlight) Mark('F', key, true);
  }
  if (was.stage != state.stage) {
    if (was.stage == UrlStage::kWaiting) Mark('W', key, false);
    if (state.stage == UrlStage::kWaiting) Mark('W', key, true);
  }
  if (!r->dirty) dirty_.push_back(key);
  r->dirty = true;
}

void RocksStore::Url(UrlKey key, std::string& out) const {
  const Record* r = Lookup(key);
  if (r == nullptr) throw StoreError("the state is inconsistent: a URL key has no record");
  out.assign(r->url);
}

// --- Host queues ---

RocksStore::Queue& RocksStore::QueueOf(std::uint32_t host) {
  while (host >= queues_.size()) {
    Queue& q = queues_.emplace_back();
    q.retry_lo = q.retry_hi = kMiddle;
    q.deque_lo = q.deque_hi = kMiddle;
  }
  return queues_[host];
}

void RocksStore::PutQueue(const Key& key, std::string value) {
  pending_.queue_deletes.erase(key);
  pending_.queue_puts[key] = std::move(value);
}

void RocksStore::DropEntry(const Key& key) {
  // Deleted even if put since the last commit: an earlier commit may hold
  // it too.
  pending_.queue_puts.erase(key);
  pending_.queue_deletes.insert(key);
}

std::optional<std::string> RocksStore::Latest(bool queue, const Key& key) const {
  for (const Pending* p : {&pending_, &writing_}) {
    const auto& puts = queue ? p->queue_puts : p->link_puts;
    if (auto it = puts.find(key); it != puts.end()) return it->second;
    if (queue && p->queue_deletes.contains(key)) return std::nullopt;
  }
  std::string v;
  const rocksdb::Status s =
      db_->db->Get({}, queue ? db_->queue() : db_->links(), SliceOf(key), &v);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) Fail(s, queue ? "cannot read a queue entry" : "cannot read a page's links");
  return v;
}

std::optional<QueueEntry> RocksStore::TakeKept(const Key& key,
                                               std::optional<QueueEntry> e) {
  if (!e) {
    std::optional<std::string> v = Latest(/*queue=*/true, key);
    if (!v) return std::nullopt;
    e = ParseEntry(*v);
    if (!e) throw StoreError("the state is corrupted: a queue entry cannot be read");
  }
  if (e->kind == QueueEntry::Kind::kPage) {
    taken_[e->key] = key;  // deleted when the page is done with
  } else {
    DropEntry(key);
  }
  return e;
}

std::optional<std::string> RocksStore::TakeQueue(const Key& key) {
  std::optional<std::string> v = Latest(/*queue=*/true, key);
  // Positions are reused (a deque's front), so an earlier commit may hold
  // this key too: delete it either way.
  if (v) DropEntry(key);
  return v;
}

void RocksStore::Push(std::uint32_t host, QueueEntry entry, Place place, int depth,
                      UrlKey group) {
  Queue& q = QueueOf(host);
  if (entry.kind == QueueEntry::Kind::kPage) {
    // A page queued anew (a retry, or put back) leaves its old entry.
    if (auto t = taken_.find(entry.key); t != taken_.end()) {
      DropEntry(t->second);
      taken_.erase(t);
    }
  }
  const bool dfs = order_ == Order::kDepthFirst;
  auto deque_push = [&](bool front) {
    const std::uint64_t pos = front ? --q.deque_lo : q.deque_hi++;
    PutQueue(QueueKey('D', host, pos), EntryValue(entry));
    ++q.deque_entries;
  };
  switch (place) {
    case Place::kRetry:
      PutQueue(QueueKey('R', host, q.retry_hi++), EntryValue(entry));
      ++q.retry_entries;
      return;
    case Place::kUrgent: deque_push(/*front=*/!dfs); return;
    case Place::kSeed:
      if (dfs) return deque_push(/*front=*/true);
      [[fallthrough]];
    case Place::kPage: {
      if (dfs) return deque_push(/*front=*/false);
      std::deque<Group>& level = q.levels[depth];
      if (!(q.open_depth == depth && q.open_group == group && !level.empty())) {
        level.push_back({next_group_++, 0, 0});
        q.open_depth = depth;
        q.open_group = group;
      }
      Group& g = level.back();
      if (hot_.size() < kMaxHot) hot_.emplace(HotKey{g.id, g.tail}, entry);
      PutQueue(PageKey(host, depth, g.id, g.tail++), EntryValue(entry));
      ++q.level_pages;
      return;
    }
  }
}

std::optional<QueueEntry> RocksStore::Take(std::uint32_t host) {
  if (host >= queues_.size()) return std::nullopt;
  Queue& q = queues_[host];
  while (q.retry_entries != 0 && q.retry_lo < q.retry_hi) {
    if (auto e = TakeKept(QueueKey('R', host, q.retry_lo++))) {
      --q.retry_entries;
      return e;
    }
  }
  const bool dfs = order_ == Order::kDepthFirst;
  while (q.deque_entries != 0 && q.deque_lo < q.deque_hi) {
    const std::uint64_t pos = dfs ? --q.deque_hi : q.deque_lo++;
    if (auto v = TakeQueue(QueueKey('D', host, pos))) {
      --q.deque_entries;
      return ParseEntry(*v);
    }
  }
  if (dfs || q.level_pages == 0) return std::nullopt;
  q.open_depth = kUnreached;
  q.open_group = kNoUrl;
  // A reopened store's groups may have holes (pages done with out of
  // order): skipped here, as level_pages counts only what is there.
  while (!q.levels.empty()) {
    const auto level = q.levels.begin();
    std::deque<Group>& groups = level->second;
    Group group = groups.front();
    groups.pop_front();
    const HotKey at{group.id, group.head};
    const Key key = PageKey(host, level->first, group.id, group.head++);
    if (group.head != group.tail) groups.push_back(group);
    if (groups.empty()) q.levels.erase(level);
    std::optional<QueueEntry> known;
    if (const auto h = hot_.find(at); h != hot_.end()) {
      known = h->second;
      hot_.erase(h);
    }
    if (auto e = TakeKept(key, known)) {
      --q.level_pages;
      return e;
    }
  }
  throw StoreError("the state is inconsistent: a queued page is missing");
}

FrontierStore::QueueSize RocksStore::Queued(std::uint32_t host) const {
  if (host >= queues_.size()) return {};
  const Queue& q = queues_[host];
  return {q.retry_entries, q.deque_entries + q.level_pages};
}

// --- Links ---

void RocksStore::SetLinks(UrlKey page, std::span<const UrlKey> links) {
  if (links.empty()) return;
  std::string v;
  v.reserve(links.size() * 8);
  for (const UrlKey k : links) PutBe(v, k, 8);
  pending_.link_puts[SetKey('L', page)] = std::move(v);
}

void RocksStore::Links(UrlKey page, std::vector<UrlKey>& out) const {
  out.clear();
  const std::optional<std::string> v = Latest(/*queue=*/false, SetKey('L', page));
  if (!v) return;
  if (v->size() % 8 != 0) throw StoreError("the state is corrupted: a page's links");
  for (std::size_t at = 0; at < v->size(); at += 8) out.push_back(GetBe(*v, at, 8));
}

void RocksStore::SetRedirect(UrlKey page, UrlKey target) {
  std::string v;
  PutBe(v, target, 8);
  pending_.link_puts[SetKey('T', page)] = std::move(v);
}

UrlKey RocksStore::Redirect(UrlKey page) const {
  const std::optional<std::string> v = Latest(/*queue=*/false, SetKey('T', page));
  if (!v) return kNoUrl;
  if (v->size() != 8) throw StoreError("the state is corrupted: a redirect");
  return GetBe(*v, 0, 8);
}

// --- Commit ---

bool RocksStore::Pinned(UrlKey key, const Record& r) const {
  return r.dirty || (writing_commit_ != 0 && r.commit == writing_commit_) ||
         taken_.contains(key);
}

void RocksStore::FinishWrite() {
  db_->Wait();
  writing_commit_ = 0;
  writing_.clear();
}

void RocksStore::Commit(const Meta& meta) {
  if (read_only_) throw StoreError("the state was opened read-only");
  FinishWrite();  // the batch is the master's again
  rocksdb::WriteBatch& batch = db_->batch;
  batch.Clear();
  auto check = [](const rocksdb::Status& s) {
    if (!s.ok()) Fail(s, "cannot build the commit");
  };
  // What is being written stays in memory, read from there, until it is.
  if (++commits_ == 0) commits_ = 1;  // 0: none (a stale match only pins a record)
  const std::uint32_t commit = commits_;
  // Each family's keys in order: the memtable then inserts each next to
  // the one before (its skip list keeps the last insert's place), not from
  // the top.
  std::sort(dirty_.begin(), dirty_.end());
  // (Nothing changes until the batch is whole: a failure to build it leaves
  // the store as it was.)
  committed_.clear();
  for (const UrlKey key : dirty_) {
    Record& r = *cache_.Find(key);
    EncodeRecord(r.state, r.url, record_);
    check(batch.Put(db_->urls(), UrlDbKey(key), record_));
    committed_.push_back(&r);
  }
  // (A key is never both put and deleted in one commit.)
  std::vector<std::pair<const Key*, const std::string*>>& order = batch_order_;
  order.clear();
  for (const Key& k : pending_.queue_deletes) order.emplace_back(&k, nullptr);
  for (const auto& [k, v] : pending_.queue_puts) order.emplace_back(&k, &v);
  auto by_key = [](const auto& a, const auto& b) { return a.first->view() < b.first->view(); };
  std::sort(order.begin(), order.end(), by_key);
  for (const auto& [k, v] : order) {
    check(v == nullptr ? batch.Delete(db_->queue(), SliceOf(*k))
                       : batch.Put(db_->queue(), SliceOf(*k), *v));
  }
  order.clear();
  for (const auto& [k, v] : pending_.link_puts) order.emplace_back(&k, &v);
  std::sort(order.begin(), order.end(), by_key);
  for (const auto& [k, v] : order) check(batch.Put(db_->links(), SliceOf(*k), *v));
  std::string n;
  PutBe(n, size_, 8);
  check(batch.Put(db_->meta(), "store.size", n));
  n.clear();
  PutBe(n, next_group_, 8);
  check(batch.Put(db_->meta(), "store.next_group", n));
  for (const auto& [name, value] : meta) check(batch.Put(db_->meta(), "meta." + name, value));
  for (Record* r : committed_) {  // no insert or eviction since they were found
    r->dirty = false;
    r->commit = commit;
  }
  committed_.clear();
  dirty_.clear();
  std::swap(writing_, pending_);  // pending_: the cleared one
  writing_commit_ = commit;
  // New URLs join the cache without a read: bound it here too.
  if (cache_.size() > kMaxCached) {
    cache_.Retain([this](UrlKey k, const Record& r) { return Pinned(k, r); });
    retain_at_ = std::max(kMaxCached, 2 * cache_.size());
  }
  db_->Post();
}

void RocksStore::Sync() {
  if (!read_only_) FinishWrite();
}

void RocksStore::HoldWrites(bool hold) { db_->Hold(hold); }

std::string RocksStore::LoadMeta(std::string_view name) const {
  db_->Wait();  // the last commit's, written
  std::string v;
  const rocksdb::Status s =
      db_->db->Get({}, db_->meta(), "meta." + std::string(name), &v);
  if (s.IsNotFound()) return {};
  if (!s.ok()) Fail(s, "cannot read the state's " + std::string(name));
  return v;
}

FrontierStore::Unfinished RocksStore::TakeUnfinished() {
  Unfinished u;
  std::swap(u, unfinished_);
  return u;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> RocksStore::QueuedByHost() const {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  for (std::uint32_t h = 0; h < queues_.size(); ++h) {
    const QueueSize n = Queued(h);
    if (n.retries + n.others != 0) out.emplace_back(h, n.retries + n.others);
  }
  return out;
}

std::size_t RocksStore::MemoryUsage() const {
  std::size_t bytes = queues_.capacity() * sizeof(Queue);
  for (const Queue& q : queues_) {
    for (const auto& [depth, groups] : q.levels) bytes += groups.size() * sizeof(Group);
  }
  bytes += cache_.MemoryUsage();
  for (const Pending* p : {&pending_, &writing_}) {  // ~64 bytes a node, and the links
    bytes += 64 * (p->queue_puts.size() + p->queue_deletes.size() + p->link_puts.size());
    for (const auto& [k, v] : p->link_puts) bytes += v.capacity();
  }
  bytes += hot_.size() * (sizeof(HotKey) + sizeof(QueueEntry) + 2 * sizeof(void*)) +
           hot_.bucket_count() * sizeof(void*);
  std::string v;
  if (db_->db->GetProperty("rocksdb.cur-size-all-mem-tables", &v)) bytes += std::stoull(v);
  return bytes;
}

}  // namespace crawl
