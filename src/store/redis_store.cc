#include "store/redis_store.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "crawl/url.h"
#include "util/codec.h"
#include "util/fingerprint.h"

namespace crawl {

namespace {

using Command = RedisClient::Command;

// Every script names its keys from ARGV[1], the crawl's prefix, and a host
// (one server: the keys of one host and the server's own).
constexpr char kNow[] = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)";

// ARGV: prefix, host, then (fingerprint, entry) pairs. Returns how many
// were new.
const RedisClient::Script kOffer(R"(
local P, host = ARGV[1], ARGV[2]
local H = P .. '{' .. host .. '}:'
local m = redis.call('HMGET', H .. 'm', 'n', 'L', 's')
local n, L, s = tonumber(m[1] or '0'), tonumber(m[2] or '0'), tonumber(m[3] or '0')
if not (n and L and s) then
  return redis.error_reply('ERR the seen set of ' .. host .. ' is not a crawl\'s')
end
-- Linear hashing: 2^L + s buckets of about 32 fingerprints; bucket s is
-- split in two each time the host has 32 more URLs.
local function hash(fp)
  return ((string.byte(fp, 1) * 256 + string.byte(fp, 2)) * 256 + string.byte(fp, 3)) * 256 + string.byte(fp, 4)
end
local function bucket(x)
  local a = x % (2 ^ L)
  if a < s then a = x % (2 ^ (L + 1)) end
  return H .. 's:' .. a
end
local added = 0
for i = 3, #ARGV, 2 do
  local fp = ARGV[i]
  if redis.call('HSETNX', bucket(hash(fp)), fp, '') == 1 then
    redis.call('HSET', H .. 'p', fp, ARGV[i + 1])
    redis.call('RPUSH', H .. 'new', fp)
    n = n + 1
    added = added + 1
    if n > 32 * (2 ^ L + s) then
      local from, to = H .. 's:' .. s, H .. 's:' .. (s + 2 ^ L)
      for _, f in ipairs(redis.call('HKEYS', from)) do
        if hash(f) % (2 ^ (L + 1)) ~= s then
          redis.call('HDEL', from, f)
          redis.call('HSET', to, f, '')
        end
      end
      s = s + 1
      if s == 2 ^ L then L = L + 1; s = 0 end
    end
  end
end
if added > 0 then
  redis.call('HSET', H .. 'm', 'n', n, 'L', L, 's', s)
  redis.call('HINCRBY', P .. 'c', 'n', added)
  redis.call('HINCRBY', P .. 'c', 'seen', added)
  redis.call('HINCRBY', P .. 'c', 'v', 1)
  local holder = redis.call('GET', H .. 'l')
  if holder then
    redis.call('SADD', P .. 'inbox:' .. string.match(holder, '^%S+'), host)
  else
    redis.call('ZADD', P .. 'open', 'NX', 0, host)
  end
end
redis.call('HSETNX', P .. 'c', 'started', 1)
return added
)");

// ARGV: prefix, process, TTL (ms), how many. Takes up to that many hosts
// with pending URLs and no live lease; returns (host, epoch) pairs.
const RedisClient::Script kAcquire(std::string(kNow) + R"(
local P, proc, ttl, want = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local got = {}
local cands = redis.call('ZRANGEBYSCORE', P .. 'open', '-inf', now, 'LIMIT', 0, want + 32)
for _, host in ipairs(cands) do
  if #got >= 2 * want then break end
  local H = P .. '{' .. host .. '}:'
  if redis.call('EXISTS', H .. 'l') == 1 then
    redis.call('ZADD', P .. 'open', now + math.max(redis.call('PTTL', H .. 'l'), 0), host)
  elseif redis.call('HLEN', H .. 'p') == 0 then
    redis.call('ZREM', P .. 'open', host)
  else
    local e = redis.call('HINCRBY', H .. 'm', 'e', 1)
    redis.call('SET', H .. 'l', proc .. ' ' .. e, 'PX', ttl)
    redis.call('ZADD', P .. 'open', now + ttl, host)
    redis.call('DEL', H .. 'new')
    got[#got + 1] = host
    got[#got + 1] = e
  end
end
return got
)");

// ARGV: prefix, process, TTL (ms), then (host, epoch) pairs. Returns 1 per
// lease renewed, 0 per lease lost; renews the process's liveness.
const RedisClient::Script kRenew(std::string(kNow) + R"(
local P, proc, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 4, #ARGV, 2 do
  local H = P .. '{' .. ARGV[i] .. '}:'
  if redis.call('GET', H .. 'l') == proc .. ' ' .. ARGV[i + 1] then
    redis.call('PEXPIRE', H .. 'l', ttl)
    redis.call('ZADD', P .. 'open', 'XX', now + ttl, ARGV[i])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
redis.call('ZADD', P .. 'procs', now + ttl, proc)
redis.call('ZREMRANGEBYSCORE', P .. 'procs', '-inf', now - 10 * ttl)
return out
)");

// ARGV: prefix, process, host, epoch, how many. How many fingerprints are
// left unread, and the entries of up to that many URLs added to the host
// since the holder last read (those not completed since); -1 if the lease
// is not (or no longer) the caller's.
const RedisClient::Script kTake(R"(
local P = ARGV[1]
local H = P .. '{' .. ARGV[3] .. '}:'
if redis.call('GET', H .. 'l') ~= ARGV[2] .. ' ' .. ARGV[4] then return -1 end
local fps = redis.call('LPOP', H .. 'new', tonumber(ARGV[5]))
if not fps then return {0, {}} end
local es = redis.call('HMGET', H .. 'p', unpack(fps))
local out = {}
for i = 1, #fps do
  if es[i] then out[#out + 1] = es[i] end
end
return {redis.call('LLEN', H .. 'new'), out}
)");

// ARGV: prefix, process, host, epoch, fingerprints. Completes those URLs;
// -1 if the lease is not the caller's (nothing is written).
const RedisClient::Script kDone(R"(
local P = ARGV[1]
local H = P .. '{' .. ARGV[3] .. '}:'
if redis.call('GET', H .. 'l') ~= ARGV[2] .. ' ' .. ARGV[4] then return -1 end
local k = 0
for i = 5, #ARGV do k = k + redis.call('HDEL', H .. 'p', ARGV[i]) end
if k > 0 then
  redis.call('HINCRBY', P .. 'c', 'n', -k)
  redis.call('HINCRBY', P .. 'c', 'v', 1)
end
return k
)");

// ARGV: prefix, process, then (host, epoch) pairs. Gives those leases back
// and leaves the crawl.
const RedisClient::Script kRelease(R"(
local P, proc = ARGV[1], ARGV[2]
for i = 3, #ARGV, 2 do
  local H = P .. '{' .. ARGV[i] .. '}:'
  if redis.call('GET', H .. 'l') == proc .. ' ' .. ARGV[i + 1] then
    redis.call('DEL', H .. 'l')
    if redis.call('HLEN', H .. 'p') > 0 then
      redis.call('ZADD', P .. 'open', 0, ARGV[i])
    else
      redis.call('ZREM', P .. 'open', ARGV[i])
    end
  end
end
redis.call('ZREM', P .. 'procs', proc)
redis.call('DEL', P .. 'proc:' .. proc, P .. 'inbox:' .. proc)
return 1
)");

// ARGV: prefix, process, TTL (ms). Registers the process as alive; 0 if a
// live process has that id already.
const RedisClient::Script kJoin(std::string(kNow) + R"(
local P, proc, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local s = redis.call('ZSCORE', P .. 'procs', proc)
if s and tonumber(s) > now then return 0 end
redis.call('ZADD', P .. 'procs', now + ttl, proc)
return 1
)");

// ARGV: prefix, place. Deletes the server's place if it is that one.
const RedisClient::Script kUnplace(R"(
if redis.call('GET', ARGV[1] .. 'server') == ARGV[2] then
  redis.call('DEL', ARGV[1] .. 'server')
end
return 1
)");

// ARGV: prefix. Hosts in "open", and the live processes.
const RedisClient::Script kShare(std::string(kNow) + R"(
local P = ARGV[1]
return {redis.call('ZCARD', P .. 'open'), redis.call('ZCOUNT', P .. 'procs', now, '+inf')}
)");

constexpr std::size_t kOffersPerCall = 512;  // URLs per offer script
constexpr int kTakePerCall = 1024;
// An entry: a URL and its parent's, each at most --max-url-length (1 MiB).
constexpr std::uint32_t kMaxEntry = 2 * (1u << 20) + 64;

std::string Fp8(std::string_view url) {
  std::string fp;
  PutBe(fp, Fingerprint(url), 8);
  return fp;
}

std::int64_t Integer(const RedisValue& v, const std::string& what, const std::string& server) {
  if (v.type == RedisValue::Type::kInteger) return v.integer;
  if (v.type == RedisValue::Type::kString) {
    char* end = nullptr;
    const long long n = std::strtoll(v.str.c_str(), &end, 10);
    if (!v.str.empty() && end == v.str.c_str() + v.str.size()) return n;
  }
  throw StoreError("Redis at " + server + ": " + what + " is not a number");
}

}  // namespace

bool RedisStore::ValidCrawlId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

RedisStore::RedisStore(RedisStoreOptions options, Order order)
    : options_(std::move(options)),
      prefix_("crawl:" + options_.crawl_id + ":"),
      local_(order) {
  if (options_.servers.empty()) throw StoreError("--cluster names no Redis server");
  if (!ValidCrawlId(options_.crawl_id)) {
    throw StoreError("the crawl id is 1 to 64 of A-Z a-z 0-9 . _ -");
  }
  for (const RedisEndpoint& e : options_.servers) {
    shards_.push_back(std::make_unique<RedisClient>(e, options_.stop));
  }
}

void RedisStore::Join() {
  if (options_.observer) return;
  // Each server knows its place in the list, so that every process lists
  // the same servers in the same order (a host's keys are on one server).
  // A join refused gives back the places it set, so that a wrong list
  // leaves nothing behind.
  const std::size_t n = shards_.size();
  std::vector<std::size_t> placed;
  for (std::size_t s = 0; s < n; ++s) {
    const std::string place = std::to_string(s + 1) + "/" + std::to_string(n);
    std::vector<Command> batch;
    batch.push_back({"SET", prefix_ + "server", place, "NX"});
    batch.push_back({"GET", prefix_ + "server"});
    const std::vector<RedisValue> r = shards_[s]->Run(batch);
    if (r[0].type == RedisValue::Type::kStatus) placed.push_back(s);
    if (r[1].str != place) {
      for (const std::size_t p : placed) {
        std::vector<Command> undo;
        shards_[p]->Eval(undo, kUnplace,
                         {prefix_, std::to_string(p + 1) + "/" + std::to_string(n)});
        shards_[p]->Run(undo);
      }
      throw StoreError("Redis at " + shards_[s]->display() + " is server " + r[1].str +
                       " of crawl " + options_.crawl_id + ", listed here as " + place +
                       ": every process lists the crawl's servers, in the same order");
    }
  }
  // An id is one live process's: a process restarted with its id waits for
  // the last one's liveness to lapse (a TTL at most).
  bool said = false;
  for (;;) {
    std::vector<Command> batch;
    shards_[0]->Eval(batch, kJoin, {prefix_, options_.process_id, Ms(options_.lease_ttl_s)});
    if (Integer(shards_[0]->Run(batch)[0], "a join's reply", shards_[0]->display()) == 1) break;
    if (options_.stop != nullptr && options_.stop->load()) {
      throw StoreError("stopped while another live process of crawl " + options_.crawl_id +
                       " had the id " + options_.process_id);
    }
    if (!said) {
      std::fprintf(stderr,
                   "crawl: another live process of crawl %s has the id %s; waiting for it to "
                   "lapse (give each process its own --cluster-process-id)\n",
                   options_.crawl_id.c_str(), options_.process_id.c_str());
      said = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::vector<std::string> ignored;
  Renew(Clock::now(), ignored);
}

void RedisStore::Heartbeat() {
  const Clock::time_point now = Clock::now();
  if (options_.observer || now < next_renew_) return;
  std::vector<std::string> lost;
  Renew(now, lost);  // holds no lease yet: nothing to lose
}

RedisStore::~RedisStore() = default;

std::string RedisStore::Ms(double seconds) const {
  return std::to_string(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

std::uint64_t RedisStore::reconnects() const {
  std::uint64_t n = 0;
  for (const auto& s : shards_) n += s->reconnects();
  return n;
}

std::uint32_t RedisStore::ShardOf(std::string_view host) const {
  return static_cast<std::uint32_t>(Fingerprint(host) % shards_.size());
}

std::uint32_t RedisStore::HostIndex(std::string_view host) {
  auto it = host_index_.find(std::string(host));
  if (it != host_index_.end()) return it->second;
  const auto i = static_cast<std::uint32_t>(host_names_.size());
  host_names_.emplace_back(host);
  host_index_.emplace(host_names_.back(), i);
  return i;
}

std::string RedisStore::ClaimOptions(const std::string& encoded) {
  RedisClient& s = *shards_[0];
  std::vector<Command> batch;
  if (!encoded.empty()) batch.push_back({"SET", prefix_ + "options", encoded, "NX"});
  batch.push_back({"GET", prefix_ + "options"});
  std::vector<RedisValue> r = s.Run(batch);
  const RedisValue& v = r.back();
  if (v.nil()) return {};
  if (v.type != RedisValue::Type::kString || v.str.empty()) {
    throw StoreError("Redis at " + s.display() + ": " + prefix_ + "options is not a crawl's");
  }
  return v.str;
}

std::size_t RedisStore::MemoryUsage() const {
  return local_.MemoryUsage() + outbox_bytes_ +
         arrived_.size() * 2 * sizeof(std::uint64_t) + leases_.size() * 96;
}

// --- What this process sends ---

void RedisStore::Set(UrlKey key, const UrlState& s) {
  local_.Set(key, s);
  if (s.stage != UrlStage::kDone) return;
  const auto id = static_cast<std::uint32_t>(key);
  auto it = arrived_.find(id);
  if (it == arrived_.end()) return;
  const std::uint32_t host = it->second;
  arrived_.erase(it);
  if (!Holds(host_names_[host])) return;  // its new holder completes it
  local_.Url(key, url_);
  Outbox& box = outbox_[host];
  box.dones.push_back(Fp8(url_));
  outbox_bytes_ += 8;
  ++done_;
}

void RedisStore::Offer(UrlKey key, const UrlState& s) {
  local_.Url(key, url_);
  std::string entry;
  PutVarint(entry, static_cast<std::uint64_t>(std::max(0, s.depth)));
  entry.push_back(static_cast<char>(s.hops));
  PutString(entry, url_);
  if (s.parent != kNoUrl) {
    local_.Url(s.parent, parent_);
  } else {
    parent_.clear();
  }
  PutString(entry, parent_);
  Outbox& box = outbox_[HostIndex(UrlHost(url_))];
  box.offers.push_back(Fp8(url_));
  outbox_bytes_ += 8 + entry.size();
  box.offers.push_back(std::move(entry));
}

// Offers first, then completions: on one server one pipeline keeps that
// order; with several, the offers' replies come back before any completion
// is sent.
void RedisStore::Flush(std::vector<std::string>& lost) {
  if (outbox_.empty()) return;
  const std::size_t n = shards_.size();
  std::vector<std::vector<Command>> offers(n), dones(n);
  struct Sent {
    std::uint32_t host;
  };
  std::vector<std::vector<Sent>> done_hosts(n);
  for (auto& [host, box] : outbox_) {
    const std::string& name = host_names_[host];
    const std::uint32_t shard = ShardOf(name);
    RedisClient& c = *shards_[shard];
    for (std::size_t i = 0; i < box.offers.size(); i += 2 * kOffersPerCall) {
      std::vector<std::string> args{prefix_, name};
      const std::size_t end = std::min(box.offers.size(), i + 2 * kOffersPerCall);
      for (std::size_t k = i; k < end; ++k) args.push_back(std::move(box.offers[k]));
      c.Eval(offers[shard], kOffer, std::move(args));
    }
    if (box.dones.empty()) continue;
    auto lease = leases_.find(name);
    if (lease == leases_.end()) continue;  // lost meanwhile: not ours to complete
    std::vector<std::string> args{prefix_, options_.process_id, name,
                                  std::to_string(lease->second.epoch)};
    for (std::string& fp : box.dones) args.push_back(std::move(fp));
    c.Eval(dones[shard], kDone, std::move(args));
    done_hosts[shard].push_back({host});
  }
  outbox_.clear();
  outbox_bytes_ = 0;
  auto read_dones = [&](std::size_t shard, const std::vector<RedisValue>& r, std::size_t from) {
    for (std::size_t i = 0; i < done_hosts[shard].size(); ++i) {
      const std::int64_t k = Integer(r[from + i], "a completion's reply", shards_[shard]->display());
      if (k < 0) Lose(host_names_[done_hosts[shard][i].host], lost);
    }
  };
  if (n == 1) {
    std::vector<Command>& batch = offers[0];
    const std::size_t from = batch.size();
    for (Command& c : dones[0]) batch.push_back(std::move(c));
    if (batch.empty()) return;
    read_dones(0, shards_[0]->Run(batch), from);
    return;
  }
  for (std::size_t s = 0; s < n; ++s) {
    if (!offers[s].empty()) shards_[s]->Run(offers[s]);
  }
  for (std::size_t s = 0; s < n; ++s) {
    if (!dones[s].empty()) read_dones(s, shards_[s]->Run(dones[s]), 0);
  }
}

void RedisStore::Lose(const std::string& host, std::vector<std::string>& lost) {
  if (leases_.erase(host) != 0) lost.push_back(host);
}

// --- Leases ---

void RedisStore::Renew(Clock::time_point now, std::vector<std::string>& lost) {
  const double ttl = options_.lease_ttl_s;
  next_renew_ = now + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(ttl / 3));
  const std::size_t n = shards_.size();
  std::vector<std::vector<std::string>> held(n);
  for (const auto& [host, lease] : leases_) held[lease.shard].push_back(host);
  for (std::size_t s = 0; s < n; ++s) {
    std::vector<std::string> args{prefix_, options_.process_id, Ms(ttl)};
    for (const std::string& host : held[s]) {
      args.push_back(host);
      args.push_back(std::to_string(leases_[host].epoch));
    }
    std::vector<Command> batch;
    RedisClient& c = *shards_[s];
    c.Eval(batch, kRenew, std::move(args));
    if (s == 0) {
      const std::string info = prefix_ + "proc:" + options_.process_id;
      batch.push_back({"HSET", info, "held", std::to_string(leases_.size()), "done",
                       std::to_string(done_)});
      batch.push_back({"PEXPIRE", info, Ms(ttl * 2)});
    }
    const std::vector<RedisValue> r = c.Run(batch);
    if (r[0].type != RedisValue::Type::kArray || r[0].array.size() != held[s].size()) {
      throw StoreError("Redis at " + c.display() + ": an unexpected reply to a lease renewal");
    }
    const Clock::time_point valid =
        now + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(ttl * 0.9));
    for (std::size_t i = 0; i < held[s].size(); ++i) {
      if (Integer(r[0].array[i], "a renewal's reply", c.display()) == 1) {
        leases_[held[s][i]].valid_until = valid;
      } else {
        Lose(held[s][i], lost);
      }
    }
  }
}

void RedisStore::Acquire(Clock::time_point now) {
  next_acquire_ = now + std::chrono::milliseconds(250);
  const std::size_t n = shards_.size();
  // This process's share: the hosts with work, over the processes alive.
  std::uint64_t open = 0, alive = 1;
  for (std::size_t s = 0; s < n; ++s) {
    std::vector<Command> batch;
    shards_[s]->Eval(batch, kShare, {prefix_});
    const std::vector<RedisValue> r = shards_[s]->Run(batch);
    if (r[0].type != RedisValue::Type::kArray || r[0].array.size() != 2) {
      throw StoreError("Redis at " + shards_[s]->display() + ": an unexpected reply");
    }
    open += static_cast<std::uint64_t>(Integer(r[0].array[0], "open", shards_[s]->display()));
    if (s == 0) {
      alive = std::max<std::uint64_t>(
          1, static_cast<std::uint64_t>(Integer(r[0].array[1], "procs", shards_[s]->display())));
    }
  }
  const std::uint64_t share = (open + alive - 1) / alive;
  if (leases_.size() >= share) return;
  const std::size_t held_before = leases_.size();
  // At most 256 a round: a script holds the server while it runs.
  std::uint64_t want = std::min<std::uint64_t>(share - leases_.size(), 256);
  const double ttl = options_.lease_ttl_s;
  const Clock::time_point valid =
      now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(ttl * 0.9));
  for (std::size_t s = 0; s < n && want > 0; ++s) {
    std::vector<Command> batch;
    shards_[s]->Eval(batch, kAcquire,
                     {prefix_, options_.process_id, Ms(ttl), std::to_string(want)});
    const std::vector<RedisValue> r = shards_[s]->Run(batch);
    if (r[0].type != RedisValue::Type::kArray || r[0].array.size() % 2 != 0) {
      throw StoreError("Redis at " + shards_[s]->display() + ": an unexpected reply to a lease");
    }
    for (std::size_t i = 0; i < r[0].array.size(); i += 2) {
      const RedisValue& host = r[0].array[i];
      if (host.type != RedisValue::Type::kString || host.str.empty()) {
        throw StoreError("Redis at " + shards_[s]->display() + ": a host in " + prefix_ +
                         "open is not a host name");
      }
      Lease& lease = leases_[host.str];
      lease.shard = static_cast<std::uint32_t>(s);
      lease.epoch = Integer(r[0].array[i + 1], "a lease epoch", shards_[s]->display());
      lease.valid_until = valid;
      lease.resync = true;
      HostIndex(host.str);
      if (want > 0) --want;
    }
  }
  if (leases_.size() != held_before) {  // what `crawl status` shows
    shards_[0]->Run1({"HSET", prefix_ + "proc:" + options_.process_id, "held",
                      std::to_string(leases_.size()), "done", std::to_string(done_)});
  }
}

bool RedisStore::Holds(std::string_view host) const {
  auto it = leases_.find(std::string(host));
  return it != leases_.end() && Clock::now() < it->second.valid_until;
}

// --- What this process is given ---

void RedisStore::Arrive(std::string_view entry, std::uint32_t host, Exchanged& out) {
  Reader in(entry);
  const std::uint64_t depth = in.Varint();
  const std::uint64_t hops = in.Be(1);
  const std::string_view url = in.String();
  const std::string_view parent = in.String();
  if (!in.done() || depth > (1u << 20) || url.empty() || entry.size() > kMaxEntry ||
      UrlHost(url) != host_names_[host]) {
    throw StoreError("Redis: a malformed entry under " + prefix_ + "{" + host_names_[host] +
                     "}:p (is another program writing the crawl's keys?)");
  }
  std::string_view both[2] = {url, parent};
  std::vector<Added> added;
  local_.AddIfNew(std::span<const std::string_view>(both, parent.empty() ? 1 : 2), added);
  Arrival a;
  a.key = added[0].key;
  a.parent = parent.empty() ? kNoUrl : added[1].key;
  a.depth = static_cast<int>(depth);
  a.hops = static_cast<std::uint8_t>(hops);
  // Given here already and not completed (or read twice in this exchange:
  // its news and a full read): once.
  if (!arrived_.emplace(static_cast<std::uint32_t>(a.key), host).second) return;
  out.arrivals.push_back(a);
}

void RedisStore::ReadNews(Exchanged& out) {
  const std::size_t n = shards_.size();
  // Which held hosts have news: the inbox, and those not read to the end.
  std::vector<std::vector<std::string>> hosts(n);
  for (auto& [host, lease] : leases_) {
    if (lease.more && !lease.resync) hosts[lease.shard].push_back(host);
  }
  for (std::size_t s = 0; s < n; ++s) {
    const RedisValue r =
        shards_[s]->Run1({"SPOP", prefix_ + "inbox:" + options_.process_id, "1024"});
    if (r.type != RedisValue::Type::kArray && !r.nil()) {
      throw StoreError("Redis at " + shards_[s]->display() + ": " + prefix_ +
                       "inbox is not a crawl's");
    }
    for (const RedisValue& h : r.array) {
      auto it = leases_.find(h.str);
      if (it == leases_.end() || it->second.resync || it->second.more) continue;
      hosts[s].push_back(h.str);
    }
  }
  for (std::size_t s = 0; s < n; ++s) {
    if (hosts[s].empty()) continue;
    std::vector<Command> batch;
    for (const std::string& host : hosts[s]) {
      shards_[s]->Eval(batch, kTake,
                       {prefix_, options_.process_id, host,
                        std::to_string(leases_[host].epoch), std::to_string(kTakePerCall)});
    }
    const std::vector<RedisValue> r = shards_[s]->Run(batch);
    for (std::size_t i = 0; i < hosts[s].size(); ++i) {
      const std::string& host = hosts[s][i];
      if (r[i].type == RedisValue::Type::kInteger) {  // -1: lost
        Lose(host, out.lost);
        continue;
      }
      if (r[i].type != RedisValue::Type::kArray || r[i].array.size() != 2 ||
          r[i].array[1].type != RedisValue::Type::kArray) {
        throw StoreError("Redis at " + shards_[s]->display() + ": an unexpected reply");
      }
      const std::uint32_t index = HostIndex(host);
      for (const RedisValue& e : r[i].array[1].array) Arrive(e.str, index, out);
      leases_[host].more =
          Integer(r[i].array[0], "a news list's length", shards_[s]->display()) > 0;
    }
  }
}

// A host just taken (or whose news may have been lost with a connection):
// every pending URL, read with HSCAN (duplicates of what was read already
// are the policy's to skip).
void RedisStore::Resync(Exchanged& out) {
  for (auto& [host, lease] : leases_) {
    if (!lease.resync) continue;
    lease.resync = false;
    lease.more = false;
    RedisClient& c = *shards_[lease.shard];
    const std::uint32_t index = HostIndex(host);
    std::string cursor = "0";
    do {
      const RedisValue r =
          c.Run1({"HSCAN", prefix_ + "{" + host + "}:p", cursor, "COUNT", "1024"});
      if (r.type != RedisValue::Type::kArray || r.array.size() != 2 ||
          r.array[1].type != RedisValue::Type::kArray || r.array[1].array.size() % 2 != 0) {
        throw StoreError("Redis at " + c.display() + ": " + prefix_ + "{" + host +
                         "}:p is not a crawl's");
      }
      cursor = r.array[0].str;
      for (std::size_t i = 1; i < r.array[1].array.size(); i += 2) {
        Arrive(r.array[1].array[i].str, index, out);
      }
    } while (cursor != "0");
  }
}

void RedisStore::Exchange(Exchanged& out) {
  out.arrivals.clear();
  out.lost.clear();
  const Clock::time_point now = Clock::now();
  const std::uint64_t reconnects_before = reconnects();
  // A lease that lapsed here (this process was paused, or Redis was out of
  // reach) is lost, whether or not another process has taken it yet.
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (now >= it->second.valid_until) {
      out.lost.push_back(it->first);
      it = leases_.erase(it);
    } else {
      ++it;
    }
  }
  Flush(out.lost);
  if (now >= next_renew_) Renew(now, out.lost);
  ReadNews(out);
  // Not in an exchange that lost hosts: the policy releases them first (a
  // host taken back at once would have its URLs read again before the
  // policy dropped the old ones).
  if (now >= next_acquire_ && out.lost.empty()) Acquire(now);
  if (reconnects() != reconnects_before) {
    // A reply lost with the connection may have been a host's news.
    for (auto& [host, lease] : leases_) lease.resync = true;
  }
  Resync(out);
}

bool RedisStore::Finished() {
  // What waits to be sent goes with the next Exchange (after the records
  // it completes are out in the outputs).
  if (!outbox_.empty()) return false;
  const Clock::time_point now = Clock::now();
  if (now < next_finish_check_) return false;
  next_finish_check_ = now + std::chrono::milliseconds(50);
  bool started = false;
  std::vector<std::pair<std::int64_t, std::int64_t>> first;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t s = 0; s < shards_.size(); ++s) {
      const RedisValue r = shards_[s]->Run1({"HMGET", prefix_ + "c", "n", "v", "started"});
      if (r.type != RedisValue::Type::kArray || r.array.size() != 3) {
        throw StoreError("Redis at " + shards_[s]->display() + ": " + prefix_ +
                         "c is not a crawl's");
      }
      const std::int64_t pending =
          r.array[0].nil() ? 0 : Integer(r.array[0], prefix_ + "c", shards_[s]->display());
      const std::int64_t version =
          r.array[1].nil() ? 0 : Integer(r.array[1], prefix_ + "c", shards_[s]->display());
      if (!r.array[2].nil()) started = true;
      if (pending != 0) return false;
      if (pass == 0) {
        first.emplace_back(pending, version);
      } else if (first[s].second != version) {
        return false;
      }
    }
  }
  if (!started) {
    if (!said_waiting_) {
      std::fprintf(stderr, "crawl: waiting for the first seed of crawl %s\n",
                   options_.crawl_id.c_str());
      said_waiting_ = true;
    }
    return false;
  }
  return true;
}

void RedisStore::Sync() {
  if (left_) return;
  std::vector<std::string> lost;
  Flush(lost);
  const std::size_t n = shards_.size();
  std::vector<std::vector<std::string>> args(n);
  for (std::size_t s = 0; s < n; ++s) args[s] = {prefix_, options_.process_id};
  for (const auto& [host, lease] : leases_) {
    args[lease.shard].push_back(host);
    args[lease.shard].push_back(std::to_string(lease.epoch));
  }
  for (std::size_t s = 0; s < n; ++s) {
    std::vector<Command> batch;
    shards_[s]->Eval(batch, kRelease, std::move(args[s]));
    shards_[s]->Run(batch);
  }
  leases_.clear();
  left_ = true;
}

// --- crawl status --cluster ---

RedisStore::Status RedisStore::ReadStatus(std::size_t top) {
  Status st;
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    RedisClient& c = *shards_[s];
    const std::string& where = c.display();
    std::vector<Command> batch;
    batch.push_back({"HMGET", prefix_ + "c", "n", "started", "seen"});
    batch.push_back({"ZCARD", prefix_ + "open"});
    batch.push_back({"ZRANGE", prefix_ + "open", "0", std::to_string(top == 0 ? 0 : top - 1)});
    batch.push_back({"INFO", "memory"});
    batch.push_back({"TIME"});
    const std::vector<RedisValue> r = c.Run(batch);
    if (r[0].type != RedisValue::Type::kArray || r[0].array.size() != 3 ||
        r[4].array.size() != 2) {
      throw StoreError("Redis at " + where + ": " + prefix_ + "c is not a crawl's");
    }
    auto count = [&](const RedisValue& v) {
      return v.nil() ? 0 : static_cast<std::uint64_t>(Integer(v, prefix_ + "c", where));
    };
    st.pending += count(r[0].array[0]);
    if (!r[0].array[1].nil()) st.started = true;
    st.seen += count(r[0].array[2]);
    st.open_hosts += static_cast<std::uint64_t>(Integer(r[1], prefix_ + "open", where));
    const std::size_t at = r[3].str.find("used_memory:");
    if (at != std::string::npos) {
      st.redis_bytes += std::strtoull(r[3].str.c_str() + at + 12, nullptr, 10);
    }
    const double now_ms = std::strtod(r[4].array[0].str.c_str(), nullptr) * 1000 +
                          std::strtod(r[4].array[1].str.c_str(), nullptr) / 1000;
    if (top != 0 && r[2].type == RedisValue::Type::kArray && !r[2].array.empty()) {
      std::vector<Command> sizes;
      for (const RedisValue& h : r[2].array) {
        sizes.push_back({"HLEN", prefix_ + "{" + h.str + "}:p"});
        sizes.push_back({"EXISTS", prefix_ + "{" + h.str + "}:l"});
      }
      const std::vector<RedisValue> z = c.Run(sizes);
      for (std::size_t i = 0; i < r[2].array.size(); ++i) {
        Status::HostStatus h;
        h.name = r[2].array[i].str;
        h.pending = static_cast<std::uint64_t>(Integer(z[2 * i], "a host's pending count", where));
        h.leased = Integer(z[2 * i + 1], "EXISTS", where) == 1;
        st.hosts.push_back(std::move(h));
      }
    }
    if (s != 0) continue;
    const RedisValue procs =
        c.Run1({"ZRANGEBYSCORE", prefix_ + "procs", std::to_string(static_cast<std::int64_t>(now_ms)),
                "+inf", "WITHSCORES"});
    std::vector<Command> infos;
    for (std::size_t i = 0; i + 1 < procs.array.size(); i += 2) {
      ProcessStatus p;
      p.id = procs.array[i].str;
      p.expires_in_s = (std::strtod(procs.array[i + 1].str.c_str(), nullptr) - now_ms) / 1000;
      st.processes.push_back(std::move(p));
      infos.push_back({"HMGET", prefix_ + "proc:" + st.processes.back().id, "held", "done"});
    }
    if (infos.empty()) continue;
    const std::vector<RedisValue> z = c.Run(infos);
    for (std::size_t i = 0; i < st.processes.size(); ++i) {
      if (z[i].type != RedisValue::Type::kArray || z[i].array.size() != 2) continue;
      if (!z[i].array[0].nil()) st.processes[i].held = static_cast<std::uint64_t>(Integer(z[i].array[0], "held", where));
      if (!z[i].array[1].nil()) st.processes[i].done = static_cast<std::uint64_t>(Integer(z[i].array[1], "done", where));
    }
  }
  for (const ProcessStatus& p : st.processes) st.leased_hosts += p.held;
  return st;
}

}  // namespace crawl
