#include "benchsite/site_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <thread>
#include <utility>

#include "benchsite/request_parser.h"
#include "benchsite/site_page.h"
#include "sync/mutex.h"

namespace crawl {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kMaxRequestHead = 16 << 10;  // larger: 431
constexpr std::size_t kInitialInput = 2 << 10;
constexpr int kMaxPipeline = 16;  // requests of one connection awaiting latency
constexpr std::size_t kOutHighWater = 256 << 10;  // unsent bytes: stop parsing
constexpr std::size_t kOutCompact = 64 << 10;
constexpr int kMaxIov = 64;
constexpr int kMaxEvents = 256;
constexpr int kAcceptBatch = 64;
constexpr int kServiceRounds = 8;  // read/parse rounds before yielding
constexpr auto kAcceptRetry = 100ms;
constexpr auto kMaxLinger = 2s;
constexpr std::uint64_t kListenTag = ~std::uint64_t{0};
constexpr std::uint64_t kWakeTag = kListenTag - 1;

constexpr std::string_view kStatusLine200 = "HTTP/1.1 200 OK\r\n";
constexpr std::string_view kCommonHeaders = "Server: crawl-benchsite\r\n";
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kText = "text/plain; charset=utf-8";

Status ErrnoStatus(std::string_view what) {
  return Status::IoError(std::string(what) + ": " + std::strerror(errno));
}

enum class Reply : std::uint8_t {
  kPage,
  kNotFound,
  kBadMethod,
  kBadRequest,
  kTooLarge,
};

// A request read and routed, waiting for its response.
struct Pending {
  Reply reply = Reply::kPage;
  bool head = false;        // HEAD: headers only
  bool keep_alive = false;  // else the connection closes after the response
  bool http10 = false;      // HTTP/1.0: keep-alive must be said
  std::uint64_t page = 0;   // for kPage
};

Pending ErrorReply(Reply reply) {
  Pending p;
  p.reply = reply;
  return p;
}

// Bytes to send: the next `own` bytes of Conn::out, then `pad` bytes of the
// shared padding text from offset `pad_off`.
struct Segment {
  std::size_t own = 0;
  std::size_t pad = 0;
  std::size_t pad_off = 0;
};

// One client connection, owned by one loop. A slot's Conn is reused for later
// connections: Reset() keeps the buffers' capacity.
struct Conn {
  std::uint32_t slot = 0;
  std::uint32_t gen = 0;  // bumped on close: stale references miss
  int fd = -1;
  Clock::time_point last_active;

  // Input: in[0, in_len) is received and not yet parsed.
  std::unique_ptr<char[]> in;
  std::size_t in_cap = 0;
  std::size_t in_len = 0;
  std::size_t scan_from = 0;     // FindRequestHeadEnd hint for the head at in[0]
  std::uint64_t body_skip = 0;   // request body bytes still to discard
  bool readable = false;         // the socket may hold unread bytes
  bool peer_shut = false;        // the peer shut down writing: read to EOF
  bool read_eof = false;
  bool parse_blocked = false;    // stopped parsing: too much unsent
  bool closing = false;          // a response closes: parse nothing more
  bool lingering = false;        // write side shut; reading to EOF
  bool dirty = false;            // in the loop's dirty list

  // Requests waiting out the latency, oldest first (a ring).
  std::array<Pending, kMaxPipeline> pending;
  int pending_head = 0;
  int pending_count = 0;

  // Output: segs[seg_head..] describe what is unsent.
  std::string out;
  std::size_t out_pos = 0;  // first unsent byte of `out`
  std::vector<Segment> segs;
  std::size_t seg_head = 0;
  std::size_t out_bytes = 0;  // unsent bytes, padding included

