// Tests of the tokenizer itself (src/html/tokenizer.h): tag classification,
// which start tags reach the handler, and their raw attributes. What the
// tokenizer hides (comments, raw text, script escapes) is tested through
// ExtractLinks in links_test.cc and against myhtml in links_diff_test.cc.
#include "html/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl {
namespace {

using namespace std::literals;

struct Tag {
  HtmlTag tag;
  std::vector<std::pair<std::string, std::string>> attributes;
  bool operator==(const Tag&) const = default;
};

class Recorder : public HtmlTagHandler {
 public:
  void OnStartTag(HtmlTag tag,
                  const std::vector<HtmlAttribute>& attributes) override {
    Tag& t = tags.emplace_back();
    t.tag = tag;
    for (const HtmlAttribute& a : attributes) {
      t.attributes.emplace_back(a.name, a.value);
    }
  }
  std::vector<Tag> tags;
};

constexpr std::uint32_t kA = HtmlTagBit(HtmlTag::kA);

std::vector<Tag> Tokenize(std::string_view html, std::uint32_t wanted = kA) {
  Recorder recorder;
  TokenizeHtml(html, wanted, recorder);
  return recorder.tags;
}

TEST(TokenizerTest, ClassifyTagName) {
  EXPECT_EQ(ClassifyTagName("a"), HtmlTag::kA);
  EXPECT_EQ(ClassifyTagName("A"), HtmlTag::kA);
  EXPECT_EQ(ClassifyTagName("AREA"), HtmlTag::kArea);
  EXPECT_EQ(ClassifyTagName("iFrame"), HtmlTag::kIframe);
  EXPECT_EQ(ClassifyTagName("PlainText"), HtmlTag::kPlaintext);
  EXPECT_EQ(ClassifyTagName("noframes"), HtmlTag::kNoframes);
  EXPECT_EQ(ClassifyTagName("xmp"), HtmlTag::kXmp);
  for (std::string_view other :
       {""sv, "ab"sv, "abbr"sv, "b"sv, "div"sv, "links"sv, "metas"sv,
        "scripts"sv, "titl"sv, "a\0"sv, "\xC3\xA1"sv, "s\xC4\xB1tle"sv}) {
    EXPECT_EQ(ClassifyTagName(other), HtmlTag::kOther) << other;
  }
}

TEST(TokenizerTest, RawAttributesInOrder) {
  const std::vector<Tag> tags = Tokenize(
      "<a HREF=\"x&amp;y\" b c=d e='f' =g h\0i=j/ k = \"l\"m=n/>"s);
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].tag, HtmlTag::kA);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"HREF", "x&amp;y"}, {"b", ""},    {"c", "d"}, {"e", "f"},
      {"=g", ""},          {"h\0i"s, "j/"}, {"k", "l"}, {"m", "n/"}};
  EXPECT_EQ(tags[0].attributes, want);
}

TEST(TokenizerTest, DuplicatesKeptForTheHandler) {
  const std::vector<Tag> tags = Tokenize("<a x=1 X=2 x=3>");
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].attributes.size(), 3u);
}

TEST(TokenizerTest, OnlyWantedCompleteStartTags) {
  EXPECT_EQ(Tokenize("<b><a>x</a></b><area><A>").size(), 2u);
  EXPECT_EQ(Tokenize("<b><a>x</a><area>",
                     kA | HtmlTagBit(HtmlTag::kArea)).size(), 2u);
  EXPECT_EQ(Tokenize("<a>", 0).size(), 0u);
  EXPECT_EQ(Tokenize("<a>", HtmlTagBit(HtmlTag::kOther)).size(), 0u);
  EXPECT_EQ(Tokenize("<a x='1'").size(), 0u);  // cut by the end
  EXPECT_EQ(Tokenize("</a>").size(), 0u);
}

TEST(TokenizerTest, TextStates) {
  EXPECT_EQ(Tokenize("<title><a></TITLE ><a x=1>").size(), 1u);
  EXPECT_EQ(Tokenize("<script><!--<script></script><a>--></script><a>").size(),
            1u);
  EXPECT_EQ(Tokenize("<plaintext><a>").size(), 0u);
  // The text state's own tag is reported first when wanted.
  EXPECT_EQ(Tokenize("<iframe src=x><a></iframe>",
                     HtmlTagBit(HtmlTag::kIframe) | kA).size(), 1u);
}

}  // namespace
}  // namespace crawl
