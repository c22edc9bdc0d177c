#!/usr/bin/env python3
"""HTTP-response fuzzing: a hostile server cannot crash, hang or fool a crawl.

    response_fuzz.py PATH_TO_CRAWL [--seeds N] [--first S] [--pages N]
                     [--no-expect] [-v]

For each seed S a raw-socket server (rawserver.py) serves the site /f/S/N:
page N is answered with one malformation from CATALOGUE below, chosen (with
its variant) by random.Random("S:/f/S/N"), so every request for a path gets
the same bytes and any failure replays from its seed. /f/S/0 is a clean page.
crawl runs against it with --links, --retries 2 and short timeouts (some
seeds with robots.txt on, itself fuzzed, some over one connection).

The token: page N's first link is its own token, http://token.invalid/t/S/N
(out of scope: listed in link_urls, never fetched), and every other link on
it is a child of N, /f/S/M with M = 64*N + k (1 <= k <= 64, in any spelling
of 127.0.0.1), so each link names its page: parent(M) = (M - 1) // 64.
Responses that answer no request (appended after a body, after the last
chunk or after a 204/304, or sent 50 ms after a complete response on an
idle kept-alive connection) have status 203 and link to /s/S/N/k. So a
record carries its own URL's response exactly when its status is not 203
and each of its link_urls, and its redirect_to if on the site, is its own
token or one of its own children; a clean page must also carry its token.
(Unsolicited bytes go out only on an idle connection: had the next request
come first, they would be its answer, which no client can tell. See
RawServer's send_later.)

The run fails (exit 1, naming seed and URL) on: a crawl exit code other than
0, a sanitizer report on stderr, a crawl that does not end within its bound,
a stdout line that is not UTF-8 or not JSON, two records for one URL, a
record carrying another URL's response, a URL requested more than
1 + retries times by the server's log, more requests than the record's
`attempts` (curl's silent resends), a disallowed path requested after a
clean robots.txt, a handler error (a harness bug), and, unless --no-expect,
a record that contradicts what README.md says of the malformation (e.g. a
status 600 that is not `bad_response`, a cut gzip stream that is not
`truncated`, a 304 followed as a redirect) or names an error kind README.md
does not list. Looser expectations from RFC
9112 (conflicting Content-Lengths are an error, ...) are reported only.
"""
import argparse
import collections
import gzip
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawserver import RawServer  # noqa: E402

RETRIES = 2
FANOUT = 64          # child M of page N is 64*N + k, k in 1..64
PAGE_LINKS = 4       # links per page; the root has Page.root_links (--pages)
DEPTH = 2            # crawled with --depth 2: 1 + R + 4R pages at most
SMUGGLED_STATUS = 203
CRAWL_BOUND_S = 150  # a crawl that runs longer hangs
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "Sanitizer",
                   "LeakSanitizer")
# README.md's error kinds: a record names one of these, or the reader cannot
# tell what happened.
ERROR_KINDS = {"timeout", "connect", "dns", "tls", "network", "truncated",
               "bad_response", "header_too_large", "decoding", "cancelled",
               "private_address", "redirect_limit", "redirect", "robots",
               "exception"}
PAGE_RE = re.compile(r"^/f/(\d+)/(\d+)$")
DECOY_RE = re.compile(r"^/s/(\d+)/(\d+)/(\d+)$")
TOKEN_RE = re.compile(r"^/t/(\d+)/(\d+)$")
TOKEN_HOST = "token.invalid"  # out of scope: listed in link_urls, never fetched


def parent_of(m):
    return (m - 1) // FANOUT


# --------------------------------------------------------------- a page ---

