// matcher START_URL PATTERN N: crawls from START_URL following only the
// links whose URL matches PATTERN (a regular expression, ECMAScript syntax,
// searched anywhere in the URL), prints each page it fetched that matches,
// with its depth, and stops after N of them.
//
//   matcher https://example.com/ '/blog/' 100
//
// Exit status: 0 when N pages matched or nothing is left to follow, 2 on a
// bad argument.
#include <crawl/crawler.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: matcher START_URL PATTERN N\n");
    return 2;
  }
  std::regex rule;
  try {
    rule = std::regex(argv[2], std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    std::fprintf(stderr, "matcher: bad PATTERN: %s\n", e.what());
    return 2;
  }
  char* end = nullptr;
  const long wanted = std::strtol(argv[3], &end, 10);
  if (*argv[3] == '\0' || *end != '\0' || wanted < 1) {
    std::fprintf(stderr, "matcher: N must be a whole number >= 1\n");
    return 2;
  }

  crawl::CrawlerOptions options;
  options.crawl.seeds = {argv[1]};
  auto opened = crawl::Crawler::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "matcher: %s\n", opened.status().message().c_str());
    return 2;
  }
  crawl::Crawler& crawler = **opened;
  long matched = 0;
  auto matches = [&](const std::string& url) { return std::regex_search(url, rule); };
  crawler.OnLinks([&](const crawl::Request&, crawl::Links& links) {
    links.Keep(matches);
  });
  crawler.OnRecord([&](const crawl::PageRecord& record) {
    if (matched >= wanted || record.result.outcome != crawl::Outcome::kFetched ||
        !matches(record.url)) {
      return;
    }
    std::printf("%s\t%d\n", record.url.c_str(), record.depth);
    if (++matched == wanted) crawler.Stop();
  });
  auto summary = crawler.Run();
  if (!summary.ok()) {
    std::fprintf(stderr, "matcher: %s\n", summary.status().message().c_str());
    return 2;
  }
  std::fprintf(stderr, "matcher: %ld matched, %llu fetched%s\n", matched,
               static_cast<unsigned long long>(summary->fetched),
               summary->stopped ? " (stopped)" : "");
  return 0;
}
