#!/usr/bin/env python3
"""A hostile server cannot fool a crawl: each malformed response is recorded
for what it is, a stalled connection does not fail its siblings, and scope,
the private-address exemption and credentials hold to the seed's own scheme,
host and port.

Every assertion is made from the records and from the raw server's own
request log. Usage: truth_test.py PATH_TO_CRAWL"""
import base64
import gzip
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawserver import RawServer  # noqa: E402

CRAWL = None
QUICK = ["--timeout", "4", "--connect-timeout", "2", "--ignore-robots", "-q"]

HTML = b"<!DOCTYPE html><html><body><a href='/ok'>ok</a></body></html>"
GZ = gzip.compress(HTML * 40)


def response(status_line, headers=(), body=b"", length=True):
    head = status_line + b"\r\n"
    for h in headers:
        head += h + b"\r\n"
    if length:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


def html_page(links):
    body = b"<html><body>" + b"".join(
        b"<a href='%s'>x</a>" % l.encode() for l in links) + b"</body></html>"
    return response(b"HTTP/1.1 200 OK", [b"Content-Type: text/html"], body)


def zstd_frame():
    # A real zstd frame of HTML, made by the zstd tool if present, else by
    # Python's (3.14+) module; None if neither is there.
    try:
        out = subprocess.run(["zstd", "-q", "-c"], input=HTML * 40,
                             capture_output=True, timeout=10)
        if out.returncode == 0:
            return out.stdout
    except (OSError, subprocess.TimeoutExpired):
        pass
    return None


