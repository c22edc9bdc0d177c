#include "output/warc_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>

#include "output/surt.h"
#include "util/ascii.h"
#include "util/fd.h"

namespace crawl {
namespace {

// Whether a response's payload is compressed already: a content coding, or
// a type that is a compressed format. Its record is then stored, not
// deflated again (bench/warc_bench: deflating costs more CPU than the rest
// of the crawl, for a gain of a few bytes on such payloads).
bool CompressedAlready(const Response& r) {
  if (const std::string* ce = r.Header("content-encoding")) {
    const std::string_view v = TrimAsciiWhitespace(*ce);
    if (!v.empty() && !EqualsIgnoreCase(v, "identity")) return true;
  }
  const std::string_view type = TrimAsciiWhitespace(
      std::string_view(r.content_type).substr(0, r.content_type.find(';')));
  for (std::string_view prefix : {"image/", "video/", "audio/", "font/woff"}) {
    if (StartsWithIgnoreCase(type, prefix) &&
        !StartsWithIgnoreCase(type, "image/svg") &&
        !StartsWithIgnoreCase(type, "image/bmp")) {
      return true;
    }
  }
  for (std::string_view t : {"application/zip", "application/gzip",
                             "application/x-gzip", "application/zstd",
                             "application/x-bzip2", "application/x-xz",
                             "application/pdf"}) {
    if (EqualsIgnoreCase(type, t)) return true;
  }
  return false;
}

constexpr std::string_view kRecordEnd = "\r\n\r\n";
constexpr std::string_view kConformsTo =
    "http://iipc.github.io/warc-specifications/specifications/warc-format/"
    "warc-1.1/";
constexpr std::string_view kIdenticalPayloadProfile =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

void AppendField(std::string& h, std::string_view name,
                 std::string_view value) {
  h.append(name);
  h.append(": ");
  h.append(value);
  h.append("\r\n");
}

void AppendUint(std::string& out, std::uint64_t v) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%llu",
                              static_cast<unsigned long long>(v));
  out.append(buf, static_cast<std::size_t>(n));
}

// The end of a record's header: Content-Type, Content-Length, empty line.
void EndHeader(std::string& h, std::string_view content_type,
               std::uint64_t length) {
  AppendField(h, "Content-Type", content_type);
  h.append("Content-Length: ");
  AppendUint(h, length);
  h.append("\r\n\r\n");
}

// ISO 8601 UTC with microseconds: 2026-12-02T19:00:00.123456Z.
std::string FormatWarcDate(std::int64_t micros) {
  std::int64_t secs = micros / 1000000;
  std::int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];  // room for any int the compiler imagines
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf;
}

std::string FormatRecordId(const std::array<std::uint8_t, 16>& u) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "<urn:uuid:";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[u[i] >> 4]);
    s.push_back(kHex[u[i] & 15]);
  }
  s.push_back('>');
  return s;
}

std::string_view Basename(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// RFC 9110 section 15's reason phrases, for the HTTP/1.1 status line we
// write for an HTTP/2 or HTTP/3 response (which has none).
std::string_view ReasonPhrase(int code) {
  switch (code) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

// The header name of a field line, or empty for a continuation line.
std::string_view FieldName(std::string_view line) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t') return {};
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  return TrimAsciiWhitespace(line.substr(0, colon));
}

// The field lines of `raw_head` after its status line, each with its line
// end, up to (not including) the empty line.
std::vector<std::string_view> FieldLines(std::string_view raw_head) {
  std::vector<std::string_view> lines;
  std::size_t nl = raw_head.find('\n');
  if (nl == std::string_view::npos) return lines;
  std::string_view rest = raw_head.substr(nl + 1);
  while (!rest.empty()) {
    nl = rest.find('\n');
    const std::string_view line =
        rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line == "\r\n" || line == "\n") break;
    lines.push_back(line);
    rest.remove_prefix(line.size());
  }
  return lines;
}

