// `crawl status --state DIR [--json]`: what a state directory's last commit
// says of its crawl, while the crawl runs or after it.
#ifndef CRAWL_TOOLS_CRAWL_STATUS_H_
#define CRAWL_TOOLS_CRAWL_STATUS_H_

namespace crawl::cli {

// argv[1] is "status". Returns the exit code: 0, 2 for a usage error, 3 if
// the state cannot be read.
int RunStatus(int argc, char** argv);

}  // namespace crawl::cli

#endif  // CRAWL_TOOLS_CRAWL_STATUS_H_