# path -> (bytes to send, then close?)
CASES = {
    "/ok": (html_page([]), False),
    # curl #11101: a folded first header line (7.88 double-frees).
    "/fold-first": (b"HTTP/1.1 200 OK\r\n Folded-Into-Status: yes\r\n"
                    b"Content-Type: text/html\r\nContent-Length: 5\r\n\r\nhello",
                    False),
    "/cut-headers": (b"HTTP/1.1 200 OK\r\nContent-Type: text/ht", True),
    "/continue-eof": (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", True),
    "/gzip-cut": (response(b"HTTP/1.1 200 OK",
                           [b"Content-Type: text/html", b"Content-Encoding: gzip"],
                           GZ[:len(GZ) // 2]), False),
    "/gzip-header-only": (response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: text/html",
                                    b"Content-Encoding: gzip"], GZ[:10]), False),
    "/gzip-lie": (response(b"HTTP/1.1 200 OK", [b"Content-Type: text/html",
                                               b"Content-Encoding: gzip"],
                           b"<html>plain</html>"), False),
    "/gzip-ok": (response(b"HTTP/1.1 200 OK", [b"Content-Type: text/html",
                                              b"Content-Encoding: gzip"], GZ),
                 False),
    "/http09": (b"hello, this is not HTTP at all\r\n", True),
    "/bad-version": (response(b"HTTP/1.1 2x0 OK", [], b"hello"), False),
    "/status-600": (response(b"HTTP/1.1 600 Big", [], b"hello"), False),
    "/status-000": (response(b"HTTP/1.1 000 Zero", [], b"hello"), False),
    "/huge-header": (response(b"HTTP/1.1 200 OK",
                              [b"X-Big: " + b"a" * (120 << 10)], b"hello"), False),
    "/many-headers": (response(b"HTTP/1.1 200 OK",
                               [b"X-H%d: v" % i for i in range(10000)], b"hi"),
                      False),
    "/folded-location": (response(b"HTTP/1.1 302 Found",
                                  [b"Location: /ok", b" /never-followed"]), False),
    "/short-body": (response(b"HTTP/1.1 200 OK", [b"Content-Type: text/html",
                                                 b"Content-Length: 100"],
                             b"hello", length=False), True),
    "/chunk-no-last": (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", True),
}
for code in (300, 304, 305, 306, 399):
    CASES["/s%d" % code] = (response(b"HTTP/1.1 %d X" % code,
                                     [b"Location: /not-a-redirect-%d" % code]),
                            False)
for code in (301, 302, 303, 307, 308):
    CASES["/s%d" % code] = (response(b"HTTP/1.1 %d X" % code,
                                     [b"Location: /target-%d" % code]), False)
    CASES["/target-%d" % code] = (html_page([]), False)
ZSTD = zstd_frame()
if ZSTD:
    CASES["/zstd-cut"] = (response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: text/html",
                                    b"Content-Encoding: zstd"],
                                   ZSTD[:len(ZSTD) // 2]), False)


def canned(req, conn):
    data, close = CASES.get(req.path, (response(b"HTTP/1.1 404 Not Found"), False))
    conn.send(data)
    if close:
        conn.close()


def crawl(*args, timeout=120):
    start = time.monotonic()
    with subprocess.Popen([CRAWL, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise AssertionError("crawl %s did not end within %d s"
                                 % (" ".join(args), timeout))
    proc.elapsed = time.monotonic() - start
    proc.stderr_text = err.decode("utf-8", "replace")
    proc.stdout_text = out.decode("utf-8")  # must be UTF-8
    return proc, [json.loads(l) for l in proc.stdout_text.splitlines()]


def one(srv, path, *args):
    p, recs = crawl(srv.base + path, "--depth", "0", "--retries", "0",
                    *QUICK, *args)
    if p.returncode != 0:
        raise AssertionError("exit %d: %s" % (p.returncode, p.stderr_text))
    (rec,) = [r for r in recs if r["url"] == srv.base + path]
    return rec


class WhatArrived(unittest.TestCase):
    """Issue: tell the truth about what arrived."""

    def expect(self, srv, path, outcome, kind=None, status="any"):
        rec = one(srv, path)
        self.assertEqual(rec["outcome"], outcome, (path, rec))
        if kind is None:
            self.assertIsNone(rec["error"], (path, rec))
        else:
            self.assertEqual(rec["error"]["kind"], kind, (path, rec))
        if status != "any":
            self.assertEqual(rec["status"], status, (path, rec))
        return rec

    def test_a_folded_first_header_line_is_survived(self):
        with RawServer(canned) as srv:
            for _ in range(3):  # reused handles: the crash needed one
                self.expect(srv, "/fold-first", "fetched", status=200)

    def test_cut_off_responses_are_truncated_not_fetched(self):
        with RawServer(canned) as srv:
            for path in ["/cut-headers", "/continue-eof", "/gzip-cut",
                         "/gzip-header-only", "/short-body", "/chunk-no-last"]:
                rec = self.expect(srv, path, "error", "truncated")
                self.assertFalse(rec["links"], path)
            if ZSTD:
                self.expect(srv, "/zstd-cut", "error", "truncated")
            rec = self.expect(srv, "/gzip-ok", "fetched", status=200)
            self.assertEqual(rec["bytes"], len(HTML * 40))

    def test_a_truncated_response_is_retried(self):
        with RawServer(canned) as srv:
            p, recs = crawl(srv.base + "/short-body", "--depth", "0",
                            "--retries", "2", "--retry-delay", "0.1", *QUICK)
            (rec,) = recs
            self.assertEqual(rec["error"]["kind"], "truncated")
            self.assertEqual(rec["attempts"], 3)
            self.assertEqual(srv.counts()["/short-body"], 3)

    def test_bad_responses_say_so(self):
        with RawServer(canned) as srv:
            for path in ["/http09", "/bad-version", "/status-600", "/status-000"]:
                self.expect(srv, path, "error", "bad_response")
            self.expect(srv, "/gzip-lie", "error", "decoding", status=200)
            for path in ["/huge-header", "/many-headers"]:
                self.expect(srv, path, "error", "header_too_large")

    def test_a_folded_location_is_not_followed(self):
        with RawServer(canned) as srv:
            rec = self.expect(srv, "/folded-location", "error", "bad_response")
            self.assertIsNone(rec["redirect_to"])
            p, recs = crawl(srv.base + "/folded-location", *QUICK)
            self.assertEqual(set(srv.counts()), {"/folded-location"})

    def test_only_301_302_303_307_308_redirect(self):
        with RawServer(canned) as srv:
            for code in (300, 304, 305, 306, 399):
                rec = self.expect(srv, "/s%d" % code, "http_error", status=code)
                self.assertIsNone(rec["redirect_to"])
            for code in (301, 302, 303, 307, 308):
                rec = self.expect(srv, "/s%d" % code, "redirect", status=code)
                self.assertEqual(rec["redirect_to"],
                                 srv.base + "/target-%d" % code)
            # Crawled for real: the targets of the five, none of the others.
            for code in (300, 301, 302, 303, 304, 305, 306, 307, 308, 399):
                crawl(srv.base + "/s%d" % code, *QUICK)
            seen = set(srv.counts())
            for code in (301, 302, 303, 307, 308):
                self.assertIn("/target-%d" % code, seen)
            self.assertFalse([p for p in seen if p.startswith("/not-a-redirect")])


class StalledConnection(unittest.TestCase):
    """A fresh connection that stalls must not fail its siblings unsent."""

    def run_with(self, stall):
        pages = ["/p%d" % i for i in range(19)]

        def handler(req, conn):
            if req.path == "/":
                conn.send(html_page(["/stall"] + pages))
            elif req.path == "/stall":
                if stall == "continue":
                    conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                conn.sleep(8)
                conn.close()
            else:
                conn.send(html_page([]))

        with RawServer(handler) as srv:
            p, recs = crawl(srv.base + "/", "-c", "8", "--per-host", "8",
                            "--retries", "0", "--timeout", "3",
                            "--connect-timeout", "2", "--ignore-robots", "-q")
            self.assertEqual(p.returncode, 0, p.stderr_text)
            by = {r["url"][len(srv.base):]: r for r in recs}
            for path in pages:
                self.assertEqual(by[path]["outcome"], "fetched", by[path])
                self.assertEqual(srv.counts()[path], 1)
            self.assertEqual(by["/stall"]["error"]["kind"], "timeout")

    def test_100_continue_then_silence(self):
        self.run_with("continue")

    def test_no_bytes_at_all(self):
        self.run_with("silence")


class OriginsAndCredentials(unittest.TestCase):
    def test_scope_host_matches_the_port(self):
        other = RawServer(lambda req, conn: conn.send(html_page([])))
        with other:
            def handler(req, conn):
                conn.send(html_page([other.base + "/x", "/own"]))
            with RawServer(handler) as seed:
                p, recs = crawl(seed.base + "/", *QUICK)
                self.assertEqual(set(seed.counts()), {"/", "/own"})
                self.assertEqual(other.counts(), {})
                # Any port: in scope, but a private address other than the
                # seed's own origin is still refused...
                p, recs = crawl(seed.base + "/", "--scope", "host-any-port",
                                *QUICK)
                self.assertEqual(other.counts(), {})
                (rec,) = [r for r in recs if r["url"] == other.base + "/x"]
                self.assertEqual(rec["error"]["kind"], "private_address")
                # ...unless allowed.
                p, recs = crawl(seed.base + "/", "--scope", "host-any-port",
                                "--allow-private", *QUICK)
                self.assertEqual(other.counts(), {"/x": 1})

    def test_credentials_go_only_to_the_seeds_origin(self):
        log = []
        other = RawServer(lambda req, conn: (
            log.append(("other", req.path, req.header("authorization"))),
            conn.send(response(b"HTTP/1.1 404 Not Found") if req.path ==
                      "/robots.txt" else html_page([]))))
        with other:
            leak = other.base.replace("http://", "http://eve:stolen@") + "/leak"

            def handler(req, conn):
                log.append(("seed", req.path, req.header("authorization")))
                if req.path == "/robots.txt":
                    conn.send(response(b"HTTP/1.1 404 Not Found"))
                else:
                    conn.send(html_page([leak, "/own",
                                         seed.base.replace("http://", "http://x:y@")
                                         + "/same"]))
            with RawServer(handler) as seed:
                secret = "s3cr%40t"
                url = seed.base.replace("http://", "http://alice:%s@" % secret)
                p, recs = crawl(url + "/", "--scope", "any", "--allow-private",
                                "--timeout", "4", "-v")
                self.assertEqual(p.returncode, 0, p.stderr_text)
                want = "Basic " + base64.b64encode(b"alice:s3cr@t").decode()
                seed_reqs = [a for n, _, a in log if n == "seed"]
                self.assertGreaterEqual(len(seed_reqs), 3)  # robots, /, /own
                self.assertTrue(all(a == want for a in seed_reqs), log)
                other_reqs = [(path, a) for n, path, a in log if n == "other"]
                self.assertIn(("/leak", None), other_reqs)
                self.assertTrue(all(a is None for _, a in other_reqs), log)
                text = p.stdout_text + p.stderr_text
                for word in ("s3cr", "stolen", "alice", "eve:", "x:y@"):
                    self.assertNotIn(word, text)
                urls = {r["url"] for r in recs}
                self.assertIn(seed.base + "/same", urls)
                self.assertIn(other.base + "/leak", urls)

    def test_a_bad_seed_error_shows_no_password(self):
        p, _ = crawl("http://bob:hunter2@[bad/")
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("hunter2", p.stderr_text)
        self.assertIn("bob:***@", p.stderr_text)

    def test_user_and_password_flags(self):
        log = []

        def handler(req, conn):
            log.append(req.header("authorization"))
            conn.send(html_page([]))
        with RawServer(handler) as seed:
            p, recs = crawl(seed.base + "/", "--user", "bob", "--password",
                            "pw", *QUICK)
            self.assertEqual(p.returncode, 0, p.stderr_text)
            self.assertEqual(log, ["Basic " + base64.b64encode(b"bob:pw").decode()])


class ConnectTo(unittest.TestCase):
    """--connect-to: many host names on one address, as curl does it."""

    def test_host_names_go_to_the_chosen_address(self):
        def handler(req, conn):
            host = req.header("host")
            if req.path == "/robots.txt":
                conn.send(response(b"HTTP/1.1 404 Not Found"))
            elif host == "a.test":
                conn.send(html_page(["http://b.test/from-a", "/a2"]))
            else:
                conn.send(html_page([]))
        with RawServer(handler) as srv:
            p, recs = crawl("http://a.test/", "--scope", "any",
                            "--connect-to", "::127.0.0.1:%d" % srv.port,
                            "--timeout", "4", "-q")
            self.assertEqual(p.returncode, 0, p.stderr_text)
            got = sorted((r.header("host"), r.path) for r in srv.requests())
            self.assertEqual(got, [("a.test", "/"), ("a.test", "/a2"),
                                   ("a.test", "/robots.txt"),
                                   ("b.test", "/from-a"),
                                   ("b.test", "/robots.txt")])
            self.assertTrue(all(r["outcome"] == "fetched" for r in recs), recs)
            # Only the rule's own host: b.test is then not redirected, and
            # does not resolve.
            p, recs = crawl("http://a.test/", "--scope", "any", "--retries", "0",
                            "--connect-to", "a.test:80:127.0.0.1:%d" % srv.port,
                            "--timeout", "4", "-q")
            by = {r["url"]: r for r in recs}
            self.assertEqual(by["http://a.test/"]["outcome"], "fetched")
            self.assertEqual(by["http://b.test/from-a"]["outcome"], "error")

    def test_bad_rules_are_usage_errors(self):
        for rule in ["a.test:80:127.0.0.1", "a:b:c:d", "a:80::", "x"]:
            p, _ = crawl("http://a.test/", "--connect-to", rule)
            self.assertEqual(p.returncode, 2, rule)
            self.assertIn("--connect-to", p.stderr_text)


class MetaRobots(unittest.TestCase):
    """<meta name=robots>, X-Robots-Tag and rel=nofollow, from the log."""

    PAGES = {
        "/": ['/meta', '/named', '/header', '/other-bot', '/rel'],
        "/meta": '<meta name="robots" content="noindex, nofollow">',
        "/named": '<meta name="crawl" content="none">',
        "/header": None,       # X-Robots-Tag: nofollow
        "/other-bot": None,    # X-Robots-Tag: otherbot: nofollow
    }

    @staticmethod
    def handler(req, conn):
        p = req.path
        if p == "/robots.txt":
            conn.send(response(b"HTTP/1.1 404 Not Found"))
            return
        if p == "/":
            conn.send(html_page(MetaRobots.PAGES["/"]))
            return
        headers = [b"Content-Type: text/html"]
        head = ""
        if p in ("/meta", "/named"):
            head = MetaRobots.PAGES[p]
        elif p == "/header":
            headers.append(b"X-Robots-Tag: nofollow")
        elif p == "/other-bot":
            headers.append(b"X-Robots-Tag: otherbot: nofollow")
        if p == "/rel":
            links = '<a href="/rel-target" rel="nofollow">n</a><a href="/plain">p</a>'
        else:
            links = '<a href="%s-child">c</a>' % p
        body = ("<html><head>%s</head><body>%s</body></html>" % (head, links)).encode()
        conn.send(response(b"HTTP/1.1 200 OK", headers, body))

    def test_nofollow_pages_are_not_followed_unless_ignore_robots(self):
        with RawServer(self.handler) as srv:
            p, recs = crawl(srv.base + "/", "--links", "--timeout", "4", "-q")
            self.assertEqual(p.returncode, 0, p.stderr_text)
            seen = set(srv.counts())
            for page in ("/meta", "/named", "/header"):
                self.assertNotIn(page + "-child", seen)
            self.assertIn("/other-bot-child", seen, "another agent's directive")
            self.assertIn("/rel-target", seen, "rel=nofollow is followed")
            by = {r["url"][len(srv.base):]: r for r in recs}
            self.assertEqual(by["/meta"]["nofollow"], "meta")
            self.assertEqual(by["/named"]["nofollow"], "meta")
            self.assertEqual(by["/header"]["nofollow"], "header")
            self.assertIsNone(by["/other-bot"]["nofollow"])
            self.assertEqual(by["/rel"]["nofollow_links"], [srv.base + "/rel-target"])
            self.assertEqual(sorted(by["/rel"]["link_urls"]),
                             [srv.base + "/plain", srv.base + "/rel-target"])
        with RawServer(self.handler) as srv:
            p, recs = crawl(srv.base + "/", "--ignore-robots", "--timeout", "4", "-q")
            seen = set(srv.counts())
            for page in ("/meta", "/named", "/header", "/other-bot"):
                self.assertIn(page + "-child", seen)


class PageEncodings(unittest.TestCase):
    """hrefs are decoded from the page's encoding; the path is then
    percent-encoded as UTF-8, the query in the page's encoding (URL
    Standard). Checked from the URLs the server was asked for."""

    # path -> (Content-Type, body bytes)
    @staticmethod
    def pages():
        def page(head, href, enc):
            return ("<html><head>%s</head><body><a href=\"%s\">x</a></body></html>"
                    % (head, href)).encode(enc)
        return {
            "/latin1": ("text/html; charset=ISO-8859-1",
                        page("", "/l/caf\u00e9?q=\u00e9&amp;r=&eacute;", "latin-1")),
            "/cp1251": ("text/html",
                        page('<meta charset="windows-1251">',
                             "/c/\u043f\u0443\u0442\u044c?q=\u043f\u0443\u0442\u044c&s=&#9731;",
                             "cp1251")),
            "/sjis": ("text/html",
                      page('<meta http-equiv="Content-Type" '
                           'content="text/html; charset=Shift_JIS">',
                           "/s/\u65e5\u672c\u8868?q=\u65e5\u672c\u8868", "shift_jis")),
            "/undeclared-1252": ("text/html", page("", "/u/\u00fc?q=\u00fc", "cp1252")),
            "/undeclared-utf8": ("text/html", page("", "/v/\u00fc?q=\u00fc", "utf-8")),
            "/bom": ("text/html; charset=windows-1251",
                     b"\xef\xbb\xbf" + page("", "/b/\u00fc?q=\u00fc", "utf-8")),
        }

    def test_links_in_iso_8859_1_windows_1251_and_shift_jis(self):
        pages = self.pages()

        def handler(req, conn):
            if req.path == "/":
                conn.send(html_page(list(pages)))
            elif req.path in pages:
                ctype, body = pages[req.path]
                conn.send(response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: " + ctype.encode()], body))
            else:
                conn.send(html_page([]))
        with RawServer(handler) as srv:
            p, recs = crawl(srv.base + "/", "--ignore-robots", "--timeout", "4", "-q")
            self.assertEqual(p.returncode, 0, p.stderr_text)
            asked = {r.target for r in srv.requests()}
            want = [
                "/l/caf%C3%A9?q=%E9&r=%E9",
                "/c/%D0%BF%D1%83%D1%82%D1%8C?q=%EF%F3%F2%FC&s=&%239731;",
                "/s/%E6%97%A5%E6%9C%AC%E8%A1%A8?q=%93%FA%96%7B%95%5C",
                "/u/%C3%BC?q=%FC",
                "/v/%C3%BC?q=%C3%BC",
                "/b/%C3%BC?q=%C3%BC",
            ]
            for target in want:
                self.assertIn(target, asked, sorted(asked))


class ContentTypeDecides(unittest.TestCase):
    """HTML is decided by the declared Content-Type; only a response without
    one is sniffed (WHATWG MIME Sniffing 7.1)."""

    CASES = {  # path -> (Content-Type or None, body prefix, parsed?)
        "/xml-decl": ("text/html", '<?xml version="1.0"?>\n<html>', True),
        "/xhtml": ("application/xhtml+xml", '<?xml version="1.0"?><html>', True),
        "/bom": ("text/html", "\ufeff<html>", True),
        "/comment": ("text/html", "<!-- generated --><html>", True),
        "/mixed-case": ("Text/HTML; Charset=UTF-8", "<html>", True),
        "/plain": ("text/plain", "<html>", False),
        "/octets": ("application/octet-stream", "<html>", False),
        "/none-html": (None, "  <!DOCTYPE html><html>", True),
        "/none-bom": (None, "\ufeff<html>", True),
        "/none-text": (None, "just text <a href=x>", False),
        "/none-xml": (None, '<?xml version="1.0"?><html>', False),
    }

    def test_declared_type_decides_and_only_none_is_sniffed(self):
        def handler(req, conn):
            if req.path == "/":
                conn.send(html_page(list(self.CASES)))
                return
            if req.path not in self.CASES:
                conn.send(html_page([]))
                return
            ctype, prefix, _ = self.CASES[req.path]
            body = (prefix + '<body><a href="%s-child">c</a></body></html>'
                    % req.path).encode("utf-8")
            headers = [b"Content-Type: " + ctype.encode()] if ctype else []
            conn.send(response(b"HTTP/1.1 200 OK", headers, body))
        with RawServer(handler) as srv:
            p, recs = crawl(srv.base + "/", "--ignore-robots", "--timeout", "4", "-q")
            self.assertEqual(p.returncode, 0, p.stderr_text)
            asked = set(srv.counts())
            for path, (_, _, parsed) in self.CASES.items():
                self.assertEqual(path + "-child" in asked, parsed, path)


class EmptyHref(unittest.TestCase):
    def test_an_empty_href_under_a_base_is_the_base(self):
        def handler(req, conn):
            if req.path == "/":
                body = b'<html><head><base href="/b/"></head><body><a href="">x</a></body></html>'
                conn.send(response(b"HTTP/1.1 200 OK", [b"Content-Type: text/html"], body))
            else:
                conn.send(html_page([]))
        with RawServer(handler) as srv:
            p, recs = crawl(srv.base + "/", "--ignore-robots", "--timeout", "4", "-q")
            self.assertEqual(p.returncode, 0, p.stderr_text)
            self.assertEqual(set(srv.counts()), {"/", "/b/"})


class NeverEndingCrawl(unittest.TestCase):
    """Issue repro: with --max-pages reached, a retry queued behind a
    robots.txt of the same host name (https on a plain-HTTP port, whose TLS
    never completes) was never dispatched; the crawl hung."""

    def test_max_pages_with_a_retry_behind_a_robots_fetch_ends(self):
        hits = {"n": 0}

        def handler(req, conn):
            if req.path == "/robots.txt":
                conn.send(response(b"HTTP/1.1 404 Not Found"))
            elif req.path == "/":
                conn.send(html_page(["/flaky", "https://127.0.0.1:%d/a" % srv.port]))
            elif req.path == "/flaky":
                hits["n"] += 1
                conn.send(response(b"HTTP/1.1 503 Busy", [b"Retry-After: 1"]))
            elif req.method in ("GET", "HEAD"):
                conn.send(html_page([]))
            else:
                conn.reset()  # a TLS ClientHello is no request of ours
        with RawServer(handler) as srv:
            p, recs = crawl(srv.base + "/", "--max-pages", "2", "--retries", "5",
                            "--retry-delay", "1", "--max-retry-wait", "3",
                            "--scope", "host-any-port", "--timeout", "3",
                            "--connect-timeout", "2", "-q", timeout=90)
            self.assertEqual(p.returncode, 0, p.stderr_text)
            self.assertLess(p.elapsed, 60)
            by = {r["url"]: r for r in recs}
            flaky = by[srv.base + "/flaky"]
            self.assertEqual(flaky["attempts"], 6, flaky)
            self.assertEqual(hits["n"], 6)


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
