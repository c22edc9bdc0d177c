#include "console.h"

#include <cstdio>

namespace crawl::cli {
namespace {

std::string Megabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  return buf;
}

// "a 1, b 2" from a map; "-" if empty.
std::string List(const std::map<std::string, std::uint64_t>& m) {
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += ", ";
    out += k + " " + std::to_string(v);
  }
  return out.empty() ? "-" : out;
}

}  // namespace

void Console::DrawProgress(const CrawlProgress& p, double seconds) {
  if (!progress_line_) return;
  const auto relaxed = std::memory_order_relaxed;
  const double pages = static_cast<double>(p.pages.load(relaxed));
  const double bytes = static_cast<double>(p.bytes.load(relaxed));
  const double s = seconds > 0 ? seconds : 1;
  char line[200];
  std::snprintf(line, sizeof line,
                "\r\033[Kcrawl: %.0f pages | %llu in flight | %llu queued | "
                "%llu errors | %.0f pages/s | %.2f MB/s",
                pages, static_cast<unsigned long long>(p.in_flight.load(relaxed)),
                static_cast<unsigned long long>(p.queued.load(relaxed)),
                static_cast<unsigned long long>(p.errors.load(relaxed)),
                pages / s, bytes / s / 1e6);
  std::lock_guard<std::mutex> lock(mu_);
  std::fputs(line, stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Console::ClearProgress() {
  std::lock_guard<std::mutex> lock(mu_);
  if (drawn_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

void Console::Line(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (drawn_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
  std::fputs(text.c_str(), stderr);
  std::fputc('\n', stderr);
}

void Console::Summary(const CrawlSummary& s, const std::string& stopped_by) {
  char head[256];
  std::snprintf(head, sizeof head,
                "crawl: %s in %.2f s: %llu pages, %.0f pages/s, %s",
                stopped_by.empty() ? "done" : ("stopped by " + stopped_by).c_str(),
                s.seconds, static_cast<unsigned long long>(s.pages),
                s.seconds > 0 ? s.pages / s.seconds : 0.0,
                Megabytes(static_cast<double>(s.bytes)).c_str());
  std::string text = head;
  text += "\n  outcomes: fetched " + std::to_string(s.fetched) + ", redirect " +
          std::to_string(s.redirects) + ", not_found " +
          std::to_string(s.not_found) + ", http_error " +
          std::to_string(s.http_errors) + ", error " + std::to_string(s.errors) +
          ", robots " + std::to_string(s.robots) + "; retries " +
          std::to_string(s.retries);
  text += "\n  status:   " + List(s.status_classes);
  text += "\n  errors:   " + List(s.error_kinds);
  text += "\n  dropped:  " + List(s.dropped);
  text += "\n  URLs seen " + std::to_string(s.discovered) + ", threads " +
          std::to_string(s.threads);
  Line(text);
}

std::string RecordLine(const PageRecord& r) {
  const FetchResult& f = r.result;
  std::string line = f.http_status ? std::to_string(f.http_status) : "---";
  char ms[32];
  std::snprintf(ms, sizeof ms, " %7.1f ms ", f.fetch_ms);
  line += ms;
  line += r.url;
  if (!f.redirect_to.empty()) line += " -> " + f.redirect_to;
  if (f.error.kind != ErrorKind::kNone) {
    line += std::string(" [") + ErrorKindName(f.error.kind) + ": " +
            f.error.message + "]";
  }
  return line;
}

}  // namespace crawl::cli
