// Encoding sniffing (WHATWG HTML "determining the character encoding") and
// the iconv transcoder.
#include "html/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace crawl {
namespace {

std::string Name(std::string_view content_type, std::string_view body) {
  return SniffEncoding(content_type, body).name;
}

TEST(EncodingLabels, WhatwgLabelsAndAliases) {
  EXPECT_STREQ(EncodingForLabel("latin1")->name, "windows-1252");
  EXPECT_STREQ(EncodingForLabel(" ISO-8859-1 ")->name, "windows-1252");
  EXPECT_STREQ(EncodingForLabel("us-ascii")->name, "windows-1252");
  EXPECT_STREQ(EncodingForLabel("sjis")->name, "Shift_JIS");
  EXPECT_STREQ(EncodingForLabel("Windows-31J")->name, "Shift_JIS");
  EXPECT_STREQ(EncodingForLabel("cp1251")->name, "windows-1251");
  EXPECT_STREQ(EncodingForLabel("gb2312")->name, "GBK");
  EXPECT_STREQ(EncodingForLabel("utf8")->name, "UTF-8");
  EXPECT_STREQ(EncodingForLabel("iso-8859-9")->name, "windows-1254");
  EXPECT_EQ(EncodingForLabel("klingon"), nullptr);
  EXPECT_EQ(EncodingForLabel(""), nullptr);
}

TEST(EncodingSniffing, InOrderBomCharsetMetaThenContent) {
  const std::string meta = "<meta charset=windows-1251><p>\xE9";
  EXPECT_EQ(Name("text/html; charset=Shift_JIS", "\xEF\xBB\xBF" + meta), "UTF-8")
      << "the BOM wins";
  EXPECT_EQ(Name("text/html", "\xFF\xFEh\0"), "UTF-16LE");
  EXPECT_EQ(Name("text/html; charset=\"Shift_JIS\"", meta), "Shift_JIS")
      << "then the header";
  EXPECT_EQ(Name("text/html; charset=bogus", meta), "windows-1251")
      << "an unknown label is ignored";
  EXPECT_EQ(Name("text/html", meta), "windows-1251") << "then <meta charset>";
  EXPECT_EQ(Name("", "<meta http-equiv=Content-Type "
                     "content='text/html; charset = koi8-r'>"),
            "KOI8-R");
  EXPECT_EQ(Name("", "<meta content=\"text/html;charset=euc-jp\" "
                     "http-equiv=\"content-type\">"),
            "EUC-JP");
  EXPECT_EQ(Name("", "<meta charset=utf-16>"), "UTF-8")
      << "ASCII bytes that say UTF-16 are not";
  EXPECT_EQ(Name("", std::string(1100, ' ') + "<meta charset=koi8-r>\xE9"),
            "windows-1252")
      << "only the first 1024 bytes are prescanned";
  EXPECT_EQ(Name("", "<!-- <meta charset=koi8-r> --><p>"), "UTF-8")
      << "not in a comment";
  EXPECT_EQ(Name("text/html", "caf\xC3\xA9"), "UTF-8") << "valid UTF-8";
  EXPECT_EQ(Name("text/html", "caf\xE9"), "windows-1252") << "else windows-1252";
  // Cut at the size cap inside a character: still UTF-8; not cut, the same
  // bytes are not.
  EXPECT_STREQ(SniffEncoding("text/html", "caf\xC3\xA9 caf\xC3", true).name, "UTF-8");
  EXPECT_STREQ(SniffEncoding("text/html", "\xE2\x82\xAC \xE2\x82", true).name, "UTF-8");
  EXPECT_STREQ(SniffEncoding("text/html", "caf\xC3\xA9 caf\xC3", false).name,
               "windows-1252");
  EXPECT_STREQ(SniffEncoding("text/html", "caf\xE9 x", true).name, "windows-1252")
      << "only the very end may be cut";
}

TEST(Transcoder, ToUtf8) {
  std::string out;
  Transcoder(*EncodingForLabel("latin1")).ToUtf8("caf\xE9 \x80 \x81", out);
  EXPECT_EQ(out, "caf\xC3\xA9 \xE2\x82\xAC \xC2\x81")
      << "windows-1252, with WHATWG's C1 bytes";
  out.clear();
  Transcoder(*EncodingForLabel("shift_jis")).ToUtf8("\x93\xFA\x96\x7B", out);
  EXPECT_EQ(out, "\xE6\x97\xA5\xE6\x9C\xAC");
  out.clear();
  Transcoder(*EncodingForLabel("shift_jis")).ToUtf8("a\x93", out);
  EXPECT_EQ(out, "a\xEF\xBF\xBD") << "a cut sequence";
}

TEST(Transcoder, FromUtf8ReplacesWhatTheEncodingLacks) {
  std::string out;
  Transcoder(*EncodingForLabel("windows-1251"))
      .FromUtf8("\xD0\xBF \xE2\x98\x83 \xFF", out);
  EXPECT_EQ(out, "\xEF &#9731; &#65533;");
  out.clear();
  Transcoder(*EncodingForLabel("utf-8")).FromUtf8("\xE2\x98\x83", out);
  EXPECT_EQ(out, "\xE2\x98\x83");
}

}  // namespace
}  // namespace crawl
