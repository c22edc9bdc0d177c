// crawl — the command-line tool, a thin adapter over crawl::Crawler: flags
// -> CrawlerOptions, the crawl, progress and summary on stderr. Exit codes
// are in flags.cc's usage.
//
// Threads: main runs the crawl (Crawler::Run); a monitor thread waits on a
// signalfd (SIGINT/SIGTERM are blocked everywhere else), enforces
// --max-time and redraws the progress line; both stop with Crawler::Stop().
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
#include "flags.h"
#include "status.h"

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
  if (argc > 1 && std::string(argv[1]) == "status") return cli::RunStatus(argc, argv);
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

  // Flags -> options; the crawl, its fetcher and its outputs are the
  // library's (crawl::Crawler).
  CrawlerOptions options;
  options.crawl = config.crawl;
  options.http = config.http;
  options.page = config.page;
  options.user = config.user;
  options.password = config.password;
  options.state_dir = config.state_dir;
  options.cluster = config.cluster;
  options.output.jsonl = {.path = config.output.empty() ? "-" : config.output,
                          .links = config.with_links};
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
    options.output.warc = std::move(w);
  }
  if (!config.mirror.empty()) options.output.mirror = MirrorOptions{config.mirror};

  Result<std::unique_ptr<Crawler>> opened = Status::Internal("not opened");
  if (!config.fake_spec.empty()) {
    auto fake = FakeFetcher::FromSpec(config.fake_spec);
    if (!fake.ok()) return UsageError(fake.status().message());
    if (options.crawl.seeds.empty()) options.crawl.seeds = (*fake)->seeds();
    opened = Crawler::Open(std::move(options), std::move(*fake));
  } else {
    opened = Crawler::Open(std::move(options));
  }
  if (!opened.ok()) {
    if (opened.status().code() == Status::Code::kInvalidArgument) {
      return UsageError(opened.status().message());
    }
    std::fprintf(stderr, "crawl: %s\n", opened.status().message().c_str());
    return kExitFatal;
  }
  Crawler& crawler = **opened;

  cli::Console console(!config.quiet && isatty(STDERR_FILENO));
  if (config.verbose) {
    crawler.OnRecord([&console](const PageRecord& record) {
      console.Line(cli::RecordLine(record));
    });
  }

  std::atomic<bool> finished{false};
  std::atomic<int> stopped_by_signal{0};
  std::atomic<bool> stopped_by_time{false};

  const auto start = std::chrono::steady_clock::now();
  std::thread monitor([&] {
    while (!finished) {
      pollfd p{signal_fd, POLLIN, 0};
      if (poll(&p, 1, 200) > 0) {
        signalfd_siginfo info{};
        if (read(signal_fd, &info, sizeof info) == sizeof info) {
          if (stopped_by_signal.exchange(static_cast<int>(info.ssi_signo))) {
            // A second signal: exit now, but not in the middle of a record.
            crawler.Abandon();
            _exit(128 + static_cast<int>(info.ssi_signo));
          }
          crawler.Stop();
        }
      }
      const auto elapsed = std::chrono::steady_clock::now() - start;
      if (config.max_time.count() > 0 && elapsed >= config.max_time &&
          !stopped_by_time.exchange(true)) {
        crawler.Stop();
      }
      console.DrawProgress(crawler.progress(),
                           std::chrono::duration<double>(elapsed).count());
    }
  });

  struct JoinMonitor {  // however Run() ends, even by an exception
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
    summary = crawler.Run();
  }
  console.ClearProgress();
  if (!summary.ok()) {
    // An output that failed (the files end on whole records), or options
    // the engine refused.
    if (summary.status().code() == Status::Code::kInvalidArgument) {
      return UsageError(summary.status().message());
    }
    std::fprintf(stderr, "crawl: %s\n", summary.status().message().c_str());
    return kExitFatal;
  }

  const CrawlSummary& s = *summary;
  if (s.already_finished) {  // said even with -q: it is all this run did
    console.Line("crawl: the crawl in " + config.state_dir +
                 " has finished already (" + std::to_string(s.pages) +
                 " pages); nothing to do");
    return kExitOk;
  }
  if (s.resumed && !config.quiet) {
    console.Line("crawl: resumed the crawl in " + config.state_dir + "; " +
                 std::to_string(s.requeued) +
                 " URLs in flight at its last commit were fetched again");
  }
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