  std::uint64_t Ref() const {
    return slot | (static_cast<std::uint64_t>(gen) << 32);
  }
  bool Blocked() const {
    return pending_count == kMaxPipeline || out_bytes >= kOutHighWater;
  }
  void ClearOutput() {
    out.clear();
    out_pos = 0;
    segs.clear();
    seg_head = 0;
    out_bytes = 0;
  }
  void Reset() {
    ++gen;
    fd = -1;
    in_len = scan_from = 0;
    body_skip = 0;
    readable = peer_shut = read_eof = parse_blocked = false;
    closing = lingering = dirty = false;
    pending_head = pending_count = 0;
    ClearOutput();
  }
};

struct Timer {
  Clock::time_point due;
  std::uint64_t ref;  // Conn::Ref()
};

struct ServerState;

// One event loop and the connections it owns. All methods but Adopt(),
// Wake() and responses() run on the loop's thread.
class Loop {
 public:
  explicit Loop(ServerState& state);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Creates the epoll set; with listen_fd >= 0 this loop also accepts.
  Status Init(int listen_fd);
  // The thread body: runs until ServerState::stopping, then closes every
  // connection of this loop.
  void Run();
  // Any thread: interrupts epoll_wait.
  void Wake();
  // Any thread: hands over an accepted connection (closed if the loop has
  // ended).
  void Adopt(int fd) EXCLUDES(mu_);
  std::uint64_t responses() const {
    return responses_.load(std::memory_order_relaxed);
  }
  // After Run() has returned.
  void CloseDescriptors();

 private:
  void Dispatch(const epoll_event& event);
  void OnConnEvent(Conn& c, std::uint32_t events);
  void AcceptSome();
  void Distribute(int fd);
  void TakeIncoming() EXCLUDES(mu_);
  void AddConn(int fd);

  void Service(Conn& c);
  bool ReadInput(Conn& c);
  bool GrowInput(Conn& c);
  void ParseRequests(Conn& c);
  Pending Route(const RequestHead& head) const;
  void Queue(Conn& c, const Pending& p);

  void Respond(Conn& c, const Pending& p);
  void AppendPage(Conn& c, const Pending& p);
  void AppendError(Conn& c, const Pending& p);
  void AppendHeaders(Conn& c, std::string_view status_line,
                     std::string_view type, std::size_t length,
                     const Pending& p, std::string_view extra);
  void AppendOwn(Conn& c, std::string_view bytes);
  void AppendPad(Conn& c, std::size_t n);

  void MarkDirty(Conn& c);
  void FlushDirty();
  void RunAgain();
  void Settle(Conn& c);
  bool WriteOutput(Conn& c);
  int BuildIov(Conn& c, iovec* iov, std::size_t* total);
  void Consume(Conn& c, std::size_t n);
  void StartLinger(Conn& c);
  void Discard(Conn& c);

  void FireTimers();
  void Sweep();
  int TimeoutMs() const;

  Conn* Lookup(std::uint64_t ref);
  void Close(Conn& c);
  void CloseAll() EXCLUDES(mu_);

  ServerState& state_;
  const PageRenderer& renderer_;
  const Clock::duration latency_;
  const Clock::duration idle_timeout_;
  const Clock::duration linger_timeout_;
  const Clock::duration sweep_interval_;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int listen_fd_ = -1;  // not owned; -1 unless this loop accepts

  Clock::time_point now_;  // read after each epoll_wait
  std::vector<std::unique_ptr<Conn>> conns_;  // by slot
  std::vector<std::uint32_t> free_slots_;
  std::deque<Timer> timers_;  // due times ascend: latency is constant
  std::vector<std::uint64_t> dirty_;  // to Settle() before sleeping
  std::vector<std::uint64_t> again_;  // to Service() next round
  std::vector<std::uint64_t> again_work_;
  std::vector<int> adopting_;
  std::string scratch_;
  std::unique_ptr<char[]> discard_;
  bool accept_again_ = false;
  Clock::time_point accept_retry_at_ = Clock::time_point::max();
  Clock::time_point next_sweep_;
  std::size_t next_loop_ = 0;
  std::atomic<std::uint64_t> responses_{0};

