#include "store/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <thread>

#include "store/store.h"

namespace crawl {

namespace {

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "%41" and the like, in the userinfo.
std::string Unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      const auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (r.ec == std::errc() && r.ptr == s.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

RedisValue Copy(const redisReply* r) {
  RedisValue v;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      v.type = RedisValue::Type::kString;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::kStatus;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::kInteger;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::kArray;
      v.array.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) v.array.push_back(Copy(r->element[i]));
      break;
    default:
      break;  // nil
  }
  return v;
}

}  // namespace

bool ParseRedisUrl(std::string_view url, RedisEndpoint& out, std::string& error) {
  out = RedisEndpoint();
  std::string_view rest;
  bool unix_socket = false;
  if (url.starts_with("redis://")) {
    rest = url.substr(8);
  } else if (url.starts_with("unix://")) {
    rest = url.substr(7);
    unix_socket = true;
  } else {
    error = "not a redis:// or unix:// URL";
    return false;
  }
  // Userinfo: up to the last '@' before the path.
  std::string_view userinfo;
  const std::size_t slash = unix_socket ? rest.find("@/") : rest.find('/');
  const std::size_t at = unix_socket ? slash : rest.rfind('@', slash);
  if (at != std::string_view::npos && (unix_socket || at < slash || slash == std::string_view::npos)) {
    userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  if (!userinfo.empty()) {
    const std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      out.user = Unescape(userinfo);
    } else {
      out.user = Unescape(userinfo.substr(0, colon));
      out.password = Unescape(userinfo.substr(colon + 1));
    }
  }
  std::string shown = unix_socket ? "unix://" : "redis://";
  if (!out.user.empty()) shown += out.user + "@";
  if (unix_socket) {
    std::string_view path = rest;
    if (const std::size_t q = path.find('?'); q != std::string_view::npos) {
      std::string_view query = path.substr(q + 1);
      path = path.substr(0, q);
      if (!query.starts_with("db=") || !ParseInt(query.substr(3), out.db) || out.db < 0) {
        error = "the only query a unix:// URL takes is ?db=N";
        return false;
      }
    }
    if (path.empty() || path[0] != '/') {
      error = "a unix:// URL needs an absolute socket path";
      return false;
    }
    out.path = std::string(path);
    shown += out.path;
    if (out.db != 0) shown += "?db=" + std::to_string(out.db);
  } else {
    std::string_view hostport = rest;
    if (const std::size_t s = rest.find('/'); s != std::string_view::npos) {
      hostport = rest.substr(0, s);
      const std::string_view db = rest.substr(s + 1);
      if (!db.empty() && (!ParseInt(db, out.db) || out.db < 0)) {
        error = "the database after the '/' is a number";
        return false;
      }
    }
    std::string_view host = hostport;
    if (!hostport.empty() && hostport[0] == '[') {  // [::1]:6379
      const std::size_t close = hostport.find(']');
      if (close == std::string_view::npos) {
        error = "an unclosed '[' in the host";
        return false;
      }
      host = hostport.substr(1, close - 1);
      hostport = hostport.substr(close + 1);
      if (!hostport.empty() && hostport[0] == ':' && !ParseInt(hostport.substr(1), out.port)) {
        error = "the port is not a number";
        return false;
      }
    } else if (const std::size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
      host = hostport.substr(0, colon);
      if (!ParseInt(hostport.substr(colon + 1), out.port)) {
        error = "the port is not a number";
        return false;
      }
    }
    if (host.empty()) {
      error = "no host";
      return false;
    }
    if (out.port <= 0 || out.port > 65535) {
      error = "the port is out of range";
      return false;
    }
    out.host = std::string(host);
    shown += (out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host) +
             ":" + std::to_string(out.port);
    if (out.db != 0) shown += "/" + std::to_string(out.db);
  }
  out.display = std::move(shown);
  return true;
}

RedisClient::Script::Script(std::string b) : body(std::move(b)) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body.data()), body.size(), d);
  static constexpr char kHex[] = "0123456789abcdef";
  for (const unsigned char c : d) {
    sha.push_back(kHex[c >> 4]);
    sha.push_back(kHex[c & 15]);
  }
}

void RedisClient::Eval(std::vector<Command>& batch, const Script& script,
                       std::vector<std::string> args) {
  if (std::find(scripts_.begin(), scripts_.end(), &script) == scripts_.end()) {
    scripts_.push_back(&script);
  }
  Command c;
  c.reserve(args.size() + 3);
  c.emplace_back("EVALSHA");
  c.push_back(script.sha);
  c.emplace_back("0");
  for (std::string& a : args) c.push_back(std::move(a));
  batch.push_back(std::move(c));
}

RedisClient::RedisClient(RedisEndpoint endpoint, const std::atomic<bool>* stop)
    : endpoint_(std::move(endpoint)), stop_(stop) {}

RedisClient::~RedisClient() {
  if (c_ != nullptr) redisFree(c_);
}

void RedisClient::Fail(const std::string& what) const {
  throw StoreError("Redis at " + endpoint_.display + ": " + what);
}

