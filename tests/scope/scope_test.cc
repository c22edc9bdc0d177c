#include "scope/scope.h"

#include <gtest/gtest.h>

namespace crawl {
namespace {

std::unique_ptr<Scope> Make(ScopeMode mode, std::vector<std::string> seeds,
                            std::vector<std::string> include = {},
                            std::vector<std::string> exclude = {}) {
  auto s = Scope::Create(mode, seeds, include, exclude);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

TEST(Scope, HostIsTheSeedsHostsAndPortsOnly) {
  auto s = Make(ScopeMode::kHost, {"http://www.example.co.uk/", "http://b.test:8080/"});
  EXPECT_EQ(s->Check("https://www.example.co.uk/x"), nullptr)
      << "the default ports 80 and 443 are one";
  EXPECT_EQ(s->Check("http://b.test:8080/y"), nullptr);
  EXPECT_EQ(s->Check("https://b.test:8080/y"), nullptr) << "same port";
  EXPECT_STREQ(s->Check("http://b.test:9090/"), "scope") << "another port";
  EXPECT_STREQ(s->Check("http://b.test/"), "scope") << "the default port";
  EXPECT_STREQ(s->Check("http://www.example.co.uk:22/"), "scope");
  EXPECT_STREQ(s->Check("http://shop.example.co.uk/"), "scope");
  EXPECT_STREQ(s->Check("http://example.co.uk/"), "scope");
}

TEST(Scope, HostAnyPortIsTheSeedsHostsOnAnyPort) {
  auto s = Make(ScopeMode::kHostAnyPort, {"http://b.test:8080/"});
  EXPECT_EQ(s->Check("http://b.test:9090/"), nullptr);
  EXPECT_EQ(s->Check("https://b.test/"), nullptr);
  EXPECT_STREQ(s->Check("http://c.test:8080/"), "scope");
}

TEST(Scope, DomainUsesThePublicSuffixList) {
  auto s = Make(ScopeMode::kDomain, {"http://www.example.co.uk/"});
  EXPECT_EQ(s->Check("http://shop.example.co.uk/"), nullptr);
  EXPECT_EQ(s->Check("http://example.co.uk/"), nullptr);
  EXPECT_STREQ(s->Check("http://other.co.uk/"), "scope")
      << "co.uk is a public suffix, not a shared domain";
  auto ip = Make(ScopeMode::kDomain, {"http://127.0.0.1:8080/"});
  EXPECT_EQ(ip->Check("http://127.0.0.1:9/"), nullptr);
  EXPECT_STREQ(ip->Check("http://127.0.0.2/"), "scope");
}

TEST(Scope, AnyFollowsEverything) {
  auto s = Make(ScopeMode::kAny, {"http://a.test/"});
  EXPECT_EQ(s->Check("http://z.example/"), nullptr);
}

TEST(Scope, IncludeThenExclude) {
  auto s = Make(ScopeMode::kAny, {"http://a.test/"}, {"/docs/", "/blog/"},
                {"\\.pdf$"});
  EXPECT_EQ(s->Check("http://a.test/docs/x.html"), nullptr);
  EXPECT_EQ(s->Check("http://a.test/blog/"), nullptr);
  EXPECT_STREQ(s->Check("http://a.test/shop/"), "include");
  EXPECT_STREQ(s->Check("http://a.test/docs/x.pdf"), "exclude");
}

TEST(Scope, BadPatternIsAnError) {
  auto s = Scope::Create(ScopeMode::kHost, {"http://a.test/"}, {"(unclosed"}, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("(unclosed"), std::string::npos);
}

}  // namespace
}  // namespace crawl
