#!/usr/bin/env python3
"""Politeness and fairness, judged from a raw server's own request log.

A robots.txt Crawl-delay is a minimum: no two page requests to the host start
closer than it (the --delay jitter may only lengthen it). And within a host,
breadth-first, one page's 10,000 links do not starve the other pages of the
same depth: a crawl stopped early by --max-pages has reached all of them.

Usage: politeness_test.py PATH_TO_CRAWL"""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawserver import RawServer  # noqa: E402

CRAWL = None


def response(body, content_type=b"text/html"):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
            b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def html_page(links):
    return response(b"<html><body>" + b"".join(
        b"<a href='%s'>x</a>" % l.encode() for l in links) + b"</body></html>")


def crawl(*args, timeout=120):
    start = time.monotonic()
    proc = subprocess.run([CRAWL, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)
    proc.elapsed = time.monotonic() - start
    return proc


class CrawlDelay(unittest.TestCase):
    PAGES = 12

    def handler(self, req, conn):
        if req.path == "/robots.txt":
            conn.send(response(b"User-agent: *\nCrawl-delay: 1\n", b"text/plain"))
        elif req.path == "/":
            conn.send(html_page(["/%d" % i for i in range(1, self.PAGES)]))
        else:
            conn.send(html_page([]))

    def test_no_two_requests_closer_than_the_crawl_delay(self):
        with RawServer(self.handler) as srv:
            p = crawl(srv.base + "/", "--timeout", "5", "-q")
            self.assertEqual(p.returncode, 0, p.stderr)
            log = srv.requests()
        self.assertEqual(sum(r.path == "/robots.txt" for r in log), 1)
        # The robots.txt request comes before the delay is known.
        pages = sorted(r.time for r in log if r.path != "/robots.txt")
        self.assertEqual(len(pages), self.PAGES)
        gaps = [b - a for a, b in zip(pages, pages[1:])]
        self.assertGreaterEqual(min(gaps), 0.995, gaps)  # a few ms of slack
        self.assertLess(max(gaps), 1.5, "Crawl-delay x 1.0..1.2 (and latency)")


class FairOrder(unittest.TestCase):
    K = 50

    def handler(self, req, conn):
        path = req.path
        if path == "/":
            conn.send(html_page(["/big"] + ["/p%d" % k for k in range(self.K)]))
        elif path == "/big":
            conn.send(html_page(["/big/%d" % n for n in range(10000)]))
        elif path.startswith("/p") and "/" not in path[1:]:
            conn.send(html_page([path + "/child"]))
        else:
            conn.send(html_page([]))

    def test_a_big_page_does_not_starve_its_depth(self):
        with RawServer(self.handler) as srv:
            p = crawl(srv.base + "/", "--max-pages", "200", "--ignore-robots",
                      "-c", "4", "--per-host", "4", "--timeout", "5", "-q")
            self.assertEqual(p.returncode, 0, p.stderr)
            seen = srv.counts()
        self.assertLessEqual(sum(seen.values()), 200)
        for k in range(self.K):
            self.assertIn("/p%d" % k, seen)
        # Depth 2 is shared out among the 51 pages that gave it links, so
        # each /pK's one link is reached long before 200 pages.
        missing = [k for k in range(self.K) if "/p%d/child" % k not in seen]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
