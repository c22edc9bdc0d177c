// WARC writing benchmark: N exchanges (request, response, metadata records)
// through WarcWriter, for each gzip candidate side by side, on
//   - the pages of `crawl bench`'s synthetic site (8 KB, 10 links), and
//   - the HTML pages of 5-20 KB in Debian's python3-doc.
// Prints a Markdown table: microseconds per exchange (best of the rounds,
// one thread) and the ratio of the WARC file's bytes to the HTML's.
//
//   warc_bench [--records N] [--rounds N] [--docs DIR] [--dir TMPDIR]
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "benchsite/site_page.h"
#include "output/warc_writer.h"

namespace {

namespace fs = std::filesystem;

// CPU seconds of this process: on a shared VM, wall time also counts the
// time other guests had the CPU (steal).
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

std::vector<std::string> LoadPages(const fs::path& docs) {
  std::vector<std::string> pages;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(docs, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().extension() != ".html" || !it->is_regular_file()) continue;
    const auto size = it->file_size();
    if (size < 5000 || size > 20000) continue;
    std::ifstream in(it->path(), std::ios::binary);
    pages.emplace_back(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
    if (pages.size() == 200) break;
  }
  return pages;
}

// As the synthetic site serves them (src/benchsite/site_page.h).
std::vector<std::string> SitePages(int n) {
  crawl::SiteOptions options;
  const crawl::PageRenderer renderer(options, "http://127.0.0.1:8080");
  std::vector<std::string> pages;
  for (int i = 0; i < n; ++i) {
    std::string page;
    renderer.AppendHead(static_cast<std::uint64_t>(i), &page);
    page.append(renderer.padding().substr(0, renderer.PaddingFor(page.size())));
    page.append(crawl::kPageTail);
    pages.push_back(std::move(page));
  }
  return pages;
}

crawl::Response MakeResponse(int i, const std::string& page) {
  crawl::Response r;
  r.url = "http://127.0.0.1:8080/p/" + std::to_string(i) + ".html";
  r.request_head = "GET /p/" + std::to_string(i) +
                   ".html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                   "User-Agent: crawl/0.9.0\r\nAccept: */*\r\n"
                   "Accept-Encoding: gzip, br, zstd\r\n\r\n";
  r.status = 200;
  r.http_version = "1.1";
  r.status_line = "HTTP/1.1 200 OK";
  r.raw_head =
      "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
      "Date: Wed, 02 Dec 2026 19:00:00 GMT\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(page.size()) +
      "\r\n"
      "Connection: keep-alive\r\n\r\n";
  r.remote_ip = "127.0.0.1";
  r.raw_body.Append(page);
  r.raw_bytes = page.size();
  r.started_at = std::chrono::system_clock::now();
  return r;
}

// Writes `records` exchanges through a WarcWriter per candidate.
void Run(const char* what, const std::vector<std::string>& pages, int records,
         int rounds, const std::string& name) {
  std::vector<crawl::Response> responses;
  std::uint64_t html_bytes = 0;
  for (int i = 0; i < records; ++i) {
    responses.push_back(MakeResponse(i, pages[i % pages.size()]));
    html_bytes += responses.back().raw_body.size();
  }
  const std::vector<std::string> links = {"http://127.0.0.1:8080/p/1.html",
                                          "http://127.0.0.1:8080/p/2.html",
                                          "http://127.0.0.1:8080/p/3.html"};
  std::printf(
      "\n%s: %d exchanges, %zu distinct pages, %.1f KB of HTML on "
      "average\n\n",
      what, records, pages.size(), html_bytes / 1024.0 / records);
  std::printf(
      "| codec | level | us/exchange (wall) | us/exchange (CPU) | WARC/HTML "
      "bytes |\n|---|---|---|---|---|\n");

  struct Candidate {
    const char* name;
    crawl::GzipCodec codec;
    int level;
  };
  const Candidate candidates[] = {
      {"zlib", crawl::GzipCodec::kZlib, 6},
      {"zlib", crawl::GzipCodec::kZlib, 1},
      {"libdeflate", crawl::GzipCodec::kLibdeflate, 6},
      {"libdeflate", crawl::GzipCodec::kLibdeflate, 1},
      // Stored blocks: what the rest (digests, heads, write(2)) costs.
      {"libdeflate", crawl::GzipCodec::kLibdeflate, 0},
  };
  for (const Candidate& c : candidates) {
    double best = 1e30, best_cpu = 1e30;
    std::uint64_t size = 0;
    for (int round = 0; round < rounds; ++round) {
      crawl::WarcOptions o;
      o.name = name;
      o.software = "crawl/bench";
      o.codec = c.codec;
      o.level = c.level;
      auto w = crawl::WarcWriter::Open(o);
      if (!w.ok()) {
        std::fprintf(stderr, "%s\n", w.status().message().c_str());
        std::exit(1);
      }
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = CpuSeconds();
      for (const crawl::Response& r : responses) {
        crawl::Kept kept;
        (*w)->OnResponse(r, links, true, kept);
      }
      const crawl::Status s = (*w)->Close();
      const auto t1 = std::chrono::steady_clock::now();
      best_cpu = std::min(best_cpu, (CpuSeconds() - c0) * 1e6);
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        std::exit(1);
      }
      best = std::min(
          best, std::chrono::duration<double, std::micro>(t1 - t0).count());
      size = fs::file_size(name + ".warc.gz");
    }
    // The file also holds ~1.5 KB of WARC and HTTP heads per exchange
    // (uncompressed): the ratio is against the HTML alone.
    std::printf("| %s | %d | %.1f | %.1f | %.3f |\n", c.name, c.level,
                best / records, best_cpu / records,
                static_cast<double>(size) / static_cast<double>(html_bytes));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int records = 2000, rounds = 3;
  fs::path docs = "/usr/share/doc/python3-doc/html";
  std::string dir = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--records")
      records = std::atoi(argv[i + 1]);
    else if (flag == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else if (flag == "--docs")
      docs = argv[i + 1];
    else if (flag == "--dir")
      dir = argv[i + 1];
  }
  const std::string name = dir + "/warc_bench." + std::to_string(getpid());
  Run("synthetic site", SitePages(records), records, rounds, name);
  const std::vector<std::string> docs_pages = LoadPages(docs);
  if (!docs_pages.empty()) {
    Run("python3-doc", docs_pages, records, rounds, name);
  }
  fs::remove(name + ".warc.gz");
  return 0;
}
