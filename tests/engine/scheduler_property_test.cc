// A randomised property test of the Frontier's scheduler, on a simulated
// clock: many small crawls over several hosts, each host with several
// robots.txt sites (schemes and ports share a host queue), random robots.txt
// outcomes, random retryable failures, per-host limits, delays, max_pages,
// a stop flag, both orders. The driver keeps up to C tasks in flight,
// completes them in random order, and when nothing can be dispatched and
// nothing is in flight, advances the clock to NextWakeup().
//
// The invariant: whenever something is queued, either it will be dispatched
// or the crawl ends. So the crawl always reaches Done(); and along the way
// no page is dispatched more than 1 + retries times, first attempts never
// exceed max_pages (after which only retries start), per_host is never
// exceeded, no page goes before its site's robots.txt allows it, and every
// page dispatched gets exactly one record (a page whose retry was still
// queued when the stop flag was set gets none). Without a stop, the pages
// recorded are exactly those a reference search says are reachable (all of
// them, or max_pages were fetched).
//
// CRAWL_SCHEDULER_SEED=<n> runs scenario n alone; CRAWL_SCHEDULER_SCENARIOS
// sets how many run (default 5000).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/frontier.h"

namespace crawl {
namespace {

using std::chrono::milliseconds;
using Order = FrontierOptions::Order;

// What one failed attempt returns: all of these are retryable.
enum class Failure { k503, k503RetryAfter, k429, kTimeout, kTruncated };

struct SiteSpec {
  std::string origin;  // "https://h1.test:8443"
  int host = 0;
  // What robots.txt answers once its transient failures are over.
  enum class Final { kAllow, kDisallowD, kMissing, kAlways503, kAlwaysNetwork };
  Final final = Final::kAllow;
  int failures = 0;                // transient failures first
  std::vector<bool> fail_network;  // per failed attempt: network, else 503
  bool crawl_delay = false;        // "Crawl-delay: 1" with the rules
};

struct PageSpec {
  std::string url;
  std::string path;
  int site = 0;
  int host = 0;
  int failures = 0;  // retryable failures before the final answer
  std::vector<Failure> failure_kinds;
  enum class Final { kFetched, kNotFound, kRedirect, kError };
  Final final = Final::kFetched;
  std::vector<int> links;
  int redirect_to = -1;
};

struct Scenario {
  std::uint64_t seed = 0;
  FrontierOptions options;  // without stop
  int hosts = 0;
  std::vector<SiteSpec> sites;
  std::vector<PageSpec> pages;
  std::vector<int> seeds;
  std::size_t concurrency = 1;
  int stop_at = -1;  // step at which the stop flag is set; -1: never
  bool crowded = false;

