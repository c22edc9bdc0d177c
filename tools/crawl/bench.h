// `crawl bench`: the synthetic site in a child process, and the report.
//
// The server runs in a child process (forked before the crawler starts any
// thread), so that the CPU time and peak RSS reported are the crawler's
// alone, read from getrusage(RUSAGE_SELF); the server's CPU is reported
// apart, from wait4().
#ifndef CRAWL_TOOLS_CRAWL_BENCH_H_
#define CRAWL_TOOLS_CRAWL_BENCH_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "benchsite/site_server.h"
#include "crawl/lecture.h"
#include "crawl/status.h"

namespace crawl::cli {

// The site's server, running in a child process until Finish().
class BenchSite {
 public:
  BenchSite() = default;
  // Kills the child if Finish() was not called.
  ~BenchSite();
  BenchSite(const BenchSite&) = delete;
  BenchSite& operator=(const BenchSite&) = delete;

  // Forks the child, which starts a SiteServer with `options` and reports
  // its port. Call before any thread is started. Not OK if the server could
  // not start.
  Status Start(const SiteOptions& options);
  // The site's root: http://127.0.0.1:PORT/, or with hosts > 1
  // http://h0.bench.test:PORT/ (every host name to be sent to 127.0.0.1:PORT).
  const std::string& root_url() const { return root_url_; }
  std::uint16_t port() const { return port_; }

  struct Totals {
    std::uint64_t requests = 0;  // responses the server sent
    double cpu_seconds = 0;      // the server process's user + sys
  };
  // Stops the server and collects its figures.
  Result<Totals> Finish();

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;    // closed to tell the child to stop
  int from_child_ = -1;  // port, then the request count
  std::string root_url_;
  std::uint16_t port_ = 0;
};

// CPU seconds (user + sys) and peak RSS in bytes of this process so far.
struct ProcessUsage {
  double cpu_seconds = 0;
  double user_seconds = 0;
  double sys_seconds = 0;
  std::uint64_t peak_rss_bytes = 0;
};
ProcessUsage SelfUsage();

// The report printed at the end of `crawl bench`; `crawl_cpu` is the
// crawler's CPU during the crawl. Returns whether the crawl was complete and
// exact (every page fetched, each once).
bool PrintBenchReport(std::FILE* out, const SiteOptions& site,
                      const CrawlOptions& crawl, const CrawlSummary& summary,
                      const ProcessUsage& crawl_usage,
                      const BenchSite::Totals& server);

}  // namespace crawl::cli

#endif  // CRAWL_TOOLS_CRAWL_BENCH_H_
