#include "bench.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace crawl::cli {
namespace {

bool WriteAll(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool ReadAll(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

double Seconds(const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; }

// The child: serve until the parent closes `stop_fd` (or dies), then report
// the request count on `report_fd`. Never returns.
[[noreturn]] void ServeChild(const SiteOptions& options, int stop_fd,
                             int report_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(1);  // the parent died before the prctl
  // A Ctrl-C reaches the whole process group: the parent decides when the
  // server stops (it closes stop_fd), so the server must survive it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  SiteServer server(options);
  std::uint16_t port = 0;
  if (Status s = server.Start(); s.ok()) {
    port = server.port();
  } else {
    std::fprintf(stderr, "crawl bench: the site server: %s\n",
                 s.message().c_str());
  }
  WriteAll(report_fd, &port, sizeof port);
  if (port == 0) _exit(1);
  char c;
  while (read(stop_fd, &c, 1) != 0 && errno == EINTR) {
  }
  server.Stop();
  const std::uint64_t requests = server.requests();
  WriteAll(report_fd, &requests, sizeof requests);
  _exit(0);
}

}  // namespace

BenchSite::~BenchSite() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
}

Status BenchSite::Start(const SiteOptions& options) {
  if (Status s = ValidateSiteOptions(options); !s.ok()) return s;
  int down[2], up[2];
  if (pipe2(down, O_CLOEXEC) != 0) {
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  if (pipe2(up, O_CLOEXEC) != 0) {
    close(down[0]);
    close(down[1]);
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  std::fflush(nullptr);
  pid_ = fork();
  if (pid_ < 0) {
    return Status::Internal(std::string("fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    close(down[1]);
    close(up[0]);
    ServeChild(options, down[0], up[1]);
  }
  close(down[0]);
  close(up[1]);
  to_child_ = down[1];
  from_child_ = up[0];
  std::uint16_t port = 0;
  if (!ReadAll(from_child_, &port, sizeof port) || port == 0) {
    return Status::Internal("the bench site server did not start");
  }
  port_ = port;
  root_url_ = SiteUrl(options, port, 0);
  return Status();
}

Result<BenchSite::Totals> BenchSite::Finish() {
  close(to_child_);
  to_child_ = -1;
  Totals totals;
  const bool got = ReadAll(from_child_, &totals.requests, sizeof totals.requests);
  int status = 0;
  rusage usage{};
  while (wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal("the bench site server failed");
  }
  totals.cpu_seconds = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
  return totals;
}

ProcessUsage SelfUsage() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  ProcessUsage u;
  u.user_seconds = Seconds(usage.ru_utime);
  u.sys_seconds = Seconds(usage.ru_stime);
  u.cpu_seconds = u.user_seconds + u.sys_seconds;
  u.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
  return u;
}

bool PrintBenchReport(std::FILE* out, const SiteOptions& site,
                      const CrawlOptions& crawl, const CrawlSummary& s,
                      const ProcessUsage& cpu, const BenchSite::Totals& server) {
  const double seconds = s.seconds > 0 ? s.seconds : 1e-9;
  const double pages = static_cast<double>(s.fetched);
  // Every page fetched, each once: the server answered the pages and one
  // robots.txt per host with pages (when robots.txt is obeyed), nothing else.
  const std::uint64_t hosts = std::min(site.hosts, site.pages);
  const std::uint64_t expected_requests =
      site.pages + (crawl.obey_robots ? hosts : 0);
  const bool limited = crawl.max_pages != 0 || crawl.max_depth >= 0 ||
                       s.stopped;
  const bool exact = s.fetched == site.pages && s.pages == site.pages &&
                     server.requests == expected_requests;
  std::fprintf(out,
               "crawl bench: %llu pages x %zu KB, fanout %d, latency %lld ms; "
               "engine %s, concurrency %d, per-host %d%s\n",
               static_cast<unsigned long long>(site.pages),
               site.page_size >> 10, site.fanout,
               static_cast<long long>(site.latency.count()),
               EngineName(crawl.engine), crawl.concurrency, crawl.per_host,
               site.hosts > 1
                   ? (", hosts " + std::to_string(site.hosts)).c_str()
                   : "");
  std::fprintf(out, "  pages        %llu fetched, %llu requests served: %s\n",
               static_cast<unsigned long long>(s.fetched),
               static_cast<unsigned long long>(server.requests),
               exact     ? "every page once"
               : limited ? "limited by the options"
                         : "MISMATCH (pages missed or fetched twice)");
  std::fprintf(out, "  time         %.3f s\n", seconds);
  std::fprintf(out, "  pages/s      %.0f\n", pages / seconds);
  std::fprintf(out, "  MB/s         %.1f\n", s.bytes / 1e6 / seconds);
  std::fprintf(out,
               "  CPU          %.3f s (user %.3f, sys %.3f): %.1f us per page\n",
               cpu.cpu_seconds, cpu.user_seconds, cpu.sys_seconds,
               pages > 0 ? cpu.cpu_seconds / pages * 1e6 : 0.0);
  std::fprintf(out, "  peak RSS     %.1f MB\n", cpu.peak_rss_bytes / 1e6);
  std::fprintf(out, "  server CPU   %.3f s (%d threads, another process)\n",
               server.cpu_seconds, site.threads);
  if (site.latency.count() > 0) {
    const double ceiling =
        crawl.concurrency * 1000.0 / static_cast<double>(site.latency.count());
    // Whole pages/s, but not "0" for a ceiling below one (--latency 60000).
    std::fprintf(out,
                 ceiling >= 100
                     ? "  ceiling      concurrency / latency = %.0f pages/s; "
                       "reached %.1f%%\n"
                     : "  ceiling      concurrency / latency = %.3g pages/s; "
                       "reached %.1f%%\n",
                 ceiling, 100 * pages / seconds / ceiling);
  }
  return exact || limited;
}

}  // namespace crawl::cli
