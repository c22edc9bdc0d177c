// ExtractPageText (include/crawl/html.h): title and reader's text.
#include "crawl/html.h"

#include <gtest/gtest.h>

#include <string>

namespace crawl {
namespace {

TEST(PageText, TitleAndTextWithLinesPerBlock) {
  PageText p = ExtractPageText(
      "<!doctype html><html><head><title>  The\n  Title </title>"
      "<meta charset=utf-8><style>body{color:red}</style>"
      "<script>var x = '<p>no</p>';</script></head>"
      "<body><h1>Heading</h1><p>First   para\n with <b>bold</b> and"
      " <a href=/x>a link</a>.</p><div>Second<br>line</div>"
      "<ul><li>one<li>two</ul><!-- hidden comment -->"
      "<noscript>enable js</noscript><template><p>tpl</p></template>"
      "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
      "tail</body></html>");
  EXPECT_EQ(p.title, "The Title");
  EXPECT_EQ(p.text,
            "Heading\nFirst para with bold and a link.\nSecond\nline\n"
            "one\ntwo\na b\nc\ntail");
}

TEST(PageText, CharacterReferencesAreDecodedAndMarkupInTextIsText) {
  PageText p = ExtractPageText(
      "<title>Fish &amp; Chips &#x263A;</title><p>5 &lt; 6 &copy; caf&eacute;"
      " &notanentity; AT&T</p><textarea><b>raw</b></textarea>");
  EXPECT_EQ(p.title, "Fish & Chips \u263A");
  // "&not" is one of the legacy references a browser decodes without ';'.
  EXPECT_EQ(p.text, "5 < 6 \u00A9 caf\u00E9 \u00ACanentity; AT&T\n<b>raw</b>");
}

TEST(PageText, TheEncodingComesFromTheContentTypeOrAMetaCharset) {
  // "café" in windows-1252.
  EXPECT_EQ(ExtractPageText("<p>caf\xE9</p>", "text/html; charset=iso-8859-1").text,
            "caf\u00E9");
  EXPECT_EQ(ExtractPageText("<meta charset=windows-1252><p>caf\xE9</p>").text,
            "caf\u00E9");
  // Shift_JIS "日本" (0x93FA 0x967B).
  EXPECT_EQ(ExtractPageText("<meta charset=shift_jis><title>\x93\xFA\x96\x7B</title>").title,
            "\u65E5\u672C");
  // Invalid UTF-8 without a charset: windows-1252, as a browser sniffs it.
  EXPECT_EQ(ExtractPageText("<p>\xFF</p>").text, "\u00FF");
  // Declared UTF-8 but invalid: U+FFFD, never invalid output.
  EXPECT_EQ(ExtractPageText("<p>a\xFF" "b</p>", "text/html; charset=utf-8").text,
            "a\uFFFDb");
}

TEST(PageText, TheFirstHtmlTitleIsThePagesTitle) {
  PageText p = ExtractPageText(
      "<body><svg><title>svg title</title></svg><p>x</p><title>real</title>"
      "<title>second</title></body>");
  EXPECT_EQ(p.title, "real");
  EXPECT_EQ(p.text.find("second"), std::string::npos);
  EXPECT_EQ(ExtractPageText("<p>no title</p>").title, "");
}

TEST(PageText, BrokenMarkupReadsAsABrowserReadsIt) {
  EXPECT_EQ(ExtractPageText("<p>one<p>two<div>three").text, "one\ntwo\nthree");
  EXPECT_EQ(ExtractPageText("<b><i>mis</b>nested</i> text").text, "misnested text");
  EXPECT_EQ(ExtractPageText("").text, "");
  EXPECT_EQ(ExtractPageText("<").text, "<");
  EXPECT_EQ(ExtractPageText("<script>never closed").text, "");
  EXPECT_EQ(ExtractPageText(std::string("a\0b", 3)).text, "ab")
      << "NUL in text is dropped, as the tree builder does";
}

TEST(PageText, DeepNestingAndLargeInputsAreBounded) {
  std::string deep;
  for (int i = 0; i < 200'000; ++i) deep += "<div><span>";
  deep += "bottom";
  PageText p = ExtractPageText(deep);
  EXPECT_NE(p.text.find("bottom"), std::string::npos);

  std::string big = "<p>" + std::string(1 << 20, 'x') + "</p><p>after</p>";
  PageText cut = ExtractPageText(big, {}, 1000);
  EXPECT_EQ(cut.text, std::string(997, 'x')) << "only max_bytes are read";
}

}  // namespace
}  // namespace crawl