class Page:
    """What a generator knows of the page it answers for."""

    root_links = 11  # set from --pages

    def __init__(self, seed, n, port, rng, robots=False):
        self.seed, self.n, self.port, self.rng = seed, n, port, rng
        self.robots = robots
        self.variants = []
        self.exhausted = False  # --max-pages was reached: links are dropped
        self._body = {}
        count = self.root_links if n == 0 else PAGE_LINKS
        self.children = [FANOUT * n + k for k in range(1, count + 1)]

    def pick(self, options):
        """rng.choice, remembered as the variant (for messages)."""
        choice = self.rng.choice(options)
        self.variants.append(repr(choice)[:40])
        return choice

    def child_path(self, m=None):
        return "/f/%d/%d" % (self.seed, self.children[0] if m is None else m)

    def odd_host(self):
        """127.0.0.1 spelled oddly (or a loopback alias out of scope)."""
        return self.rng.choice([
            "0x7f.1", "2130706433", "0177.0.0.1", "127.1", "0x7f000001",
            "127.0.0.1.", "[::ffff:7f00:1]", "[::ffff:127.0.0.1]",
            "0x7F.0.0.01"])

    def child_url(self, m, style=None):
        style = style or self.rng.choice(["abs-path", "abs", "rel", "odd"])
        path = self.child_path(m)
        if style == "abs-path":
            return path
        if style == "rel":
            return str(m)
        host = "127.0.0.1" if style == "abs" else self.odd_host()
        return "http://%s:%d%s" % (host, self.port, path)

    def body(self, odd=False):
        """The page: its token, then links to its children (made once)."""
        if odd not in self._body:
            self._body[odd] = self._make_body(odd)
        return self._body[odd]

    def _make_body(self, odd):
        if self.robots:
            return ("User-agent: *\nDisallow: /f/%d/2\n" % self.seed).encode()
        links = '<a href="%s">token</a>\n' % self.token()
        links += "".join(
            '<a href="%s">%d</a>\n' % (
                self.child_url(m, "odd" if odd and i % 2 else None), m)
            for i, m in enumerate(self.children))
        return ("<!DOCTYPE html><html><head><title>page /f/%d/%d</title>"
                "<meta name=token content=\"/f/%d/%d\"></head><body>\n%s"
                "</body></html>\n" % (self.seed, self.n, self.seed, self.n,
                                      links)).encode()

    def token(self):
        return "http://%s/t/%d/%d" % (TOKEN_HOST, self.seed, self.n)

    @property
    def ctype(self):
        return "text/plain" if self.robots else "text/html; charset=utf-8"

    def smuggled(self):
        """A whole response that answers nothing: status 203, decoy links."""
        links = "".join('<a href="/s/%d/%d/%d">s</a>' % (self.seed, self.n, k)
                        for k in range(1, 4))
        body = ("<html><body>unsolicited, after /f/%d/%d %s</body></html>" %
                (self.seed, self.n, links)).encode()
        return response("HTTP/1.1 203 Smuggled", [
            ("Content-Type", "text/html"), ("Location", "/s/%d/%d/9" % (
                self.seed, self.n))], body)


def head(status_line, headers, eol=b"\r\n"):
    out = status_line.encode("latin-1") + eol if status_line is not None else b""
    for h in headers:
        if isinstance(h, bytes):
            out += h + eol
        else:
            out += ("%s: %s" % h).encode("latin-1") + eol
    return out + eol


def response(status_line, headers, body, length=True, eol=b"\r\n"):
    headers = list(headers)
    if length:
        headers.append(("Content-Length", str(len(body))))
    return head(status_line, headers, eol) + body


def ok(p, body=None, status="HTTP/1.1 200 OK", extra=()):
    body = p.body() if body is None else body
    return response(status, [("Content-Type", p.ctype), *extra], body)


def chunked(data, rng):
    """data as chunks of random sizes (without the last chunk)."""
    out, i = b"", 0
    while i < len(data):
        k = min(rng.randint(1, 200), len(data) - i)
        out += b"%x\r\n" % k + data[i:i + k] + b"\r\n"
        i += k
    return out


_cache = {}


def bomb(mb=32):
    """mb MB of zeros gzipped (about 32 KB), made once per process."""
    if mb not in _cache:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"\0" * (1 << 20)
        _cache[mb] = b"".join(z.compress(chunk) for _ in range(mb)) + z.flush()
    return _cache[mb]


CLOSE, RESET, LATE = "close", "reset", "late"


# ------------------------------------------------------------ catalogue ---
# A generator takes a Page and returns the actions that answer one request:
# bytes to send, a number (seconds to wait), CLOSE or RESET; with neither at
# the end the connection stays open for the next request. (LATE, seconds,
# bytes) is conn.send_later (see rawserver.py): unsolicited bytes, sent only
# on an idle connection.
# `expect` (README.md's rules, failing) and `rfc` (looser, reported) check a
# record: (outcomes, error kinds or None), or a function record -> message.

CATALOGUE = {}


def case(weight=1.0, expect=None, rfc=None, robots=True):
    def register(fn):
        CATALOGUE[fn.__name__] = (fn, weight, expect, rfc, robots)
        return fn
    return register


FETCHED = ({"fetched"}, None)


def PAGE(rec, p):
    """Fetched, and the page's own: its token is among its links."""
    if rec.get("outcome") != "fetched":
        return "outcome %s/%s, want fetched" % (
            rec.get("outcome"), (rec.get("error") or {}).get("kind"))
    if not p.exhausted and p.token() not in (rec.get("link_urls") or []):
        return "fetched, but without its token link %s (links: %s)" % (
            p.token(), (rec.get("link_urls") or [])[:3])
    return None


CLEAN = ("ok_plain", "ok_chunked", "ok_http10_close")
ERROR = ({"error"}, None)


def error(*kinds):
    return ({"error"}, set(kinds))


# Clean pages keep the crawl going.
@case(weight=6, expect=PAGE)
def ok_plain(p):
    return [ok(p)]


@case(weight=3, expect=PAGE)
def ok_chunked(p):
    rng = p.rng
    trailer = p.pick([b"", b"X-Trailer: yes\r\n"])
    ext = p.pick([b"", b";ext=1", b";a=\"b\""])
    body = chunked(p.body(), rng).replace(b"\r\n", ext + b"\r\n", 1)
    return [head("HTTP/1.1 200 OK", [("Content-Type", p.ctype),
                                     ("Transfer-Encoding", "chunked")])
            + body + b"0\r\n" + trailer + b"\r\n"]


