// Tests for robots/robots.h: RFC 9309 robots.txt parsing and matching, and
// sitemap parsing. Each robots.txt test is named after the RFC 9309 section
// it checks and quotes the sentence it holds the parser to.
#include "robots/robots.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace crawl {
namespace {

constexpr std::string_view kBot = "FooBot";

bool Allowed(std::string_view robots, std::string_view path,
             std::string_view token = kBot) {
  return RobotsRules::Parse(robots, token).Allowed(path);
}

// --- RFC 9309 section 2.2.1, the user-agent line ---------------------------

// "Crawlers MUST use case-insensitive matching to find the group that matches
// the product token and then obey the rules of the group."
TEST(Rfc9309Section2_2_1, ProductTokenMatchesCaseInsensitively) {
  for (std::string_view ua : {"FooBot", "foobot", "FOOBOT", "fOoBoT"}) {
    const std::string robots =
        "User-agent: " + std::string(ua) + "\nDisallow: /x\n";
    EXPECT_FALSE(Allowed(robots, "/x")) << ua;
    EXPECT_FALSE(Allowed(robots, "/x", "FOOBOT")) << ua;
    EXPECT_TRUE(Allowed(robots, "/y")) << ua;
  }
}

// The user-agent value is compared by its own product token, so a value with
// a version still names the crawler; a longer token is another crawler.
TEST(Rfc9309Section2_2_1, UserAgentValueIsComparedByItsProductToken) {
  EXPECT_FALSE(
      Allowed("User-agent: FooBot/2.1 (+http://x)\nDisallow: /\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: FooBot-News\nDisallow: /\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: Foo\nDisallow: /\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: xFooBot\nDisallow: /\n", "/a"));
  // Our own token may be given as a whole User-Agent string.
  EXPECT_FALSE(Allowed("User-agent: foobot\nDisallow: /\n", "/a",
                       "FooBot/1.0 (+http://example.com/bot)"));
}

// "If there is more than one group matching the user-agent, the matching
// groups' rules MUST be combined into one group and parsed according to
// Section 2.2.2."
TEST(Rfc9309Section2_2_1, MatchingGroupsAreCombined) {
  const std::string_view robots =
      "User-agent: FooBot\n"
      "Disallow: /a\n"
      "\n"
      "User-agent: other\n"
      "Disallow: /b\n"
      "\n"
      "User-agent: foobot\n"
      "Disallow: /c\n"
      "Allow: /a/open\n";
  EXPECT_FALSE(Allowed(robots, "/a"));
  EXPECT_TRUE(Allowed(robots, "/b"));
  EXPECT_FALSE(Allowed(robots, "/c"));
  EXPECT_TRUE(Allowed(robots, "/a/open/x")) << "longest match across groups";
}

// "Group: One or more user-agent lines that are followed by one or more
// rules. The group is terminated by a user-agent line or end of file."
// (section 2.1)
TEST(Rfc9309Section2_1, ConsecutiveUserAgentLinesShareOneGroup) {
  const std::string_view robots =
      "User-agent: other\n"
      "User-agent: FooBot\n"
      "User-agent: third\n"
      "Disallow: /shared\n"
      "User-agent: other\n"
      "Disallow: /only-other\n";
  EXPECT_FALSE(Allowed(robots, "/shared"));
  EXPECT_TRUE(Allowed(robots, "/only-other"));
  EXPECT_FALSE(Allowed(robots, "/shared", "third"));
  EXPECT_FALSE(Allowed(robots, "/only-other", "other"));
}

// "If no matching group exists, crawlers MUST obey the group with a
// user-agent line with the "*" value, if present."
TEST(Rfc9309Section2_2_1, StarGroupsAreTheFallbackAndAreCombined) {
  const std::string_view robots =
      "User-agent: *\n"
      "Disallow: /a\n"
      "User-agent: other\n"
      "Disallow: /b\n"
      "User-agent: *\n"
      "Disallow: /c\n";
  EXPECT_FALSE(Allowed(robots, "/a"));
  EXPECT_TRUE(Allowed(robots, "/b"));
  EXPECT_FALSE(Allowed(robots, "/c"));
  EXPECT_TRUE(Allowed(robots, "/d"));
}

// A specific group replaces '*'; it does not add to it (section 2.2.1: the
// '*' group applies only "If no matching group exists").
TEST(Rfc9309Section2_2_1, SpecificGroupDoesNotInheritStar) {
  const std::string_view robots =
      "User-agent: *\n"
      "Disallow: /private\n"
      "Crawl-delay: 9\n"
      "\n"
      "User-agent: FooBot\n"
      "Disallow: /tmp\n";
  EXPECT_TRUE(Allowed(robots, "/private"));
  EXPECT_FALSE(Allowed(robots, "/tmp"));
  EXPECT_FALSE(RobotsRules::Parse(robots, kBot).crawl_delay().has_value());
  EXPECT_FALSE(Allowed(robots, "/private", "OtherBot"));
  EXPECT_TRUE(Allowed(robots, "/tmp", "OtherBot"));
}

// "The last group may have no rules, which means it implicitly allows
// everything." (section 2.1) — and it is still our group: '*' is not used.
TEST(Rfc9309Section2_1, MatchingGroupWithoutRulesAllowsEverything) {
  EXPECT_TRUE(
      Allowed("User-agent: *\nDisallow: /\n\nUser-agent: FooBot\n", "/a"));
  EXPECT_FALSE(
      Allowed("User-agent: FooBot\n\nUser-agent: *\nDisallow: /\n", "/a"))
      << "a blank line does not end a group: FooBot shares the '*' rules";
  EXPECT_TRUE(Allowed(
      "User-agent: FooBot\nAllow: /x\nUser-agent: *\nDisallow: /\n", "/a"));
}

// "If no group matches the product token and there is no group with a
// user-agent line with the "*" value, or no groups are present at all, no
// rules apply."
TEST(Rfc9309Section2_2_1, NoMatchingGroupAndNoStarMeansNoRules) {
  EXPECT_TRUE(Allowed("User-agent: other\nDisallow: /\n", "/a"));
  EXPECT_TRUE(Allowed("", "/a"));
  EXPECT_TRUE(Allowed("# only a comment\n", "/a"));
  EXPECT_FALSE(Allowed("User-agent: other\nDisallow: /\n", "/a", "other"));
}

// An empty token (no [A-Za-z_-] at all) can only get the '*' group.
TEST(Rfc9309Section2_2_1, EmptyProductTokenGetsTheStarGroup) {
  const std::string_view robots =
      "User-agent: \nDisallow: /a\nUser-agent: *\nDisallow: /b\n";
  EXPECT_TRUE(Allowed(robots, "/a", "/1.0"));
  EXPECT_FALSE(Allowed(robots, "/b", "/1.0"));
}

// "The product token MUST contain only uppercase and lowercase letters
// ("a-z" and "A-Z"), underscores ("_"), and hyphens ("-")."
TEST(Rfc9309Section2_2_1, RobotsProductToken) {
  EXPECT_EQ(RobotsProductToken("MyBot/2.0 (+http://x)"), "MyBot");
  EXPECT_EQ(RobotsProductToken("My_Bot-X"), "My_Bot-X");
  EXPECT_EQ(RobotsProductToken("  MyBot"), "MyBot");
  EXPECT_EQ(RobotsProductToken("Bot2"), "Bot");
  EXPECT_EQ(RobotsProductToken("Mozilla/5.0 (compatible)"), "Mozilla");
  EXPECT_EQ(RobotsProductToken("2bot"), "");
  EXPECT_EQ(RobotsProductToken("*"), "");
  EXPECT_EQ(RobotsProductToken(""), "");
}

// --- RFC 9309 section 2.2.2, the allow and disallow lines ------------------

// "The crawler SHOULD ignore "disallow" and "allow" rules that are not in any
// group (for example, any rule that precedes the first user-agent line)."
TEST(Rfc9309Section2_2_2, RulesBeforeTheFirstGroupAreIgnored) {
  const std::string_view robots =
      "Disallow: /a\n"
      "Allow: /b\n"
      "User-agent: *\n"
      "Disallow: /b\n";
  EXPECT_TRUE(Allowed(robots, "/a"));
  EXPECT_FALSE(Allowed(robots, "/b"));
  EXPECT_TRUE(Allowed("Disallow: /\n", "/a"));
}

// "The most specific match found MUST be used. The most specific match is the
// match that has the most octets." (and section 5.2's example)
TEST(Rfc9309Section2_2_2, LongestMatchWins) {
  const std::string_view rfc_example =
      "User-Agent: foobot\n"
      "Allow: /example/page/\n"
      "Disallow: /example/page/disallowed.gif\n";
  EXPECT_FALSE(Allowed(rfc_example, "/example/page/disallowed.gif"));
  EXPECT_TRUE(Allowed(rfc_example, "/example/page/other.gif"));
  // Order in the file does not matter.
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a/b\nAllow: /a\n", "/a/b/c"));
  EXPECT_FALSE(Allowed("User-agent: *\nAllow: /a\nDisallow: /a/b\n", "/a/b/c"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a\nAllow: /a/b\n", "/a/b/c"));
  // Length counts the pattern's octets, wildcards included.
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a\nAllow: /*b\n", "/ab"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /ab\nAllow: /*\n", "/ab"));
  // Normalised length: "%7E" is "~", one octet, so "/%7Ex" (3) loses to "/~xy".
  EXPECT_FALSE(
      Allowed("User-agent: *\nAllow: /%7Ex\nDisallow: /~xy\n", "/~xyz"));
}

// "If an "allow" rule and a "disallow" rule are equivalent, then the "allow"
// rule SHOULD be used."
TEST(Rfc9309Section2_2_2, AllowWinsATie) {
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a\nAllow: /a\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: *\nAllow: /a\nDisallow: /a\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a*\nAllow: /a$\n", "/a"));
  // Equal length but different patterns: still allow.
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /*c\nAllow: /ab\n", "/abc"));
}

// "The matching SHOULD be case sensitive. The matching MUST start with the
// first octet of the path."
TEST(Rfc9309Section2_2_2, MatchingIsCaseSensitiveAndAnchoredAtTheStart) {
  const std::string_view robots = "User-agent: *\nDisallow: /x/\n";
  EXPECT_FALSE(Allowed(robots, "/x/y"));
  EXPECT_TRUE(Allowed(robots, "/X/y"));
  EXPECT_TRUE(Allowed(robots, "/a/x/y"));
  // The query is part of what is matched.
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /s?q=\n", "/s?q=1"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /s?q=\n", "/s?p=1"));
}

// "If a percent-encoded ASCII octet is encountered in the URI, it MUST be
// unencoded prior to comparison, unless it is a reserved character in the URI
// as defined by [RFC3986] or the character is outside the unreserved
// character range." and "Octets in the URI and robots.txt paths outside the
// range of the ASCII coded character set ... MUST be percent-encoded".
TEST(Rfc9309Section2_2_2, PercentEncodingIsNormalisedOnBothSides) {
  // Unreserved characters: encoded and plain are the same, on either side.
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /%7Efoo\n", "/~foo"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /~foo\n", "/%7efoo"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /%61\n", "/a"));
  // Hex case does not matter.
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%2fb\n", "/a%2Fb"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%2Fb\n", "/a%2fb"));
  // Reserved characters keep their meaning: "%2F" is not "/".
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a%2Fb\n", "/a/b"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a/b\n", "/a%2Fb"));
  // Non-ASCII octets are compared percent-encoded.
  EXPECT_FALSE(
      Allowed("User-agent: *\nDisallow: /caf\xC3\xA9\n", "/caf%C3%A9"));
  EXPECT_FALSE(
      Allowed("User-agent: *\nDisallow: /caf%c3%a9\n", "/caf\xC3\xA9"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /caf%C3%A9\n", "/cafe"));
  // Octets not allowed in a URI are compared encoded; a stray '%' is "%25".
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a b\n", "/a%20b"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%\n", "/a%25"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%zz\n", "/a%25zz"));
}

// "The /robots.txt URI is implicitly allowed."
TEST(Rfc9309Section2_2_2, RobotsTxtIsAlwaysAllowed) {
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /\n", "/robots.txt"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /robots.txt\n", "/robots.txt"));
  EXPECT_TRUE(
      Allowed("User-agent: *\nDisallow: /robots.txt$\n", "/robots.txt"));
  EXPECT_TRUE(RobotsRules::DisallowAll().Allowed("/robots.txt"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /\n", "/robots.txt.bak"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /\n", "/robots.txt?x=1"));
}

// "If no match is found amongst the rules in a group for a matching
// user-agent or there are no rules in the group, the URI is allowed." An
// empty pattern matches nothing (RFC 9309's ABNF: empty-pattern).
TEST(Rfc9309Section2_2_2, EmptyDisallowAllowsEverything) {
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow:\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: \t \n", "/"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow:\nDisallow: /a\n", "/a"));
  // An empty Allow does not allow anything either.
  EXPECT_FALSE(Allowed("User-agent: *\nAllow:\nDisallow: /\n", "/a"));
}

// A rule value without a leading '/' gets one ("private/" means "/private/").
TEST(Rfc9309Section2_2_2, PatternWithoutLeadingSlash) {
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: private/\n", "/private/x"));
  EXPECT_TRUE(
      Allowed("User-agent: *\nDisallow: private/\n", "/other/private/"));
}

// --- RFC 9309 section 2.2.3, special characters ----------------------------

// "'*' Designates 0 or more instances of any character."
TEST(Rfc9309Section2_2_3, StarMatchesAnySequence) {
  const std::string_view robots =
      "User-agent: *\nDisallow: /this/*/exactly\nDisallow: /*.php\n";
  EXPECT_FALSE(Allowed(robots, "/this/a/b/exactly"));
  EXPECT_FALSE(Allowed(robots, "/this//exactly"));
  EXPECT_FALSE(Allowed(robots, "/this/x/exactlyx")) << "no '$': a prefix";
  EXPECT_TRUE(Allowed(robots, "/this/exactly"));
  EXPECT_FALSE(Allowed(robots, "/index.php?x=1"));
  EXPECT_FALSE(Allowed(robots, "/a/b.php"));
  EXPECT_TRUE(Allowed(robots, "/a/b.ph"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a**b***c\n", "/a-b-c"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: *\n", "/anything"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: *x\n", "/ax"));
}

// "'$' Designates the end of the match pattern."
TEST(Rfc9309Section2_2_3, DollarAnchorsTheEnd) {
  const std::string_view robots =
      "User-agent: *\nDisallow: /*.gif$\nDisallow: /exact$\n";
  EXPECT_FALSE(Allowed(robots, "/a/b.gif"));
  EXPECT_TRUE(Allowed(robots, "/a/b.gif?x=1"));
  EXPECT_TRUE(Allowed(robots, "/a/b.gifs"));
  EXPECT_FALSE(Allowed(robots, "/x.gif.gif"));
  EXPECT_FALSE(Allowed(robots, "/exact"));
  EXPECT_TRUE(Allowed(robots, "/exactly"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /$\n", "/"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /$\n", "/a"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a*b$\n", "/abxb"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a*bc$\n", "/abc/"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /ab*b$\n", "/ab/b"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /ab*b$\n", "/ab"))
      << "the anchored segment may not overlap the previous one";
}

// "If crawlers match special characters verbatim in the URI, crawlers SHOULD
// use "%" encoding." A '$' that is not last is an ordinary octet.
TEST(Rfc9309Section2_2_3, EncodedSpecialCharactersMatchVerbatim) {
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%2Ab\n", "/a*b"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a%2Ab\n", "/axb"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%24\n", "/a$b"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a$b\n", "/a$b"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a$b\n", "/a%24b"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a$b\n", "/a"));
}

// --- RFC 9309 section 2.2.4, other records ---------------------------------

// "Crawlers MAY interpret other records that are not part of the robots.txt
// protocol -- for example, "Sitemaps" [SITEMAPS]." and "a "Sitemaps" record
// MUST NOT terminate a group."
TEST(Rfc9309Section2_2_4, SitemapsAreCollectedAndDoNotTerminateGroups) {
  const std::string_view robots =
      "Sitemap: https://example.com/before.xml\n"
      "User-agent: other\n"
      "Sitemap: https://example.com/between.xml  \n"
      "User-agent: FooBot\n"
      "Disallow: /a\n"
      "sitemap:https://example.com/after.xml # comment\n"
      "Sitemap:\n"
      "User-agent: third\n"
      "Disallow: /b\n";
  const RobotsRules rules = RobotsRules::Parse(robots, kBot);
  EXPECT_EQ(rules.sitemaps(),
            (std::vector<std::string>{"https://example.com/before.xml",
                                      "https://example.com/between.xml",
                                      "https://example.com/after.xml"}));
  EXPECT_FALSE(rules.Allowed("/a"));
  EXPECT_TRUE(rules.Allowed("/b"));
  EXPECT_FALSE(Allowed(robots, "/a", "other")) << "other shares FooBot's group";
}

// "Crawlers MAY be lenient when interpreting other records. For example,
// crawlers may accept common misspellings of the record."
TEST(Rfc9309Section2_2_4, CommonMisspellingsAreAccepted) {
  EXPECT_FALSE(Allowed("useragent: FooBot\nDisallow: /a\n", "/a"));
  EXPECT_FALSE(Allowed("User agent: FooBot\nDisallow: /a\n", "/a"));
  for (std::string_view typo :
       {"dissallow", "dissalow", "disalow", "diasllow", "disallaw"}) {
    EXPECT_FALSE(
        Allowed("User-agent: *\n" + std::string(typo) + ": /a\n", "/a"))
        << typo;
  }
  EXPECT_TRUE(Allowed("User-agent: *\nDisalow-not: /a\n", "/a"));
  EXPECT_EQ(RobotsRules::Parse("Site-map: http://a/s.xml\n", kBot).sitemaps(),
            std::vector<std::string>{"http://a/s.xml"});
}

// Crawl-delay is not in RFC 9309; we read a non-negative decimal from the
// chosen group, the first valid one, and ignore anything else.
TEST(Rfc9309Section2_2_4, CrawlDelay) {
  auto delay = [](std::string_view robots, std::string_view token = kBot) {
    return RobotsRules::Parse(robots, token).crawl_delay();
  };
  EXPECT_EQ(delay("User-agent: FooBot\nCrawl-delay: 10\n"), 10.0);
  EXPECT_EQ(delay("User-agent: FooBot\nCrawl-delay: 0.5\n"), 0.5);
  EXPECT_EQ(delay("User-agent: FooBot\nCrawl-delay: .25\n"), 0.25);
  EXPECT_EQ(delay("User-agent: FooBot\nCrawl-delay: 2.\n"), 2.0);
  EXPECT_EQ(delay("User-agent: FooBot\ncrawl-delay : 0\n"), 0.0);
  EXPECT_EQ(delay("User-agent: FooBot\nCrawl-delay: 3\nCrawl-delay: 4\n"), 3.0);
  EXPECT_EQ(delay("User-agent: FooBot\nCrawl-delay: x\nCrawl-delay: 4\n"), 4.0);
  for (std::string_view bad :
       {"-1", "1e3", "inf", "nan", "5s", "", ".", "+2", "1.2.3", "0x10"}) {
    EXPECT_FALSE(
        delay("User-agent: FooBot\nCrawl-delay: " + std::string(bad) + "\n")
            .has_value())
        << bad;
  }
  // From the chosen group only.
  const std::string_view robots =
      "Crawl-delay: 1\n"
      "User-agent: *\nCrawl-delay: 2\n"
      "User-agent: FooBot\nDisallow: /x\nCrawl-delay: 3\n";
  EXPECT_EQ(delay(robots), 3.0);
  EXPECT_EQ(delay(robots, "Other"), 2.0);
  EXPECT_FALSE(delay("Crawl-delay: 1\n").has_value()) << "outside any group";
  EXPECT_FALSE(RobotsRules::AllowAll().crawl_delay().has_value());
}

// --- RFC 9309 section 2.3.1.5, parsing errors ------------------------------

// "Crawlers MUST try to parse each line of the robots.txt file. Crawlers MUST
// use the parseable rules."
TEST(Rfc9309Section2_3_1_5, GarbageLinesAreSkipped) {
  std::string robots =
      "<html><body>Not found</body></html>\n"
      "User-agent: FooBot\n"
      ":::::\n"
      "Disallow /no-colon\n"
      "   \t Disallow   :   /spaced   \n"
      "Allow: /spaced/ok # trailing comment\n"
      "# Disallow: /commented\n"
      "Unknown-directive: /u\n"
      "Disallow: /bad\xFF\xFE-utf8\n";
  robots += std::string("Disallow: /nul\0byte\n", 20);
  robots += "\x80\x81\x82 garbage \xC0\n";
  robots += "Disallow: /last";  // no final newline
  const RobotsRules rules = RobotsRules::Parse(robots, kBot);
  EXPECT_FALSE(rules.Allowed("/no-colon"));
  EXPECT_FALSE(rules.Allowed("/spaced"));
  EXPECT_TRUE(rules.Allowed("/spaced/ok"));
  EXPECT_TRUE(rules.Allowed("/commented"));
  EXPECT_TRUE(rules.Allowed("/u"));
  EXPECT_FALSE(rules.Allowed("/bad%FF%FE-utf8"));
  EXPECT_FALSE(rules.Allowed("/nul%00byte"));
  EXPECT_FALSE(rules.Allowed("/last"));
  EXPECT_TRUE(rules.Allowed("/other"));
}

// The file "MUST be UTF-8 encoded" (section 2.3): a byte order mark before
// the first line is skipped, not read as part of the first key.
TEST(Rfc9309Section2_3, ByteOrderMarkIsSkipped) {
  EXPECT_FALSE(Allowed("\xEF\xBB\xBFUser-agent: *\nDisallow: /a\n", "/a"));
  EXPECT_TRUE(
      Allowed("\xEF\xBB\xBF\xEF\xBB\xBFUser-agent: *\nDisallow: /a\n", "/a"))
      << "only one BOM, at the very start";
}

// Any line ending (RFC 9309's ABNF: NL = %x0D / %x0A / %x0D.0A).
TEST(Rfc9309Section2_3, AnyLineEnding) {
  for (std::string_view eol : {"\n", "\r\n", "\r"}) {
    std::string robots;
    for (std::string_view line :
         {"User-agent: other", "Disallow: /", "", "User-agent: FooBot",
          "Disallow: /a", "Allow: /a/b", "Sitemap: http://s/"}) {
      robots += std::string(line) + std::string(eol);
    }
    const RobotsRules rules = RobotsRules::Parse(robots, kBot);
    EXPECT_FALSE(rules.Allowed("/a/x")) << int(eol.size());
    EXPECT_TRUE(rules.Allowed("/a/b"));
    EXPECT_TRUE(rules.Allowed("/b"));
    EXPECT_EQ(rules.sitemaps(), std::vector<std::string>{"http://s/"});
  }
}

// --- RFC 9309 section 2.5, limits ------------------------------------------

// "The parsing limit MUST be at least 500 kibibytes [KiB]."
TEST(Rfc9309Section2_5, A500KibFileIsReadToItsEnd) {
  std::string robots = "User-agent: FooBot\nDisallow: /first\n";
  // Other groups' rules and comments as padding: ~500 KiB in all.
  for (int i = 0; robots.size() < 500 * 1024; ++i) {
    robots += i % 2 == 0 ? "User-agent: other" + std::to_string(i) + "\n"
                         : "Disallow: /padding/" + std::to_string(i) + "\n";
  }
  robots += "User-agent: FooBot\nDisallow: /very-last\n";
  ASSERT_GE(robots.size(), 500u * 1024);
  ASSERT_LE(robots.size(), kRobotsMaxBytes);
  const RobotsRules rules = RobotsRules::Parse(robots, kBot);
  EXPECT_FALSE(rules.Allowed("/first"));
  EXPECT_FALSE(rules.Allowed("/very-last"));
  EXPECT_TRUE(rules.Allowed("/padding/1"));
  EXPECT_FALSE(Allowed(robots, "/padding/1", "other0"));
}

// Many rules for our own group in a ~500 KiB file: the last one still counts.
TEST(Rfc9309Section2_5, ThousandsOfRulesInOneGroup) {
  std::string robots = "User-agent: *\n";
  for (int i = 0; i < 8000; ++i) {
    robots += "Disallow: /dir" + std::to_string(i) + "/" +
              std::string(40, 'x') + "\n";
  }
  robots += "Disallow: /the-end\n";
  ASSERT_GT(robots.size(), 450u * 1024);
  ASSERT_LT(robots.size(), kRobotsMaxBytes);
  const RobotsRules rules = RobotsRules::Parse(robots, kBot);
  EXPECT_FALSE(rules.Allowed("/the-end"));
  EXPECT_FALSE(rules.Allowed("/dir7999/" + std::string(40, 'x')));
  EXPECT_TRUE(rules.Allowed("/dir7999/"));
}

// "Crawlers SHOULD impose a parsing limit to protect their systems": bytes
// past kRobotsMaxBytes are ignored, and so is a line the limit cuts.
TEST(Rfc9309Section2_5, BytesBeyondTheLimitAreIgnored) {
  std::string robots = "User-agent: FooBot\nDisallow: /kept\n";
  while (robots.size() < kRobotsMaxBytes - 100) robots += "# padding\n";
  robots += "Sitemap: http://inside/\n";
  robots += std::string(kRobotsMaxBytes - robots.size() - 15, '#') + "\n";
  robots += "Disallow: /cut-in-the-middle\n";  // the limit cuts after "/cut"
  ASSERT_EQ(robots.substr(kRobotsMaxBytes - 14, 14), "Disallow: /cut");
  robots += "Disallow: /beyond\nSitemap: http://beyond/\n";
  const RobotsRules rules = RobotsRules::Parse(robots, kBot);
  EXPECT_FALSE(rules.Allowed("/kept"));
  EXPECT_TRUE(rules.Allowed("/beyond"));
  EXPECT_TRUE(rules.Allowed("/cut-in-the-middle"));
  EXPECT_TRUE(rules.Allowed("/cut")) << "the cut line is not read as \"/cut\"";
  EXPECT_TRUE(rules.Allowed("/"));
  EXPECT_EQ(rules.sitemaps(), std::vector<std::string>{"http://inside/"});

  // A line that ends exactly at the limit is complete and is read.
  std::string exact = "User-agent: *\n";
  exact += std::string(kRobotsMaxBytes - exact.size() - 13, '#') + "\n";
  exact += "Disallow: /e";
  ASSERT_EQ(exact.size(), kRobotsMaxBytes);
  EXPECT_FALSE(Allowed(exact + "\nDisallow: /more\n", "/e"));
  EXPECT_TRUE(Allowed(exact + "\nDisallow: /more\n", "/more"));
}

// --- Matching cost ---------------------------------------------------------

// A plain O(|pattern| * |path|) dynamic program, the reference for Matches.
bool ReferenceMatch(std::string_view pattern, std::string_view path) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  // can[j]: pattern[0, i) matches path[0, j).
  std::vector<char> can(path.size() + 1, 0), next(path.size() + 1);
  can[0] = 1;
  for (char p : pattern) {
    std::fill(next.begin(), next.end(), 0);
    for (std::size_t j = 0; j <= path.size(); ++j) {
      if (p == '*') {
        next[j] = can[j] || (j > 0 && next[j - 1]);
      } else if (j > 0) {
        next[j] = can[j - 1] && path[j - 1] == p;
      }
    }
    can.swap(next);
  }
  if (anchored) return can[path.size()];
  for (char c : can) {
    if (c) return true;
  }
  return false;
}

// The matcher agrees with the reference on random short patterns and paths
// over a small alphabet, where '*' and '$' cases collide most.
TEST(RobotsMatching, AgreesWithAReferenceMatcher) {
  std::mt19937 rng(12345);
  auto pick = [&](std::string_view alphabet, int max_len) {
    std::string s = "/";
    const int n = std::uniform_int_distribution<int>(0, max_len)(rng);
    for (int i = 0; i < n; ++i) {
      s += alphabet[std::uniform_int_distribution<std::size_t>(
          0, alphabet.size() - 1)(rng)];
    }
    return s;
  };
  for (int round = 0; round < 20000; ++round) {
    std::string pattern = pick("ab**", 7);
    if (rng() % 3 == 0) pattern += '$';
    const std::string path = pick("ab", 10);
    const std::string robots = "User-agent: *\nDisallow: " + pattern + "\n";
    EXPECT_EQ(Allowed(robots, path), !ReferenceMatch(pattern, path))
        << "pattern " << pattern << " path " << path;
  }
}

// Patterns that make a backtracking matcher exponential (and a naive one
// quadratic per rule) on long paths: the matcher is greedy with KMP search,
// O(|path| + |pattern|) per rule, so these finish in linear work. This test
// asserts results only; a backtracking implementation would not finish.
TEST(RobotsMatching, HostilePatternsOnLongPaths) {
  const std::string path = "/" + std::string(100'000, 'a');
  std::string many_stars = "/";
  for (int i = 0; i < 2000; ++i) many_stars += "a*";
  many_stars += "b";  // never found: every split point fails
  std::string robots = "User-agent: *\n";
  for (int i = 0; i < 100; ++i) robots += "Disallow: " + many_stars + "\n";
  robots += "Disallow: /*" + std::string(5000, 'a') + "b\n";
  robots += "Disallow: /*" + std::string(5000, 'a') + "$\n";
  robots += "Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b$\n";
  ASSERT_LT(robots.size(), kRobotsMaxBytes);
  const RobotsRules rules = RobotsRules::Parse(robots, kBot);
  EXPECT_FALSE(rules.Allowed(path)) << "the anchored run of 5000 'a's matches";
  EXPECT_TRUE(rules.Allowed(path + "c"));
  EXPECT_FALSE(rules.Allowed(path + "b"));
  // A whole 500 KiB file of distinct wildcard rules, against a long path.
  std::string hostile = "User-agent: *\n";
  for (int i = 0; hostile.size() < kRobotsMaxBytes - 64; ++i) {
    hostile += "Disallow: /*a*" + std::to_string(i) + "*z$\n";
  }
  const RobotsRules many = RobotsRules::Parse(hostile, kBot);
  EXPECT_TRUE(many.Allowed("/" + std::string(4096, 'a') + "0"));
  EXPECT_FALSE(many.Allowed("/" + std::string(4096, 'a') + "0z"));
}

// The documented bound: per candidate set, the first 1,000 rules with a '*'
// are kept and later ones dropped; rules without '*' are never dropped.
TEST(RobotsMatching, WildcardRuleBound) {
  std::string robots = "User-agent: *\n";
  for (int i = 0; i < 1000; ++i) {
    robots += "Disallow: /*w" + std::to_string(i) + "\n";
  }
  robots += "Disallow: /*over-the-bound\nDisallow: /plain\n";
  const RobotsRules rules = RobotsRules::Parse(robots, kBot);
  EXPECT_FALSE(rules.Allowed("/x/w999"));
  EXPECT_TRUE(rules.Allowed("/x/over-the-bound"));
  EXPECT_FALSE(rules.Allowed("/plain"));
}

// --- AllowAll, DisallowAll and RFC 9309 section 5.1 ------------------------

TEST(RobotsRules, AllowAllAndDisallowAll) {
  EXPECT_TRUE(RobotsRules::AllowAll().Allowed("/"));
  EXPECT_TRUE(RobotsRules::AllowAll().Allowed("/a?b"));
  EXPECT_FALSE(RobotsRules::DisallowAll().Allowed("/"));
  EXPECT_FALSE(RobotsRules::DisallowAll().Allowed("/a?b"));
  EXPECT_TRUE(RobotsRules::AllowAll().sitemaps().empty());
}

// Section 5.1, "Simple Example", read for each of its crawlers.
TEST(Rfc9309Section5_1, SimpleExample) {
  const std::string_view robots =
      "User-Agent: *\n"
      "Disallow: *.gif$\n"
      "Disallow: /example/\n"
      "Allow: /publications/\n"
      "\n"
      "User-Agent: foobot\n"
      "Disallow:/\n"
      "Allow:/example/page.html\n"
      "Allow:/example/allowed.gif\n"
      "\n"
      "User-Agent: barbot\n"
      "User-Agent: bazbot\n"
      "Disallow: /example/page.html\n"
      "\n"
      "User-Agent: quxbot\n";
  EXPECT_FALSE(Allowed(robots, "/a.gif", "otherbot"));
  EXPECT_FALSE(Allowed(robots, "/example/x", "otherbot"));
  EXPECT_TRUE(Allowed(robots, "/publications/x", "otherbot"));
  EXPECT_FALSE(Allowed(robots, "/", "foobot"));
  EXPECT_TRUE(Allowed(robots, "/example/page.html", "foobot"));
  EXPECT_TRUE(Allowed(robots, "/example/allowed.gif", "foobot"));
  EXPECT_FALSE(Allowed(robots, "/example/other.gif", "foobot"));
  EXPECT_FALSE(Allowed(robots, "/example/page.html", "barbot"));
  EXPECT_FALSE(Allowed(robots, "/example/page.html", "bazbot"));
  EXPECT_TRUE(Allowed(robots, "/a.gif", "bazbot"));
  EXPECT_TRUE(Allowed(robots, "/example/page.html", "quxbot"));
  EXPECT_TRUE(Allowed(robots, "/a.gif", "quxbot"));
}

// Whatever the bytes, Parse and Allowed terminate without crashing.
TEST(RobotsRules, RandomBytesNeverBreakIt) {
  std::mt19937 rng(7);
  const std::string_view pieces[] = {"User-agent: *\n",
                                     "User-agent: FooBot\n",
                                     "Disallow: /",
                                     "Allow: /",
                                     "*",
                                     "$",
                                     "%",
                                     "%4",
                                     "%41",
                                     "#",
                                     "\r",
                                     "\n",
                                     ":",
                                     " ",
                                     std::string_view("\0", 1),
                                     "\xFF",
                                     "\xEF\xBB\xBF",
                                     "Crawl-delay: ",
                                     "Sitemap: ",
                                     "a",
                                     "/"};
  for (int round = 0; round < 2000; ++round) {
    std::string robots, path;
    const int n = std::uniform_int_distribution<int>(0, 40)(rng);
    for (int i = 0; i < n; ++i) robots += pieces[rng() % std::size(pieces)];
    for (int i = 0; i < 6; ++i) path += pieces[rng() % std::size(pieces)];
    const RobotsRules rules = RobotsRules::Parse(robots, kBot);
    rules.Allowed(path);
    rules.Allowed("");
  }
}

// --- Sitemaps ---------------------------------------------------------------

std::string Gzip(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Compresses `n` zero bytes without holding them in memory.
std::string GzipZeros(std::size_t n) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  while (true) {
    const std::size_t chunk = std::min(n, zeros.size());
    n -= chunk;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(chunk);
    const int flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
    int ret;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof(buf);
      ret = deflate(&zs, flush);
      out.append(buf, sizeof(buf) - zs.avail_out);
    } while (zs.avail_out == 0);
    if (ret == Z_STREAM_END) break;
  }
  deflateEnd(&zs);
  return out;
}

using Urls = std::vector<std::string>;

TEST(Sitemap, UrlSet) {
  const Sitemap s = ParseSitemap(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
      "  <url>\n"
      "    <loc>http://www.example.com/</loc>\n"
      "    <lastmod>2005-01-01</lastmod>\n"
      "  </url>\n"
      "  <url><loc>\n   http://www.example.com/b  \n</loc></url>\n"
      "  <url><priority>0.5</priority></url>\n"
      "  <url><loc>   </loc></url>\n"
      "</urlset>\n");
  EXPECT_EQ(s.urls,
            (Urls{"http://www.example.com/", "http://www.example.com/b"}));
  EXPECT_TRUE(s.sitemaps.empty());
  EXPECT_FALSE(s.truncated);
}

TEST(Sitemap, SitemapIndex) {
  const Sitemap s = ParseSitemap(
      "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<sitemap><loc>http://e.com/s1.xml.gz</loc>"
      "<lastmod>2004-10-01T18:23:17+00:00</lastmod></sitemap>"
      "<sitemap><loc>http://e.com/s2.xml</loc></sitemap>"
      "</sitemapindex>");
  EXPECT_EQ(s.sitemaps,
            (Urls{"http://e.com/s1.xml.gz", "http://e.com/s2.xml"}));
  EXPECT_TRUE(s.urls.empty());
}

TEST(Sitemap, EntitiesAndCharacterReferences) {
  const Sitemap s = ParseSitemap(
      "<urlset>"
      "<url><loc>http://e.com/?a=1&amp;b=2&lt;&gt;&quot;&apos;</loc></url>"
      "<url><loc>http://e.com/&#233;&#xE9;&#X41;&#x1F600;</loc></url>"
      "<url><loc>http://e.com/&unknown;&amp&#xZZ;&#0;&#xD800;&#x110000;</loc></"
      "url>"
      "</urlset>");
  EXPECT_EQ(s.urls,
            (Urls{"http://e.com/?a=1&b=2<>\"'",
                  "http://e.com/\xC3\xA9\xC3\xA9"
                  "A\xF0\x9F\x98\x80",
                  "http://e.com/&unknown;&amp&#xZZ;&#0;&#xD800;&#x110000;"}));
}

TEST(Sitemap, CdataCommentsAndNamespaces) {
  const Sitemap s = ParseSitemap(
      "<sm:urlset xmlns:sm='http://www.sitemaps.org/schemas/sitemap/0.9'>"
      "<!-- <url><loc>http://e.com/commented</loc></url> -->"
      "<sm:url><sm:loc><![CDATA[http://e.com/?a=1&amp;b]]></sm:loc></sm:url>"
      "<URL><LOC> <![CDATA[http://e.com/]]>x<!-- c -->y </LOC></URL>"
      "<url a=\"x>y\"><loc attr='1'>http://e.com/attr</loc></url>"
      "<url><loc/><loc>http://e.com/after-empty</loc></url>"
      "<url><loc>http://e.com/<b>bold</b>/x</loc></url>"
      "<url><image:image><image:loc>http://e.com/i.jpg</image:loc></"
      "image:image>"
      "<loc>http://e.com/page</loc></url>"
      "</sm:urlset>");
  EXPECT_EQ(s.urls, (Urls{"http://e.com/?a=1&amp;b", "http://e.com/xy",
                          "http://e.com/attr", "http://e.com/after-empty",
                          "http://e.com/bold/x", "http://e.com/page"}));
}

TEST(Sitemap, LocOutsideUrlOrSitemapIsIgnored) {
  const Sitemap s = ParseSitemap(
      "<urlset><loc>http://e.com/stray</loc>"
      "<url><x><loc>http://e.com/nested</loc></x></url>"
      "<url><loc>http://e.com/ok</loc></url></urlset>");
  EXPECT_EQ(s.urls, (Urls{"http://e.com/ok"}));
}

TEST(Sitemap, Gzip) {
  std::string xml = "<urlset>";
  for (int i = 0; i < 1000; ++i) {
    xml += "<url><loc>http://e.com/" + std::to_string(i) + "</loc></url>";
  }
  xml += "</urlset>";
  const Sitemap s = ParseSitemap(Gzip(xml));
  ASSERT_EQ(s.urls.size(), 1000u);
  EXPECT_EQ(s.urls[999], "http://e.com/999");
  EXPECT_FALSE(s.truncated);

  // Two concatenated gzip members (RFC 1952) are one file.
  const Sitemap two =
      ParseSitemap(Gzip("<urlset><url><loc>http://a/</loc>") +
                   Gzip("</url><url><loc>http://b/</loc></url>"));
  EXPECT_EQ(two.urls, (Urls{"http://a/", "http://b/"}));

  // A stream cut short keeps what it had decoded.
  const std::string gz = Gzip(xml);
  const Sitemap cut =
      ParseSitemap(std::string_view(gz).substr(0, gz.size() / 2));
  EXPECT_GT(cut.urls.size(), 0u);
  EXPECT_LT(cut.urls.size(), 1000u);

  // Exactly max_bytes of output is not a truncation.
  const std::string small = "<urlset><url><loc>http://e/</loc></url></urlset>";
  const Sitemap exact = ParseSitemap(Gzip(small), small.size());
  EXPECT_FALSE(exact.truncated);
  EXPECT_EQ(exact.urls, (Urls{"http://e/"}));
  EXPECT_TRUE(ParseSitemap(Gzip(small), small.size() - 1).truncated);
}

// 100 MB of zeros compress to about 100 KB; with max_bytes 1 MB decompression
// stops there (the result is bounded, so the work is too).
TEST(Sitemap, GzipBombStopsAtMaxBytes) {
  const std::string bomb = GzipZeros(100u << 20);
  ASSERT_LT(bomb.size(), 200u * 1024);
  const Sitemap s = ParseSitemap(bomb, 1 << 20);
  EXPECT_TRUE(s.truncated);
  EXPECT_TRUE(s.urls.empty());
  EXPECT_TRUE(s.sitemaps.empty());
}

TEST(Sitemap, MaxBytesOnAPlainBody) {
  const std::string xml =
      "<urlset><url><loc>http://a/</loc></url><url><loc>http://b/</loc></url>"
      "</urlset>";
  const Sitemap s = ParseSitemap(xml, xml.find("<url><loc>http://b/"));
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(s.urls, (Urls{"http://a/"}));
  EXPECT_FALSE(ParseSitemap(xml, xml.size()).truncated);
}

TEST(Sitemap, MaxEntries) {
  std::string xml = "<urlset>";
  for (int i = 0; i < 10; ++i) {
    xml += "<url><loc>http://e.com/" + std::to_string(i) + "</loc></url>";
  }
  xml += "</urlset>";
  const Sitemap s = ParseSitemap(xml, 1 << 20, 3);
  EXPECT_EQ(s.urls,
            (Urls{"http://e.com/0", "http://e.com/1", "http://e.com/2"}));
  EXPECT_TRUE(s.truncated);
  const Sitemap all = ParseSitemap(xml, 1 << 20, 10);
  EXPECT_EQ(all.urls.size(), 10u);
  EXPECT_FALSE(all.truncated);
  // URLs and sitemaps count together.
  const Sitemap mixed = ParseSitemap(
      "<sitemap><loc>http://s/</loc></sitemap><url><loc>http://u/</loc></url>",
      1 << 20, 1);
  EXPECT_EQ(mixed.sitemaps, (Urls{"http://s/"}));
  EXPECT_TRUE(mixed.urls.empty());
  EXPECT_TRUE(mixed.truncated);
}

TEST(Sitemap, GarbageNeverBreaksIt) {
  for (std::string_view body :
       {"", "<", "<<<<", "</", "<url", "<url><loc>http://x/", "<!--",
        "<![CDATA[", "<url><loc><![CDATA[x", "<url><loc>a<b", "\x1f",
        "\x1f\x8b", "\x1f\x8b\x08\x00garbage", "<url a=\"unterminated>",
        "<url><loc>a</url></loc>", "&#xFFFFFFFFFFFF;", "<?xml", "<!DOCTYPE"}) {
    const Sitemap s = ParseSitemap(body);
    EXPECT_TRUE(s.urls.empty()) << body;
    EXPECT_TRUE(s.sitemaps.empty()) << body;
  }
  // A '<' that starts no markup inside <loc> is text.
  EXPECT_EQ(ParseSitemap("<url><loc>a < b</loc></url>").urls, (Urls{"a < b"}));
  std::mt19937 rng(99);
  const std::string_view pieces[] = {
      "<url>", "</url>", "<loc>",    "</loc>", "<sitemap>", "<![CDATA[", "]]>",
      "<!--",  "-->",    "&amp;",    "&#",     "<",         ">",         "\"",
      "'",     "x",      "\x1f\x8b", "/",      "a:"};
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    const int n = std::uniform_int_distribution<int>(0, 30)(rng);
    for (int i = 0; i < n; ++i) body += pieces[rng() % std::size(pieces)];
    const Sitemap s = ParseSitemap(body, 1 << 16, 5);
    EXPECT_LE(s.urls.size() + s.sitemaps.size(), 5u);
  }
}

}  // namespace
}  // namespace crawl
