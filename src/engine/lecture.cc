#include "crawl/lecture.h"

#include <chrono>
#include <exception>
#include <string>

#include "crawl/url.h"
#include "engine/engines.h"
#include "scope/scope.h"

namespace crawl {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFetched: return "fetched";
    case Outcome::kRedirect: return "redirect";
    case Outcome::kNotFound: return "not_found";
    case Outcome::kHttpError: return "http_error";
    case Outcome::kRobots: return "robots";
    case Outcome::kError: return "error";
  }
  return "error";
}

const char* EngineName(Engine engine) {
  switch (engine) {
    case Engine::kSerial: return "serial";
    case Engine::kMutex: return "mutex";
    case Engine::kChannel: return "channel";
    case Engine::kEvent: return "event";
  }
  return "?";
}

const char* ScopeModeName(ScopeMode mode) {
  switch (mode) {
    case ScopeMode::kHost: return "host";
    case ScopeMode::kHostAnyPort: return "host-any-port";
    case ScopeMode::kDomain: return "domain";
    case ScopeMode::kAny: return "any";
  }
  return "?";
}

Result<ScopeMode> ParseScopeMode(std::string_view name) {
  for (ScopeMode m : {ScopeMode::kHost, ScopeMode::kHostAnyPort,
                      ScopeMode::kDomain, ScopeMode::kAny}) {
    if (name == ScopeModeName(m)) return m;
  }
  return Status::InvalidArgument("unknown scope '" + std::string(name) +
                                 "' (expected host, host-any-port, domain or any)");
}

Result<Engine> ParseEngine(std::string_view name) {
  for (Engine e : {Engine::kSerial, Engine::kMutex, Engine::kChannel,
                   Engine::kEvent}) {
    if (name == EngineName(e)) return e;
  }
  return Status::InvalidArgument("unknown engine '" + std::string(name) +
                                 "' (expected event, serial, mutex or channel)");
}

Status AbortedBy(const std::exception* e) {
  return Status::Internal(std::string("crawl aborted: ") +
                          (e ? e->what() : "unknown exception"));
}

FetchResult FetchSafely(Fetcher& fetcher, const Request& request) {
  const FetchClock clock;
  FetchResult result;
  try {
    result = fetcher.Fetch(request);
  } catch (const std::exception& e) {
    result = FetchResult::Error(ErrorKind::kException, e.what());
  } catch (...) {
    result = FetchResult::Error(ErrorKind::kException, "unknown exception");
  }
  clock.Stamp(result);
  return result;
}

std::size_t StartThreads(std::size_t n, const std::function<void()>& body,
                         std::vector<std::thread>& threads, Status* error) {
  std::size_t started = 0;
  try {
    threads.reserve(threads.size() + n);
    for (; started < n; ++started) threads.emplace_back(body);
  } catch (const std::exception& e) {
    *error = Status::Internal(std::string("cannot start a thread: ") +
                              e.what());
  }
  return started;
}


namespace {

// `url` as typed, with what may be a password ("user:pw@") replaced: an
// error message shows no password either.
std::string WithoutPassword(std::string_view url) {
  const std::size_t scheme = url.find("://");
  const std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const std::size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const std::string_view info = url.substr(start, at);
  const std::size_t colon = info.find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start + colon + 1)) + "***" +
         std::string(url.substr(start + at));
}

// The options' seeds (or `scope_seeds`), normalised; InvalidArgument if
// any is unusable.
Result<std::vector<std::string>> NormalizedSeeds(const CrawlOptions& options,
                                                 bool scope = false) {
  const std::vector<std::string>& given =
      scope && !options.scope_seeds.empty() ? options.scope_seeds : options.seeds;
  if (given.empty() && options.scope_seeds.empty()) {
    return Status::InvalidArgument("no seed URL given");
  }
  std::vector<std::string> seeds;
  for (const std::string& seed : given) {
    if (seed.empty()) return Status::InvalidArgument("empty seed URL");
    UrlResult url = NormalizeUrl(seed);
    if (!url.ok()) {
      return Status::InvalidArgument("seed '" + WithoutPassword(seed) +
                                     "' is not a usable " +
                                     "http(s) URL (" + UrlDropName(url.drop) +
                                     ")");
    }
    // Credentials are the HTTP layer's (HttpOptions::credentials), never a
    // URL's: a record shows no password.
    StripUserInfo(url.url);
    seeds.push_back(std::move(url.url));
  }
  return seeds;
}

}  // namespace