@case(weight=2, expect=PAGE)
def ok_gzip(p):
    return [ok(p, gzip.compress(p.body()), extra=[("Content-Encoding", "gzip")])]


@case(weight=1, expect=PAGE)
def ok_http10_close(p):
    return [head("HTTP/1.0 200 OK", [("Content-Type", p.ctype)]) + p.body(),
            CLOSE]


@case(weight=2, expect=PAGE)
def links_odd_ip(p):
    return [ok(p, p.body(odd=True))]


# Status lines.
@case(expect=PAGE)
def status_no_reason(p):
    return [ok(p, status=p.pick(["HTTP/1.1 200", "HTTP/1.1 200 "]))]


@case(expect=error("bad_response"))
def status_bad_code(p):
    code = p.pick(["000", "099", "600", "999"])
    return [ok(p, status="HTTP/1.1 %s Odd" % code), CLOSE]


@case(expect=error("bad_response"))
def status_http09(p):
    return [p.body(), CLOSE]


@case(expect=error("bad_response"))
def status_http2_text(p):
    line = p.pick(["HTTP/2.0 200 OK", "HTTP/2 200", "HTTP/3 200"])
    return [ok(p, status=line), CLOSE]


@case(expect=error("bad_response"))
def status_garbage(p):
    rng = p.rng
    line = p.pick([
        "HTTP/1.1 2OO OK", "HTP/1.1 200 OK", "HTTP/1.1200 OK", "HTTP/1.1 -200 OK",
        "HTTP/1.1 20000 OK", "SSH-2.0-OpenSSH_9.2",
        "".join(chr(rng.randint(33, 126)) for _ in range(rng.randint(1, 40))),
        "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"])
    if rng.random() < 0.2:  # an HTTP/2 server's SETTINGS frame
        p.variants.append("h2 SETTINGS frame")
        return [b"\x00\x00\x12\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00d"
                b"\x00\x04\x00\x01\x00\x00\x00\x05\x00\xff\xff\xff", CLOSE]
    return [ok(p, status=line), CLOSE]


@case(weight=0.5)
def status_101_unasked(p):
    return [head("HTTP/1.1 101 Switching Protocols",
                 [("Upgrade", "h2c"), ("Connection", "Upgrade")])
            + p.pick([ok(p), b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"]),
            CLOSE]


# Content-Length.
@case(rfc=ERROR)
def cl_conflict(p):
    body = p.body()
    a, b = len(body), len(body) + p.pick([-20, 20, 1000])
    if p.rng.random() < 0.5:
        a, b = b, a
    if p.rng.random() < 0.5:
        hdrs = [("Content-Length", str(a)), ("Content-Length", str(b))]
    else:
        hdrs = [("Content-Length", "%d, %d" % (a, b))]
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype), *hdrs],
                     body, length=False), CLOSE]


@case(expect=PAGE)
def cl_duplicate_same(p):
    body = p.body()
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype),
                                         ("Content-Length", str(len(body)))],
                     body)]


@case(expect=ERROR)
def cl_huge(p):
    value = p.pick(["99999999999999999999999", "9223372036854775807",
                          "18446744073709551616", "1000000000000"])
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype),
                                         ("Content-Length", value)],
                     p.body(), length=False), CLOSE]


@case(rfc=ERROR)
def cl_invalid(p):
    value = p.pick(["-5", "12abc", "+%d", "0x20", "1e3", "", " %d x"])
    if "%d" in value:
        value %= len(p.body())
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype),
                                         ("Content-Length", value)],
                     p.body(), length=False), CLOSE]


@case(rfc=FETCHED)
def cl_with_chunked(p):
    body = chunked(p.body(), p.rng) + b"0\r\n\r\n"
    cl = p.pick([5, len(p.body()), len(body) + 100])
    hdrs = [("Content-Type", p.ctype), ("Content-Length", str(cl)),
            ("Transfer-Encoding", "chunked")]
    p.rng.shuffle(hdrs)
    return [head("HTTP/1.1 200 OK", hdrs) + body, CLOSE]


# Chunks.
def chunked_head(p):
    return head("HTTP/1.1 200 OK", [("Content-Type", p.ctype),
                                    ("Transfer-Encoding", "chunked")])


@case(expect=ERROR)
def chunk_bad_size(p):
    size = p.pick([b"zz", b"-1", b"ffffffffffffffffffffffff", b"0x10",
                         b"1 0", b"", b"\xff"])
    data = chunked(p.body(), p.rng)
    return [chunked_head(p) + size + b"\r\n" + data + b"0\r\n\r\n", CLOSE]


@case(expect=error("truncated"))
def chunk_no_last(p):
    return [chunked_head(p) + chunked(p.body(), p.rng), CLOSE]


@case(weight=0.3, expect=error("timeout"))
def chunk_no_last_silence(p):
    return [chunked_head(p) + chunked(p.body(), p.rng), 5.0, CLOSE]


