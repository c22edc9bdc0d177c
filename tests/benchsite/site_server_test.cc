// The synthetic site (pure functions), the request parser, and the server
// over real sockets: raw ones for the protocol details, HttpClient (curl) for
// pages and a whole crawl.
#include "benchsite/site_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "benchsite/request_parser.h"
#include "crawl/url.h"
#include "fetch/http_client.h"
#include "html/links.h"

namespace crawl {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string Origin(const SiteServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

// Descriptors open in this process.
int OpenFds() {
  int n = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (::readdir(dir) != nullptr) ++n;
    ::closedir(dir);
  }
  return n;
}

// Waits (a few seconds at most) for `done`.
template <typename F>
bool Eventually(F done) {
  const auto deadline = Clock::now() + 5s;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking client socket with a receive timeout, reading responses by
// Content-Length.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response; nullopt if the connection ended first. A response to HEAD
  // has no body whatever its Content-Length.
  std::optional<Response> Read(bool head = false) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    Response r;
    std::string_view lines(buf_.data(), end);
    const std::size_t eol = lines.find("\r\n");
    const std::string_view status_line = lines.substr(0, eol);
    if (!status_line.starts_with("HTTP/1.1 ")) return std::nullopt;
    r.status = std::stoi(std::string(status_line.substr(9, 3)));
    lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 2);
    while (!lines.empty()) {
      const std::size_t e = lines.find("\r\n");
      const std::string_view line = lines.substr(0, e);
      const std::size_t colon = line.find(':');
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      std::string_view value = line.substr(colon + 1);
      while (value.starts_with(' ')) value.remove_prefix(1);
      r.headers[name] = std::string(value);
      lines.remove_prefix(e == std::string_view::npos ? lines.size() : e + 2);
    }
    buf_.erase(0, end + 4);
    const std::size_t length =
        head ? 0 : std::stoul("0" + r.Header("content-length"));
    while (buf_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True if the server has closed the connection (EOF or reset) and sent
  // nothing more.
  bool ServerClosed() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  // Sends a FIN: no more requests, responses still welcome.
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // Closes with a reset instead of a FIN.
  void Abort() {
    const linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool Fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n" +
         std::string(extra) + "\r\n";
}

SiteOptions SmallSite() {
  SiteOptions o;
  o.pages = 300;
  o.fanout = 4;
  o.page_size = 2048;
  return o;
}

class Server {
 public:
  explicit Server(const SiteOptions& o) : options(o), server(o) {
    const Status s = server.Start();
    EXPECT_TRUE(s.ok()) << s.message();
  }
  SiteOptions options;
  SiteServer server;
};

// ---------------------------------------------------------------- the site

TEST(SitePages, PathsRoundTrip) {
  SiteOptions o = SmallSite();
  EXPECT_EQ(SitePagePath(0), "/");
  EXPECT_EQ(SitePagePath(17), "/p/17.html");
  for (std::uint64_t i = 0; i < o.pages; ++i) {
    EXPECT_EQ(SitePageIndex(o, SitePagePath(i)), i);
  }
  for (const char* bad : {"", "/p/", "/p/0.html", "/p/300.html", "/p/01.html",
                          "/p/5.htm", "/p/5.html?x", "/p/-5.html", "/p/+5.html",
                          "/robots.txt", "//", "/p/99999999999999999999.html"}) {
    EXPECT_EQ(SitePageIndex(o, bad), std::nullopt) << bad;
  }
}

TEST(SitePages, LinksAreDeterministicInRangeAndStartWithTheNextPage) {
  SiteOptions o = SmallSite();
  for (std::uint64_t i = 0; i < o.pages; ++i) {
    const auto links = SiteLinks(o, i);
    ASSERT_EQ(links.size(), 4u);
    EXPECT_EQ(links[0], (i + 1) % o.pages);
    for (auto t : links) EXPECT_LT(t, o.pages);
    EXPECT_EQ(links, SiteLinks(o, i));
  }
}

// From the root, following links reaches every page and nothing else.
TEST(SitePages, BreadthFirstSearchReachesEveryPage) {
  const std::pair<std::uint64_t, int> shapes[] = {
      {1, 1}, {2, 1}, {1000, 1}, {5000, 3}, {20000, 10}};
  for (const auto& [pages, fanout] : shapes) {
    SiteOptions o;
    o.pages = pages;
    o.fanout = fanout;
    std::vector<bool> seen(pages);
    std::deque<std::uint64_t> queue{0};
    seen[0] = true;
    std::uint64_t found = 1;
    while (!queue.empty()) {
      const std::uint64_t i = queue.front();
      queue.pop_front();
      for (auto t : SiteLinks(o, i)) {
        if (!seen[t]) {
          seen[t] = true;
          ++found;
          queue.push_back(t);
        }
      }
    }
    EXPECT_EQ(found, pages) << pages << " pages, fanout " << fanout;
  }
}

// Each link, resolved against its page's URL, names the page SiteLinks says;
// every form of link appears.
TEST(SitePages, BodyHasPageSizeAndItsLinksInAllForms) {
  SiteOptions o = SmallSite();
  const std::string origin = "http://127.0.0.1:8080";
  std::set<char> forms;
  for (std::uint64_t i : {0, 1, 2, 17, 150, 299}) {
    const std::string body = SitePageBody(o, i, origin);
    EXPECT_EQ(body.size(), o.page_size);
    EXPECT_TRUE(body.starts_with("<!DOCTYPE html>"));
    const HtmlLinks links = ExtractLinks(body);
    const auto targets = SiteLinks(o, i);
    ASSERT_EQ(links.hrefs.size(), targets.size()) << i;
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const std::string& href = links.hrefs[k];
      const UrlResult url = ResolveUrl(origin + SitePagePath(i), href);
      ASSERT_TRUE(url.ok()) << href;
      EXPECT_EQ(url.url, origin + SitePagePath(targets[k])) << href;
      forms.insert(href.starts_with("http:")  ? 'u'
                   : href.starts_with("/")    ? 'a'
                   : href.starts_with(".")    ? 'd'
                                              : 'r');
    }
  }
  EXPECT_EQ(forms.size(), 4u);
}

// With virtual hosts, page i lives on h(i mod hosts).bench.test: each link,
// resolved against its page's SiteUrl, is the target's SiteUrl, and a link
// to another host is an absolute URL.
TEST(SitePages, VirtualHostsLinkAcrossHostsByAbsoluteUrls) {
  SiteOptions o = SmallSite();
  o.hosts = 7;
  const std::uint16_t port = 8080;
  EXPECT_EQ(SiteUrl(o, port, 0), "http://h0.bench.test:8080/");
  EXPECT_EQ(SiteUrl(o, port, 9), "http://h2.bench.test:8080/p/9.html");
  EXPECT_EQ(SiteHostName(3), "h3.bench.test");
  std::set<std::uint64_t> hosts;
  int across = 0;
  for (std::uint64_t i : {0, 1, 2, 17, 150, 299}) {
    const std::string body =
        SitePageBody(o, i, "http://127.0.0.1:" + std::to_string(port));
    const HtmlLinks links = ExtractLinks(body);
    const auto targets = SiteLinks(o, i);
    ASSERT_EQ(links.hrefs.size(), targets.size()) << i;
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const std::string& href = links.hrefs[k];
      const UrlResult url = ResolveUrl(SiteUrl(o, port, i), href);
      ASSERT_TRUE(url.ok()) << href;
      EXPECT_EQ(url.url, SiteUrl(o, port, targets[k])) << href;
      if (targets[k] % o.hosts != i % o.hosts) {
        EXPECT_TRUE(href.starts_with("http://h")) << href;
        ++across;
      }
      hosts.insert(targets[k] % o.hosts);
    }
  }
  EXPECT_GT(across, 0);
  EXPECT_GT(hosts.size(), 3u);
  // One host: the links are as before, on 127.0.0.1.
  o.hosts = 1;
  EXPECT_EQ(SiteUrl(o, port, 9), "http://127.0.0.1:8080/p/9.html");
  EXPECT_EQ(SitePageBody(o, 5, "http://127.0.0.1:8080"),
            SitePageBody(SmallSite(), 5, "http://127.0.0.1:8080"));
}

