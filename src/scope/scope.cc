#include "scope/scope.h"

#include <libpsl.h>
#include <re2/re2.h>

#include "crawl/url.h"

namespace crawl {

Scope::~Scope() = default;

std::string Scope::Key(std::string_view url) const {
  if (mode_ == ScopeMode::kHost) {
    // Host and port: a normalised URL has no default port, so
    // http://a/ and https://a/ (ports 80 and 443) are one key, and
    // http://a:8080/ another.
    std::string_view origin = UrlOrigin(url);
    const std::size_t scheme = origin.find("://");
    if (scheme != std::string_view::npos) origin.remove_prefix(scheme + 3);
    return std::string(origin);
  }
  std::string h(UrlHost(url));
  if (mode_ != ScopeMode::kDomain) return h;
  // IP literals and single labels have no registrable domain: keep the host.
  const char* domain = psl_registrable_domain(psl_builtin(), h.c_str());
  return domain ? std::string(domain) : h;
}

Result<std::unique_ptr<Scope>> Scope::Create(
    ScopeMode mode, const std::vector<std::string>& seeds,
    const std::vector<std::string>& include,
    const std::vector<std::string>& exclude) {
  std::unique_ptr<Scope> s(new Scope());
  s->mode_ = mode;
  for (const std::string& seed : seeds) s->keys_.insert(s->Key(seed));
  RE2::Options opts;
  opts.set_log_errors(false);
  for (const auto* list : {&include, &exclude}) {
    for (const std::string& pattern : *list) {
      auto re = std::make_unique<RE2>(pattern, opts);
      if (!re->ok()) {
        return Status::InvalidArgument("bad regular expression '" + pattern +
                                       "': " + re->error());
      }
      (list == &include ? s->include_ : s->exclude_).push_back(std::move(re));
    }
  }
  return s;
}

const char* Scope::Check(std::string_view url) const {
  if (mode_ != ScopeMode::kAny && !keys_.count(Key(url))) {
    return "scope";
  }
  if (!include_.empty()) {
    bool any = false;
    for (const auto& re : include_) {
      if (RE2::PartialMatch(url, *re)) {
        any = true;
        break;
      }
    }
    if (!any) return "include";
  }
  for (const auto& re : exclude_) {
    if (RE2::PartialMatch(url, *re)) return "exclude";
  }
  return nullptr;
}

}  // namespace crawl