Status ValidateCrawlOptions(const CrawlOptions& options) {
  if (auto own = NormalizedSeeds(options); !own.ok()) return own.status();
  auto seeds = NormalizedSeeds(options, /*scope=*/true);
  if (!seeds.ok()) return seeds.status();
  if (options.concurrency < 1) {
    return Status::InvalidArgument("concurrency must be at least 1");
  }
  if (options.retries < 0 || options.retries > 100 ||
      options.max_redirects < 0 || options.max_redirects > 100) {
    return Status::InvalidArgument("retries and max_redirects must be 0..100");
  }
  if (options.per_host < 0 || !(options.delay >= 0) ||
      !(options.retry_base >= 0) || !(options.max_retry_wait >= 0)) {
    return Status::InvalidArgument("per_host and the delays must be >= 0");
  }
  auto scope = Scope::Create(options.scope, *seeds, options.include,
                             options.exclude);
  return scope.ok() ? Status() : scope.status();
}

TaskResult Execute(Fetcher& fetcher, const Task& task) {
  TaskResult result;
  if (task.kind == Task::Kind::kPage) {
    if (task.failure.kind != ErrorKind::kNone) {
      result.page = FetchResult::Error(task.failure.kind, task.failure.message);
      return result;
    }
    result.page = FetchSafely(fetcher, RequestOf(task));
    return result;
  }
  try {
    result.document = fetcher.FetchDocument(task.url, kDocumentRedirects);
  } catch (const std::exception& e) {
    result.document.error = {ErrorKind::kException, e.what()};
  } catch (...) {
    result.document.error = {ErrorKind::kException, "unknown exception"};
  }
  return result;
}

Result<CrawlSummary> Crawl(const CrawlOptions& options, Fetcher& fetcher,
                           RecordSink& sink) {
  return RunCrawl(options, fetcher, sink, nullptr);
}

Result<CrawlSummary> RunCrawl(const CrawlOptions& options, Fetcher& fetcher,
                              RecordSink& sink, FrontierHooks* hooks,
                              FrontierStore* store) {
  if (Status valid = ValidateCrawlOptions(options); !valid.ok()) return valid;
  if (store != nullptr && options.engine != Engine::kEvent) {
    return Status::InvalidArgument(
        "a crawl with a state directory (--state) or a cluster (--cluster) "
        "runs on the event engine");
  }
  CrawlOptions normalized = options;
  normalized.seeds = std::move(NormalizedSeeds(options).value());
  auto scope = Scope::Create(options.scope, NormalizedSeeds(options, /*scope=*/true).value(),
                             options.include, options.exclude);
  if (!scope.ok()) return scope.status();

  FrontierOptions frontier;
  frontier.max_depth = options.max_depth;
  frontier.max_pages = options.max_pages;
  frontier.max_redirects = options.max_redirects;
  frontier.scope = scope->get();
  frontier.stop = options.stop;
  frontier.progress = options.progress;
  frontier.hooks = hooks;
  frontier.store = store;
  frontier.per_host = options.per_host;
  frontier.delay_s = options.delay;
  frontier.max_crawl_delay_s = options.max_crawl_delay;
  frontier.obey_robots = options.obey_robots;
  frontier.robots_token = options.robots_token;
  frontier.sitemaps = options.sitemaps;
  frontier.retries = options.retries;
  frontier.retry_base_s = options.retry_base;
  frontier.max_retry_wait_s = options.max_retry_wait;
  frontier.max_pages_per_host = options.max_pages_per_host;
  frontier.max_url_length = options.max_url_length;
  frontier.random_seed = static_cast<std::uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());

  const auto start = std::chrono::steady_clock::now();
  Result<CrawlSummary> summary = Status::Internal("no engine");
  switch (options.engine) {
    case Engine::kSerial:
      summary = RunSerial(normalized, frontier, fetcher, sink);
      break;
    case Engine::kMutex:
      summary = RunMutex(normalized, frontier, fetcher, sink);
      break;
    case Engine::kChannel:
      summary = RunChannel(normalized, frontier, fetcher, sink);
      break;
    case Engine::kEvent:
      summary = RunEvent(normalized, frontier, fetcher, sink);
      break;
  }
  if (summary.ok()) {
    summary->seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  }
  return summary;
}

}  // namespace crawl