  Mutex mu_;
  std::vector<int> incoming_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

// What the loops share. Fixed before the threads start, but the atomics.
struct ServerState {
  ServerState(const SiteOptions& o, std::string origin)
      : options(o), renderer(o, std::move(origin)) {
    if (o.count_pages) page_responses.reset(new std::atomic<std::uint32_t>[o.pages]());
  }

  const SiteOptions options;
  const PageRenderer renderer;
  // With count_pages: responses per page.
  std::unique_ptr<std::atomic<std::uint32_t>[]> page_responses;
  std::atomic<bool> stopping{false};
  std::atomic<int> connections{0};  // open or being handed over, all loops
  std::vector<std::unique_ptr<Loop>> loops;
};

Clock::duration SweepInterval(std::chrono::milliseconds idle) {
  return std::clamp<Clock::duration>(idle / 4, 5ms, 1s);
}

Loop::Loop(ServerState& state)
    : state_(state),
      renderer_(state.renderer),
      latency_(state.options.latency),
      idle_timeout_(state.options.idle_timeout),
      linger_timeout_(std::min<Clock::duration>(state.options.idle_timeout,
                                                kMaxLinger)),
      sweep_interval_(SweepInterval(state.options.idle_timeout)),
      discard_(new char[kMaxRequestHead]) {}

Loop::~Loop() { CloseDescriptors(); }

Status Loop::Init(int listen_fd) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return ErrnoStatus("epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return ErrnoStatus("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    return ErrnoStatus("epoll_ctl");
  }
  if (listen_fd < 0) return Status::Ok();
  listen_fd_ = listen_fd;
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = kListenTag;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0) {
    return ErrnoStatus("epoll_ctl");
  }
  return Status::Ok();
}

void Loop::CloseDescriptors() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  epoll_fd_ = wake_fd_ = -1;
}

void Loop::Run() {
  std::array<epoll_event, kMaxEvents> events;
  now_ = Clock::now();
  next_sweep_ = now_ + sweep_interval_;
  while (!state_.stopping.load(std::memory_order_acquire)) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), kMaxEvents,
                               TimeoutMs());
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) Dispatch(events[static_cast<std::size_t>(i)]);
    RunAgain();
    FireTimers();
    if (accept_again_ || now_ >= accept_retry_at_) AcceptSome();
    FlushDirty();
    if (now_ >= next_sweep_) Sweep();
  }
  CloseAll();
}

// Milliseconds until the next timer, sweep or accept retry (rounded up, so
// that they are due on waking), or 0 if work is waiting.
int Loop::TimeoutMs() const {
  if (!again_.empty() || accept_again_) return 0;
  Clock::time_point next = std::min(next_sweep_, accept_retry_at_);
  if (!timers_.empty()) next = std::min(next, timers_.front().due);
  const Clock::duration wait = next - Clock::now();
  if (wait <= Clock::duration::zero()) return 0;
  return static_cast<int>(
      std::chrono::ceil<std::chrono::milliseconds>(wait).count());
}

void Loop::Wake() {
  const std::uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // EAGAIN: the counter is saturated, so a wake-up is pending anyway.
  }
}

void Loop::Dispatch(const epoll_event& event) {
  if (event.data.u64 == kListenTag) {
    AcceptSome();
  } else if (event.data.u64 == kWakeTag) {
    std::uint64_t count;
    if (::read(wake_fd_, &count, sizeof count) < 0) {
      // EAGAIN: already drained.
    }
    TakeIncoming();
  } else if (Conn* c = Lookup(event.data.u64)) {
    OnConnEvent(*c, event.events);
  }
}

void Loop::OnConnEvent(Conn& c, std::uint32_t events) {
  if (events & EPOLLERR) {
    Close(c);
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) c.readable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP)) c.peer_shut = true;
  if (c.lingering) {
    Discard(c);
    return;
  }
  if ((events & EPOLLOUT) && c.out_bytes > 0) MarkDirty(c);
  if (c.readable) Service(c);
}