  std::string Describe() const {
    std::ostringstream s;
    s << "scenario seed " << seed << " (hosts " << hosts << ", sites "
      << sites.size() << ", pages " << pages.size() << ", seeds "
      << this->seeds.size() << ", "
      << (options.order == Order::kBreadthFirst ? "bfs" : "dfs")
      << ", obey_robots " << options.obey_robots << ", retries "
      << options.retries << ", per_host " << options.per_host << ", delay "
      << options.delay_s << ", max_pages " << options.max_pages
      << ", max_depth " << options.max_depth << ", concurrency "
      << concurrency << ", stop_at " << stop_at
      << (crowded ? ", crowded" : "") << ")";
    return s.str();
  }
};

Scenario Generate(std::uint64_t seed) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 12345);
  auto pick = [&](int lo, int hi) {  // inclusive
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  auto chance = [&](double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
  };
  Scenario sc;
  sc.seed = seed;
  // A third of the scenarios crowd many robots.txt sites onto few hosts and
  // reach max_pages early, where a retry meets robots tasks of its host.
  sc.crowded = chance(0.35);
  FrontierOptions& o = sc.options;
  o.order = chance(0.5) ? Order::kBreadthFirst : Order::kDepthFirst;
  o.obey_robots = sc.crowded || chance(0.5);
  o.robots_token = "crawl";
  o.max_crawl_delay_s = 0.5;
  o.retries = pick(0, 5);
  o.retry_base_s = 0.05 * pick(1, 10);
  o.max_retry_wait_s = 0.25 * pick(1, 8);
  o.per_host = chance(0.4) ? 0 : pick(1, 3);
  o.delay_s = chance(0.5) ? 0 : 0.1 * pick(1, 5);
  o.max_depth = chance(0.6) ? -1 : pick(0, 4);
  o.max_redirects = 100;  // not under test here
  o.random_seed = seed + 1;
  sc.concurrency = static_cast<std::size_t>(pick(1, 8));

  // Hosts, each with 1..3 sites among four origins.
  sc.hosts = sc.crowded ? pick(1, 2) : pick(1, 4);
  static const char* const kOrigins[] = {"http://%s", "https://%s",
                                         "http://%s:8080", "https://%s:8080"};
  std::vector<std::vector<int>> host_sites(sc.hosts);
  for (int h = 0; h < sc.hosts; ++h) {
    const std::string name = "h" + std::to_string(h) + ".test";
    std::vector<int> which = {0, 1, 2, 3};
    std::shuffle(which.begin(), which.end(), rng);
    which.resize(static_cast<std::size_t>(sc.crowded ? pick(3, 4) : pick(1, 4)));
    for (int w : which) {
      SiteSpec site;
      std::string origin = kOrigins[w];
      origin.replace(origin.find("%s"), 2, name);
      site.origin = origin;
      site.host = h;
      site.final = static_cast<SiteSpec::Final>(pick(0, 4));
      site.failures = chance(0.5) ? 0 : pick(1, 4);
      for (int i = 0; i < site.failures; ++i) site.fail_network.push_back(chance(0.5));
      site.crawl_delay = chance(0.1);
      host_sites[h].push_back(static_cast<int>(sc.sites.size()));
      sc.sites.push_back(site);
    }
  }

  // Pages on random sites, with random links and outcomes.
  const int n = pick(1, 40);
  for (int i = 0; i < n; ++i) {
    PageSpec p;
    p.site = pick(0, static_cast<int>(sc.sites.size()) - 1);
    p.host = sc.sites[p.site].host;
    p.path = (chance(0.3) ? "/d/p" : "/p") + std::to_string(i);
    p.url = sc.sites[p.site].origin + p.path;
    p.failures = chance(0.5) ? 0 : pick(1, 7);
    for (int k = 0; k < p.failures; ++k) p.failure_kinds.push_back(static_cast<Failure>(pick(0, 4)));
    const int f = pick(0, 9);
    p.final = f < 7 ? PageSpec::Final::kFetched
              : f == 7 ? PageSpec::Final::kNotFound
              : f == 8 ? PageSpec::Final::kRedirect
                       : PageSpec::Final::kError;
    if (p.final == PageSpec::Final::kRedirect) p.redirect_to = pick(0, n - 1);
    if (p.final == PageSpec::Final::kFetched) {
      const int links = pick(0, 5);
      for (int k = 0; k < links; ++k) p.links.push_back(pick(0, n - 1));
    }
    sc.pages.push_back(p);
  }
  const int seeds = pick(1, 3);
  for (int k = 0; k < seeds; ++k) sc.seeds.push_back(pick(0, n - 1));
  o.max_pages = !sc.crowded && chance(0.4)
                    ? 0
                    : static_cast<std::uint64_t>(pick(1, std::max(1, n / (sc.crowded ? 3 : 2))));
  if (chance(0.2)) sc.stop_at = pick(1, 40);
  return sc;
}

// --- The reference: what a crawl without stop and max_pages records ---

enum class Verdict { kAllowAll, kDisallowD, kBlockAll };

Verdict RobotsVerdict(const Scenario& sc, int site) {
  if (!sc.options.obey_robots) return Verdict::kAllowAll;
  const SiteSpec& s = sc.sites[site];
  if (s.failures > sc.options.retries) return Verdict::kBlockAll;  // gave up
  switch (s.final) {
    case SiteSpec::Final::kAllow:
    case SiteSpec::Final::kMissing: return Verdict::kAllowAll;
    case SiteSpec::Final::kDisallowD: return Verdict::kDisallowD;
    case SiteSpec::Final::kAlways503:
    case SiteSpec::Final::kAlwaysNetwork: return Verdict::kBlockAll;
  }
  return Verdict::kBlockAll;
}

bool Allows(Verdict v, const std::string& path) {
  switch (v) {
    case Verdict::kAllowAll: return true;
    case Verdict::kDisallowD: return path.rfind("/d/", 0) != 0;
    case Verdict::kBlockAll: return false;
  }
  return false;
}

// The pages within max_depth of a seed, following the links of pages
// fetched (allowed, and not failing more than `retries` times) and
// redirects at the same depth.
std::set<int> Reachable(const Scenario& sc) {
  const int n = static_cast<int>(sc.pages.size());
  constexpr int kInf = std::numeric_limits<int>::max();
  std::vector<int> dist(n, kInf);
  std::deque<int> queue;
  for (int s : sc.seeds) {
    if (dist[s] != 0) {
      dist[s] = 0;
      queue.push_back(s);
    }
  }
  const int max_depth = sc.options.max_depth;
  while (!queue.empty()) {
    const int u = queue.front();
    queue.pop_front();
    if (max_depth >= 0 && dist[u] > max_depth) continue;
    const PageSpec& p = sc.pages[u];
    if (!Allows(RobotsVerdict(sc, p.site), p.path)) continue;
    if (p.failures > sc.options.retries) continue;
    if (p.final == PageSpec::Final::kRedirect && dist[u] < dist[p.redirect_to]) {
      dist[p.redirect_to] = dist[u];
      queue.push_front(p.redirect_to);
    }
    if (p.final == PageSpec::Final::kFetched) {
      for (int v : p.links) {
        if (dist[u] + 1 < dist[v]) {
          dist[v] = dist[u] + 1;
          queue.push_back(v);
        }
      }
    }
  }
  std::set<int> reached;
  for (int i = 0; i < n; ++i) {
    if (dist[i] != kInf && (max_depth < 0 || dist[i] <= max_depth)) reached.insert(i);
  }
  return reached;
}

// --- The simulation ---

bool IsRetryable(const FetchResult& r) {
  if (r.outcome == Outcome::kError) {
    return r.error.kind == ErrorKind::kTimeout || r.error.kind == ErrorKind::kTruncated;
  }
  return r.outcome == Outcome::kHttpError &&
         (r.http_status == 503 || r.http_status == 429);
}

FetchResult PageAnswer(const Scenario& sc, const PageSpec& p, int attempt) {
  if (attempt <= p.failures) {
    FetchResult r;
    switch (p.failure_kinds[attempt - 1]) {
      case Failure::k503:
        r.outcome = Outcome::kHttpError;
        r.http_status = 503;
        break;
      case Failure::k503RetryAfter:
        r.outcome = Outcome::kHttpError;
        r.http_status = 503;
        r.retry_after_s = 0.5 * (attempt % 3);
        break;
      case Failure::k429:
        r.outcome = Outcome::kHttpError;
        r.http_status = 429;
        r.retry_after_s = 1;
        break;
      case Failure::kTimeout: r = FetchResult::Error(ErrorKind::kTimeout, "slow"); break;
      case Failure::kTruncated: r = FetchResult::Error(ErrorKind::kTruncated, "cut off"); break;
    }
    return r;
  }
  switch (p.final) {
    case PageSpec::Final::kFetched: {
      std::vector<std::string> links;
      for (int v : p.links) links.push_back(sc.pages[v].url);
      return FetchResult::Fetched(std::move(links));
    }
    case PageSpec::Final::kNotFound: return FetchResult::NotFound();
    case PageSpec::Final::kRedirect:
      return FetchResult::Redirect(sc.pages[p.redirect_to].url);
    case PageSpec::Final::kError: return FetchResult::Error(ErrorKind::kBadResponse, "x");
  }
  return FetchResult::NotFound();
}

// robots.txt's answer to `attempt`, and whether it is a failure (5xx or no
// response) that the Frontier retries while it may.
Document RobotsAnswer(const SiteSpec& s, int attempt, bool* failed) {
  Document d;
  *failed = false;
  auto fail = [&](bool network) {
    *failed = true;
    if (network) {
      d.error = {ErrorKind::kNetwork, "TLS handshake failed"};
    } else {
      d.http_status = 503;
    }
  };
  if (attempt <= s.failures) {
    fail(s.fail_network[attempt - 1]);
    return d;
  }
  const std::string delay = s.crawl_delay ? "Crawl-delay: 1\n" : "";
  switch (s.final) {
    case SiteSpec::Final::kAllow:
      d.http_status = 200;
      d.body = "User-agent: *\nAllow: /\n" + delay;
      break;
    case SiteSpec::Final::kDisallowD:
      d.http_status = 200;
      d.body = "User-agent: *\nDisallow: /d/\n" + delay;
      break;
    case SiteSpec::Final::kMissing: d.http_status = 404; break;
    case SiteSpec::Final::kAlways503: fail(false); break;
    case SiteSpec::Final::kAlwaysNetwork: fail(true); break;
  }
  return d;
}

// What the scenarios ran into, to show the variety covered.
struct Coverage {
  int capped = 0;              // max_pages reached
  int retry_after_cap = 0;     // a retry dispatched after that
  int robots_after_cap = 0;    // a robots.txt left queued or waiting then
  int stopped = 0;
  int complete = 0;            // every reachable page recorded
  int wakeups = 0;             // scenarios that needed the clock advanced
  long long tasks = 0;
};

// Runs one scenario; returns "" or what went wrong.
std::string RunScenario(const Scenario& sc, Coverage* coverage) {
  std::mt19937_64 rng(sc.seed ^ 0xD1B54A32D192ED03ULL);
  std::atomic<bool> stop{false};
  FrontierOptions o = sc.options;
  o.stop = &stop;
  const Clock::time_point t0 = Clock::now();
  Clock::time_point now = t0;
  Frontier f(o);
  for (int s : sc.seeds) f.AddSeed(sc.pages[s].url);

  std::map<std::string, int> page_of;
  for (int i = 0; i < static_cast<int>(sc.pages.size()); ++i) page_of[sc.pages[i].url] = i;
  std::map<std::string, int> site_of;
  for (int i = 0; i < static_cast<int>(sc.sites.size()); ++i) {
    site_of[sc.sites[i].origin + "/robots.txt"] = i;
  }
  const std::size_t n = sc.pages.size();
  const int retries = o.retries;
  std::vector<int> attempts(n, 0);          // dispatches per page
  std::vector<bool> pending_retry(n, false);
  std::vector<bool> page_in_flight(n, false);
  std::vector<int> records(n, 0);
  std::vector<Outcome> last_outcome(n, Outcome::kError);
  std::vector<int> robots_attempts(sc.sites.size(), 0);
  std::vector<bool> robots_in_flight(sc.sites.size(), false);
  std::vector<std::optional<Verdict>> verdict(sc.sites.size());
  std::vector<int> host_in_flight(static_cast<std::size_t>(sc.hosts), 0);
  std::uint64_t first_attempts = 0;
  std::size_t total_records = 0;
  bool stopped = false;
  bool retry_after_cap = false;
  bool woke = false;
  std::vector<Task> in_flight;

  int step = 0;
  int idle_wakeups = 0;  // in a row, with nothing dispatched
  const int max_steps = 200 + 40 * static_cast<int>(n + sc.sites.size()) * (retries + 2);
  std::ostringstream err;
  auto fail = [&](const std::string& what) {
    err << sc.Describe() << ", step " << step << ": " << what;
    return err.str();
  };

  for (;;) {
    if (++step > max_steps) return fail("no end after " + std::to_string(max_steps) + " steps");
    if (step == sc.stop_at) {
      stop = true;
      stopped = true;
    }
    bool dispatched = false;
    while (in_flight.size() < sc.concurrency) {
      std::optional<Task> t = f.Next(now);
      if (!t) {
        if (f.Ready(1000) != 0) return fail("Ready() counts tasks that Next() did not give");
        break;
      }
      dispatched = true;
      if (stopped) return fail("dispatched after the stop flag: " + t->url);
      if (t->kind == Task::Kind::kPage) {
        auto it = page_of.find(t->url);
        if (it == page_of.end()) return fail("unknown page " + t->url);
        const int p = it->second;
        const PageSpec& spec = sc.pages[static_cast<std::size_t>(p)];
        if (page_in_flight[p]) return fail("page twice in flight: " + t->url);
        if (attempts[p] > 0 && !pending_retry[p]) return fail("fetched again, not a retry: " + t->url);
        if (++attempts[p] > 1 + retries) return fail("dispatched more than 1 + retries times: " + t->url);
        if (t->attempt != attempts[p]) return fail("wrong attempt number for " + t->url);
        if (attempts[p] == 1) {
          if (o.max_pages != 0 && first_attempts >= o.max_pages) {
            return fail("a new page after max_pages: " + t->url);
          }
          ++first_attempts;
        } else if (o.max_pages != 0 && first_attempts >= o.max_pages) {
          retry_after_cap = true;
        }
        if (o.obey_robots) {
          if (!verdict[spec.site]) return fail("page before its robots.txt: " + t->url);
          if (!Allows(*verdict[spec.site], spec.path)) return fail("page robots.txt forbids: " + t->url);
        }
        pending_retry[p] = false;
        page_in_flight[p] = true;
        ++host_in_flight[spec.host];
        if (o.per_host > 0 && host_in_flight[spec.host] > o.per_host) return fail("per_host exceeded by " + t->url);
      } else if (t->kind == Task::Kind::kRobots) {
        if (!o.obey_robots) return fail("robots.txt without obey_robots");
        auto it = site_of.find(t->url);
        if (it == site_of.end()) return fail("unknown robots.txt " + t->url);
        const int s = it->second;
        if (o.max_pages != 0 && first_attempts >= o.max_pages) {
          return fail("robots.txt after max_pages: " + t->url);
        }
        if (robots_in_flight[s]) return fail("robots.txt twice in flight: " + t->url);
        if (verdict[s]) return fail("robots.txt fetched again after its verdict: " + t->url);
        if (++robots_attempts[s] > 1 + retries) return fail("robots.txt fetched more than 1 + retries times");
        if (t->attempt != robots_attempts[s]) return fail("wrong attempt number for " + t->url);
        robots_in_flight[s] = true;
        const int h = sc.sites[s].host;
        ++host_in_flight[h];
        if (o.per_host > 0 && host_in_flight[h] > o.per_host) return fail("per_host exceeded by " + t->url);
      } else {
        return fail("a sitemap task without sitemaps");
      }
      in_flight.push_back(std::move(*t));
      ++coverage->tasks;
    }
    if (f.in_flight() != in_flight.size()) return fail("in_flight() disagrees");
    if (dispatched) idle_wakeups = 0;
    if (f.Done()) {
      if (!in_flight.empty()) return fail("Done() with tasks in flight");
      break;
    }
    if (!in_flight.empty()) {
      // A fetch takes a while; then one of those out ends, any of them.
      if (rng() % 3 == 0) now += milliseconds(rng() % 400);
      const std::size_t i = rng() % in_flight.size();
      const Task t = in_flight[i];
      in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(i));
      TaskResult result;
      if (t.kind == Task::Kind::kPage) {
        const int p = page_of[t.url];
        const PageSpec& spec = sc.pages[static_cast<std::size_t>(p)];
        page_in_flight[p] = false;
        --host_in_flight[spec.host];
        result.page = PageAnswer(sc, spec, attempts[p]);
        last_outcome[p] = result.page.outcome;
        pending_retry[p] = IsRetryable(result.page) && attempts[p] <= retries && !stop.load();
      } else {
        const int s = site_of[t.url];
        robots_in_flight[s] = false;
        --host_in_flight[sc.sites[s].host];
        bool failed = false;
        result.document = RobotsAnswer(sc.sites[s], robots_attempts[s], &failed);
        const bool received = result.document.error.kind == ErrorKind::kNone;
        if (!failed) {
          verdict[s] = sc.sites[s].final == SiteSpec::Final::kDisallowD
                           ? Verdict::kDisallowD
                           : Verdict::kAllowAll;
        } else if (!(stop.load() && !received) &&
                   (robots_attempts[s] > retries || stop.load())) {
          verdict[s] = Verdict::kBlockAll;  // given up on
        }
      }
      for (const PageRecord& r : f.Complete(t, std::move(result), now)) {
        ++total_records;
        auto it = page_of.find(r.url);
        if (it == page_of.end()) return fail("record of an unknown URL " + r.url);
        const int p = it->second;
        if (++records[p] > 1) return fail("two records for " + r.url);
        if (attempts[p] == 0) {
          // Never fetched: only robots.txt (or its absence) stops a page.
          if (!o.obey_robots) return fail("record of an unfetched page without robots: " + r.url);
          if (r.result.outcome != Outcome::kRobots && r.result.outcome != Outcome::kError) {
            return fail("unfetched page recorded as fetched: " + r.url);
          }
        } else {
          if (page_in_flight[p] || pending_retry[p]) return fail("record of a page not done: " + r.url);
          if (r.result.attempts != attempts[p]) return fail("record's attempts wrong: " + r.url);
          if (r.result.outcome != last_outcome[p]) return fail("record's outcome wrong: " + r.url);
        }
      }
      continue;
    }
    // Nothing in flight and nothing to dispatch: only time can help.
    const std::optional<Clock::time_point> wake = f.NextWakeup();
    if (!wake) {
      return fail("HANG: not Done(), nothing in flight, Next() gives nothing "
                  "and NextWakeup() is empty (" + std::to_string(f.queued()) +
                  " queued)");
    }
    if (*wake <= now) return fail("NextWakeup() is not in the future");
    if (++idle_wakeups > sc.hosts + 1) {
      return fail("HANG: NextWakeup() over and over, and Next() never gives anything");
    }
    now = *wake;
    woke = true;
  }

