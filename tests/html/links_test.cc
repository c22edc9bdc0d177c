// Tests of ExtractLinks and LooksLikeHtml (src/html/links.h): which elements
// and attributes give links, what HTML5 tokenization hides (comments, raw
// text, RCDATA), attribute-value decoding, filtering, limits, malformed input
// and concurrent use.
#include "html/links.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace crawl {
namespace {

using namespace std::string_literals;

using Links = std::vector<std::string>;

Links Hrefs(std::string_view html) { return ExtractLinks(html).hrefs; }

// --- Which elements give links ----------------------------------------------

TEST(ExtractLinksTest, AnchorHref) {
  EXPECT_EQ(Hrefs(R"(<p><a href="/a">A</a></p>)"), Links({"/a"}));
  EXPECT_EQ(Hrefs("<a name=top>x</a><a>y</a><a title=/t>"), Links{});
}

TEST(ExtractLinksTest, AreaHref) {
  EXPECT_EQ(Hrefs(R"(<map><area shape=rect href="/area"></map>)"),
            Links({"/area"}));
  EXPECT_EQ(Hrefs(R"(<map><area alt="/no" src="/no"></map>)"), Links{});
}

TEST(ExtractLinksTest, IframeAndFrameSrc) {
  EXPECT_EQ(Hrefs(R"(<iframe src="/if"></iframe><frameset>)"
                  R"(<frame src="/fr"></frameset>)"),
            Links({"/if", "/fr"}));
  EXPECT_EQ(Hrefs(R"(<iframe href="/if"></iframe><frame href="/fr">)"),
            Links{});
}

TEST(ExtractLinksTest, OtherElementsAndAttributesGiveNothing) {
  EXPECT_EQ(Hrefs(R"(<img src="/i.png"><script src="/s.js"></script>)"
                  R"(<form action="/f"></form><embed src="/e">)"
                  R"(<div href="/d"></div><a src="/a" data-href="/b">)"
                  R"(<link href="/l.css">)"),
            Links{});
}

TEST(ExtractLinksTest, LinkWithPageRel) {
  EXPECT_EQ(Hrefs(R"(<link rel="alternate" href="/alt">)"
                  R"(<link rel=next href="/next">)"
                  R"(<link rel='prev' href='/prev'>)"
                  R"(<link rel="  NoFollow   NEXT " href="/n2">)"
                  R"(<LINK REL="Alternate" hreflang=fr HREF="/fr">)"),
            Links({"/alt", "/next", "/prev", "/n2", "/fr"}));
}

TEST(ExtractLinksTest, LinkWithOtherRel) {
  EXPECT_EQ(Hrefs(R"(<link rel="stylesheet" href="/s.css">)"
                  R"(<link rel="icon" href="/i.ico">)"
                  R"(<link rel="shortcut icon" href="/i2.ico">)"
                  R"(<link rel="preload" href="/p.js">)"
                  R"(<link rel="alternate stylesheet" href="/alt.css">)"
                  R"(<link rel="Alternate ICON" href="/alt.png">)"
                  R"(<link rel="nextpage" href="/np">)"
                  R"(<link rel="prev-ish" href="/pi">)"
                  R"(<link href="/norel">)"
                  R"(<link rel="next">)"),
            Links{});
}

TEST(ExtractLinksTest, MetaRefresh) {
  EXPECT_EQ(
      Hrefs(R"(<meta http-equiv="refresh" content="5; url=/next">)"
            R"(<META HTTP-EQUIV="REFRESH" CONTENT="0;URL='/quoted'">)"
            R"(<meta http-equiv=Refresh content='0; url="/dq" rest'>)"
            R"(<meta http-equiv="refresh" content="  3 ,  URL  =  /spaces ">)"
            R"(<meta http-equiv="refresh" content="0; /bare">)"
            R"(<meta http-equiv="refresh" content=".5;url=/dot">)"
            R"(<meta http-equiv="refresh" content="1.5 uRl=/ws">)"
            R"(<meta http-equiv="refresh" content="0;url=/a?b=1&amp;c=2">)"
            R"(<meta content="0; url=/order" http-equiv="refresh">)"),
      Links({"/next", "/quoted", "/dq", "/spaces", "/bare", "/dot", "/ws",
             "/a?b=1&c=2", "/order"}));
}

TEST(ExtractLinksTest, MetaRefreshWithoutUrlOrMalformed) {
  EXPECT_EQ(
      Hrefs(R"(<meta http-equiv="refresh" content="5">)"
            R"(<meta http-equiv="refresh" content="5; ">)"
            R"(<meta http-equiv="refresh" content="x; url=/bad">)"
            R"(<meta http-equiv="refresh" content="5x;url=/bad2">)"
            R"(<meta http-equiv="refresh" content="0; url=''">)"
            R"x(<meta http-equiv="refresh" content="0; url=javascript:x()">)x"
            R"(<meta http-equiv="refresh">)"
            R"(<meta name="refresh" content="0; url=/name">)"
            R"(<meta http-equiv="content-type" content="0; url=/ct">)"
            R"(<meta http-equiv="refreshx" content="0; url=/rx">)"),
      Links{});
}

TEST(ExtractLinksTest, FirstBaseOnly) {
  const HtmlLinks links = ExtractLinks(
      R"(<head><base target="_blank"><base href=" http://x/a&amp;b/ ">)"
      R"(<base href="/second/"></head><a href="c">)");
  EXPECT_TRUE(links.has_base);
  EXPECT_EQ(links.base_href, "http://x/a&b/");
  EXPECT_EQ(links.hrefs, Links({"c"}));
}

TEST(ExtractLinksTest, NoBase) {
  const HtmlLinks links = ExtractLinks(R"(<base target="_top"><a href="/x">)");
  EXPECT_FALSE(links.has_base);
  EXPECT_EQ(links.base_href, "");
  EXPECT_EQ(links.hrefs, Links({"/x"}));
}

TEST(ExtractLinksTest, EmptyBaseHrefIsStillTheFirstBase) {
  const HtmlLinks links = ExtractLinks(R"(<base href=""><base href="/b/">)");
  EXPECT_TRUE(links.has_base);
  EXPECT_EQ(links.base_href, "");
}

TEST(ExtractLinksTest, DocumentOrder) {
  EXPECT_EQ(Hrefs(R"(<link rel=next href=1><a href=2><iframe src=3></iframe>)"
                  R"(<meta http-equiv=refresh content="0;url=4"><area href=5>)"
                  R"(<frame src=6><a href=7>)"),
            Links({"1", "2", "3", "4", "5", "6", "7"}));
}

// --- What HTML5 tokenization hides ------------------------------------------

TEST(ExtractLinksTest, NothingFromComments) {
  EXPECT_EQ(Hrefs("<!-- <a href=/c> --><a href=/after>"), Links({"/after"}));
  EXPECT_EQ(Hrefs("<!-- a -- <a href=/c2> -- --><a href=/after2>"),
            Links({"/after2"}));
  // Bogus comments end at the first '>'.
  EXPECT_EQ(Hrefs("<? <a href=/q> ?><a href=/after3>"), Links({"/after3"}));
  // Unterminated: the rest of the document is a comment.
  EXPECT_EQ(Hrefs("<a href=/before><!-- <a href=/c3>"), Links({"/before"}));
}

TEST(ExtractLinksTest, CommentEndsAsHtml5Says) {
  // "<!-->" and "<!--->" are complete (empty) comments; "--!>" ends one.
  EXPECT_EQ(Hrefs("<!--><a href=/1><!---><a href=/2><!--x--!><a href=/3>"),
            Links({"/1", "/2", "/3"}));
}

TEST(ExtractLinksTest, NothingFromScript) {
  EXPECT_EQ(Hrefs(R"(<script>document.write('<a href="/x">')</script>)"
                  R"(<a href="/after">)"),
            Links({"/after"}));
  EXPECT_EQ(Hrefs(R"(<SCRIPT type="text/template"><a href=/t></SCRIPT >)"
                  R"(<a href=/after2>)"),
            Links({"/after2"}));
  // Only "</script" followed by whitespace, '/' or '>' ends the script.
  EXPECT_EQ(Hrefs("<script></scriptx><a href=/in></script><a href=/out>"),
            Links({"/out"}));
  // Script data escaped and double-escaped states.
  EXPECT_EQ(Hrefs("<script><!--<script></script><a href=/e1></script>"
                  "<a href=/e2>"),
            Links({"/e2"}));
}

TEST(ExtractLinksTest, NothingFromStyle) {
  EXPECT_EQ(Hrefs(R"(<style>a[href="/x"]{}<a href="/s"></style>)"
                  R"(<a href="/after">)"),
            Links({"/after"}));
}

TEST(ExtractLinksTest, NothingFromTitle) {
  EXPECT_EQ(Hrefs("<title><a href=/t></title><a href=/after>"),
            Links({"/after"}));
  EXPECT_EQ(Hrefs("<TITLE>x</Title ><a href=/after2>"), Links({"/after2"}));
}

TEST(ExtractLinksTest, NothingFromTextarea) {
  EXPECT_EQ(Hrefs("<textarea><a href=/ta></textarea><a href=/after>"),
            Links({"/after"}));
}

TEST(ExtractLinksTest, NothingFromOtherRawTextElements) {
  EXPECT_EQ(Hrefs("<xmp><a href=/x></xmp><noembed><a href=/ne></noembed>"
                  "<noframes><a href=/nf></noframes>"
                  "<iframe><a href=/if></iframe><a href=/after>"),
            Links({"/after"}));
  EXPECT_EQ(Hrefs("<a href=/before><plaintext></plaintext><a href=/p>"),
            Links({"/before"}));
}

TEST(ExtractLinksTest, UnclosedRawTextHidesTheRest) {
  EXPECT_EQ(Hrefs("<a href=/1><script><a href=/2>"), Links({"/1"}));
  EXPECT_EQ(Hrefs("<a href=/1><title><a href=/2>"), Links({"/1"}));
}

TEST(ExtractLinksTest, CdataInHtmlContentIsABogusComment) {
  // Also a regression test: myhtml without a tree crashes on "<![CDATA["
  // after another token unless guarded.
  EXPECT_EQ(Hrefs("<p><![CDATA[<a href=/in>]]><a href=/after>"),
            Links({"/after"}));
  EXPECT_EQ(Hrefs("<![CDATA[x]]><a href=/1><![CDATA[<![CDATA[><a href=/2>"),
            Links({"/1", "/2"}));
  // Attribute values are taken from the original bytes.
  EXPECT_EQ(Hrefs(R"(<p><![CDATA[><a href="/x<![CDATA[y">)"),
            Links({"/x<![CDATA[y"}));
  // Lower case is not a CDATA opener: a bogus comment all the same.
  EXPECT_EQ(Hrefs("<p><![cdata[<a href=/in>]]><a href=/after>"),
            Links({"/after"}));
}

TEST(ExtractLinksTest, NoscriptIsMarkup) {
  // Scripting is off for a crawler: <noscript> content is parsed.
  EXPECT_EQ(Hrefs("<noscript><a href=/ns></noscript>"), Links({"/ns"}));
}

// --- Attribute values
// ---------------------------------------------------------

TEST(ExtractLinksTest, CharacterReferencesDecoded) {
  EXPECT_EQ(
      Hrefs(R"(<a href="/a?x=1&amp;y=2&lt;&gt;">)"
            R"(<a href="&#47;slash&#x2F;hex&#X2f;">)"
            R"(<a href="/caf&eacute;">)"
            R"(<a href="/a&amp/b">)"
            R"(<a href=/q&quot;>)"),
      Links({"/a?x=1&y=2<>", "/slash/hex/", "/caf\xC3\xA9", "/a&/b", "/q\""}));
}

TEST(ExtractLinksTest, LegacyReferencesWithoutSemicolonInAttributes) {
  // In attributes, a named reference without ';' followed by an alphanumeric
  // or '=' is left alone (HTML5), so query strings survive.
  EXPECT_EQ(Hrefs(R"(<a href="/a?x=1&ampy=2">)"
                  R"(<a href="/a?b&amp=1">)"
                  R"(<a href="/a?&copy=3&not">)"
                  R"(<a href="/a?&notit;">)"),
            Links({"/a?x=1&ampy=2", "/a?b&amp=1", "/a?&copy=3\xC2\xAC",
                   "/a?&notit;"}));
}

TEST(ExtractLinksTest, ReferenceCutByTheEndOfTheValue) {
  // The longest name that matches is "not", followed by 'i': left as
  // written, at the end of a value too (myhtml's decoder got this wrong).
  EXPECT_EQ(Hrefs(R"(<a href="/a?x&notin"><a href='/a?x&copysr'>)"),
            Links({"/a?x&notin", "/a?x&copysr"}));
  EXPECT_EQ(Hrefs(R"(<a href="/a?x&not"><a href="/a?&amp">)"),
            Links({"/a?x\xC2\xAC", "/a?&"}));
}

TEST(ExtractLinksTest, NewlinesNormalizedAroundReferences) {
  // CR LF and CR become LF; an LF after a reference stays (myhtml dropped
  // it after "\r&...").
  EXPECT_EQ(Hrefs("<a href=\"a\r\nb\rc\r&amp;\nd\">"),
            Links({"a\nb\nc\n&\nd"}));
}

TEST(ExtractLinksTest, NumericReferenceReplacements) {
  EXPECT_EQ(Hrefs(R"(<a href="/&#0;&#x80;&#xD800;&#1114112;">)"),
            Links({"/\xEF\xBF\xBD\xE2\x82\xAC\xEF\xBF\xBD\xEF\xBF\xBD"}));
}

TEST(ExtractLinksTest, QuotingAndCase) {
  EXPECT_EQ(Hrefs(R"(<a href=/unquoted><a href='/single'><a href="/double">)"
                  R"(<A HREF=/upper><a hReF = "/spaced" >)"),
            Links({"/unquoted", "/single", "/double", "/upper", "/spaced"}));
  EXPECT_EQ(Hrefs(R"(<a href='/x"y'><a href="/x'y">)"),
            Links({"/x\"y", "/x'y"}));
}

TEST(ExtractLinksTest, FirstOfDuplicateAttributesWins) {
  EXPECT_EQ(Hrefs("<a href=/1 href=/2><a HREF=/3 href=/4>"),
            Links({"/1", "/3"}));
  // The first is empty: the link is empty, not the second value.
  EXPECT_EQ(Hrefs(R"(<a href="" href="/2">)"), Links{});
  EXPECT_EQ(Hrefs(R"(<link rel=next rel=stylesheet href=/5>)"), Links({"/5"}));
}

TEST(ExtractLinksTest, NulBytes) {
  // U+0000 in an attribute value becomes U+FFFD.
  EXPECT_EQ(Hrefs("<a href=\"/a\0b\">\0<a href=/c\0>"s),
            Links({"/a\xEF\xBF\xBD"
                   "b",
                   "/c\xEF\xBF\xBD"}));
  // Not an <a> (tag name "a\uFFFD"), not an href attribute.
  EXPECT_EQ(Hrefs("<a\0 href=/n><a h\0ref=/m>"s), Links{});
}

TEST(ExtractLinksTest, InvalidUtf8ReplacedValidKept) {
  EXPECT_EQ(Hrefs("<a href=\"/\xFF\xC3(\"><a href=\"/caf\xC3\xA9\">"
                  "<a href=\"/\xED\xA0\x80\"><a href=\"/\xF0\x9F\x98\x80\">"
                  "<a href=\"/\xE2\x82\">"),
            Links({"/\xEF\xBF\xBD\xEF\xBF\xBD(", "/caf\xC3\xA9",
                   "/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", "/\xF0\x9F\x98\x80",
                   "/\xEF\xBF\xBD"}));
}

TEST(ExtractLinksTest, ValuesTrimmed) {
  EXPECT_EQ(Hrefs("<a href=\"  /x \n\t\"><a href='\f\r/y\r\n'>"
                  "<a href=\"/in side\">"),
            Links({"/x", "/y", "/in side"}));
}

TEST(ExtractLinksTest, EmptyValuesSkipped) {
  EXPECT_EQ(
      Hrefs("<a href=\"\"><a href><a href=\" \t\n\"><iframe src=''></iframe>"
            "<a href=/ok>"),
      Links({"/ok"}));
}

TEST(ExtractLinksTest, SkippedSchemes) {
  EXPECT_EQ(
      Hrefs(R"x(<a href="javascript:void(0)"><a href="JavaScript:go()">)x"
            R"x(<a href="  JavaScript:void(0)"><a href="java&#9;script:x">)x"
            R"(<a href="mailto:a@b.c"><a href="MAILTO:x"><a href="tel:+1">)"
            R"(<a href="data:text/html,hi"><a href="DATA:x">)"
            R"(<iframe src="javascript:''"></iframe>)"),
      Links{});
}

TEST(ExtractLinksTest, SchemeLookalikesKept) {
  EXPECT_EQ(
      Hrefs(R"(<a href="javascript-intro.html"><a href="/mailto:x">)"
            R"(<a href="tel.html"><a href="database.html">)"
            R"(<a href="data"><a href="http://x/javascript:">)"
            R"(<a href="telnet://h"><a href="?mailto:x">)"),
      Links({"javascript-intro.html", "/mailto:x", "tel.html", "database.html",
             "data", "http://x/javascript:", "telnet://h", "?mailto:x"}));
}

TEST(ExtractLinksTest, SvgXlinkHrefIgnored) {
  EXPECT_EQ(Hrefs(R"(<svg><a xlink:href="/svg"><text>x</text></a></svg>)"),
            Links{});
}

// --- Malformed input
// ----------------------------------------------------------

TEST(ExtractLinksTest, UnclosedTagsAndStrayEndTags) {
  EXPECT_EQ(Hrefs("<a href=/1><a href=/2><div><a href=/3></b></a></a>"
                  "</a href=/end></p>"),
            Links({"/1", "/2", "/3"}));
}

TEST(ExtractLinksTest, UnclosedQuoteRunsToTheNextQuote) {
  EXPECT_EQ(Hrefs(R"(<a href="/x><b>t</b><a href="/y">)"),
            Links({"/x><b>t</b><a href="}));
}

TEST(ExtractLinksTest, LessThanInsideValues) {
  EXPECT_EQ(Hrefs(R"(<a href="/a<b>c"><a href='<'><a href=/d<e>)"),
            Links({"/a<b>c", "<", "/d<e"}));
}

TEST(ExtractLinksTest, SloppyAttributeSyntax) {
  EXPECT_EQ(Hrefs(R"(<a href="/x"title=y><a/href=/s><a href=/t/>)"
                  R"(<a   href  =  /u  >)"),
            Links({"/x", "/s", "/t/", "/u"}));
}

TEST(ExtractLinksTest, TagCutByEndOfInputIsDropped) {
  EXPECT_EQ(Hrefs("<a href=/1><a href=/2"), Links({"/1"}));
  EXPECT_EQ(Hrefs(R"(<a href=/1><a href="/2")"), Links({"/1"}));
  EXPECT_EQ(Hrefs(R"(<a href=/1><a href="/2"/)"), Links({"/1"}));
  EXPECT_EQ(Hrefs(R"(<base href=/b)").size(), 0u);
  EXPECT_FALSE(ExtractLinks(R"(<base href=/b)").has_base);
}

TEST(ExtractLinksTest, EveryPrefixOfADocument) {
  const std::string doc =
      "<!DOCTYPE html><html><head><title>T <a href=/t></title>"
      "<base href=\"http://h/\"><link rel=next href=\"/n&amp;1\">"
      "<meta http-equiv=refresh content=\"9; url='/r'\">"
      "<style>a{}</style><script>x='<a href=/s>'</script></head>"
      "<body><!-- <a href=/c> --><a href='/a'>x</a><A HREF=/b>"
      "<iframe src=/i></iframe><textarea><a href=/ta></textarea>"
      "<area href=/ar></body></html>";
  const HtmlLinks full = ExtractLinks(doc);
  ASSERT_EQ(full.hrefs, Links({"/n&1", "/r", "/a", "/b", "/i", "/ar"}));
  ASSERT_TRUE(full.has_base);
  for (std::size_t n = 0; n <= doc.size(); ++n) {
    SCOPED_TRACE(n);
    const HtmlLinks part = ExtractLinks(std::string_view(doc).substr(0, n));
    // A prefix yields a prefix of the links: each link appears once its tag
    // is complete, never a truncated value.
    ASSERT_LE(part.hrefs.size(), full.hrefs.size());
    for (std::size_t i = 0; i < part.hrefs.size(); ++i) {
      ASSERT_EQ(part.hrefs[i], full.hrefs[i]);
    }
    if (part.has_base) {
      ASSERT_EQ(part.base_href, full.base_href);
    }
    ASSERT_EQ(part.dropped, 0u);
  }
  EXPECT_EQ(ExtractLinks(std::string_view(doc).substr(0, doc.size() - 1)).hrefs,
            Links({"/n&1", "/r", "/a", "/b", "/i", "/ar"}));
}

TEST(ExtractLinksTest, EmptyAndTinyInputs) {
  EXPECT_EQ(Hrefs(""), Links{});
  EXPECT_EQ(Hrefs(std::string_view()), Links{});
  EXPECT_EQ(Hrefs("<"), Links{});
  EXPECT_EQ(Hrefs("&"), Links{});
  EXPECT_EQ(Hrefs("\0"s), Links{});
  EXPECT_EQ(Hrefs("plain text, no markup"), Links{});
}

TEST(ExtractLinksTest, BinaryGarbageDoesNotCrash) {
  std::string bytes;
  unsigned state = 12345;
  for (int i = 0; i < 200000; ++i) {
    state = state * 1103515245u + 12345u;
    // Biased towards markup characters.
    const char markup[] = "<>/=\"'&;#! \naAhHrReEfF\0\xFF\xC3";
    const unsigned r = (state >> 16) & 0xFF;
    bytes.push_back(r < 160 ? markup[r % (sizeof(markup) - 1)]
                            : static_cast<char>(r));
  }
  const HtmlLinks links = ExtractLinks(bytes);
  for (const std::string& href : links.hrefs) EXPECT_FALSE(href.empty());
}

// --- Limits and reuse
// ---------------------------------------------------------

TEST(ExtractLinksTest, MaxLinksKeepsTheFirstAndCountsTheRest) {
  std::string page = "<html><body>";
  for (int i = 0; i < 100000; ++i) {
    page += "<a href=\"/p/" + std::to_string(i) + "\">" + std::to_string(i) +
            "</a>\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const HtmlLinks links = ExtractLinks(page, 10000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(links.hrefs.size(), 10000u);
  EXPECT_EQ(links.dropped, 90000u);
  EXPECT_EQ(links.hrefs.front(), "/p/0");
  EXPECT_EQ(links.hrefs.back(), "/p/9999");
  // Generous: a few milliseconds expected; catches quadratic behaviour.
  EXPECT_LT(elapsed, std::chrono::seconds(5));

  const HtmlLinks none = ExtractLinks(page, 0);
  EXPECT_EQ(none.hrefs, Links{});
  EXPECT_EQ(none.dropped, 100000u);
  EXPECT_EQ(ExtractLinks(page).hrefs.size(), 100000u);
}

TEST(ExtractLinksTest, DroppedCountsOnlyRealLinks) {
  const HtmlLinks links = ExtractLinks(
      R"(<a href=/1><a href="javascript:x"><a href=""><a href=/2><a href=/3>)",
      1);
  EXPECT_EQ(links.hrefs, Links({"/1"}));
  EXPECT_EQ(links.dropped, 2u);
}

TEST(ExtractLinksTest, ParserIsCleanBetweenDocuments) {
  EXPECT_EQ(Hrefs("<base href=/b1><a href=/1><script>"), Links({"/1"}));
  // The previous document ended inside <script>: this one starts afresh.
  const HtmlLinks second = ExtractLinks("<a href=/2>");
  EXPECT_EQ(second.hrefs, Links({"/2"}));
  EXPECT_FALSE(second.has_base);
  EXPECT_EQ(Hrefs("<a href=\"/3"), Links{});
  EXPECT_EQ(Hrefs("<a href=/4>"), Links({"/4"}));
}

TEST(ExtractLinksTest, WorksAfterAVeryLargeDocument) {
  // Large enough for a parser that keeps state per thread to drop it.
  std::string big(9 << 20, 'x');
  big += "<a href=/big>";
  EXPECT_EQ(Hrefs(big), Links({"/big"}));
  EXPECT_EQ(Hrefs("<a href=/small>"), Links({"/small"}));
}

TEST(ExtractLinksTest, ConcurrentThreadsGetTheirOwnLinks) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  std::vector<std::string> docs;
  std::vector<std::vector<std::string>> expected;
  for (int t = 0; t < kThreads; ++t) {
    std::string doc = "<title>" + std::to_string(t) + "</title>";
    std::vector<std::string> want;
    for (int i = 0; i < 50 + 10 * t; ++i) {
      const std::string href =
          "/t" + std::to_string(t) + "/" + std::to_string(i);
      doc += "<p><a href='" + href + "'>x</a><script>'<a href=/no>'</script>";
      want.push_back(href);
    }
    docs.push_back(doc);
    expected.push_back(want);
  }
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &docs, &expected, &failures] {
      for (int round = 0; round < kRounds; ++round) {
        if (ExtractLinks(docs[t]).hrefs != expected[t]) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

// --- LooksLikeHtml ----------------------------------------------------------

TEST(LooksLikeHtmlTest, EveryPattern) {
  for (std::string_view tag :
       {"<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV",
        "<FONT", "<TABLE", "<A", "<STYLE", "<TITLE", "<B", "<BODY", "<BR",
        "<P"}) {
    SCOPED_TRACE(tag);
    EXPECT_TRUE(LooksLikeHtml(std::string(tag) + ">"));
    EXPECT_TRUE(LooksLikeHtml(std::string(tag) + " x"));
    // Another letter makes another tag; nothing after it, no tag at all.
    EXPECT_FALSE(LooksLikeHtml(std::string(tag) + "x>"));
    EXPECT_FALSE(LooksLikeHtml(tag));
  }
  EXPECT_TRUE(LooksLikeHtml("<!--"));
  EXPECT_TRUE(LooksLikeHtml("<!--x-->"));
}

TEST(LooksLikeHtmlTest, CaseInsensitive) {
  EXPECT_TRUE(LooksLikeHtml("<!doctype html>"));
  EXPECT_TRUE(LooksLikeHtml("<!DocType Html PUBLIC \"x\">"));
  EXPECT_TRUE(LooksLikeHtml("<hTmL lang=en>"));
  EXPECT_TRUE(LooksLikeHtml("<a href=x>"));
}

TEST(LooksLikeHtmlTest, LeadingWhitespaceAndBom) {
  EXPECT_TRUE(LooksLikeHtml(" \t\n\f\r<html>"));
  EXPECT_TRUE(LooksLikeHtml("\xEF\xBB\xBF<html>"));
  EXPECT_TRUE(LooksLikeHtml("\xEF\xBB\xBF\n  <!DOCTYPE html>"));
  EXPECT_FALSE(LooksLikeHtml("\v<html>"));
  EXPECT_FALSE(LooksLikeHtml("\xEF\xBB\xBFhello <html>"));
  EXPECT_FALSE(LooksLikeHtml("\xEF\xBB<html>"));
  EXPECT_FALSE(LooksLikeHtml(std::string(600, ' ') + "<html>"));
}

TEST(LooksLikeHtmlTest, NotHtml) {
  EXPECT_FALSE(LooksLikeHtml(""));
  EXPECT_FALSE(LooksLikeHtml("   "));
  EXPECT_FALSE(LooksLikeHtml("hello <html>"));
  EXPECT_FALSE(LooksLikeHtml("{\"json\": \"<html>\"}"));
  EXPECT_FALSE(LooksLikeHtml("<?xml version=\"1.0\"?><html>"));
  EXPECT_FALSE(LooksLikeHtml("%PDF-1.4"));
  EXPECT_FALSE(LooksLikeHtml("<pre>"));
  EXPECT_FALSE(LooksLikeHtml("<abbr>"));
  EXPECT_FALSE(LooksLikeHtml("<htmlx>"));
  EXPECT_FALSE(LooksLikeHtml("<!-"));
  EXPECT_FALSE(LooksLikeHtml("<svg>"));
}

// --- IsHtmlResponse: the declared type decides; only no type is sniffed ----

TEST(IsHtmlResponseTest, TheDeclaredTypeDecides) {
  const std::string xhtml =
      "<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">";
  EXPECT_TRUE(IsHtmlResponse("text/html", xhtml)) << "an XML declaration";
  EXPECT_TRUE(IsHtmlResponse("application/xhtml+xml", xhtml));
  EXPECT_TRUE(IsHtmlResponse("Text/HTML; Charset=UTF-8", "hello"));
  EXPECT_TRUE(IsHtmlResponse(" text/html ;charset=x", ""));
  EXPECT_TRUE(IsHtmlResponse("text/html", "\xEF\xBB\xBF<p>"));
  EXPECT_TRUE(IsHtmlResponse("text/html", "<!-- c --><html>"));
  EXPECT_FALSE(IsHtmlResponse("text/plain", "<html><a href=x>"));
  EXPECT_FALSE(IsHtmlResponse("application/octet-stream", "<html>"));
  EXPECT_FALSE(IsHtmlResponse("text/htmlx", "<html>"));
  EXPECT_FALSE(IsHtmlResponse("text/xml", "<html>"));
}

TEST(IsHtmlResponseTest, OnlyAMissingTypeIsSniffed) {
  EXPECT_TRUE(IsHtmlResponse("", "<html>"));
  EXPECT_TRUE(IsHtmlResponse("  ", "\xEF\xBB\xBF <!DOCTYPE html>"));
  EXPECT_TRUE(IsHtmlResponse("", "<!-- a comment --> <p>"));
  EXPECT_FALSE(IsHtmlResponse("", "plain text <html>"));
  EXPECT_FALSE(IsHtmlResponse("", "<?xml version=\"1.0\"?><html>"))
      << "sniffs as XML, not HTML";
}

// --- Robots directives: meta robots, X-Robots-Tag, rel=nofollow ----------

TEST(MetaRobotsTest, NofollowAndNone) {
  EXPECT_TRUE(ExtractLinks("<meta name=robots content=nofollow>").meta_nofollow);
  EXPECT_TRUE(ExtractLinks("<meta name=ROBOTS content=\"noindex, NoFollow\">")
                  .meta_nofollow);
  EXPECT_TRUE(ExtractLinks("<meta name=robots content=none>").meta_nofollow);
  EXPECT_TRUE(ExtractLinks("<meta content=none name=crawl>", 100, "crawl")
                  .meta_nofollow)
      << "our product token";
  EXPECT_FALSE(ExtractLinks("<meta name=otherbot content=none>", 100, "crawl")
                   .meta_nofollow);
  EXPECT_FALSE(ExtractLinks("<meta name=robots content=noindex>").meta_nofollow);
  EXPECT_FALSE(ExtractLinks("<meta name=robots content=nofollowx>").meta_nofollow);
  EXPECT_FALSE(ExtractLinks("<!-- <meta name=robots content=none> -->").meta_nofollow);
  EXPECT_FALSE(ExtractLinks("<meta name=description content=nofollow>").meta_nofollow);
}

TEST(MetaRobotsTest, XRobotsTagValues) {
  EXPECT_TRUE(RobotsNofollow("nofollow", "crawl", true));
  EXPECT_TRUE(RobotsNofollow("noarchive, none", "crawl", true));
  EXPECT_TRUE(RobotsNofollow("crawl: nofollow", "crawl", true));
  EXPECT_TRUE(RobotsNofollow("Robots: NOFOLLOW", "crawl", true));
  EXPECT_FALSE(RobotsNofollow("googlebot: nofollow", "crawl", true));
  // A directive with a colon of its own after the first names no agent.
  EXPECT_TRUE(RobotsNofollow("nofollow, unavailable_after: 25 Jun 2010 15:00:00 PST", "crawl", true));
  EXPECT_FALSE(RobotsNofollow("noarchive, unavailable_after: 25 Jun 2010", "crawl", true));
  EXPECT_FALSE(RobotsNofollow("googlebot: noarchive, nofollow", "crawl", true));
  EXPECT_FALSE(RobotsNofollow("noindex", "crawl", true));
  EXPECT_FALSE(RobotsNofollow("unavailable_after: 25 Jun 2010 15:00:00 PST",
                              "crawl", true));
}

TEST(RelNofollowTest, MarksTheLinkAndKeepsIt) {
  const HtmlLinks l = ExtractLinks(
      "<a href=a rel='external NOFOLLOW'>x</a><a href=b rel=noopener>y</a>"
      "<area href=c rel=nofollow><iframe src=d></iframe>"
      "<link rel='next nofollow' href=e>");
  ASSERT_EQ(l.hrefs, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(l.rel_nofollow, (std::vector<bool>{true, false, true, false, true}));
  EXPECT_FALSE(l.meta_nofollow);
}

TEST(EmptyHrefTest, IsALinkToTheBaseNotAnHref) {
  EXPECT_TRUE(ExtractLinks("<a href=\"\">x</a>").empty_href);
  EXPECT_TRUE(ExtractLinks("<area href=' \t'>").empty_href);
  EXPECT_TRUE(ExtractLinks("<link rel=next href=\"\">").empty_href);
  EXPECT_FALSE(ExtractLinks("<iframe src=\"\"></iframe>").empty_href)
      << "an empty iframe is about:blank";
  EXPECT_FALSE(ExtractLinks("<a href=/x>").empty_href);
  EXPECT_FALSE(ExtractLinks("<a name=x>").empty_href);
  EXPECT_TRUE(ExtractLinks("<a href=\"\">").hrefs.empty());
}

}  // namespace
}  // namespace crawl
