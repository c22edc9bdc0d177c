#include "output/jsonl_sink.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstring>

#include "output/json.h"

namespace crawl {
namespace {
constexpr std::size_t kFlushAt = 64 * 1024;
constexpr auto kMaxAge = std::chrono::seconds(1);
}  // namespace

void AppendRfc3339(std::string& out, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  out += buf;
}

void AppendJsonRecord(std::string& out, const PageRecord& r,
                      const JsonlFields& fields) {
  const FetchResult& f = r.result;
  auto string_or_null = [&](const std::string& s) {
    if (s.empty()) {
      out += "null";
    } else {
      AppendJsonString(out, s);
    }
  };
  out += "{\"url\":";
  AppendJsonString(out, r.url);
  out += ",\"final_url\":";
  AppendJsonString(out, f.outcome == Outcome::kRedirect && !f.redirect_to.empty()
                            ? f.redirect_to
                            : r.url);
  out += ",\"outcome\":\"";
  out += OutcomeName(f.outcome);
  out += "\",\"status\":";
  if (f.http_status > 0) {
    out += std::to_string(f.http_status);
  } else {
    out += "null";
  }
  out += ",\"depth\":";
  out += std::to_string(r.depth);
  out += ",\"parent\":";
  string_or_null(r.parent);
  out += ",\"content_type\":";
  string_or_null(f.content_type);
  out += ",\"bytes\":";
  out += std::to_string(f.bytes);
  out += ",\"truncated\":";
  out += f.truncated ? "true" : "false";
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.1f", f.fetch_ms);
  out += ",\"fetch_ms\":";
  out += ms;
  out += ",\"links\":";
  out += std::to_string(f.links.size());
  out += ",\"nofollow\":";
  string_or_null(f.nofollow);
  out += ",\"redirect_to\":";
  string_or_null(f.redirect_to);
  out += ",\"hops\":";
  out += std::to_string(r.hops);
  out += ",\"attempts\":";
  out += std::to_string(f.attempts);
  out += ",\"error\":";
  if (f.outcome == Outcome::kError || f.error.kind != ErrorKind::kNone) {
    out += "{\"kind\":";
    AppendJsonString(out, ErrorKindName(f.error.kind));
    out += ",\"message\":";
    AppendJsonString(out, f.error.message);
    out.push_back('}');
  } else {
    out += "null";
  }
  out += ",\"fetched_at\":\"";
  AppendRfc3339(out, f.fetched_at);
  out += "\"";
  if (fields.warc) {
    const Kept& k = f.kept;
    out += ",\"warc_file\":";
    string_or_null(k.warc_file);
    out += ",\"warc_offset\":";
    out += k.warc_file.empty() ? "null" : std::to_string(k.warc_offset);
    out += ",\"warc_length\":";
    out += k.warc_file.empty() ? "null" : std::to_string(k.warc_length);
    out += ",\"payload_digest\":";
    string_or_null(k.payload_digest);
  }
  if (fields.mirror) {
    out += ",\"saved_as\":";
    string_or_null(f.kept.saved_as);
  }
  if (fields.links) {
    out += ",\"link_urls\":[";
    for (std::size_t i = 0; i < f.links.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(out, f.links[i]);
    }
    out += "],\"nofollow_links\":[";
    for (std::size_t i = 0; i < f.nofollow_links.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(out, f.nofollow_links[i]);
    }
    out.push_back(']');
  }
  out += "}\n";
}

JsonlSink::JsonlSink(std::FILE* out, std::string name, JsonlFields fields,
                     std::uint64_t offset)
    : out_(out), name_(std::move(name)), fields_(fields) {
  MutexLock lock(mu_);
  written_ = offset;
  buf_.reserve(kFlushAt + 4096);
}

// Writes what is left, but never fflush()es: the FILE may already be closed
// by its owner, who must Flush() before closing it.
JsonlSink::~JsonlSink() {
  MutexLock lock(mu_);
  WriteBufferLocked();
}

void JsonlSink::OnRecord(const PageRecord& record) {
  MutexLock lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (buf_.empty()) oldest_ = now;
  AppendJsonRecord(buf_, record, fields_);
  if (buf_.size() >= kFlushAt || now - oldest_ >= kMaxAge) FlushLocked();
}

void JsonlSink::WriteBufferLocked() {
  if (buf_.empty()) return;
  if (status_.ok() &&
      std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size()) {
    status_ = Status::IoError("cannot write " + name_ + ": " +
                              std::strerror(errno));
    failed_ = true;
  }
  if (status_.ok()) written_ += buf_.size();
  buf_.clear();
}

void JsonlSink::FlushLocked() {
  WriteBufferLocked();
  if (status_.ok() && std::fflush(out_) != 0) {
    status_ = Status::IoError("cannot write " + name_ + ": " +
                              std::strerror(errno));
    failed_ = true;
  }
}

void JsonlSink::Flush() {
  MutexLock lock(mu_);
  FlushLocked();
}

Result<std::uint64_t> JsonlSink::Checkpoint() {
  MutexLock lock(mu_);
  FlushLocked();
  if (!status_.ok()) return status_;
  return written_;
}

void JsonlSink::FlushIfStale() {
  MutexLock lock(mu_);
  if (!buf_.empty() && std::chrono::steady_clock::now() - oldest_ >= kMaxAge) {
    FlushLocked();
  }
}

}  // namespace crawl
