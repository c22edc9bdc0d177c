// RedisClient: one connection to a Redis server over hiredis, with many
// commands in flight at once (a pipeline: every command of a batch is
// written, then every reply read), scripts run by their SHA-1 (loaded
// again after a restart), and reconnection: while the server cannot be
// reached the batch waits, with backoff, saying so on stderr, and is sent
// again once it can. So every batch a caller sends must be safe to apply
// twice (a reply lost with the connection leaves the caller not knowing
// whether it was applied), or its caller must mend what a lost reply
// leaves (RedisStore reads its hosts in full again after a reconnect; a
// lease taken twice lapses).
//
// Errors: a reply of the wrong shape, or an error reply (WRONGTYPE: keys
// that are not a crawl's), throws StoreError naming the server (never its
// password); so does a wait for the server that `stop` cuts short.
#ifndef CRAWL_STORE_REDIS_CLIENT_H_
#define CRAWL_STORE_REDIS_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace crawl {

// Where a Redis server is: redis://[user:password@]host:port[/db] or
// unix:///path/to/redis.sock[?db=N] (user and password also as
// unix://user:password@/path).
struct RedisEndpoint {
  std::string host;  // TCP, or
  std::string path;  // a Unix socket
  int port = 6379;
  int db = 0;
  std::string user, password;
  std::string display;  // the URL without its password
};
// False (and `error` says why) if `url` is not one of the forms above.
bool ParseRedisUrl(std::string_view url, RedisEndpoint& out, std::string& error);

// A reply, copied out of hiredis's.
struct RedisValue {
  enum class Type : std::uint8_t { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::int64_t integer = 0;
  std::string str;
  std::vector<RedisValue> array;
  bool nil() const { return type == Type::kNil; }
};

class RedisClient {
 public:
  // Connects when first used (waiting for the server as above). `stop`, if
  // set, ends a wait.
  RedisClient(RedisEndpoint endpoint, const std::atomic<bool>* stop);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // A command: its arguments (binary-safe).
  using Command = std::vector<std::string>;
  // A script, by its body; Script(body) keeps its SHA-1.
  struct Script {
    explicit Script(std::string body);
    std::string body, sha;
  };
  // Appends EVALSHA of `script` (which must outlive this client) with no
  // keys and `args` to `batch`.
  void Eval(std::vector<Command>& batch, const Script& script,
            std::vector<std::string> args);

  // Sends every command of `batch` at once and returns their replies, in
  // order. An EVALSHA the server does not know is loaded and the batch
  // sent again.
  std::vector<RedisValue> Run(const std::vector<Command>& batch);
  RedisValue Run1(Command command);

  const std::string& display() const { return endpoint_.display; }
  // How many times the connection was made again after a failure.
  std::uint64_t reconnects() const { return reconnects_; }

 private:
  void Connect();  // until connected (or stopped)
  bool TryConnect(std::string& error);
  // One attempt: false (and `error`) on a connection failure.
  bool TryRun(const std::vector<Command>& batch, std::vector<RedisValue>& out,
              std::string& error);
  [[noreturn]] void Fail(const std::string& what) const;

  RedisEndpoint endpoint_;
  const std::atomic<bool>* stop_;
  redisContext* c_ = nullptr;
  std::uint64_t reconnects_ = 0;
  bool connected_once_ = false;
  std::vector<const Script*> scripts_;  // run so far, to load after a restart
};

}  // namespace crawl

#endif  // CRAWL_STORE_REDIS_CLIENT_H_
