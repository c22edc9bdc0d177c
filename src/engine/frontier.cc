#include "engine/frontier.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <tuple>

#include "crawl/url.h"
#include "store/memory_store.h"
#include "util/codec.h"

namespace crawl {
namespace {

constexpr std::chrono::hours kRobotsTtl{24};
constexpr std::size_t kMaxSitemaps = 1000;
constexpr std::size_t kMaxSitemapUrls = 1'000'000;  // seeds from sitemaps

// How often a process exchanges with a shared store (at the least).
constexpr auto kExchangePeriod = std::chrono::milliseconds(20);

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(s));
}

// "https://a.example:8443/x?y" -> "https://a.example:8443".
std::string_view SiteKey(std::string_view url) {
  const std::size_t authority = url.find("://");
  if (authority == std::string_view::npos) return url;
  return url.substr(0, url.find('/', authority + 3));
}

// "https://a.example:8443/x?y" -> "https://a.example:8443"; "" without
// "://".
std::string_view OriginOf(std::string_view url) {
  return url.find("://") == std::string_view::npos ? std::string_view()
                                                    : SiteKey(url);
}

// "https://a.example/x?y" -> "/x?y".
std::string_view PathAndQuery(std::string_view url) {
  const std::size_t authority = url.find("://");
  if (authority == std::string_view::npos) return "/";
  const std::size_t path = url.find('/', authority + 3);
  return path == std::string_view::npos ? "/" : url.substr(path);
}

// A spider trap's signature: some path segment three or more times
// (/a/b/a/b/a/...).
// Runs on every new link, so: no allocation, and the common short path
// returns at once. Only the first kMaxSegments segments are looked at.
bool RepeatsSegment(std::string_view url) {
  constexpr std::size_t kMaxSegments = 32;
  std::string_view path = PathAndQuery(url);
  path = path.substr(0, path.find('?'));
  if (std::count(path.begin(), path.end(), '/') < 3) return false;
  std::array<std::string_view, kMaxSegments> segments;
  std::size_t n = 0;
  std::size_t start = 1;
  while (start <= path.size() && n < kMaxSegments) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) segments[n++] = path.substr(start, end - start);
    start = end + 1;
  }
  for (std::size_t i = 0; i + 2 < n; ++i) {
    int seen = 1;
    for (std::size_t j = i + 1; j < n && seen < 3; ++j) seen += segments[j] == segments[i];
    if (seen >= 3) return true;
  }
  return false;
}

bool Retryable(const FetchResult& r) {
  if (r.outcome == Outcome::kError) {
    return Retryable(r.error.kind);
  }
  if (r.outcome == Outcome::kHttpError) {
    const int s = r.http_status;
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 ||
           s == 504 || s == 522 || s == 524;
  }
  return false;
}

}  // namespace

static std::unique_ptr<FrontierStore> OwnStore(const FrontierOptions& options) {
  if (options.store != nullptr) return nullptr;
  return std::make_unique<MemoryStore>(
      options.order == FrontierOptions::Order::kDepthFirst
          ? FrontierStore::Order::kDepthFirst
          : FrontierStore::Order::kBreadthFirst);
}

Frontier::Frontier(const FrontierOptions& options)
    : options_(options),
      own_store_(OwnStore(options)),
      store_(options.store != nullptr ? *options.store : *own_store_),
      rng_(options.random_seed),
      requests_wanted_(options.hooks != nullptr && options.hooks->WantsRequests()),
      durable_(store_.durable()),
      shared_(store_.shared()) {
  if (durable_) Resume();
}

