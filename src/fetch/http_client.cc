// The curl multi loop. Design (see curl's multi-event example and
// shared/DESIGN.md for the pitfalls met here):
//   - curl tells us which sockets to watch (socket callback -> epoll_ctl) and
//     when to call it back (timer callback -> a deadline);
//   - the loop waits in epoll_wait until a socket is ready, the deadline
//     passes, or another thread writes the eventfd (new work, cancel, stop);
//   - it calls curl_multi_socket_action for each ready socket and, whenever
//     the deadline has passed, for CURL_SOCKET_TIMEOUT too (even if sockets
//     were ready: skipping that halves throughput);
//   - finished transfers come back through curl_multi_info_read.
// Everything below Loop is touched only by the loop thread, except the
// `inbox_` (under `mu_`) and the eventfd.
#include "fetch/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

#include "crawl/url.h"
#include "fetch/decoder.h"
#include "html/links.h"
#include "net/address.h"
#include "sync/mutex.h"
#include "util/ascii.h"

namespace crawl {
namespace {

using Clock = std::chrono::steady_clock;

// curl_global_init is not thread-safe; do it once per process.
bool GlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK;
  return ok;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// `line` without its line ending.
std::string_view TrimLineEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
    line.remove_suffix(1);
  }
  return line;
}

// Whether a Content-Type names a type whose body we keep in full: HTML, or
// none (to be sniffed).
bool KeepsBody(std::string_view content_type) {
  return Trim(content_type).empty() || IsHtmlMimeType(content_type);
}

constexpr std::size_t kSniffBytes = 1024;

ErrorKind KindOf(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return ErrorKind::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return ErrorKind::kDns;
    case CURLE_COULDNT_CONNECT: return ErrorKind::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: return ErrorKind::kTls;
    case CURLE_BAD_CONTENT_ENCODING: return ErrorKind::kDecoding;
    case CURLE_URL_MALFORMAT: return ErrorKind::kUrl;
    // HTTP/0.9, a status line curl cannot read, a code it refuses.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY: return ErrorKind::kBadResponse;
    // Fewer body bytes than Content-Length or the chunks promised.
    case CURLE_PARTIAL_FILE: return ErrorKind::kTruncated;
    case CURLE_TOO_LARGE:  // a header line past 100 KB, or 5,000 headers
    case CURLE_OUT_OF_MEMORY: return ErrorKind::kHeaderTooLarge;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return ErrorKind::kNetwork;
    default: return ErrorKind::kCurl;
  }
}

long IdleConnectionCache() {
  rlimit limit{};
  long n = 1024;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    n = static_cast<long>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
  }
  return std::clamp(n / 4, 64L, 4096L);
}

// "HOST:PORT:HOST2:PORT2" -> its four fields ("[::1]" keeps its brackets
// in the rule, as curl wants; matching compares them with UrlHost's, which
// has them too). Fewer than four fields: empty strings.
std::array<std::string, 4> SplitConnectTo(std::string_view rule) {
  std::array<std::string, 4> out;
  for (std::size_t field = 0; field < 4; ++field) {
    std::size_t end;
    if (field % 2 == 0 && rule.starts_with('[')) {
      const std::size_t close = rule.find(']');
      end = close == std::string_view::npos ? rule.size() : rule.find(':', close);
    } else {
      end = rule.find(':');
    }
    if (field == 3) end = std::string_view::npos;
    out[field] = std::string(rule.substr(0, end));
    if (end == std::string_view::npos) break;
    rule.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace

Status ParseConnectTo(std::string_view rule) {
  const std::size_t colons = static_cast<std::size_t>(
      std::count(rule.begin(), rule.end(), ':'));
  const bool brackets = rule.find('[') != std::string_view::npos;
  if (colons < 3 || (!brackets && colons != 3)) {
    return Status::InvalidArgument("--connect-to '" + std::string(rule) +
                                   "': expected HOST:PORT:HOST2:PORT2");
  }
  const std::array<std::string, 4> f = SplitConnectTo(rule);
  for (int i : {1, 3}) {
    const std::string& port = f[static_cast<std::size_t>(i)];
    if (port.empty()) continue;
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || (value = value * 10 + (c - '0')) > 65535) {
        return Status::InvalidArgument("--connect-to '" + std::string(rule) +
                                       "': bad port '" + port + "'");
      }
    }
  }
  if (f[2].empty() && f[3].empty()) {
    return Status::InvalidArgument("--connect-to '" + std::string(rule) +
                                   "': no HOST2 or PORT2 to connect to");
  }
  return Status::Ok();
}

