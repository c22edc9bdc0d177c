// What crawl::Crawler keeps in a state directory (CrawlerOptions::state_dir)
// besides the Frontier's own state: the crawl's defining options, when it
// started, a log of its progress, and the outputs' committed positions.
// Each is one meta entry of the FrontierStore, committed with the state.
#ifndef CRAWL_CRAWLER_STATE_H_
#define CRAWL_CRAWLER_STATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawl/options.h"
#include "crawl/status.h"

namespace crawl {

inline constexpr char kOptionsMeta[] = "crawl.options";
inline constexpr char kStartedMeta[] = "crawl.started";
inline constexpr char kProgressMeta[] = "crawl.progress";
inline constexpr char kJsonlMeta[] = "out.jsonl";
// The WARC writer's position (EncodeWarcPosition), and the CDX lines of
// its records, one entry per commit that added some: "out.warc.cdx.0", ...
inline constexpr char kWarcMeta[] = "out.warc";
inline std::string WarcCdxMeta(std::uint64_t chunk) {
  return "out.warc.cdx." + std::to_string(chunk);
}

// The options that define which pages a crawl fetches, as (flag, value) in
// a fixed order, by the command line's flag names: the seeds (normalised,
// sorted, once each), --scope, --include, --exclude, --depth, --max-pages,
// --max-pages-per-host, --max-redirects, --ignore-robots, --sitemaps.
using OptionList = std::vector<std::pair<std::string, std::string>>;
OptionList DefiningOptions(const CrawlOptions& options);
std::string EncodeOptions(const OptionList& options);
// Throws StoreError if `bytes` is not an encoded list.
OptionList DecodeOptions(std::string_view bytes);
// OK if `now` defines the same crawl as `saved`; else InvalidArgument
// naming the crawl (`where`: "in DIR"), the first option that differs, both
// values, and `advice`.
Status SameCrawl(const OptionList& saved, const OptionList& now,
                 const std::string& where, const std::string& advice);

// Pages done over time: a sample at most every 5 seconds, and the latest,
// over the last minute and a bit (so the rate over the last minute can be
// read from the last commit).
class ProgressLog {
 public:
  // Throws StoreError if `bytes` is not a log.
  void Load(std::string_view bytes);
  void Add(std::int64_t unix_ms, std::uint64_t pages);
  std::string Encode() const;
  // Pages per second over the minute before the latest sample (or over as
  // much of it as was logged); 0 with fewer than two samples.
  double PagesPerSecond() const;
  std::int64_t last_ms() const { return samples_.empty() ? 0 : samples_.back().first; }

 private:
  std::vector<std::pair<std::int64_t, std::uint64_t>> samples_;  // oldest first
};

// An output file's committed position: its path and the bytes of whole
// records in it.
struct OutputPosition {
  std::string path;
  std::uint64_t offset = 0;
};
std::string EncodePosition(const OutputPosition& p);
// Throws StoreError if `bytes` is not a position; an empty one is none.
OutputPosition DecodePosition(std::string_view bytes);

// A WARC position and the number of CDX chunks committed with it.
struct WarcMark {
  std::string path;
  std::uint64_t index = 0, offset = 0;
  std::string warcinfo_id;
  std::uint64_t cdx_chunks = 0;
};
std::string EncodeWarcMark(const WarcMark& m);
// Throws StoreError if `bytes` is not a mark; an empty one is none (path "").
WarcMark DecodeWarcMark(std::string_view bytes);

std::int64_t UnixMillisNow();

}  // namespace crawl

#endif  // CRAWL_CRAWLER_STATE_H_
