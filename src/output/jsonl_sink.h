// JsonlSink: writes one JSON object per record, one per line (JSON Lines).
//
// Fields, in this order: url, final_url, outcome, status, depth, parent,
// content_type, bytes, truncated, fetch_ms, links (count), redirect_to, hops,
// attempts, error ({kind, message} or null), fetched_at (RFC 3339, UTC). With
// fields.links, also link_urls and nofollow_links (lists); with fields.warc,
// warc_file, warc_offset, warc_length and payload_digest (null for a URL
// without a WARC response record); with fields.mirror, saved_as. README.md
// documents each.
//
// Records are buffered and written when 64 KB have gathered or the oldest
// buffered record is a second old, so output streams even from a slow crawl;
// FlushIfStale() lets a timer thread push out the last ones when no new
// record arrives.
//
// Thread safety: OnRecord, Flush and FlushIfStale may be called from any
// threads (an internal mutex orders them). Write errors are remembered, not
// thrown: check status() after the last Flush().
#ifndef CRAWL_OUTPUT_JSONL_SINK_H_
#define CRAWL_OUTPUT_JSONL_SINK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "crawl/lecture.h"
#include "crawl/status.h"
#include "sync/mutex.h"

namespace crawl {

// Appends `t` as RFC 3339 UTC with milliseconds: 2026-11-22T04:40:12.123Z.
void AppendRfc3339(std::string& out, std::chrono::system_clock::time_point t);

// Which optional fields records carry.
struct JsonlFields {
  bool links = false;   // --links
  bool warc = false;    // --warc-file
  bool mirror = false;  // --mirror
};

// Appends `record` as one JSON object and a newline.
void AppendJsonRecord(std::string& out, const PageRecord& record,
                      const JsonlFields& fields);

class JsonlSink final : public RecordSink {
 public:
  // Writes to `out` (not owned; must outlive the sink). `name` is used in
  // error messages. `offset`: the bytes `out` holds already (a resumed
  // crawl's), counted by written().
  JsonlSink(std::FILE* out, std::string name, JsonlFields fields = {},
            std::uint64_t offset = 0);
  ~JsonlSink() override;

  void OnRecord(const PageRecord& record) override;
  // Writes out what is buffered and fflush()es the stream.
  void Flush();
  // Flush() if the oldest buffered record is older than a second.
  void FlushIfStale();
  // Flush(), then the bytes of whole records written to the stream (the
  // offset given, and every record since); IoError if a write failed.
  Result<std::uint64_t> Checkpoint();
  // IoError once any write failed (the crawl may go on; output is lost).
  // Read it when no OnRecord can be running.
  Status status() const { return status_; }
  // Whether a write has failed; may be read from any thread at any time.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  void WriteBufferLocked() REQUIRES(mu_);
  void FlushLocked() REQUIRES(mu_);

  std::FILE* const out_;
  const std::string name_;
  const JsonlFields fields_;
  Mutex mu_;
  std::string buf_ GUARDED_BY(mu_);
  std::uint64_t written_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point oldest_ GUARDED_BY(mu_);
  Status status_;  // written under mu_; read when no writer can run
  std::atomic<bool> failed_{false};
};

}  // namespace crawl

#endif  // CRAWL_OUTPUT_JSONL_SINK_H_
