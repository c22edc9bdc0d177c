// crawl/options.h — everything a crawl is configured by, in one place: what
// to crawl (CrawlOptions), how to talk HTTP (HttpOptions), how pages are
// read (PageOptions), and what is kept (OutputOptions). The defaults here
// are the defaults: the command-line tool maps its flags onto these structs
// and adds none of its own.
//
// All are plain values: copy them, fill them in, and hand them to
// crawl::Crawler::Open (crawler.h), or to the lecture's Crawl() (lecture.h).
#ifndef CRAWL_OPTIONS_H_
#define CRAWL_OPTIONS_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawl/response.h"
#include "crawl/status.h"
#include "crawl/url.h"

namespace crawl {

enum class Engine { kSerial, kMutex, kChannel, kEvent };

// Which discovered URLs may be followed (see src/scope/scope.h).
enum class ScopeMode {
  kHost,         // the seeds' hosts and ports (default ports are one)
  kHostAnyPort,  // the seeds' hosts, any port
  kDomain,  // the seeds' registrable domains (public suffix list)
  kAny,     // everywhere
};

// Live counters of a running crawl, for a progress display. Written by the
// engine, readable from any thread at any time (relaxed atomics).
struct CrawlProgress {
  std::atomic<std::uint64_t> pages{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> queued{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> bytes{0};
};

// "serial", "mutex", "channel", "event".
const char* EngineName(Engine engine);
// "host", "domain", "any".
const char* ScopeModeName(ScopeMode mode);
Result<ScopeMode> ParseScopeMode(std::string_view name);
// InvalidArgument for an unknown name.
Result<Engine> ParseEngine(std::string_view name);

struct CrawlOptions {
  // --- Affects behaviour ---
  // Where the crawl starts; at least one (unless scope_seeds has some).
  // Duplicates are fetched once.
  std::vector<std::string> seeds;
  // The seeds `scope` is taken from, if not `seeds` (a process joining a
  // cluster crawl: the crawl's first seeds).
  std::vector<std::string> scope_seeds;
  Engine engine = Engine::kEvent;
  // A seed is depth 0, a page's links one deeper. Exactly the pages whose
  // shortest link distance from a seed is <= max_depth are fetched.
  // Negative: no limit.
  int max_depth = -1;
  // At most this many fetches in total (successful or not). 0: no limit.
  std::uint64_t max_pages = 0;
  // Which links and redirect targets to follow. Seeds are always fetched.
  ScopeMode scope = ScopeMode::kHost;
  std::vector<std::string> include;  // RE2 patterns on the whole URL
  std::vector<std::string> exclude;
  // A redirect target is followed as a new URL at the same depth; a chain
  // longer than this ends with an error record (kind "redirect_limit").
  int max_redirects = 20;
  // Per-host politeness: at most `per_host` fetches in flight to one host
  // (0: no limit) and `delay` seconds between requests to it, randomised
  // 0.5-1.5x and raised by a robots.txt Crawl-delay (capped).
  int per_host = 0;
  double delay = 0;
  double max_crawl_delay = 30;
  // robots.txt (RFC 9309): fetched once per scheme + authority before its
  // first page; disallowed URLs get an outcome kRobots record and are never
  // fetched. `robots_token` picks the group ("crawl" matches User-agent:
  // crawl). With `sitemaps`, robots.txt Sitemap: lines seed the crawl.
  bool obey_robots = true;
  std::string robots_token = "crawl";
  bool sitemaps = false;
  // Retries of timeouts, connection errors and HTTP 408/429/5xx: up to
  // `retries` more attempts, after Retry-After (capped at max_retry_wait) or
  // an exponential backoff from retry_base with jitter.
  int retries = 2;
  double retry_base = 1;
  double max_retry_wait = 60;
  // Spider traps: URLs admitted per host (0: no limit). URLs that repeat a
  // path segment 3 times are always dropped.
  std::uint64_t max_pages_per_host = 0;
  // URLs read from sitemaps longer than this are dropped (pages' links are
  // the fetcher's to bound).
  std::size_t max_url_length = 2048;

  // When *stop becomes true, nothing more is dispatched and the crawl ends
  // once the fetches in flight have (call Fetcher::CancelAll to hurry them).
  const std::atomic<bool>* stop = nullptr;
  // If set, kept up to date as the crawl goes.
  CrawlProgress* progress = nullptr;

  // --- Affects performance ---
  // Fetches in flight at once (threads of the mutex and channel engines;
  // outstanding asynchronous fetches of the event engine). Ignored by the
  // serial engine. Must be >= 1.
  int concurrency = 16;
};

struct HttpOptions {
  // --- Affects behaviour ---
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // a whole transfer
  // Abort a transfer slower than low_speed_limit bytes/s for low_speed_time.
  long low_speed_limit = 100;
  std::chrono::seconds low_speed_time{20};
  std::uint64_t max_body_bytes = 10 << 20;  // decoded bytes; then truncated
  std::uint64_t max_header_bytes = 64 << 10;
  std::string user_agent;             // empty: curl sends none
  std::vector<std::string> headers;   // extra "Name: value" lines
  std::string proxy;                  // e.g. "http://127.0.0.1:3128"
  // curl's CONNECT_TO rules, "HOST:PORT:HOST2:PORT2": a request for
  // HOST:PORT connects to HOST2:PORT2 instead (the URL, Host header, TLS
  // name and cookies stay HOST's). An empty HOST or PORT matches any; an
  // empty HOST2 or PORT2 keeps the original. The first match wins. The
  // address a rule connects to was chosen by the user, as a proxy is: the
  // private-address refusal does not apply to it (IP-literal URLs are
  // still checked). See ParseConnectTo.
  std::vector<std::string> connect_to;
  bool insecure = false;              // skip TLS certificate checks
  // Bodies whose Content-Type is known not to be HTML are counted (and
  // capped) but only their first bytes are kept, unless this is set (or the
  // request asks for its body).
  bool keep_all_bodies = false;
  // Keep the body as sent too (Response::raw_body: content coding kept),
  // and the request head as sent (Response::request_head): for an archive.
  bool keep_raw_body = false;
  // Bodies past this many bytes go to an unlinked file in spill_dir
  // (empty: $TMPDIR or /tmp), not memory.
  std::uint64_t spill_threshold = Body::kDefaultThreshold;
  std::string spill_dir;
  // Never connect to a non-public address (loopback, private, link-local,
  // multicast, unspecified, reserved; src/net/address.h) — checked on the
  // resolved address at connect time, so DNS cannot sneak around it, and on
  // IP-literal hosts in any spelling before starting (what a proxy would
  // resolve) — unless `allow_private`, or the URL's origin (scheme, host and
  // port: UrlOrigin) is one of `private_ok_origins` (the seeds' own). Other
  // ports of a seed's private host stay refused.
  bool allow_private = false;
  std::vector<std::string> private_ok_origins;
  // HTTP Basic credentials, each sent only to its own origin (a seed's,
  // from its userinfo or --user/--password): never to another host or port,
  // whatever a link or redirect says.
  std::vector<UrlCredentials> credentials;

  // --- Affects performance ---
  // true: the loop runs on a thread of its own, and Start() may be called
  // from any thread. false: no thread; the owner turns the loop by calling
  // Poll() (from one thread, which is also the only one that may call
  // Start() and Get()): an event-driven engine then carries the transfers
  // on its own thread, with no hand-off between threads.
  bool own_thread = true;
  long max_connections = 0;           // 0: no limit beyond curl's own
  long max_host_connections = 0;      // 0: no limit
};

struct PageOptions {
  std::size_t max_url_length = kDefaultMaxUrlLength;
  std::size_t max_links_per_page = 10'000;
  // Where FetchAsync turns responses into links: 0 on the HTTP loop thread
  // itself (no hand-off), N > 0 on a pool of N threads (started on first
  // use), -1 on a pool of one thread per core.
  int parse_threads = 0;
  // Honour a page's <meta name=robots> and X-Robots-Tag nofollow / none
  // (the page's links are then not followed); `robots_token` is the
  // product token they may name (lower case).
  bool obey_meta_robots = false;
  std::string robots_token;
};

// How WARC records are gzipped: libdeflate (fast, whole records in memory)
// or zlib. A spilled body is always streamed through zlib.
enum class GzipCodec { kZlib, kLibdeflate };

struct WarcOptions {
  // --- What is written ---
  // Files NAME.warc.gz, or NAME-00000.warc.gz, NAME-00001.warc.gz, ... when
  // max_size > 0. NAME may hold a directory part; it must exist.
  std::string name;
  // Start a new file before an exchange once the current one has reached
  // this many bytes (0: never). A file passes it only by its last exchange.
  std::uint64_t max_size = 0;
  // --warc-dedup: a complete 200 response whose payload digest was already
  // archived in this crawl becomes a revisit record (head only).
  bool dedup = false;
  // --warc-cdx: also write NAME.cdxj at Close().
  bool cdx = false;
  std::string software;  // warcinfo "software", e.g. "crawl/0.9.0"
  // More warcinfo fields, in order, e.g. {"robots", "obey"}.
  std::vector<std::pair<std::string, std::string>> info;

  // --- Performance ---
  int level = 6;  // gzip level, 0..9 (libdeflate: up to 12)
  // For records held in memory; spilled bodies are always streamed by zlib.
  GzipCodec codec = GzipCodec::kLibdeflate;
};

// --mirror DIR: each response saved as a file, wget -r style (README.md,
// "Output").
struct MirrorOptions {
  std::string dir;  // where the tree goes; created (mkdir -p) if missing
};

// -o FILE: one JSON object per fetched URL (JSON Lines; README.md lists the
// fields). The WARC and mirror fields are added when those outputs are on.
struct JsonlOptions {
  std::string path;    // "": none; "-": standard output; else a file (truncated)
  bool links = false;  // --links: also link_urls and nofollow_links
};

// What a crawl keeps. Crawler::Open opens each output (so a bad path fails
// before anything is fetched); Run() closes them. A failed write stops the
// crawl, and Run() then returns IoError.
struct OutputOptions {
  JsonlOptions jsonl;
  std::optional<WarcOptions> warc;      // --warc-file
  std::optional<MirrorOptions> mirror;  // --mirror
};

// --cluster: one crawl shared by any number of processes, on any number
// of machines, through Redis servers (see CrawlerOptions::cluster).
struct ClusterOptions {
  // redis://[user:password@]host:port[/db] or unix:///path/redis.sock;
  // several: hosts are spread over them by a stable hash (every process
  // must list the same servers in the same order). Empty: no cluster.
  std::vector<std::string> servers;
  std::string crawl_id;  // the crawl's name: 1..64 of A-Z a-z 0-9 . _ -
  // Overrides the servers' own passwords (--cluster-password-file); never
  // printed.
  std::string password;
  // How long a host stays leased to a process that stops renewing it (a
  // process killed, paused or cut off): its hosts then go to the others.
  double lease_ttl_s = 30;
  // This process's id among the crawl's (unique; it names the outputs).
  // Empty: HOSTNAME-PID.
  std::string process_id;
};

// Everything crawl::Crawler::Open takes.
struct CrawlerOptions {
  CrawlOptions crawl;
  HttpOptions http;
  PageOptions page;
  OutputOptions output;
  // HTTP Basic credentials for the seeds' origins (--user, --password); a
  // seed's own userinfo ("https://user:pw@host/") wins for its origin.
  // Never sent to another origin, never written to a record.
  std::string user, password;
  // --state DIR: the crawl's state on disk (RocksDB), committed after every
  // batch of completions with the JSON Lines file's position, so that a
  // crawl killed at any moment (kill -9, a crash, a reboot) or stopped is
  // taken up where its last commit left it by opening the same options
  // again. The first Open creates the state. Open refuses (InvalidArgument)
  // options that define another crawl than the state's (the seeds, scope,
  // include/exclude, depth, limits, robots) and (FailedPrecondition) a
  // directory another process holds, of another format, or corrupted. A
  // crawl that ran to its end does nothing when run again
  // (CrawlSummary::already_finished). The WARC files (the current one cut
  // back, the index's lines so far) and the mirror continue too; responses
  // are then kept on the event loop's thread as they complete
  // (PageOptions::parse_threads is not used), so that each commit matches
  // the WARC exactly. A resumed crawl's --warc-dedup starts afresh. Needs
  // the event engine; the JSON Lines file must be a regular file for its
  // torn tail to be cut. Empty: the state lives in memory.
  std::string state_dir;
  // The crawl is shared with other processes (ClusterOptions). Each URL is
  // fetched once cluster-wide; each host is leased to one process at a
  // time, so per_host, delay, Crawl-delay and Retry-After hold across the
  // cluster; a process that dies loses its hosts after lease_ttl_s and
  // another fetches again what it had in flight. Run() returns when
  // nothing is queued or in flight anywhere (or this process reaches its
  // own max_pages, or is stopped). A process without seeds joins (and
  // waits for a first seed). The defining options (as for state_dir, but
  // the seeds) are the first process's; another's differ: InvalidArgument.
  // Every output of this process gets its id in its name (out.jsonl ->
  // out.ID.jsonl, NAME -> NAME.ID for the WARC, DIR -> DIR.ID for the
  // mirror), so the union of them is the crawl. Needs the event engine;
  // not with state_dir or sitemaps; a URL's depth is the one it was first
  // found at.
  ClusterOptions cluster;
};

}  // namespace crawl

#endif  // CRAWL_OPTIONS_H_
