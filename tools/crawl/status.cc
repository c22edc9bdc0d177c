#include "status.h"

#include <getopt.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "crawl/crawler.h"
#include "output/json.h"
#include "output/jsonl_sink.h"

namespace crawl::cli {
namespace {

constexpr char kStatusUsage[] = R"(Usage: crawl status --state DIR [--json] [--top N]
       crawl status --cluster URL[,URL...] --crawl-id NAME [--json] [--top N]

Prints what the last commit of the crawl in the state directory DIR says:
whether it finished, URLs queued, fetched and in flight, the outcomes, the
hosts with the most URLs queued, pages/s over the last minute before the
commit, and when the crawl started and last committed. It reads a copy of
the committed state, so the crawl may be running.
      --state DIR            the crawl's state directory (crawl --state DIR)
      --cluster URL[,URL...] --crawl-id NAME
                             a cluster crawl instead (crawl --cluster): as its
                             Redis servers have it now, whether it started and
                             finished, URLs seen and pending (queued or in
                             flight) cluster-wide, the processes alive with
                             their leases and URLs done, hosts waiting for a
                             holder, and Redis's memory
      --cluster-password-file FILE
                             the Redis password, from FILE's first line
      --json                 one JSON object instead of text
      --top N                how many hosts to list (default: 10)
  -h, --help                 show this help and exit
Exit codes: 0 printed; 2 usage error; 3 no state (or crawl) there, or
unreadable.
)";

std::string Time(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return {};
  std::string out;
  AppendRfc3339(out, t);
  return out;
}

void PrintText(const std::string& dir, const CrawlStatus& s) {
  const CrawlSummary& c = s.counts;
  std::printf("crawl state %s: %s\n", dir.c_str(),
              s.finished ? "finished" : "not finished");
  std::printf("  started      %s\n", Time(s.started).c_str());
  std::printf("  last commit  %s\n", Time(s.last_commit).c_str());
  std::printf("  pages/s      %.1f (the minute before the last commit)\n",
              s.pages_per_second);
  std::printf("  seen         %llu URLs\n",
              static_cast<unsigned long long>(c.discovered));
  std::printf("  queued       %llu\n", static_cast<unsigned long long>(s.queued));
  std::printf("  in flight    %llu\n", static_cast<unsigned long long>(s.in_flight));
  std::printf("  done         %llu: %llu fetched, %llu redirects, %llu not found, "
              "%llu HTTP errors, %llu errors, %llu robots.txt; %llu retries\n",
              static_cast<unsigned long long>(c.pages),
              static_cast<unsigned long long>(c.fetched),
              static_cast<unsigned long long>(c.redirects),
              static_cast<unsigned long long>(c.not_found),
              static_cast<unsigned long long>(c.http_errors),
              static_cast<unsigned long long>(c.errors),
              static_cast<unsigned long long>(c.robots),
              static_cast<unsigned long long>(c.retries));
  for (const auto& [kind, n] : c.error_kinds) {
    std::printf("    error %-12s %llu\n", kind.c_str(), static_cast<unsigned long long>(n));
  }
  if (!s.top_hosts.empty()) std::printf("  most queued\n");
  for (const auto& [host, n] : s.top_hosts) {
    std::printf("    %10llu  %s\n", static_cast<unsigned long long>(n), host.c_str());
  }
  if (!s.options.empty()) std::printf("  options\n");
  for (const auto& [name, value] : s.options) {
    std::printf("    %s %s\n", name.c_str(), value.c_str());
  }
}

void PrintJson(const std::string& dir, const CrawlStatus& s) {
  const CrawlSummary& c = s.counts;
  std::string o = "{\"state\":";
  AppendJsonString(o, dir);
  auto num = [&](const char* name, std::uint64_t v) {
    o += ",\"";
    o += name;
    o += "\":";
    o += std::to_string(v);
  };
  auto time = [&](const char* name, std::chrono::system_clock::time_point t) {
    o += ",\"";
    o += name;
    o += "\":";
    const std::string text = Time(t);
    if (text.empty()) {
      o += "null";
    } else {
      AppendJsonString(o, text);
    }
  };
  o += ",\"finished\":";
  o += s.finished ? "true" : "false";
  time("started", s.started);
  time("last_commit", s.last_commit);
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3f", s.pages_per_second);
  o += ",\"pages_per_second\":";
  o += rate;
  num("seen", c.discovered);
  num("queued", s.queued);
  num("in_flight", s.in_flight);
  num("pages", c.pages);
  o += ",\"outcomes\":{";
  o += "\"fetched\":" + std::to_string(c.fetched);
  o += ",\"redirect\":" + std::to_string(c.redirects);
  o += ",\"not_found\":" + std::to_string(c.not_found);
  o += ",\"http_error\":" + std::to_string(c.http_errors);
  o += ",\"error\":" + std::to_string(c.errors);
  o += ",\"robots\":" + std::to_string(c.robots);
  o += "}";
  num("retries", c.retries);
  num("bytes", c.bytes);
  auto map = [&](const char* name, const std::map<std::string, std::uint64_t>& m) {
    o += ",\"";
    o += name;
    o += "\":{";
    bool first = true;
    for (const auto& [k, v] : m) {
      if (!first) o += ',';
      first = false;
      AppendJsonString(o, k);
      o += ':' + std::to_string(v);
    }
    o += '}';
  };
  map("status_classes", c.status_classes);
  map("error_kinds", c.error_kinds);
  map("dropped", c.dropped);
  o += ",\"top_hosts\":[";
  for (std::size_t i = 0; i < s.top_hosts.size(); ++i) {
    if (i) o += ',';
    o += "{\"host\":";
    AppendJsonString(o, s.top_hosts[i].first);
    o += ",\"queued\":" + std::to_string(s.top_hosts[i].second) + "}";
  }
  o += "],\"options\":[";
  for (std::size_t i = 0; i < s.options.size(); ++i) {
    if (i) o += ',';
    o += '[';
    AppendJsonString(o, s.options[i].first);
    o += ',';
    AppendJsonString(o, s.options[i].second);
    o += ']';
  }
  o += "]}\n";
  std::fputs(o.c_str(), stdout);
}

void PrintClusterText(const std::string& id, const ClusterStatus& s) {
  std::printf("crawl %s on the cluster: %s\n", id.c_str(),
              s.finished ? "finished" : s.started ? "running" : "waiting for a first seed");
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("  seen         %llu URLs\n", u(s.seen));
  std::printf("  pending      %llu (queued or in flight)\n", u(s.pending));
  std::printf("  hosts        %llu, %llu leased\n", u(s.hosts), u(s.leased_hosts));
  std::printf("  redis        %.1f MiB used\n", static_cast<double>(s.redis_bytes) / (1 << 20));
  std::printf("  processes    %zu alive\n", s.processes.size());
  for (const ClusterStatus::Process& p : s.processes) {
    std::printf("    %-24s %6llu hosts  %10llu done  (alive for %.1f s unless renewed)\n",
                p.id.c_str(), u(p.hosts), u(p.done), p.expires_in_s);
  }
  if (!s.top_hosts.empty()) std::printf("  hosts pending (unheld first)\n");
  for (const ClusterStatus::Host& h : s.top_hosts) {
    std::printf("    %10llu  %s%s\n", u(h.pending), h.name.c_str(), h.leased ? "" : "  (no holder)");
  }
  if (!s.options.empty()) std::printf("  options\n");
  for (const auto& [name, value] : s.options) {
    std::printf("    %s %s\n", name.c_str(), value.c_str());
  }
}

void PrintClusterJson(const std::string& id, const ClusterStatus& s) {
  std::string o = "{\"crawl_id\":";
  AppendJsonString(o, id);
  auto num = [&](const char* name, std::uint64_t v) {
    o += ",\"";
    o += name;
    o += "\":";
    o += std::to_string(v);
  };
  o += std::string(",\"started\":") + (s.started ? "true" : "false");
  o += std::string(",\"finished\":") + (s.finished ? "true" : "false");
  num("seen", s.seen);
  num("pending", s.pending);
  num("hosts", s.hosts);
  num("leased_hosts", s.leased_hosts);
  num("redis_bytes", s.redis_bytes);
  o += ",\"processes\":[";
  for (std::size_t i = 0; i < s.processes.size(); ++i) {
    if (i) o += ',';
    o += "{\"id\":";
    AppendJsonString(o, s.processes[i].id);
    o += ",\"hosts\":" + std::to_string(s.processes[i].hosts);
    o += ",\"done\":" + std::to_string(s.processes[i].done);
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", s.processes[i].expires_in_s);
    o += ",\"expires_in_s\":";
    o += t;
    o += "}";
  }
  o += "],\"top_hosts\":[";
  for (std::size_t i = 0; i < s.top_hosts.size(); ++i) {
    if (i) o += ',';
    o += "{\"host\":";
    AppendJsonString(o, s.top_hosts[i].name);
    o += ",\"pending\":" + std::to_string(s.top_hosts[i].pending);
    o += std::string(",\"leased\":") + (s.top_hosts[i].leased ? "true" : "false") + "}";
  }
  o += "],\"options\":[";
  for (std::size_t i = 0; i < s.options.size(); ++i) {
    if (i) o += ',';
    o += '[';
    AppendJsonString(o, s.options[i].first);
    o += ',';
    AppendJsonString(o, s.options[i].second);
    o += ']';
  }
  o += "]}\n";
  std::fputs(o.c_str(), stdout);
}

}  // namespace