// The id of `key` in `ids`. A new key gets id `next`, and `create` is called
// with the stored key (whose characters stay put) to make its entry.
template <typename Create>
std::uint32_t Frontier::IdOf(StringMap<std::uint32_t>& ids, std::string_view key,
                             std::size_t next, Create&& create) {
  auto it = ids.find(key);
  if (it != ids.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(next);
  it = ids.emplace(std::string(key), id).first;
  create(std::string_view(it->first));
  return id;
}

std::uint32_t Frontier::HostOf(std::string_view url) {
  return IdOf(host_ids_, UrlHost(url), hosts_.size(), [&](std::string_view name) {
    hosts_.emplace_back().name = std::string(name);
    Touch(static_cast<std::uint32_t>(hosts_.size() - 1));
  });
}

std::uint32_t Frontier::SiteOf(std::string_view url) {
  return IdOf(site_ids_, SiteKey(url), sites_.size(), [&](std::string_view key) {
    sites_.emplace_back().key = std::string(key);
    const std::uint32_t host = HostOf(url);  // may grow hosts_, not sites_
    sites_.back().host = host;
  });
}

double Frontier::Jitter() {
  return std::uniform_real_distribution<double>(0.5, 1.5)(rng_);
}

// --delay is randomised both ways, x 0.5..1.5; a robots.txt Crawl-delay is
// a minimum, so its jitter only lengthens it (x 1.0..1.2). The larger wins.
double Frontier::Gap(const Host& host) {
  double gap = 0;
  if (options_.delay_s > 0) gap = options_.delay_s * Jitter();
  if (host.crawl_delay_s > 0) {
    gap = std::max(gap, host.crawl_delay_s *
                            std::uniform_real_distribution<double>(1.0, 1.2)(rng_));
  }
  return gap;
}

double Frontier::Backoff(int failures) {
  const double base =
      options_.retry_base_s * std::pow(2.0, std::min(failures, 30) - 1);
  return std::min(options_.max_retry_wait_s, base * Jitter());
}

bool Frontier::Admissible(std::string_view url) {
  if (options_.scope != nullptr) {
    if (const char* reason = options_.scope->Check(url)) {
      ++counts_.dropped[reason];
      return false;
    }
  }
  if (RepeatsSegment(url)) {
    ++counts_.dropped["trap"];
    return false;
  }
  return true;
}

// --- Admission: URL -> (robots) -> host queue ---

void Frontier::AddSeed(std::string_view url) {
  if (now_ == Clock::time_point{}) now_ = Clock::now();
  const UrlKey key = store_.Add(url).key;
  UrlState s = store_.Get(key);
  if (s.stage == UrlStage::kDiscovered) {
    s.depth = 0;
    s.parent = kNoUrl;
    store_.Set(key, s);
    Admit(key, s, /*seed=*/true);
  } else {
    Relax(key, 0, kNoUrl);  // known already: at most a shorter depth
  }
  Publish();
}

// `s` is key's state, with its depth and parent set.
void Frontier::Admit(UrlKey key, UrlState s, bool seed) {
  if (shared_ && !arriving_) {  // the crawl admits it, at its host's holder
    s.stage = UrlStage::kDone;
    store_.Set(key, s);
    store_.Offer(key, s);
    return;
  }
  ++reached_;
  store_.Url(key, url_);
  // The origin (scheme + authority) has the URL's host, and is its site
  // key; a URL without "://" is its own.
  const std::string_view origin = OriginOf(url_);
  const std::uint32_t h = HostOf(origin);
  s.host = h;
  Host& host = hosts_[h];
  if (options_.max_pages_per_host != 0 &&
      host.admitted >= options_.max_pages_per_host) {
    s.stage = UrlStage::kDone;
    store_.Set(key, s);
    ++counts_.dropped["max_pages_per_host"];
    return;
  }
  ++host.admitted;
  Touch(h);
  ++queued_pages_;
  if (!options_.obey_robots) return Enqueue(key, s, seed);

  const std::uint32_t site_id = SiteOf(origin.empty() ? std::string_view(url_) : origin);
  Site& site = sites_[site_id];
  if (site.robots == Site::Robots::kReady && now_ >= site.expires) {
    site.robots = Site::Robots::kUnknown;  // stale: fetch it again
    site.attempts = 0;
  }
  switch (site.robots) {
    case Site::Robots::kReady:
      if (site.rules.Allowed(PathAndQuery(url_))) {
        Enqueue(key, s, seed);
      } else {
        --queued_pages_;
        store_.Set(key, s);
        Block(key, site);
      }
      return;
    case Site::Robots::kUnknown:
      site.robots = Site::Robots::kFetching;
      PushEntry(site.host, {QueueEntry::Kind::kRobots, site_id}, Place::kUrgent);
      [[fallthrough]];
    case Site::Robots::kFetching:
      s.stage = UrlStage::kWaiting;
      store_.Set(key, s);
      sites_[site_id].waiting.push_back(key);
      return;
  }
}

// Breadth-first, a page goes into the group of its parent at its depth now
// (if it shrinks while queued, the page stays where it is): a page's links
// are queued together, so they extend one group. Depth-first, a seed goes
// under what is there (pops are from the top), so seeds are fetched in the
// order given.
void Frontier::Enqueue(UrlKey key, UrlState s, bool seed) {
  s.stage = UrlStage::kQueued;
  store_.Set(key, s);
  Host& host = hosts_[s.host];
  store_.Push(s.host, {QueueEntry::Kind::kPage, key},
              seed ? Place::kSeed : Place::kPage, s.depth, s.parent);
  ++host.queued;
  ++queued_entries_;
  Schedule(s.host, now_);
}

// A robots.txt or sitemap task, taken next after the host's retries.
void Frontier::PushEntry(std::uint32_t h, QueueEntry entry, Place place) {
  store_.Push(h, entry, place);
  ++hosts_[h].queued;
  ++queued_entries_;
  Schedule(h, now_);
}

// Puts host `h` in ready_ or timers_ if it has work that may start and a
// free slot; otherwise whatever changes that (a push, a completion) calls
// this again.
void Frontier::Schedule(std::uint32_t h, Clock::time_point now) {
  Host& host = hosts_[h];
  if (host.scheduled || !HasWork(host)) return;
  if (options_.per_host > 0 && host.in_flight >= options_.per_host) return;
  host.scheduled = true;
  if (host.next_allowed <= now) {
    ready_.push_back(h);
  } else {
    timers_.emplace(host.next_allowed, h);
  }
}

// Once per crawl, when max_pages is reached: from then on only retries may
// start, so hosts without one leave the schedule, and ready_ and timers_
// hold only hosts Next() will serve (a retry queued later schedules its host
// again).
void Frontier::Unschedule() {
  std::deque<std::uint32_t> ready;
  for (const std::uint32_t h : ready_) {
    if (HasWork(hosts_[h])) {
      ready.push_back(h);
    } else {
      hosts_[h].scheduled = false;
    }
  }
  ready_.swap(ready);
  std::vector<Timer> timers;
  for (; !timers_.empty(); timers_.pop()) {
    const Timer& t = timers_.top();
    if (HasWork(hosts_[t.second])) {
      timers.push_back(t);
    } else {
      hosts_[t.second].scheduled = false;
    }
  }
  for (const Timer& t : timers) timers_.push(t);
}

void Frontier::Block(UrlKey key, const Site& site) {
  UrlState s = store_.Get(key);
  s.stage = UrlStage::kDone;
  store_.Set(key, s);
  FetchResult r;
  if (site.refusal.kind != ErrorKind::kNone) {
    // Not robots.txt's verdict but ours: the site may not be contacted.
    r.outcome = Outcome::kError;
    r.error = site.refusal;
  } else {
    r.outcome = Outcome::kRobots;
    r.error = {ErrorKind::kRobots, site.unavailable.empty()
                             ? "disallowed by " + site.key + "/robots.txt"
                             : site.unavailable};
  }
  r.fetched_at = std::chrono::system_clock::now();
  Count(r);
  out_.push_back(MakeRecord(key, s, std::move(r)));
}

// --- Dispatch ---

std::optional<Task> Frontier::Next(Clock::time_point now) {
  now_ = now;
  // Visits first: a URL Visit()ed for a page is offered before the page's
  // completion is sent.
  if (options_.hooks != nullptr) TakeVisits();
  if (shared_) Exchange(now, /*force=*/false);
  // Once max_pages pages are out, only their retries may still go.
  if (!MoreToDispatch()) return std::nullopt;
  while (!timers_.empty() && timers_.top().first <= now) {
    const std::uint32_t h = timers_.top().second;
    timers_.pop();
    hosts_[h].scheduled = false;
    Schedule(h, now);
  }
  while (!ready_.empty()) {
    const std::uint32_t h = ready_.front();
    ready_.pop_front();
    Host& host = hosts_[h];
    host.scheduled = false;
    if (!HasWork(host) ||
        (options_.per_host > 0 && host.in_flight >= options_.per_host)) {
      continue;  // rescheduled by the push or completion that changes that
    }
    if (host.next_allowed > now) {  // its delay grew meanwhile
      Schedule(h, now);
      continue;
    }
    if (shared_ && !store_.Holds(host.name)) {  // its lease lapsed
      Release(host.name);
      continue;
    }
    // A retry first, whatever else waits; max_pages does not hold it back.
    const std::optional<QueueEntry> taken = store_.Take(h);
    if (!taken) {  // HasWork() said otherwise: the store lost count
      throw StoreError("the state is inconsistent: a host's queue is empty but counted");
    }
    const QueueEntry entry = *taken;
    if (host.retries != 0) {
      --host.retries;
      --retrying_;
    } else {
      --host.queued;
      --queued_entries_;
    }
    Task task;
    UrlState s;
    if (entry.kind == QueueEntry::Kind::kPage) {
      s = store_.Get(entry.key);
      if (requests_wanted_) {
        if (!Ask(entry.key, s, task)) {
          Schedule(h, now);  // skipped: the host may have more
          continue;
        }
        // OnRequest stopped the crawl: nothing more goes out. The page
        // stays queued (counted as dropped "stopped"), with the retries.
        if (Stopped()) {
          uncommitted_ = true;
          store_.Push(h, entry, Place::kRetry);
          ++host.retries;
          ++retrying_;
          return std::nullopt;
        }
      }
    }
    ++host.in_flight;
    ++in_flight_;
    if (const double gap = Gap(host); gap > 0) host.next_allowed = now + Seconds(gap);

    task.kind = entry.kind;
    task.id = entry.key;
    switch (entry.kind) {
      case QueueEntry::Kind::kPage: {
        s.stage = UrlStage::kInFlight;
        store_.Set(entry.key, s);
        --queued_pages_;
        ++in_flight_pages_;
        if (s.attempts == 0) ++in_flight_first_;
        if (s.attempts == 0 && ++dispatched_ == options_.max_pages) {
          Unschedule();  // the last new page: only retries from here on
        }
        store_.Url(entry.key, task.url);
        task.attempt = s.attempts + 1;
        break;
      }
      case QueueEntry::Kind::kRobots:
        task.url = sites_[entry.key].key + "/robots.txt";
        task.attempt = sites_[entry.key].attempts + 1;
        break;
      case QueueEntry::Kind::kSitemap:
        task.url = sitemaps_[entry.key].url;
        break;
    }
    Schedule(h, now);  // round-robin: behind the other ready hosts
    Publish();
    return task;
  }
  return std::nullopt;
}

// Every host in ready_ has work that may start and a free slot (see
// Schedule and Unschedule), so each adds at least one and the loop stays
// O(at_most).
std::size_t Frontier::Ready(std::size_t at_most) const {
  if (!MoreToDispatch()) return 0;
  std::size_t n = 0;
  for (std::uint32_t h : ready_) {
    if (n >= at_most) break;
    const Host& host = hosts_[h];
    std::size_t free = host.retries;
    if (!PagesExhausted()) free += host.queued;
    if (options_.per_host > 0) {
      free = std::min<std::size_t>(
          free, static_cast<std::size_t>(std::max(0, options_.per_host - host.in_flight)));
    }
    n += free;
  }
  if (options_.max_pages != 0) {  // no more than the pages left, and retries
    n = std::min<std::uint64_t>(n, options_.max_pages - std::min(options_.max_pages, dispatched_) + retrying_);
  }
  return std::min(n, at_most);
}

bool Frontier::Done() const {
  if (in_flight_ != 0 || MoreToDispatch()) return false;
  // Shared: the rest of the crawl too, unless this process is leaving.
  if (shared_ && !Stopped() && !PagesExhausted() && !store_.Finished()) return false;
  // A URL Visit()ed just now is more to dispatch; once stopped, it is not.
  return options_.hooks == nullptr || options_.hooks->CloseVisits(Stopped());
}

// `s` is page key's state.
bool Frontier::Ask(UrlKey key, UrlState& s, Task& task) {
  if (s.attempts > 0) {  // a retry: the same request again
    if (auto it = requests_.find(key); it != requests_.end()) {
      task.request = it->second;
    }
    return true;
  }
  store_.Url(key, url_);
  auto request = std::make_shared<Request>(url_);
  request->depth = s.depth;
  if (s.parent != kNoUrl) request->parent = store_.Url(s.parent);
  if (auto own = data_.find(key); own != data_.end()) {
    request->data = own->second;  // from Visit()
  } else if (s.parent != kNoUrl) {
    if (auto up = data_.find(s.parent); up != data_.end()) {
      request->data = up->second;
    }
  }
  task.failure = options_.hooks->OnRequest(*request);
  if (request->url != url_ && task.failure.kind == ErrorKind::kNone) {
    // The URL is the crawl's (scoped, deduplicated, robots-checked): a
    // callback may not send the request elsewhere.
    task.failure = {ErrorKind::kCallback, "OnRequest changed the request's URL"};
    request->url = url_;
  }
  if (request->skipped()) {
    s.stage = UrlStage::kDone;
    store_.Set(key, s);
    --queued_pages_;
    ++counts_.dropped["skipped"];
    data_.erase(key);
    return false;
  }
  if (request->data.empty()) {
    data_.erase(key);
  } else {
    data_[key] = request->data;
  }
  requests_[key] = request;
  task.request = std::move(request);
  return true;
}

void Frontier::TakeVisits() {
  options_.hooks->TakeVisits(visits_);
  for (auto& [url, data] : visits_) {
    AddSeed(url);
    const UrlKey key = store_.Find(url);
    if (key == kNoUrl || data.empty()) continue;
    const UrlStage stage = store_.Get(key).stage;
    if (stage != UrlStage::kInFlight && stage != UrlStage::kDone) {
      data_[key] = std::move(data);
    }
  }
  visits_.clear();
}

// Every host in timers_ has work that may start (see Unschedule), so the
// time is when Next() will serve one (or, if its delay grew meanwhile, find
// the later time).
std::optional<Clock::time_point> Frontier::NextWakeup() const {
  if (shared_) {  // the next exchange, at the latest
    if (MoreToDispatch() && !timers_.empty()) {
      return std::min(timers_.top().first, next_exchange_);
    }
    return next_exchange_;
  }
  if (!MoreToDispatch() || timers_.empty()) return std::nullopt;
  return timers_.top().first;
}

// --- Completion ---

std::vector<PageRecord> Frontier::Complete(const Task& task, TaskResult result,
                                           Clock::time_point now) {
  now_ = now;
  std::uint32_t h = 0;
  switch (task.kind) {
    case QueueEntry::Kind::kPage: h = store_.Get(task.id).host; break;
    case QueueEntry::Kind::kRobots: h = sites_[task.id].host; break;
    case QueueEntry::Kind::kSitemap: h = sitemaps_[task.id].host; break;
  }
  --hosts_[h].in_flight;
  --in_flight_;
  if (task.kind == QueueEntry::Kind::kPage) {
    --in_flight_pages_;
    if (task.attempt == 1) --in_flight_first_;
  }
  if (shared_ && !store_.Holds(hosts_[h].name)) {
    // The host's lease was lost meanwhile: the result is not this
    // process's to keep (its new holder fetches the URL again).
    Release(hosts_[h].name);
    if (task.kind == QueueEntry::Kind::kPage) {
      UrlState s = store_.Get(task.id);
      s.stage = UrlStage::kDone;
      store_.Set(task.id, s);
      if (hosts_[h].admitted != 0) --hosts_[h].admitted;  // admitted again if it comes back
      ++counts_.dropped["lease_lost"];
      if (options_.hooks != nullptr) requests_.erase(task.id);
    }
    Publish();
    return {};
  }
  switch (task.kind) {
    case QueueEntry::Kind::kPage:
      if (options_.hooks != nullptr && task.request != nullptr) {
        options_.hooks->OnResult(*task.request, result.page);
      }
      if (CompletePage(task, std::move(result.page), now) && options_.hooks != nullptr) {
        requests_.erase(task.id);
      }
      break;
    case QueueEntry::Kind::kRobots: CompleteRobots(task, std::move(result.document), now); break;
    case QueueEntry::Kind::kSitemap: CompleteSitemap(task, std::move(result.document), now); break;
  }
  Schedule(h, now);
  Publish();
  std::vector<PageRecord> records;
  records.swap(out_);
  if (!records.empty()) unflushed_ = true;
  return records;
}

PageRecord Frontier::Complete(const Task& task, FetchResult result) {
  TaskResult r;
  r.page = std::move(result);
  std::vector<PageRecord> records = Complete(task, std::move(r), Clock::now());
  return records.empty() ? PageRecord() : std::move(records.back());
}

bool Frontier::CompletePage(const Task& task, FetchResult result,
                            Clock::time_point now) {
  const UrlKey key = task.id;
  UrlState s = store_.Get(key);
  Host& host = hosts_[s.host];
  if ((durable_ || shared_) && Stopped() && result.outcome == Outcome::kError &&
      result.error.kind == ErrorKind::kCancelled) {
    // Cut off by the stop: not this URL's result. It stays queued in the
    // state, at the front of its host's queue, for the run that resumes
    // the crawl: a retry as a retry, a first attempt as a page not yet
    // dispatched (max_pages counts it when it goes out again). Shared: it
    // stays pending in the cluster, for the host's next holder.
    s.stage = UrlStage::kQueued;
    store_.Set(key, s);
    ++queued_pages_;
    if (s.attempts == 0) {
      store_.Push(s.host, {QueueEntry::Kind::kPage, key}, Place::kUrgent);
      ++host.queued;
      ++queued_entries_;
      if (dispatched_ != 0) --dispatched_;
    } else {
      store_.Push(s.host, {QueueEntry::Kind::kPage, key}, Place::kRetry);
      ++host.retries;
      ++retrying_;
    }
    return false;
  }
  ++s.attempts;
  if (Retryable(result)) {
    ++host.failures;
    if (s.attempts <= options_.retries && !Stopped()) {
      // Wait as the server asked (capped), else back off; the whole host
      // waits, and longer the more it fails.
      const double wait = result.retry_after_s >= 0
                              ? std::min(result.retry_after_s, options_.max_retry_wait_s)
                              : Backoff(host.failures);
      host.next_allowed = std::max(host.next_allowed, now + Seconds(wait));
      s.stage = UrlStage::kQueued;
      store_.Set(key, s);
      ++queued_pages_;
      ++retrying_;  // max_pages counts pages, not attempts
      store_.Push(s.host, {QueueEntry::Kind::kPage, key}, Place::kRetry);
      ++host.retries;
      Schedule(s.host, now);
      return false;
    }
  } else if (result.outcome != Outcome::kError) {
    host.failures = 0;
  }
  s.stage = UrlStage::kDone;
  store_.Set(key, s);
  result.attempts = s.attempts;

  // Once no new page can be fetched, links would only cost memory.
  // (Shared: max_pages is this process's; the others follow the links.)
  if (PagesExhausted() && !shared_) result.links.clear();
  // Depth-first pops from the top: admit the links last-first, so the
  // page's first link is fetched next.
  const bool dfs = options_.order == FrontierOptions::Order::kDepthFirst;
  const std::size_t n = result.links.size();
  auto link = [&](std::size_t k) -> const std::string& {
    return result.links[dfs ? n - 1 - k : k];
  };
  // The links' keys: known ones found, new admissible ones added in one
  // batch. Only admissible URLs are ever added, so a known one needs no
  // check.
  constexpr UrlKey kPending = kNoUrl - 1;
  link_views_.clear();
  for (std::size_t k = 0; k < n; ++k) link_views_.push_back(link(k));
  store_.FindMany(link_views_, found_);
  link_keys_.assign(n, kNoUrl);
  fresh_.clear();
  for (std::size_t k = 0; k < n; ++k) {
    if (found_[k].key != kNoUrl) {
      link_keys_[k] = found_[k].key;
    } else if (Admissible(link(k))) {
      link_keys_[k] = kPending;
      fresh_.push_back(link(k));
    }
  }
  if (!fresh_.empty()) {
    store_.AddIfNew(fresh_, added_);
    std::size_t next = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (link_keys_[k] != kPending) continue;
      link_keys_[k] = added_[next++].key;
      found_[k] = {link_keys_[k], UrlState()};  // unreached: relaxed below
    }
  }
  // A known link whose depth cannot shrink needs nothing more (depths only
  // shrink, so what FindMany read still says so); the rest are relaxed.
  std::size_t kept = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (link_keys_[k] == kNoUrl) continue;
    link_keys_[kept] = link_keys_[k];
    found_[kept] = found_[k];
    ++kept;
  }
  link_keys_.resize(kept);
  if (options_.max_depth >= 0) store_.SetLinks(key, link_keys_);
  for (std::size_t k = 0; k < kept; ++k) {
    if (found_[k].state.depth <= s.depth + 1) continue;
    Relax(link_keys_[k], s.depth + 1, key);
  }

  if (result.outcome == Outcome::kRedirect && !result.redirect_to.empty()) {
    const int hops = s.hops + 1;
    if (hops > options_.max_redirects) {
      result.outcome = Outcome::kError;
      result.error = {ErrorKind::kRedirectLimit,
                      "more than " + std::to_string(options_.max_redirects) +
                          " redirects in a row; not following " +
                          result.redirect_to};
    } else if (Admissible(result.redirect_to)) {
      const UrlKey target = store_.Add(result.redirect_to).key;
      UrlState t = store_.Get(target);
      if (t.stage == UrlStage::kDiscovered && t.depth == kUnreached) {
        t.hops = static_cast<std::uint8_t>(hops);
        store_.Set(target, t);
      }
      store_.SetRedirect(key, target);
      Relax(target, s.depth, key);  // same depth: not a link
    }
  }
  Count(result);
  out_.push_back(MakeRecord(key, s, std::move(result)));
  return true;
}