TEST(SitePages, SmallPageSizeMeansNoPadding) {
  SiteOptions o = SmallSite();
  o.page_size = 10;
  const std::string body = SitePageBody(o, 5, "http://h");
  EXPECT_GT(body.size(), 10u);
  EXPECT_TRUE(body.ends_with("<p></p>\n</body></html>\n"));
}

TEST(SitePages, ValidateOptions) {
  EXPECT_TRUE(ValidateSiteOptions(SiteOptions()).ok());
  SiteOptions o;
  o.pages = 0;
  EXPECT_FALSE(ValidateSiteOptions(o).ok());
  o = SiteOptions();
  o.threads = 0;
  EXPECT_FALSE(ValidateSiteOptions(o).ok());
  o = SiteOptions();
  o.latency = -1ms;
  EXPECT_FALSE(ValidateSiteOptions(o).ok());
  o = SiteOptions();
  o.page_size = std::size_t{1} << 30;
  EXPECT_FALSE(ValidateSiteOptions(o).ok());
  o = SiteOptions();
  o.hosts = 0;
  EXPECT_FALSE(ValidateSiteOptions(o).ok());
  o = SiteOptions();
  o.page_size = std::size_t{1} << 30;
  SiteServer server(o);
  EXPECT_EQ(server.Start().code(), Status::Code::kInvalidArgument);
}

