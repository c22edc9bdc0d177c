#!/usr/bin/env python3
"""End-to-end tests of `crawl URL...` against real HTTP servers on 127.0.0.1.

Each test starts its own TestServer (testserver.py), runs the crawl binary,
and checks the JSON Lines records AND the server's request log.
Usage: http_test.py PATH_TO_CRAWL [unittest args]"""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testserver import TestServer  # noqa: E402

CRAWL = None
ENGINES = ["event", "serial", "mutex", "channel"]
# Retries have tests of their own (hostile_test.py); here one request per URL.
FAST = ["--timeout", "3", "--connect-timeout", "2", "--retries", "0"]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def crawl(*args, timeout=60):
    p = subprocess.run([CRAWL, *args], capture_output=True, text=True,
                       timeout=timeout)
    recs = [json.loads(line) for line in p.stdout.splitlines()]
    return p, recs


def by_path(recs, base):
    return {r["url"][len(base):]: r for r in recs if r["url"].startswith(base)}


class Site(unittest.TestCase):
    """The normal site, with every engine: what is fetched, and how often."""

    def run_site(self, engine):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/site/index.html", "--engine", engine,
                            "-c", "8", *FAST)
            self.assertEqual(p.returncode, 0, p.stderr)
            return srv, p, recs, by_path(recs, srv.base)

    def test_every_engine_fetches_each_page_once(self):
        expected = {
            "/site/index.html", "/site/a.html", "/site/b.html", "/site/c/",
            "/site/c/d.html", "/status/404", "/status/500", "/image.png",
            "/untyped", "/site/from-untyped.html", "/base",
            "/site/deep/e.html", "/malformed", "/site/from-malformed-1.html",
            "/site/from-malformed-2.html", "/site/from-malformed-3.html",
            "/spellings", "/redirect/relative", "/redirect/to-seed",
            "/redirect/chain/3", "/redirect/chain/2", "/redirect/chain/1",
            "/redirect/chain/0", "/gzipped", "/site/from-gzip.html"}
        for engine in ENGINES:
            with self.subTest(engine=engine):
                srv, p, recs, pages = self.run_site(engine)
                self.assertEqual(set(pages), expected)
                self.assertEqual(len(recs), len(expected), "one record per URL")
                counts = srv.counts()
                self.assertEqual(set(counts), expected,
                                 "the server saw exactly these requests")
                self.assertEqual(srv.counts(robots=True)["/robots.txt"], 1)
                for path, n in counts.items():
                    self.assertEqual(n, 1, path + " requested more than once")

    def test_records_are_complete_and_right(self):
        srv, p, recs, pages = self.run_site("channel")
        base = srv.base
        for r in recs:
            for field in ["url", "final_url", "outcome", "status", "depth",
                          "parent", "content_type", "bytes", "truncated",
                          "fetch_ms", "links", "redirect_to", "hops", "error",
                          "fetched_at"]:
                self.assertIn(field, r)
            self.assertRegex(r["fetched_at"], RFC3339)
        idx = pages["/site/index.html"]
        self.assertEqual((idx["outcome"], idx["status"], idx["depth"]),
                         ("fetched", 200, 0))
        self.assertIsNone(idx["parent"])
        self.assertTrue(idx["content_type"].startswith("text/html"))
        self.assertGreater(idx["bytes"], 100)
        self.assertEqual(pages["/site/a.html"]["parent"], base + "/site/index.html")
        self.assertEqual(pages["/site/c/d.html"]["depth"], 2)
        self.assertEqual(pages["/status/404"]["outcome"], "not_found")
        self.assertEqual(pages["/status/500"]["outcome"], "http_error")
        self.assertEqual(pages["/status/500"]["status"], 500)
        png = pages["/image.png"]
        self.assertEqual((png["outcome"], png["content_type"], png["links"]),
                         ("fetched", "image/png", 0))
        self.assertEqual(pages["/untyped"]["links"], 1, "HTML sniffed")
        self.assertEqual(pages["/site/deep/e.html"]["parent"], base + "/base",
                         "<base href> honoured")
        rel = pages["/redirect/relative"]
        self.assertEqual(rel["outcome"], "redirect")
        self.assertEqual(rel["status"], 302)
        self.assertEqual(rel["redirect_to"], base + "/site/a.html")
        self.assertEqual(rel["final_url"], base + "/site/a.html")
        self.assertEqual(pages["/redirect/to-seed"]["redirect_to"],
                         base + "/site/index.html")
        # The chain: each hop its own record, at the depth of the first.
        for n, hops in [(3, 0), (2, 1), (1, 2), (0, 3)]:
            r = pages["/redirect/chain/%d" % n]
            self.assertEqual(r["hops"], hops)
            self.assertEqual(r["depth"], 1)
        self.assertEqual(pages["/redirect/chain/0"]["outcome"], "fetched")
        self.assertEqual(pages["/gzipped"]["links"], 1, "gzip decoded")
        self.assertIn("gzip", srv.encodings[0])
        self.assertIn("br", srv.encodings[0])
        self.assertIn("zstd", srv.encodings[0])
        # The summary.
        self.assertIn("dropped:", p.stderr)
        self.assertRegex(p.stderr, r"scope \d+")
        self.assertRegex(p.stderr, r"status:   2xx \d+, 3xx 5, 4xx 1, 5xx 1")

    def test_nothing_from_script_comment_title_or_png(self):
        srv, p, recs, pages = self.run_site("mutex")
        for path in srv.counts():
            self.assertNotIn("in-script", path)
            self.assertNotIn("in-comment", path)
            self.assertNotIn("in-title", path)
            self.assertNotIn("never-from-png", path)
            self.assertNotIn("in-p-attribute", path)
            self.assertNotIn("cut-off", path)

    def test_depth_limit(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/site/index.html", "--depth", "1", *FAST)
            depths = {r["depth"] for r in recs}
            self.assertEqual(depths, {0, 1})
            self.assertNotIn("/site/c/d.html", srv.counts())
            self.assertRegex(p.stderr, r"depth \d+")


class Redirects(unittest.TestCase):
    def test_loop_ends(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/redirect/loop/a", *FAST)
            self.assertEqual(p.returncode, 0)
            self.assertEqual(srv.counts(), {"/redirect/loop/a": 1,
                                            "/redirect/loop/b": 1})
            self.assertEqual([r["outcome"] for r in recs], ["redirect"] * 2)

    def test_chain_past_the_limit_ends_with_an_error_record(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/redirect/chain/25", *FAST)
            counts = srv.counts()
            self.assertEqual(len(counts), 21, "the seed and 20 hops")
            self.assertNotIn("/redirect/chain/4", counts)
            last = by_path(recs, srv.base)["/redirect/chain/5"]
            self.assertEqual(last["outcome"], "error")
            self.assertEqual(last["error"]["kind"], "redirect_limit")
            self.assertEqual(last["hops"], 20)

    def test_max_redirects_option(self):
        with TestServer() as srv:
            crawl(srv.base + "/redirect/chain/5", "--max-redirects", "2", *FAST)
            self.assertEqual(len(srv.counts()), 3)

    def test_no_location_and_offsite(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/redirect/nolocation",
                            srv.base + "/redirect/offsite", *FAST)
            pages = by_path(recs, srv.base)
            nl = pages["/redirect/nolocation"]
            self.assertEqual((nl["outcome"], nl["error"]["kind"]),
                             ("http_error", "redirect"))
            off = pages["/redirect/offsite"]
            self.assertEqual(off["redirect_to"], "http://other.invalid/x")
            self.assertEqual(len(recs), 2, "an off-scope target is not fetched")


class Bounds(unittest.TestCase):
    def test_never_answers_and_drips_time_out(self):
        with TestServer() as srv:
            start = time.monotonic()
            p, recs = crawl(srv.base + "/never", srv.base + "/drip",
                            "--timeout", "2", "-c", "2", "--retries", "0")
            elapsed = time.monotonic() - start
            self.assertLess(elapsed, 10)
            pages = by_path(recs, srv.base)
            for path in ["/never", "/drip"]:
                self.assertEqual(pages[path]["outcome"], "error")
                self.assertEqual(pages[path]["error"]["kind"], "timeout")

    def test_low_speed_limit_ends_a_drip(self):
        with TestServer() as srv:
            start = time.monotonic()
            p, recs = crawl(srv.base + "/drip", "--timeout", "30", "--retries", "0",
                            "--low-speed-limit", "100", "--low-speed-time", "2")
            self.assertLess(time.monotonic() - start, 10)
            self.assertEqual(recs[0]["error"]["kind"], "timeout")

    def test_body_cap_truncates(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/big?mb=20", "--max-body", "1M", *FAST)
            (r,) = recs
            self.assertEqual(r["outcome"], "fetched")
            self.assertTrue(r["truncated"])
            self.assertEqual(r["bytes"], 1 << 20)

    def test_gzip_bomb_stops_at_the_cap(self):
        with TestServer() as srv:
            for cap, expected in [("1M", 1 << 20), ("10M", 10 << 20)]:
                p, recs = crawl(srv.base + "/gzip-bomb", "--max-body", cap, *FAST)
                (r,) = recs
                self.assertTrue(r["truncated"])
                self.assertEqual(r["bytes"], expected, "decoded bytes counted")

    def test_header_cap(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/site/a.html", "--max-header", "100",
                            "--depth", "0", *FAST)
            self.assertEqual(recs[0]["error"]["kind"], "header_too_large")

    def test_connection_refused_is_a_record(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        p, recs = crawl("http://127.0.0.1:%d/" % port, *FAST)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(recs[0]["error"]["kind"], "connect")
        p, recs = crawl("http://127.0.0.1:%d/" % port, "--fail-on-error", *FAST)
        self.assertEqual(p.returncode, 1)


class Scope(unittest.TestCase):
    def test_default_scope_is_the_seed_host(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/spellings", *FAST)
            hosts = {r["url"].split("/")[2] for r in recs}
            self.assertEqual(hosts, {"127.0.0.1:%d" % srv.server_address[1]})

    def test_scope_any_follows_other_hosts(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/spellings", "--scope", "any",
                            "--depth", "1", *FAST)
            self.assertIn("http://localhost:%d/site/a.html" % srv.server_address[1],
                          [r["url"] for r in recs])

    def test_include_and_exclude(self):
        with TestServer() as srv:
            crawl(srv.base + "/site/index.html", "--include", r"/site/[ab]\.html$",
                  *FAST)
            self.assertEqual(set(srv.counts()),
                             {"/site/index.html", "/site/a.html", "/site/b.html"})
        with TestServer() as srv:
            p, _ = crawl(srv.base + "/site/index.html", "--exclude", "/status/|/redirect/",
                         *FAST)
            paths = set(srv.counts())
            self.assertFalse(any("/status/" in x or "/redirect/" in x for x in paths))
            self.assertRegex(p.stderr, r"exclude \d+")
        p, _ = crawl("http://127.0.0.1:1/", "--include", "(")
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad regular expression", p.stderr)


class Spellings(unittest.TestCase):
    def test_spellings_of_one_url_are_fetched_once(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/spellings", "--depth", "1", *FAST)
            self.assertEqual(srv.counts(), {"/spellings": 1, "/site/a.html": 1,
                                            "/site/b.html": 1})
            self.assertEqual(len(recs), 3)


class Requests(unittest.TestCase):
    def test_user_agent_and_headers(self):
        with TestServer() as srv:
            crawl(srv.base + "/site/a.html", "--depth", "0", *FAST)
            self.assertRegex(srv.agents[0], r"^crawl/\d+\.\d+")
        with TestServer() as srv:
            crawl(srv.base + "/site/a.html", "--depth", "0", "--user-agent",
                  "MyBot/2.0", "-H", "X-Test: yes", *FAST)
            self.assertEqual(srv.agents[0], "MyBot/2.0")
            self.assertEqual(srv.extra_headers[0], "yes")

    def test_proxy_environment_variables_are_ignored(self):
        # curl would honour http_proxy; crawl takes proxies only from --proxy
        # (an environment proxy would route around the address policy).
        with TestServer() as srv:
            env = dict(os.environ, http_proxy="http://127.0.0.1:9",
                       ALL_PROXY="http://127.0.0.1:9")
            p = subprocess.run([CRAWL, srv.base + "/site/a.html", "--depth", "0",
                                *FAST], capture_output=True, text=True, env=env,
                               timeout=60)
            self.assertEqual(json.loads(p.stdout)["outcome"], "fetched")

    def test_proxy_carries_every_request(self):
        with TestServer() as origin, TestServer() as proxy:
            p, recs = crawl(origin.base + "/site/a.html", "--depth", "1",
                            "--proxy", proxy.base, *FAST)
            self.assertEqual(origin.log, [], "nothing went to the origin")
            self.assertIn(origin.base + "/site/a.html", proxy.log)
            self.assertIn(origin.base + "/robots.txt", proxy.log)
            self.assertEqual(len(recs), 3)


class Stopping(unittest.TestCase):
    def test_sigint_stops_within_a_second_and_flushes(self):
        with TestServer() as srv:
            proc = subprocess.Popen(
                [CRAWL, srv.base + "/site/index.html", srv.base + "/never",
                 srv.base + "/drip", "--timeout", "60", "-c", "4", "--per-host", "4"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            start = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=10)
            self.assertLess(time.monotonic() - start, 1.0)
            self.assertEqual(proc.returncode, 130)
            self.assertIn("stopped by SIGINT", err)
            recs = [json.loads(l) for l in out.splitlines()]
            pages = by_path(recs, srv.base)
            self.assertEqual(pages["/never"]["error"]["kind"], "cancelled")
            self.assertEqual(pages["/site/index.html"]["outcome"], "fetched")

    def test_sigterm_stops_too(self):
        with TestServer() as srv:
            proc = subprocess.Popen([CRAWL, srv.base + "/never", "--timeout", "60"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=10)
            self.assertEqual(proc.returncode, 143)
            self.assertIn("stopped by SIGTERM", err)
            self.assertEqual(json.loads(out)["error"]["kind"], "cancelled")

    def test_max_time(self):
        with TestServer() as srv:
            start = time.monotonic()
            p, recs = crawl(srv.base + "/never", "--timeout", "60",
                            "--max-time", "1", "--retries", "0")
            self.assertLess(time.monotonic() - start, 3)
            self.assertEqual(p.returncode, 0)
            self.assertIn("stopped by --max-time", p.stderr)


class Terminal(unittest.TestCase):
    def test_progress_line_on_a_terminal_is_cleared_at_the_end(self):
        with TestServer() as srv:
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(CRAWL, [CRAWL, srv.base + "/drip", srv.base + "/site/a.html",
                                 "--timeout", "2", "--retries", "0", "-o", os.devnull])
            output = b""
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                r, _, _ = select.select([fd], [], [], 0.5)
                if r:
                    try:
                        chunk = os.read(fd, 4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    output += chunk
            os.waitpid(pid, 0)
            text = output.decode(errors="replace")
            self.assertRegex(text, r"crawl: \d+ pages \| \d+ in flight \| \d+ queued")
            self.assertIn("pages/s", text)
            self.assertIn("\r\x1b[K", text, "progress line cleared")
            self.assertIn("crawl: done", text)

    def test_verbose_logs_each_fetch(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/redirect/relative", "-v", *FAST)
            lines = [l for l in p.stderr.splitlines() if "/redirect/relative" in l]
            self.assertEqual(len(lines), 1)
            self.assertRegex(lines[0], r"^302 +[\d.]+ ms http://.*/redirect/relative"
                                       r" -> http://.*/site/a\.html$")
            self.assertEqual(len(recs), len([l for l in p.stderr.splitlines()
                                             if " ms http" in l]))

    def test_no_progress_line_when_not_a_terminal(self):
        with TestServer() as srv:
            p, _ = crawl(srv.base + "/site/a.html", *FAST)
            self.assertNotIn("in flight", p.stderr)


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
