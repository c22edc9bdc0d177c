#!/usr/bin/env python3
"""No record carries another URL's response.

A raw-socket server (rawserver.py) answers every request completely and
keeps the connection open, then 50 ms later writes a second, unsolicited
response on it. A client that reuses the connection and reads that response
as the answer to its next request files one URL's content under another: the
bug curl 7.88 had. Every page's links name the page (its token,
http://token.invalid/t/SEED/N, is its first link), and the unsolicited
response names nothing of the site (status 203 and a decoy token, or a 301
to a decoy), so each record is checked exactly against the URL it claims,
and the server's log says how often each URL was asked for.

The unsolicited bytes go out only on an idle connection (conn.send_later):
had the next request come first, they would just be its answer, which no
client can tell from any other. The crawls run with a per-host --delay so
that the connection is idle when they come.

Usage: desync_test.py PATH_TO_CRAWL"""
import collections
import json
import os
import random
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawserver import RawServer  # noqa: E402

CRAWL = None
PAGES = 50
RETRIES = 2
SEEDS = range(5)
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "Sanitizer")


def token(seed, n):
    return "http://token.invalid/t/%d/%d" % (seed, n)


def http(status, body, headers=()):
    head = "HTTP/1.1 %s\r\n" % status
    for k, v in [("Content-Type", "text/html"), *headers,
                 ("Content-Length", str(len(body)))]:
        head += "%s: %s\r\n" % (k, v)
    return head.encode() + b"\r\n" + body


class Site:
    """Pages /d/SEED/0 (links to all others) .. /d/SEED/49; each answer is
    followed, 40-60 ms later, by an unsolicited one."""

    def __init__(self, seed, late=True):
        self.seed, self.late = seed, late
        self.rng = random.Random(seed)
        self.sent = collections.Counter()  # what send_later did
        self.raced = set()                 # pages whose stray response raced

    def links(self, n):
        links = [token(self.seed, n)]
        if n == 0:
            links += ["/d/%d/%d" % (self.seed, m) for m in range(1, PAGES)]
        return links

    def stray(self, n):
        """The unsolicited response that follows page n's, in one of three
        shapes; none can pass for a page of the site."""
        decoy = "http://token.invalid/s/%d/%d" % (self.seed, n)
        shape = random.Random("%d:%d" % (self.seed, n)).randrange(3)
        if shape == 0:
            return http("203 Unsolicited", b'<a href="%s">s</a>' % decoy.encode())
        if shape == 1:
            return http("200 OK", b'<a href="%s">s</a>' % decoy.encode())
        return http("301 Moved", b"", [("Location", "/s/%d/%d" % (self.seed, n))])

    def __call__(self, req, conn):
        parts = req.path.split("/")
        if len(parts) != 4 or parts[1] != "d" or not parts[3].isdigit():
            conn.send(http("404 Not Found", b"no"))
            return
        n = int(parts[3])
        body = "".join('<a href="%s">x</a>\n' % l for l in self.links(n))
        conn.send(http("200 OK", body.encode()))
        if self.late:
            what = conn.send_later(self.rng.uniform(0.04, 0.06), self.stray(n))
            self.sent[what] += 1
            if what == "raced":
                self.raced.add(n)


def run(*args, timeout=120):
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1 abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1 print_stacktrace=1")
    proc = subprocess.run([CRAWL, *args], capture_output=True, timeout=timeout,
                          env=env)
    err = proc.stderr.decode("utf-8", "replace")
    return proc, [json.loads(l) for l in proc.stdout.decode().splitlines()], err