// ---------------------------------------------------------------- the parser

TEST(RequestParser, FindsTheEndOfTheHead) {
  const std::string_view crlf = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET";
  EXPECT_EQ(FindRequestHeadEnd(crlf), crlf.size() - 3);
  const std::string_view lf = "GET / HTTP/1.1\nHost: x\n\nrest";
  EXPECT_EQ(FindRequestHeadEnd(lf), lf.size() - 4);
  EXPECT_EQ(FindRequestHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n\r"),
            std::string_view::npos);
  // Resuming from size - 2 of a prefix finds an end split across reads.
  const std::string_view whole = "GET / HTTP/1.1\r\n\r\n";
  for (std::size_t cut = 0; cut <= whole.size(); ++cut) {
    const std::string_view prefix = whole.substr(0, cut);
    const std::size_t from = cut >= 2 ? cut - 2 : 0;
    if (FindRequestHeadEnd(prefix) == std::string_view::npos) {
      EXPECT_EQ(FindRequestHeadEnd(whole, from), whole.size()) << cut;
    }
  }
}

TEST(RequestParser, ParsesWhatTheServerNeeds) {
  RequestHead h;
  ASSERT_TRUE(ParseRequestHead(
      "GET /p/1.html HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", &h));
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/p/1.html");
  EXPECT_EQ(h.minor_version, 1);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.content_length, 5u);

  ASSERT_TRUE(ParseRequestHead("HEAD / HTTP/1.1\nConnection: Close\n\n", &h));
  EXPECT_FALSE(h.keep_alive);
  ASSERT_TRUE(ParseRequestHead("GET / HTTP/1.0\r\n\r\n", &h));
  EXPECT_FALSE(h.keep_alive);
  ASSERT_TRUE(ParseRequestHead(
      "GET / HTTP/1.0\r\nconnection: foo, Keep-Alive\r\n\r\n", &h));
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.minor_version, 0);
  ASSERT_TRUE(ParseRequestHead(
      "GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", &h));
}

TEST(RequestParser, RejectsMalformedHeads) {
  RequestHead h;
  for (const char* bad : {
           "GET /\r\n\r\n",                          // HTTP/0.9
           "GET  / HTTP/1.1\r\n\r\n",                // double space
           "GET / HTTP/2.0\r\n\r\n",
           "GET / HTTP/1.1 \r\n\r\n",
           "G(T / HTTP/1.1\r\n\r\n",
           "GET / HTTP/1.1\r\nHost x\r\n\r\n",        // no colon
           "GET / HTTP/1.1\r\nHost : x\r\n\r\n",      // space before colon
           "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",    // obs-fold
           "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
           "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
           "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
           "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
       }) {
    EXPECT_FALSE(ParseRequestHead(bad, &h)) << bad;
  }
}

// ---------------------------------------------------------------- the server

TEST(SiteServerTest, ServesPagesToHttpClient) {
  Server s(SmallSite());
  HttpOptions ho;
  ho.allow_private = true;
  HttpClient client(ho);
  ASSERT_TRUE(client.status().ok());
  EXPECT_EQ(s.server.RootUrl(), Origin(s.server) + "/");
  for (std::uint64_t i : {0, 1, 42, 299}) {
    const HttpResponse r =
        client.Get(Origin(s.server) + SitePagePath(i), /*keep_body=*/true);
    ASSERT_EQ(r.status, 200) << ErrorKindName(r.error_kind) << " " << r.error_message;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.http_version, "1.1");
    EXPECT_EQ(r.body.str(), SitePageBody(s.options, i, Origin(s.server)));
  }
  EXPECT_EQ(client.Get(Origin(s.server) + "/robots.txt").status, 404);
  EXPECT_EQ(s.server.requests(), 5u);
}

