#include "fetch/http_fetcher.h"

#include <algorithm>
#include <string_view>
#include <thread>

#include "html/encoding.h"
#include "html/links.h"

namespace crawl {
namespace {

// The statuses that redirect (RFC 9110 15.4). 304 answers a conditional
// request (crawl sends none), 305 and 306 are deprecated, 300 leaves the
// choice to the user: those are recorded as they are, not followed.
bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

// A link's query is percent-encoded in the page's encoding, not UTF-8 (URL
// Standard, "query state"): `href` is UTF-8; its query (after the first
// '?', up to a '#') becomes the page's bytes, and a character the encoding
// lacks becomes "&#N;" with its '#' percent-encoded. The resolver then
// percent-encodes the bytes as they are.
void EncodeQuery(Transcoder& transcoder, std::string& href) {
  const std::size_t q = href.find('?');
  if (q == std::string::npos) return;
  const std::size_t end = std::min(href.find('#', q), href.size());
  const std::string_view query = std::string_view(href).substr(q + 1, end - q - 1);
  bool ascii = true;
  for (char c : query) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return;
  std::string encoded;
  transcoder.FromUtf8(query, encoded);
  std::string escaped;
  for (char c : encoded) {
    if (c == '#') {
      escaped += "%23";
    } else {
      escaped += c;
    }
  }
  href.replace(q + 1, end - q - 1, escaped);
}

}  // namespace

FetchResult ToFetchResult(const std::string& url, const HttpResponse& r,
                          const PageOptions& options) {
  FetchResult result;
  result.http_status = r.status;
  result.content_type = r.content_type;
  result.bytes = r.body_bytes;
  result.truncated = r.truncated;
  result.fetch_ms = r.total_ms;
  result.retry_after_s = r.retry_after_s;

  if (r.error_kind != ErrorKind::kNone) {
    result.outcome = Outcome::kError;
    result.error = {r.error_kind, r.error_message};
    return result;
  }
  const int status = r.status;
  if (IsRedirect(status)) {
    if (r.location.empty()) {
      result.outcome = Outcome::kHttpError;
      result.error = {ErrorKind::kRedirect, "HTTP " + std::to_string(status) +
                                      " without a Location header"};
      return result;
    }
    UrlResult to = ResolveUrl(url, r.location, options.max_url_length);
    if (!to.ok()) {
      result.outcome = Outcome::kHttpError;
      result.error = {ErrorKind::kRedirect, std::string("unusable Location (") +
                                      UrlDropName(to.drop) + "): " +
                                      r.location.substr(0, 200)};
      ++result.dropped_links[UrlDropName(to.drop)];
      return result;
    }
    result.outcome = Outcome::kRedirect;
    result.redirect_to = std::move(to.url);
    return result;
  }
  if (status == 404 || status == 410) {
    result.outcome = Outcome::kNotFound;
    return result;
  }
  if (status < 200 || status >= 300) {  // incl. a 3xx that is no redirect
    result.outcome = Outcome::kHttpError;
    return result;
  }

  result.outcome = Outcome::kFetched;
  const std::string_view page = r.body.view();
  if (!IsHtmlResponse(result.content_type, page)) return result;
  result.html = true;
  // The page's encoding (BOM, charset, <meta>, else UTF-8 if valid, else
  // windows-1252): link values are decoded from it; a page whose encoding
  // is not ASCII-compatible (UTF-16) is decoded whole first.
  const Encoding& encoding = SniffEncoding(result.content_type, page, r.truncated);
  std::unique_ptr<Transcoder> transcoder;
  std::string utf8_body;
  std::string_view body = page;
  if (!encoding.utf8()) {
    transcoder = std::make_unique<Transcoder>(encoding);
    if (!encoding.ascii_compatible) {
      transcoder->ToUtf8(body, utf8_body);
      body = utf8_body;
    }
  }
  HtmlLinks html = ExtractLinks(
      body, options.max_links_per_page, options.robots_token,
      transcoder && encoding.ascii_compatible ? transcoder.get() : nullptr);
  if (transcoder) {
    for (std::string& href : html.hrefs) EncodeQuery(*transcoder, href);
    if (html.has_base) EncodeQuery(*transcoder, html.base_href);
  }
  if (options.obey_meta_robots) {
    bool header = false;
    for (const std::string& v : r.x_robots_tag) {
      header = header || RobotsNofollow(v, options.robots_token, /*header=*/true);
    }
    if (html.meta_nofollow || header) {
      result.nofollow = html.meta_nofollow ? "meta" : "header";
      return result;
    }
  }
  if (html.dropped) result.dropped_links["max_links"] += html.dropped;
  std::string base = url;
  if (html.has_base) {
    UrlResult b = ResolveUrl(url, html.base_href, options.max_url_length);
    if (b.ok()) base = std::move(b.url);
  }
  // href="" is the base URL: a page of its own under a <base href>.
  if (html.empty_href && html.has_base && base != url) {
    result.links.push_back(base);
  }
  result.links.reserve(result.links.size() + html.hrefs.size());
  const UrlResolver resolver(base, options.max_url_length);  // parsed once
  for (std::size_t i = 0; i < html.hrefs.size(); ++i) {
    UrlResult link = resolver.Resolve(html.hrefs[i]);
    if (link.ok()) {
      if (html.rel_nofollow[i]) result.nofollow_links.push_back(link.url);
      result.links.push_back(std::move(link.url));
    } else {
      ++result.dropped_links[UrlDropName(link.drop)];
    }
  }
  return result;
}

HttpFetcher::HttpFetcher(const HttpOptions& http, const PageOptions& page,
                         std::vector<ResponseSink*> outputs)
    : page_(page), outputs_(std::move(outputs)), client_(http) {}

FetchResult HttpFetcher::Fetch(const Request& request) {
  return Process(request.url,
                 client_.Get(request.url, keep_body(), request.headers));
}

FetchResult HttpFetcher::Process(const std::string& url, HttpResponse&& r) const {
  FetchResult result = ToFetchResult(url, r, page_);
  KeepResponse(r, result.links, result.html, result.kept);
  if (keep_responses_) {
    result.response = std::make_shared<const Response>(std::move(r));
  }
  return result;
}

void HttpFetcher::KeepResponse(const HttpResponse& r,
                               const std::vector<std::string>& links,
                               bool html, Kept& kept) const {
  if (r.status == 0) return;  // nothing arrived to keep
  // Cut off by a stop: a partial response is not an archive's, and a crawl
  // with a state fetches the page again when it resumes.
  if (r.error_kind == ErrorKind::kCancelled) return;
  for (ResponseSink* output : outputs_) {
    output->OnResponse(r, links, html, kept);
  }
}

WorkQueue* HttpFetcher::Parsers() {
  std::call_once(parsers_once_, [this] {
    int n = page_.parse_threads;
    if (n < 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (n > 0) parsers_ = std::make_unique<WorkQueue>(static_cast<std::size_t>(n));
  });
  return parsers_.get();
}

void HttpFetcher::FetchAsync(const Request& request, FetchCallback done) {
  WorkQueue* parsers = Parsers();
  const std::string& url = request.url;
  client_.Start(
      url,
      [this, parsers, url, done = std::move(done)](
          HttpResponse&& response) mutable {
    // On the loop thread: parse here, or hand the parsing to the pool.
    if (parsers == nullptr) {
      done(Process(url, std::move(response)));
      return;
    }
    // The job may run after the client is gone (the pool outlives it, to
    // take the client's last, cancelled, callbacks): it wakes the loop
    // through a Waker it holds, never through client_.
    // (A Response is move-only; the pool's jobs are copyable functions.)
    parsers->Post([this, url = std::move(url), done = std::move(done),
                   response = std::make_shared<HttpResponse>(std::move(response)),
                   waker = client_.waker()]() mutable {
      done(Process(url, std::move(*response)));
      if (waker) waker->Wake();  // a loop turned by Poll() returns to its caller
    });
      },
      keep_body(), request.headers);
}

// A document fetch following redirects, one transfer at a time.
struct HttpFetcher::DocumentFetch {
  Document doc;
  int hops_left;
  DocumentCallback done;
};

void HttpFetcher::FetchDocumentAsync(const std::string& url, int max_redirects,
                                     DocumentCallback done) {
  auto fetch = std::make_shared<DocumentFetch>();
  fetch->doc.final_url = url;  // the URL of the response (or failure) described
  fetch->hops_left = max_redirects;
  fetch->done = std::move(done);
  FollowDocument(std::move(fetch));
}

void HttpFetcher::FollowDocument(std::shared_ptr<DocumentFetch> fetch) {
  const std::string url = fetch->doc.final_url;
  client_.Start(
      url,
      [this, fetch = std::move(fetch)](HttpResponse&& r) mutable {
        // On the loop thread (or this one, for an early failure); Start()
        // from here only queues the next transfer.
        Document& doc = fetch->doc;
        Kept kept;  // a document's record is not streamed: kept for the archive only
        KeepResponse(r, {}, false, kept);
        doc.http_status = r.status;
        doc.truncated = r.truncated;
        if (r.error_kind != ErrorKind::kNone) {
          doc.error = {r.error_kind, std::move(r.error_message)};
          fetch->done(std::move(doc));
          return;
        }
        if (IsRedirect(r.status) && !r.location.empty() &&
            fetch->hops_left > 0) {
          UrlResult next =
              ResolveUrl(doc.final_url, r.location, page_.max_url_length);
          if (next.ok()) {
            --fetch->hops_left;
            doc.final_url = std::move(next.url);
            FollowDocument(std::move(fetch));
            return;
          }
          fetch->done(std::move(doc));  // an unusable Location
          return;
        }
        doc.body = r.body.str();  // a 3xx here: too many redirects
        fetch->done(std::move(doc));
      },
      /*keep_body=*/true);
}

// The blocking form of FetchDocumentAsync: one way to follow redirects.
Document HttpFetcher::FetchDocument(const std::string& url, int max_redirects) {
  std::promise<Document> promise;
  FetchDocumentAsync(url, max_redirects, [&promise](Document doc) {
    promise.set_value(std::move(doc));
  });
  return client_.Await(promise.get_future());
}

}  // namespace crawl