@case(expect=error("truncated"))
def chunk_short(p):
    return [chunked_head(p) + b"1000\r\n" + p.body(), CLOSE]


@case(expect=ERROR)
def chunk_missing_crlf(p):
    body = p.body()
    return [chunked_head(p) + b"%x\r\n" % 10 + body[:10] + b"%x\r\n" % (
        len(body) - 10) + body[10:] + b"\r\n0\r\n\r\n", CLOSE]


@case(expect=PAGE)
def chunk_data_after_last(p):
    after = p.pick([p.smuggled(), b"garbage\r\n\r\n", b"\r\n" * 3,
                          b"0\r\n\r\n"])
    return [chunked_head(p) + chunked(p.body(), p.rng) + b"0\r\n\r\n" + after]


# Header lines.
@case(expect=PAGE)
def hdr_obs_fold(p):
    return [response("HTTP/1.1 200 OK", [
        ("Content-Type", p.ctype), b"X-Folded: a", b" b", b"\tc",
        ("Server", "fuzz")], p.body())]


@case()
def hdr_fold_first(p):
    # curl 7.88 double-freed on this (curl #11101).
    return [response("HTTP/1.1 200 OK", [
        b" Folded: yes", ("Content-Type", p.ctype)], p.body()), CLOSE]


@case(rfc=ERROR)
def hdr_nul(p):
    line = p.pick([b"X-Nul: a\0b", b"X\0Nul: a", b"\0", b"Content-Type: te\0xt/html"])
    return [response("HTTP/1.1 200 OK", [line], p.body()), CLOSE]


@case()
def hdr_bare_cr(p):
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype)], p.body(),
                     eol=b"\r"), CLOSE]


@case()
def hdr_bare_lf(p):
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype)], p.body(),
                     eol=b"\n")]


@case(expect=error("header_too_large"))
def hdr_100k_line(p):
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype),
                                         ("X-Big", "x" * 100_000)],
                     p.body()), CLOSE]


@case(expect=error("header_too_large"))
def hdr_10000(p):
    many = [("X-H%d" % i, "v") for i in range(10_000)]
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype), *many],
                     p.body()), CLOSE]


@case()
def hdr_junk_lines(p):
    line = p.pick([b"no colon here", b"Content-Length : 3", b": empty",
                         b"X-\xff\xfe: \x80\x81"])
    return [response("HTTP/1.1 200 OK", [("Content-Type", p.ctype), line],
                     p.body()), CLOSE]


# Locations.
REDIRECTS = [301, 302, 303, 307, 308]


def redirect(p, status, location, body=b"moved", extra=()):
    return response("HTTP/1.1 %d Moved" % status,
                    [("Location", location), *extra], body)


@case(weight=2, expect=({"redirect"}, None), robots=False)
def loc_ok(p):
    return [redirect(p, p.pick(REDIRECTS), p.child_url(p.children[0]))]


@case(weight=1, expect=({"redirect"}, None), robots=False)
def loc_odd_ip(p):
    host = p.odd_host()
    p.variants.append(host)
    return [redirect(p, p.pick(REDIRECTS), "http://%s:%d%s" % (
        host, p.port, p.child_path()))]


@case(expect=({"http_error"}, None), robots=False)
def loc_empty(p):
    loc = p.pick(["", " ", "\t"])
    return [redirect(p, p.pick(REDIRECTS), loc)]


@case(robots=False)
def loc_garbage(p):
    rng = p.rng
    loc = p.pick([
        "http://[::1", "http://", "http:///", "://", "\x01\x02%%%", "http://a b/",
        "javascript:alert(1)", "ftp://127.0.0.1/x", "mailto:x@y", "data:text/html,x",
        "http://999.999.999.999/", "http://127.0.0.1:99999/", "/" + "a" * 10_000,
        "http://%zz/", "\\\\evil\\x",
        "http://user:pw@127.0.0.1:%d%s" % (p.port, p.child_path())])
    return [redirect(p, p.pick(REDIRECTS), loc)]


def not_a_redirect(rec, p):
    if rec.get("outcome") != "http_error" or rec.get("redirect_to"):
        return "outcome %s, redirect_to %s: want http_error, no redirect" % (
            rec.get("outcome"), rec.get("redirect_to"))
    return None


@case(expect=not_a_redirect, robots=False)
def loc_not_a_redirect(p):
    status = p.pick([300, 304, 305, 306])
    loc = p.child_url(p.children[0])
    if status == 304:  # no body
        return [head("HTTP/1.1 304 Not Modified", [("Location", loc)])]
    return [redirect(p, status, loc, body=p.body())]


@case(expect=error("bad_response"), robots=False)
def loc_folded(p):
    path = p.child_path()
    head_, tail = (path[:-1], path[-1:]) if p.rng.random() < 0.5 else (path, "x")
    return [response("HTTP/1.1 %d Moved" % p.pick(REDIRECTS), [
        ("Location", head_), (" " + tail).encode()], b"moved")]


