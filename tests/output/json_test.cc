#include "output/json.h"

#include <gtest/gtest.h>

#include "output/jsonl_sink.h"

namespace crawl {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(JsonString, EscapesWhatJsonRequires) {
  EXPECT_EQ(Json("plain"), "\"plain\"");
  EXPECT_EQ(Json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
  EXPECT_EQ(Json(std::string_view("\x00\x01\x1f\x7f", 4)),
            "\"\\u0000\\u0001\\u001f\\u007f\"");
}

TEST(JsonString, KeepsValidUtf8) {
  EXPECT_EQ(Json("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonString, ReplacesInvalidUtf8) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Json("\xFF"), "\"" + fffd + "\"");
  EXPECT_EQ(Json("a\xC3"), "\"a" + fffd + "\"") << "truncated sequence";
  EXPECT_EQ(Json("\xC0\xAF"), "\"" + fffd + fffd + "\"") << "overlong";
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"")
      << "surrogate";
  EXPECT_EQ(Json("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"")
      << "above U+10FFFF";
}

TEST(JsonRecord, Fields) {
  PageRecord r;
  r.url = "http://a/";
  r.depth = 2;
  r.parent = "http://p/";
  r.result = FetchResult::Fetched({"http://x/", "http://y/\""});
  std::string out;
  AppendJsonRecord(out, r, false);
  EXPECT_EQ(out,
            "{\"url\":\"http://a/\",\"depth\":2,\"parent\":\"http://p/\","
            "\"outcome\":\"fetched\",\"links\":2}\n");
  out.clear();
  AppendJsonRecord(out, r, true);
  EXPECT_NE(out.find(",\"link_urls\":[\"http://x/\",\"http://y/\\\"\"]"),
            std::string::npos)
      << out;
}

TEST(JsonRecord, SeedAndError) {
  PageRecord r;
  r.url = "http://a/";
  r.result = FetchResult::Error("exception", "bad \"thing\"");
  std::string out;
  AppendJsonRecord(out, r, false);
  EXPECT_EQ(out,
            "{\"url\":\"http://a/\",\"depth\":0,\"parent\":null,"
            "\"outcome\":\"error\",\"links\":0,\"error\":{\"kind\":"
            "\"exception\",\"message\":\"bad \\\"thing\\\"\"}}\n");
}

TEST(JsonlSink, ReportsWriteErrors) {
  std::FILE* full = std::fopen("/dev/full", "w");
  ASSERT_NE(full, nullptr);
  {
    JsonlSink sink(full, "/dev/full");
    PageRecord r;
    r.url = "http://a/";
    r.result = FetchResult::NotFound();
    sink.OnRecord(r);
    sink.Flush();
    EXPECT_FALSE(sink.status().ok());
    EXPECT_EQ(sink.status().code(), Status::Code::kIoError);
    EXPECT_NE(sink.status().message().find("/dev/full"), std::string::npos);
  }
  std::fclose(full);
}

}  // namespace
}  // namespace crawl