// The HTTP head as the response record holds it: the status line (HTTP/1.1
// form for h2/h3), the header lines as received; curl removed the chunked
// framing, so Transfer-Encoding and Content-Length are renamed and the
// Content-Length of the bytes recorded added (StormCrawler's convention),
// which keeps the record self-consistent for replay tools.
std::string RecordedHead(const Response& r, std::uint64_t body_size) {
  std::string head;
  head.reserve(r.raw_head.size() + 64);
  if (r.http_version == "2" || r.http_version == "3") {
    head.append("HTTP/1.1 ");
    AppendUint(head, static_cast<std::uint64_t>(r.status));
    const std::string_view reason = ReasonPhrase(r.status);
    if (!reason.empty()) {
      head.push_back(' ');
      head.append(reason);
    }
  } else if (!r.status_line.empty()) {
    head.append(r.status_line);
  } else {
    std::string_view first =
        std::string_view(r.raw_head).substr(0, r.raw_head.find('\n'));
    if (first.ends_with('\r')) first.remove_suffix(1);
    head.append(first);
  }
  head.append("\r\n");

  // A Response not from the network (a fake fetcher) has only the parsed
  // fields: written out as lines.
  std::string synthesized;
  if (r.raw_head.empty()) {
    synthesized = "\n";
    for (const HeaderField& f : r.headers) {
      AppendField(synthesized, f.name, f.value);
    }
  }
  const std::vector<std::string_view> lines =
      FieldLines(r.raw_head.empty() ? synthesized : r.raw_head);
  bool chunked = false;
  for (std::string_view line : lines) {
    if (EqualsIgnoreCase(FieldName(line), "transfer-encoding")) chunked = true;
  }
  for (std::string_view line : lines) {
    if (chunked) {
      const std::string_view name = FieldName(line);
      if (EqualsIgnoreCase(name, "transfer-encoding") ||
          EqualsIgnoreCase(name, "content-length")) {
        head.append("X-Crawler-");
      }
    }
    head.append(line);
    if (!line.ends_with('\n')) head.append("\r\n");  // a cut-off last line
  }
  if (chunked) {
    head.append("Content-Length: ");
    AppendUint(head, body_size);
    head.append("\r\n");
  }
  head.append("\r\n");
  return head;
}

// The CDXJ "mime" of a response: the HTTP Content-Type up to ';', trimmed;
// nullopt (key left out) without one or when it is empty. As warcio: several
// Content-Type fields are joined with ", " first.
std::optional<std::string> CdxMime(std::string_view head) {
  std::string value;
  bool seen = false;
  for (std::string_view line : FieldLines(head)) {
    if (!EqualsIgnoreCase(FieldName(line), "content-type")) continue;
    if (seen) value.append(", ");
    seen = true;
    value.append(TrimAsciiWhitespace(line.substr(line.find(':') + 1)));
  }
  if (value.empty()) return std::nullopt;
  const std::string_view v(value);
  return std::string(TrimAsciiWhitespace(v.substr(0, v.find(';'))));
}

std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace

// What an exchange needs before the lock: ids, dates, the recorded head,
// the digests (one pass over the body), the CDX fields.
struct WarcWriter::Prepared {
  std::int64_t micros = 0;
  std::string date;
  std::string request_id, response_id, metadata_id;
  std::array<std::uint8_t, 16> response_uuid{};
  std::string http_head;
  std::string_view protocol;   // WARC-Protocol, or empty
  std::string_view truncated;  // WARC-Truncated, or empty
  Sha1Digest payload{};
  std::string payload_b32, block_b32, request_b32;
  std::string outlinks;  // the metadata block; empty: no metadata record
  std::string outlinks_b32;
  bool dedup_candidate = false;
  // CDXJ: "urlkey timestamp {"url":URL"; the mime; the method (non-GET).
  std::string cdx_head;
  std::optional<std::string> cdx_mime;
  std::string cdx_method;
};

// The record that first archived a payload, for a revisit.
struct WarcWriter::Original {
  std::string uri, date, id;
};

// An exchange's gzip members, built outside the lock.
struct WarcWriter::Unit {
  std::string bytes;  // request, response (unless streamed), metadata
  std::uint64_t response_at = 0;  // in `bytes`
  std::uint64_t response_len = 0;
  // A spilled body is streamed under the lock: its record's header here,
  // the request member in `bytes` and the metadata member in `tail`.
  std::string stream_header;
  std::string tail;
};

// --- DigestTable ---

std::size_t WarcWriter::DigestTable::Slot(const Sha1Digest& d) const {
  std::uint64_t h;
  std::memcpy(&h, d.data(), sizeof h);  // SHA-1 bits are already uniform
  return static_cast<std::size_t>(h) & (slots_.size() - 1);
}

