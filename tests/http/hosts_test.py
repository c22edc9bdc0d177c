#!/usr/bin/env python3
"""Many hosts, judged from a raw server's own log (tests/http/rawserver.py).

One RawServer on 127.0.0.1 plays every host: the crawl reaches it for any
host name through --connect-to ::127.0.0.1:PORT, and the handler tells the
hosts apart by the Host header. Each handler logs, per request, its host,
its arrival (the rawserver's Request.time) and the moment the response is
handed to the socket (taken before the send, so that the client cannot have
started another request before it): the interval in which the server held
the request. Each such interval lies within the client's own, so more than
N overlapping intervals for one host would mean more than N fetches in
flight to it.

  - --per-host 2 -c 16 over 20 hosts, each response after 0.2 s: at no
    instant more than 2 requests to one host (and the limit was reached,
    with many hosts at once).
  - -c 8 --per-host 1, one host whose pages take 10 s among 200 fast hosts:
    the slow host never holds more than one slot, and the fast hosts' pages
    keep flowing while its request is open: most are asked for after it
    started, and all are answered before its first response.

Usage: hosts_test.py PATH_TO_CRAWL"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawserver import RawServer  # noqa: E402

CRAWL = None


def response(body, status=b"200 OK", content_type=b"text/html"):
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type +
            b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def html_page(links):
    return response(b"<html><body>" + b"".join(
        b"<a href='%s'>x</a>" % l.encode() for l in links) + b"</body></html>")


NOT_FOUND = response(b"not found\n", b"404 Not Found", b"text/plain")


def crawl(*args, timeout=60):
    start = time.monotonic()
    proc = subprocess.run([CRAWL, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)
    proc.elapsed = time.monotonic() - start
    return proc


class Log:
    """(host, path, start, end) per request, from the handlers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def add(self, req, end):
        host = (req.header("Host") or "").lower().rsplit(":", 1)[0]
        with self.lock:
            self.entries.append((host, req.path, req.time, end))

    def copy(self):
        with self.lock:
            return list(self.entries)


def max_in_flight(intervals):
    """The most intervals [start, end) open at one instant."""
    events = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    events.sort(key=lambda e: (e[0], e[1]))  # an end before a start at a tie
    most = now = 0
    for _, delta in events:
        now += delta
        most = max(most, now)
    return most


def by_host(entries):
    hosts = {}
    for host, _, start, end in entries:
        hosts.setdefault(host, []).append((start, end))
    return hosts


class PerHost(unittest.TestCase):
    HOSTS = 20
    PAGES = 8  # per host, its root included

    def test_never_more_than_per_host_in_flight_to_a_host(self):
        log = Log()

        def handler(req, conn):
            host = (req.header("Host") or "").lower().rsplit(":", 1)[0]
            if req.path == "/robots.txt":
                log.add(req, time.monotonic())
                conn.send(NOT_FOUND)
                return
            if not conn.sleep(0.2):
                return
            if host == "h0.hosts.test" and req.path == "/":
                links = ["http://h%d.hosts.test:%d/" % (k, conn.server.port)
                         for k in range(1, self.HOSTS)]
                links += ["/%d" % j for j in range(1, self.PAGES)]
                body = html_page(links)
            elif req.path == "/":
                body = html_page(["/%d" % j for j in range(1, self.PAGES)])
            else:
                body = html_page([])
            log.add(req, time.monotonic())
            conn.send(body)

        with RawServer(handler) as srv, tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.jsonl")
            p = crawl("http://h0.hosts.test:%d/" % srv.port, "--scope", "any",
                      "--connect-to", "::127.0.0.1:%d" % srv.port,
                      "--per-host", "2", "-c", "16", "--timeout", "10",
                      "-q", "-o", out)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(srv.errors, [])
            with open(out) as f:
                recs = [json.loads(line) for line in f]
        entries = log.copy()
        fetched = [r for r in recs if r["outcome"] == "fetched"]
        self.assertEqual(len(fetched), self.HOSTS * self.PAGES)
        hosts = by_host(entries)
        self.assertEqual(len(hosts), self.HOSTS, sorted(hosts))
        for host, intervals in hosts.items():
            self.assertEqual(len(intervals), self.PAGES + 1, host)  # robots
            self.assertLessEqual(max_in_flight(intervals), 2, host)
        # Not vacuous: hosts did reach their limit (not all need to: 16
        # slots are shared by 20 hosts), and many were crawled at once.
        self.assertGreaterEqual(
            sum(max_in_flight(iv) == 2 for iv in hosts.values()), 3)
        self.assertGreater(
            max_in_flight([(s, e) for _, _, s, e in entries]), 8)
        print("per-host: %d requests on %d hosts in %.1f s; %d hosts "
              "reached 2 in flight" %
              (len(entries), len(hosts), p.elapsed,
               sum(max_in_flight(iv) == 2 for iv in hosts.values())),
              file=sys.stderr)