class Desync(unittest.TestCase):
    def crawl_site(self, seed, conc, late=True, delay="0.12"):
        """Crawls one site; checks every record against its URL; returns
        the server's send_later counts."""
        site = Site(seed, late)
        with RawServer(site) as srv:
            proc, recs, err = run(
                srv.base + "/d/%d/0" % seed, "--links", "--ignore-robots", "-q",
                "--retries", str(RETRIES), "--retry-delay", "0.1", "--timeout",
                "3", "--delay", delay, *conc)
        what = "seed %d %s: " % (seed, " ".join(conc))
        self.assertEqual(proc.returncode, 0, what + err[-3000:])
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, err, what + err[-3000:])
        self.assertEqual(srv.errors, [], what)
        counts = srv.counts()
        log = srv.requests()
        pages = {}
        tolerated = set()
        for rec in recs:
            path = urllib.parse.urlsplit(rec["url"]).path
            if path.startswith("/s/"):
                continue  # a stray redirect's target: its source is checked
            n = int(path.rsplit("/", 1)[1])
            pages[n] = rec
            links = rec.get("link_urls") or []
            want = [urllib.parse.urljoin(srv.base + path, l) for l in site.links(n)]
            if rec["status"] == 200 and sorted(links) == sorted(want):
                continue
            stray = [int(x.rsplit("/", 1)[1]) for x in
                     links + [rec.get("redirect_to") or ""] if "/s/" in x]
            if stray and all(x in site.raced for x in stray):
                tolerated.add(n)  # it asked while the stray bytes were in flight
                continue
            asked = [(x.conn, x.index, x.path) for r in log if r.path == path
                     for x in log if x.conn == r.conn and r.index - 3 <= x.index <= r.index]
            self.fail("%s%s carries another URL's response: status %s, links "
                      "%s, redirect_to %s (the server's log: (connection, "
                      "request, path) %s)" % (what, rec["url"], rec["status"],
                                              links[:3], rec.get("redirect_to"),
                                              asked[:8]))
        self.assertEqual(set(pages), set(range(PAGES)), what + "every page has a record")
        for path, k in counts.items():
            self.assertLessEqual(k, 1 + RETRIES, what + path)
            rec = pages.get(int(path.rsplit("/", 1)[1])) if path.startswith("/d/") else None
            if rec:
                self.assertLessEqual(k, rec["attempts"], what + "requests beyond "
                                     "attempts (silent resends): " + path)
        site.sent["tolerated"] += len(tolerated)
        print("  %sstray responses %s, %d connections" % (
            what, dict(site.sent), srv.connections), file=sys.stderr)
        return site.sent

    def test_one_connection(self):
        sent = collections.Counter()
        for seed in SEEDS:
            sent += self.crawl_site(seed, ["-c", "1", "--per-host", "1"])
        self.assertGreaterEqual(sent["sent"], 50, "stray responses sent on idle "
                                "connections: the test tested something (%s)" % sent)

    def test_four_connections(self):
        sent = collections.Counter()
        for seed in SEEDS:
            sent += self.crawl_site(seed, ["-c", "4", "--per-host", "4"])
        self.assertGreaterEqual(sent["sent"], 50, sent)

    def test_without_delay(self):
        # The next request mostly comes first and the stray bytes are
        # skipped; those sent anyway must not shift a record either.
        for seed in SEEDS[:2]:
            self.crawl_site(seed, ["-c", "4", "--per-host", "2"], delay="0")


class EmptyReply(unittest.TestCase):
    """A reused connection closed without a byte: curl on its own resends
    the request on a new connection (up to 5 times); crawl's retries are its
    own and bounded, so at most 1 + retries requests in all."""

    def crawl(self, empty_when):
        def handler(req, conn):
            if req.path == "/e/empty" and empty_when(req):
                conn.close()
                return
            links = ["/e/empty"] + ["/e/%d" % i for i in range(1, 6)]
            body = "".join('<a href="%s">x</a>' % l for l in links)
            conn.send(http("200 OK", body.encode() if req.path == "/e/0" else b"ok"))

        with RawServer(handler) as srv:
            proc, recs, err = run(srv.base + "/e/0", "--ignore-robots", "-q",
                                  "-c", "1", "--per-host", "1", "--retries",
                                  str(RETRIES), "--retry-delay", "0.1",
                                  "--timeout", "3")
        self.assertEqual(proc.returncode, 0, err[-3000:])
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, err, err[-3000:])
        asked = srv.requests("/e/empty")
        self.assertGreaterEqual(asked[0].index, 2, "first asked on a reused "
                                "connection (else the test tests nothing)")
        (rec,) = [r for r in recs if r["url"].endswith("/e/empty")]
        return asked, rec

    def test_always_empty(self):
        asked, rec = self.crawl(lambda req: True)
        self.assertLessEqual(len(asked), 1 + RETRIES, [(r.conn, r.index) for r in asked])
        self.assertEqual(len(asked), rec["attempts"], "one request per attempt")
        self.assertEqual(rec["outcome"], "error")

    def test_empty_on_reused_connections_only(self):
        asked, rec = self.crawl(lambda req: req.index > 1)
        self.assertLessEqual(len(asked), 1 + RETRIES, [(r.conn, r.index) for r in asked])
        self.assertEqual(len(asked), rec["attempts"], "one request per attempt")


if __name__ == "__main__":
    CRAWL = sys.argv.pop(1)
    unittest.main(verbosity=2)
