// crawl — the command-line tool. Maps flags onto crawl::CrawlOptions, runs
// the crawl, streams JSON Lines, prints a summary.
//
// Exit codes: 0 the crawl completed (failed fetches are records, not
// failures); 2 usage error; 3 fatal error (e.g. the output cannot be written).
#include <getopt.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "crawl/crawler.h"
#include "crawl/fake_fetcher.h"
#include "output/jsonl_sink.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitFatal = 3;

constexpr char kUsage[] = R"(Usage: crawl [OPTIONS] [URL...]

Crawls from the given seed URLs and writes one JSON Lines record per fetched
URL. This version crawls canned graphs (--fake); the HTTP fetcher comes next.

Source:
      --fake SPEC          crawl a canned graph instead of the web:
                             lecture   the lecture's golang.org graph
                             random:PAGES:FANOUT:SEED[:LATENCY_MS]
                                       a generated graph of PAGES pages with
                                       FANOUT links each; LATENCY_MS per fetch
                           Without URL arguments the graph's own seed is used.
Crawl:
      --engine NAME        serial, mutex or channel (default: channel)
      --depth N            fetch pages at most N links from a seed
                           (default: no limit; 0 = seeds only)
      --max-pages N        at most N fetches in all (default: 0 = no limit)
  -c, --concurrency N      fetches in flight at once, 1..10000 (default: 16)
Output:
  -o, --output FILE        write JSON Lines to FILE (default: stdout)
      --links              add each page's link list (link_urls) to its record
  -q, --quiet              no summary on stderr
  -h, --help               show this help and exit
      --version            show the version and exit

Record fields: url, depth, parent (null for a seed), outcome (fetched,
not_found, error), links (count), error {kind, message} when it failed.

Exit codes: 0 completed (failed fetches are records, not failures);
2 usage error; 3 fatal error (e.g. output not writable).
)";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "crawl: %s\nTry 'crawl --help' for more information.\n",
               message.c_str());
  return kExitUsage;
}

template <typename T>
bool ParseInt(const char* flag, const char* text, T min, T max, T& out,
              std::string& error) {
  std::string_view s(text);
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty() ||
      value < min || value > max) {
    error = std::string("invalid value '") + text + "' for " + flag +
            " (expected an integer from " + std::to_string(min) + " to " +
            std::to_string(max) + ")";
    return false;
  }
  out = value;
  return true;
}

enum LongOnly {
  kOptFake = 1000,
  kOptEngine,
  kOptDepth,
  kOptMaxPages,
  kOptLinks,
  kOptVersion,
};

}  // namespace

int main(int argc, char** argv) {
  static const option kLongOptions[] = {
      {"fake", required_argument, nullptr, kOptFake},
      {"engine", required_argument, nullptr, kOptEngine},
      {"depth", required_argument, nullptr, kOptDepth},
      {"max-pages", required_argument, nullptr, kOptMaxPages},
      {"concurrency", required_argument, nullptr, 'c'},
      {"output", required_argument, nullptr, 'o'},
      {"links", no_argument, nullptr, kOptLinks},
      {"quiet", no_argument, nullptr, 'q'},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, kOptVersion},
      {nullptr, 0, nullptr, 0},
  };

  crawl::CrawlOptions options;
  std::string fake_spec, output_path, error;
  bool with_links = false, quiet = false;

  opterr = 0;  // we print our own messages
  int opt;
  while ((opt = getopt_long(argc, argv, ":c:o:qh", kLongOptions, nullptr)) !=
         -1) {
    switch (opt) {
      case kOptFake: fake_spec = optarg; break;
      case kOptEngine: {
        auto engine = crawl::ParseEngine(optarg);
        if (!engine.ok()) return UsageError(engine.status().message());
        options.engine = *engine;
        break;
      }
      case kOptDepth:
        if (!ParseInt("--depth", optarg, 0, 1'000'000, options.max_depth, error))
          return UsageError(error);
        break;
      case kOptMaxPages:
        if (!ParseInt<std::uint64_t>("--max-pages", optarg, 0,
                                     std::numeric_limits<std::uint32_t>::max(),
                                     options.max_pages, error))
          return UsageError(error);
        break;
      case 'c':
        if (!ParseInt("--concurrency", optarg, 1, 10'000, options.concurrency,
                      error))
          return UsageError(error);
        break;
      case 'o': output_path = optarg; break;
      case kOptLinks: with_links = true; break;
      case 'q': quiet = true; break;
      case 'h': std::fputs(kUsage, stdout); return kExitOk;
      case kOptVersion: std::puts("crawl " CRAWL_VERSION); return kExitOk;
      case ':':
        return UsageError(std::string("option '") + argv[optind - 1] +
                          "' needs a value");
      default:
        return UsageError(std::string("unknown option '") + argv[optind - 1] +
                          "'");
    }
  }
  for (int i = optind; i < argc; ++i) options.seeds.emplace_back(argv[i]);

  if (fake_spec.empty()) {
    return UsageError(
        "this version crawls canned graphs only: give --fake lecture or "
        "--fake random:PAGES:FANOUT:SEED (the HTTP fetcher is not built yet)");
  }
  auto fake = crawl::FakeFetcher::FromSpec(fake_spec);
  if (!fake.ok()) return UsageError(fake.status().message());
  crawl::FakeFetcher& fetcher = **fake;
  if (options.seeds.empty()) options.seeds = fetcher.seeds();

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (!output_path.empty() && output_path != "-") {
    file.reset(std::fopen(output_path.c_str(), "w"));
    if (!file) {
      std::fprintf(stderr, "crawl: cannot open %s: %s\n", output_path.c_str(),
                   std::strerror(errno));
      return kExitFatal;
    }
    out = file.get();
  }
  crawl::JsonlSink sink(out, output_path.empty() ? "stdout" : output_path,
                        with_links);

  auto summary = crawl::Crawl(options, fetcher, sink);
  if (!summary.ok()) {
    if (summary.status().code() == crawl::Status::Code::kInvalidArgument) {
      return UsageError(summary.status().message());
    }
    std::fprintf(stderr, "crawl: %s\n", summary.status().message().c_str());
    return kExitFatal;
  }
  if (options.engine != crawl::Engine::kSerial &&
      summary->threads < options.concurrency) {
    std::fprintf(stderr,
                 "crawl: warning: the system started only %d of %d threads; "
                 "crawled with %d\n",
                 summary->threads, options.concurrency, summary->threads);
  }
  sink.Flush();
  if (file && std::fclose(file.release()) != 0 && sink.status().ok()) {
    std::fprintf(stderr, "crawl: cannot write %s: %s\n", output_path.c_str(),
                 std::strerror(errno));
    return kExitFatal;
  }
  if (!sink.status().ok()) {
    std::fprintf(stderr, "crawl: %s\n", sink.status().message().c_str());
    return kExitFatal;
  }

  const crawl::CrawlSummary& s = *summary;
  if (!quiet) {
    std::fprintf(stderr,
                 "crawl: %llu pages (%llu fetched, %llu not found, %llu "
                 "errors), %llu URLs seen, %.3f s, %.0f pages/s, engine %s\n",
                 static_cast<unsigned long long>(s.pages),
                 static_cast<unsigned long long>(s.fetched),
                 static_cast<unsigned long long>(s.not_found),
                 static_cast<unsigned long long>(s.errors),
                 static_cast<unsigned long long>(s.discovered), s.seconds,
                 s.seconds > 0 ? s.pages / s.seconds : 0.0,
                 crawl::EngineName(options.engine));
  }
  return kExitOk;
}
