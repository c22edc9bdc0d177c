#include "crawler/state.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>

#include "crawl/crawler.h"
#include "crawl/url.h"
#include "engine/frontier.h"
#include "store/redis_store.h"
#include "store/rocks_store.h"
#include "util/codec.h"

namespace crawl {

std::int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

OptionList DefiningOptions(const CrawlOptions& o) {
  OptionList out;
  std::vector<std::string> seeds;
  for (const std::string& seed : o.seeds) {
    UrlResult url = NormalizeUrl(seed);
    if (!url.ok()) continue;  // refused by ValidateCrawlOptions
    StripUserInfo(url.url);
    seeds.push_back(std::move(url.url));
  }
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  for (std::string& seed : seeds) out.emplace_back("seed", std::move(seed));
  out.emplace_back("--scope", ScopeModeName(o.scope));
  for (const std::string& p : o.include) out.emplace_back("--include", p);
  for (const std::string& p : o.exclude) out.emplace_back("--exclude", p);
  out.emplace_back("--depth", o.max_depth < 0 ? "inf" : std::to_string(o.max_depth));
  out.emplace_back("--max-pages", std::to_string(o.max_pages));
  out.emplace_back("--max-pages-per-host", std::to_string(o.max_pages_per_host));
  out.emplace_back("--max-redirects", std::to_string(o.max_redirects));
  out.emplace_back("--ignore-robots", o.obey_robots ? "no" : "yes");
  out.emplace_back("--sitemaps", o.sitemaps ? "yes" : "no");
  return out;
}

std::string EncodeOptions(const OptionList& options) {
  std::string out;
  PutVarint(out, options.size());
  for (const auto& [name, value] : options) {
    PutString(out, name);
    PutString(out, value);
  }
  return out;
}

OptionList DecodeOptions(std::string_view bytes) {
  Reader in(bytes);
  OptionList out;
  const std::uint64_t n = in.Varint();
  for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
    std::string name(in.String());
    std::string value(in.String());
    out.emplace_back(std::move(name), std::move(value));
  }
  if (!in.done()) throw StoreError("the state is corrupted: its crawl options cannot be read");
  return out;
}

namespace {

// The values `list` has for `name`, joined by spaces ("none" if none).
std::string ValuesOf(const OptionList& list, const std::string& name) {
  std::string out;
  for (const auto& [n, v] : list) {
    if (n != name) continue;
    if (!out.empty()) out += ' ';
    out += v;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Status SameCrawl(const OptionList& saved, const OptionList& now,
                 const std::string& where, const std::string& advice) {
  if (saved == now) return Status();
  // The first name whose values differ, in the saved order.
  std::vector<std::string> names;
  for (const auto* list : {&saved, &now}) {
    for (const auto& [n, v] : *list) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }
  for (const std::string& name : names) {
    const std::string was = ValuesOf(saved, name), is = ValuesOf(now, name);
    if (was == is) continue;
    const std::string what = name == "seed" ? "the seeds" : name;
    return Status::InvalidArgument("the crawl " + where + " was started with " + what +
                                   " " + was + ", and this run has " + is + ": " + advice);
  }
  return Status::InvalidArgument("the crawl " + where + " was started with other options");
}

namespace {
constexpr std::int64_t kSampleEveryMs = 5'000;
constexpr std::int64_t kKeepMs = 65'000;
}  // namespace

void ProgressLog::Load(std::string_view bytes) {
  samples_.clear();
  if (bytes.empty()) return;
  Reader in(bytes);
  const std::uint64_t n = in.Varint();
  for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
    const auto ms = static_cast<std::int64_t>(in.Varint());
    samples_.emplace_back(ms, in.Varint());
  }
  if (!in.done()) throw StoreError("the state is corrupted: its progress log cannot be read");
}

void ProgressLog::Add(std::int64_t unix_ms, std::uint64_t pages) {
  // The latest sample moves with the clock until it is 5 s past the one
  // before it; then it stays, and a new one is the latest.
  if (samples_.size() >= 2 &&
      samples_.back().first - samples_[samples_.size() - 2].first < kSampleEveryMs) {
    samples_.back() = {unix_ms, pages};
  } else {
    samples_.emplace_back(unix_ms, pages);
  }
  // Keep one sample at least a minute old, for the rate over the minute.
  while (samples_.size() > 2 && unix_ms - samples_[1].first >= kKeepMs) {
    samples_.erase(samples_.begin());
  }
}

std::string ProgressLog::Encode() const {
  std::string out;
  PutVarint(out, samples_.size());
  for (const auto& [ms, pages] : samples_) {
    PutVarint(out, static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0)));
    PutVarint(out, pages);
  }
  return out;
}