const WarcWriter::DigestTable::Entry* WarcWriter::DigestTable::Find(
    const Sha1Digest& d) const {
  if (slots_.empty()) return nullptr;
  for (std::size_t i = Slot(d); slots_[i] != 0;
       i = (i + 1) & (slots_.size() - 1)) {
    const Entry& e = entries_[slots_[i] - 1];
    if (e.digest == d) return &e;
  }
  return nullptr;
}

std::string_view WarcWriter::DigestTable::Uri(const Entry& e) const {
  std::uint32_t n;
  std::memcpy(&n, arena_.data() + e.uri_at, sizeof n);
  return std::string_view(arena_).substr(e.uri_at + sizeof n, n);
}

void WarcWriter::DigestTable::Insert(const Entry& e, std::string_view uri) {
  if (Find(e.digest) != nullptr) return;
  if ((entries_.size() + 1) * 2 > slots_.size()) {
    slots_.assign(std::max<std::size_t>(1024, slots_.size() * 2), 0);
    for (std::size_t k = 0; k < entries_.size(); ++k) {
      std::size_t i = Slot(entries_[k].digest);
      while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = static_cast<std::uint32_t>(k + 1);
    }
  }
  Entry copy = e;
  copy.uri_at = arena_.size();
  const auto n = static_cast<std::uint32_t>(uri.size());
  arena_.append(reinterpret_cast<const char*>(&n), sizeof n);
  arena_.append(uri);
  entries_.push_back(copy);
  std::size_t i = Slot(e.digest);
  while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = static_cast<std::uint32_t>(entries_.size());
}

std::size_t WarcWriter::DigestTable::bytes() const {
  return entries_.capacity() * sizeof(Entry) +
         slots_.capacity() * sizeof(std::uint32_t) + arena_.capacity();
}

// --- WarcWriter ---

WarcWriter::WarcWriter(WarcOptions options) : options_(std::move(options)) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) hostname_ = host;
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
  MutexLock l(rng_mu_);
  rng_.seed(seq);
}

Result<std::unique_ptr<WarcWriter>> WarcWriter::Open(WarcOptions options) {
  if (options.name.empty()) {
    return Status::InvalidArgument("WARC file name is empty");
  }
  std::unique_ptr<WarcWriter> w(new WarcWriter(std::move(options)));
  {
    MutexLock l(w->mu_);
    Status s = w->OpenFileLocked();
    if (!s.ok()) {
      w->closed_ = true;  // nothing to write at destruction
      return s;
    }
  }
  return w;
}

Result<std::unique_ptr<WarcWriter>> WarcWriter::Resume(WarcOptions options,
                                                       const Position& at,
                                                       std::string cdx) {
  if (options.name.empty()) {
    return Status::InvalidArgument("WARC file name is empty");
  }
  std::unique_ptr<WarcWriter> w(new WarcWriter(std::move(options)));
  MutexLock l(w->mu_);
  Status s = w->ResumeLocked(at);
  if (!s.ok()) {
    w->closed_ = true;
    return s;
  }
  if (w->options_.cdx) {
    w->cdx_ = std::move(cdx);
    w->cdx_given_ = w->cdx_.size();
    for (std::size_t i = 0; i < w->cdx_.size();) {
      w->cdx_at_.push_back(i);
      const std::size_t nl = w->cdx_.find('\n', i);
      if (nl == std::string::npos) {
        w->closed_ = true;
        return Status::FailedPrecondition("the CDX lines committed for " + at.path +
                                          " are cut off");
      }
      i = nl + 1;
    }
  }
  return w;
}