class SlowHost(unittest.TestCase):
    FAST_HOSTS = 200
    FAST_PAGES = 3   # per fast host, its root included
    SLOW_PAGES = 2   # on the slow host
    SLOW_SECONDS = 10

    def test_a_slow_host_holds_one_slot_and_stalls_no_other(self):
        log = Log()

        def handler(req, conn):
            host = (req.header("Host") or "").lower().rsplit(":", 1)[0]
            port = conn.server.port
            if req.path == "/robots.txt":
                log.add(req, time.monotonic())
                conn.send(NOT_FOUND)
                return
            if host == "slow.hosts.test":
                if not conn.sleep(self.SLOW_SECONDS):
                    return
                body = html_page([])
            elif host == "f0.hosts.test" and req.path == "/":
                # The slow pages first, so that they are asked for early.
                links = ["http://slow.hosts.test:%d/s%d" % (port, j)
                         for j in range(self.SLOW_PAGES)]
                links += ["http://f%d.hosts.test:%d/" % (k, port)
                          for k in range(1, self.FAST_HOSTS)]
                links += ["/%d" % j for j in range(1, self.FAST_PAGES)]
                body = html_page(links)
            elif req.path == "/":
                body = html_page(["/%d" % j for j in range(1, self.FAST_PAGES)])
            else:
                body = html_page([])
            log.add(req, time.monotonic())
            conn.send(body)

        with RawServer(handler, conn_seconds=60) as srv, \
                tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.jsonl")
            p = crawl("http://f0.hosts.test:%d/" % srv.port, "--scope", "any",
                      "--connect-to", "::127.0.0.1:%d" % srv.port,
                      "--per-host", "1", "-c", "8", "--timeout", "12",
                      "-q", "-o", out)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(srv.errors, [])
            with open(out) as f:
                recs = [json.loads(line) for line in f]
        entries = log.copy()
        fetched = [r for r in recs if r["outcome"] == "fetched"]
        self.assertEqual(len(fetched),
                         self.FAST_HOSTS * self.FAST_PAGES + self.SLOW_PAGES)
        slow = [(s, e) for h, path, s, e in entries
                if h == "slow.hosts.test" and path != "/robots.txt"]
        fast = [(s, e) for h, _, s, e in entries if h != "slow.hosts.test"]
        self.assertEqual(len(slow), self.SLOW_PAGES)
        self.assertEqual(len(fast), self.FAST_HOSTS * (self.FAST_PAGES + 1))
        # --per-host 1 for every host, the slow one included.
        for host, intervals in by_host(entries).items():
            self.assertLessEqual(max_in_flight(intervals), 1, host)
        # The slow host's first page was asked for early, and every fast
        # request came and was answered while it was open: at most one of
        # the 8 slots was the slow host's, the other 7 kept fetching.
        first_start, first_end = min(slow)
        last_fast_end = max(e for _, e in fast)
        first_fast = min(s for s, _ in fast)
        self.assertLess(first_start - first_fast, 2.0)
        self.assertLess(last_fast_end, first_end,
                        "fast pages still fetched %.1f s after the slow "
                        "host's first response" % (last_fast_end - first_end))
        # Most of them after the slow request had started (the rest came
        # before it: the slow host's robots.txt is asked for first).
        during = sum(first_start <= s < first_end for s, _ in fast)
        self.assertGreater(during, len(fast) // 2)
        print("slow host: %d fast requests in %.1f s, %d of them while the "
              "slow request was open; crawl %.1f s" %
              (len(fast), last_fast_end - first_fast, during, p.elapsed),
              file=sys.stderr)


class ConnectionReuse(unittest.TestCase):
    """A polite crawl over many hosts keeps each host's connection for its
    next turn: with 2 fetches in flight over 100 hosts of 5 pages each, one
    connection per host, not one per page (curl's default cache, 4 per
    transfer in flight, closed them: 500 connects)."""

    def test_one_connection_per_host_when_few_are_in_flight(self):
        hosts = ["r%d.test" % i for i in range(100)]

        def handler(req, conn):
            host = (req.header("host") or "").split(":")[0]
            if req.path == "/":
                conn.send(html_page(["http://%s/p%d" % (h, k)
                                     for h in hosts for k in range(5)]))
            else:
                conn.send(html_page([]))
        with RawServer(handler) as srv:
            p = crawl("http://seed.test/", "--scope", "any", "--ignore-robots",
                      "-c", "2", "--per-host", "1", "-q", "-o", os.devnull,
                      "--connect-to", "::127.0.0.1:%d" % srv.port)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sum(srv.counts().values()), 501)
            self.assertLessEqual(srv.connections, 100 + 10, srv.connections)


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
