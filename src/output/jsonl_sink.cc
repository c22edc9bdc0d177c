#include "output/jsonl_sink.h"

#include <cerrno>
#include <cstring>

#include "output/json.h"

namespace crawl {
namespace {
constexpr std::size_t kFlushAt = 64 * 1024;
}  // namespace

void AppendJsonRecord(std::string& out, const PageRecord& r, bool with_links) {
  out += "{\"url\":";
  AppendJsonString(out, r.url);
  out += ",\"depth\":";
  out += std::to_string(r.depth);
  out += ",\"parent\":";
  if (r.parent.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, r.parent);
  }
  out += ",\"outcome\":\"";
  out += OutcomeName(r.result.outcome);
  out += "\",\"links\":";
  out += std::to_string(r.result.links.size());
  if (with_links) {
    out += ",\"link_urls\":[";
    for (std::size_t i = 0; i < r.result.links.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(out, r.result.links[i]);
    }
    out.push_back(']');
  }
  if (r.result.outcome == Outcome::kError || !r.result.error.kind.empty()) {
    out += ",\"error\":{\"kind\":";
    AppendJsonString(out, r.result.error.kind);
    out += ",\"message\":";
    AppendJsonString(out, r.result.error.message);
    out.push_back('}');
  }
  out += "}\n";
}

JsonlSink::JsonlSink(std::FILE* out, std::string name, bool with_links)
    : out_(out), name_(std::move(name)), with_links_(with_links) {
  buf_.reserve(kFlushAt + 4096);
}

JsonlSink::~JsonlSink() { Flush(); }

void JsonlSink::OnRecord(const PageRecord& record) {
  AppendJsonRecord(buf_, record, with_links_);
  if (buf_.size() >= kFlushAt) WriteBuffer();
}

void JsonlSink::WriteBuffer() {
  if (buf_.empty()) return;
  if (status_.ok() &&
      std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size()) {
    status_ = Status::IoError("cannot write " + name_ + ": " +
                              std::strerror(errno));
  }
  buf_.clear();
}

void JsonlSink::Flush() {
  WriteBuffer();
  if (status_.ok() && std::fflush(out_) != 0) {
    status_ = Status::IoError("cannot write " + name_ + ": " +
                              std::strerror(errno));
  }
}

}  // namespace crawl