// A real crawl: links extracted and resolved as the crawler does.
TEST(SiteServerTest, CrawlFromTheRootFindsExactlyEveryPage) {
  Server s(SmallSite());
  HttpOptions ho;
  ho.allow_private = true;
  HttpClient client(ho);
  std::set<std::string> seen{s.server.RootUrl()};
  std::deque<std::string> queue{s.server.RootUrl()};
  while (!queue.empty()) {
    const std::string url = queue.front();
    queue.pop_front();
    const HttpResponse r = client.Get(url, true);
    ASSERT_EQ(r.status, 200) << url;
    for (const std::string& href : ExtractLinks(r.body.view()).hrefs) {
      const UrlResult next = ResolveUrl(url, href);
      ASSERT_TRUE(next.ok()) << href;
      if (seen.insert(next.url).second) queue.push_back(next.url);
    }
  }
  EXPECT_EQ(seen.size(), s.options.pages);
  for (std::uint64_t i = 0; i < s.options.pages; ++i) {
    EXPECT_TRUE(seen.count(Origin(s.server) + SitePagePath(i))) << i;
  }
}

TEST(SiteServerTest, UnknownPathsAre404AndKeepTheConnection) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  ASSERT_TRUE(c.connected());
  for (const char* path : {"/p/0.html", "/p/300.html", "/p/01.html",
                           "/robots.txt", "/x", "/p/5.html?q=1", "*"}) {
    ASSERT_TRUE(c.Send(Get(path)));
    auto r = c.Read();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(r->Header("connection"), "");
  }
  ASSERT_TRUE(c.Send(Get("/p/5.html")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(SiteServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  for (std::uint64_t i = 1; i <= 20; ++i) {
    ASSERT_TRUE(c.Send(Get(SitePagePath(i))));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r->body, SitePageBody(s.options, i, Origin(s.server)));
  }
  EXPECT_EQ(s.server.requests(), 20u);
}

TEST(SiteServerTest, PipelinedRequestsAreAnsweredInOrder) {
  for (auto latency : {0ms, 30ms}) {
    SiteOptions o = SmallSite();
    o.latency = latency;
    Server s(o);
    RawClient c(s.server.port());
    std::string requests;
    for (std::uint64_t i = 0; i < 40; ++i) requests += Get(SitePagePath(i));
    requests += Get("/missing");
    ASSERT_TRUE(c.Send(requests));
    for (std::uint64_t i = 0; i < 40; ++i) {
      auto r = c.Read();
      ASSERT_TRUE(r) << i;
      EXPECT_EQ(r->body, SitePageBody(o, i, Origin(s.server))) << i;
    }
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
  }
}

TEST(SiteServerTest, RequestsInPiecesAreReassembled) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  const std::string request =
      "\r\n" + Get("/p/7.html", "User-Agent: slow\r\n") + Get("/p/8.html");
  for (char ch : request) {
    ASSERT_TRUE(c.Send(std::string_view(&ch, 1)));
    std::this_thread::sleep_for(200us);
  }
  for (std::uint64_t i : {7, 8}) {
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, SitePageBody(s.options, i, Origin(s.server)));
  }
}

TEST(SiteServerTest, HeadSendsHeadersOnly) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  ASSERT_TRUE(c.Send("HEAD /p/3.html HTTP/1.1\r\n\r\n" + Get("/p/4.html")));
  auto head = c.Read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(s.options.page_size));
  auto get = c.Read();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, SitePageBody(s.options, 4, Origin(s.server)));
}

TEST(SiteServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  Server s(SmallSite());
  RawClient plain(s.server.port());
  ASSERT_TRUE(plain.Send("GET / HTTP/1.0\r\n\r\n"));
  auto r = plain.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(plain.ServerClosed());

  RawClient kept(s.server.port());
  const std::string request =
      "GET /p/2.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  ASSERT_TRUE(kept.Send(request + request));
  for (int i = 0; i < 2; ++i) {
    auto k = kept.Read();
    ASSERT_TRUE(k);
    EXPECT_EQ(k->Header("connection"), "keep-alive");
  }
}

