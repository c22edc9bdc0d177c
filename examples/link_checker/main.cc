// link_checker START_URL: crawls the site at START_URL and prints one line
// per broken link, sorted:
//
//   BROKEN_URL <TAB> STATUS_OR_ERROR <TAB> PAGE_THAT_LINKS_TO_IT
//
// STATUS_OR_ERROR is the HTTP status (404, 500, ...) or the error kind
// (timeout, dns, connect, ...). Links that leave the site are checked too,
// but the crawl does not go on from them. A link that redirects to a broken
// page is reported under the page that links to the redirect. Exit status:
// 0 if no link is broken, 1 if some are, 2 if the crawl could not start.
#include <crawl/crawler.h>
#include <crawl/url.h>

#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <string>
#include <utility>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: link_checker START_URL\n");
    return 2;
  }
  crawl::CrawlerOptions options;
  options.crawl.seeds = {argv[1]};
  options.crawl.scope = crawl::ScopeMode::kAny;  // check links that leave, too
  options.crawl.retries = 1;
  auto opened = crawl::Crawler::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "link_checker: %s\n", opened.status().message().c_str());
    return 2;
  }
  crawl::Crawler& crawler = **opened;

  // The site is the start URL's origin (after normalisation, as the crawl
  // names it: the first record's URL).
  std::string site;
  std::map<std::string, std::set<std::string>> linked_from;  // url -> pages
  std::set<std::tuple<std::string, std::string, std::string>> broken;

  crawler.OnLinks([&](const crawl::Request& request, crawl::Links& links) {
    if (site.empty()) site = crawl::UrlOrigin(request.url);
    if (crawl::UrlOrigin(request.url) != site) {
      links.Clear();  // another site: check the page, do not crawl on
      return;
    }
    for (const std::string& url : links) linked_from[url].insert(request.url);
  });
  // Redirects and failures, matched with the links once the crawl is over
  // (a page may link to a URL that failed before the page was fetched).
  std::map<std::string, std::string> redirects;  // from -> to
  std::map<std::string, std::string> failed;     // url -> status or error
  crawler.OnRecord([&](const crawl::PageRecord& record) {
    if (record.result.outcome == crawl::Outcome::kRedirect) {
      redirects[record.url] = record.result.redirect_to;
    }
  });
  crawler.OnError([&](const crawl::PageRecord& record, const crawl::FetchError& error) {
    failed[record.url] = error.kind == crawl::ErrorKind::kHttpStatus
                             ? std::to_string(record.result.http_status)
                             : crawl::ErrorKindName(error.kind);
  });

  auto summary = crawler.Run();
  if (!summary.ok()) {
    std::fprintf(stderr, "link_checker: %s\n", summary.status().message().c_str());
    return 2;
  }
  // A redirect's target is linked from wherever the redirect is (chains
  // too: at most one pass per redirect).
  for (std::size_t pass = 0; pass < redirects.size(); ++pass) {
    bool grew = false;
    for (const auto& [from, to] : redirects) {
      auto it = linked_from.find(from);
      if (it == linked_from.end()) continue;
      std::set<std::string>& target = linked_from[to];
      const std::size_t before = target.size();
      target.insert(it->second.begin(), it->second.end());
      grew |= target.size() != before;
    }
    if (!grew) break;
  }
  for (const auto& [url, why] : failed) {
    auto it = linked_from.find(url);
    if (it == linked_from.end() || it->second.empty()) {
      broken.emplace(url, why, "(start)");
      continue;
    }
    for (const std::string& page : it->second) broken.emplace(url, why, page);
  }
  for (const auto& [url, why, page] : broken) {
    std::printf("%s\t%s\t%s\n", url.c_str(), why.c_str(), page.c_str());
  }
  std::fprintf(stderr, "link_checker: %llu pages checked, %zu broken links\n",
               static_cast<unsigned long long>(summary->pages), broken.size());
  return broken.empty() ? 0 : 1;
}
