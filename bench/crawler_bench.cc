// crawler_bench: what crawl::Crawler's callbacks cost on the hot path. The
// same crawl of the bench site (SiteServer on 127.0.0.1, in this process)
// with no callbacks, with OnRequest + OnLinks + OnError + OnRecord (trivial
// bodies: a request is then built per page), and with OnResponse too (the
// whole Response is then kept for it), in turns, several rounds; prints the
// median pages/s of each and the ratio to no callbacks.
//
//   crawler_bench [--pages N] [--rounds R] [-c CONCURRENCY]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "benchsite/site_server.h"
#include "crawl/crawler.h"

namespace {

enum class Mode { kNone, kCallbacks, kWithResponse };
const char* Name(Mode m) {
  switch (m) {
    case Mode::kNone: return "no callbacks";
    case Mode::kCallbacks: return "OnRequest+OnLinks+OnError+OnRecord";
    case Mode::kWithResponse: return "all five, OnResponse too";
  }
  return "";
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Figures {
  double pages_per_s = 0;
  double cpu_us_per_page = 0;  // this process: the crawl and the server
};

Figures RunOnce(Mode mode, std::uint64_t pages, int concurrency) {
  const double cpu0 = CpuSeconds();
  crawl::SiteOptions site_options;
  site_options.pages = pages;
  site_options.threads = 1;
  crawl::SiteServer site(site_options);
  if (!site.Start().ok()) std::exit(1);
  crawl::CrawlerOptions options;
  options.crawl.seeds = {site.RootUrl()};
  options.crawl.concurrency = concurrency;
  options.crawl.obey_robots = false;
  auto crawler = crawl::Crawler::Open(options);
  if (!crawler.ok()) {
    std::fprintf(stderr, "%s\n", crawler.status().message().c_str());
    std::exit(1);
  }
  std::uint64_t seen = 0, links = 0, bytes = 0;
  if (mode != Mode::kNone) {
    (*crawler)->OnRequest([&](crawl::Request& r) { seen += r.url.size() > 0; });
    (*crawler)->OnLinks([&](const crawl::Request&, crawl::Links& l) { links += l.size(); });
    (*crawler)->OnError([&](const crawl::PageRecord&, const crawl::FetchError&) { ++seen; });
    (*crawler)->OnRecord([&](const crawl::PageRecord& r) { bytes += r.result.bytes; });
  }
  if (mode == Mode::kWithResponse) {
    (*crawler)->OnResponse([&](const crawl::Request&, const crawl::Response& r) {
      bytes += r.body.size();
    });
  }
  auto summary = (*crawler)->Run();
  if (!summary.ok() || summary->fetched != pages) {
    std::fprintf(stderr, "crawl incomplete\n");
    std::exit(1);
  }
  return {static_cast<double>(summary->fetched) / summary->seconds,
          (CpuSeconds() - cpu0) * 1e6 / static_cast<double>(pages)};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t pages = 20'000;
  int rounds = 5, concurrency = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--pages")) pages = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "-c")) concurrency = std::atoi(argv[i + 1]);
  }
  const Mode modes[] = {Mode::kNone, Mode::kCallbacks, Mode::kWithResponse};
  std::vector<double> rates[3], cpu[3];
  RunOnce(Mode::kNone, pages, concurrency);  // warm-up
  for (int r = 0; r < rounds; ++r) {
    for (int m = 0; m < 3; ++m) {
      Figures f = RunOnce(modes[m], pages, concurrency);
      rates[m].push_back(f.pages_per_s);
      cpu[m].push_back(f.cpu_us_per_page);
    }
  }
  std::printf("%llu pages of 8 KB, -c %d, %d rounds in turn; medians (CPU: crawl and "
              "server, one process)\n",
              static_cast<unsigned long long>(pages), concurrency, rounds);
  std::printf("  %-38s %9s %7s %12s %7s\n", "", "pages/s", "ratio", "CPU us/page", "ratio");
  const double base_rate = Median(rates[0]), base_cpu = Median(cpu[0]);
  for (int m = 0; m < 3; ++m) {
    std::printf("  %-38s %9.0f %7.3f %12.1f %7.3f\n", Name(modes[m]), Median(rates[m]),
                Median(rates[m]) / base_rate, Median(cpu[m]), Median(cpu[m]) / base_cpu);
  }
  return 0;
}
