// Link resolution benchmark: ResolveUrl(base, href) per link against one
// UrlResolver(base) per page and Resolve(href) per link, on
//   - the links of Debian's python3-doc pages against their URLs, and
//   - a synthetic page of 10 links, half "/p/N.html", half
//     "http://127.0.0.1:8080/p/N.html".
// The resolver's figures include its construction, once per page. Prints a
// Markdown table of nanoseconds per link (best of several rounds).
//
//   url_bench [--rounds N] [--docs DIR]
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "crawl/url.h"

namespace {

struct Page {
  std::string url;
  std::vector<std::string> hrefs;
};

// The few character references found in python3-doc attribute values.
std::string DecodeEntities(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      if (s.substr(i).starts_with("&amp;")) {
        out += '&';
        i += 4;
        continue;
      }
      if (s.substr(i).starts_with("&#64;")) {
        out += '@';
        i += 4;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<Page> LoadDocs(const std::filesystem::path& root) {
  std::vector<Page> pages;
  std::error_code ec;
  const std::regex href_re("href=\"([^\"]*)\"");
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root, ec)) {
    if (entry.path().extension() != ".html") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    Page page;
    page.url = "https://docs.example/3/" +
               std::filesystem::relative(entry.path(), root).generic_string();
    for (auto it = std::sregex_iterator(body.begin(), body.end(), href_re);
         it != std::sregex_iterator(); ++it) {
      page.hrefs.push_back(DecodeEntities((*it)[1].str()));
    }
    pages.push_back(std::move(page));
  }
  return pages;
}

std::vector<Page> SyntheticPages(int count) {
  std::vector<Page> pages;
  for (int p = 0; p < count; ++p) {
    Page page;
    page.url = "http://127.0.0.1:8080/p/" + std::to_string(p) + ".html";
    for (int i = 0; i < 10; ++i) {
      const int target = (p * 7 + i * 13) % 1000;
      page.hrefs.push_back(
          i % 2 == 0 ? "/p/" + std::to_string(target) + ".html"
                     : "http://127.0.0.1:8080/p/" + std::to_string(target) +
                           ".html");
    }
    pages.push_back(std::move(page));
  }
  return pages;
}

using Clock = std::chrono::steady_clock;

// Keeps the results observable, so that no work is optimised away.
std::size_t g_sink = 0;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double TimeResolveUrl(const std::vector<Page>& pages) {
  const Clock::time_point start = Clock::now();
  for (const Page& page : pages) {
    for (const std::string& href : page.hrefs) {
      g_sink += crawl::ResolveUrl(page.url, href).url.size();
    }
  }
  return SecondsSince(start);
}

double TimeResolver(const std::vector<Page>& pages) {
  const Clock::time_point start = Clock::now();
  for (const Page& page : pages) {
    const crawl::UrlResolver resolver(page.url);
    for (const std::string& href : page.hrefs) {
      g_sink += resolver.Resolve(href).url.size();
    }
  }
  return SecondsSince(start);
}

double TimeConstruction(const std::vector<Page>& pages) {
  const Clock::time_point start = Clock::now();
  for (const Page& page : pages) {
    const crawl::UrlResolver resolver(page.url);
    g_sink += resolver.Resolve("").url.size();
  }
  return SecondsSince(start);
}

// Best of `rounds` runs of `time(pages)`, in nanoseconds per unit.
template <typename F>
double BestNs(F time, const std::vector<Page>& pages, int rounds,
              std::size_t units) {
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const double s = time(pages);
    if (s < best) best = s;
  }
  return best * 1e9 / static_cast<double>(units);
}

void Report(const char* name, const std::vector<Page>& pages, int rounds) {
  std::size_t links = 0;
  for (const Page& page : pages) links += page.hrefs.size();
  if (links == 0) return;
  // Both ways must agree, link for link.
  std::size_t differences = 0;
  for (const Page& page : pages) {
    const crawl::UrlResolver resolver(page.url);
    for (const std::string& href : page.hrefs) {
      const crawl::UrlResult a = crawl::ResolveUrl(page.url, href);
      const crawl::UrlResult b = resolver.Resolve(href);
      if (a.url != b.url || a.drop != b.drop) ++differences;
    }
  }
  const double before = BestNs(TimeResolveUrl, pages, rounds, links);
  const double after = BestNs(TimeResolver, pages, rounds, links);
  const double construct =
      BestNs(TimeConstruction, pages, rounds, pages.size());
  std::printf("| %s | %zu | %zu | %.0f | %.0f | %.1fx | %.0f | %zu |\n", name,
              pages.size(), links, before, after, before / after, construct,
              differences);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::filesystem::path docs = "/usr/share/doc/python3-doc/html";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (flag == "--docs") {
      docs = argv[i + 1];
    } else {
      std::fprintf(stderr, "url_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  std::printf(
      "| links | pages | links | ResolveUrl ns/link | UrlResolver ns/link "
      "| speed-up | construction ns/page | differences |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::error_code ec;
  if (std::filesystem::is_directory(docs, ec)) {
    Report("python3-doc", LoadDocs(std::filesystem::canonical(docs, ec)),
           rounds);
  } else {
    std::fprintf(stderr, "url_bench: no %s; python3-doc skipped\n",
                 docs.c_str());
  }
  Report("synthetic, 10 per page", SyntheticPages(10000), rounds);
  return g_sink == 0 ? 1 : 0;
}