TEST(SiteServerTest, ConnectionCloseEndsTheConnectionAfterTheResponse) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  ASSERT_TRUE(c.Send(Get("/p/1.html") + Get("/p/2.html", "Connection: close\r\n") +
                     Get("/p/3.html")));
  auto first = c.Read();
  auto second = c.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->Header("connection"), "close");
  EXPECT_EQ(second->body, SitePageBody(s.options, 2, Origin(s.server)));
  EXPECT_TRUE(c.ServerClosed());  // the third request is not answered
  EXPECT_EQ(s.server.requests(), 2u);
}

TEST(SiteServerTest, MalformedRequestGets400AndClose) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  ASSERT_TRUE(c.Send(Get("/") + "BLAH\r\n\r\n" + Get("/")));
  EXPECT_EQ(c.Read()->status, 200);
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.ServerClosed());
}

TEST(SiteServerTest, OversizedHeadGets431AndClose) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  std::string request = "GET / HTTP/1.1\r\n";
  while (request.size() < 20'000) request += "X-Filler: 0123456789abcdef\r\n";
  ASSERT_TRUE(c.Send(request));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.ServerClosed());
}

TEST(SiteServerTest, OtherMethodsGet405AndTheirBodyIsSkipped) {
  Server s(SmallSite());
  RawClient c(s.server.port());
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nGET / HTTP/" +
                     Get("/p/9.html")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET, HEAD");
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, SitePageBody(s.options, 9, Origin(s.server)));
}

// Big pages to a client that reads late through a small window: the server
// meets EAGAIN mid-padding and resumes on EPOLLOUT.
TEST(SiteServerTest, SlowReaderGetsWholePages) {
  SiteOptions o = SmallSite();
  o.page_size = 1 << 20;
  Server s(o);
  RawClient c(s.server.port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(c.Send(Get("/p/1.html") + Get("/p/2.html") + Get("/") +
                     "HEAD /p/3.html HTTP/1.1\r\n\r\n" + Get("/p/4.html")));
  std::this_thread::sleep_for(200ms);
  for (std::uint64_t i : {1, 2, 0}) {
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body.size(), o.page_size);
    EXPECT_TRUE(r->body == SitePageBody(o, i, Origin(s.server))) << i;
  }
  EXPECT_TRUE(c.Read(/*head=*/true));
  auto last = c.Read();
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->body == SitePageBody(o, 4, Origin(s.server)));
}

// 200 requests each waiting 100 ms at once: they overlap, so the whole takes
// about 100 ms, not 20 s.
TEST(SiteServerTest, LatencyDoesNotBlockTheServer) {
  for (int threads : {1, 2}) {
    SiteOptions o = SmallSite();
    o.latency = 100ms;
    o.threads = threads;
    Server s(o);
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 200; ++i) {
      clients.push_back(std::make_unique<RawClient>(s.server.port()));
      ASSERT_TRUE(clients.back()->connected());
    }
    const auto start = Clock::now();
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(clients[static_cast<std::size_t>(i)]->Send(
          Get(SitePagePath(static_cast<std::uint64_t>(i)))));
    }
    for (auto& c : clients) {
      auto r = c->Read();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
    const auto elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, 80ms);
    EXPECT_LT(elapsed, 1500ms);
    EXPECT_EQ(s.server.requests(), 200u);
  }
}

