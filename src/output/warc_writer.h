// WarcWriter: keeps every response of a crawl in WARC/1.1 files (ISO 28500),
// as wget --warc-file does: NAME.warc.gz, or NAME-00000.warc.gz,
// NAME-00001.warc.gz, ... with --warc-max-size.
//
//   https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/
//
// Each file begins with a warcinfo record. Per exchange, in this order: a
// request record (the request head as sent), a response record (the HTTP
// head and the body as the server sent it, content coding kept; a revisit
// record instead with --warc-dedup when the payload was already archived),
// and for an HTML page with links a metadata record listing its outlinks.
// Every record is its own gzip member, so a reader seeks to
// Kept::warc_offset and inflates warc_length bytes. An exchange is written
// whole or not at all: a failed write (disk full, file too large) truncates
// the file back to where the exchange began, and the writer stops.
//
// With `cdx`, Close() also writes NAME.cdxj: one line per response or revisit
// record, sorted, as `warcio cdx-index` (npm warcio 2.4) prints it.
//
// Thread safety: OnResponse, failed(), status() and files() may be called
// from any threads at once. Records are built and compressed by the calling
// thread outside the writer's lock; the lock covers only the file (rotation,
// write(2), offsets), the dedup table and the CDX lines.
#ifndef CRAWL_OUTPUT_WARC_WRITER_H_
#define CRAWL_OUTPUT_WARC_WRITER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "crawl/options.h"
#include "crawl/response.h"
#include "crawl/status.h"
#include "output/gzip_member.h"
#include "output/warc_digest.h"
#include "sync/mutex.h"

namespace crawl {


class WarcWriter final : public ResponseSink {
 public:
  // Creates (or truncates, as wget does) the first file and writes its
  // warcinfo record. IoError naming the file if that fails.
  static Result<std::unique_ptr<WarcWriter>> Open(WarcOptions options);
  // Close()s if that was not done.
  ~WarcWriter() override;
  WarcWriter(const WarcWriter&) = delete;
  WarcWriter& operator=(const WarcWriter&) = delete;

  // Archives one exchange (nothing for response.status == 0: no response)
  // and fills `kept`. After a failure, or after Close(), does nothing.
  void OnResponse(const Response& response,
                  const std::vector<std::string>& links, bool is_html,
                  Kept& kept) override;
  bool failed() const override {
    return failed_.load(std::memory_order_acquire);
  }
  // OK, or the first failure: "cannot write WARC file NAME: <strerror>".
  Status status() const override;
  // Closes the current file, writes NAME.cdxj (via NAME.cdxj.tmp and
  // rename) if asked; the status of the whole run. Idempotent.
  Status Close() override;
  // Waits for the record being written (so the file ends on a whole one),
  // then writes nothing more (no CDXJ either).
  void Abandon() override;

  // Where the writer is, for a crawl's commit (CrawlerOptions::state_dir).
  struct Position {
    std::string path;          // the current file
    std::uint64_t index = 0;   // its number among the files (rotation)
    std::uint64_t offset = 0;  // its length: whole records only
    std::string warcinfo_id;   // its warcinfo record's WARC-Record-ID
  };
  // The position now, with the CDX lines added since the last call
  // appended to `cdx` (with `cdx` in the options); IoError once a write
  // failed. Any thread.
  Result<Position> Checkpoint(std::string* cdx);
  // A writer that continues the files a crawl committed: `at.path` cut
  // back to `at.offset` (a kill may have left more), the files after it in
  // the rotation removed, and `cdx` (the CDX lines committed so far) the
  // start of the index. FailedPrecondition if the file is missing or
  // shorter than `at.offset`, or if `options` name other files; IoError if
  // it cannot be written. The dedup table starts empty.
  static Result<std::unique_ptr<WarcWriter>> Resume(WarcOptions options,
                                                    const Position& at,
                                                    std::string cdx);

  // The paths of the WARC files created so far, in order.
  std::vector<std::string> files() const;
  // Heap bytes held by the dedup table and by the pending CDX lines.
  std::size_t dedup_table_bytes() const;
  std::size_t cdx_bytes() const;

 private:
  struct Prepared;
  struct Original;
  struct Unit;

