// SiteServer: an embedded HTTP/1.1 server on 127.0.0.1 that serves a
// deterministic synthetic site, for `crawl bench` (a crawl of a site whose
// shape and speed are known, on loopback).
//
// The site. Pages 0..pages-1. Page 0 is "/", page i > 0 is "/p/<i>.html"
// (decimal, no leading zeros); every other path, /robots.txt included, is a
// 404. Page i is HTML that links, in this order, to SiteLinks(options, i):
// first (i+1) mod pages, then fanout-1 pseudo-random pages (a hash of (i, k);
// duplicates and self-links happen, as on the web). Links are written in a
// mix of forms, all naming the same page: absolute paths ("/p/7.html"),
// relative ones ("7.html" from /p/..., "p/7.html" from /), dot segments with
// a fragment ("../p/7.html#top", "./p/7.html#top"), and absolute URLs
// ("http://127.0.0.1:PORT/p/7.html"). With fanout >= 1 every page is
// reachable from the root, so a crawl of RootUrl() finds exactly `pages`
// pages and no other URL.
//
// Virtual hosts. With hosts = N > 1, page i lives on host SiteHostName(i mod
// N) ("h<k>.bench.test", a reserved TLD) at the server's port: a link to a
// page on another host is always an absolute URL
// ("http://h3.bench.test:PORT/p/7.html"); links within a host keep the mix
// of forms, absolute URLs naming that host. The root is
// http://h0.bench.test:PORT/. The server answers any Host header and derives
// the page from the path alone (it counts requests per page, whatever the
// host), so a client must map every host name to 127.0.0.1 itself (curl's
// --connect-to ::127.0.0.1:PORT). A crawl of the root finds exactly `pages`
// pages on min(N, pages) hosts. The body of each page is padded with text to
// exactly page_size bytes (more if its links alone need more).
//
// The server. HTTP/1.1 and 1.0, GET and HEAD (other methods: 405),
// keep-alive (HTTP/1.1's default; HTTP/1.0 with "Connection: keep-alive"),
// "Connection: close", pipelining, request bodies with Content-Length
// (skipped), requests in any number of pieces. A malformed request gets 400
// and a request head over 16 KiB gets 431, then the connection is closed.
// Each response is sent `latency` after its request was read, by timers in
// the event loop: no thread ever sleeps, so any number of requests may wait
// at once. Connections beyond max_connections are accepted and closed at
// once; connections idle for idle_timeout are closed.
//
// Design: `threads` epoll loops (edge-triggered, non-blocking sockets).
// Loop 0 also accepts and hands connections round-robin to the loops; a
// connection then lives on one loop. Responses are built into per-connection
// buffers that keep their capacity, and page padding is sent straight from
// one shared read-only text with sendmsg's iovecs: no allocation per request
// in the steady state.
//
// Thread safety: the pure functions may be called from any thread. A
// SiteServer's methods may be called from any thread, but Start() and Stop()
// not concurrently with each other.
#ifndef CRAWL_BENCHSITE_SITE_SERVER_H_
#define CRAWL_BENCHSITE_SITE_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/status.h"

namespace crawl {

struct SiteOptions {
  // --- The site ---
  std::uint64_t pages = 20'000;      // >= 1
  int fanout = 10;                   // links per page, 0..100000
  std::size_t page_size = 8 << 10;   // body bytes per page, <= 64 MiB
  std::uint64_t hosts = 1;           // virtual hosts, 1..1000000

  // --- The server ---
  std::chrono::milliseconds latency{0};  // added to every response, >= 0
  int threads = 1;                       // event-loop threads, 1..64
  int max_connections = 10'000;          // open at once, all loops, >= 1
  std::chrono::milliseconds idle_timeout{30'000};  // > 0
  // Count the responses per page (4 bytes a page): page_responses().
  bool count_pages = false;
};

// Not OK if `options` is out of the ranges above.
Status ValidateSiteOptions(const SiteOptions& options);

// The path of page i: "/" for 0, else "/p/<i>.html".
std::string SitePagePath(std::uint64_t i);

// The page whose path is `target` (exactly as SitePagePath writes it, no
// query), or nullopt.
std::optional<std::uint64_t> SitePageIndex(const SiteOptions& options,
                                           std::string_view target);

// The pages page i links to, in document order (fanout of them; duplicates
// kept). Requires i < options.pages.
std::vector<std::uint64_t> SiteLinks(const SiteOptions& options,
                                     std::uint64_t i);

// "h<k>.bench.test": the name of virtual host k (hosts > 1).
std::string SiteHostName(std::uint64_t k);

// The URL of page i as the site's links name it, for a server on `port`:
// "http://127.0.0.1:PORT/..." with one host, else
// "http://h<i mod hosts>.bench.test:PORT/...". SiteUrl(options, port, 0) is
// the root.
std::string SiteUrl(const SiteOptions& options, std::uint16_t port,
                    std::uint64_t i);

// The body of page i as served from `origin` ("http://127.0.0.1:PORT", no
// trailing slash; with hosts > 1 only its port is used). Requires
// i < options.pages.
std::string SitePageBody(const SiteOptions& options, std::uint64_t i,
                         std::string_view origin);

class SiteServer {
 public:
  explicit SiteServer(const SiteOptions& options);
  // Stop()s.
  ~SiteServer();
  SiteServer(const SiteServer&) = delete;
  SiteServer& operator=(const SiteServer&) = delete;

  // Validates the options, binds 127.0.0.1 on a free port and starts the
  // loop threads. At most once per SiteServer, and not after Stop().
  Status Start();

  // The bound port; 0 unless Start() succeeded.
  std::uint16_t port() const;
  // "http://127.0.0.1:PORT/".
  std::string RootUrl() const;

  // Stops the loops and joins them; every socket and descriptor the server
  // opened is closed when it returns (requests waiting out their latency
  // get no response). Idempotent; also safe without Start().
  void Stop();

  // Responses of any status queued to be sent so far. A response counts once
  // its latency has elapsed: a request whose connection the server closed
  // before then (the client reset it, or Stop()) is not counted; one whose
  // client only closed its side is.
  std::uint64_t requests() const;
  // With count_pages: the responses so far, per page (counted as
  // requests() is); else empty.
  std::vector<std::uint32_t> page_responses() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crawl

#endif  // CRAWL_BENCHSITE_SITE_SERVER_H_
