// Tests of attribute-value decoding (src/html/char_ref.h): named references
// (longest match, the "in an attribute" rule, legacy names without ';',
// two-code-point names), numeric references and their replacements,
// newline normalization, NUL.
#include "html/char_ref.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace crawl {
namespace {

using namespace std::string_literals;

std::string Decode(std::string_view raw) {
  std::string out = "[";  // appends, never replaces
  AppendDecodedAttributeValue(raw, out);
  return out.substr(1);
}

TEST(CharRefTest, PlainValuesUnchanged) {
  EXPECT_EQ(Decode(""), "");
  EXPECT_EQ(Decode("/a/b?c=d#e"), "/a/b?c=d#e");
  EXPECT_EQ(Decode("caf\xC3\xA9 \xFF"), "caf\xC3\xA9 \xFF");
  EXPECT_FALSE(NeedsAttributeDecoding("/a/b?c=d#e \xFF\n"));
  EXPECT_TRUE(NeedsAttributeDecoding("a&b"));
  EXPECT_TRUE(NeedsAttributeDecoding("a\rb"));
  EXPECT_TRUE(NeedsAttributeDecoding("a\0b"s));
}

TEST(CharRefTest, NamedReferences) {
  EXPECT_EQ(Decode("a&amp;b&lt;&gt;&quot;&apos;"), "a&b<>\"'");
  EXPECT_EQ(Decode("&eacute;&Eacute;"), "\xC3\xA9\xC3\x89");
  EXPECT_EQ(Decode("&CounterClockwiseContourIntegral;"), "\xE2\x88\xB3");
  EXPECT_EQ(Decode("&notin;&rarr;&hellip;"), "\xE2\x88\x89\xE2\x86\x92\xE2\x80\xA6");
  // Names with two code points.
  EXPECT_EQ(Decode("&acE;"), "\xE2\x88\xBE\xCC\xB3");
  EXPECT_EQ(Decode("&nGt;"), "\xE2\x89\xAB\xE2\x83\x92");
  // Case matters.
  EXPECT_EQ(Decode("&Amp;&AMP;"), "&Amp;&");
}

TEST(CharRefTest, LegacyNamesWithoutSemicolon) {
  // The legacy names decode without ';' when what follows is not '=' or an
  // alphanumeric; other names need their ';'.
  EXPECT_EQ(Decode("&amp &lt&gt,&copy.&nbsp/&AElig"),
            "& <>,\xC2\xA9.\xC2\xA0/\xC3\x86");
  EXPECT_EQ(Decode("&not"), "\xC2\xAC");
  EXPECT_EQ(Decode("&rarr &hellip x&mdash"), "&rarr &hellip x&mdash");
}

TEST(CharRefTest, InAttributeFollowedByEqualsOrAlphanumeric) {
  EXPECT_EQ(Decode("?a=1&copy=2"), "?a=1&copy=2");
  EXPECT_EQ(Decode("?a=1&ampx=2&amp1"), "?a=1&ampx=2&amp1");
  EXPECT_EQ(Decode("?a=1&amp-x"), "?a=1&-x");
  EXPECT_EQ(Decode("&copy;=&amp;x"), "\xC2\xA9=&x");
  // The longest match is "not"; 'i' follows.
  EXPECT_EQ(Decode("&notit;"), "&notit;");
  EXPECT_EQ(Decode("&notin"), "&notin");
  EXPECT_EQ(Decode("&noti"), "&noti");
  EXPECT_EQ(Decode("&copysr"), "&copysr");
  EXPECT_EQ(Decode("&lti"), "&lti");
}

TEST(CharRefTest, NoMatch) {
  EXPECT_EQ(Decode("&"), "&");
  EXPECT_EQ(Decode("&&"), "&&");
  EXPECT_EQ(Decode("& x"), "& x");
  EXPECT_EQ(Decode("&;"), "&;");
  EXPECT_EQ(Decode("&zzz;"), "&zzz;");
  EXPECT_EQ(Decode("&lang"), "&lang");
  EXPECT_EQ(Decode("&\xC3\xA9;"), "&\xC3\xA9;");
}

TEST(CharRefTest, NumericReferences) {
  EXPECT_EQ(Decode("&#65;&#x41;&#X41&#0065x"), "AAAAx");
  EXPECT_EQ(Decode("&#x10FFFF;"), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(Decode("&#128512;"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(Decode("&#x0000000041;"), "A");
  // Without digits: as written.
  EXPECT_EQ(Decode("&#"), "&#");
  EXPECT_EQ(Decode("&#;"), "&#;");
  EXPECT_EQ(Decode("&#x"), "&#x");
  EXPECT_EQ(Decode("&#x;"), "&#x;");
  EXPECT_EQ(Decode("&#xg"), "&#xg");
  EXPECT_EQ(Decode("&#a"), "&#a");
}

TEST(CharRefTest, NumericReplacements) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Decode("&#0;"), fffd);
  EXPECT_EQ(Decode("&#xD800;&#xDFFF;"), fffd + fffd);
  EXPECT_EQ(Decode("&#x110000;"), fffd);
  EXPECT_EQ(Decode("&#99999999999999999999999;"), fffd);
  EXPECT_EQ(Decode("&#xFFFFFFFFFFFFFFFFFF;"), fffd);
  // windows-1252 for 0x80-0x9F; the five it leaves undefined stay.
  EXPECT_EQ(Decode("&#x80;&#x9F;&#150;"), "\xE2\x82\xAC\xC5\xB8\xE2\x80\x93");
  EXPECT_EQ(Decode("&#x81;&#x8D;&#x8F;&#x90;&#x9D;"),
            "\xC2\x81\xC2\x8D\xC2\x8F\xC2\x90\xC2\x9D");
  // Other controls and noncharacters are kept (parse errors only).
  EXPECT_EQ(Decode("&#1;&#x7F;&#13;&#xFFFE;"), "\x01\x7F\r\xEF\xBF\xBE");
}

TEST(CharRefTest, NewlinesAndNul) {
  EXPECT_EQ(Decode("a\r\nb\rc\n\rd\r\r\ne"), "a\nb\nc\n\nd\n\ne");
  EXPECT_EQ(Decode("\r"), "\n");
  EXPECT_EQ(Decode("a\r&amp;\nb"), "a\n&\nb");
  EXPECT_EQ(Decode("&#13;\n"), "\r\n");
  EXPECT_EQ(Decode("a\0b\0"s), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(Decode("&am\0p;"s), "&am\xEF\xBF\xBDp;");
}

TEST(CharRefTest, InvalidUtf8CopiedDecodedValid) {
  // A reference never completes a truncated sequence before it.
  EXPECT_EQ(Decode("\xC3&#xA9;"), "\xC3\xC2\xA9");
  EXPECT_EQ(Decode("\xFF&amp;\xFE"), "\xFF&\xFE");
}

}  // namespace
}  // namespace crawl
