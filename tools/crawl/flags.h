// Command-line flags of the crawl tool, parsed into a Config.
#ifndef CRAWL_TOOLS_CRAWL_FLAGS_H_
#define CRAWL_TOOLS_CRAWL_FLAGS_H_

#include <chrono>
#include <string>

#include "benchsite/site_server.h"
#include "crawl/lecture.h"
#include "fetch/http_fetcher.h"

namespace crawl::cli {

struct Config {
  CrawlOptions crawl;
  HttpOptions http;
  PageOptions page;
  std::string fake_spec;          // --fake: canned graph instead of HTTP
  std::string user, password;     // --user, --password: for the seeds' origins
  std::string output;             // -o; empty or "-": stdout
  std::chrono::milliseconds max_time{0};  // 0: no limit
  bool with_links = false;
  // Keeping what is crawled: --warc-file NAME (and --warc-max-size,
  // --warc-dedup, --warc-cdx), --mirror DIR.
  std::string warc_file;
  std::uint64_t warc_max_size = 0;  // 0: one file
  bool warc_dedup = false;
  bool warc_cdx = false;
  int warc_level = 1;  // libdeflate's; see WarcOptions::level
  std::string mirror;
  std::string state_dir;  // --state DIR
  ClusterOptions cluster;  // --cluster, --crawl-id, --lease-ttl, --cluster-password-file
  std::string cluster_password_file;
  // The options as given, with any password masked: for the WARC's warcinfo.
  std::string command_line;
  bool quiet = false;
  bool verbose = false;
  bool fail_on_error = false;
  // `crawl bench`: crawl an embedded synthetic site and report figures.
  bool bench = false;
  SiteOptions site;
  // Set for --help / --version: print and exit 0.
  std::string print_and_exit;
};

// Parses argv. On a usage error returns InvalidArgument with the message.
Result<Config> ParseFlags(int argc, char** argv);

}  // namespace crawl::cli

#endif  // CRAWL_TOOLS_CRAWL_FLAGS_H_