void Frontier::CompleteRobots(const Task& task, Document doc,
                              Clock::time_point now) {
  Site& site = sites_[task.id];
  Host& host = hosts_[site.host];
  ++site.attempts;
  const int status = doc.http_status;
  const bool received = doc.error.kind == ErrorKind::kNone;
  site.unavailable.clear();
  site.refusal = {};
  if (!received && Stopped()) return;  // cancelled: its pages stay unfetched
  if (doc.error.kind == ErrorKind::kPrivateAddress && doc.final_url == task.url) {
    // Our own policy refused the site itself: its pages would be refused
    // likewise, so they get that error rather than a robots verdict.
    site.rules = RobotsRules::DisallowAll();
    site.refusal = std::move(doc.error);
  } else if (doc.error.kind == ErrorKind::kPrivateAddress) {
    // robots.txt redirected into an address we may not contact: a broken
    // redirect, so "unavailable" (RFC 9309 2.3.1.2): allow all.
    site.rules = RobotsRules::AllowAll();
  } else if (received && status >= 200 && status < 300) {
    site.rules = RobotsRules::Parse(doc.body, options_.robots_token);
  } else if (received && status >= 300 && status < 500 && status != 429) {
    // 4xx, or more than five redirects: "unavailable", so allow all
    // (RFC 9309 2.3.1.3 and 2.3.1.2). Not 429: a server that asks us to
    // slow down is treated as unreachable, like 5xx (as Google does).
    site.rules = RobotsRules::AllowAll();
  } else {
    // 5xx or no response: "unreachable". Disallow all for now; try again
    // later, up to `retries` times, before giving up on this site.
    ++host.failures;
    if (site.attempts <= options_.retries && !Stopped()) {
      host.next_allowed = std::max(host.next_allowed, now + Seconds(Backoff(host.failures)));
      PushEntry(site.host, {QueueEntry::Kind::kRobots, task.id}, Place::kUrgent);
      return;
    }
    site.rules = RobotsRules::DisallowAll();
    if (received) {
      site.unavailable = site.key + "/robots.txt is unreachable (HTTP " +
                         std::to_string(status) + "): disallowing all";
    } else {
      // No response at all: the site's pages get that error (a refused
      // connection is "connect", not a robots.txt verdict), unfetched.
      site.refusal = {doc.error.kind, site.key + "/robots.txt could not be "
                                      "fetched, so neither is this page: " +
                                      doc.error.message};
    }
  }
  site.robots = Site::Robots::kReady;
  site.expires = now + kRobotsTtl;
  if (auto delay = site.rules.crawl_delay()) {
    host.crawl_delay_s = std::max(host.crawl_delay_s,
                                  std::min(*delay, options_.max_crawl_delay_s));
    Touch(site.host);
  }
  std::vector<std::uint32_t> sitemaps;
  sitemaps.swap(site.waiting_sitemaps);
  for (std::uint32_t id : sitemaps) {
    const SitemapTask& sm = sitemaps_[id];
    if (site.refusal.kind == ErrorKind::kNone && site.rules.Allowed(PathAndQuery(sm.url))) {
      PushEntry(sm.host, {QueueEntry::Kind::kSitemap, id}, Place::kUrgent);
    } else {
      ++counts_.dropped["robots"];
      SitemapDone(id);
    }
  }
  if (options_.sitemaps) {
    const std::string robots_url = site.key + "/robots.txt";
    for (const std::string& s : site.rules.sitemaps()) {
      UrlResult url = ResolveUrl(robots_url, s, options_.max_url_length);
      if (url.ok() && Admissible(url.url)) AddSitemap(url.url);
    }
  }
  std::vector<UrlKey> waiting;
  waiting.swap(sites_[task.id].waiting);
  const Site& ready = sites_[task.id];  // AddSitemap may have grown sites_
  for (const UrlKey key : waiting) {
    store_.Url(key, url_);
    if (ready.refusal.kind == ErrorKind::kNone && ready.rules.Allowed(PathAndQuery(url_))) {
      const UrlState s = store_.Get(key);
      Enqueue(key, s, s.depth == 0);
    } else {
      --queued_pages_;
      Block(key, ready);
    }
  }
}

