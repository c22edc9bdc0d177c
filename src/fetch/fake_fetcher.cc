#include "crawl/fake_fetcher.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <queue>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <sys/prctl.h>

#include "sync/mutex.h"

namespace crawl {
namespace {

// splitmix64: a small, fast generator whose output is the same everywhere
// (std:: distributions are not), so a seed names one graph on every machine.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t Next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n), n > 0.
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }
};

// Uniform in [0, 1), a function of (url, seed) only.
double UrlDraw(const std::string& url, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : url) h = (h ^ c) * 0x100000001b3ULL;
  SplitMix64 mix{h ^ seed};
  return mix.Unit();
}

std::string PageUrl(const RandomGraphOptions& o, std::uint64_t i) {
  return o.prefix + std::to_string(i);
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end && !s.empty();
}

}  // namespace

std::unique_ptr<FakeFetcher> FakeFetcher::Lecture() {
  auto f = std::make_unique<FakeFetcher>();
  f->AddPage("http://golang.org/",
             {"http://golang.org/pkg/", "http://golang.org/cmd/"});
  f->AddPage("http://golang.org/pkg/",
             {"http://golang.org/", "http://golang.org/cmd/",
              "http://golang.org/pkg/fmt/", "http://golang.org/pkg/os/"});
  f->AddPage("http://golang.org/pkg/fmt/",
             {"http://golang.org/", "http://golang.org/pkg/"});
  f->AddPage("http://golang.org/pkg/os/",
             {"http://golang.org/", "http://golang.org/pkg/"});
  f->seeds_ = {"http://golang.org/"};
  return f;
}

std::unique_ptr<FakeFetcher> FakeFetcher::Random(
    const RandomGraphOptions& options) {
  auto f = std::make_unique<FakeFetcher>();
  RandomGraphOptions o = options;
  o.pages = std::clamp(o.pages, 1, 10'000'000);
  o.fanout = std::clamp(o.fanout, 0, 1000);
  f->random_ = o;
  f->random_fetches_ = std::make_unique<std::atomic<int>[]>(o.pages);
  f->random_missing_fetches_ = std::make_unique<std::atomic<int>[]>(o.pages);
  f->seeds_ = {PageUrl(o, 0)};
  return f;
}

namespace {

// N if `url` is `prefix` followed by N in [0, pages) written canonically.
long IndexAfter(std::string_view prefix, const std::string& url, long pages) {
  if (url.compare(0, prefix.size(), prefix) != 0) return -1;
  std::string_view digits = std::string_view(url).substr(prefix.size());
  long i = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (ec != std::errc() || ptr != digits.data() + digits.size() ||
      digits.empty() || (digits.size() > 1 && digits[0] == '0') || i < 0 ||
      i >= pages) {
    return -1;
  }
  return i;
}

}  // namespace

long FakeFetcher::RandomMissingIndex(const std::string& url) const {
  if (!random_) return -1;
  return IndexAfter(random_->prefix + "missing/", url, random_->pages);
}

