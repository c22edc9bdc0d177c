// page_saver START_URL OUT.jsonl: crawls the site at START_URL and stores
// each HTML page's title and text, one JSON object per line:
//
//   {"url": "...", "title": "...", "text": "..."}
//
// Exit status: 0 when the crawl ends, 2 if it could not start or the file
// could not be written.
#include <crawl/crawler.h>
#include <crawl/html.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace {

// `s` (valid UTF-8) as a JSON string.
std::string Json(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: page_saver START_URL OUT.jsonl\n");
    return 2;
  }
  std::FILE* out = std::fopen(argv[2], "w");
  if (out == nullptr) {
    std::perror(argv[2]);
    return 2;
  }
  crawl::CrawlerOptions options;
  options.crawl.seeds = {argv[1]};
  auto opened = crawl::Crawler::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "page_saver: %s\n", opened.status().message().c_str());
    return 2;
  }
  crawl::Crawler& crawler = **opened;
  int saved = 0;
  crawler.OnResponse([&](const crawl::Request& request, const crawl::Response& response) {
    if (response.status != 200 ||
        response.content_type.find("html") == std::string::npos) {
      return;
    }
    // The body may have been spilled to a file: read it in pieces.
    std::string html;
    response.body.ForEach([&](std::string_view chunk) {
      html.append(chunk);
      return true;
    });
    crawl::PageText page = crawl::ExtractPageText(html, response.content_type);
    std::fprintf(out, "{\"url\": %s, \"title\": %s, \"text\": %s}\n",
                 Json(request.url).c_str(), Json(page.title).c_str(),
                 Json(page.text).c_str());
    ++saved;
  });
  auto summary = crawler.Run();
  if (std::fclose(out) != 0) {
    std::perror(argv[2]);
    return 2;
  }
  if (!summary.ok()) {
    std::fprintf(stderr, "page_saver: %s\n", summary.status().message().c_str());
    return 2;
  }
  std::fprintf(stderr, "page_saver: %d pages saved of %llu fetched\n", saved,
               static_cast<unsigned long long>(summary->pages));
  return 0;
}
