#!/usr/bin/env python3
"""Differential test: crawl's robots.txt matcher against Protego (Scrapy's).

Usage: protego_diff.py PATH_TO_ROBOTS_CHECK [--cases N] [--seed S]

Each case is a random robots.txt file and a batch of paths. robots_check
(tests/robots/robots_check.cc) answers for all of them in one run, Protego
answers with Protego.parse(text).can_fetch(path, TOKEN), and every answer
must agree. Exits non-zero on any disagreement, printing the first few with
their robots.txt and path. The last line is "N passed, M failed" (cases).

The files stay where RFC 9309 is unambiguous and Protego (checked: 0.2.1,
Debian's python3-protego) follows it. Every area left out, and why:

  * User-agent values are exact product tokens ("examplebot", in any case),
    "*", or other tokens that are not substrings of ours. Protego matches a
    group when its whole value is a *substring* of the crawler's name and
    then takes only the single best-scoring group; it neither reduces a value
    like "examplebot/1.0" to its product token nor requires a whole-token
    match ("example" would match "examplebot"). Values containing '*' (which
    Protego strips) and empty values (which Protego skips without starting a
    group, so the following rules join the previous group) are left out too.
  * Between consecutive user-agent lines there are only blank and comment
    lines. Protego ends a run of user-agent lines at any other record
    (Sitemap, Crawl-delay, Host, unknown keys), although RFC 9309 2.2.4 says
    other records MUST NOT terminate a group. Such records only follow a
    rule here.
  * No byte order mark: Protego reads U+FEFF as part of the first key.
  * Lines end in "\\n", "\\r\\n" or "\\r", whitespace is spaces and tabs only:
    Python's splitlines() and strip() also split on and strip \\v, \\f,
    \\x1c-\\x1e, \\x85, U+2028 and friends.
  * A line without ':' ("disallow /x") uses a lower-case key and a space:
    Protego's fallback compares keys case-sensitively and splits on ' ' only.
  * Every pattern starts with '/'. Protego prepends '/' to any other value,
    so "*.gif" gets one octet longer there than here, which changes
    longest-match ties.
  * '$' appears only as the last octet of a pattern without '?', and never in
    paths. For every pattern with '$' Protego adds a second rule with each
    '$' replaced by "%24" (so "/a$" also matches "/a$x" literally, with a
    longer priority), and for "/a?b$" it moves the '$' before the query.
  * No reserved character other than '/' and '?' and, in queries, '=' and
    '&' (no ':', '@', '!', ';', ',', '+', ...), literal or percent-encoded,
    except "%2F" and "%2A". Protego decodes and re-encodes the path part on
    both sides, so "%3A" and ':' are equal there and ':' counts three octets
    in a pattern's length; RFC 3986 keeps reserved characters and their
    encodings distinct, and so do we. (';' also starts urlparse's params.)
  * Percent-encoding and non-ASCII only before the '?'. Protego leaves the
    query untouched on both sides, so "%61" and "a" differ there and a
    non-ASCII character counts one (a code point) in a pattern's length.
  * At most one '?' in a pattern, and no path ends in an empty query ("/a?"):
    Protego's urlparse round trip drops an empty query from the path (so
    "/a?" is "/a") and misplaces a trailing '?' after an earlier one.
  * No '%' that does not start an escape, and no escape of invalid UTF-8:
    Protego keeps a stray '%' as is (we read it as "%25") and turns invalid
    UTF-8 into U+FFFD.
  * No path or pattern starts with "//": urlparse takes what follows as a
    host name.
  * No path is "/robots.txt", which RFC 9309 always allows and Protego does
    not; no pattern ends in "/index.html", for which Protego adds an Allow
    of the directory.

`--deviations` runs one example of each area above through both parsers
and prints the two answers (they differ in every one).

Inside that region the files mix: groups for our token (merged when
repeated), '*' groups (fallback, merged, not inherited), other crawlers'
groups, groups with several user-agent lines and groups without rules,
rules before the first group, empty Disallow/Allow values, misspelt keys,
spacing around ':', comments, blank lines, Sitemap, Crawl-delay and unknown
records after rules, all three line endings, '*' anywhere (also repeated),
a final '$', queries, percent-encoded unreserved characters (either hex
case), "%2F", "%2A" against a literal '*', characters outside URIs ('{',
' ') literal or encoded, and non-ASCII UTF-8 literal or encoded.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile

try:
    from protego import Protego
except ImportError:  # an interpreter other than Debian's python3
    sys.path.append("/usr/lib/python3/dist-packages")
    from protego import Protego

TOKEN = "ExampleBot"
# One example per area the random files stay out of: (area, robots.txt, path).
DEVIATIONS = [
    ("user-agent substring", "User-agent: example\nDisallow: /\n", "/a"),
    ("user-agent with version", "User-agent: ExampleBot/1.0\nDisallow: /\n",
     "/a"),
    ("'*' in a user-agent", "User-agent: *examplebot\nDisallow: /\n", "/a"),
    ("empty user-agent", "User-agent: examplebot\nDisallow: /x\n"
     "User-agent:\nDisallow: /y\n", "/y"),
    ("record between agents", "User-agent: examplebot\nSitemap: http://s/\n"
     "User-agent: other\nDisallow: /\n", "/a"),
    ("byte order mark", "\ufeffUser-agent: *\nDisallow: /\n", "/a"),
    ("\\v ends a line", "User-agent: *\x0bDisallow: /a\n", "/a"),
    ("no colon, capital key", "User-agent: *\nDisallow /a\n", "/a"),
    ("pattern without '/'", "User-agent: *\nAllow: /ab\nDisallow: *ab\n",
     "/ab"),
    ("'$' also literal", "User-agent: *\nDisallow: /a$\n", "/a$x"),
    ("'$' after a query", "User-agent: *\nDisallow: /a?b$\n", "/a?b"),
    ("reserved vs encoded", "User-agent: *\nDisallow: /a:b\n", "/a%3Ab"),
    ("reserved length", "User-agent: *\nAllow: /a!!*\nDisallow: /a*bcdef\n",
     "/a!!bcdef"),
    ("escapes in a query", "User-agent: *\nDisallow: /a?x=%61\n", "/a?x=a"),
    ("non-ASCII query length", "User-agent: *\nAllow: /a?\u00e9\u00e9\n"
     "Disallow: /a?******\n", "/a?\u00e9\u00e9"),
    ("empty query", "User-agent: *\nDisallow: /a?\n", "/a?"),
    ("'?' after '?'", "User-agent: *\nDisallow: /a?b?\n", "/a?b?"),
    ("stray '%'", "User-agent: *\nDisallow: /a%zz\n", "/a%25zz"),
    ("invalid UTF-8 escape", "User-agent: *\nDisallow: /a%C3\n", "/a%C3%A9"),
    ("leading '//'", "User-agent: *\nDisallow: //x\n", "//x"),
    ("/robots.txt", "User-agent: *\nDisallow: /\n", "/robots.txt"),
    ("index.html", "User-agent: *\nDisallow: /d/\nAllow: /d/index.html\n",
     "/d/"),
]
AGENTS = ["examplebot", "ExampleBot", "EXAMPLEBOT", "*", "*", "otherbot",
          "crawler", "acme-spider"]
UA_KEYS = ["User-agent", "user-agent", "USER-AGENT", "useragent", "User agent"]
ALLOW_KEYS = ["Allow", "allow", "ALLOW"]
DISALLOW_KEYS = ["Disallow", "disallow", "DISALLOW", "dissallow", "disalow"]
SEPARATORS = [":", ": ", " : ", ":\t", "  :  "]
PATH_CHARS = "abcAB01-._~"
QUERY_CHARS = "abc01=&"
UNRESERVED_ESCAPES = {c: "%{:02X}".format(ord(c)) for c in PATH_CHARS}
# Tokens with several spellings that RFC 9309 says are the same octets.
EQUIVALENT = [
    ["\u00e9", "%C3%A9", "%c3%a9"],
    ["\u65e5", "%E6%97%A5", "%e6%97%a5"],
    ["{", "%7B", "%7b"],
    ["%20"],
    ["%2F", "%2f"],
]
STAR_ESCAPES = ["%2A", "%2a"]  # a literal '*'; in paths also spelt '*'


def spell(rng, token, in_path):
    """Returns one of the equivalent spellings of `token`."""
    if token in PATH_CHARS:
        esc = UNRESERVED_ESCAPES[token]
        return rng.choice([token, token, esc, esc.lower()])
    if token in STAR_ESCAPES:
        return rng.choice(STAR_ESCAPES + (["*"] if in_path else []))
    for group in EQUIVALENT:
        if token in group:
            return rng.choice(group)
    return token


def random_path_tokens(rng, n):
    tokens = []
    for _ in range(n):
        r = rng.random()
        if r < 0.65:
            tokens.append(rng.choice(PATH_CHARS))
        elif r < 0.8:
            tokens.append("/")
        elif r < 0.85:
            tokens.append(rng.choice(STAR_ESCAPES))
        else:
            tokens.append(rng.choice(EQUIVALENT)[0])
    return tokens


def random_query(rng, n):
    return [rng.choice(QUERY_CHARS) for _ in range(n)]


class Pattern:
    """A rule pattern as tokens: path tokens, '*', an optional query."""

    def __init__(self, rng):
        self.path = random_path_tokens(rng, rng.randint(0, 6))
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            self.path.insert(rng.randint(0, len(self.path)), "*")
        self.query = None
        if rng.random() < 0.2:
            self.query = random_query(rng, rng.randint(0, 4))
            if rng.random() < 0.3:
                self.query.insert(rng.randint(0, len(self.query)), "*")
        self.anchored = self.query is None and rng.random() < 0.25
        if self.path[:1] == ["/"]:
            self.path[0] = "a"  # never "//..."

    def text(self, rng):
        s = "/" + "".join(spell(rng, t, False) for t in self.path)
        if self.query is not None:
            s += "?" + "".join(self.query)
        return s + ("$" if self.anchored else "")

    def example_path(self, rng):
        """A path near this pattern: stars filled, re-spelt, maybe changed."""
        out = []
        for t in self.path:
            if t == "*":
                out += random_path_tokens(rng, rng.choice([0, 1, 3]))
            else:
                out.append(t)
        query = None
        if self.query is not None:
            query = []
            for t in self.query:
                query += (random_query(rng, rng.choice([0, 1, 3]))
                          if t == "*" else [t])
        r = rng.random()
        if r < 0.2:
            out += random_path_tokens(rng, rng.randint(1, 3))
        elif r < 0.35 and out:
            out.pop(rng.randrange(len(out)))
        elif r < 0.45 and query is None:
            query = random_query(rng, rng.randint(1, 3))
        return make_path(rng, out, query)


def make_path(rng, tokens, query):
    s = "/" + "".join(spell(rng, t, True) for t in tokens)
    if s.startswith("//"):
        s = "/a" + s[1:]
    if query:
        s += "?" + "".join(query)
    if s == "/robots.txt":
        s = "/robots.txt2"
    return s


def rule_line(rng, pattern):
    allow = rng.random() < 0.4
    value = pattern.text(rng)
    if rng.random() < 0.08:
        value = ""  # "Disallow:" / "Allow:": no rule
    key = rng.choice(ALLOW_KEYS if allow else DISALLOW_KEYS)
    if value and rng.random() < 0.1:
        line = key.lower() + " " + value  # no colon
    else:
        line = key + rng.choice(SEPARATORS) + value
    if rng.random() < 0.1:
        line = "  " + line + "  # trailing comment"
    return line


def extra_line(rng):
    return rng.choice([
        "", "# a comment", "Sitemap: https://example.com/sitemap.xml",
        "Crawl-delay: 5", "Host: example.com", "Noindex: /a", "junk line",
    ])


def random_robots(rng):
    """Returns (robots.txt text, the patterns in it)."""
    patterns = []
    lines = []
    if rng.random() < 0.2:
        p = Pattern(rng)
        patterns.append(p)
        lines.append(rule_line(rng, p))  # before any group: ignored
    if rng.random() < 0.2:
        lines.append(extra_line(rng))
    for _ in range(rng.randint(0, 4)):
        for i in range(rng.choice([1, 1, 1, 2, 3])):
            if i and rng.random() < 0.2:
                lines.append(rng.choice(["", "# between agents"]))
            lines.append(rng.choice(UA_KEYS) + rng.choice(SEPARATORS) +
                         rng.choice(AGENTS))
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6])):
            p = Pattern(rng)
            patterns.append(p)
            lines.append(rule_line(rng, p))
            if rng.random() < 0.15:
                lines.append(extra_line(rng))
        if rng.random() < 0.3:
            lines.append("")
    eol = rng.choice(["\n", "\r\n", "\r"])
    text = eol.join(lines) + (eol if rng.random() < 0.8 else "")
    return text, patterns


def random_paths(rng, patterns, n):
    paths = []
    for _ in range(n):
        if patterns and rng.random() < 0.8:
            paths.append(rng.choice(patterns).example_path(rng))
        else:
            query = None
            if rng.random() < 0.2:
                query = random_query(rng, rng.randint(1, 3))
            tokens = random_path_tokens(rng, rng.randint(0, 8))
            paths.append(make_path(rng, tokens, query))
    return paths


def ours(robots_check, robots_file, paths):
    out = subprocess.run([robots_check, robots_file, TOKEN],
                         input="".join(p + "\n" for p in paths).encode(),
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    answers = out.split()
    if len(answers) != len(paths):
        raise RuntimeError("robots_check printed %d answers for %d paths"
                           % (len(answers), len(paths)))
    return [a == "1" for a in answers]


def show(text):
    """The robots.txt text with its line endings made visible."""
    for eol in ("\r\n", "\r", "\n"):
        text = text.replace(eol, eol.encode("unicode_escape").decode() + "\0")
    return text.replace("\0", "\n")


def show_deviations(robots_check):
    with tempfile.TemporaryDirectory() as tmp:
        robots_file = os.path.join(tmp, "robots.txt")
        for area, text, path in DEVIATIONS:
            with open(robots_file, "wb") as f:
                f.write(text.encode("utf-8"))
            got = ours(robots_check, robots_file, [path])[0]
            want = Protego.parse(text).can_fetch(path, TOKEN)
            print("%-24s %-12r robots_check %-8s Protego %s"
                  % (area, path, "allow" if got else "disallow",
                     "allow" if want else "disallow"))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("robots_check")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--paths", type=int, default=25,
                        help="paths checked per robots.txt (default 25)")
    parser.add_argument("--deviations", action="store_true",
                        help="show the areas left out, answered by both")
    args = parser.parse_args()
    if args.deviations:
        return show_deviations(args.robots_check)

    rng = random.Random(args.seed)
    failures = []
    failed_cases = 0
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        robots_file = os.path.join(tmp, "robots.txt")
        for case in range(args.cases):
            text, patterns = random_robots(rng)
            paths = random_paths(rng, patterns, args.paths)
            with open(robots_file, "wb") as f:
                f.write(text.encode("utf-8"))
            mine = ours(args.robots_check, robots_file, paths)
            parsed = Protego.parse(text)
            bad = False
            for path, got in zip(paths, mine):
                want = parsed.can_fetch(path, TOKEN)
                checked += 1
                if got != want:
                    bad = True
                    if len(failures) < 5:
                        failures.append((case, text, path, got, want))
            failed_cases += bad

    for case, text, path, got, want in failures:
        print("case %d: path %r: robots_check %s, Protego %s\n%s\n---"
              % (case, path, "allow" if got else "disallow",
                 "allow" if want else "disallow", show(text)))
    print("%d paths checked in %d robots.txt files (seed %d)"
          % (checked, args.cases, args.seed))
    print("%d passed, %d failed" % (args.cases - failed_cases, failed_cases))
    return 1 if failed_cases else 0


if __name__ == "__main__":
    sys.exit(main())