// Clients that reset or close while their response waits out the latency:
// no crash, no leak, and the server goes on serving.
TEST(SiteServerTest, ClientsLeavingDuringTheLatency) {
  const int fds = OpenFds();
  {
    SiteOptions o = SmallSite();
    o.latency = 200ms;
    o.threads = 2;
    Server s(o);
    for (int i = 0; i < 40; ++i) {
      RawClient c(s.server.port());
      ASSERT_TRUE(c.Send(Get("/") + Get("/p/1.html")));
      if (i % 2 == 0) {
        c.Abort();
      } else {
        c.Close();
      }
    }
    std::this_thread::sleep_for(400ms);
    RawClient after(s.server.port());
    ASSERT_TRUE(after.Send(Get("/p/2.html")));
    auto r = after.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(OpenFds(), fds);
}

// A client that sends its requests and then shuts down its side still gets
// every response, then the server closes.
TEST(SiteServerTest, HalfClosedClientsGetTheirResponses) {
  for (auto latency : {0ms, 50ms}) {
    SiteOptions o = SmallSite();
    o.latency = latency;
    Server s(o);
    RawClient c(s.server.port());
    ASSERT_TRUE(c.Send(Get("/p/1.html") + Get("/p/2.html") + "GET /p/3"));
    c.ShutdownWrite();
    for (std::uint64_t i : {1, 2}) {
      auto r = c.Read();
      ASSERT_TRUE(r) << i;
      EXPECT_EQ(r->body, SitePageBody(o, i, Origin(s.server)));
    }
    EXPECT_TRUE(c.ServerClosed());
  }
}

// Garbage in any amount gets a 400 or 431 at most, and the server lives on.
TEST(SiteServerTest, SurvivesGarbage) {
  Server s(SmallSite());
  std::uint64_t x = 12345;
  for (int i = 0; i < 30; ++i) {
    RawClient c(s.server.port());
    std::string junk(static_cast<std::size_t>(i) * 997 % 40'000, '\0');
    for (char& ch : junk) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      ch = static_cast<char>(x >> 56);
      if (i % 3 == 0 && ch == '\0') ch = '\n';
    }
    c.Send(junk);
    c.ShutdownWrite();
    while (auto r = c.Read()) {
      EXPECT_TRUE(r->status == 400 || r->status == 431) << r->status;
    }
  }
  RawClient c(s.server.port());
  ASSERT_TRUE(c.Send(Get("/")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(SiteServerTest, StopWithOpenConnectionsAndPendingTimers) {
  const int fds = OpenFds();
  SiteOptions o = SmallSite();
  o.latency = 10s;
  o.threads = 2;
  auto s = std::make_unique<Server>(o);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<RawClient>(s->server.port()));
    ASSERT_TRUE(clients.back()->Send(Get("/")));
  }
  RawClient idle(s->server.port());
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  s->server.Stop();
  EXPECT_LT(Clock::now() - start, 3s);
  for (auto& c : clients) EXPECT_TRUE(c->ServerClosed());
  EXPECT_TRUE(idle.ServerClosed());
  EXPECT_EQ(s->server.requests(), 0u);
  s->server.Stop();  // idempotent
  s.reset();
  clients.clear();
  idle.Close();
  EXPECT_EQ(OpenFds(), fds);
}

TEST(SiteServerTest, IdleConnectionsAreClosed) {
  SiteOptions o = SmallSite();
  o.idle_timeout = 200ms;
  Server s(o);
  RawClient c(s.server.port());
  ASSERT_TRUE(c.Send(Get("/")));
  ASSERT_TRUE(c.Read());
  const auto start = Clock::now();
  EXPECT_TRUE(c.ServerClosed());
  EXPECT_GE(Clock::now() - start, 100ms);
}

TEST(SiteServerTest, ConnectionsBeyondTheLimitAreClosed) {
  SiteOptions o = SmallSite();
  o.max_connections = 2;
  o.threads = 2;
  Server s(o);
  auto a = std::make_unique<RawClient>(s.server.port());
  RawClient b(s.server.port());
  for (RawClient* c : {a.get(), &b}) {
    ASSERT_TRUE(c->Send(Get("/")));
    ASSERT_TRUE(c->Read());
  }
  RawClient refused(s.server.port());
  refused.Send(Get("/"));
  EXPECT_TRUE(refused.ServerClosed());
  a.reset();  // frees a place, once the server has seen it go
  EXPECT_TRUE(Eventually([&] {
    RawClient next(s.server.port());
    return next.Send(Get("/")) && next.Read().has_value();
  }));
}

TEST(SiteServerTest, ManyThreadsShareTheConnections) {
  SiteOptions o = SmallSite();
  o.threads = 3;
  Server s(o);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 30; ++i) {
    clients.push_back(std::make_unique<RawClient>(s.server.port()));
  }
  for (std::uint64_t round = 0; round < 5; ++round) {
    for (auto& c : clients) ASSERT_TRUE(c->Send(Get(SitePagePath(round))));
    for (auto& c : clients) {
      auto r = c->Read();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->body, SitePageBody(o, round, Origin(s.server)));
    }
  }
  EXPECT_EQ(s.server.requests(), 150u);
}

TEST(SiteServerTest, StartsOnce) {
  Server s(SmallSite());
  EXPECT_NE(s.server.port(), 0);
  EXPECT_FALSE(s.server.Start().ok());
  SiteServer never(SmallSite());
  never.Stop();
  EXPECT_EQ(never.port(), 0);
  EXPECT_FALSE(never.Start().ok());
}

}  // namespace
}  // namespace crawl
