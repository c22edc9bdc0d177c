#include "engine/frontier.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

#include "crawl/url.h"

namespace crawl {
namespace {

constexpr std::chrono::hours kRobotsTtl{24};
constexpr std::size_t kMaxSitemaps = 1000;
constexpr std::size_t kMaxSitemapUrls = 1'000'000;  // seeds from sitemaps

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

Frontier::Frontier(const FrontierOptions& options)
    : options_(options),
      rng_(options.random_seed),
      requests_wanted_(options.hooks != nullptr && options.hooks->WantsRequests()) {}

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

std::uint32_t Frontier::Intern(std::string_view url) {
  const UrlTable::Inserted in = urls_.Insert(url);
  if (in.added) nodes_.emplace_back();
  return in.id;
}

// PathAndQuery(urls_.Url(id)) without building the URL.
std::string_view Frontier::RobotsPath(std::uint32_t id) const {
  if (urls_.Origin(id).empty()) return "/";  // no "://"
  const std::string_view rest = urls_.Rest(id);
  return rest.empty() ? "/" : rest;
}

std::uint32_t Frontier::HostOf(std::string_view url) {
  return IdOf(host_ids_, UrlHost(url), hosts_.size(), [&](std::string_view) {
    hosts_.emplace_back();
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

// --- Admission: node -> (robots) -> host queue ---

void Frontier::AddSeed(std::string_view url) {
  if (now_ == Clock::time_point{}) now_ = Clock::now();
  const std::uint32_t id = Intern(url);
  Node& node = nodes_[id];
  if (node.state == State::kDiscovered) {
    node.depth = 0;
    node.parent = kNone;
    Admit(id, /*seed=*/true);
  } else {
    Relax(id, 0, kNone);  // known already: at most a shorter depth
  }
  Publish();
}

void Frontier::Admit(std::uint32_t id, bool seed) {
  // The origin (scheme + authority) has the URL's host, and is its site key.
  const std::string_view origin = urls_.Origin(id);
  const std::uint32_t h = HostOf(origin);
  nodes_[id].host = h;
  Host& host = hosts_[h];
  if (options_.max_pages_per_host != 0 &&
      host.admitted >= options_.max_pages_per_host) {
    nodes_[id].state = State::kDone;
    ++counts_.dropped["max_pages_per_host"];
    return;
  }
  ++host.admitted;
  ++queued_pages_;
  if (!options_.obey_robots) return Enqueue(id, seed);

  std::string whole;  // a URL without "://" is its own site key
  if (origin.empty()) whole = urls_.Url(id);
  const std::uint32_t s = SiteOf(origin.empty() ? std::string_view(whole) : origin);
  Site& site = sites_[s];
  if (site.robots == Site::Robots::kReady && now_ >= site.expires) {
    site.robots = Site::Robots::kUnknown;  // stale: fetch it again
    site.attempts = 0;
  }
  switch (site.robots) {
    case Site::Robots::kReady:
      if (site.rules.Allowed(RobotsPath(id))) {
        Enqueue(id, seed);
      } else {
        --queued_pages_;
        Block(id, site);
      }
      return;
    case Site::Robots::kUnknown:
      site.robots = Site::Robots::kFetching;
      PushEntry(site.host, {Task::Kind::kRobots, s}, /*urgent=*/true);
      [[fallthrough]];
    case Site::Robots::kFetching:
      nodes_[id].state = State::kWaiting;
      site.waiting.push_back(id);
      return;
  }
}

void Frontier::Enqueue(std::uint32_t id, bool seed) {
  nodes_[id].state = State::kQueued;
  const std::uint32_t h = nodes_[id].host;
  if (options_.order == FrontierOptions::Order::kBreadthFirst) {
    PushPage(h, id);
  } else if (seed) {
    // Depth-first pops from the back: a seed goes under what is there, so
    // seeds are fetched in the order given.
    hosts_[h].queue.push_front({Task::Kind::kPage, id});
    ++queued_entries_;
    Schedule(h, now_);
  } else {
    PushEntry(h, {Task::Kind::kPage, id}, /*urgent=*/false);
  }
}

// Breadth-first: into the group of the page's parent at the page's depth
// now (if it shrinks while queued, the page stays where it is). A page's
// links are queued together, so they extend one group; a new parent, or a
// push after a page was taken, starts a group at the back of its depth.
void Frontier::PushPage(std::uint32_t h, std::uint32_t id) {
  Host& host = hosts_[h];
  std::uint32_t slot = free_slot_;
  if (slot != kNone) {
    free_slot_ = slots_[slot].next;
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[slot] = {id, kNone};
  const int depth = nodes_[id].depth;
  const std::uint32_t parent = nodes_[id].parent;
  std::deque<Group>& level = host.levels[depth];
  if (host.open_depth == depth && host.open_parent == parent && !level.empty()) {
    slots_[level.back().tail].next = slot;
    level.back().tail = slot;
  } else {
    level.push_back({slot, slot});
    host.open_depth = depth;
    host.open_parent = parent;
  }
  ++host.level_pages;
  ++queued_entries_;
  Schedule(h, now_);
}

// The shallowest depth's front group gives its oldest page, then goes to
// the back of its depth if it has more: O(1) but for the map of depths
// (a handful).
std::uint32_t Frontier::PopPage(Host& host) {
  const auto level = host.levels.begin();
  std::deque<Group>& groups = level->second;
  Group group = groups.front();
  groups.pop_front();
  const std::uint32_t slot = group.head;
  const std::uint32_t id = slots_[slot].id;
  group.head = slots_[slot].next;
  slots_[slot].next = free_slot_;
  free_slot_ = slot;
  if (group.head != kNone) groups.push_back(group);
  if (groups.empty()) host.levels.erase(level);
  --host.level_pages;
  host.open_depth = kUnreached;
  host.open_parent = kNone;
  return id;
}

// Adds to a host's queue. Urgent entries (robots.txt, sitemaps) are taken
// next, after the host's retries: at the front for breadth-first (where
// `queue` holds nothing else; pages go to PushPage), the back for
// depth-first.
void Frontier::PushEntry(std::uint32_t h, Entry entry, bool urgent) {
  Host& host = hosts_[h];
  const bool dfs = options_.order == FrontierOptions::Order::kDepthFirst;
  if (urgent && !dfs) {
    host.queue.push_front(entry);
  } else {
    host.queue.push_back(entry);  // a stack for depth-first: taken next
  }
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

void Frontier::Block(std::uint32_t id, const Site& site) {
  nodes_[id].state = State::kDone;
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
  out_.push_back(MakeRecord(id, std::move(r)));
}

// --- Dispatch ---

std::optional<Task> Frontier::Next(Clock::time_point now) {
  now_ = now;
  if (options_.hooks != nullptr) TakeVisits();
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
    // A retry first, whatever else waits; max_pages does not hold it back.
    Entry entry;
    if (!host.retries.empty()) {
      entry = {Task::Kind::kPage, host.retries.front()};
      host.retries.erase(host.retries.begin());
      --retrying_;
    } else if (options_.order == FrontierOptions::Order::kBreadthFirst) {
      if (!host.queue.empty()) {  // urgent
        entry = host.queue.front();
        host.queue.pop_front();
      } else {
        entry = {Task::Kind::kPage, PopPage(host)};
      }
      --queued_entries_;
    } else {
      entry = host.queue.back();
      host.queue.pop_back();
      --queued_entries_;
    }
    Task task;
    if (entry.kind == Task::Kind::kPage && requests_wanted_) {
      if (!Ask(entry.id, task)) {
        Schedule(h, now);  // skipped: the host may have more
        continue;
      }
      // OnRequest stopped the crawl: nothing more goes out (the page stays
      // queued, counted as dropped "stopped").
      if (Stopped()) return std::nullopt;
    }
    ++host.in_flight;
    ++in_flight_;
    if (const double gap = Gap(host); gap > 0) host.next_allowed = now + Seconds(gap);

    task.kind = entry.kind;
    task.id = entry.id;
    switch (entry.kind) {
      case Task::Kind::kPage: {
        Node& node = nodes_[entry.id];
        node.state = State::kInFlight;
        --queued_pages_;
        if (node.attempts == 0 && ++dispatched_ == options_.max_pages) {
          Unschedule();  // the last new page: only retries from here on
        }
        task.url = urls_.Url(entry.id);
        task.attempt = node.attempts + 1;
        break;
      }
      case Task::Kind::kRobots:
        task.url = sites_[entry.id].key + "/robots.txt";
        task.attempt = sites_[entry.id].attempts + 1;
        break;
      case Task::Kind::kSitemap:
        task.url = sitemaps_[entry.id].url;
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
    std::size_t free = host.retries.size();
    if (!PagesExhausted()) free += Queued(host);
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
  // A URL Visit()ed just now is more to dispatch; once stopped, it is not.
  return options_.hooks == nullptr || options_.hooks->CloseVisits(Stopped());
}

bool Frontier::Ask(std::uint32_t id, Task& task) {
  const Node& node = nodes_[id];
  if (node.attempts > 0) {  // a retry: the same request again
    if (auto it = requests_.find(id); it != requests_.end()) {
      task.request = it->second;
    }
    return true;
  }
  auto request = std::make_shared<Request>(urls_.Url(id));
  request->depth = node.depth;
  if (node.parent != kNone) request->parent = urls_.Url(node.parent);
  if (auto own = data_.find(id); own != data_.end()) {
    request->data = own->second;  // from Visit()
  } else if (node.parent != kNone) {
    if (auto up = data_.find(node.parent); up != data_.end()) {
      request->data = up->second;
    }
  }
  task.failure = options_.hooks->OnRequest(*request);
  if (request->url != urls_.Url(id) && task.failure.kind == ErrorKind::kNone) {
    // The URL is the crawl's (scoped, deduplicated, robots-checked): a
    // callback may not send the request elsewhere.
    task.failure = {ErrorKind::kCallback, "OnRequest changed the request's URL"};
    request->url = urls_.Url(id);
  }
  if (request->skipped()) {
    nodes_[id].state = State::kDone;
    --queued_pages_;
    ++counts_.dropped["skipped"];
    data_.erase(id);
    return false;
  }
  if (request->data.empty()) {
    data_.erase(id);
  } else {
    data_[id] = request->data;
  }
  requests_[id] = request;
  task.request = std::move(request);
  return true;
}

void Frontier::TakeVisits() {
  options_.hooks->TakeVisits(visits_);
  for (auto& [url, data] : visits_) {
    AddSeed(url);
    const std::uint32_t id = urls_.Find(url);
    if (id == UrlTable::kNone || data.empty()) continue;
    const State state = nodes_[id].state;
    if (state != State::kInFlight && state != State::kDone) {
      data_[id] = std::move(data);
    }
  }
  visits_.clear();
}

// Every host in timers_ has work that may start (see Unschedule), so the
// time is when Next() will serve one (or, if its delay grew meanwhile, find
// the later time).
std::optional<Clock::time_point> Frontier::NextWakeup() const {
  if (!MoreToDispatch() || timers_.empty()) return std::nullopt;
  return timers_.top().first;
}

// --- Completion ---

std::vector<PageRecord> Frontier::Complete(const Task& task, TaskResult result,
                                           Clock::time_point now) {
  now_ = now;
  std::uint32_t h = 0;
  switch (task.kind) {
    case Task::Kind::kPage: h = nodes_[task.id].host; break;
    case Task::Kind::kRobots: h = sites_[task.id].host; break;
    case Task::Kind::kSitemap: h = sitemaps_[task.id].host; break;
  }
  --hosts_[h].in_flight;
  --in_flight_;
  switch (task.kind) {
    case Task::Kind::kPage:
      if (options_.hooks != nullptr && task.request != nullptr) {
        options_.hooks->OnResult(*task.request, result.page);
      }
      CompletePage(task, std::move(result.page), now);
      if (options_.hooks != nullptr && nodes_[task.id].state == State::kDone) {
        requests_.erase(task.id);
      }
      break;
    case Task::Kind::kRobots: CompleteRobots(task, std::move(result.document), now); break;
    case Task::Kind::kSitemap: CompleteSitemap(task, std::move(result.document), now); break;
  }
  Schedule(h, now);
  Publish();
  std::vector<PageRecord> records;
  records.swap(out_);
  return records;
}

PageRecord Frontier::Complete(const Task& task, FetchResult result) {
  TaskResult r;
  r.page = std::move(result);
  std::vector<PageRecord> records = Complete(task, std::move(r), Clock::now());
  return records.empty() ? PageRecord() : std::move(records.back());
}

void Frontier::CompletePage(const Task& task, FetchResult result,
                            Clock::time_point now) {
  const std::uint32_t id = task.id;
  Host& host = hosts_[nodes_[id].host];
  ++nodes_[id].attempts;
  if (Retryable(result)) {
    ++host.failures;
    if (nodes_[id].attempts <= options_.retries && !Stopped()) {
      // Wait as the server asked (capped), else back off; the whole host
      // waits, and longer the more it fails.
      const double wait = result.retry_after_s >= 0
                              ? std::min(result.retry_after_s, options_.max_retry_wait_s)
                              : Backoff(host.failures);
      host.next_allowed = std::max(host.next_allowed, now + Seconds(wait));
      nodes_[id].state = State::kQueued;
      ++queued_pages_;
      ++retrying_;  // max_pages counts pages, not attempts
      host.retries.push_back(id);
      Schedule(nodes_[id].host, now);
      return;
    }
  } else if (result.outcome != Outcome::kError) {
    host.failures = 0;
  }
  nodes_[id].state = State::kDone;
  result.attempts = nodes_[id].attempts;

  // Once no new page can be fetched, links would only cost memory.
  if (PagesExhausted()) result.links.clear();
  const bool keep_links = options_.max_depth >= 0;
  const bool dfs = options_.order == FrontierOptions::Order::kDepthFirst;
  // Depth-first pops from the back: admit the links last-first, so the
  // page's first link is fetched next.
  const std::size_t n = result.links.size();
  constexpr std::uint64_t kNoLinks = UINT64_MAX;
  std::uint64_t links_start = kNoLinks;  // in links_, if any are kept
  for (std::size_t k = 0; k < n; ++k) {
    const std::string& link = result.links[dfs ? n - 1 - k : k];
    // Only admissible URLs are ever interned, so a known one needs no check.
    std::uint32_t child = urls_.Find(link);
    if (child == UrlTable::kNone) {
      if (!Admissible(link)) continue;
      child = Intern(link);
    }
    if (keep_links) {
      // Contiguous: nothing else appends to links_ meanwhile.
      if (links_start == kNoLinks) {
        links_start = links_.size();
        links_.push_back(0);  // the count, set below
      }
      links_.push_back(child);
    }
    Relax(child, nodes_[id].depth + 1, id);
  }
  if (links_start != kNoLinks) {
    links_[links_start] = static_cast<std::uint32_t>(links_.size() - links_start - 1);
    links_at_.resize(std::size_t{id} + 1);
    links_at_[id] = links_start + 1;
  }
  if (result.outcome == Outcome::kRedirect && !result.redirect_to.empty()) {
    const int hops = nodes_[id].hops + 1;
    if (hops > options_.max_redirects) {
      result.outcome = Outcome::kError;
      result.error = {ErrorKind::kRedirectLimit,
                      "more than " + std::to_string(options_.max_redirects) +
                          " redirects in a row; not following " +
                          result.redirect_to};
    } else if (Admissible(result.redirect_to)) {
      const std::uint32_t target = Intern(result.redirect_to);
      Node& t = nodes_[target];
      if (t.state == State::kDiscovered && t.depth == kUnreached) {
        t.hops = static_cast<std::uint8_t>(hops);
      }
      redirects_[id] = target;
      Relax(target, nodes_[id].depth, id);  // same depth: not a link
    }
  }
  Count(result);
  out_.push_back(MakeRecord(id, std::move(result)));
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
      PushEntry(site.host, {Task::Kind::kRobots, task.id}, /*urgent=*/true);
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
  }
  std::vector<std::uint32_t> sitemaps;
  sitemaps.swap(site.waiting_sitemaps);
  for (std::uint32_t id : sitemaps) {
    const SitemapTask& sm = sitemaps_[id];
    if (site.refusal.kind == ErrorKind::kNone && site.rules.Allowed(PathAndQuery(sm.url))) {
      PushEntry(sm.host, {Task::Kind::kSitemap, id}, true);
    } else {
      ++counts_.dropped["robots"];
    }
  }
  if (options_.sitemaps) {
    const std::string robots_url = site.key + "/robots.txt";
    for (const std::string& s : site.rules.sitemaps()) {
      UrlResult url = ResolveUrl(robots_url, s, options_.max_url_length);
      if (url.ok() && Admissible(url.url)) AddSitemap(url.url);
    }
  }
  std::vector<std::uint32_t> waiting;
  waiting.swap(sites_[task.id].waiting);
  const Site& ready = sites_[task.id];  // AddSitemap may have grown sites_
  for (std::uint32_t id : waiting) {
    if (ready.refusal.kind == ErrorKind::kNone && ready.rules.Allowed(RobotsPath(id))) {
      Enqueue(id, nodes_[id].depth == 0);
    } else {
      --queued_pages_;
      Block(id, ready);
    }
  }
}

void Frontier::AddSitemap(const std::string& url) {
  if (sitemaps_.size() >= kMaxSitemaps) {
    ++counts_.dropped["sitemap_limit"];
    return;
  }
  const auto id = static_cast<std::uint32_t>(sitemaps_.size());
  sitemaps_.push_back({url, HostOf(url)});
  if (!options_.obey_robots) {
    PushEntry(sitemaps_[id].host, {Task::Kind::kSitemap, id}, true);
    return;
  }
  const std::uint32_t s = SiteOf(url);
  Site& site = sites_[s];
  switch (site.robots) {
    case Site::Robots::kReady:
      if (site.refusal.kind == ErrorKind::kNone && site.rules.Allowed(PathAndQuery(url))) {
        PushEntry(sitemaps_[id].host, {Task::Kind::kSitemap, id}, true);
      } else {
        ++counts_.dropped["robots"];
      }
      return;
    case Site::Robots::kUnknown:
      site.robots = Site::Robots::kFetching;
      PushEntry(site.host, {Task::Kind::kRobots, s}, /*urgent=*/true);
      [[fallthrough]];
    case Site::Robots::kFetching:
      sites_[s].waiting_sitemaps.push_back(id);
      return;
  }
}

void Frontier::CompleteSitemap(const Task& task, Document doc,
                               Clock::time_point) {
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

void Frontier::Relax(std::uint32_t id, int depth, std::uint32_t parent) {
  std::vector<std::tuple<std::uint32_t, int, std::uint32_t>> work{
      {id, depth, parent}};
  while (!work.empty()) {
    auto [i, d, p] = work.back();
    work.pop_back();
    Node& node = nodes_[i];
    if (d >= node.depth) continue;
    node.depth = d;
    node.parent = p;
    switch (node.state) {
      case State::kDiscovered:
        if (WithinDepth(d)) Admit(i, /*seed=*/false);
        break;
      case State::kWaiting:
      case State::kQueued:
      case State::kInFlight:
        break;  // Next() and Complete() read the shorter depth.
      case State::kDone:
        // Already fetched: its links (and redirect) may now be within reach.
        if (i < links_at_.size() && links_at_[i] != 0) {
          const std::uint64_t at = links_at_[i] - 1;
          const std::uint32_t count = links_[at];
          for (std::uint32_t k = 1; k <= count; ++k) {
            work.emplace_back(links_[at + k], d + 1, i);
          }
        }
        if (!redirects_.empty()) {
          const auto r = redirects_.find(i);
          if (r != redirects_.end()) work.emplace_back(r->second, d, i);
        }
        break;
    }
  }
}

// --- Accounting ---

PageRecord Frontier::MakeRecord(std::uint32_t id, FetchResult result) const {
  const Node& node = nodes_[id];
  PageRecord record;
  record.url = urls_.Url(id);
  record.depth = node.depth;
  record.hops = node.hops;
  if (node.parent != kNone) record.parent = urls_.Url(node.parent);
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
  s.discovered = urls_.size();
  s.stopped = Stopped();
  std::uint64_t beyond_depth = 0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].state == State::kDiscovered) ++beyond_depth;
  }
  if (beyond_depth) s.dropped["depth"] += beyond_depth;
  if (queued_pages_) s.dropped[s.stopped ? "stopped" : "max_pages"] += queued_pages_;
  return s;
}

}  // namespace crawl