// --- Accepting (loop 0) ---

void Loop::AcceptSome() {
  accept_again_ = false;
  accept_retry_at_ = Clock::time_point::max();
  for (int i = 0; i < kAcceptBatch; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      Distribute(fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      // Out of descriptors or memory: the backlog waits a while.
      accept_retry_at_ = now_ + kAcceptRetry;
    }
    return;
  }
  accept_again_ = true;  // edge-triggered: more may be waiting
}

// Closes `fd` at once if max_connections are open, else gives it to the
// next loop in turn.
void Loop::Distribute(int fd) {
  if (state_.connections.fetch_add(1, std::memory_order_relaxed) >=
      state_.options.max_connections) {
    state_.connections.fetch_sub(1, std::memory_order_relaxed);
    ::close(fd);
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  Loop& to = *state_.loops[next_loop_++ % state_.loops.size()];
  if (&to == this) {
    AddConn(fd);
  } else {
    to.Adopt(fd);
  }
}

void Loop::Adopt(int fd) {
  bool wake;
  {
    MutexLock lock(mu_);
    if (closed_) {
      ::close(fd);
      state_.connections.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    wake = incoming_.empty();  // else a wake-up is already on its way
    incoming_.push_back(fd);
  }
  if (wake) Wake();
}

void Loop::TakeIncoming() {
  {
    MutexLock lock(mu_);
    incoming_.swap(adopting_);
  }
  for (const int fd : adopting_) AddConn(fd);
  adopting_.clear();
}

void Loop::AddConn(int fd) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(conns_.size());
    conns_.push_back(std::make_unique<Conn>());
    conns_.back()->slot = slot;
  }
  Conn& c = *conns_[slot];
  c.fd = fd;
  c.last_active = now_;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = c.Ref();
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) Close(c);
}

// --- Reading and parsing ---

// Reads and parses what `c` has received, a few rounds at most (then it
// waits in again_ for the next round, so one client cannot hog the loop).
void Loop::Service(Conn& c) {
  for (int round = 0; round < kServiceRounds; ++round) {
    if (!ReadInput(c)) return;
    if (c.closing) {
      c.in_len = 0;  // nothing after a closing request is answered
    } else {
      ParseRequests(c);
    }
    if (!c.readable || c.in_len >= kMaxRequestHead) {
      MarkDirty(c);
      return;
    }
  }
  again_.push_back(c.Ref());
  MarkDirty(c);
}

// Reads until the socket is drained or the input buffer is full. False if
// `c` was closed (a read error).
bool Loop::ReadInput(Conn& c) {
  while (c.readable && !c.read_eof) {
    if (c.in_len == c.in_cap && !GrowInput(c)) return true;  // full
    const std::size_t room = c.in_cap - c.in_len;
    const ssize_t n = ::read(c.fd, c.in.get() + c.in_len, room);
    if (n > 0) {
      c.in_len += static_cast<std::size_t>(n);
      c.last_active = now_;
      // A short read drained the socket; new bytes bring a new edge. Not so
      // for the end of the stream if it came with this event.
      if (static_cast<std::size_t>(n) < room && !c.peer_shut) {
        c.readable = false;
      }
    } else if (n == 0) {
      c.read_eof = true;
      c.readable = false;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      c.readable = false;
    } else if (errno != EINTR) {
      Close(c);
      return false;
    }
  }
  return true;
}

// Doubles the input buffer up to kMaxRequestHead. False if it is that big.
bool Loop::GrowInput(Conn& c) {
  if (c.in_cap >= kMaxRequestHead) return false;
  const std::size_t cap =
      c.in_cap == 0 ? kInitialInput : std::min(2 * c.in_cap, kMaxRequestHead);
  std::unique_ptr<char[]> in(new char[cap]);
  if (c.in_len > 0) std::memcpy(in.get(), c.in.get(), c.in_len);
  c.in = std::move(in);
  c.in_cap = cap;
  return true;
}