void Frontier::AddSitemap(const std::string& url) {
  // Once each: robots.txt fetched again (its rules expired, or by a resumed
  // crawl) names the same sitemaps, and a sitemap index may name itself.
  if (sitemap_ids_.contains(url)) return;
  if (sitemaps_.size() >= kMaxSitemaps) {
    ++counts_.dropped["sitemap_limit"];
    return;
  }
  const auto id = static_cast<std::uint32_t>(sitemaps_.size());
  sitemaps_.push_back({url, HostOf(url)});
  sitemap_ids_.emplace(url, id);
  sitemaps_dirty_ = durable_;
  QueueSitemap(id);
}

void Frontier::SitemapDone(std::uint32_t id) {
  sitemaps_[id].done = true;
  sitemaps_dirty_ = durable_;
}

void Frontier::QueueSitemap(std::uint32_t id) {
  const std::string& url = sitemaps_[id].url;
  if (!options_.obey_robots) {
    PushEntry(sitemaps_[id].host, {QueueEntry::Kind::kSitemap, id}, Place::kUrgent);
    return;
  }
  const std::uint32_t s = SiteOf(url);
  Site& site = sites_[s];
  switch (site.robots) {
    case Site::Robots::kReady:
      if (site.refusal.kind == ErrorKind::kNone && site.rules.Allowed(PathAndQuery(url))) {
        PushEntry(sitemaps_[id].host, {QueueEntry::Kind::kSitemap, id}, Place::kUrgent);
      } else {
        ++counts_.dropped["robots"];
        SitemapDone(id);
      }
      return;
    case Site::Robots::kUnknown:
      site.robots = Site::Robots::kFetching;
      PushEntry(site.host, {QueueEntry::Kind::kRobots, s}, Place::kUrgent);
      [[fallthrough]];
    case Site::Robots::kFetching:
      sites_[s].waiting_sitemaps.push_back(id);
      return;
  }
}

