// crawl — the command-line tool: flags -> CrawlOptions, the crawl, JSON Lines
// out, progress and summary on stderr. Exit codes are in flags.cc's usage.
//
// Threads: main runs the crawl; a monitor thread waits on a signalfd
// (SIGINT/SIGTERM are blocked everywhere else), enforces --max-time, redraws
// the progress line and watches for output failure. Stopping sets the
// crawl's stop flag and cancels fetches in flight.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "bench.h"
#include "console.h"
#include "crawl/crawler.h"
#include "crawl/fake_fetcher.h"
#include "crawl/url.h"
#include "fetch/http_fetcher.h"
#include "flags.h"
#include "output/jsonl_sink.h"
#include "output/mirror.h"
#include "output/warc_writer.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFetchErrors = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFatal = 3;

int UsageError(const std::string& message) {
  std::fprintf(stderr, "crawl: %s\nTry 'crawl --help' for more information.\n",
               message.c_str());
  return kExitUsage;
}

}  // namespace

int Main(int argc, char** argv) {
  using namespace crawl;
  auto parsed = cli::ParseFlags(argc, argv);
  if (!parsed.ok()) return UsageError(parsed.status().message());
  cli::Config& config = *parsed;
  if (!config.print_and_exit.empty()) {
    std::fputs(config.print_and_exit.c_str(), stdout);
    return kExitOk;
  }

  // crawl bench: the site's server in a child, forked before any thread.
  cli::BenchSite bench_site;
  if (config.bench) {
    if (Status s = bench_site.Start(config.site); !s.ok()) {
      if (s.code() == Status::Code::kInvalidArgument) {
        return UsageError(s.message());
      }
      std::fprintf(stderr, "crawl bench: %s\n", s.message().c_str());
      return kExitFatal;
    }
    config.crawl.seeds = {bench_site.root_url()};
    if (config.site.hosts > 1) {
      // Every host in scope, and every host name to the child server (after
      // any --connect-to of the user's: the first match wins).
      if (config.crawl.scope != ScopeMode::kDomain) {
        config.crawl.scope = ScopeMode::kAny;
      }
      config.http.connect_to.push_back("::127.0.0.1:" +
                                       std::to_string(bench_site.port()));
    }
    if (config.output.empty()) config.output = "/dev/null";
  }

  // Block the stop signals in every thread; the monitor reads them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::fprintf(stderr, "crawl: cannot watch for signals: %s\n",
                 std::strerror(errno));
    return kExitFatal;
  }
  // A closed pipe (crawl ... | head) is a write error, reported, exit 3.
  signal(SIGPIPE, SIG_IGN);

  // The fetcher.
  // Declared before the fetcher, which calls them: destroyed after it.
  std::vector<std::unique_ptr<ResponseSink>> outputs;
  auto outputs_failed = [&outputs] {
    for (const auto& output : outputs) {
      if (output->failed()) return true;
    }
    return false;
  };
  std::unique_ptr<Fetcher> fetcher;
  if (!config.fake_spec.empty()) {
    auto fake = FakeFetcher::FromSpec(config.fake_spec);
    if (!fake.ok()) return UsageError(fake.status().message());
    if (config.crawl.seeds.empty()) config.crawl.seeds = (*fake)->seeds();
    fetcher = std::move(*fake);
  } else {
    // The seeds' own origins may be private (crawling your intranet or a
    // test server); nothing else may, unless --allow-private. A seed's
    // userinfo (or --user/--password) becomes credentials for its origin
    // alone, and leaves the URL.
    for (std::string& seed : config.crawl.seeds) {
      UrlResult url = NormalizeUrl(seed);
      if (!url.ok()) continue;  // ValidateCrawlOptions says why, below
      std::optional<UrlCredentials> creds = TakeUserInfo(url.url);
      if (!creds && !config.user.empty()) {
        creds = UrlCredentials{std::string(UrlOrigin(url.url)), config.user,
                               config.password};
      }
      if (creds) config.http.credentials.push_back(std::move(*creds));
      config.http.private_ok_origins.emplace_back(UrlOrigin(url.url));
      seed = std::move(url.url);
    }
    // Validate before creating (and truncating) any output file.
    if (Status valid = ValidateCrawlOptions(config.crawl); !valid.ok()) {
      return UsageError(valid.message());
    }
    // The outputs that keep responses: the fetcher hands each one every
    // response it receives.
    if (!config.warc_file.empty()) {
      WarcOptions w;
      w.name = config.warc_file;
      w.max_size = config.warc_max_size;
      w.dedup = config.warc_dedup;
      w.cdx = config.warc_cdx;
      w.software = "crawl/" CRAWL_VERSION;
      w.level = config.warc_level;
      w.info.emplace_back("robots", config.crawl.obey_robots ? "obey" : "ignore");
      w.info.emplace_back("http-header-user-agent", config.http.user_agent);
      w.info.emplace_back("crawl-options", config.command_line);
      auto warc = WarcWriter::Open(std::move(w));
      if (!warc.ok()) {
        std::fprintf(stderr, "crawl: %s\n", warc.status().message().c_str());
        return kExitFatal;
      }
      outputs.push_back(std::move(*warc));
    }
    if (!config.mirror.empty()) {
      auto mirror = Mirror::Open(MirrorOptions{config.mirror});
      if (!mirror.ok()) {
        std::fprintf(stderr, "crawl: %s\n", mirror.status().message().c_str());
        return kExitFatal;
      }
      outputs.push_back(std::move(*mirror));
    }
    for (const auto& output : outputs) config.page.outputs.push_back(output.get());
    // The event engine turns the HTTP loop on its own thread (no hand-off);
    // the thread engines share a loop thread.
    config.http.own_thread = config.crawl.engine != Engine::kEvent;
    auto http = std::make_unique<HttpFetcher>(config.http, config.page);
    if (!http->status().ok()) {
      std::fprintf(stderr, "crawl: %s\n", http->status().message().c_str());
      return kExitFatal;
    }
    fetcher = std::move(http);
  }

  // Validate before creating (and truncating) the output file.
  if (Status valid = ValidateCrawlOptions(config.crawl); !valid.ok()) {
    return UsageError(valid.message());
  }

  // The output.
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  const bool to_file = !config.output.empty() && config.output != "-";
  if (to_file) {
    file.reset(std::fopen(config.output.c_str(), "w"));
    if (!file) {
      std::fprintf(stderr, "crawl: cannot open %s: %s\n",
                   config.output.c_str(), std::strerror(errno));
      return kExitFatal;
    }
    out = file.get();
  }
  JsonlSink jsonl(out, to_file ? config.output : "stdout",
                  JsonlFields{.links = config.with_links,
                              .warc = !config.warc_file.empty(),
                              .mirror = !config.mirror.empty()});
  cli::Console console(!config.quiet && isatty(STDERR_FILENO));
  cli::VerboseSink verbose(jsonl, console);
  RecordSink& sink = config.verbose ? static_cast<RecordSink&>(verbose) : jsonl;

  std::atomic<bool> stop{false}, finished{false};
  std::atomic<int> stopped_by_signal{0};
  std::atomic<bool> stopped_by_time{false};
  CrawlProgress progress;
  config.crawl.stop = &stop;
  config.crawl.progress = &progress;

  const auto start = std::chrono::steady_clock::now();
  std::thread monitor([&] {
    auto stop_crawl = [&] {
      stop = true;
      fetcher->CancelAll();
    };
    while (!finished) {
      pollfd p{signal_fd, POLLIN, 0};
      if (poll(&p, 1, 200) > 0) {
        signalfd_siginfo info{};
        if (read(signal_fd, &info, sizeof info) == sizeof info) {
          if (stopped_by_signal.exchange(static_cast<int>(info.ssi_signo))) {
            // A second signal: exit now, but not in the middle of a record.
            for (const auto& output : outputs) output->Abandon();
            _exit(128 + static_cast<int>(info.ssi_signo));
          }
          stop_crawl();
        }
      }
      const auto elapsed = std::chrono::steady_clock::now() - start;
      if (config.max_time.count() > 0 && elapsed >= config.max_time &&
          !stop.load()) {
        stopped_by_time = true;
        stop_crawl();
      }
      if ((jsonl.failed() || outputs_failed()) && !stop.load()) {
        stop_crawl();
      }
      jsonl.FlushIfStale();
      console.DrawProgress(progress,
                           std::chrono::duration<double>(elapsed).count());
    }
  });

  struct JoinMonitor {  // however Crawl() ends, even by an exception
    std::atomic<bool>& finished;
    std::thread& monitor;
    ~JoinMonitor() {
      finished = true;
      if (monitor.joinable()) monitor.join();
    }
  };
  Result<CrawlSummary> summary = Status::Internal("not run");
  const cli::ProcessUsage usage_before = cli::SelfUsage();
  {
    JoinMonitor join{finished, monitor};
    summary = Crawl(config.crawl, *fetcher, sink);
  }
  console.ClearProgress();
  if (!summary.ok()) {
    if (summary.status().code() == Status::Code::kInvalidArgument) {
      return UsageError(summary.status().message());
    }
    std::fprintf(stderr, "crawl: %s\n", summary.status().message().c_str());
    return kExitFatal;
  }

  // The outputs end on whole records; the CDXJ index is written now.
  bool output_failed = false;
  for (const auto& output : outputs) {
    if (Status s = output->Close(); !s.ok()) {
      std::fprintf(stderr, "crawl: %s\n", s.message().c_str());
      output_failed = true;
    }
  }
  jsonl.Flush();
  if (file && std::fclose(file.release()) != 0 && jsonl.status().ok()) {
    std::fprintf(stderr, "crawl: cannot write %s: %s\n",
                 config.output.c_str(), std::strerror(errno));
    return kExitFatal;
  }
  if (!jsonl.status().ok()) {
    std::fprintf(stderr, "crawl: %s\n", jsonl.status().message().c_str());
    return kExitFatal;
  }

  if (output_failed) return kExitFatal;

  const CrawlSummary& s = *summary;
  if ((config.crawl.engine == Engine::kMutex ||
       config.crawl.engine == Engine::kChannel) &&
      s.threads < config.crawl.concurrency) {
    console.Line("crawl: warning: the system started only " +
                 std::to_string(s.threads) + " of " +
                 std::to_string(config.crawl.concurrency) +
                 " threads; crawled with " + std::to_string(s.threads));
  }
  const int signo = stopped_by_signal.load();
  if (config.bench) {
    cli::ProcessUsage usage = cli::SelfUsage();
    usage.cpu_seconds -= usage_before.cpu_seconds;
    usage.user_seconds -= usage_before.user_seconds;
    usage.sys_seconds -= usage_before.sys_seconds;
    auto server = bench_site.Finish();
    if (!server.ok() && signo) return 128 + signo;
    if (!server.ok()) {
      std::fprintf(stderr, "crawl bench: %s\n",
                   server.status().message().c_str());
      return kExitFatal;
    }
    const bool exact = cli::PrintBenchReport(stdout, config.site, config.crawl,
                                             s, usage, *server);
    std::fflush(stdout);
    if (signo) return 128 + signo;
    return exact ? kExitOk : kExitFetchErrors;
  }
  if (!config.quiet) {
    std::string by;
    if (signo) by = signo == SIGINT ? "SIGINT" : "SIGTERM";
    else if (stopped_by_time) by = "--max-time";
    console.Summary(s, by);
  }
  if (signo) return 128 + signo;
  return (config.fail_on_error && s.errors > 0) ? kExitFetchErrors : kExitOk;
}

// Nothing in crawl throws by design; std::bad_alloc can. Say so and exit 3
// rather than abort.
int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crawl: fatal: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "crawl: fatal: unknown exception\n");
  }
  return kExitFatal;
}
