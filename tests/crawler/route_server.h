// RouteServer: a small HTTP/1.1 server on 127.0.0.1 for the Crawler tests.
// Each path answers a fixed response, after an optional delay; every request
// head is logged, so a test can assert what the crawler sent. One thread per
// connection, "Connection: close" on every response: simple, not fast.
#ifndef CRAWL_TESTS_CRAWLER_ROUTE_SERVER_H_
#define CRAWL_TESTS_CRAWLER_ROUTE_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace crawl::testing {

struct Route {
  int status = 200;
  std::string content_type = "text/html";
  std::string body;
  std::vector<std::string> headers;  // extra "Name: value" lines
  std::chrono::milliseconds delay{0};
};

class RouteServer {
 public:
  RouteServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 128) != 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~RouteServer() { Stop(); }
  RouteServer(const RouteServer&) = delete;
  RouteServer& operator=(const RouteServer&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Before Start() only.
  void Add(const std::string& path, Route route) { routes_[path] = std::move(route); }

  void Start() {
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  // Ends delays at once (their connections close without a response) and
  // joins every thread.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_all();
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mu_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
  }

  // Request heads received so far, by path ("/a" without the query).
  std::multimap<std::string, std::string> Log() const {
    std::lock_guard lock(mu_);
    return log_;
  }
  std::size_t RequestsFor(const std::string& path) const {
    std::lock_guard lock(mu_);
    return log_.count(path);
  }

 private:
  void AcceptLoop() {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) break;
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, static_cast<std::size_t>(n));
    }
    std::string path;
    const std::size_t sp1 = head.find(' ');
    const std::size_t sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    path = path.substr(0, path.find('?'));
    Route route;
    route.status = 404;
    route.content_type = "text/plain";
    route.body = "not found";
    {
      std::unique_lock lock(mu_);
      log_.emplace(path, head);
      auto it = routes_.find(path);
      if (it != routes_.end()) route = it->second;
      if (route.delay.count() > 0 &&
          wake_.wait_for(lock, route.delay, [this] { return stopping_; })) {
        ::close(fd);
        return;
      }
    }
    std::string out = "HTTP/1.1 " + std::to_string(route.status) + " X\r\n" +
                      "Content-Type: " + route.content_type + "\r\n" +
                      "Content-Length: " + std::to_string(route.body.size()) +
                      "\r\nConnection: close\r\n";
    for (const auto& h : route.headers) out += h + "\r\n";
    out += "\r\n" + route.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::map<std::string, Route> routes_;  // read-only once started
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::multimap<std::string, std::string> log_;
};

}  // namespace crawl::testing

#endif  // CRAWL_TESTS_CRAWLER_ROUTE_SERVER_H_
