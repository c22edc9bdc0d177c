// The engines behind crawl::Crawl(). Each takes validated options and returns
// the counts of its Frontier; Crawl() adds the timing.
#ifndef CRAWL_ENGINE_ENGINES_H_
#define CRAWL_ENGINE_ENGINES_H_

#include <string>

#include "crawl/crawler.h"
#include "crawl/fetcher.h"
#include "engine/frontier.h"

namespace crawl {

CrawlSummary RunSerial(const CrawlOptions& options, Fetcher& fetcher,
                       RecordSink& sink);
CrawlSummary RunMutex(const CrawlOptions& options, Fetcher& fetcher,
                      RecordSink& sink);
CrawlSummary RunChannel(const CrawlOptions& options, Fetcher& fetcher,
                        RecordSink& sink);

// fetcher.Fetch(url), with anything thrown turned into an error result of
// kind "exception": one bad fetch must not end the crawl or leak a pending
// count (the lecture's `defer done.Done()`).
FetchResult FetchSafely(Fetcher& fetcher, const std::string& url);

// A Frontier holding the options' seeds.
FrontierOptions MakeFrontierOptions(const CrawlOptions& options,
                                    FrontierOptions::Order order);

}  // namespace crawl

#endif  // CRAWL_ENGINE_ENGINES_H_
