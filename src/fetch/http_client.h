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

#include "crawl/options.h"
#include "crawl/response.h"
#include "crawl/status.h"
#include "crawl/url.h"

namespace crawl {


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
  // `headers` are extra "Name: value" lines for this request alone, sent
  // after HttpOptions::headers (no CR, LF or NUL: the caller checks).
  void Start(std::string url, Callback done, bool keep_body = false,
             std::vector<std::string> headers = {});

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
  HttpResponse Get(std::string url, bool keep_body = false,
                   std::vector<std::string> headers = {});

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
