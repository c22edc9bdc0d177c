// Engine benchmark: every engine on a random graph with fake latency, at
// several concurrencies. Prints a Markdown table: pages/s, the ratio to the
// ideal (concurrency / latency), CPU seconds, and the mean number of fetches
// in flight (pages x latency / wall time).
//
//   engines_bench [--pages N] [--fanout F] [--latency-ms L]
//                 [--concurrency 1,16,64,256] [--engines serial,mutex,channel]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "crawl/lecture.h"
#include "crawl/fake_fetcher.h"

namespace {

class CountingSink : public crawl::RecordSink {
 public:
  void OnRecord(const crawl::PageRecord&) override { ++records; }
  std::uint64_t records = 0;
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int pages = 10'000, fanout = 8, latency_ms = 5;
  std::vector<std::string> concurrencies = {"1", "16", "64", "256"};
  std::vector<std::string> engines = {"serial", "mutex", "channel"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--pages") pages = std::atoi(value.c_str());
    else if (flag == "--fanout") fanout = std::atoi(value.c_str());
    else if (flag == "--latency-ms") latency_ms = std::atoi(value.c_str());
    else if (flag == "--concurrency") concurrencies = Split(value);
    else if (flag == "--engines") engines = Split(value);
    else {
      std::fprintf(stderr, "engines_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }

  std::printf("Graph: random, %d pages, fanout %d, %d ms latency per fetch\n\n",
              pages, fanout, latency_ms);
  std::printf("| engine | concurrency | fetches | seconds | pages/s | ideal "
              "pages/s | ratio | mean in flight | CPU s |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const std::string& engine_name : engines) {
    auto engine = crawl::ParseEngine(engine_name);
    if (!engine.ok()) {
      std::fprintf(stderr, "%s\n", engine.status().message().c_str());
      return 2;
    }
    for (const std::string& c : concurrencies) {
      // The serial engine ignores concurrency: one row says it all.
      if (*engine == crawl::Engine::kSerial && &c != &concurrencies.front()) {
        continue;
      }
      auto fetcher = crawl::FakeFetcher::Random(
          {.pages = pages, .fanout = fanout, .seed = 1});
      fetcher->set_latency(std::chrono::milliseconds(latency_ms));
      crawl::CrawlOptions options;
      options.seeds = fetcher->seeds();
      options.engine = *engine;
      options.concurrency = std::atoi(c.c_str());
      CountingSink sink;
      const double cpu0 = CpuSeconds();
      auto summary = crawl::Crawl(options, *fetcher, sink);
      const double cpu = CpuSeconds() - cpu0;
      if (!summary.ok()) {
        std::fprintf(stderr, "%s\n", summary.status().message().c_str());
        return 1;
      }
      const double rate = summary->pages / summary->seconds;
      // The serial engine has one fetch in flight whatever the setting.
      const int effective =
          *engine == crawl::Engine::kSerial ? 1 : options.concurrency;
      const double ideal = effective * 1000.0 / latency_ms;
      const double in_flight = summary->pages * latency_ms / 1000.0 /
                               summary->seconds;
      std::printf("| %s | %d | %llu | %.2f | %.0f | %.0f | %.1f%% | %.1f | "
                  "%.2f |\n",
                  engine_name.c_str(), options.concurrency,
                  static_cast<unsigned long long>(summary->pages),
                  summary->seconds, rate, ideal, 100 * rate / ideal, in_flight,
                  cpu);
      std::fflush(stdout);
    }
  }
  return 0;
}