void Frontier::CompleteSitemap(const Task& task, Document doc,
                               Clock::time_point) {
  const auto id = static_cast<std::uint32_t>(task.id);
  if (durable_ && Stopped() && doc.error.kind == ErrorKind::kCancelled) {
    return;  // cut off by the stop: not done, fetched when the crawl resumes
  }
  SitemapDone(id);
  if (doc.error.kind != ErrorKind::kNone || doc.http_status < 200 || doc.http_status >= 300) {
    ++counts_.dropped["sitemap_unavailable"];
    return;
  }
  Sitemap map = ParseSitemap(doc.body);
  const std::string base = sitemaps_[task.id].url;
  for (const std::string& loc : map.sitemaps) {
    UrlResult url = ResolveUrl(base, loc, options_.max_url_length);
    if (url.ok() && Admissible(url.url)) AddSitemap(url.url);
  }
  for (const std::string& loc : map.urls) {
    if (sitemap_seeds_ >= kMaxSitemapUrls) {
      ++counts_.dropped["sitemap_limit"];
      continue;
    }
    ++sitemap_seeds_;
    UrlResult url = ResolveUrl(base, loc, options_.max_url_length);
    if (!url.ok()) {
      ++counts_.dropped[UrlDropName(url.drop)];
      continue;
    }
    if (Admissible(url.url)) AddSeed(url.url);
  }
}