@case(robots=False)
def loc_two(p):
    return [response("HTTP/1.1 302 Found", [
        ("Location", p.child_path(p.children[0])),
        ("Location", p.child_path(p.children[1]))], b"")]


# Content-Encoding.
@case(expect=error("decoding"))
def enc_gzip_lie(p):
    return [ok(p, extra=[("Content-Encoding", p.pick(["gzip", "x-gzip"]))])]


@case(expect=error("decoding", "truncated"))
def enc_garbage(p):
    rng = p.rng
    coding = p.pick(["br", "zstd", "deflate", "gzip"])
    data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    if coding == "gzip":
        data = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + data
    return [ok(p, data, extra=[("Content-Encoding", coding)])]


@case(expect=error("truncated"))
def enc_gzip_truncated(p):
    z = gzip.compress(p.body())
    return [ok(p, z[:p.rng.randint(11, len(z) - 9)],
               extra=[("Content-Encoding", "gzip")])]


@case(expect=error("truncated"))
def enc_gzip_header_only(p):
    return [ok(p, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
               extra=[("Content-Encoding", "gzip")])]


def body_truncated(rec, p):
    if rec.get("truncated") is not True:
        return "truncated is %s (the bomb passed --max-body)" % rec.get("truncated")
    return None


@case(weight=0.5, expect=body_truncated)
def enc_gzip_bomb(p):
    if p.rng.random() < 0.5:
        return [ok(p, bomb(), extra=[("Content-Encoding", "gzip")])]
    return [ok(p, gzip.compress(bomb(), 9),
               extra=[("Content-Encoding", "gzip, gzip")])]


@case()
def enc_unknown_or_many(p):
    coding = p.pick(["x-snappy", "gzip, gzip, gzip, gzip, gzip, gzip",
                           "identity", "chunked", "gzip;q=1"])
    return [ok(p, extra=[("Content-Encoding", coding)])]


# 1xx.
@case(expect=PAGE)
def interim_then_page(p):
    rng = p.rng
    pre = b""
    for _ in range(rng.randint(1, 3)):
        pre += p.pick([
            head("HTTP/1.1 100 Continue", []),
            head("HTTP/1.1 103 Early Hints", [("Link", "</style.css>; rel=preload")]),
            head("HTTP/1.1 102 Processing", [])])
    if rng.random() < 0.5:
        return [pre + ok(p)]
    return [pre, 0.05, ok(p)]


@case(expect=ERROR)
def interim_then_eof(p):
    return [head("HTTP/1.1 100 Continue", []), CLOSE]


@case(weight=0.3, expect=error("timeout"))
def interim_then_silence(p):
    return [head("HTTP/1.1 100 Continue", []), 5.0, CLOSE]


@case(weight=0.5)
def interim_with_body(p):
    return [response("HTTP/1.1 100 Continue", [], b"0123456789") + ok(p), CLOSE]


# Connections that end early.
@case(expect=error("truncated"))
def close_mid_headers(p):
    data = ok(p)
    return [data[:p.rng.randint(len("HTTP/1.1 200 OK\r\n") + 1,
                                data.index(b"\r\n\r\n"))], CLOSE]


@case(expect=error("truncated"))
def close_after_status_line(p):
    return [b"HTTP/1.1 200 OK\r\n", CLOSE]


@case(expect=error("truncated"))
def close_mid_body(p):
    data = ok(p)
    return [data[:p.rng.randint(data.index(b"\r\n\r\n") + 4, len(data) - 1)],
            CLOSE]


@case(expect=ERROR)
def reset_mid_body(p):
    data = ok(p)
    return [data[:p.rng.randint(10, len(data) - 1)], 0.02, RESET]


@case(expect=ERROR)
def empty_reply(p):
    return [p.pick([CLOSE, RESET])]