bool RedisClient::TryConnect(std::string& error) {
  if (c_ != nullptr) {
    redisFree(c_);
    c_ = nullptr;
  }
  const timeval connect_timeout{5, 0};
  c_ = endpoint_.path.empty()
           ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, connect_timeout)
           : redisConnectUnixWithTimeout(endpoint_.path.c_str(), connect_timeout);
  if (c_ == nullptr) {
    error = "out of memory";
    return false;
  }
  if (c_->err != 0) {
    error = c_->errstr;
    return false;
  }
  // A server that takes a connection and then says nothing is unreachable
  // too, after this long.
  const timeval io_timeout{10, 0};
  redisSetTimeout(c_, io_timeout);
  std::vector<Command> hello;
  if (!endpoint_.password.empty()) {
    if (endpoint_.user.empty()) {
      hello.push_back({"AUTH", endpoint_.password});
    } else {
      hello.push_back({"AUTH", endpoint_.user, endpoint_.password});
    }
  }
  if (endpoint_.db != 0) hello.push_back({"SELECT", std::to_string(endpoint_.db)});
  hello.push_back({"PING"});
  for (const Command& cmd : hello) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const std::string& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data());
  }
  for (const Command& cmd : hello) {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK) {
      error = c_->errstr;
      return false;
    }
    redisReply* r = static_cast<redisReply*>(raw);
    const bool failed = r->type == REDIS_REPLY_ERROR;
    std::string message = failed ? std::string(r->str, r->len) : "";
    freeReplyObject(r);
    if (failed) {
      // Wrong credentials or database: waiting will not mend them.
      if (cmd[0] == "AUTH") Fail("authentication failed (" + message + ")");
      if (cmd[0] == "SELECT") Fail("cannot select database " + cmd[1] + " (" + message + ")");
      // LOADING: the server is reading its AOF; wait.
      error = message;
      return false;
    }
  }
  return true;
}

void RedisClient::Connect() {
  std::string error;
  double wait_s = 0.1;
  bool said = false;
  const auto since = std::chrono::steady_clock::now();
  while (!TryConnect(error)) {
    if (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) {
      Fail("stopped while it could not be reached (" + error + ")");
    }
    if (!said) {
      std::fprintf(stderr, "crawl: Redis at %s cannot be reached (%s); trying again, "
                   "with backoff up to 5 s between tries\n",
                   endpoint_.display.c_str(), error.c_str());
      said = true;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
    wait_s = std::min(5.0, wait_s * 2);
  }
  if (said) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
    std::fprintf(stderr, "crawl: Redis at %s reached again after %.1f s\n",
                 endpoint_.display.c_str(), s);
  }
}

bool RedisClient::TryRun(const std::vector<Command>& batch, std::vector<RedisValue>& out,
                         std::string& error) {
  out.clear();
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const Command& cmd : batch) {
    argv.clear();
    lens.clear();
    for (const std::string& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      error = c_->errstr;
      return false;
    }
  }
  bool noscript = false;
  std::string first_error;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK) {
      error = c_->errstr;
      return false;
    }
    redisReply* r = static_cast<redisReply*>(raw);
    if (r->type == REDIS_REPLY_ERROR) {
      std::string message(r->str, r->len);
      if (message.starts_with("NOSCRIPT")) {
        noscript = true;
      } else if (message.starts_with("LOADING") || message.starts_with("BUSY") ||
                 message.starts_with("TRYAGAIN")) {
        error = message;  // the server is not ready: wait and send again
        freeReplyObject(r);
        // Read the rest of the pipeline's replies before giving up on it.
        for (std::size_t j = i + 1; j < batch.size(); ++j) {
          void* rest = nullptr;
          if (redisGetReply(c_, &rest) != REDIS_OK) break;
          freeReplyObject(rest);
        }
        redisFree(c_);
        c_ = nullptr;
        return false;
      } else if (first_error.empty()) {
        first_error = std::move(message);
      }
      out.emplace_back();
    } else {
      out.push_back(Copy(r));
    }
    freeReplyObject(r);
  }
  if (!first_error.empty()) {
    Fail(first_error + " (are the keys under this crawl's prefix another program's?)");
  }
  if (noscript) {
    // The server has restarted (or flushed its scripts): load ours again
    // and send the batch again (every batch is safe to apply twice).
    for (const Command& cmd : batch) {
      if (cmd.size() < 2 || cmd[0] != "EVALSHA") continue;
      for (const Script* s : scripts_) {
        if (s->sha != cmd[1]) continue;
        const RedisValue v = Run1({"SCRIPT", "LOAD", s->body});
        if (v.str != s->sha) Fail("SCRIPT LOAD gave an unexpected SHA-1");
      }
    }
    return TryRun(batch, out, error);
  }
  return true;
}

std::vector<RedisValue> RedisClient::Run(const std::vector<Command>& batch) {
  std::vector<RedisValue> out;
  std::string error;
  if (c_ == nullptr && !connected_once_) {
    Connect();
    connected_once_ = true;
  }
  while (c_ == nullptr || !TryRun(batch, out, error)) {
    if (c_ != nullptr) {
      std::fprintf(stderr, "crawl: Redis at %s: the connection failed (%s)\n",
                   endpoint_.display.c_str(), error.c_str());
    }
    ++reconnects_;
    Connect();
  }
  return out;
}

RedisValue RedisClient::Run1(Command command) {
  std::vector<Command> batch;
  batch.push_back(std::move(command));
  return std::move(Run(batch)[0]);
}

}  // namespace crawl