void Frontier::Relax(UrlKey key, int depth, UrlKey parent) {
  std::vector<std::tuple<UrlKey, int, UrlKey>> work{{key, depth, parent}};
  std::vector<UrlKey> links;
  while (!work.empty()) {
    auto [k, d, p] = work.back();
    work.pop_back();
    UrlState s = store_.Get(k);
    if (d >= s.depth) continue;
    s.depth = d;
    s.parent = p;
    store_.Set(k, s);
    switch (s.stage) {
      case UrlStage::kDiscovered:
        if (WithinDepth(d)) Admit(k, s, /*seed=*/false);
        break;
      case UrlStage::kWaiting:
      case UrlStage::kQueued:
      case UrlStage::kInFlight:
        break;  // Next() and Complete() read the shorter depth.
      case UrlStage::kDone: {
        // Already fetched: its links (and redirect) may now be within reach.
        store_.Links(k, links);
        for (const UrlKey link : links) work.emplace_back(link, d + 1, k);
        if (const UrlKey to = store_.Redirect(k); to != kNoUrl) {
          work.emplace_back(to, d, k);
        }
        break;
      }
    }
  }
}

// --- Accounting ---

PageRecord Frontier::MakeRecord(UrlKey key, const UrlState& s,
                                FetchResult result) const {
  PageRecord record;
  record.url = store_.Url(key);
  record.depth = s.depth;
  record.hops = s.hops;
  if (s.parent != kNoUrl) record.parent = store_.Url(s.parent);
  record.result = std::move(result);
  return record;
}

void Frontier::Count(const FetchResult& r) {
  ++counts_.pages;
  switch (r.outcome) {
    case Outcome::kFetched: ++counts_.fetched; break;
    case Outcome::kRedirect: ++counts_.redirects; break;
    case Outcome::kNotFound: ++counts_.not_found; break;
    case Outcome::kHttpError: ++counts_.http_errors; break;
    case Outcome::kRobots: ++counts_.robots; break;
    case Outcome::kError:
      ++counts_.errors;
      ++counts_.error_kinds[r.error.kind == ErrorKind::kNone
                                ? "unknown"
                                : ErrorKindName(r.error.kind)];
      break;
  }
  static const char* const kClasses[] = {"none", "1xx", "2xx", "3xx",
                                         "4xx",  "5xx"};
  const int c = r.http_status / 100;
  ++counts_.status_classes[c >= 1 && c <= 5 ? kClasses[c] : "none"];
  counts_.bytes += r.bytes;
  if (r.attempts > 1) counts_.retries += r.attempts - 1;
  for (const auto& [reason, n] : r.dropped_links) counts_.dropped[reason] += n;
}

void Frontier::Publish() {
  uncommitted_ = true;
  if (options_.progress == nullptr) return;
  CrawlProgress& p = *options_.progress;
  constexpr auto kRelaxed = std::memory_order_relaxed;
  p.pages.store(counts_.pages, kRelaxed);
  p.in_flight.store(in_flight_, kRelaxed);
  p.queued.store(queued_pages_, kRelaxed);
  p.errors.store(counts_.errors, kRelaxed);
  p.bytes.store(counts_.bytes, kRelaxed);
}

CrawlSummary Frontier::Summary() const {
  CrawlSummary s = counts_;
  s.discovered = store_.size();
  s.stopped = Stopped();
  s.resumed = resumed_;
  s.requeued = requeued_;
  // Every URL seen leaves kDiscovered once, when admitted; the others were
  // never within reach. (Shared: most were offered, admitted elsewhere.)
  if (const std::uint64_t beyond_depth = shared_ ? 0 : s.discovered - reached_) {
    s.dropped["depth"] += beyond_depth;
  }
  if (queued_pages_) s.dropped[s.stopped ? "stopped" : "max_pages"] += queued_pages_;
  return s;
}