long FakeFetcher::RandomIndex(const std::string& url) const {
  if (!random_) return -1;
  const std::string_view kPrefix = random_->prefix;
  if (url.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
  std::string_view digits = std::string_view(url).substr(kPrefix.size());
  long i = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (ec != std::errc() || ptr != digits.data() + digits.size() ||
      digits.empty() || (digits.size() > 1 && digits[0] == '0') || i < 0 ||
      i >= random_->pages) {
    return -1;
  }
  return i;
}

std::vector<std::string> FakeFetcher::RandomLinks(std::uint64_t i) const {
  const RandomGraphOptions& o = *random_;
  const auto n = static_cast<std::uint64_t>(o.pages);
  SplitMix64 rng{o.seed * 0x9e3779b97f4a7c15ULL ^ (i + 1) * 0xd1b54a32d192ed03ULL};
  std::vector<std::string> links;
  links.reserve(o.fanout);
  for (int k = 0; k < o.fanout; ++k) {
    const double u = rng.Unit();
    if (u < o.missing_share) {
      links.push_back(o.prefix + "missing/" + std::to_string(rng.Below(n)));
    } else if (u < o.missing_share + o.self_share) {
      links.push_back(PageUrl(o, i));
    } else if (rng.Next() & 1) {
      links.push_back(PageUrl(o, (i + 1 + rng.Below(3)) % n));  // chains
    } else {
      links.push_back(PageUrl(o, rng.Below(n)));  // shortcuts, cycles
    }
  }
  return links;
}

Result<std::unique_ptr<FakeFetcher>> FakeFetcher::FromSpec(
    std::string_view spec) {
  if (spec == "lecture") return Lecture();
  const std::string_view prefix = "random:";
  const auto usage = [&] {
    return Status::InvalidArgument(
        "bad --fake spec '" + std::string(spec) +
        "' (expected 'lecture' or 'random:PAGES:FANOUT:SEED[:LATENCY_MS[:URL_BYTES]]')");
  };
  if (spec.substr(0, prefix.size()) != prefix) return usage();
  std::vector<std::string_view> parts;
  std::string_view rest = spec.substr(prefix.size());
  for (;;) {
    const std::size_t colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  RandomGraphOptions g;
  std::uint64_t latency_ms = 0;
  std::uint64_t url_bytes = 0;
  if (parts.size() < 3 || parts.size() > 5 || !ParseNumber(parts[0], g.pages) ||
      !ParseNumber(parts[1], g.fanout) || !ParseNumber(parts[2], g.seed) ||
      (parts.size() >= 4 && !ParseNumber(parts[3], latency_ms)) ||
      (parts.size() == 5 && !ParseNumber(parts[4], url_bytes))) {
    return usage();
  }
  if (url_bytes > 1000) return Status::InvalidArgument("--fake: URL_BYTES must be 0..1000");
  // The number's digits, on average: about those of pages / 2.
  const std::size_t digits = std::to_string(std::max(1, g.pages / 2)).size();
  if (url_bytes > g.prefix.size() + digits + 1) {
    g.prefix += std::string(url_bytes - g.prefix.size() - digits - 1, 'u') + "/";
  }
  if (g.pages < 1 || g.pages > 10'000'000) {
    return Status::InvalidArgument("--fake: PAGES must be 1..10000000");
  }
  if (g.fanout < 0 || g.fanout > 1000) {
    return Status::InvalidArgument("--fake: FANOUT must be 0..1000");
  }
  if (latency_ms > 60'000) {
    return Status::InvalidArgument("--fake: LATENCY_MS must be 0..60000");
  }
  auto f = Random(g);
  f->set_latency(std::chrono::milliseconds(latency_ms));
  return f;
}

void FakeFetcher::AddPage(std::string url, std::vector<std::string> links) {
  auto page = std::make_unique<Page>();
  page->links = std::move(links);
  pages_[std::move(url)] = std::move(page);
}

std::optional<std::vector<std::string>> FakeFetcher::LinksOf(
    const std::string& url) const {
  auto it = pages_.find(url);
  if (it != pages_.end()) return it->second->links;
  const long i = RandomIndex(url);
  if (i >= 0) return RandomLinks(static_cast<std::uint64_t>(i));
  return std::nullopt;
}

bool FakeFetcher::InjectsError(const std::string& url) const {
  return faults_.error_share > 0 &&
         UrlDraw(url, faults_.seed) < faults_.error_share;
}

bool FakeFetcher::InjectsThrow(const std::string& url) const {
  if (faults_.throw_share <= 0) return false;
  const double u = UrlDraw(url, faults_.seed);
  return u >= faults_.error_share &&
         u < faults_.error_share + faults_.throw_share;
}

// One thread running jobs at their due times, for the asynchronous fetches'
// latency. The destructor runs the jobs still waiting at once (each callback
// runs exactly once), then joins.
class FakeFetcher::Timers {
 public:
  using Clock = std::chrono::steady_clock;
  Timers() : thread_([this] { Run(); }) {}
  ~Timers() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
      changed_.NotifyOne();
    }
    thread_.join();
  }
  void At(Clock::time_point when, std::function<void()> job) {
    MutexLock lock(mu_);
    const bool earliest = jobs_.empty() || when < jobs_.top().when;
    jobs_.push(Job{when, seq_++, std::move(job)});
    if (earliest) changed_.NotifyOne();
  }

 private:
  struct Job {
    Clock::time_point when;
    std::uint64_t seq;  // FIFO among equal times
    std::function<void()> run;
    bool operator>(const Job& o) const {
      return when != o.when ? when > o.when : seq > o.seq;
    }
  };
  // A timed wake-up costs this machine 100 us or more (measured: a thread
  // sleeping until deadlines 80 us apart falls ever further behind). One
  // thread waking for each of ~10,000 fetch ends a second would build a
  // backlog, so a job runs up to kEarly before its time rather than sleep
  // for less than that; measured lateness is then ~15 us on average.
  static constexpr std::chrono::microseconds kEarly{150};

  void Run() {
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    MutexLock lock(mu_);
    for (;;) {
      if (jobs_.empty()) {
        if (stopping_) return;
        changed_.Wait(lock);
        continue;
      }
      if (!stopping_ && Clock::now() + kEarly < jobs_.top().when) {
        changed_.WaitUntil(lock, jobs_.top().when - kEarly);
        continue;
      }
      std::function<void()> run = std::move(const_cast<Job&>(jobs_.top()).run);
      jobs_.pop();
      lock.Unlock();
      run();
      lock.Lock();
    }
  }

  Mutex mu_;
  CondVar changed_;
  std::priority_queue<Job, std::vector<Job>, std::greater<>> jobs_
      GUARDED_BY(mu_);
  std::uint64_t seq_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the rest is built
};

