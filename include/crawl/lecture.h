// crawl/lecture.h — the lecture's crawler (shared/seeds/), as a teaching
// API: a Fetcher (fetcher.h; FakeFetcher in fake_fetcher.h) and the engines
// that crawl through it. crawl::Crawler (crawler.h) is the API for real
// crawls; it runs the event engine below and adds callbacks and outputs.
//
// The engines are the lecture's crawler written three ways (shared/seeds/):
//   serial   one fetch at a time, depth-first.
//   mutex    a bounded pool of threads shares the frontier and seen set under
//            one mutex; a pending count (queued + in flight) detects the end.
//   channel  a master thread owns the frontier and seen set; worker threads
//            fetch and send each page's links back on a Channel; the master
//            counts outstanding fetches and stops at zero.
//   event    (the default) the lecture's event-driven alternative: one thread
//            owns the frontier and starts fetches through the Fetcher's
//            asynchronous interface (FetchAsync); completions come back as
//            messages. For HTTP, one curl multi loop carries every transfer
//            and a small pool extracts links: thousands of fetches in flight
//            on a handful of threads.
// On the same graph every engine fetches the same set of pages (the pages
// whose shortest link distance from a seed is at most max_depth), fetches
// each URL at most once, and terminates.
#ifndef CRAWL_LECTURE_H_
#define CRAWL_LECTURE_H_

#include "crawl/fetcher.h"
#include "crawl/options.h"
#include "crawl/record.h"
#include "crawl/status.h"

namespace crawl {

// OK if Crawl() would accept `options`; else InvalidArgument saying why.
// Lets a caller check before it creates output files.
Status ValidateCrawlOptions(const CrawlOptions& options);

// Crawls from options.seeds with options.engine, fetching through `fetcher`
// and streaming one record per fetch to `sink`. Returns when nothing is
// queued and nothing is in flight. InvalidArgument if the options are not
// valid (no seeds, a seed that is not an http(s) URL, concurrency < 1, a bad
// pattern); Internal if not a single fetching thread could be started; fetch
// failures never make it fail. Seeds are normalised (url.h) first.
// `fetcher` and `sink` are borrowed for the duration of the call.
Result<CrawlSummary> Crawl(const CrawlOptions& options, Fetcher& fetcher,
                           RecordSink& sink);

}  // namespace crawl

#endif  // CRAWL_LECTURE_H_
