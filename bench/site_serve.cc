// site_serve: runs the synthetic site of `crawl bench` (src/benchsite) on its
// own, for load generators such as wrk (bench/site_bench.sh).
//
//   site_serve [--pages N] [--fanout F] [--page-size BYTES] [--latency MS]
//              [--threads T] [--max-connections N] [--hosts N]
//              [--page-log FILE]
//
// Prints "http://127.0.0.1:PORT/" on a line of its own once serving (with
// --hosts N > 1, the root is http://h0.bench.test:PORT/: map every host to
// 127.0.0.1 with --connect-to ::127.0.0.1:PORT), then serves until SIGINT or
// SIGTERM, and prints the number of responses. With --page-log, it then
// writes FILE: for each page, in order, its path and how many responses it
// got ("/p/7.html 1"), the server's own log of what was fetched.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "benchsite/site_server.h"

namespace {

[[noreturn]] void Usage(const char* bad) {
  std::fprintf(stderr,
               "site_serve: bad argument '%s'\n"
               "usage: site_serve [--pages N] [--fanout F] [--page-size BYTES]"
               " [--latency MS] [--threads T] [--max-connections N]"
               " [--hosts N] [--page-log FILE]\n",
               bad);
  std::exit(2);
}

long long Number(const char* flag, const char* text) {
  char* end = nullptr;
  const long long n = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || n < 0) Usage(flag);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  crawl::SiteOptions o;
  std::string page_log;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(argv[i]);
    if (flag == "--page-log") {
      page_log = argv[++i];
      o.count_pages = true;
      continue;
    }
    const long long n = Number(argv[i], argv[i + 1]);
    ++i;
    if (flag == "--pages") {
      o.pages = static_cast<std::uint64_t>(n);
    } else if (flag == "--fanout") {
      o.fanout = static_cast<int>(n);
    } else if (flag == "--page-size") {
      o.page_size = static_cast<std::size_t>(n);
    } else if (flag == "--latency") {
      o.latency = std::chrono::milliseconds(n);
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(n);
    } else if (flag == "--max-connections") {
      o.max_connections = static_cast<int>(n);
    } else if (flag == "--hosts") {
      o.hosts = static_cast<std::uint64_t>(n);
    } else {
      Usage(flag.c_str());
    }
  }

  // Block the stop signals in every thread; sigwait takes them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  crawl::SiteServer server(o);
  const crawl::Status s = server.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "site_serve: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("%s\n", crawl::SiteUrl(o, server.port(), 0).c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  server.Stop();
  std::printf("responses %llu\n",
              static_cast<unsigned long long>(server.requests()));
  if (!page_log.empty()) {
    std::FILE* f = std::fopen(page_log.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "site_serve: cannot write %s\n", page_log.c_str());
      return 1;
    }
    const std::vector<std::uint32_t> counts = server.page_responses();
    for (std::uint64_t i = 0; i < counts.size(); ++i) {
      std::fprintf(f, "%s %u\n", crawl::SitePagePath(i).c_str(), counts[i]);
    }
    if (std::fclose(f) != 0) return 1;
  }
  return 0;
}