FakeFetcher::FakeFetcher() = default;
// The timer thread first: the jobs it still runs use the counters below.
FakeFetcher::~FakeFetcher() { timers_.reset(); }

FakeFetcher::Timers& FakeFetcher::timers() {
  std::call_once(timers_once_, [this] { timers_ = std::make_unique<Timers>(); });
  return *timers_;
}

FetchResult FakeFetcher::Fetch(const Request& request) {
  if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
  return FetchNow(request.url);
}

void FakeFetcher::FetchAsync(const Request& request, FetchCallback done) {
  if (latency_.count() == 0) {
    Fetcher::FetchAsync(request, std::move(done));  // Fetch() now, no sleep
    return;
  }
  const std::string& url = request.url;
  timers().At(Timers::Clock::now() + latency_,
              [this, url, done = std::move(done)] {
                FetchResult result;
                try {
                  result = FetchNow(url);
                } catch (const std::exception& e) {
                  result = FetchResult::Error(ErrorKind::kException, e.what());
                }
                done(std::move(result));
              });
}

void FakeFetcher::FetchDocumentAsync(const std::string& url, int max_redirects,
                                     DocumentCallback done) {
  if (latency_.count() == 0) {
    done(FetchDocumentNow(url, max_redirects));
    return;
  }
  timers().At(Timers::Clock::now() + latency_,
              [this, url, max_redirects, done = std::move(done)] {
                done(FetchDocumentNow(url, max_redirects));
              });
}

FetchResult FakeFetcher::FetchNow(const std::string& url) {
  total_.fetch_add(1, std::memory_order_relaxed);
  auto it = pages_.find(url);
  const long random = it == pages_.end() ? RandomIndex(url) : -1;
  if (it != pages_.end()) {
    it->second->fetches.fetch_add(1, std::memory_order_relaxed);
  } else if (random >= 0) {
    random_fetches_[random].fetch_add(1, std::memory_order_relaxed);
  } else if (const long m = RandomMissingIndex(url); m >= 0) {
    random_missing_fetches_[m].fetch_add(1, std::memory_order_relaxed);
  } else {
    std::lock_guard<std::mutex> lock(missing_mu_);
    ++missing_fetches_[url];
  }
  if (InjectsThrow(url)) {
    throw std::runtime_error("injected exception fetching " + url);
  }
  if (InjectsError(url)) {
    return FetchResult::Error(ErrorKind::kInjected, "injected error fetching " + url);
  }
  if (it != pages_.end()) return FetchResult::Fetched(it->second->links);
  if (random >= 0) return FetchResult::Fetched(RandomLinks(random));
  return FetchResult::NotFound();
}

void FakeFetcher::AddDocument(std::string url, int status, std::string body) {
  Document d;
  d.http_status = status;
  d.body = std::move(body);
  d.final_url = url;
  documents_[std::move(url)] = std::move(d);
}

Document FakeFetcher::FetchDocument(const std::string& url, int max_redirects) {
  if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
  return FetchDocumentNow(url, max_redirects);
}

Document FakeFetcher::FetchDocumentNow(const std::string& url,
                                       int max_redirects) {
  {
    std::lock_guard<std::mutex> lock(missing_mu_);
    ++document_fetches_[url];
  }
  auto it = documents_.find(url);
  if (it != documents_.end()) return it->second;
  return Fetcher::FetchDocument(url, max_redirects);
}

int FakeFetcher::DocumentFetchCount(const std::string& url) const {
  std::lock_guard<std::mutex> lock(missing_mu_);
  auto it = document_fetches_.find(url);
  return it == document_fetches_.end() ? 0 : it->second;
}

int FakeFetcher::FetchCount(const std::string& url) const {
  auto it = pages_.find(url);
  if (it != pages_.end()) return it->second->fetches.load();
  if (const long i = RandomIndex(url); i >= 0) return random_fetches_[i].load();
  if (const long m = RandomMissingIndex(url); m >= 0) {
    return random_missing_fetches_[m].load();
  }
  std::lock_guard<std::mutex> lock(missing_mu_);
  auto m = missing_fetches_.find(url);
  return m == missing_fetches_.end() ? 0 : m->second;
}

std::map<std::string, int> FakeFetcher::FetchCounts() const {
  std::map<std::string, int> counts;
  for (const auto& [url, page] : pages_) {
    if (int n = page->fetches.load()) counts[url] = n;
  }
  for (int i = 0; random_ && i < random_->pages; ++i) {
    if (int n = random_fetches_[i].load()) counts[PageUrl(*random_, i)] = n;
    if (int n = random_missing_fetches_[i].load()) {
      counts[random_->prefix + "missing/" + std::to_string(i)] = n;
    }
  }
  std::lock_guard<std::mutex> lock(missing_mu_);
  for (const auto& [url, n] : missing_fetches_) counts[url] = n;
  return counts;
}

}  // namespace crawl