@case(weight=0.3, expect=error("timeout"))
def silence_mid_body(p):
    data = ok(p)
    return [data[:len(data) // 2], 5.0, CLOSE]


# Responses that answer nothing.
@case(weight=2, expect=PAGE)
def smuggle_appended(p):
    return [ok(p) + p.smuggled()]


@case(weight=2, expect=PAGE)
def smuggle_late(p):
    return [ok(p), (LATE, 0.05, p.smuggled())]


def after_bodyless(p, status):
    # 204 and 304 have no body (RFC 9112 6.3): what follows is a response.
    return [head(status, [("Content-Length", str(len(p.smuggled())))])
            + p.smuggled()]


@case(expect=({"http_error"}, None), robots=False)
def smuggle_after_304(p):
    return after_bodyless(p, "HTTP/1.1 304 Not Modified")


@case(expect=FETCHED, robots=False)
def smuggle_after_204(p):
    return after_bodyless(p, "HTTP/1.1 204 No Content")


# --------------------------------------------------------------- server ---

def choose(seed, path, port, robots=False):
    """(kind name, Page) for a path: the same every time it is asked."""
    rng = random.Random("%d:%s" % (seed, path))
    m = PAGE_RE.match(path)
    n = int(m.group(2)) if m else 0
    page = Page(seed, n, port, rng, robots=robots)
    if path == "/f/%d/0" % seed:
        return "ok_plain", page
    if robots and rng.random() < 0.5:  # a site that can be crawled at all
        return rng.choice(CLEAN), page
    names = [k for k, v in CATALOGUE.items() if v[4] or not robots]
    weights = [CATALOGUE[k][1] for k in names]
    return rng.choices(names, weights)[0], page


class Site:
    """The handler for one seed, and what it served."""

    def __init__(self, seed):
        self.seed = seed
        self.served = collections.Counter()  # kind -> responses
        self.kinds = {}                      # path -> kind
        self.late = collections.Counter()    # what became of LATE bytes
        self.raced = set()                   # paths whose LATE bytes raced
        self.variants = {}                   # path -> the variants chosen

    def label(self, path):
        kind = self.kinds.get(path, "not requested")
        v = self.variants.get(path)
        return "%s[%s]" % (kind, v) if v else kind
        self.port = None

    def __call__(self, req, conn):
        path = req.path
        robots = path == "/robots.txt"
        if not (PAGE_RE.match(path) or robots):
            kind, actions = "not_ours", [response("HTTP/1.1 404 Not Found", [
                ("Content-Type", "text/plain")], b"not here")]
        else:
            kind, page = choose(self.seed, path, self.port, robots)
            actions = CATALOGUE[kind][0](page)
        self.kinds[path] = kind
        if kind != "not_ours":
            self.variants[path] = ",".join(page.variants)
        self.served[kind] += 1
        for a in actions:
            if isinstance(a, (bytes, bytearray)):
                if not conn.send(a):
                    return
            elif isinstance(a, (int, float)):
                if not conn.sleep(a):
                    conn.close()
                    return
            elif isinstance(a, tuple) and a[0] == LATE:
                what = conn.send_later(a[1], a[2])
                self.late[what] += 1
                if what == "raced":
                    self.raced.add(path)
                    return
            elif a == CLOSE:
                conn.close()
            elif a == RESET:
                conn.reset()


# --------------------------------------------------------------- checks ---

def strings_of(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_of(v)


def parse_records(out, fail):
    recs = []
    for i, line in enumerate(out.split(b"\n")):
        if not line:
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            fail(None, "stdout line %d is not UTF-8 (%s): %r" % (i + 1, e, line[:200]))
            continue
        try:
            rec = json.loads(text)
        except ValueError as e:
            fail(None, "stdout line %d is not JSON (%s): %r" % (i + 1, e, text[:200]))
            continue
        for s in strings_of(rec):
            try:
                s.encode("utf-8")
            except UnicodeEncodeError:
                fail(rec.get("url") if isinstance(rec, dict) else None,
                     "a string escapes a lone surrogate: %r" % s[:80])
        if not isinstance(rec, dict) or "url" not in rec:
            fail(None, "stdout line %d is not a record: %r" % (i + 1, text[:200]))
            continue
        recs.append(rec)
    return recs


def foreign(url, seed, n):
    """Why `url` (a link or redirect_to of page n) is not page n's, or None."""
    path = urllib.parse.urlsplit(url).path
    m = PAGE_RE.match(path)
    if m and int(m.group(1)) == seed and int(m.group(2)) >= 1:
        owner = parent_of(int(m.group(2)))
        if owner == n:
            return None
        return "a link of /f/%d/%d" % (seed, owner)
    t = TOKEN_RE.match(path)
    if t and int(t.group(1)) == seed:
        return None if int(t.group(2)) == n else "the token of /f/%d/%s" % (
            seed, t.group(2))
    d = DECOY_RE.match(path)
    if d:
        return "a link of the unsolicited response sent after /f/%s/%s" % (
            d.group(1), d.group(2))
    return "a link no page of the site has"


def check_expect(spec, rec, page):
    if spec is None:
        return None
    if callable(spec):
        return spec(rec, page)
    outcomes, kinds = spec
    kind = (rec.get("error") or {}).get("kind")
    if rec.get("outcome") not in outcomes or (kinds and kind not in kinds):
        return "outcome %s/%s, want %s/%s" % (
            rec.get("outcome"), kind, "|".join(sorted(outcomes)),
            "|".join(sorted(kinds)) if kinds else "*")
    return None


def crawl_args(seed, max_pages):
    args = ["--links", "--retries", str(RETRIES), "--timeout", "3",
            "--connect-timeout", "2", "--retry-delay", "0.1",
            "--max-retry-wait", "1", "--depth", str(DEPTH),
            "--max-pages", str(max_pages), "-q"]
    robots = seed % 4 == 1
    if not robots:
        args.append("--ignore-robots")
    if seed % 4 == 2:
        args += ["-c", "2", "--per-host", "1"]  # one connection, reused
    else:
        args += ["-c", "8", "--per-host", "4"]
    return args, robots


def run_crawl(cmd, fail):
    """Runs crawl under the hang bound; (returncode, stdout, stderr text)."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1 abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1 print_stacktrace=1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    try:
        out, err = proc.communicate(timeout=CRAWL_BOUND_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        fail(None, "crawl did not end within %d s (a hang): %s" % (
            CRAWL_BOUND_S, " ".join(cmd)))
        return 0, out, err.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    if proc.returncode != 0:
        fail(None, "crawl exited %d: %s\n%s" % (proc.returncode, " ".join(cmd),
                                                err[-3000:]))
    for mark in SANITIZER_MARKS:
        if mark in err:
            i = err.index(mark)
            fail(None, "sanitizer report on stderr:\n%s" % err[max(0, i - 200):i + 4000])
            break
    return proc.returncode, out, err


def run_seed(crawl, seed, pages, strict, stats, verbose):
    failures = []
    site = Site(seed)
    log = []

    def history(path):
        """What the connections that asked for `path` had asked before."""
        out = []
        for r in [r for r in log if r.path == path][:3]:
            prior = [x for x in log if x.conn == r.conn and x.index <= r.index]
            out.append("conn %d: %s" % (r.conn, ", ".join(
                "#%d %s (%s)" % (x.index, x.path, site.kinds.get(x.path))
                for x in prior[-4:])))
        return "; ".join(out) or "never requested"

    def fail(url, msg):
        where = ""
        if url:
            where = "URL %s: " % url
            msg += " [%s]" % history(urllib.parse.urlsplit(url).path)
        failures.append("seed %d: %s%s" % (seed, where, msg))

    max_pages = 3 * pages  # a bound the site never reaches, unless a bug
    args, robots = crawl_args(seed, max_pages)
    start = time.monotonic()
    with RawServer(site, conn_seconds=30, idle_seconds=10) as srv:
        site.port = srv.port
        _, out, err = run_crawl([crawl, srv.base + "/f/%d/0" % seed, *args], fail)
        elapsed = time.monotonic() - start
    counts = srv.counts()
    log[:] = srv.requests()
    for e in srv.errors:
        fail(None, "harness handler error:\n" + e)

    recs = parse_records(out, fail)
    for url, k in collections.Counter(r["url"] for r in recs).items():
        if k > 1:
            fail(url, "%d records for one URL" % k)

    def from_race(why):  # the LATE bytes of a page that raced a request
        d = re.search(r"sent after /f/\d+/(\d+)", why or "")
        return d and "/f/%d/%s" % (seed, d.group(1)) in site.raced

    exhausted = len(recs) >= max_pages
    by_path = {}
    for rec in recs:
        url = rec["url"]
        path = urllib.parse.urlsplit(url).path
        by_path[path] = rec
        m = PAGE_RE.match(path)
        n = int(m.group(2)) if m and int(m.group(1)) == seed else None
        kind = site.kinds.get(path, "not_requested")
        if rec.get("outcome") == "robots":
            kind = "robots_blocked"
        ekind = (rec.get("error") or {}).get("kind")
        stats["outcomes"][(kind, rec.get("outcome"), ekind)] += 1
        if ekind:
            stats["messages"].setdefault((kind, ekind), "%s (%s)" % (
                rec["error"].get("message"), site.label(path)))
        if ekind is not None and ekind not in ERROR_KINDS:
            why = "error kind %r is none of README.md's: %s" % (
                ekind, rec["error"].get("message"))
            if strict:
                fail(url, "%s: %s" % (site.label(path), why))
            else:
                stats["notes"].append("seed %d %s %s: %s" % (
                    seed, url, site.label(path), why))
        if n is None:  # a Location's odd target, or a decoy
            if not DECOY_RE.match(path):
                continue
            if from_race(foreign(url, seed, -1)):
                stats["raced"] += 1
            else:
                fail(url, "a record for a link of an unsolicited response")
            continue
        whys = ["status %d, which is only ever sent unsolicited" % SMUGGLED_STATUS
                if rec.get("status") == SMUGGLED_STATUS else None]
        whys += ["its link %s is %s" % (link, foreign(link, seed, n))
                 for link in rec.get("link_urls") or [] if foreign(link, seed, n)]
        rt = rec.get("redirect_to")
        rt_path = urllib.parse.urlsplit(rt or "").path
        if (PAGE_RE.match(rt_path) or DECOY_RE.match(rt_path)) \
                and foreign(rt, seed, n):
            whys.append("its redirect_to %s is %s" % (rt, foreign(rt, seed, n)))
        whys = [w for w in whys if w]
        if whys and all(from_race(w) for w in whys[1:]) and \
                any(from_race(w) for w in whys):
            stats["raced"] += 1  # the server answered that request itself
        elif whys:
            fail(url, "carries another URL's response: %s (page kind %s)" % (
                "; ".join(whys[:2]), site.label(path)))
        if kind in CATALOGUE and not whys:
            _, _, expect, rfc, _ = CATALOGUE[kind]
            _, page = choose(seed, path, srv.port, path == "/robots.txt")
            page.exhausted = exhausted
            why = check_expect(expect, rec, page)
            if why and strict:
                fail(url, "%s: %s (README.md)" % (site.label(path), why))
            elif why:
                stats["notes"].append("seed %d %s %s: %s" % (
                    seed, url, site.label(path), why))
            why = check_expect(rfc, rec, page)
            if why:
                stats["rfc"].append("seed %d %s %s: %s" % (
                    seed, url, site.label(path), why))

    bound = 1 + RETRIES
    for path, k in counts.items():
        stats["max_requests"] = max(stats["max_requests"], k)
        url = srv.base + path
        if k > bound:
            fail(url, "requested %d times (> 1 + retries = %d; page kind %s)" % (
                k, bound, site.label(path)))
        rec = by_path.get(path)
        if rec is not None and isinstance(rec.get("attempts"), int) \
                and k > rec["attempts"]:
            stats["resends"] += k - rec["attempts"]
            fail(url, "requested %d times but its record says attempts=%d "
                 "(silent resends; page kind %s)" % (k, rec["attempts"],
                                                     site.label(path)))
    disallowed = "/f/%d/2" % seed
    if robots and site.kinds.get("/robots.txt") in CLEAN:
        for path in counts:
            if path.startswith(disallowed):
                fail(srv.base + path, "requested although robots.txt (%s) "
                     "disallows %s" % (site.kinds["/robots.txt"], disallowed))

    stats["served"].update(site.served)
    stats["late"].update(site.late)
    stats["records"] += len(recs)
    stats["requests"] += sum(counts.values())
    stats["connections"] += srv.connections
    print("seed %d: %d records, %d requests on %d connections, %.1f s%s%s" % (
        seed, len(recs), sum(counts.values()), srv.connections, elapsed,
        " (robots.txt: %s)" % site.kinds.get("/robots.txt") if robots else "",
        ", %d FAILURES" % len(failures) if failures else ""), flush=True)
    if verbose:
        for f in failures:
            print("  " + f.replace("\n", "\n    "))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("crawl")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--pages", type=int, default=120)
    ap.add_argument("--no-expect", action="store_true",
                    help="report README expectations instead of failing on them")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()
    Page.root_links = max(2, min(FANOUT - 1, (opts.pages - 1) // (1 + PAGE_LINKS)))
    start = time.monotonic()
    stats = {"served": collections.Counter(), "outcomes": collections.Counter(),
             "notes": [], "rfc": [], "max_requests": 0, "resends": 0,
             "late": collections.Counter(), "raced": 0, "messages": {},
             "records": 0, "requests": 0, "connections": 0}
    failures = []
    seeds = range(opts.first, opts.first + opts.seeds)
    for seed in seeds:
        failures += run_seed(opts.crawl, seed, opts.pages, not opts.no_expect,
                             stats, opts.verbose)

    print("\n== summary: seeds %d..%d, %d records, %d requests, %d connections, "
          "%.1f s" % (seeds.start, seeds.stop - 1, stats["records"],
                      stats["requests"], stats["connections"],
                      time.monotonic() - start))
    print("max requests per URL: %d (bound %d); requests beyond attempts "
          "(silent resends): %d" % (stats["max_requests"], 1 + RETRIES,
                                    stats["resends"]))
    print("unsolicited responses sent later: %s; records that got one that "
          "raced a request (tolerated): %d" % (
              ", ".join("%s %d" % kv for kv in sorted(stats["late"].items()))
              or "none", stats["raced"]))
    by_kind = collections.defaultdict(collections.Counter)
    for (kind, outcome, ekind), k in stats["outcomes"].items():
        by_kind[kind]["%s%s" % (outcome, "/" + ekind if ekind else "")] += k
    print("%-24s %6s  records by outcome/error kind" % ("malformation", "served"))
    for kind in sorted(set(stats["served"]) | set(by_kind)):
        print("%-24s %6d  %s" % (kind, stats["served"].get(kind, 0), ", ".join(
            "%s %d" % kv for kv in sorted(by_kind[kind].items()))))
    total = collections.Counter()
    for (_, outcome, ekind), k in stats["outcomes"].items():
        total["%s%s" % (outcome, "/" + ekind if ekind else "")] += k
    print("all records: " + ", ".join("%s %d" % kv for kv in sorted(total.items())))
    if opts.verbose:
        print("\nan error message of each malformation and error kind:")
        for (kind, ekind), msg in sorted(stats["messages"].items()):
            print("  %s %s: %s" % (kind, ekind, msg[:160]))
    for title, notes in (("README expectations not met (--no-expect)",
                          stats["notes"]),
                         ("RFC 9112 deviations (reported, not failing)",
                          stats["rfc"])):
        if notes:
            print("\n%s: %d" % (title, len(notes)))
            for n in notes[:15]:
                print("  " + n)
    if failures:
        print("\nFAILED: %d failures" % len(failures))
        for f in failures[:60]:
            print("  " + f.replace("\n", "\n    "))
        if len(failures) > 60:
            print("  ... and %d more" % (len(failures) - 60))
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
