// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
// Checked when built with clang and -Wthread-safety (the TSan build in CI);
// empty elsewhere.
#ifndef CRAWL_SYNC_THREAD_ANNOTATIONS_H_
#define CRAWL_SYNC_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define CRAWL_TSA(x) __attribute__((x))
#else
#define CRAWL_TSA(x)
#endif

#define CAPABILITY(x) CRAWL_TSA(capability(x))
#define SCOPED_CAPABILITY CRAWL_TSA(scoped_lockable)
#define GUARDED_BY(x) CRAWL_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) CRAWL_TSA(pt_guarded_by(x))
#define REQUIRES(...) CRAWL_TSA(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) CRAWL_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) CRAWL_TSA(release_capability(__VA_ARGS__))
#define EXCLUDES(...) CRAWL_TSA(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS CRAWL_TSA(no_thread_safety_analysis)

#endif  // CRAWL_SYNC_THREAD_ANNOTATIONS_H_
