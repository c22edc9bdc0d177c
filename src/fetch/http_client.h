// HttpClient: one event loop (libcurl multi + epoll, on its own thread) that
// carries many HTTP transfers at once. The only code that includes curl.
//
// Each transfer is bounded: connect timeout, total time, low-speed limit,
// decoded body size (a gzip bomb stops at the cap and is marked truncated),
// header size. Bodies are decoded here (fetch/decoder.h), not by curl. Redirects are NOT followed: the raw Location header is handed
// back, so the crawler can treat the target as a URL like any other.
// HTTP/1.1 and HTTP/2 (ALPN, multiplexed; a transfer waits to share a
// connection only on https), TLS verified unless `insecure`, gzip/deflate/
// br/zstd accepted. Connections are reused across transfers.
//
// Thread safety: Start() and CancelAll() may be called from any thread.
// Callbacks run on the loop thread, one at a time; they must be quick.
// Without HttpOptions::own_thread, the loop thread is whichever thread calls
// Poll(), and only it may call Start() and Get(); CancelAll() and
// Interrupt() may still come from any thread.
#ifndef CRAWL_FETCH_HTTP_CLIENT_H_
#define CRAWL_FETCH_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "crawl/response.h"
#include "crawl/status.h"
#include "crawl/url.h"

namespace crawl {

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

// One exchange: crawl/response.h (the request as sent, the response as
// received, raw and decoded bodies, timings, the error kind).
using HttpResponse = Response;

// Checks one --connect-to rule ("HOST:PORT:HOST2:PORT2", IPv6 hosts in
// brackets); InvalidArgument naming what is wrong.
Status ParseConnectTo(std::string_view rule);

class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse&&)>;

  // Starts the loop thread. Check status() before use.
  explicit HttpClient(const HttpOptions& options);
  // Cancels what is in flight (callbacks run with "cancelled"), stops the
  // loop and joins it.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Not OK if the loop could not be set up (curl, epoll, eventfd).
  Status status() const;

  // Starts a GET of `url` (absolute http or https). `done` runs exactly once,
  // on the loop thread, when the transfer ends in any way. With
  // `keep_body`, the body is kept whatever its type (up to the cap).
  void Start(std::string url, Callback done, bool keep_body = false);

  // Ends every transfer in flight or waiting with error "cancelled"; so are
  // any started afterwards. For a crawl being stopped.
  void CancelAll();

  // Without own_thread: turns the loop on the calling thread until a
  // transfer has ended (its callback has run), Interrupt() was called, or
  // `deadline` passed; returns true. With own_thread: returns false at once.
  bool Poll(std::chrono::steady_clock::time_point deadline);
  // Makes a Poll() in progress (or the next) return. Any thread.
  void Interrupt();

  // What Interrupt() does, as an object that may outlive the client (then
  // waking it does nothing): for work handed to other threads that must
  // wake the loop when it is done, whenever it is done.
  class Waker {
   public:
    explicit Waker(int fd) : fd_(fd) {}  // takes ownership of `fd`
    ~Waker();
    Waker(const Waker&) = delete;
    Waker& operator=(const Waker&) = delete;
    void Wake() const;

   private:
    const int fd_;
  };
  std::shared_ptr<const Waker> waker() const;

  // Blocking convenience: Start and wait. Never call it from a callback.
  HttpResponse Get(std::string url, bool keep_body = false);

  // Waits for `future`, set by callbacks of this client; without a loop
  // thread, turns the loop meanwhile (so: from the loop's thread only).
  // Never call it from a callback.
  template <typename T>
  T Await(std::future<T> future) {
    while (future.wait_for(std::chrono::seconds(0)) !=
           std::future_status::ready) {
      if (!Poll(std::chrono::steady_clock::now() +
                std::chrono::milliseconds(100))) {
        break;  // the loop has its own thread: just wait
      }
    }
    return future.get();
  }

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace crawl

#endif  // CRAWL_FETCH_HTTP_CLIENT_H_