// --- Durability ---
//
// What a Commit saves besides the store's own state: "policy" (the counts,
// the dispatch and admission counters, the number of hosts) and, for each
// host changed since the last commit, "host.ID" (its name, URLs admitted,
// robots.txt Crawl-delay). robots.txt rules themselves are not saved: a
// resumed crawl fetches a site's robots.txt again before its next new URL.

namespace {

constexpr std::uint64_t kPolicyFormat = 2;

void PutCounts(std::string& out, const std::map<std::string, std::uint64_t>& m) {
  PutVarint(out, m.size());
  for (const auto& [name, n] : m) {
    PutString(out, name);
    PutVarint(out, n);
  }
}

bool GetCounts(Reader& in, std::map<std::string, std::uint64_t>& m) {
  const std::uint64_t n = in.Varint();
  for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
    const std::string name(in.String());
    m[name] = in.Varint();
  }
  return in.ok();
}

std::string HostMetaName(std::uint32_t h) { return "host." + std::to_string(h); }
constexpr char kSitemapsMeta[] = "sitemaps";

}  // namespace

void Frontier::Commit(FrontierStore::Meta outputs, bool finished) {
  if (!durable_) return;
  std::string policy;
  PutVarint(policy, kPolicyFormat);
  const CrawlSummary& c = counts_;
  for (const std::uint64_t n : {c.pages, c.fetched, c.redirects, c.not_found, c.http_errors,
                                c.errors, c.robots, c.retries, c.bytes, c.callback_errors}) {
    PutVarint(policy, n);
  }
  PutCounts(policy, c.status_classes);
  PutCounts(policy, c.error_kinds);
  PutCounts(policy, c.dropped);
  // A first attempt in flight is dispatched again by a resumed crawl, and
  // counted then.
  PutVarint(policy, dispatched_ - in_flight_first_);
  PutVarint(policy, in_flight_pages_);
  PutVarint(policy, reached_);
  PutVarint(policy, sitemap_seeds_);
  PutVarint(policy, hosts_.size());
  outputs.emplace_back("policy", std::move(policy));
  for (const std::uint32_t h : dirty_hosts_) {
    std::string v;
    PutString(v, hosts_[h].name);
    PutVarint(v, hosts_[h].admitted);
    std::uint64_t bits;
    std::memcpy(&bits, &hosts_[h].crawl_delay_s, sizeof bits);
    PutBe(v, bits, 8);
    outputs.emplace_back(HostMetaName(h), std::move(v));
  }
  if (sitemaps_dirty_) {
    std::string v;
    PutVarint(v, sitemaps_.size());
    for (const SitemapTask& sm : sitemaps_) {
      PutString(v, sm.url);
      v.push_back(sm.done ? 1 : 0);
    }
    outputs.emplace_back(kSitemapsMeta, std::move(v));
  }
  if (finished) outputs.emplace_back(FrontierStore::kFinishedMeta, "1");
  store_.Commit(outputs);
  sitemaps_dirty_ = false;
  for (const std::uint32_t h : dirty_hosts_) hosts_[h].dirty = false;
  dirty_hosts_.clear();
  uncommitted_ = false;
}

void Frontier::Checkpoint(bool end) {
  if (shared_) {
    if (!end) return Exchange(Clock::now(), /*force=*/false);
    // Leaving: the records out, then what waits sent and the leases given
    // back (no more hosts taken, no news read).
    FlushRecords();
    store_.Sync();
    return;
  }
  if (!durable_ || (!uncommitted_ && !end)) return;
  FrontierStore::Meta outputs;
  if (options_.hooks != nullptr) options_.hooks->Checkpoint(outputs);
  Commit(std::move(outputs), end && !Stopped());
  if (end) store_.Sync();  // the crawl's last commit is written when it returns
}

std::optional<Frontier::Committed> Frontier::LoadCommitted(const FrontierStore& store) {
  const std::string policy = store.LoadMeta("policy");
  if (policy.empty()) return std::nullopt;  // nothing committed yet
  auto corrupt = [](const std::string& what) {
    return StoreError("the state is corrupted: its " + what + " cannot be read");
  };
  Committed out;
  Reader in(policy);
  if (in.Varint() != kPolicyFormat) throw corrupt("policy");
  CrawlSummary& c = out.counts;
  for (std::uint64_t* n : {&c.pages, &c.fetched, &c.redirects, &c.not_found, &c.http_errors,
                           &c.errors, &c.robots, &c.retries, &c.bytes, &c.callback_errors}) {
    *n = in.Varint();
  }
  if (!GetCounts(in, c.status_classes) || !GetCounts(in, c.error_kinds) ||
      !GetCounts(in, c.dropped)) {
    throw corrupt("policy");
  }
  out.dispatched = in.Varint();
  out.in_flight = in.Varint();
  out.reached = in.Varint();
  out.sitemap_seeds = in.Varint();
  const std::uint64_t hosts = in.Varint();
  if (!in.done() || hosts > kNone) throw corrupt("policy");
  out.hosts.resize(hosts);
  for (std::uint32_t h = 0; h < hosts; ++h) {
    const std::string v = store.LoadMeta(HostMetaName(h));
    Reader r(v);
    Committed::HostMeta& host = out.hosts[h];
    host.name = std::string(r.String());
    host.admitted = r.Varint();
    const std::uint64_t bits = r.Be(8);
    if (!r.done()) throw corrupt("hosts");
    std::memcpy(&host.crawl_delay_s, &bits, sizeof bits);
  }
  const std::string sitemaps = store.LoadMeta(kSitemapsMeta);
  if (!sitemaps.empty()) {
    Reader r(sitemaps);
    const std::uint64_t n = r.Varint();
    if (n > kMaxSitemaps) throw corrupt("sitemaps");
    for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
      std::string url(r.String());
      const std::uint64_t done = r.Be(1);
      out.sitemaps.emplace_back(std::move(url), done != 0);
    }
    if (!r.done()) throw corrupt("sitemaps");
  }
  c.discovered = store.size();
  return out;
}