// Turns the complete requests at the start of the input into Pending
// replies, in order, until the input ends, a reply closes the connection, or
// too much is unsent (parse_blocked).
void Loop::ParseRequests(Conn& c) {
  std::size_t pos = 0;
  c.parse_blocked = false;
  while (!c.closing) {
    const std::uint64_t skip =
        std::min<std::uint64_t>(c.body_skip, c.in_len - pos);
    pos += static_cast<std::size_t>(skip);
    c.body_skip -= skip;
    if (c.body_skip > 0) break;
    // RFC 9112 section 2.2: ignore empty lines before a request line.
    while (pos < c.in_len && (c.in[pos] == '\r' || c.in[pos] == '\n')) ++pos;
    if (pos == c.in_len) break;
    if (c.Blocked()) {
      c.parse_blocked = true;
      break;
    }
    const std::string_view data(c.in.get() + pos, c.in_len - pos);
    const std::size_t end = FindRequestHeadEnd(data, c.scan_from);
    if (end == std::string_view::npos) {
      if (data.size() >= kMaxRequestHead) {
        Queue(c, ErrorReply(Reply::kTooLarge));
      } else {
        c.scan_from = data.size() >= 2 ? data.size() - 2 : 0;
      }
      break;
    }
    c.scan_from = 0;
    RequestHead head;
    if (!ParseRequestHead(data.substr(0, end), &head)) {
      Queue(c, ErrorReply(Reply::kBadRequest));
      break;
    }
    pos += end;
    c.body_skip = head.content_length;
    Queue(c, Route(head));
  }
  if (c.closing) {
    c.in_len = 0;
    c.body_skip = 0;
  } else if (pos > 0) {
    std::memmove(c.in.get(), c.in.get() + pos, c.in_len - pos);
    c.in_len -= pos;
  }
}

Pending Loop::Route(const RequestHead& head) const {
  Pending p;
  p.keep_alive = head.keep_alive;
  p.http10 = head.minor_version == 0;
  p.head = head.method == "HEAD";
  if (!p.head && head.method != "GET") {
    p.reply = Reply::kBadMethod;
  } else if (auto page = SitePageIndex(state_.options, head.target)) {
    p.reply = Reply::kPage;
    p.page = *page;
  } else {
    p.reply = Reply::kNotFound;
  }
  return p;
}

// Answers `p` now, or after the latency.
void Loop::Queue(Conn& c, const Pending& p) {
  if (!p.keep_alive) c.closing = true;
  if (latency_ == Clock::duration::zero()) {
    Respond(c, p);
    return;
  }
  c.pending[static_cast<std::size_t>((c.pending_head + c.pending_count) %
                                     kMaxPipeline)] = p;
  ++c.pending_count;
  timers_.push_back(Timer{now_ + latency_, c.Ref()});
}

// --- Responses ---

void Loop::Respond(Conn& c, const Pending& p) {
  responses_.store(responses_.load(std::memory_order_relaxed) + 1,
                   std::memory_order_relaxed);
  if (p.reply == Reply::kPage && state_.page_responses) {
    state_.page_responses[p.page].fetch_add(1, std::memory_order_relaxed);
  }
  if (p.reply == Reply::kPage) {
    AppendPage(c, p);
  } else {
    AppendError(c, p);
  }
}

// The head of the page is rendered (into a reused buffer) and copied; the
// padding is only referenced.
void Loop::AppendPage(Conn& c, const Pending& p) {
  scratch_.clear();
  renderer_.AppendHead(p.page, &scratch_);
  const std::size_t pad = renderer_.PaddingFor(scratch_.size());
  AppendHeaders(c, kStatusLine200, kHtml,
                scratch_.size() + pad + kPageTail.size(), p, {});
  if (p.head) return;
  AppendOwn(c, scratch_);
  AppendPad(c, pad);
  AppendOwn(c, kPageTail);
}