  // The end.
  if (f.Next(now) || f.NextWakeup() || f.Ready(100) != 0) {
    return fail("Done(), but Next(), NextWakeup() or Ready() disagree");
  }
  if (f.Summary().pages != total_records) return fail("Summary().pages is not the records streamed");
  for (std::size_t p = 0; p < n; ++p) {
    if (attempts[p] == 0) continue;
    if (pending_retry[p] && !stopped) return fail("a retry never ran: " + sc.pages[p].url);
    const int want = pending_retry[p] ? 0 : 1;
    if (records[p] != want) {
      return fail("dispatched page with " + std::to_string(records[p]) +
                  " records: " + sc.pages[p].url);
    }
  }
  coverage->capped += o.max_pages != 0 && first_attempts == o.max_pages;
  coverage->retry_after_cap += retry_after_cap;
  coverage->stopped += stopped;
  coverage->wakeups += woke;
  if (o.obey_robots && o.max_pages != 0 && first_attempts == o.max_pages) {
    for (std::size_t s = 0; s < sc.sites.size(); ++s) {
      if (!verdict[s] && robots_attempts[s] > 0) {
        ++coverage->robots_after_cap;
        break;
      }
    }
  }
  if (!stopped) {
    std::set<int> recorded;
    for (std::size_t p = 0; p < n; ++p) {
      if (records[p] != 0) recorded.insert(static_cast<int>(p));
    }
    const std::set<int> reachable = Reachable(sc);
    if (!std::includes(reachable.begin(), reachable.end(), recorded.begin(), recorded.end())) {
      return fail("recorded a page out of reach");
    }
    const bool capped = o.max_pages != 0 && first_attempts == o.max_pages;
    if (!capped && recorded != reachable) {
      return fail("recorded " + std::to_string(recorded.size()) + " pages of " +
                  std::to_string(reachable.size()) + " reachable, max_pages not reached");
    }
    if (o.max_pages == 0) {
      for (int p : reachable) {
        const PageSpec& spec = sc.pages[static_cast<std::size_t>(p)];
        if (!Allows(RobotsVerdict(sc, spec.site), spec.path)) continue;
        if (attempts[p] != std::min(spec.failures, retries) + 1) {
          return fail("attempts of " + spec.url + " not as the failures and retries say");
        }
      }
    }
    coverage->complete += recorded == reachable;
  }
  return "";
}