int RunStatus(int argc, char** argv) {
  enum { kState = 1000, kJson, kTop, kCluster, kCrawlId, kPasswordFile };
  static const option kLong[] = {
      {"state", required_argument, nullptr, kState},
      {"cluster", required_argument, nullptr, kCluster},
      {"crawl-id", required_argument, nullptr, kCrawlId},
      {"cluster-password-file", required_argument, nullptr, kPasswordFile},
      {"json", no_argument, nullptr, kJson},
      {"top", required_argument, nullptr, kTop},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  std::string dir;
  ClusterOptions cluster;
  std::string password_file;
  bool json = false;
  long top = 10;
  auto usage = [](const std::string& message) {
    std::fprintf(stderr, "crawl status: %s\nTry 'crawl status --help' for more information.\n",
                 message.c_str());
    return 2;
  };
  optind = 2;
  opterr = 0;
  for (;;) {
    const int c = getopt_long(argc, argv, ":h", kLong, nullptr);
    if (c == -1) break;
    switch (c) {
      case kState: dir = optarg; break;
      case kCluster: {
        std::string list = optarg;
        for (std::size_t at = 0; at <= list.size();) {
          const std::size_t comma = std::min(list.find(',', at), list.size());
          if (comma > at) cluster.servers.push_back(list.substr(at, comma - at));
          at = comma + 1;
        }
        break;
      }
      case kCrawlId: cluster.crawl_id = optarg; break;
      case kPasswordFile: password_file = optarg; break;
      case kJson: json = true; break;
      case kTop: {
        char* end = nullptr;
        top = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || top < 0 || top > 100000) {
          return usage("--top (expected 0..100000)");
        }
        break;
      }
      case 'h': std::fputs(kStatusUsage, stdout); return 0;
      case ':': return usage(std::string("option ") + argv[optind - 1] + " needs a value");
      default: return usage(std::string("unknown option ") + argv[optind - 1]);
    }
  }
  if (optind < argc) return usage(std::string("unexpected argument '") + argv[optind] + "'");
  if (!cluster.servers.empty()) {
    if (!dir.empty()) return usage("--state or --cluster, not both");
    if (cluster.crawl_id.empty()) return usage("--cluster needs --crawl-id NAME");
    if (!password_file.empty()) {
      std::FILE* f = std::fopen(password_file.c_str(), "r");
      char line[1024] = {};
      if (f == nullptr || std::fgets(line, sizeof line, f) == nullptr) {
        if (f != nullptr) std::fclose(f);
        return usage("--cluster-password-file: cannot read " + password_file);
      }
      std::fclose(f);
      cluster.password = line;
      while (!cluster.password.empty() &&
             (cluster.password.back() == '\n' || cluster.password.back() == '\r')) {
        cluster.password.pop_back();
      }
    }
    Result<ClusterStatus> st = ReadClusterStatus(cluster, static_cast<std::size_t>(top));
    if (!st.ok()) {
      if (st.status().code() == Status::Code::kInvalidArgument) return usage(st.status().message());
      std::fprintf(stderr, "crawl status: %s\n", st.status().message().c_str());
      return 3;
    }
    if (json) {
      PrintClusterJson(cluster.crawl_id, *st);
    } else {
      PrintClusterText(cluster.crawl_id, *st);
    }
    return std::fflush(stdout) == 0 ? 0 : 3;
  }
  if (!password_file.empty() || !cluster.crawl_id.empty()) {
    return usage("--crawl-id and --cluster-password-file go with --cluster");
  }
  if (dir.empty()) return usage("--state DIR (or --cluster) is required");
  Result<CrawlStatus> status = ReadCrawlStatus(dir, static_cast<std::size_t>(top));
  if (!status.ok()) {
    std::fprintf(stderr, "crawl status: %s\n", status.status().message().c_str());
    return 3;
  }
  if (json) {
    PrintJson(dir, *status);
  } else {
    PrintText(dir, *status);
  }
  return std::fflush(stdout) == 0 ? 0 : 3;
}

}  // namespace crawl::cli
