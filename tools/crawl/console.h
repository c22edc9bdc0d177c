// What the crawl tool shows on stderr: a live progress line (on a terminal),
// one line per fetch with -v, and the summary. One mutex keeps their writes
// from interleaving.
#ifndef CRAWL_TOOLS_CRAWL_CONSOLE_H_
#define CRAWL_TOOLS_CRAWL_CONSOLE_H_

#include <chrono>
#include <mutex>
#include <string>

#include "crawl/lecture.h"

namespace crawl::cli {

class Console {
 public:
  // `progress_line`: draw the live line (stderr is a terminal, not -q).
  explicit Console(bool progress_line) : progress_line_(progress_line) {}

  // Redraws the progress line from `p` (no-op unless enabled).
  void DrawProgress(const CrawlProgress& p, double seconds);
  // Removes the progress line, if drawn.
  void ClearProgress();
  // Prints a whole line (clearing the progress line first).
  void Line(const std::string& text);
  // The end-of-crawl summary.
  void Summary(const CrawlSummary& s, const std::string& stopped_by);

 private:
  std::mutex mu_;
  const bool progress_line_;
  bool drawn_ = false;  // under mu_
};

// One line for `record` (for -v): status, time, URL, redirect or error.
std::string RecordLine(const PageRecord& record);

}  // namespace crawl::cli

#endif  // CRAWL_TOOLS_CRAWL_CONSOLE_H_