class HttpClient::Loop {
 public:
  explicit Loop(const HttpOptions& options) : options_(options) {
    if (!GlobalInit()) {
      init_ = Status::Internal("curl_global_init failed");
      return;
    }
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    // A second descriptor of the same eventfd, owned by a Waker that work on
    // other threads may hold past this loop's end.
    if (wake_fd_ >= 0) {
      waker_ = std::make_shared<const HttpClient::Waker>(
          fcntl(wake_fd_, F_DUPFD_CLOEXEC, 0));
    }
    multi_ = curl_multi_init();
    if (epoll_fd_ < 0 || wake_fd_ < 0 || multi_ == nullptr) {
      init_ = Status::Internal(std::string("cannot set up the HTTP loop: ") +
                               std::strerror(errno));
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);

    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Loop::OnSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Loop::OnTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    // The idle-connection cache. curl's default is 4 per transfer in
    // flight, so a polite crawl (few in flight) over many hosts closes a
    // host's connection before its next turn comes and reconnects for
    // nearly every page. A quarter of the descriptors the process may open
    // (64 to 4,096) leaves room for the transfers themselves.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, IdleConnectionCache());
    if (options_.max_connections > 0) {
      curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                        options_.max_connections);
    }
    if (options_.max_host_connections > 0) {
      curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                        options_.max_host_connections);
    }
    for (const std::string& h : options_.headers) {
      headers_ = curl_slist_append(headers_, h.c_str());
    }
    for (const std::string& rule : options_.connect_to) {
      connect_to_ = curl_slist_append(connect_to_, rule.c_str());
      connect_rules_.push_back(SplitConnectTo(rule));
    }
    if (options_.own_thread) thread_ = std::thread([this] { Run(); });
  }

  ~Loop() {
    if (thread_.joinable()) {
      stopping_ = true;
      Wake();
      thread_.join();
    } else if (init_.ok()) {
      // Driven by its owner: end what is left here, on the owner's thread.
      cancelled_ = true;
      CancelActive("the HTTP client was shut down");
      Admit();  // completes anything still waiting, as cancelled
    }
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
    if (multi_) curl_multi_cleanup(multi_);
    curl_slist_free_all(headers_);
    curl_slist_free_all(connect_to_);
    if (wake_fd_ >= 0) close(wake_fd_);
    if (epoll_fd_ >= 0) close(epoll_fd_);
  }

  Status status() const { return init_; }

  void Start(std::string url, Callback done, bool keep_body,
             std::vector<std::string> headers) {
    if (!init_.ok()) {
      HttpResponse r;
      r.error_kind = ErrorKind::kCurl;
      r.error_message = init_.message();
      done(std::move(r));
      return;
    }
    // An IP literal host is checked before anything starts: with a proxy,
    // the connect-time check only ever sees the proxy's address.
    if (!PrivateAllowed(url)) {
      if (auto ip = ParseIpLiteral(UrlHost(url)); ip && !IsPublic(*ip)) {
        HttpResponse r;
        r.error_kind = ErrorKind::kPrivateAddress;
        r.error_message = Refusal(*ip);
        done(std::move(r));
        return;
      }
    }
    bool first;
    {
      MutexLock lock(mu_);
      first = inbox_.empty();
      inbox_.push_back(
          Pending{std::move(url), std::move(done), keep_body, std::move(headers)});
    }
    // The loop takes the whole inbox at once, so only the first request of
    // a batch needs to wake it (a burst of Starts costs one write). A loop
    // driven by Poll() is on this very thread: it takes the inbox when it
    // next turns.
    if (first && options_.own_thread) Wake();
  }

  bool Poll(Clock::time_point deadline) {
    if (options_.own_thread || !init_.ok()) return false;
    Admit();
    for (;;) {
      finished_ = 0;
      woken_ = false;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(
          deadline - Clock::now());
      Turn(static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000)));
      if (finished_ > 0 || woken_ || Clock::now() >= deadline) return true;
    }
  }

  void Interrupt() { Wake(); }
  std::shared_ptr<const HttpClient::Waker> waker() const { return waker_; }

  void CancelAll() {
    cancelled_ = true;
    Wake();
  }

 private:
  struct Pending {
    std::string url;
    Callback done;
    bool keep_body = false;
    std::vector<std::string> headers;  // this request's own extra lines
  };

  bool PrivateAllowed(std::string_view url) const {
    if (options_.allow_private) return true;
    const std::string_view origin = UrlOrigin(url);
    for (const std::string& ok : options_.private_ok_origins) {
      if (ok == origin) return true;
    }
    return false;
  }

  // Whether a --connect-to rule sends `url` elsewhere (as curl matches
  // them: the first rule whose HOST and PORT match; empty matches any).
  bool Redirected(std::string_view url) const {
    if (connect_rules_.empty()) return false;
    const std::string_view host = UrlHost(url);
    const std::string port = std::to_string(UrlPort(url));
    for (const auto& rule : connect_rules_) {
      if ((rule[0].empty() || EqualsIgnoreCase(host, rule[0])) &&
          (rule[1].empty() || rule[1] == port)) {
        // Only a rule that names the address to connect to (HOST2) was
        // chosen by the user; a port-only rule still connects to whatever
        // the host's DNS says, which stays checked.
        return !rule[2].empty();
      }
    }
    return false;
  }

  // The port of a normalised URL, default ports included.
  static int UrlPort(std::string_view url) {
    const std::string_view origin = UrlOrigin(url);
    const std::size_t close = origin.rfind(']');
    const std::size_t colon = origin.rfind(':');
    if (colon != std::string_view::npos && colon > origin.find("://") + 2 &&
        (close == std::string_view::npos || colon > close)) {
      int port = 0;
      for (char c : origin.substr(colon + 1)) port = port * 10 + (c - '0');
      return port;
    }
    return StartsWithIgnoreCase(url, "https:") ? 443 : 80;
  }

  const UrlCredentials* CredentialsFor(std::string_view url) const {
    const std::string_view origin = UrlOrigin(url);
    for (const UrlCredentials& c : options_.credentials) {
      if (c.origin == origin) return &c;
    }
    return nullptr;
  }

  static std::string Refusal(const IpAddress& ip) {
    return "refused to connect to " + ip.ToString() + " (" +
           AddressClassName(Classify(ip)) +
           " address); --allow-private allows it";
  }

  // One transfer in flight. Owned by the loop; reached from curl callbacks
  // through CURLOPT_PRIVATE / WRITEDATA / HEADERDATA.
  enum class Header : std::uint8_t { kOther, kLocation };
  struct Transfer {
    Transfer() = default;
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;
    ~Transfer() { curl_slist_free_all(own_headers); }
    Loop* loop;
    CURL* easy;
    std::string url;
    Callback done;
    // HttpOptions::headers and the request's own extra lines, for a request
    // that has some (else the loop's shared list is used).
    std::vector<std::string> extra_headers;
    curl_slist* own_headers = nullptr;
    std::size_t index = 0;  // in active_
    HttpResponse response;
    std::uint64_t header_bytes = 0;
    bool header_overflow = false;
    bool keep_body = true;
    bool want_body = false;  // the request asked for the whole body
    bool body_started = false;
    bool private_ok = false;     // may connect to non-public addresses
    // What the headers said (the final response's, after any 1xx).
    bool interim = false;        // the response being read is a 1xx
    bool headers_done = false;   // the final response's headers ended
    bool folded_location = false;
    std::string bad_header;       // why the headers are not HTTP, if so
    std::string content_length;   // the final response's, as sent
    Header last_header = Header::kOther;
    std::string content_encoding;
    std::unique_ptr<ContentDecoder> decoder;  // from the first body byte
    bool decode_failed = false;
    int requests = 0;            // sent on this transfer (see OnRequest)
    bool resend_refused = false;
    std::string refused;         // why a connection was refused, if so
    bool spill_failed = false;   // a body could not be kept (its Body says why)
    char error[CURL_ERROR_SIZE] = {0};

    // Counts and keeps decoded body bytes up to the cap; false (and
    // `truncated`) when the cap is reached.
    bool Keep(std::string_view bytes) {
      HttpResponse& r = response;
      const std::uint64_t cap = loop->options_.max_body_bytes;
      const std::uint64_t room = cap - std::min(cap, r.body_bytes);
      const std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), room));
      std::size_t keep = take;
      if (!keep_body) {
        keep = std::min(take, kSniffBytes - std::min(kSniffBytes, r.body.size()));
      }
      if (keep > 0 && !r.body.Append(bytes.substr(0, keep))) {
        spill_failed = true;
        return false;
      }
      r.body_bytes += take;
      if (take < bytes.size()) {
        r.truncated = true;
        return false;
      }
      return true;
    }
  };

  void Wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
  }

  // --- curl callbacks (loop thread) ---

  static int OnSocket(CURL*, curl_socket_t s, int what, void* userp,
                      void* socketp) {
    auto* self = static_cast<Loop*>(userp);
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, s, nullptr);
      curl_multi_assign(self->multi_, s, nullptr);
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = s;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
    if (socketp == nullptr) {
      if (epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, s, &ev) != 0 &&
          errno == EEXIST) {
        epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev);
      }
      curl_multi_assign(self->multi_, s, self);  // mark as registered
    } else {
      epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev);
    }
    return 0;
  }

  static int OnTimer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Loop*>(userp);
    self->has_deadline_ = timeout_ms >= 0;
    if (timeout_ms >= 0) {
      self->deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  static std::size_t OnHeader(char* data, std::size_t size, std::size_t n,
                              void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t len = size * n;
    t->header_bytes += len;
    if (t->header_bytes > t->loop->options_.max_header_bytes) {
      t->header_overflow = true;
      return 0;  // aborts the transfer
    }
    std::string_view line(data, len);
    HttpResponse& r = t->response;
    // Trailers (after a chunked body) are not the response's headers.
    if (t->headers_done && t->body_started) return len;
    if (StartsWithIgnoreCase(line, "http/")) {
      // A new response (after 1xx ones): forget the previous one's headers.
      r.raw_head.assign(line);
      r.headers.clear();
      r.status_line.assign(TrimLineEnd(line));
      r.content_type.clear();
      r.location.clear();
      r.retry_after.clear();
      r.x_robots_tag.clear();
      t->content_encoding.clear();
      t->folded_location = false;
      t->last_header = Header::kOther;
      // "HTTP/1.1 200 OK": a 1xx is followed by another response.
      const std::size_t sp = line.find(' ');
      t->interim = sp != std::string_view::npos && sp + 1 < line.size() &&
                   line[sp + 1] == '1';
      t->headers_done = false;
      t->content_length.clear();
      if (t->bad_header.empty()) t->bad_header = CheckStatusLine(t, line);
    } else if (line == "\r\n" || line == "\n") {
      r.raw_head.append(line);
      if (!t->interim) t->headers_done = true;  // the final response's
      return len;
    } else if (line.front() == ' ' || line.front() == '\t') {
      // obs-fold (RFC 9112 5.2): a continuation of the previous header. A
      // folded Location is not its first line: the response is bad.
      r.raw_head.append(line);
      if (!r.headers.empty()) {
        r.headers.back().value += ' ';
        r.headers.back().value += Trim(line);
      }
      if (t->last_header == Header::kLocation) t->folded_location = true;
      return len;
    } else if (StartsWithIgnoreCase(line, "content-type:")) {
      r.content_type = Trim(line.substr(13));
      t->last_header = Header::kOther;
    } else if (StartsWithIgnoreCase(line, "content-length:")) {
      // RFC 9112 6.3: a Content-Length that is not a number, or several
      // that differ, make the framing unknowable; curl ignores one that
      // overflows and reads to the close. The response is bad either way.
      if (t->bad_header.empty()) {
        t->bad_header = CheckContentLength(t, Trim(line.substr(15)));
      }
      t->last_header = Header::kOther;
    } else if (StartsWithIgnoreCase(line, "location:")) {
      r.location = Trim(line.substr(9));
      t->last_header = Header::kLocation;
    } else if (StartsWithIgnoreCase(line, "retry-after:")) {
      r.retry_after = Trim(line.substr(12));
      t->last_header = Header::kOther;
    } else if (StartsWithIgnoreCase(line, "x-robots-tag:")) {
      if (r.x_robots_tag.size() < 16) {
        r.x_robots_tag.emplace_back(Trim(line.substr(13)));
      }
      t->last_header = Header::kOther;
    } else if (StartsWithIgnoreCase(line, "content-encoding:")) {
      // Several headers are one comma-separated list (RFC 9110 5.3).
      if (!t->content_encoding.empty()) t->content_encoding += ',';
      t->content_encoding += Trim(line.substr(17));
      t->last_header = Header::kOther;
    } else {
      t->last_header = Header::kOther;
    }
    if (!StartsWithIgnoreCase(line, "http/")) {
      r.raw_head.append(line);
      const std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && r.headers.size() < 1000) {
        r.headers.push_back({std::string(line.substr(0, colon)),
                             std::string(Trim(line.substr(colon + 1)))});
      }
    }
    return len;
  }

  // "" if `line` is a status line HTTP allows here, else why not: the code
  // is exactly three digits; HTTP/2 and HTTP/3 status lines come only over
  // https (curl writes them for a real HTTP/2 response; crawl never asks
  // for HTTP/2 on plain http).
  static std::string CheckStatusLine(const Transfer* t, std::string_view line) {
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return "no status code in the status line";
    const std::string_view version = line.substr(5, sp - 5);
    if ((version.starts_with('2') || version.starts_with('3')) &&
        !StartsWithIgnoreCase(t->url, "https:")) {
      return "an HTTP/" + std::string(version) +
             " status line on a plain HTTP/1 connection";
    }
    std::size_t digits = 0;
    while (sp + 1 + digits < line.size() && line[sp + 1 + digits] >= '0' &&
           line[sp + 1 + digits] <= '9') {
      ++digits;
    }
    const std::size_t after = sp + 1 + digits;
    if (digits != 3 || (after < line.size() && line[after] != ' ' &&
                        line[after] != '\r' && line[after] != '\n')) {
      return "the status code is not three digits";
    }
    return {};
  }

  // "" if the Content-Length value (one header's: maybe a list of equal
  // values) agrees with those seen before, else why not.
  static std::string CheckContentLength(Transfer* t, std::string_view value) {
    while (!value.empty()) {
      const std::size_t comma = value.find(',');
      const std::string_view one = Trim(value.substr(0, comma));
      if (one.empty() || one.size() > 18 ||
          one.find_first_not_of("0123456789") != std::string_view::npos) {
        return "Content-Length '" + std::string(one.substr(0, 40)) +
               "' is not a length";
      }
      if (!t->content_length.empty() && t->content_length != one) {
        return "conflicting Content-Lengths " + t->content_length + " and " +
               std::string(one);
      }
      t->content_length = std::string(one);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
    return {};
  }

  // The body as sent: through the content decoder (curl's own decoding is
  // off), then capped and kept.
  static std::size_t OnBody(char* data, std::size_t size, std::size_t n,
                            void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t len = size * n;
    HttpResponse& r = t->response;
    if (!t->body_started) {
      t->body_started = true;
      t->keep_body = t->want_body || t->loop->options_.keep_all_bodies ||
                     KeepsBody(r.content_type);
      t->decoder = std::make_unique<ContentDecoder>(t->content_encoding);
    }
    const std::uint64_t cap = t->loop->options_.max_body_bytes;
    r.raw_bytes += len;
    if (t->loop->options_.keep_raw_body &&
        !r.raw_body.Append(std::string_view(data, len))) {
      t->spill_failed = true;
      return 0;
    }
    if (!t->decoder->active()) {
      if (!t->Keep(std::string_view(data, len))) return 0;
      return len;
    }
    if (t->decode_failed) {  // a non-2xx body: no longer kept, still bounded
      if (r.raw_bytes > cap) {
        r.truncated = true;
        return 0;
      }
      return len;
    }
    const bool ok = t->decoder->Write(
        std::string_view(data, len),
        [t](std::string_view bytes) { return t->Keep(bytes); });
    if (!ok) {
      if (t->decoder->stopped()) return 0;  // the cap: r.truncated is set
      t->decode_failed = true;
      // Only a 2xx body is the page; a broken error page is still an
      // error page.
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      if (status >= 200 && status < 300) return 0;  // aborts: "decoding"
      return len;
    }
    // Raw bytes are bounded too: a stream that decodes to nothing.
    if (r.raw_bytes > cap && r.body_bytes < cap) {
      r.truncated = true;
      return 0;
    }
    return len;
  }

  // curl's log of a transfer: only the request head (sent once per
  // transfer: a resend is refused, see OnRequest) is kept.
  static int OnDebug(CURL*, curl_infotype type, char* data, std::size_t size,
                     void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    if (type == CURLINFO_HEADER_OUT && t->response.request_head.size() < (1 << 20)) {
      t->response.request_head.append(data, size);
    }
    return 0;
  }

  // Before each request curl sends. curl resends a request on its own when a
  // reused connection closed without a response (up to 5 times); each
  // attempt here is one request, and retries are the frontier's, counted
  // and bounded by --retries. So a second request is refused and the
  // transfer ends as a network error.
  static int OnRequest(void* clientp, char*, char*, int, int) {
    auto* t = static_cast<Transfer*>(clientp);
    if (++t->requests > 1) {
      t->resend_refused = true;
      return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
  }

  // Every socket curl opens passes here, with the address it will connect
  // to (after DNS): the place where a non-public address is refused.
  static curl_socket_t OnOpenSocket(void* clientp, curlsocktype,
                                    curl_sockaddr* a) {
    auto* t = static_cast<Transfer*>(clientp);
    if (!t->private_ok) {
      auto ip = FromSockaddr(&a->addr, a->addrlen);
      if (!ip || !IsPublic(*ip)) {
        t->refused = ip ? Refusal(*ip) : "refused to connect: unknown address";
        return CURL_SOCKET_BAD;
      }
    }
    return socket(a->family, a->socktype, a->protocol);
  }

  // --- the loop ---

  CURL* NewEasy(Transfer* t) {
    CURL* easy;
    if (!idle_.empty()) {
      easy = idle_.back();
      idle_.pop_back();
      curl_easy_reset(easy);
    } else {
      easy = curl_easy_init();
      if (easy == nullptr) return nullptr;
    }
    const HttpOptions& o = options_;
    curl_easy_setopt(easy, CURLOPT_URL, t->url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    // We decode ourselves (fetch/decoder.h): curl only says what we accept.
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br, zstd");
    curl_easy_setopt(easy, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    // Wait for a connection that may multiplex only where one can: https,
    // where ALPN may give HTTP/2. On plain http a stalled first connection
    // would hold every sibling to that host unsent until it timed out.
    if (StartsWithIgnoreCase(t->url, "https:")) {
      curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    }
    if (o.keep_raw_body) {
      // The request head as sent reaches only curl's debug callback.
      curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, &Loop::OnDebug);
      curl_easy_setopt(easy, CURLOPT_DEBUGDATA, t);
      curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
    }
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(o.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_limit);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(o.low_speed_time.count()));
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Loop::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Loop::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    if (!o.user_agent.empty()) {
      curl_easy_setopt(easy, CURLOPT_USERAGENT, o.user_agent.c_str());
    }
    if (!t->extra_headers.empty()) {
      for (const std::string& h : o.headers) {
        t->own_headers = curl_slist_append(t->own_headers, h.c_str());
      }
      for (const std::string& h : t->extra_headers) {
        t->own_headers = curl_slist_append(t->own_headers, h.c_str());
      }
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->own_headers);
    } else if (headers_) {
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_);
    }
    if (connect_to_) curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connect_to_);
    // Only to the credentials' own origin; redirects are not followed
    // inside a transfer, so they cannot carry them elsewhere.
    if (const UrlCredentials* c = CredentialsFor(t->url)) {
      curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(easy, CURLOPT_USERNAME, c->user.c_str());
      curl_easy_setopt(easy, CURLOPT_PASSWORD, c->password.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &Loop::OnRequest);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, t);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Loop::OnOpenSocket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, t);
    // Always set: "" turns off curl's http_proxy/ALL_PROXY environment
    // variables, which would route around the private-address policy.
    curl_easy_setopt(easy, CURLOPT_PROXY, o.proxy.c_str());
    if (o.insecure) {
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return easy;
  }

  void Admit() {
    std::vector<Pending> batch;
    {
      MutexLock lock(mu_);
      batch.swap(inbox_);
    }
    for (Pending& p : batch) {
      if (cancelled_) {
        HttpResponse r;
        r.error_kind = ErrorKind::kCancelled;
        r.error_message = "the crawl was stopped";
        p.done(std::move(r));
        continue;
      }
      auto t = std::make_unique<Transfer>();
      t->loop = this;
      t->url = std::move(p.url);
      t->done = std::move(p.done);
      t->want_body = p.keep_body;
      t->extra_headers = std::move(p.headers);
      t->response.url = t->url;
      t->response.started_at = std::chrono::system_clock::now();
      t->response.body = Body(options_.spill_threshold, options_.spill_dir);
      t->response.raw_body = Body(options_.spill_threshold, options_.spill_dir);
      // Through a proxy every socket goes to the proxy, which the user
      // chose; the target's literal was checked in Start().
      t->private_ok = !options_.proxy.empty() || PrivateAllowed(t->url) ||
                      Redirected(t->url);
      t->easy = NewEasy(t.get());
      if (t->easy == nullptr ||
          curl_multi_add_handle(multi_, t->easy) != CURLM_OK) {
        t->response.error_kind = ErrorKind::kCurl;
        t->response.error_message = "cannot start a transfer";
        if (t->easy) idle_.push_back(t->easy);
        t->done(std::move(t->response));
        continue;
      }
      t->index = active_.size();
      active_.push_back(t.release());
    }
  }

  // Ends `t`: removes it from curl, fills in the response and calls back.
  void Finish(Transfer* t, CURLcode code, const char* cancel_reason) {
    curl_multi_remove_handle(multi_, t->easy);
    HttpResponse& r = t->response;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
    curl_off_t total_us = 0;
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    r.total_ms = total_us / 1000.0;
    const auto ms = [t](CURLINFO info) {
      curl_off_t us = 0;
      curl_easy_getinfo(t->easy, info, &us);
      return us / 1000.0;
    };
    r.dns_ms = ms(CURLINFO_NAMELOOKUP_TIME_T);
    r.connect_ms = ms(CURLINFO_CONNECT_TIME_T);
    r.tls_ms = ms(CURLINFO_APPCONNECT_TIME_T);
    r.first_byte_ms = ms(CURLINFO_STARTTRANSFER_TIME_T);
    char* ip = nullptr;
    if (curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
        ip != nullptr) {
      r.remote_ip = ip;
    }
    long port = 0;
    curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_PORT, &port);
    r.remote_port = static_cast<int>(port);
    long version = 0;
    curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version);
    switch (version) {
      case CURL_HTTP_VERSION_1_0: r.http_version = "1.0"; break;
      case CURL_HTTP_VERSION_1_1: r.http_version = "1.1"; break;
      case CURL_HTTP_VERSION_2_0: r.http_version = "2"; break;
      case CURL_HTTP_VERSION_3: r.http_version = "3"; break;
      default: break;
    }
    if (!r.retry_after.empty()) {
      const std::string& v = r.retry_after;
      if (v.find_first_not_of("0123456789") == std::string::npos && v.size() < 10) {
        r.retry_after_s = std::stod(v);
      } else if (const time_t when = curl_getdate(v.c_str(), nullptr); when >= 0) {
        r.retry_after_s = std::max<double>(0, static_cast<double>(when - time(nullptr)));
      }
    }
    Judge(t, code, cancel_reason);
    idle_.push_back(t->easy);
    active_[t->index] = active_.back();  // O(1) removal
    active_[t->index]->index = t->index;
    active_.pop_back();
    std::unique_ptr<Transfer> owned(t);
    ++finished_;
    owned->done(std::move(owned->response));
  }

  // Says what became of `t` in r.error_kind and r.error_message (both
  // empty: a whole response arrived). Truthful about what arrived: a
  // response cut off in its headers or its encoded body is "truncated", not
  // a page; a status curl took but HTTP has no such code, or a folded
  // Location, is "bad_response".
  void Judge(Transfer* t, CURLcode code, const char* cancel_reason) {
    HttpResponse& r = t->response;
    auto fail = [&r](ErrorKind kind, std::string message) {
      r.error_kind = kind;
      r.error_message = std::move(message);
    };
    const bool success_status = r.status >= 200 && r.status < 300;
    if (cancel_reason != nullptr) {
      fail(ErrorKind::kCancelled, cancel_reason);
    } else if (t->spill_failed) {
      fail(ErrorKind::kIo, "cannot keep the body: " +
                     (r.body.error().empty() ? r.raw_body.error() : r.body.error()));
    } else if (!t->refused.empty() && code == CURLE_COULDNT_CONNECT) {
      // (If another address of the host connected, the refusal was moot.)
      fail(ErrorKind::kPrivateAddress, t->refused);
    } else if (code == CURLE_WRITE_ERROR && t->header_overflow) {
      fail(ErrorKind::kHeaderTooLarge, "response headers exceed " +
                                   std::to_string(options_.max_header_bytes) +
                                   " bytes");
    } else if (!t->bad_header.empty()) {
      fail(ErrorKind::kBadResponse, t->bad_header);
    } else if (code == CURLE_WRITE_ERROR && r.truncated) {
      // Our own abort at the body cap: a response, cut short on purpose.
    } else if (code == CURLE_WRITE_ERROR && t->decode_failed) {
      fail(ErrorKind::kDecoding, "Content-Encoding '" + t->content_encoding +
                           "': " + t->decoder->error());
    } else if (code == CURLE_ABORTED_BY_CALLBACK && t->resend_refused) {
      fail(ErrorKind::kNetwork, "the connection closed without a response (a reused "
                      "connection; not resent by curl: retries are counted)");
    } else if (code == CURLE_OPERATION_TIMEDOUT && RequestSize(t) == 0) {
      // Never sent: it waited for a connection that did not come. Not a
      // server that failed to answer in time.
      fail(ErrorKind::kConnect, "no connection in time; the request was never sent (" +
                          std::string(t->error[0] ? t->error : "timeout") + ")");
    } else if (code != CURLE_OK) {
      ErrorKind kind = KindOf(code);
      // A response began, and curl could not read the rest (a chunk size
      // "0x10" is CURLE_BAD_FUNCTION_ARGUMENT): the response is bad.
      if (kind == ErrorKind::kCurl && r.status != 0) kind = ErrorKind::kBadResponse;
      std::string message = t->error[0] ? t->error : curl_easy_strerror(code);
      if (kind == ErrorKind::kCurl) {
        message += " (libcurl error " + std::to_string(static_cast<int>(code)) + ")";
      }
      fail(kind, std::move(message));
    } else if (!t->headers_done) {
      fail(ErrorKind::kTruncated, r.status == 0
                            ? "the connection closed before a response"
                            : "the connection closed inside the response's headers");
    } else if (r.status < 100 || r.status > 599) {
      fail(ErrorKind::kBadResponse, "status code " + std::to_string(r.status) +
                               " is not an HTTP status");
    } else if (t->folded_location) {
      fail(ErrorKind::kBadResponse, "folded (obs-fold) Location header");
    } else if (success_status && t->decoder && !t->decode_failed &&
               r.raw_bytes > 0 && !t->decoder->Finish()) {
      fail(ErrorKind::kTruncated, "Content-Encoding '" + t->content_encoding +
                            "': " + t->decoder->error());
    }
  }

  static long RequestSize(Transfer* t) {
    long bytes = 0;
    curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &bytes);
    return bytes;
  }

  // Ends every finished transfer. The messages are all read first:
  // curl_multi_remove_handle searches curl's message list for the handle's
  // message, so removing each as it is read makes a burst of k completions
  // cost O(k^2) — measured at 10,000 transfers in flight, a fifth of the
  // crawl's CPU in curl_multi_remove_handle.
  void DrainCompletions() {
    int left = 0;
    done_.clear();
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      done_.emplace_back(t, msg->data.result);
    }
    for (const auto& [t, code] : done_) Finish(t, code, nullptr);
  }

  void CancelActive(const char* reason) {
    while (!active_.empty()) Finish(active_.back(), CURLE_OK, reason);
  }

  void Run() {
    while (!stopping_) Turn(-1);
    cancelled_ = true;  // so that Admit() ends, not starts, what waits
    CancelActive("the HTTP client was shut down");
    Admit();  // completes anything still waiting, as cancelled
  }

  // One turn of the loop: waits (at most `max_wait_ms`; -1: no limit) for a
  // socket, curl's timer or a wake-up, then acts on what is ready: socket
  // actions, timeouts, completions (callbacks), cancellation, new requests.
  void Turn(int max_wait_ms) {
    int wait_ms = max_wait_ms;
    if (has_deadline_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(
          deadline_ - Clock::now());
      const int curl_ms = static_cast<int>(
          std::clamp<long long>(left.count(), 0, 60'000));
      wait_ms = wait_ms < 0 ? curl_ms : std::min(wait_ms, curl_ms);
    }
    {
      int running = 0;
      const int n = epoll_wait(epoll_fd_, events_.data(),
                               static_cast<int>(events_.size()), wait_ms);
      for (int i = 0; i < n; ++i) {
        const int fd = events_[i].data.fd;
        if (fd == wake_fd_) {
          std::uint64_t v;
          while (read(wake_fd_, &v, sizeof v) > 0) {
          }
          woken_ = true;
          continue;
        }
        int flags = 0;
        if (events_[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
        if (events_[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (events_[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(multi_, fd, flags, &running);
      }
      if (has_deadline_ && Clock::now() >= deadline_) {
        has_deadline_ = false;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
    }
    DrainCompletions();
    if (cancelled_) CancelActive("the crawl was stopped");
    Admit();
  }

  const HttpOptions options_;
  Status init_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::shared_ptr<const HttpClient::Waker> waker_;
  CURLM* multi_ = nullptr;
  curl_slist* headers_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  std::vector<std::array<std::string, 4>> connect_rules_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cancelled_{false};

  // Loop thread only (the thread calling Poll(), without own_thread).
  std::vector<epoll_event> events_ = std::vector<epoll_event>(256);
  std::size_t finished_ = 0;  // transfers ended in this Poll() turn
  std::vector<std::pair<Transfer*, CURLcode>> done_;  // DrainCompletions
  bool woken_ = false;        // the eventfd fired in this Poll() turn
  bool has_deadline_ = false;
  Clock::time_point deadline_;
  std::vector<Transfer*> active_;
  std::vector<CURL*> idle_;

  Mutex mu_;
  std::vector<Pending> inbox_ GUARDED_BY(mu_);
};

HttpClient::HttpClient(const HttpOptions& options)
    : loop_(std::make_unique<Loop>(options)) {}
HttpClient::~HttpClient() = default;
Status HttpClient::status() const { return loop_->status(); }
void HttpClient::Start(std::string url, Callback done, bool keep_body,
                       std::vector<std::string> headers) {
  loop_->Start(std::move(url), std::move(done), keep_body, std::move(headers));
}
void HttpClient::CancelAll() { loop_->CancelAll(); }
bool HttpClient::Poll(std::chrono::steady_clock::time_point deadline) {
  return loop_->Poll(deadline);
}
void HttpClient::Interrupt() { loop_->Interrupt(); }
std::shared_ptr<const HttpClient::Waker> HttpClient::waker() const {
  return loop_->waker();
}

HttpClient::Waker::~Waker() {
  if (fd_ >= 0) close(fd_);
}

void HttpClient::Waker::Wake() const {
  if (fd_ < 0) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
}

HttpResponse HttpClient::Get(std::string url, bool keep_body,
                         std::vector<std::string> headers) {
  std::promise<HttpResponse> promise;
  std::future<HttpResponse> future = promise.get_future();
  Start(
      std::move(url),
      [&promise](HttpResponse&& r) { promise.set_value(std::move(r)); },
      keep_body, std::move(headers));
  return Await(std::move(future));
}

}  // namespace crawl
