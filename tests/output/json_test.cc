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
  EXPECT_EQ(Json("\xE2\x82" "A"), "\"" + fffd + "A\"")
      << "a truncated sequence is one maximal subpart: one U+FFFD";
}

TEST(JsonRecord, Fields) {
  PageRecord r;
  r.url = "http://a/";
  r.depth = 2;
  r.parent = "http://p/";
  r.result = FetchResult::Fetched({"http://x/", "http://y/\""});
  r.result.http_status = 200;
  r.result.content_type = "text/html";
  r.result.bytes = 1234;
  r.result.fetch_ms = 12.34;
  r.result.fetched_at = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(1795000000123));
  std::string out;
  AppendJsonRecord(out, r, JsonlFields{});
  EXPECT_EQ(out,
            "{\"url\":\"http://a/\",\"final_url\":\"http://a/\","
            "\"outcome\":\"fetched\",\"status\":200,\"depth\":2,"
            "\"parent\":\"http://p/\",\"content_type\":\"text/html\","
            "\"bytes\":1234,\"truncated\":false,\"fetch_ms\":12.3,"
            "\"links\":2,\"nofollow\":null,\"redirect_to\":null,\"hops\":0,"
            "\"attempts\":1,"
            "\"error\":null,"
            "\"fetched_at\":\"2026-11-18T11:06:40.123Z\"}\n");
  out.clear();
  AppendJsonRecord(out, r, JsonlFields{.links = true});
  EXPECT_NE(out.find(",\"link_urls\":[\"http://x/\",\"http://y/\\\"\"]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(",\"nofollow_links\":[]"), std::string::npos) << out;
  r.result.nofollow = "meta";
  r.result.nofollow_links = {"http://x/"};
  out.clear();
  AppendJsonRecord(out, r, JsonlFields{.links = true});
  EXPECT_NE(out.find(",\"nofollow\":\"meta\","), std::string::npos) << out;
  EXPECT_NE(out.find(",\"nofollow_links\":[\"http://x/\"]"), std::string::npos)
      << out;
}

TEST(JsonRecord, SeedAndError) {
  PageRecord r;
  r.url = "http://a/";
  r.result = FetchResult::Error(ErrorKind::kException, "bad \"thing\"");
  std::string out;
  AppendJsonRecord(out, r, JsonlFields{});
  EXPECT_NE(out.find("\"parent\":null"), std::string::npos) << out;
  EXPECT_NE(out.find("\"status\":null"), std::string::npos) << out;
  EXPECT_NE(out.find("\"error\":{\"kind\":\"exception\",\"message\":"
                     "\"bad \\\"thing\\\"\"}"),
            std::string::npos)
      << out;
}

TEST(JsonRecord, RedirectFinalUrlIsTheTarget) {
  PageRecord r;
  r.url = "http://a/old";
  r.hops = 2;
  r.result = FetchResult::Redirect("http://a/new");
  r.result.http_status = 301;
  std::string out;
  AppendJsonRecord(out, r, JsonlFields{});
  EXPECT_NE(out.find("\"final_url\":\"http://a/new\""), std::string::npos);
  EXPECT_NE(out.find("\"redirect_to\":\"http://a/new\""), std::string::npos);
  EXPECT_NE(out.find("\"outcome\":\"redirect\""), std::string::npos);
  EXPECT_NE(out.find("\"hops\":2"), std::string::npos);
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