void Loop::AppendError(Conn& c, const Pending& p) {
  std::string_view status, body, extra;
  switch (p.reply) {
    case Reply::kBadMethod:
      status = "HTTP/1.1 405 Method Not Allowed\r\n";
      body = "405 method not allowed\n";
      extra = "Allow: GET, HEAD\r\n";
      break;
    case Reply::kBadRequest:
      status = "HTTP/1.1 400 Bad Request\r\n";
      body = "400 bad request\n";
      break;
    case Reply::kTooLarge:
      status = "HTTP/1.1 431 Request Header Fields Too Large\r\n";
      body = "431 request header fields too large\n";
      break;
    default:
      status = "HTTP/1.1 404 Not Found\r\n";
      body = "404 not found\n";
      break;
  }
  AppendHeaders(c, status, kText, body.size(), p, extra);
  if (!p.head) AppendOwn(c, body);
}

void Loop::AppendHeaders(Conn& c, std::string_view status_line,
                         std::string_view type, std::size_t length,
                         const Pending& p, std::string_view extra) {
  char number[24];
  const auto r = std::to_chars(number, number + sizeof number, length);
  AppendOwn(c, status_line);
  AppendOwn(c, kCommonHeaders);
  AppendOwn(c, "Content-Type: ");
  AppendOwn(c, type);
  AppendOwn(c, "\r\nContent-Length: ");
  AppendOwn(c, std::string_view(number, static_cast<std::size_t>(r.ptr - number)));
  AppendOwn(c, "\r\n");
  if (!p.keep_alive) {
    AppendOwn(c, "Connection: close\r\n");
  } else if (p.http10) {
    AppendOwn(c, "Connection: keep-alive\r\n");
  }
  AppendOwn(c, extra);
  AppendOwn(c, "\r\n");
}

void Loop::AppendOwn(Conn& c, std::string_view bytes) {
  c.out.append(bytes);
  if (c.segs.empty() || c.segs.back().pad > 0) c.segs.emplace_back();
  c.segs.back().own += bytes.size();
  c.out_bytes += bytes.size();
}

// Requires a preceding AppendOwn (the headers) and no padding since.
void Loop::AppendPad(Conn& c, std::size_t n) {
  c.segs.back().pad += n;
  c.out_bytes += n;
}

// --- Writing ---

void Loop::MarkDirty(Conn& c) {
  if (c.dirty) return;
  c.dirty = true;
  dirty_.push_back(c.Ref());
}

// Writes out, once per loop round, what each touched connection has.
void Loop::FlushDirty() {
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    Conn* c = Lookup(dirty_[i]);
    if (c == nullptr) continue;
    c->dirty = false;
    Settle(*c);
  }
  dirty_.clear();
}

void Loop::RunAgain() {
  if (again_.empty()) return;
  again_work_.swap(again_);
  for (const std::uint64_t ref : again_work_) {
    Conn* c = Lookup(ref);
    if (c == nullptr) continue;
    if (c->lingering) {
      Discard(*c);
    } else {
      Service(*c);
    }
  }
  again_work_.clear();
}

// Writes what `c` has, then decides what it waits for next: the socket
// (EPOLLOUT, or a request), timers, parsing again, or closing.
void Loop::Settle(Conn& c) {
  if (!WriteOutput(c)) return;
  if (c.parse_blocked && !c.Blocked()) {
    c.parse_blocked = false;
    again_.push_back(c.Ref());
    return;
  }
  if (c.out_bytes > 0 || c.pending_count > 0 || c.parse_blocked) return;
  if (c.closing) {
    StartLinger(c);
  } else if (c.read_eof) {
    Close(c);  // what is left of the input is an incomplete request
  }
}