std::uint64_t EnvOr(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(SchedulerProperty, EveryCrawlEndsAndEveryDispatchedPageIsRecordedOnce) {
  std::uint64_t first = 0;
  std::uint64_t count = EnvOr("CRAWL_SCHEDULER_SCENARIOS", 5000);
  if (std::getenv("CRAWL_SCHEDULER_SEED") != nullptr) {
    first = EnvOr("CRAWL_SCHEDULER_SEED", 0);
    count = 1;
  }
  int failures = 0;
  Coverage c;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const std::string error = RunScenario(Generate(seed), &c);
    if (!error.empty() && ++failures <= 5) ADD_FAILURE() << error;
  }
  EXPECT_EQ(failures, 0) << "scenarios failed, of " << count
                         << " (rerun one with CRAWL_SCHEDULER_SEED=<n>)";
  std::printf("%llu scenarios, %lld tasks: max_pages reached in %d, a retry "
              "after it in %d, robots.txt cut off by it in %d; stopped %d; "
              "all reachable recorded %d; clock advanced in %d\n",
              static_cast<unsigned long long>(count), c.tasks, c.capped,
              c.retry_after_cap, c.robots_after_cap, c.stopped, c.complete,
              c.wakeups);
  if (count >= 1000) {  // the cases that matter do come up
    EXPECT_GT(c.retry_after_cap, static_cast<int>(count / 50));
    EXPECT_GT(c.robots_after_cap, static_cast<int>(count / 100));
    EXPECT_GT(c.stopped, static_cast<int>(count / 25));
    EXPECT_GT(c.complete, static_cast<int>(count / 4));
  }
}

}  // namespace
}  // namespace crawl