Status WarcWriter::ResumeLocked(const Position& at) {
  if (at.path != PathOf(at.index)) {
    return Status::FailedPrecondition(
        "the crawl's WARC file is " + at.path + ", and these options would write " +
        PathOf(at.index) + ": resume it with the --warc-file and --warc-max-size it had");
  }
  const int fd = open(at.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::FailedPrecondition("cannot continue WARC file " + at.path + ": " +
                                      ErrnoText(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) < at.offset) {
    close(fd);
    return Status::FailedPrecondition(
        "WARC file " + at.path + " is shorter than the " + std::to_string(at.offset) +
        " bytes the crawl committed to it: it is not that crawl's");
  }
  // Cut the records written after the commit; the files a rotation started
  // since then go too.
  if (ftruncate(fd, static_cast<off_t>(at.offset)) != 0 || lseek(fd, 0, SEEK_END) < 0) {
    const int err = errno;
    close(fd);
    return Status::IoError("cannot cut back WARC file " + at.path + ": " + ErrnoText(err));
  }
  for (std::uint64_t k = at.index + 1; options_.max_size > 0; ++k) {
    const std::string later = PathOf(k);
    if (unlink(later.c_str()) != 0) break;
  }
  for (std::uint64_t k = 0; k <= at.index; ++k) files_.push_back(PathOf(k));
  fd_ = fd;
  path_ = at.path;
  file_size_ = at.offset;
  file_has_records_ = true;
  ++generation_;
  warcinfo_id_ = at.warcinfo_id;
  return Status::Ok();
}

Result<WarcWriter::Position> WarcWriter::Checkpoint(std::string* cdx) {
  MutexLock l(mu_);
  if (!status_.ok()) return status_;
  Position p;
  p.path = path_;
  p.index = files_.empty() ? 0 : files_.size() - 1;
  p.offset = file_size_;
  p.warcinfo_id = warcinfo_id_;
  if (cdx != nullptr && cdx_given_ < cdx_.size()) {
    cdx->append(cdx_, cdx_given_);
    cdx_given_ = cdx_.size();
  }
  return p;
}

WarcWriter::~WarcWriter() { Close(); }

Status WarcWriter::status() const {
  MutexLock l(mu_);
  return status_;
}

std::vector<std::string> WarcWriter::files() const {
  MutexLock l(mu_);
  return files_;
}

std::size_t WarcWriter::dedup_table_bytes() const {
  MutexLock l(mu_);
  return digests_.bytes();
}

std::size_t WarcWriter::cdx_bytes() const {
  MutexLock l(mu_);
  return cdx_.capacity() + cdx_at_.capacity() * sizeof(std::uint64_t);
}

std::string WarcWriter::NewRecordId(std::array<std::uint8_t, 16>* raw) {
  std::uint64_t a, b;
  {
    MutexLock l(rng_mu_);
    a = rng_();
    b = rng_();
  }
  std::array<std::uint8_t, 16> u;
  std::memcpy(u.data(), &a, 8);
  std::memcpy(u.data() + 8, &b, 8);
  u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | 0x40);  // version 4
  u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);  // RFC 4122 variant
  if (raw != nullptr) *raw = u;
  return FormatRecordId(u);
}

std::unique_ptr<GzipCompressor> WarcWriter::TakeCompressor() {
  {
    MutexLock l(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<GzipCompressor> c = std::move(pool_.back());
      pool_.pop_back();
      return c;
    }
  }
  return GzipCompressor::Create(options_.codec, options_.level);
}

void WarcWriter::GiveBackCompressor(std::unique_ptr<GzipCompressor> c) {
  if (c == nullptr) return;
  MutexLock l(pool_mu_);
  pool_.push_back(std::move(c));
}

std::string WarcWriter::PathOf(std::uint64_t index) const {
  std::string path = options_.name;
  if (options_.max_size > 0) {
    char num[32];
    std::snprintf(num, sizeof num, "-%05llu", static_cast<unsigned long long>(index));
    path += num;
  }
  return path + ".warc.gz";
}

Status WarcWriter::OpenFileLocked() {
  std::string path = PathOf(files_.size());
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IoError("cannot create WARC file " + path + ": " +
                           ErrnoText(errno));
  }
  fd_ = fd;
  path_ = std::move(path);
  files_.push_back(path_);
  file_size_ = 0;
  file_has_records_ = false;
  ++generation_;
  warcinfo_id_ = NewRecordId();

  std::string block;
  if (!options_.software.empty()) {
    AppendField(block, "software", options_.software);
  }
  AppendField(block, "format", "WARC File Format 1.1");
  AppendField(block, "conformsTo", kConformsTo);
  if (!hostname_.empty()) AppendField(block, "hostname", hostname_);
  for (const auto& [name, value] : options_.info) {
    AppendField(block, name, value);
  }
  std::string h = "WARC/1.1\r\n";
  AppendField(h, "WARC-Type", "warcinfo");
  AppendField(h, "WARC-Record-ID", warcinfo_id_);
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  AppendField(h, "WARC-Date", FormatWarcDate(now.count()));
  AppendField(h, "WARC-Filename", Basename(path_));
  AppendField(h, "WARC-Block-Digest", "sha1:" + Base32(Sha1Of(block)));
  EndHeader(h, "application/warc-fields", block.size());

  std::unique_ptr<GzipCompressor> c = TakeCompressor();
  std::string member;
  const std::string_view pieces[] = {h, block, kRecordEnd};
  const bool compressed = c != nullptr && c->AppendMember(pieces, member);
  GiveBackCompressor(std::move(c));
  if (!compressed) {
    return Status::IoError("cannot compress WARC file " + path_ +
                           ": out of memory");
  }
  if (!WriteLocked(member)) {
    return Status::IoError("cannot write WARC file " + path_ + ": " +
                           ErrnoText(errno));
  }
  return Status::Ok();
}