// False if `c` was closed (a write error: the client has gone).
bool Loop::WriteOutput(Conn& c) {
  while (c.out_bytes > 0) {
    std::array<iovec, kMaxIov> iov;
    std::size_t total = 0;
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = static_cast<std::size_t>(BuildIov(c, iov.data(), &total));
    const ssize_t n = ::sendmsg(c.fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      Close(c);
      return false;
    }
    Consume(c, static_cast<std::size_t>(n));
    c.last_active = now_;
    // Short: the socket buffer is full, and EPOLLOUT will say when it is not.
    if (static_cast<std::size_t>(n) < total) return true;
  }
  return true;
}

int Loop::BuildIov(Conn& c, iovec* iov, std::size_t* total) {
  int n = 0;
  std::size_t own_pos = c.out_pos;
  char* padding = const_cast<char*>(renderer_.padding().data());
  for (std::size_t s = c.seg_head; s < c.segs.size() && n + 2 <= kMaxIov; ++s) {
    const Segment& seg = c.segs[s];
    if (seg.own > 0) iov[n++] = iovec{c.out.data() + own_pos, seg.own};
    if (seg.pad > 0) iov[n++] = iovec{padding + seg.pad_off, seg.pad};
    own_pos += seg.own;
    *total += seg.own + seg.pad;
  }
  return n;
}

void Loop::Consume(Conn& c, std::size_t n) {
  c.out_bytes -= n;
  while (n > 0) {
    Segment& seg = c.segs[c.seg_head];
    const std::size_t own = std::min(n, seg.own);
    seg.own -= own;
    c.out_pos += own;
    n -= own;
    const std::size_t pad = std::min(n, seg.pad);
    seg.pad -= pad;
    seg.pad_off += pad;
    n -= pad;
    if (seg.own == 0 && seg.pad == 0) ++c.seg_head;
  }
  if (c.out_bytes == 0) {
    c.ClearOutput();
  } else if (c.out_pos >= kOutCompact && 2 * c.out_pos >= c.out.size()) {
    c.out.erase(0, c.out_pos);
    c.out_pos = 0;
  }
}

// After a closing response: shut down our side and read until the client
// closes too, so that its unread requests do not turn our close into a
// reset that could destroy the response in flight.
void Loop::StartLinger(Conn& c) {
  if (c.read_eof) {
    Close(c);
    return;
  }
  ::shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.last_active = now_;
  c.readable = true;
  Discard(c);
}

void Loop::Discard(Conn& c) {
  for (int round = 0; round < kServiceRounds; ++round) {
    const ssize_t n = ::read(c.fd, discard_.get(), kMaxRequestHead);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    Close(c);  // EOF or error
    return;
  }
  again_.push_back(c.Ref());
}

// --- Timers ---

void Loop::FireTimers() {
  while (!timers_.empty() && timers_.front().due <= now_) {
    const std::uint64_t ref = timers_.front().ref;
    timers_.pop_front();
    Conn* c = Lookup(ref);
    if (c == nullptr || c->pending_count == 0) continue;  // closed since
    const Pending p = c->pending[static_cast<std::size_t>(c->pending_head)];
    c->pending_head = (c->pending_head + 1) % kMaxPipeline;
    --c->pending_count;
    Respond(*c, p);
    MarkDirty(*c);
  }
}

// Closes connections idle for idle_timeout (with nothing waiting on our
// side), and lingering ones after linger_timeout_.
void Loop::Sweep() {
  next_sweep_ = now_ + sweep_interval_;
  for (const auto& slot : conns_) {
    Conn& c = *slot;
    if (c.fd < 0) continue;
    const Clock::duration quiet = now_ - c.last_active;
    if (c.lingering ? quiet >= linger_timeout_
                    : c.pending_count == 0 && quiet >= idle_timeout_) {
      Close(c);
    }
  }
}

// --- Connections ---

Conn* Loop::Lookup(std::uint64_t ref) {
  const auto slot = static_cast<std::uint32_t>(ref);
  if (slot >= conns_.size()) return nullptr;
  Conn* c = conns_[slot].get();
  return c->fd >= 0 && c->Ref() == ref ? c : nullptr;
}

