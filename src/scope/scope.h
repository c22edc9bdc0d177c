// Scope: which discovered URLs a crawl may follow. The only folder that
// includes libpsl and RE2.
//
//   host    the URL's host and port are one of the seeds' (the default;
//           default ports are one: http://a/ and https://a/ agree, and
//           http://a:8080/ is another site);
//   host-any-port  the URL's host is one of the seeds' hosts, on any port;
//   domain  the URL's registrable domain (public suffix list, libpsl) is one
//           of the seeds' (www.example.co.uk and shop.example.co.uk agree);
//   any     every host.
// Then, on the whole normalised URL (RE2, partial match): with any
// --include pattern, a URL must match at least one; a URL that matches any
// --exclude pattern is dropped. Seeds themselves are always fetched.
//
// Thread safety: immutable after Create(); Check() may run on any thread.
#ifndef CRAWL_SCOPE_SCOPE_H_
#define CRAWL_SCOPE_SCOPE_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "crawl/lecture.h"
#include "crawl/status.h"

namespace re2 {
class RE2;
}

namespace crawl {

class Scope {
 public:
  // `seeds` are normalised URLs. InvalidArgument for a pattern RE2 rejects.
  static Result<std::unique_ptr<Scope>> Create(
      ScopeMode mode, const std::vector<std::string>& seeds,
      const std::vector<std::string>& include,
      const std::vector<std::string>& exclude);
  ~Scope();

  // nullptr if `url` (normalised) is in scope, else the reason it is not:
  // "scope", "include" or "exclude".
  const char* Check(std::string_view url) const;

 private:
  Scope() = default;
  std::string Key(std::string_view url) const;

  ScopeMode mode_ = ScopeMode::kHost;
  std::unordered_set<std::string> keys_;  // hosts or registrable domains
  std::vector<std::unique_ptr<re2::RE2>> include_, exclude_;
};

}  // namespace crawl

#endif  // CRAWL_SCOPE_SCOPE_H_