Status WarcWriter::CloseFileLocked() {
  if (fd_ < 0) return Status::Ok();
  const int rc = close(fd_);
  fd_ = -1;
  // EINTR from close(2) on Linux: the descriptor is gone, the data written.
  if (rc != 0 && errno != EINTR) {
    return Status::IoError("cannot write WARC file " + path_ + ": " +
                           ErrnoText(errno));
  }
  return Status::Ok();
}

bool WarcWriter::WriteLocked(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t w = write(fd_, bytes.data(), bytes.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    // A short write (a file size limit reached, a full disk) is followed by
    // the write that fails and says why.
    file_size_ += static_cast<std::uint64_t>(w);
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
  return true;
}

void WarcWriter::FailLocked(std::uint64_t offset, int err) {
  // Whole exchanges or nothing: cut the partial one off (file_size_ may
  // miss the tail of a short write, so always). A file that cannot be
  // truncated (/dev/full) is left as it is: the status says why.
  if (fd_ >= 0 && ftruncate(fd_, static_cast<off_t>(offset)) == 0) {
    file_size_ = offset;
  }
  if (status_.ok()) {
    status_ = Status::IoError("cannot write WARC file " + path_ + ": " +
                              ErrnoText(err));
  }
  failed_.store(true, std::memory_order_release);
}

bool WarcWriter::Prepare(const Response& r,
                         const std::vector<std::string>& links, bool is_html,
                         Prepared& p) {
  auto started = r.started_at;
  if (started == std::chrono::system_clock::time_point{}) {
    started = std::chrono::system_clock::now();
  }
  p.micros = std::chrono::duration_cast<std::chrono::microseconds>(
                 started.time_since_epoch())
                 .count();
  p.date = FormatWarcDate(p.micros);
  if (!r.request_head.empty()) p.request_id = NewRecordId();
  p.response_id = NewRecordId(&p.response_uuid);
  p.http_head = RecordedHead(r, r.raw_body.size());
  if (r.http_version == "2") p.protocol = "h2";
  if (r.http_version == "3") p.protocol = "h3";
  if (r.truncated) {
    p.truncated = "length";
  } else if (r.error_kind == ErrorKind::kTruncated ||
             r.error_kind == ErrorKind::kNetwork) {
    p.truncated = "disconnect";
  } else if (r.error_kind == ErrorKind::kTimeout) {
    p.truncated = "time";
  } else if (r.raw_body.size() < r.raw_bytes) {
    // Bytes received but not kept (a spill that failed): the record holds
    // less than the server sent.
    p.truncated = "length";
  }

  Sha1 payload, block;
  block.Update(p.http_head);
  const bool read = r.raw_body.ForEach([&](std::string_view chunk) {
    payload.Update(chunk);
    block.Update(chunk);
    return true;
  });
  if (!read) return false;
  p.payload = payload.Finish();
  p.payload_b32 = Base32(p.payload);
  p.block_b32 = Base32(block.Finish());
  if (!r.request_head.empty()) p.request_b32 = Base32(Sha1Of(r.request_head));

  if (is_html && !links.empty()) {
    p.metadata_id = NewRecordId();
    for (const std::string& link : links) {
      p.outlinks.append("outlink: ");
      p.outlinks.append(link);
      p.outlinks.append("\r\n");
    }
    p.outlinks_b32 = Base32(Sha1Of(p.outlinks));
  }
  // An empty payload is not worth a revisit: the record would be no smaller.
  p.dedup_candidate = options_.dedup && r.status == 200 &&
                      p.truncated.empty() && !r.raw_body.empty();

  if (options_.cdx) {
    // warcio indexes a non-GET request (paired with its response) under the
    // URL plus "__wb_method=METHOD&__wb_post_data=" (its postToGetUrl; our
    // requests have no body), and adds "method" and "requestBody".
    std::string key_url = r.url;
    if (!r.request_head.empty()) {
      const std::string_view method =
          std::string_view(r.request_head).substr(0, r.request_head.find(' '));
      if (method != "GET") {
        p.cdx_method = std::string(method);
        const std::size_t q = key_url.find('?');
        key_url += q != std::string::npos && q > 0 ? "&" : "?";
        key_url += "__wb_method=" + p.cdx_method + "&__wb_post_data=";
      }
    }
    p.cdx_head = Surt(key_url);
    p.cdx_head.push_back(' ');
    // The timestamp: the WARC-Date's first 14 digits.
    std::size_t digits = 0;
    for (const char c : p.date) {
      if (c >= '0' && c <= '9' && digits < 14) {
        p.cdx_head.push_back(c);
        ++digits;
      }
    }
    p.cdx_head.append(" {\"url\":");
    AppendJsStringLiteral(p.cdx_head, r.url);
    p.cdx_mime = CdxMime(p.http_head);
  }
  return true;
}

bool WarcWriter::BuildUnit(const Response& r, const Prepared& p,
                           const std::string& warcinfo_id,
                           const Original* original, bool stream_body,
                           Unit& u) {
  std::unique_ptr<GzipCompressor> c = TakeCompressor();
  if (c == nullptr) return false;
  u.bytes.clear();
  u.tail.clear();
  u.stream_header.clear();
  bool ok = true;
  std::string h;
  h.reserve(1024);

  // Fields every exchange record carries first.
  auto begin = [&](std::string_view type, const std::string& id) {
    h.assign("WARC/1.1\r\n");
    AppendField(h, "WARC-Type", type);
    AppendField(h, "WARC-Record-ID", id);
    AppendField(h, "WARC-Warcinfo-ID", warcinfo_id);
    AppendField(h, "WARC-Date", p.date);
    AppendField(h, "WARC-Target-URI", r.url);
  };

  if (!p.request_id.empty()) {
    begin("request", p.request_id);
    AppendField(h, "WARC-Concurrent-To", p.response_id);
    if (!r.remote_ip.empty()) AppendField(h, "WARC-IP-Address", r.remote_ip);
    if (!p.protocol.empty()) AppendField(h, "WARC-Protocol", p.protocol);
    AppendField(h, "WARC-Block-Digest", "sha1:" + p.request_b32);
    EndHeader(h, "application/http;msgtype=request", r.request_head.size());
    const std::string_view pieces[] = {h, r.request_head, kRecordEnd};
    ok = c->AppendMember(pieces, u.bytes);
  }

  u.response_at = u.bytes.size();
  begin(original != nullptr ? "revisit" : "response", p.response_id);
  if (!p.request_id.empty()) {
    AppendField(h, "WARC-Concurrent-To", p.request_id);
  }
  if (!r.remote_ip.empty()) AppendField(h, "WARC-IP-Address", r.remote_ip);
  if (!p.protocol.empty()) AppendField(h, "WARC-Protocol", p.protocol);
  if (original != nullptr) {
    AppendField(h, "WARC-Profile", kIdenticalPayloadProfile);
    AppendField(h, "WARC-Refers-To-Target-URI", original->uri);
    AppendField(h, "WARC-Refers-To-Date", original->date);
    AppendField(h, "WARC-Refers-To", original->id);
    AppendField(h, "WARC-Payload-Digest", "sha1:" + p.payload_b32);
    AppendField(h, "WARC-Block-Digest", "sha1:" + Base32(Sha1Of(p.http_head)));
    EndHeader(h, "application/http;msgtype=response", p.http_head.size());
    const std::string_view pieces[] = {h, p.http_head, kRecordEnd};
    ok = ok && c->AppendMember(pieces, u.bytes);
  } else {
    if (!p.truncated.empty()) AppendField(h, "WARC-Truncated", p.truncated);
    AppendField(h, "WARC-Payload-Digest", "sha1:" + p.payload_b32);
    AppendField(h, "WARC-Block-Digest", "sha1:" + p.block_b32);
    EndHeader(h, "application/http;msgtype=response",
              p.http_head.size() + r.raw_body.size());
    if (stream_body) {
      u.stream_header = h;
    } else {
      // An in-memory body is one piece, handed over without a copy.
      std::string_view pieces[4] = {h, p.http_head, {}, kRecordEnd};
      r.raw_body.ForEach([&](std::string_view chunk) {
        pieces[2] = chunk;
        return true;
      });
      if (CompressedAlready(r)) {
        AppendStoredMember(pieces, u.bytes);
      } else {
        ok = ok && c->AppendMember(pieces, u.bytes);
      }
    }
  }
  u.response_len = u.bytes.size() - u.response_at;

  if (!p.metadata_id.empty()) {
    begin("metadata", p.metadata_id);
    AppendField(h, "WARC-Concurrent-To", p.response_id);
    AppendField(h, "WARC-Refers-To", p.response_id);
    AppendField(h, "WARC-Block-Digest", "sha1:" + p.outlinks_b32);
    EndHeader(h, "application/warc-fields", p.outlinks.size());
    const std::string_view pieces[] = {h, p.outlinks, kRecordEnd};
    ok = ok && c->AppendMember(pieces, stream_body ? u.tail : u.bytes);
  }
  GiveBackCompressor(std::move(c));
  return ok;
}

void WarcWriter::AddCdxLocked(const Prepared& p, bool revisit,
                              std::uint64_t offset, std::uint64_t length,
                              int status) {
  cdx_at_.push_back(cdx_.size());
  cdx_.append(p.cdx_head);
  if (revisit) {
    cdx_.append(",\"mime\":\"warc/revisit\"");
  } else if (p.cdx_mime) {
    cdx_.append(",\"mime\":");
    AppendJsStringLiteral(cdx_, *p.cdx_mime);
  }
  cdx_.append(",\"status\":\"");
  AppendUint(cdx_, static_cast<std::uint64_t>(status));
  cdx_.append("\",\"digest\":\"");
  cdx_.append(p.payload_b32);
  cdx_.append("\",\"length\":\"");
  AppendUint(cdx_, length);
  cdx_.append("\",\"offset\":\"");
  AppendUint(cdx_, offset);
  cdx_.append("\",\"filename\":");
  AppendJsStringLiteral(cdx_, Basename(path_));
  if (!p.cdx_method.empty()) {
    cdx_.append(",\"method\":");
    AppendJsStringLiteral(cdx_, p.cdx_method);
    cdx_.append(",\"requestBody\":\"__wb_post_data=\"");
  }
  cdx_.append("}\n");
}

void WarcWriter::OnResponse(const Response& response,
                            const std::vector<std::string>& links, bool is_html,
                            Kept& kept) {
  if (response.status <= 0 || failed()) return;
  Prepared p;
  if (!Prepare(response, links, is_html, p)) {
    MutexLock l(mu_);
    if (!closed_ && !failed()) {
      status_ = Status::IoError("cannot read the body of " + response.url +
                                " kept on disk: " + ErrnoText(errno));
      failed_.store(true, std::memory_order_release);
    }
    return;
  }

  // 1. Under the lock, briefly: is the payload a duplicate; which file.
  std::optional<Original> original;
  std::uint64_t generation;
  std::string warcinfo_id;
  {
    MutexLock l(mu_);
    if (closed_ || failed()) return;
    if (p.dedup_candidate) {
      if (const DigestTable::Entry* e = digests_.Find(p.payload)) {
        original = Original{std::string(digests_.Uri(*e)),
                            FormatWarcDate(e->micros), FormatRecordId(e->id)};
      }
    }
    generation = generation_;
    warcinfo_id = warcinfo_id_;
  }
  // 2. Outside it: build and compress the records (the costly part), for
  // the file that is current now; rebuilt below in the rare case it is not.
  bool stream_body = response.raw_body.spilled() && !original;
  const Original* orig = original ? &*original : nullptr;
  Unit u;
  bool built = BuildUnit(response, p, warcinfo_id, orig, stream_body, u);

  // 3. Under the lock: rotate, write, index.
  MutexLock l(mu_);
  if (closed_ || failed()) return;
  if (options_.max_size > 0 && file_size_ >= options_.max_size &&
      file_has_records_) {
    Status s = CloseFileLocked();
    if (s.ok()) s = OpenFileLocked();
    if (!s.ok()) {
      status_ = s;
      failed_.store(true, std::memory_order_release);
      return;
    }
  }
  // Another thread may have written the same payload meanwhile (two
  // duplicates finished at once): this one is then its revisit.
  bool rebuild = generation != generation_;
  if (p.dedup_candidate && !original) {
    if (const DigestTable::Entry* e = digests_.Find(p.payload)) {
      original = Original{std::string(digests_.Uri(*e)),
                          FormatWarcDate(e->micros), FormatRecordId(e->id)};
      orig = &*original;
      stream_body = false;
      rebuild = true;
    }
  }
  if (rebuild) {
    built = BuildUnit(response, p, warcinfo_id_, orig, stream_body, u);
  }
  const std::uint64_t start = file_size_;
  if (!built) {
    FailLocked(start, ENOMEM);
    return;
  }
  std::uint64_t response_at = start + u.response_at;
  std::uint64_t response_len = u.response_len;
  if (!stream_body) {
    if (!WriteLocked(u.bytes)) return FailLocked(start, errno);
  } else {
    // A spilled body is streamed from its file through zlib to ours, under
    // the lock (other exchanges wait): memory stays at a few 64 KiB buffers
    // whatever the body's size, and such bodies are rare.
    if (!WriteLocked(u.bytes)) return FailLocked(start, errno);
    response_at = file_size_;
    const int fd = fd_;
    std::uint64_t written = 0;
    int err = 0;
    GzipStream z(options_.level, [fd, &written, &err](std::string_view out) {
      if (!WriteAll(fd, out)) {
        err = errno;
        return false;
      }
      written += out.size();
      return true;
    });
    bool ok = z.Write(u.stream_header) && z.Write(p.http_head);
    const bool read = ok && response.raw_body.ForEach([&](std::string_view c) {
      ok = z.Write(c);
      return ok;
    });
    ok = ok && read && z.Write(kRecordEnd) && z.Finish();
    file_size_ += written;
    if (!ok) return FailLocked(start, err != 0 ? err : (read ? ENOMEM : EIO));
    response_len = file_size_ - response_at;
    if (!WriteLocked(u.tail)) return FailLocked(start, errno);
  }
  file_has_records_ = true;
  if (p.dedup_candidate && !original) {
    DigestTable::Entry e{};
    e.digest = p.payload;
    e.id = p.response_uuid;
    e.micros = p.micros;
    digests_.Insert(e, response.url);
  }
  if (options_.cdx) {
    AddCdxLocked(p, original.has_value(), response_at, response_len,
                 response.status);
  }
  kept.warc_file = path_;
  kept.warc_offset = response_at;
  kept.warc_length = response_len;
  kept.payload_digest = "sha1:" + p.payload_b32;
}

void WarcWriter::Abandon() {
  MutexLock l(mu_);
  closed_ = true;
}

Status WarcWriter::Close() {
  MutexLock l(mu_);
  if (closed_) return status_;
  closed_ = true;
  Status s = CloseFileLocked();
  if (status_.ok() && !s.ok()) status_ = s;
  if (options_.cdx) {
    std::vector<std::string_view> lines;
    lines.reserve(cdx_at_.size());
    const std::string_view all = cdx_;
    for (std::size_t i = 0; i < cdx_at_.size(); ++i) {
      const std::uint64_t end =
          i + 1 < cdx_at_.size() ? cdx_at_[i + 1] : all.size();
      // Without the '\n': `sort` compares the lines themselves.
      lines.push_back(all.substr(cdx_at_[i], end - cdx_at_[i] - 1));
    }
    // string_view compares bytes as unsigned char: LC_ALL=C sort's order.
    std::sort(lines.begin(), lines.end());
    const std::string path = options_.name + ".cdxj";
    const std::string tmp = path + ".tmp";
    int err = 0;
    const int fd =
        open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) err = errno;
    std::string buf;
    for (std::size_t i = 0; err == 0 && i < lines.size(); ++i) {
      buf.append(lines[i]);
      buf.push_back('\n');
      if (buf.size() >= (1 << 16) || i + 1 == lines.size()) {
        if (!WriteAll(fd, buf)) err = errno;
        buf.clear();
      }
    }
    if (fd >= 0 && close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
      if (fd >= 0) unlink(tmp.c_str());
      if (status_.ok()) {
        status_ = Status::IoError("cannot write CDX file " + path + ": " +
                                  ErrnoText(err));
      }
    }
    std::string().swap(cdx_);
    std::vector<std::uint64_t>().swap(cdx_at_);
  }
  return status_;
}

}  // namespace crawl
