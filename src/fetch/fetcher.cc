// The defaults of the Fetcher interface (include/crawl/fetcher.h).
#include "crawl/fetcher.h"

#include <exception>
#include <utility>

namespace crawl {

void Fetcher::FetchAsync(const Request& request, FetchCallback done) {
  FetchResult result;
  try {
    result = Fetch(request);
  } catch (const std::exception& e) {
    result = FetchResult::Error(ErrorKind::kException, e.what());
  } catch (...) {
    result = FetchResult::Error(ErrorKind::kException, "unknown exception");
  }
  done(std::move(result));
}

void Fetcher::FetchDocumentAsync(const std::string& url, int max_redirects,
                                 DocumentCallback done) {
  Document doc;
  try {
    doc = FetchDocument(url, max_redirects);
  } catch (const std::exception& e) {
    doc.error = {ErrorKind::kException, e.what()};
  } catch (...) {
    doc.error = {ErrorKind::kException, "unknown exception"};
  }
  done(std::move(doc));
}

}  // namespace crawl
