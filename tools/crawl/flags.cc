#include "flags.h"

#include <getopt.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "robots/robots.h"

namespace crawl::cli {
namespace {

constexpr char kUsage[] = R"(Usage: crawl [OPTIONS] URL...
       crawl --cluster URL[,URL...] --crawl-id NAME [OPTIONS] [URL...]
       crawl bench [BENCH OPTIONS] [OPTIONS]
       crawl status [STATUS OPTIONS]   (see crawl status --help)

Crawls the web from the seed URLs and writes one JSON Lines record per
fetched URL. By default it stays on the seeds' hosts.

`crawl bench` starts an HTTP server on 127.0.0.1 (in a child process)
serving a deterministic synthetic site, crawls it with the options given,
checks that every page was fetched exactly once, and prints pages/s, MB/s,
CPU seconds and microseconds per page, and peak RSS of the crawler alone
(records go nowhere unless -o is given; --per-host defaults to 0):
      --pages N              pages on the site (default: 20000)
      --fanout N             links per page (default: 10)
      --page-size KB         size of each page (default: 8)
      --latency MS           added to each response, without blocking the
                             server (default: 0); then the ratio to the
                             concurrency / latency ceiling is printed too
      --server-threads N     the server's event loops (default: 2)
      --hosts N              spread the pages over N virtual hosts
                             h0.bench.test ... (default: 1, 127.0.0.1), linked
                             across hosts; crawled with --scope any and
                             --connect-to ::127.0.0.1:PORT

Crawl:
      --engine NAME          event (one event loop, the default), serial,
                             mutex or channel (a thread per fetch)
  -c, --concurrency N        fetches in flight at once, 1..10000 (default: 16)
      --parse-threads N      event engine: extract links (and write the
                             WARC and mirror) on a pool of N threads (-1: one
                             per core) instead of on the HTTP event loop
                             itself (0, the default; -1 with --warc-file)
      --depth N              fetch pages at most N links from a seed
                             (default: inf = no limit; 0 = seeds only)
      --max-pages N          at most N fetches in all (default: no limit)
      --max-time SECONDS     stop after this long (default: no limit)
      --state DIR            keep the crawl's state in DIR (RocksDB), committed
                             after every batch of fetches with the -o file's
                             length: run the same command again after a
                             kill, a crash or a stop, and it resumes where
                             the last commit left off (the -o file is cut
                             back to it). The seeds, --scope, --include,
                             --exclude, --depth, --max-pages,
                             --max-pages-per-host, --max-redirects,
                             --ignore-robots and --sitemaps must stay the
                             same; a finished crawl says so and exits 0.
                             Event engine; not with --warc-file yet
Cluster (one crawl over many processes and machines, on Redis):
      --cluster URL[,URL...] join the crawl kept on these Redis servers:
                             redis://[user:password@]host:port[/db] or
                             unix:///path/redis.sock; hosts are spread over
                             several by a stable hash (every process lists
                             the same). Seeds are optional: a process
                             without them joins, and waits for the first.
                             Each host is leased to one process at a time,
                             so --per-host, --delay, Crawl-delay and
                             Retry-After hold cluster-wide; each URL is
                             fetched once; every process exits 0 when
                             nothing is queued or in flight anywhere. -o,
                             --warc-file and --mirror get this process's id
                             in their names (out.jsonl -> out.ID.jsonl).
                             Keep Redis off untrusted networks. Event
                             engine; not with --state or --sitemaps
      --crawl-id NAME        the crawl's name (A-Z a-z 0-9 . _ -, at most 64);
                             the first process's --scope, --include,
                             --exclude, --depth, --max-pages-per-host,
                             --max-redirects and --ignore-robots are the
                             crawl's, and another's must match
      --lease-ttl S          a silent process's hosts go to the others after
                             S seconds (default: 30; 1..3600)
      --cluster-password-file FILE
                             the Redis password, from FILE's first line
                             (instead of the URLs' own)
      --cluster-process-id ID
                             this process's id (default: HOSTNAME-PID)
Politeness:
      --per-host N           fetches in flight to one host at most (default: 2;
                             0 = no limit)
      --delay S              seconds between requests to one host, randomised
                             0.5-1.5x (default: 0); raised by Crawl-delay
      --max-crawl-delay S    cap on a robots.txt Crawl-delay (default: 30)
      --ignore-robots        do not fetch or obey robots.txt (for your own
                             sites)
      --sitemaps             also seed from robots.txt Sitemap: lines (XML,
                             gzip, sitemap indexes)
      --retries N            retry timeouts, connection errors, 408/429/5xx up
                             to N times (default: 2), after Retry-After or an
                             exponential backoff with jitter
      --retry-delay S        first backoff (default: 1)
      --max-retry-wait S     cap on Retry-After and backoff (default: 60)
      --allow-private        allow connections to loopback, private,
                             link-local, ... addresses (by default only to the
                             seeds' own scheme, host and port)
Scope:
      --scope MODE           host (the seeds' hosts and ports, default; the
                             default ports 80 and 443 count as one),
                             host-any-port (the seeds' hosts, any port),
                             domain (their registrable domains) or any
      --include REGEX        follow only URLs matching one such pattern (RE2,
                             partial match on the whole URL); repeatable
      --exclude REGEX        never follow URLs matching it; repeatable
HTTP:
      --user-agent TEXT      User-Agent header (default: crawl/VERSION)
  -H, --header 'NAME: VALUE' extra request header; repeatable
      --proxy URL            send every request through this HTTP proxy
      --connect-to HOST:PORT:HOST2:PORT2
                             connect to HOST2:PORT2 for requests to
                             HOST:PORT (curl's syntax; an empty HOST or PORT
                             matches any); repeatable, first match wins. The
                             chosen address may be private
  -k, --insecure             do not verify TLS certificates
      --user NAME            HTTP Basic user for the seeds' own origins
      --password TEXT        its password (a seed's own user:password@
                             wins; credentials are never sent to another
                             origin, and a link's userinfo is dropped)
Bounds (each fetch):
      --connect-timeout S    seconds to connect (default: 10)
      --timeout S            seconds for a whole fetch (default: 60)
      --low-speed-limit B    abort a fetch slower than B bytes/s ...
      --low-speed-time S     ... for S seconds (defaults: 100, 20)
      --max-body SIZE        keep at most SIZE decoded body bytes; the record
                             says truncated (default: 10M; K, M, G suffixes)
      --max-header SIZE      fail a response whose headers exceed SIZE
                             (default: 64K)
      --max-redirects N      longest redirect chain followed (default: 20)
      --max-url-length N     drop longer URLs (default: 2048)
      --max-links-per-page N use at most N links of a page (default: 10000)
      --max-pages-per-host N admit at most N URLs per host (default: no limit)
                             (URLs repeating a path segment 3 times are
                             always dropped as traps)
Output:
  -o, --output FILE          write JSON Lines to FILE (default: stdout)
      --links                add each page's links (link_urls) to its record
      --warc-file NAME       also write every request and response (robots.txt,
                             sitemaps, redirects and errors included) as
                             WARC/1.1 to NAME.warc.gz, one gzip member per
                             record, with a metadata record of each page's
                             outlinks; records gain warc_file, warc_offset,
                             warc_length and payload_digest
      --warc-max-size SIZE   start a new file when one reaches SIZE:
                             NAME-00000.warc.gz, NAME-00001.warc.gz, ...
      --warc-dedup           write a 200 response whose payload was already
                             written in this crawl as a revisit record
      --warc-cdx             also write NAME.cdxj (pywb's CDXJ, sorted)
      --warc-gzip-level N    0 (stored) .. 12 (default: 1, the fastest; a
                             payload compressed already is stored)
      --mirror DIR           save each 200 response's decoded body under
                             DIR/HOST[+PORT]/PATH (wget -r style; never
                             outside DIR); records gain saved_as
  -q, --quiet                no progress line, no summary
  -v, --verbose              log every fetch on stderr
      --fail-on-error        exit 1 if any fetch failed (outcome error)
Testing:
      --fake SPEC            crawl a canned graph instead of the web:
                             lecture, or
                             random:PAGES:FANOUT:SEED[:LATENCY_MS[:URL_BYTES]]
                             (URL_BYTES: URLs padded to about that length;
                             without URL arguments the graph's seed is used)
  -h, --help                 show this help and exit
      --version              show the version and exit

Exit codes: 0 the crawl completed (failed fetches are records, not failures),
or the --state crawl had finished already; 1 it completed with fetch errors
and --fail-on-error; 2 usage error (options that differ from the --state
crawl's included); 3 fatal error (output or state not writable — a full disk
included —, a --state directory in use, of another version or corrupted,
HTTP engine not available);
130 / 143 stopped by SIGINT / SIGTERM (after flushing output and summary).
)";

enum LongOnly {
  kEngine = 1000, kDepth, kMaxPages, kMaxTime, kScope, kInclude, kExclude,
  kUserAgent, kProxy, kConnectTimeout, kTimeout, kLowSpeedLimit,
  kLowSpeedTime, kMaxBody, kMaxHeader, kMaxRedirects, kMaxUrlLength,
  kMaxLinks, kParseThreads, kLinks, kFailOnError, kFake, kVersion, kPerHost, kDelay,
  kMaxCrawlDelay, kIgnoreRobots, kSitemaps, kRetries, kRetryDelay,
  kMaxRetryWait, kAllowPrivate, kMaxPagesPerHost, kBenchPages, kBenchFanout,
  kBenchPageSize, kBenchLatency, kBenchThreads, kBenchHosts, kUser, kPassword,
  kConnectTo, kWarcFile, kWarcMaxSize, kWarcDedup, kWarcCdx, kWarcLevel,
  kMirror, kState, kCluster, kCrawlId, kLeaseTtl, kClusterPasswordFile,
  kClusterProcessId,
};

template <typename T>
bool ParseInt(std::string_view s, T min, T max, T& out) {
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty() ||
      value < min || value > max) {
    return false;
  }
  out = value;
  return true;
}

// "12", "1.5" -> milliseconds; 0 < seconds <= one day (or >= 0 if allow_zero).
bool ParseSeconds(std::string_view s, std::chrono::milliseconds& out) {
  std::string text(s);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) ||
      v <= 0 || v > 86400) {
    return false;
  }
  out = std::chrono::milliseconds(static_cast<long long>(std::ceil(v * 1000)));
  return true;
}

// argv[1..] joined by spaces, with --password's value and a URL's
// "user:password@" masked.
std::string CommandLine(int argc, char** argv) {
  std::string out;
  bool mask_next = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (mask_next) {
      arg = "***";
      mask_next = false;
    } else if (arg == "--password") {
      mask_next = true;
    } else if (arg.starts_with("--password=")) {
      arg = "--password=***";
    } else {
      // Every URL in it (--cluster takes a list).
      for (std::size_t scheme = arg.find("://"); scheme != std::string::npos;
           scheme = arg.find("://", scheme + 3)) {
        const std::size_t start = scheme + 3;
        const std::size_t end = std::min(arg.find_first_of("/?#,", start), arg.size());
        const std::size_t at = arg.rfind('@', end);
        if (at != std::string::npos && at >= start) {
          const std::size_t colon = arg.find(':', start);
          if (colon != std::string::npos && colon < at) {
            arg.replace(colon + 1, at - colon - 1, "***");
          }
        }
      }
    }
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

// "512", "64K", "10M", "1G" (binary multiples).
bool ParseSize(std::string_view s, std::uint64_t& out) {
  std::uint64_t mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'k': case 'K': mult = 1ULL << 10; break;
      case 'm': case 'M': mult = 1ULL << 20; break;
      case 'g': case 'G': mult = 1ULL << 30; break;
      default: break;
    }
    if (mult != 1) s.remove_suffix(1);
  }
  std::uint64_t v = 0;
  if (!ParseInt<std::uint64_t>(s, 1, (64ULL << 30) / mult, v)) return false;
  out = v * mult;
  return true;
}

}  // namespace

Result<Config> ParseFlags(int argc, char** argv) {
  static const option kLong[] = {
      {"engine", required_argument, nullptr, kEngine},
      {"concurrency", required_argument, nullptr, 'c'},
      {"parse-threads", required_argument, nullptr, kParseThreads},
      {"depth", required_argument, nullptr, kDepth},
      {"max-pages", required_argument, nullptr, kMaxPages},
      {"max-time", required_argument, nullptr, kMaxTime},
      {"scope", required_argument, nullptr, kScope},
      {"per-host", required_argument, nullptr, kPerHost},
      {"delay", required_argument, nullptr, kDelay},
      {"max-crawl-delay", required_argument, nullptr, kMaxCrawlDelay},
      {"ignore-robots", no_argument, nullptr, kIgnoreRobots},
      {"sitemaps", no_argument, nullptr, kSitemaps},
      {"retries", required_argument, nullptr, kRetries},
      {"retry-delay", required_argument, nullptr, kRetryDelay},
      {"max-retry-wait", required_argument, nullptr, kMaxRetryWait},
      {"allow-private", no_argument, nullptr, kAllowPrivate},
      {"max-pages-per-host", required_argument, nullptr, kMaxPagesPerHost},
      {"include", required_argument, nullptr, kInclude},
      {"exclude", required_argument, nullptr, kExclude},
      {"user-agent", required_argument, nullptr, kUserAgent},
      {"header", required_argument, nullptr, 'H'},
      {"proxy", required_argument, nullptr, kProxy},
      {"connect-to", required_argument, nullptr, kConnectTo},
      {"insecure", no_argument, nullptr, 'k'},
      {"user", required_argument, nullptr, kUser},
      {"password", required_argument, nullptr, kPassword},
      {"connect-timeout", required_argument, nullptr, kConnectTimeout},
      {"timeout", required_argument, nullptr, kTimeout},
      {"low-speed-limit", required_argument, nullptr, kLowSpeedLimit},
      {"low-speed-time", required_argument, nullptr, kLowSpeedTime},
      {"max-body", required_argument, nullptr, kMaxBody},
      {"max-header", required_argument, nullptr, kMaxHeader},
      {"max-redirects", required_argument, nullptr, kMaxRedirects},
      {"max-url-length", required_argument, nullptr, kMaxUrlLength},
      {"max-links-per-page", required_argument, nullptr, kMaxLinks},
      {"output", required_argument, nullptr, 'o'},
      {"links", no_argument, nullptr, kLinks},
      {"warc-file", required_argument, nullptr, kWarcFile},
      {"warc-max-size", required_argument, nullptr, kWarcMaxSize},
      {"warc-dedup", no_argument, nullptr, kWarcDedup},
      {"warc-cdx", no_argument, nullptr, kWarcCdx},
      {"warc-gzip-level", required_argument, nullptr, kWarcLevel},
      {"mirror", required_argument, nullptr, kMirror},
      {"state", required_argument, nullptr, kState},
      {"cluster", required_argument, nullptr, kCluster},
      {"crawl-id", required_argument, nullptr, kCrawlId},
      {"lease-ttl", required_argument, nullptr, kLeaseTtl},
      {"cluster-password-file", required_argument, nullptr, kClusterPasswordFile},
      {"cluster-process-id", required_argument, nullptr, kClusterProcessId},
      {"quiet", no_argument, nullptr, 'q'},
      {"verbose", no_argument, nullptr, 'v'},
      {"fail-on-error", no_argument, nullptr, kFailOnError},
      {"fake", required_argument, nullptr, kFake},
      {"pages", required_argument, nullptr, kBenchPages},
      {"fanout", required_argument, nullptr, kBenchFanout},
      {"page-size", required_argument, nullptr, kBenchPageSize},
      {"latency", required_argument, nullptr, kBenchLatency},
      {"server-threads", required_argument, nullptr, kBenchThreads},
      {"hosts", required_argument, nullptr, kBenchHosts},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, kVersion},
      {nullptr, 0, nullptr, 0},
  };