double ProgressLog::PagesPerSecond() const {
  if (samples_.size() < 2) return 0;
  const auto& last = samples_.back();
  // The newest sample at least a minute before the last, else the oldest.
  auto from = samples_.front();
  for (const auto& s : samples_) {
    if (last.first - s.first >= 60'000) from = s;
  }
  const double seconds = static_cast<double>(last.first - from.first) / 1000;
  if (seconds <= 0 || last.second < from.second) return 0;
  return static_cast<double>(last.second - from.second) / seconds;
}

std::string EncodePosition(const OutputPosition& p) {
  std::string out;
  PutString(out, p.path);
  PutVarint(out, p.offset);
  return out;
}

OutputPosition DecodePosition(std::string_view bytes) {
  OutputPosition p;
  if (bytes.empty()) return p;
  Reader in(bytes);
  p.path = std::string(in.String());
  p.offset = in.Varint();
  if (!in.done()) throw StoreError("the state is corrupted: an output's position cannot be read");
  return p;
}

std::string EncodeWarcMark(const WarcMark& m) {
  std::string out;
  PutString(out, m.path);
  PutVarint(out, m.index);
  PutVarint(out, m.offset);
  PutString(out, m.warcinfo_id);
  PutVarint(out, m.cdx_chunks);
  return out;
}

WarcMark DecodeWarcMark(std::string_view bytes) {
  WarcMark m;
  if (bytes.empty()) return m;
  Reader in(bytes);
  m.path = std::string(in.String());
  m.index = in.Varint();
  m.offset = in.Varint();
  m.warcinfo_id = std::string(in.String());
  m.cdx_chunks = in.Varint();
  if (!in.done() || m.path.empty()) {
    throw StoreError("the state is corrupted: the WARC file's position cannot be read");
  }
  return m;
}

// --- crawl status ---

Result<CrawlStatus> ReadCrawlStatus(const std::string& state_dir, std::size_t top_hosts) {
  try {
    std::unique_ptr<RocksStore> store = RocksStore::Open(
        state_dir, FrontierStore::Order::kBreadthFirst, RocksStore::Mode::kReadOnly);
    CrawlStatus st;
    std::optional<Frontier::Committed> committed = Frontier::LoadCommitted(*store);
    if (const std::string o = store->LoadMeta(kOptionsMeta); !o.empty()) {
      st.options = DecodeOptions(o);
    }
    auto at = [](std::int64_t ms) {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
    };
    if (const std::string s = store->LoadMeta(kStartedMeta); s.size() == 8) {
      st.started = at(static_cast<std::int64_t>(GetBe(s, 0, 8)));
    }
    ProgressLog log;
    log.Load(store->LoadMeta(kProgressMeta));
    st.pages_per_second = log.PagesPerSecond();
    if (log.last_ms() != 0) st.last_commit = at(log.last_ms());
    st.finished = store->LoadMeta(FrontierStore::kFinishedMeta) == "1";
    const FrontierStore::Unfinished u = store->TakeUnfinished();
    std::vector<std::pair<std::uint32_t, std::uint64_t>> queued = store->QueuedByHost();
    std::uint64_t entries = u.waiting.size();
    for (const auto& [h, n] : queued) entries += n;
    // The pages in flight: those with an 'in flight' mark, and those whose
    // queue entries the store keeps until they are done with.
    st.in_flight = committed ? committed->in_flight : u.in_flight.size();
    const std::uint64_t kept = st.in_flight - std::min<std::uint64_t>(st.in_flight, u.in_flight.size());
    st.queued = entries - std::min(entries, kept);
    if (committed) {
      st.counts = std::move(committed->counts);
      std::sort(queued.begin(), queued.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      for (const auto& [h, n] : queued) {
        if (st.top_hosts.size() >= top_hosts) break;
        st.top_hosts.emplace_back(
            h < committed->hosts.size() ? committed->hosts[h].name : "#" + std::to_string(h), n);
      }
    }
    st.counts.discovered = store->size();
    return st;
  } catch (const StoreError& e) {
    return Status::FailedPrecondition(e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot read the state in ") + state_dir + ": " +
                            e.what());
  }
}

Result<ClusterStatus> ReadClusterStatus(const ClusterOptions& cluster, std::size_t top_hosts) {
  if (!RedisStore::ValidCrawlId(cluster.crawl_id)) {
    return Status::InvalidArgument("--crawl-id: 1 to 64 of A-Z a-z 0-9 . _ -");
  }
  RedisStoreOptions ro;
  for (const std::string& url : cluster.servers) {
    RedisEndpoint e;
    std::string error;
    if (!ParseRedisUrl(url, e, error)) return Status::InvalidArgument("--cluster: " + error);
    if (!cluster.password.empty()) e.password = cluster.password;
    ro.servers.push_back(std::move(e));
  }
  if (ro.servers.empty()) return Status::InvalidArgument("--cluster names no server");
  ro.crawl_id = cluster.crawl_id;
  ro.process_id = "status";
  ro.observer = true;
  // Status waits for no one: an unreachable server is an error at once.
  std::atomic<bool> stop{true};
  ro.stop = &stop;
  try {
    RedisStore store(std::move(ro), FrontierStore::Order::kBreadthFirst);
    const std::string options = store.ClaimOptions("");
    if (options.empty()) {
      return Status::FailedPrecondition("no crawl " + cluster.crawl_id + " on the cluster");
    }
    ClusterStatus out;
    out.options = DecodeOptions(options);
    const RedisStore::Status st = store.ReadStatus(top_hosts);
    out.started = st.started;
    out.finished = st.started && st.pending == 0;
    out.seen = st.seen;
    out.pending = st.pending;
    out.hosts = st.open_hosts;
    out.leased_hosts = st.leased_hosts;
    for (const RedisStore::ProcessStatus& p : st.processes) {
      out.processes.push_back({p.id, p.held, p.done, p.expires_in_s});
    }
    for (const RedisStore::Status::HostStatus& h : st.hosts) {
      out.top_hosts.push_back({h.name, h.pending, h.leased});
    }
    out.redis_bytes = st.redis_bytes;
    return out;
  } catch (const StoreError& e) {
    return Status::FailedPrecondition(e.what());
  }
}

}  // namespace crawl
