// Link extraction benchmark: ExtractLinks (our HTML5 tokenizer) against the
// myhtml reference (tests/html/myhtml_links.h), on every page of Debian's
// python3-doc and on a synthetic 8 KB page with 10 links. Prints a Markdown
// table: CPU microseconds per page and MB/s (this thread's CPU time, so that
// other load on the machine matters less), the best of several rounds.
//
//   links_bench [--rounds N] [--docs DIR]
#include <time.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "html/links.h"
#include "html/myhtml_links.h"

namespace {

using Extractor = crawl::HtmlLinks (*)(std::string_view, std::size_t);

crawl::HtmlLinks Ours(std::string_view html, std::size_t max_links) {
  return crawl::ExtractLinks(html, max_links);
}

crawl::HtmlLinks Myhtml(std::string_view html, std::size_t max_links) {
  return crawl::ExtractLinksMyhtml(html, max_links);
}

std::vector<std::string> ReadPages(const std::string& root) {
  namespace fs = std::filesystem;
  std::set<fs::path> paths;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::follow_directory_symlink, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().extension() == ".html") {
      paths.insert(fs::canonical(it->path(), ec));
    }
  }
  std::vector<std::string> pages;
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    pages.emplace_back(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
  }
  return pages;
}

// About 8 KB of ordinary markup: a head with meta, stylesheet, script and
// style, then a body of nested blocks with class attributes, entities and 10
// links.
std::string SyntheticPage() {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n"
      "<title>A typical page &mdash; example</title>\n"
      "<link rel=\"stylesheet\" href=\"/static/site.css?v=3\">\n"
      "<link rel=\"icon\" href=\"/favicon.ico\">\n"
      "<script>window.dataLayer = window.dataLayer || []; "
      "function gtag(){dataLayer.push(arguments);} if (a < b && c > d) "
      "{ gtag('js', new Date()); }</script>\n"
      "<style>body{margin:0;font:16px/1.5 sans-serif} .nav a{color:#333}"
      "</style>\n</head>\n<body class=\"page page-article\">\n"
      "<!-- navigation -->\n";
  int link = 0;
  while (page.size() < 7600) {
    page +=
        "<div class=\"section\" id=\"s" + std::to_string(link) +
        "\">\n  <h2 class=\"title\">Section heading number " +
        std::to_string(link) +
        "</h2>\n  <p class=\"lead\">Lorem ipsum dolor sit amet, consectetur "
        "adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
        "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
        "exercitation ullamco laboris.</p>\n  <p>Duis aute irure dolor in "
        "<em>reprehenderit</em> in voluptate velit esse cillum dolore eu "
        "fugiat nulla pariatur &amp; excepteur sint occaecat.</p>\n";
    if (link < 10) {
      page += "  <p><a class=\"more\" href=\"/articles/2024/" +
              std::to_string(link) + "/read-more.html?ref=home&amp;pos=" +
              std::to_string(link) + "\" title=\"Read more\">Read more</a>"
              "</p>\n";
      ++link;
    }
    page += "  <img src=\"/img/" + std::to_string(link) +
            ".png\" alt=\"\" width=\"640\" height=\"480\">\n</div>\n";
  }
  page += "<footer><span>&copy; 2024 Example</span></footer>\n</body>\n"
          "</html>\n";
  return page;
}

// This thread's CPU time, in seconds.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct Result {
  double us_per_page;
  double mb_per_s;
};

// The best of `rounds` passes of `extract` over `pages` (each pass repeated
// until it lasts at least 50 ms).
Result Measure(Extractor extract, const std::vector<std::string>& pages,
               int rounds) {
  std::size_t bytes = 0;
  for (const std::string& page : pages) bytes += page.size();
  double best = 1e300;
  std::size_t sink = 0;
  for (int round = 0; round < rounds; ++round) {
    int repeat = 0;
    const double start = ThreadCpuSeconds();
    double elapsed = 0;
    do {
      for (const std::string& page : pages) {
        sink += extract(page, 10000).hrefs.size();
      }
      ++repeat;
      elapsed = ThreadCpuSeconds() - start;
    } while (elapsed < 0.05);
    best = std::min(best, elapsed / repeat);
  }
  if (sink == 42) std::printf(" ");  // keeps the work observable
  return {best / pages.size() * 1e6, bytes / best / 1e6};
}

void Row(const char* name, const char* corpus,
         const std::vector<std::string>& pages, Extractor extract,
         int rounds) {
  const Result r = Measure(extract, pages, rounds);
  std::printf("| %-6s | %-26s | %9.2f | %8.1f |\n", name, corpus,
              r.us_per_page, r.mb_per_s);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::string docs = "/usr/share/doc/python3-doc/html";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--rounds") {
      rounds = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--docs") {
      docs = value;
    } else {
      std::fprintf(stderr, "links_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const std::vector<std::string> synthetic = {SyntheticPage()};
  const std::vector<std::string> pages = ReadPages(docs);
  std::size_t bytes = 0;
  for (const std::string& page : pages) bytes += page.size();
  std::printf("synthetic page: %zu bytes, %zu links; python3-doc: %zu pages, "
              "%.1f MB\n\n",
              synthetic[0].size(), crawl::ExtractLinks(synthetic[0]).hrefs.size(),
              pages.size(), bytes / 1e6);
  std::printf("| impl   | corpus                     | us/page   | MB/s     |\n"
              "|--------|----------------------------|-----------|----------|\n");
  Row("ours", "synthetic 8 KB, 10 links", synthetic, Ours, rounds);
  Row("myhtml", "synthetic 8 KB, 10 links", synthetic, Myhtml, rounds);
  if (!pages.empty()) {
    Row("ours", "python3-doc", pages, Ours, rounds);
    Row("myhtml", "python3-doc", pages, Myhtml, rounds);
  }
  return 0;
}