  // Payload digest -> the record that first archived that payload. Compact:
  // an open-addressing table of 4-byte indices into 56-byte entries, the
  // URI in an arena (4-byte length, bytes): 56 + 4 + URI bytes per distinct
  // payload, plus the slot table (load 1/4..1/2: 8..16 bytes) and vector
  // growth slack. Measured (warc_writer_test, DedupTableIsCompact): 210 bytes
  // per page at 20,000 pages with 60-byte URLs, of which ~130 are data.
  class DigestTable {
   public:
    struct Entry {
      Sha1Digest digest;
      std::array<std::uint8_t, 16> id;  // the record's UUID
      std::int64_t micros;              // its WARC-Date
      std::uint64_t uri_at;             // in arena_
    };
    const Entry* Find(const Sha1Digest& d) const;
    std::string_view Uri(const Entry& e) const;
    // Adds `e` unless its digest is already there.
    void Insert(const Entry& e, std::string_view uri);
    std::size_t bytes() const;

   private:
    std::size_t Slot(const Sha1Digest& d) const;
    std::vector<Entry> entries_;
    std::vector<std::uint32_t> slots_;  // entry index + 1; 0 empty
    std::string arena_;
  };

  explicit WarcWriter(WarcOptions options);

  std::string NewRecordId(std::array<std::uint8_t, 16>* raw = nullptr);
  bool Prepare(const Response& r, const std::vector<std::string>& links,
               bool is_html, Prepared& p);
  // Builds the exchange's gzip members into `unit` for the file whose
  // warcinfo is `warcinfo_id`. False if compression failed.
  bool BuildUnit(const Response& r, const Prepared& p,
                 const std::string& warcinfo_id, const Original* original,
                 bool stream_body, Unit& unit);
  std::unique_ptr<GzipCompressor> TakeCompressor();
  void GiveBackCompressor(std::unique_ptr<GzipCompressor> c);

  // The path of file number `index`.
  std::string PathOf(std::uint64_t index) const;
  Status OpenFileLocked() REQUIRES(mu_);
  Status ResumeLocked(const Position& at) REQUIRES(mu_);
  Status CloseFileLocked() REQUIRES(mu_);
  // write(2) until done; false (errno set) on failure.
  bool WriteLocked(std::string_view bytes) REQUIRES(mu_);
  // Truncates back to `offset` and records the failure `err` (an errno).
  void FailLocked(std::uint64_t offset, int err) REQUIRES(mu_);
  void AddCdxLocked(const Prepared& p, bool revisit, std::uint64_t offset,
                    std::uint64_t length, int status) REQUIRES(mu_);

  const WarcOptions options_;
  std::string hostname_;

  mutable Mutex mu_;
  int fd_ GUARDED_BY(mu_) = -1;
  std::string path_ GUARDED_BY(mu_);
  std::uint64_t file_size_ GUARDED_BY(mu_) = 0;
  bool file_has_records_ GUARDED_BY(mu_) = false;
  // Bumped for every file: a unit built for an older one is rebuilt.
  std::uint64_t generation_ GUARDED_BY(mu_) = 0;
  std::string warcinfo_id_ GUARDED_BY(mu_);
  std::vector<std::string> files_ GUARDED_BY(mu_);
  Status status_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  DigestTable digests_ GUARDED_BY(mu_);
  // The CDX lines until Close() sorts them: all in one arena, each line
  // ~210-270 bytes for a 60-byte URL (212 measured on mixed test URLs),
  // plus 8 bytes for its start in `cdx_at_`, plus string growth slack.
  std::string cdx_ GUARDED_BY(mu_);
  std::vector<std::uint64_t> cdx_at_ GUARDED_BY(mu_);
  std::size_t cdx_given_ GUARDED_BY(mu_) = 0;  // bytes of cdx_ Checkpoint() gave
  std::atomic<bool> failed_{false};

  Mutex rng_mu_;
  std::mt19937_64 rng_ GUARDED_BY(rng_mu_);

  // Compressors for in-memory records, reused: creating one costs more than
  // compressing a small page (zlib ~270 KB per window size used, up to
  // ~550 KB; libdeflate ~800 KB at level 6). As many as threads ever
  // compressed at once.
  Mutex pool_mu_;
  std::vector<std::unique_ptr<GzipCompressor>> pool_ GUARDED_BY(pool_mu_);
};

}  // namespace crawl

#endif  // CRAWL_OUTPUT_WARC_WRITER_H_