  Config c;
  c.http.user_agent = "crawl/" CRAWL_VERSION;
  c.crawl.per_host = 2;
  optind = 1;
  if (argc > 1 && std::string_view(argv[1]) == "bench") {
    c.bench = true;
    c.crawl.per_host = 0;  // one host, measured flat out
    c.site.threads = 2;
    optind = 2;
  }
  int bench_flag = 0;  // a bench-only option seen, for the error message
  bool parse_threads_given = false;
  opterr = 0;
  int opt;
  auto bad = [&](const char* flag) {
    return Status::InvalidArgument(std::string("invalid value '") + optarg +
                                   "' for " + flag);
  };
  while ((opt = getopt_long(argc, argv, ":c:H:ko:qvh", kLong, nullptr)) != -1) {
    std::chrono::milliseconds ms{};
    std::uint64_t size = 0;
    switch (opt) {
      case kEngine: {
        auto e = ParseEngine(optarg);
        if (!e.ok()) return e.status();
        c.crawl.engine = *e;
        break;
      }
      case 'c':
        if (!ParseInt(optarg, 1, 10'000, c.crawl.concurrency))
          return bad("--concurrency (expected 1..10000)");
        break;
      case kDepth:
        if (std::string_view(optarg) == "inf") {
          c.crawl.max_depth = -1;
        } else if (!ParseInt(optarg, 0, 1'000'000, c.crawl.max_depth)) {
          return bad("--depth (expected 0..1000000 or inf)");
        }
        break;
      case kMaxPages:
        if (!ParseInt<std::uint64_t>(optarg, 0, 1'000'000'000'000ULL,
                                     c.crawl.max_pages))
          return bad("--max-pages (expected a whole number)");
        break;
      case kMaxTime:
        if (!ParseSeconds(optarg, c.max_time))
          return bad("--max-time (expected seconds, e.g. 30 or 0.5)");
        break;
      case kScope: {
        auto s = ParseScopeMode(optarg);
        if (!s.ok()) return s.status();
        c.crawl.scope = *s;
        break;
      }
      case kPerHost:
        if (!ParseInt(optarg, 0, 10'000, c.crawl.per_host))
          return bad("--per-host (expected 0..10000)");
        break;
      case kDelay:
        if (std::string_view(optarg) == "0") {
          c.crawl.delay = 0;
        } else if (!ParseSeconds(optarg, ms)) {
          return bad("--delay (expected seconds)");
        } else {
          c.crawl.delay = ms.count() / 1000.0;
        }
        break;
      case kMaxCrawlDelay:
        if (!ParseSeconds(optarg, ms)) return bad("--max-crawl-delay");
        c.crawl.max_crawl_delay = ms.count() / 1000.0;
        break;
      case kIgnoreRobots: c.crawl.obey_robots = false; break;
      case kSitemaps: c.crawl.sitemaps = true; break;
      case kRetries:
        if (!ParseInt(optarg, 0, 100, c.crawl.retries))
          return bad("--retries (expected 0..100)");
        break;
      case kRetryDelay:
        if (!ParseSeconds(optarg, ms)) return bad("--retry-delay");
        c.crawl.retry_base = ms.count() / 1000.0;
        break;
      case kMaxRetryWait:
        if (!ParseSeconds(optarg, ms)) return bad("--max-retry-wait");
        c.crawl.max_retry_wait = ms.count() / 1000.0;
        break;
      case kAllowPrivate: c.http.allow_private = true; break;
      case kMaxPagesPerHost:
        if (!ParseInt<std::uint64_t>(optarg, 0, 1'000'000'000'000ULL,
                                     c.crawl.max_pages_per_host))
          return bad("--max-pages-per-host");
        break;
      case kInclude: c.crawl.include.push_back(optarg); break;
      case kExclude: c.crawl.exclude.push_back(optarg); break;
      case kUserAgent: c.http.user_agent = optarg; break;
      case 'H':
        if (std::string_view(optarg).find(':') == std::string_view::npos)
          return bad("--header (expected 'Name: value')");
        c.http.headers.push_back(optarg);
        break;
      case kProxy: c.http.proxy = optarg; break;
      case kConnectTo:
        if (Status st = ParseConnectTo(optarg); !st.ok()) return st;
        c.http.connect_to.push_back(optarg);
        break;
      case 'k': c.http.insecure = true; break;
      case kUser: c.user = optarg; break;
      case kPassword: c.password = optarg; break;
      case kConnectTimeout:
        if (!ParseSeconds(optarg, c.http.connect_timeout))
          return bad("--connect-timeout (expected seconds)");
        break;
      case kTimeout:
        if (!ParseSeconds(optarg, c.http.timeout))
          return bad("--timeout (expected seconds)");
        break;
      case kLowSpeedLimit:
        if (!ParseInt<long>(optarg, 1, 1L << 40, c.http.low_speed_limit))
          return bad("--low-speed-limit (expected bytes per second)");
        break;
      case kLowSpeedTime:
        if (!ParseSeconds(optarg, ms)) return bad("--low-speed-time");
        c.http.low_speed_time =
            std::chrono::ceil<std::chrono::seconds>(ms);
        break;
      case kMaxBody:
        if (!ParseSize(optarg, size)) return bad("--max-body (e.g. 10M)");
        c.http.max_body_bytes = size;
        break;
      case kMaxHeader:
        if (!ParseSize(optarg, size)) return bad("--max-header (e.g. 64K)");
        c.http.max_header_bytes = size;
        break;
      case kMaxRedirects:
        if (!ParseInt(optarg, 0, 100, c.crawl.max_redirects))
          return bad("--max-redirects (expected 0..100)");
        break;
      case kMaxUrlLength:
        if (!ParseInt<std::size_t>(optarg, 16, 1 << 20, c.page.max_url_length))
          return bad("--max-url-length (expected 16..1048576)");
        c.crawl.max_url_length = c.page.max_url_length;
        break;
      case kParseThreads:
        if (!ParseInt(optarg, -1, 256, c.page.parse_threads))
          return bad("--parse-threads (expected -1..256)");
        parse_threads_given = true;
        break;
      case kMaxLinks:
        if (!ParseInt<std::size_t>(optarg, 0, 100'000'000,
                                   c.page.max_links_per_page))
          return bad("--max-links-per-page");
        break;
      case 'o':
        if (*optarg == '\0') return bad("--output (expected a file name)");
        c.output = optarg;
        break;
      case kLinks: c.with_links = true; break;
      case kWarcFile:
        if (*optarg == '\0') return bad("--warc-file (expected a name)");
        c.warc_file = optarg;
        // wget's convention: NAME and NAME.warc.gz name the same files.
        if (c.warc_file.size() > 8 &&
            c.warc_file.ends_with(".warc.gz")) {
          c.warc_file.resize(c.warc_file.size() - 8);
        }
        break;
      case kWarcMaxSize:
        if (!ParseSize(optarg, size) || size == 0) {
          return bad("--warc-max-size (e.g. 1G)");
        }
        c.warc_max_size = size;
        break;
      case kWarcDedup: c.warc_dedup = true; break;
      case kWarcCdx: c.warc_cdx = true; break;
      case kWarcLevel:
        if (!ParseInt(optarg, 0, 12, c.warc_level)) {
          return bad("--warc-gzip-level (expected 0..12)");
        }
        break;
      case kMirror:
        if (*optarg == '\0') return bad("--mirror (expected a directory)");
        c.mirror = optarg;
        break;
      case kState:
        if (*optarg == '\0') return bad("--state (expected a directory)");
        c.state_dir = optarg;
        break;
      case kCluster: {
        std::string_view list = optarg;
        c.cluster.servers.clear();
        while (!list.empty()) {
          const std::size_t comma = list.find(',');
          c.cluster.servers.emplace_back(list.substr(0, comma));
          if (comma == std::string_view::npos) break;
          list.remove_prefix(comma + 1);
        }
        if (c.cluster.servers.empty()) return bad("--cluster (expected redis:// or unix:// URLs)");
        break;
      }
      case kCrawlId: c.cluster.crawl_id = optarg; break;
      case kLeaseTtl:
        if (!ParseSeconds(optarg, ms) || ms.count() < 1000 || ms.count() > 3'600'000) {
          return bad("--lease-ttl (expected 1..3600 seconds)");
        }
        c.cluster.lease_ttl_s = static_cast<double>(ms.count()) / 1000;
        break;
      case kClusterPasswordFile:
        if (*optarg == '\0') return bad("--cluster-password-file (expected a file)");
        c.cluster_password_file = optarg;
        break;
      case kClusterProcessId: c.cluster.process_id = optarg; break;
      case 'q': c.quiet = true; break;
      case 'v': c.verbose = true; break;
      case kFailOnError: c.fail_on_error = true; break;
      case kFake: c.fake_spec = optarg; break;
      case kBenchPages:
        bench_flag = opt;
        if (!ParseInt<std::uint64_t>(optarg, 1, 100'000'000, c.site.pages))
          return bad("--pages (expected 1..100000000)");
        break;
      case kBenchFanout:
        bench_flag = opt;
        if (!ParseInt(optarg, 1, 10'000, c.site.fanout))
          return bad("--fanout (expected 1..10000)");
        break;
      case kBenchPageSize: {
        bench_flag = opt;
        std::size_t kb = 0;
        if (!ParseInt<std::size_t>(optarg, 1, 65'536, kb))
          return bad("--page-size (KB, expected 1..65536)");
        c.site.page_size = kb << 10;
        break;
      }
      case kBenchLatency: {
        bench_flag = opt;
        long long ms = 0;
        if (!ParseInt<long long>(optarg, 0, 60'000, ms))
          return bad("--latency (ms, expected 0..60000)");
        c.site.latency = std::chrono::milliseconds(ms);
        break;
      }
      case kBenchThreads:
        bench_flag = opt;
        if (!ParseInt(optarg, 1, 64, c.site.threads))
          return bad("--server-threads (expected 1..64)");
        break;
      case kBenchHosts:
        bench_flag = opt;
        if (!ParseInt<std::uint64_t>(optarg, 1, 1'000'000, c.site.hosts))
          return bad("--hosts (expected 1..1000000)");
        break;
      case 'h': c.print_and_exit = kUsage; return c;
      case kVersion: c.print_and_exit = "crawl " CRAWL_VERSION "\n"; return c;
      case ':':
        if (optopt > 0 && optopt < 256) {
          return Status::InvalidArgument(std::string("option '-") +
                                         static_cast<char>(optopt) +
                                         "' needs a value");
        }
        return Status::InvalidArgument(std::string("option '") +
                                       argv[optind - 1] + "' needs a value");
      default:
        if (optopt > 0 && optopt < 256) {
          return Status::InvalidArgument(std::string("unknown option '-") +
                                         static_cast<char>(optopt) + "'");
        }
        if (optopt >= kEngine) {  // a known long option given a value
          std::string name = argv[optind - 1];
          name = name.substr(0, name.find('='));
          return Status::InvalidArgument("option '" + name +
                                         "' takes no value");
        }
        return Status::InvalidArgument(std::string("unknown option '") +
                                       argv[optind - 1] + "'");
    }
  }
  if (c.warc_file.empty() && (c.warc_max_size > 0 || c.warc_dedup || c.warc_cdx)) {
    return Status::InvalidArgument(
        "--warc-max-size, --warc-dedup and --warc-cdx need --warc-file");
  }
  if ((!c.warc_file.empty() || !c.mirror.empty()) && !c.fake_spec.empty()) {
    return Status::InvalidArgument(
        "--warc-file and --mirror keep HTTP responses; --fake has none");
  }
  // The archive keeps the bytes as sent and the request as sent; the mirror
  // keeps every body, whatever its type.
  c.http.keep_raw_body = !c.warc_file.empty();
  // Compressing a record takes longer than the rest of a page's work (and a
  // 20 MB body, a second): on the HTTP loop's thread it would stall every
  // transfer in flight. So with a WARC, pages are finished on a pool, one
  // thread per core, unless --parse-threads says otherwise.
  if (!c.warc_file.empty() && !parse_threads_given) c.page.parse_threads = -1;
  if (!c.mirror.empty()) c.http.keep_all_bodies = true;
  c.command_line = CommandLine(argc, argv);
  // robots.txt groups, <meta name=...> and X-Robots-Tag name us by this.
  c.crawl.robots_token = RobotsProductToken(c.http.user_agent);
  if (c.crawl.robots_token.empty()) c.crawl.robots_token = "crawl";
  c.page.robots_token = c.crawl.robots_token;
  c.page.obey_meta_robots = c.crawl.obey_robots;
  if (c.bench) {
    if (optind < argc) {
      return Status::InvalidArgument(std::string("crawl bench takes no URL ('") +
                                     argv[optind] + "')");
    }
    if (!c.fake_spec.empty()) {
      return Status::InvalidArgument("crawl bench crawls its own site, not --fake");
    }
    return c;  // the seed is the site's root, known once it is started
  }
  if (bench_flag != 0) {
    return Status::InvalidArgument(
        "--pages, --fanout, --page-size, --latency, --server-threads and "
        "--hosts are options of 'crawl bench'");
  }
  for (int i = optind; i < argc; ++i) c.crawl.seeds.emplace_back(argv[i]);
  const bool cluster = !c.cluster.servers.empty();
  if (!cluster && (!c.cluster.crawl_id.empty() || !c.cluster_password_file.empty() ||
                   !c.cluster.process_id.empty())) {
    return Status::InvalidArgument(
        "--crawl-id, --cluster-password-file and --cluster-process-id go with --cluster");
  }
  if (cluster && c.cluster.crawl_id.empty()) {
    return Status::InvalidArgument("--cluster needs --crawl-id NAME");
  }
  if (!c.cluster_password_file.empty()) {
    std::FILE* f = std::fopen(c.cluster_password_file.c_str(), "r");
    if (f == nullptr) {
      return Status::InvalidArgument("--cluster-password-file: cannot read " +
                                     c.cluster_password_file);
    }
    char line[1024];
    const bool got = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    std::string password = got ? line : "";
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
    if (password.empty()) {
      return Status::InvalidArgument("--cluster-password-file: " + c.cluster_password_file +
                                     " holds no password");
    }
    c.cluster.password = std::move(password);
  }
  if (c.crawl.seeds.empty() && c.fake_spec.empty() && !cluster) {
    return Status::InvalidArgument("no URL given");
  }
  return c;
}

}  // namespace crawl::cli
