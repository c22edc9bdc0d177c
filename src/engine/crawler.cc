#include "crawl/crawler.h"

#include <chrono>
#include <exception>
#include <string>
#include <system_error>

#include "engine/engines.h"

namespace crawl {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFetched: return "fetched";
    case Outcome::kNotFound: return "not_found";
    case Outcome::kError: return "error";
  }
  return "error";
}

const char* EngineName(Engine engine) {
  switch (engine) {
    case Engine::kSerial: return "serial";
    case Engine::kMutex: return "mutex";
    case Engine::kChannel: return "channel";
  }
  return "?";
}

Result<Engine> ParseEngine(std::string_view name) {
  for (Engine e : {Engine::kSerial, Engine::kMutex, Engine::kChannel}) {
    if (name == EngineName(e)) return e;
  }
  return Status::InvalidArgument("unknown engine '" + std::string(name) +
                                 "' (expected serial, mutex or channel)");
}

FetchResult FetchSafely(Fetcher& fetcher, const std::string& url) {
  try {
    return fetcher.Fetch(url);
  } catch (const std::exception& e) {
    return FetchResult::Error("exception", e.what());
  } catch (...) {
    return FetchResult::Error("exception", "unknown exception");
  }
}

std::size_t StartThreads(std::size_t n, const std::function<void()>& body,
                         std::vector<std::thread>& threads, Status* error) {
  std::size_t started = 0;
  try {
    for (; started < n; ++started) threads.emplace_back(body);
  } catch (const std::system_error& e) {
    *error = Status::Internal(std::string("cannot start a thread: ") +
                              e.what());
  }
  return started;
}

FrontierOptions MakeFrontierOptions(const CrawlOptions& options,
                                    FrontierOptions::Order order) {
  FrontierOptions f;
  f.max_depth = options.max_depth;
  f.max_pages = options.max_pages;
  f.order = order;
  return f;
}

Result<CrawlSummary> Crawl(const CrawlOptions& options, Fetcher& fetcher,
                           RecordSink& sink) {
  if (options.seeds.empty()) {
    return Status::InvalidArgument("no seed URL given");
  }
  for (const std::string& seed : options.seeds) {
    if (seed.empty()) return Status::InvalidArgument("empty seed URL");
  }
  if (options.concurrency < 1) {
    return Status::InvalidArgument("concurrency must be at least 1");
  }

  const auto start = std::chrono::steady_clock::now();
  Result<CrawlSummary> summary = Status::Internal("no engine");
  switch (options.engine) {
    case Engine::kSerial: summary = RunSerial(options, fetcher, sink); break;
    case Engine::kMutex: summary = RunMutex(options, fetcher, sink); break;
    case Engine::kChannel: summary = RunChannel(options, fetcher, sink); break;
  }
  if (summary.ok()) {
    summary->seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  }
  return summary;
}

}  // namespace crawl