void Frontier::Resume() {
  std::optional<Committed> committed = LoadCommitted(store_);
  if (!committed) return;  // a new crawl
  auto corrupt = [](const std::string& what) {
    return StoreError("the state is corrupted: its " + what + " cannot be read");
  };
  counts_ = std::move(committed->counts);
  counts_.discovered = 0;
  dispatched_ = committed->dispatched;
  reached_ = committed->reached;
  sitemap_seeds_ = committed->sitemap_seeds;
  hosts_.resize(committed->hosts.size());
  for (std::uint32_t h = 0; h < hosts_.size(); ++h) {
    Committed::HostMeta& m = committed->hosts[h];
    if (!host_ids_.emplace(m.name, h).second) throw corrupt("hosts");
    hosts_[h].name = std::move(m.name);
    hosts_[h].admitted = m.admitted;
    hosts_[h].crawl_delay_s = m.crawl_delay_s;
  }
  resumed_ = true;
  // In flight then: some queued again by the store where they were, the
  // rest listed as such (below); either way fetched again.
  requeued_ = committed->in_flight;
  now_ = Clock::now();

  // The queues as committed.
  FrontierStore::Unfinished u = store_.TakeUnfinished();
  for (const std::uint32_t h : u.hosts) {
    if (h >= hosts_.size()) throw corrupt("queues");
    const FrontierStore::QueueSize q = store_.Queued(h);
    hosts_[h].retries = q.retries;
    hosts_[h].queued = q.others;
    retrying_ += q.retries;
    queued_entries_ += q.others;
    queued_pages_ += q.retries + q.others;  // pages only: the store dropped the rest
    Schedule(h, now_);
  }
  // What was in flight goes first, fetched once more; what waited for a
  // robots.txt is admitted again (the rules are fetched anew).
  for (const UrlKey key : u.in_flight) {
    UrlState s = store_.Get(key);
    if (s.host >= hosts_.size()) throw corrupt("URLs in flight");
    s.stage = UrlStage::kQueued;
    store_.Set(key, s);
    // First in its host's queue; a first attempt as a page not yet
    // dispatched (the commit did not count it), so max_pages holds.
    if (s.attempts == 0) {
      store_.Push(s.host, {QueueEntry::Kind::kPage, key}, Place::kUrgent);
      ++hosts_[s.host].queued;
      ++queued_entries_;
    } else {
      store_.Push(s.host, {QueueEntry::Kind::kPage, key}, Place::kRetry);
      ++hosts_[s.host].retries;
      ++retrying_;
    }
    ++queued_pages_;
    Schedule(s.host, now_);
  }
  for (const UrlKey key : u.waiting) {
    UrlState s = store_.Get(key);
    if (s.host >= hosts_.size()) throw corrupt("URLs waiting");
    --reached_;  // Admit counts them again
    --hosts_[s.host].admitted;
    s.stage = UrlStage::kDiscovered;
    Admit(key, s, s.depth == 0);
  }
  // The sitemaps: those not done with are fetched (their queue entries
  // were the earlier process's, and are gone); the rest are not again.
  for (auto& [url, done] : committed->sitemaps) {
    const auto id = static_cast<std::uint32_t>(sitemaps_.size());
    if (!sitemap_ids_.emplace(url, id).second) throw corrupt("sitemaps");
    sitemaps_.push_back({std::move(url), 0, done});
    sitemaps_.back().host = HostOf(sitemaps_.back().url);
    if (!done) QueueSitemap(id);
  }
  Publish();
}

// --- Sharing ---

void Frontier::Exchange(Clock::time_point now, bool force) {
  if (!force && now < next_exchange_) return;
  next_exchange_ = now + kExchangePeriod;
  const Clock::time_point before = now_;
  now_ = now;
  // The records of the URLs this exchange completes are out in the outputs
  // first: a process killed in between loses no record (its URLs are
  // fetched again instead).
  FlushRecords();
  store_.Exchange(exchanged_);
  for (const std::string& name : exchanged_.lost) Release(name);
  for (const FrontierStore::Arrival& a : exchanged_.arrivals) Arrive(a);
  exchanged_.arrivals.clear();
  exchanged_.lost.clear();
  if (before != Clock::time_point{}) now_ = std::max(before, now);
  Publish();
}

void Frontier::FlushRecords() {
  if (options_.hooks != nullptr && unflushed_) {
    FrontierStore::Meta positions;
    options_.hooks->Checkpoint(positions);
  }
  unflushed_ = false;
}

std::vector<PageRecord> Frontier::TakeRecords() {
  std::vector<PageRecord> records;
  records.swap(out_);
  if (!records.empty()) unflushed_ = true;
  return records;
}

void Frontier::Arrive(const FrontierStore::Arrival& a) {
  UrlState s = store_.Get(a.key);
  if (s.stage == UrlStage::kWaiting || s.stage == UrlStage::kQueued ||
      s.stage == UrlStage::kInFlight) {
    return;  // here already
  }
  s.depth = a.depth;
  s.parent = a.parent;
  s.hops = a.hops;
  s.attempts = 0;
  s.stage = UrlStage::kDiscovered;
  store_.Set(a.key, s);
  arriving_ = true;
  Admit(a.key, s, /*seed=*/a.parent == kNoUrl && a.depth == 0);
  arriving_ = false;
}

void Frontier::Release(std::string_view name) {
  const auto it = host_ids_.find(name);
  if (it == host_ids_.end()) return;
  const std::uint32_t h = it->second;
  Host& host = hosts_[h];
  // Done here (the store completes nothing of a host it no longer holds);
  // the new holder admits them.
  auto drop = [&](UrlKey key) {
    UrlState s = store_.Get(key);
    s.stage = UrlStage::kDone;
    store_.Set(key, s);
    --queued_pages_;
    if (host.admitted != 0) --host.admitted;
  };
  while (const std::optional<QueueEntry> e = store_.Take(h)) {
    if (e->kind == QueueEntry::Kind::kPage) {
      drop(e->key);
    } else if (e->kind == QueueEntry::Kind::kRobots) {
      sites_[e->key].robots = Site::Robots::kUnknown;
    }
  }
  retrying_ -= host.retries;
  queued_entries_ -= host.queued;
  host.retries = 0;
  host.queued = 0;
  host.failures = 0;
  for (Site& site : sites_) {
    if (site.host != h) continue;
    for (const UrlKey key : site.waiting) drop(key);
    site.waiting.clear();
    if (site.robots == Site::Robots::kFetching) site.robots = Site::Robots::kUnknown;
  }
}

}  // namespace crawl
