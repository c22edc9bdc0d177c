// The defaults of the Fetcher interface (include/crawl/fetcher.h).
#include "crawl/fetcher.h"

#include <exception>
#include <utility>

namespace crawl {

void Fetcher::FetchAsync(const std::string& url, FetchCallback done) {
  FetchResult result;
  try {
    result = Fetch(url);
  } catch (const std::exception& e) {
    result = FetchResult::Error("exception", e.what());
  } catch (...) {
    result = FetchResult::Error("exception", "unknown exception");
  }
  done(std::move(result));
}

void Fetcher::FetchDocumentAsync(const std::string& url, int max_redirects,
                                 DocumentCallback done) {
  Document doc;
  try {
    doc = FetchDocument(url, max_redirects);
  } catch (const std::exception& e) {
    doc.error = {"exception", e.what()};
  } catch (...) {
    doc.error = {"exception", "unknown exception"};
  }
  done(std::move(doc));
}

}  // namespace crawl
