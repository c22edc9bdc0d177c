// JsonlSink: writes one JSON object per record, one per line (JSON Lines).
//
// Fields: url, depth, parent (null for a seed), outcome ("fetched",
// "not_found", "error"), links (count), and error {kind, message} when the
// fetch failed. With `with_links`, also link_urls (the list).
//
// Thread safety: as every RecordSink, OnRecord is never called concurrently.
// Write errors are remembered, not thrown: check status() after Flush().
#ifndef CRAWL_OUTPUT_JSONL_SINK_H_
#define CRAWL_OUTPUT_JSONL_SINK_H_

#include <cstdio>
#include <string>

#include "crawl/crawler.h"
#include "crawl/status.h"

namespace crawl {

// Appends `record` as one JSON object and a newline.
void AppendJsonRecord(std::string& out, const PageRecord& record,
                      bool with_links);

class JsonlSink final : public RecordSink {
 public:
  // Writes to `out` (not owned; must outlive the sink). `name` is used in
  // error messages.
  JsonlSink(std::FILE* out, std::string name, bool with_links = false);
  ~JsonlSink() override;

  void OnRecord(const PageRecord& record) override;
  // Writes out what is buffered and fflush()es the stream.
  void Flush();
  // IoError once any write failed (the crawl may go on; output is lost).
  Status status() const { return status_; }

 private:
  void WriteBuffer();

  std::FILE* out_;
  std::string name_;
  bool with_links_;
  std::string buf_;
  Status status_;
};

}  // namespace crawl

#endif  // CRAWL_OUTPUT_JSONL_SINK_H_
