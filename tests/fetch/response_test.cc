// Body: bytes in memory up to a threshold, then in an unlinked file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "crawl/response.h"
#include "gtest/gtest.h"

namespace crawl {
namespace {

std::string Collect(const Body& body) {
  std::string out;
  EXPECT_TRUE(body.ForEach([&out](std::string_view chunk) {
    out.append(chunk);
    return true;
  }));
  return out;
}

TEST(BodyTest, SmallBodyStaysInMemory) {
  Body body(16, "");
  EXPECT_TRUE(body.Append("hello "));
  EXPECT_TRUE(body.Append("world"));
  EXPECT_FALSE(body.spilled());
  EXPECT_EQ(body.fd(), -1);
  EXPECT_EQ(body.size(), 11u);
  EXPECT_EQ(body.view(), "hello world");
  EXPECT_EQ(Collect(body), "hello world");
}

TEST(BodyTest, PastTheThresholdGoesToAnUnlinkedFile) {
  Body body(16, "");
  std::string all;
  for (int i = 0; i < 10'000; ++i) {
    const std::string piece = "piece " + std::to_string(i) + "\n";
    ASSERT_TRUE(body.Append(piece)) << body.error();
    all += piece;
  }
  ASSERT_TRUE(body.spilled());
  EXPECT_EQ(body.size(), all.size());
  // Unlinked: nothing is left behind if the process dies.
  struct stat st{};
  ASSERT_EQ(fstat(body.fd(), &st), 0);
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), all.size());
  EXPECT_EQ(Collect(body), all);  // in 64 KiB pieces, in order
  EXPECT_EQ(body.view(), all);    // mapped
  // Appending after a view remaps.
  ASSERT_TRUE(body.Append("tail"));
  EXPECT_EQ(body.view(), all + "tail");
}

TEST(BodyTest, ForEachStopsWhenAsked) {
  Body body(1, "");
  ASSERT_TRUE(body.Append(std::string(200'000, 'x')));
  int calls = 0;
  EXPECT_TRUE(body.ForEach([&calls](std::string_view) {
    ++calls;
    return false;
  }));
  EXPECT_EQ(calls, 1);
}

TEST(BodyTest, MovesKeepTheBytesAndTheFile) {
  Body a(4, "");
  ASSERT_TRUE(a.Append("0123456789"));
  const int fd = a.fd();
  ASSERT_GE(fd, 0);
  Body b(std::move(a));
  EXPECT_EQ(b.fd(), fd);
  EXPECT_EQ(b.view(), "0123456789");
  EXPECT_EQ(a.size(), 0u);  // NOLINT: moved-from is empty
  EXPECT_EQ(a.fd(), -1);    // NOLINT
  Body c;
  c = std::move(b);
  EXPECT_EQ(c.str(), "0123456789");
  c.Clear();
  EXPECT_TRUE(c.empty());
  EXPECT_FALSE(c.spilled());
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);  // the file was closed
}

TEST(BodyTest, ASpillThatCannotBeWrittenIsAnError) {
  Body body(4, "/nonexistent-directory-for-crawl-test");
  EXPECT_TRUE(body.Append("abc"));
  EXPECT_FALSE(body.Append("defgh"));
  EXPECT_NE(body.error().find("/nonexistent-directory-for-crawl-test"),
            std::string::npos)
      << body.error();
  EXPECT_FALSE(body.Append("x"));  // stays failed
}

TEST(ResponseTest, HeaderLookupIgnoresCase) {
  Response r;
  r.headers.push_back({"Content-Type", "text/html"});
  r.headers.push_back({"x-thing", "1"});
  r.headers.push_back({"X-Thing", "2"});
  ASSERT_NE(r.Header("content-type"), nullptr);
  EXPECT_EQ(*r.Header("CONTENT-TYPE"), "text/html");
  EXPECT_EQ(*r.Header("X-THING"), "1");  // the first
  EXPECT_EQ(r.Header("missing"), nullptr);
}

}  // namespace
}  // namespace crawl