void Loop::Close(Conn& c) {
  ::close(c.fd);  // also leaves the epoll set
  c.Reset();
  free_slots_.push_back(c.slot);
  state_.connections.fetch_sub(1, std::memory_order_relaxed);
}

void Loop::CloseAll() {
  for (const auto& slot : conns_) {
    if (slot->fd >= 0) Close(*slot);
  }
  std::vector<int> left;
  {
    MutexLock lock(mu_);
    closed_ = true;
    left.swap(incoming_);
  }
  for (const int fd : left) {
    ::close(fd);
    state_.connections.fetch_sub(1, std::memory_order_relaxed);
  }
  timers_.clear();
  dirty_.clear();
  again_.clear();
}

// A non-blocking socket listening on 127.0.0.1, port chosen by the kernel.
Result<int> Listen() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, SOMAXCONN) != 0) {
    const Status status = ErrnoStatus("bind/listen 127.0.0.1");
    ::close(fd);
    return status;
  }
  return fd;
}

Result<std::uint16_t> LocalPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return ErrnoStatus("getsockname");
  }
  return static_cast<std::uint16_t>(ntohs(addr.sin_port));
}

}  // namespace

struct SiteServer::Impl {
  explicit Impl(const SiteOptions& o) : options(o) {}

  const SiteOptions options;
  std::unique_ptr<ServerState> state;  // from Start()
  std::vector<std::thread> threads;
  int listen_fd = -1;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;
};

SiteServer::SiteServer(const SiteOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}

SiteServer::~SiteServer() { Stop(); }

Status SiteServer::Start() {
  Impl& m = *impl_;
  if (m.started || m.stopped) {
    return Status::InvalidArgument("SiteServer already started or stopped");
  }
  if (Status s = ValidateSiteOptions(m.options); !s.ok()) return s;
  m.started = true;
  Result<int> fd = Listen();
  if (!fd.ok()) return fd.status();
  m.listen_fd = *fd;
  Result<std::uint16_t> port = LocalPort(m.listen_fd);
  if (!port.ok()) {
    Stop();
    return port.status();
  }
  m.state = std::make_unique<ServerState>(
      m.options, "http://127.0.0.1:" + std::to_string(*port));
  for (int i = 0; i < m.options.threads; ++i) {
    m.state->loops.push_back(std::make_unique<Loop>(*m.state));
    const Status s = m.state->loops.back()->Init(i == 0 ? m.listen_fd : -1);
    if (!s.ok()) {
      Stop();
      return s;
    }
  }
  for (auto& loop : m.state->loops) {
    m.threads.emplace_back([l = loop.get()] { l->Run(); });
  }
  m.port = *port;
  return Status::Ok();
}

void SiteServer::Stop() {
  Impl& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  if (m.state != nullptr) {
    m.state->stopping.store(true, std::memory_order_release);
    for (auto& loop : m.state->loops) loop->Wake();
  }
  for (auto& t : m.threads) t.join();
  m.threads.clear();
  if (m.state != nullptr) {
    for (auto& loop : m.state->loops) loop->CloseDescriptors();
  }
  if (m.listen_fd >= 0) ::close(m.listen_fd);
  m.listen_fd = -1;
}

std::uint16_t SiteServer::port() const { return impl_->port; }

std::string SiteServer::RootUrl() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/";
}

std::vector<std::uint32_t> SiteServer::page_responses() const {
  std::vector<std::uint32_t> out;
  const ServerState* state = impl_->state.get();
  if (state == nullptr || !state->page_responses) return out;
  out.resize(state->options.pages);
  for (std::uint64_t i = 0; i < state->options.pages; ++i) {
    out[i] = state->page_responses[i].load(std::memory_order_relaxed);
  }
  return out;
}

std::uint64_t SiteServer::requests() const {
  std::uint64_t n = 0;
  if (impl_->state != nullptr) {
    for (const auto& loop : impl_->state->loops) n += loop->responses();
  }
  return n;
}

}  // namespace crawl
