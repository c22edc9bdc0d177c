#!/usr/bin/env python3
"""A good citizen that survives a hostile web: robots.txt, politeness,
retries, spider traps, bodies and headers that never end, private addresses.

Every assertion is made from the test server's own request log (what the
crawler actually did), and every crawl must end by itself within its bounds.
Run it through in_netns.sh: only loopback exists there, so a crawler bug
could never reach 10.0.0.1 or 169.254.169.254, and evil.test resolves to
127.0.0.2. Usage: in_netns.sh hostile_test.py PATH_TO_CRAWL"""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testserver import TestServer  # noqa: E402

CRAWL = None
QUICK = ["--timeout", "3", "--connect-timeout", "2"]


def crawl(*args, timeout=120):
    """Runs crawl; returns (process, records); process.elapsed in seconds."""
    start = time.monotonic()
    with subprocess.Popen([CRAWL, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        out, err = proc.communicate(timeout=timeout)
    proc.elapsed = time.monotonic() - start
    proc.stdout_text, proc.stderr_text = out, err
    return proc, [json.loads(l) for l in out.splitlines()]


def by_path(recs, base):
    return {r["url"][len(base):]: r for r in recs if r["url"].startswith(base)}


def page_times(srv, prefix):
    with srv.lock:
        return [t for t, p in srv.times if p.startswith(prefix)]


class Robots(unittest.TestCase):
    def test_rfc9309_disallowed_paths_are_never_requested(self):
        with TestServer() as srv:
            srv.robots = "User-agent: *\nDisallow: /private/\n"
            p, recs = crawl(srv.base + "/public/0.html", *QUICK)
            self.assertEqual(p.returncode, 0, p.stderr_text)
            paths = srv.counts()
            self.assertFalse([x for x in paths if x.startswith("/private/")])
            self.assertEqual(srv.counts(robots=True)["/robots.txt"], 1)
            pages = by_path(recs, srv.base)
            for n in range(1, 6):
                blocked = pages["/private/%d.html" % n]
                self.assertEqual(blocked["outcome"], "robots")
                self.assertEqual(blocked["error"]["kind"], "robots")
                self.assertEqual(pages["/public/%d.html" % n]["outcome"], "fetched")
            self.assertIn("robots 5", p.stderr_text)

    def test_rfc9309_2_2_1_our_group_and_not_the_star_group(self):
        with TestServer() as srv:
            srv.robots = ("User-agent: *\nDisallow: /\n\n"
                          "User-agent: MyBot\nDisallow: /public/3\n")
            p, recs = crawl(srv.base + "/public/0.html", "--user-agent",
                            "MyBot/1.0", *QUICK)
            paths = srv.counts()
            self.assertNotIn("/public/3.html", paths)
            self.assertIn("/private/1.html", paths, "'*' is not inherited")

    def test_rfc9309_2_3_1_3_unreachable_robots_disallows_all(self):
        with TestServer() as srv:
            srv.robots = "User-agent: *\nAllow: /\n"
            srv.robots_status = 503
            p, recs = crawl(srv.base + "/public/0.html", "--retries", "1",
                            "--retry-delay", "0.2", *QUICK)
            self.assertEqual(srv.counts(), {}, "no page fetched")
            self.assertEqual(srv.counts(robots=True)["/robots.txt"], 2,
                             "robots.txt retried once")
            (rec,) = recs
            self.assertEqual(rec["outcome"], "robots")
            self.assertIn("unreachable", rec["error"]["message"])

    def test_rfc9309_2_3_1_3_missing_robots_allows_all(self):
        with TestServer() as srv:
            crawl(srv.base + "/public/0.html", *QUICK)
            self.assertIn("/private/5.html", srv.counts())

    def test_ignore_robots(self):
        with TestServer() as srv:
            srv.robots = "User-agent: *\nDisallow: /\n"
            crawl(srv.base + "/public/0.html", "--ignore-robots", *QUICK)
            self.assertNotIn("/robots.txt", srv.counts(robots=True))
            self.assertIn("/private/1.html", srv.counts())

    def test_crawl_delay_is_honoured(self):
        with TestServer() as srv:
            srv.robots = "User-agent: *\nCrawl-delay: 0.5\n"
            p, recs = crawl(srv.base + "/public/0.html", "--include", "/public/",
                            "-c", "8", *QUICK)
            times = page_times(srv, "/public/")
            self.assertEqual(len(times), 6)
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertGreaterEqual(min(gaps), 0.24, gaps)  # 0.5 s x 0.5..1.5

    def test_a_sitemap_robots_disallows_is_not_fetched(self):
        with TestServer() as srv:
            srv.robots = ("User-agent: *\nDisallow: /sitemap.xml\n"
                          "Sitemap: /sitemap.xml\n")
            crawl(srv.base + "/site/a.html", "--depth", "0", "--sitemaps", *QUICK)
            self.assertNotIn("/sitemap.xml", srv.counts())
            self.assertNotIn("/orphan.html", srv.counts())

    def test_sitemaps_seed_the_crawl(self):
        with TestServer() as srv:
            srv.robots = "Sitemap: /sitemap.xml\nSitemap: /sitemap-index.xml\n"
            crawl(srv.base + "/site/a.html", "--depth", "0", *QUICK)
            self.assertNotIn("/orphan.html", srv.counts(), "only with --sitemaps")
        with TestServer() as srv:
            srv.robots = "Sitemap: /sitemap.xml\nSitemap: /sitemap-index.xml\n"
            p, recs = crawl(srv.base + "/site/a.html", "--depth", "0",
                            "--sitemaps", *QUICK)
            counts = srv.counts()
            for path in ["/orphan.html", "/orphan2.html", "/sitemap2.xml.gz"]:
                self.assertEqual(counts[path], 1, path)


class Politeness(unittest.TestCase):
    def test_per_host_caps_fetches_in_flight(self):
        for per_host in [1, 3]:
            with TestServer() as srv:
                crawl(srv.base + "/slowindex", "-c", "16", "--per-host",
                      str(per_host), *QUICK)
                self.assertEqual(len(srv.counts()), 11)
                self.assertLessEqual(srv.max_active, per_host)
                self.assertEqual(srv.max_active, per_host, "and uses them")

    def test_delay_between_requests_to_one_host(self):
        with TestServer() as srv:
            crawl(srv.base + "/public/0.html", "--include", "/public/",
                  "--delay", "0.3", "-c", "8", *QUICK)
            times = page_times(srv, "/public/")
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertGreaterEqual(min(gaps), 0.14, gaps)

    def test_a_slow_host_does_not_hold_up_the_others(self):
        with TestServer() as slow, TestServer() as fast:
            slow.robots = "User-agent: *\nCrawl-delay: 1\n"
            start = time.monotonic()
            # Politeness is per host name: the slow site is "localhost", the
            # fast one "127.0.0.1".
            p, recs = crawl(slow.base.replace("127.0.0.1", "localhost") + "/public/0.html",
                            fast.base + "/public/0.html", "-c", "4", *QUICK,
                            "--retries", "0")
            self.assertEqual(len(fast.counts()), 11)
            fast_done = max(t for t, _ in fast.times) - start
            slow_done = max(t for t, _ in slow.times) - start
            self.assertLess(fast_done, 3.0)
            self.assertGreater(slow_done, 4.0, "the slow host kept its delay")


class Retries(unittest.TestCase):
    def test_503_with_retry_after_seconds(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/retry/after/1?s=1", *QUICK)
            times = page_times(srv, "/retry/")
            self.assertEqual(len(times), 2)
            self.assertGreaterEqual(times[1] - times[0], 0.95)
            (rec,) = recs
            self.assertEqual((rec["outcome"], rec["attempts"]), ("fetched", 2))

    def test_429_with_retry_after_date(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/retry/date/1", *QUICK)
            times = page_times(srv, "/retry/")
            self.assertEqual(len(times), 2)
            self.assertGreaterEqual(times[1] - times[0], 0.9)
            self.assertEqual(recs[0]["attempts"], 2)

    def test_retry_after_is_capped(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/retry/after/2?s=3600",
                            "--max-retry-wait", "1", *QUICK)
            self.assertLess(p.elapsed, 10)
            self.assertEqual(recs[0]["attempts"], 2)

    def test_5xx_backs_off_then_gives_up_with_the_last_error(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/always500", "--retries", "2",
                            "--retry-delay", "0.2", *QUICK)
            times = page_times(srv, "/always500")
            self.assertEqual(len(times), 3)
            self.assertGreaterEqual(times[1] - times[0], 0.09)
            self.assertGreaterEqual(times[2] - times[1], 0.19, "backoff grows")
            (rec,) = recs
            self.assertEqual((rec["outcome"], rec["status"], rec["attempts"]),
                             ("http_error", 500, 3))

    def test_timeouts_are_retried(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/never", "--timeout", "1", "--retries", "1",
                            "--retry-delay", "0.2")
            self.assertEqual(srv.counts()["/never"], 2)
            self.assertEqual(recs[0]["error"]["kind"], "timeout")
            self.assertEqual(recs[0]["attempts"], 2)

    def test_404_is_not_retried(self):
        with TestServer() as srv:
            crawl(srv.base + "/status/404", *QUICK)
            self.assertEqual(srv.counts()["/status/404"], 1)


class Traps(unittest.TestCase):
    def test_calendar_is_bounded_by_pages_per_host(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/calendar/2026/1", "--max-pages-per-host",
                            "30", *QUICK)
            self.assertEqual(p.returncode, 0)
            self.assertEqual(len(srv.counts()), 30)
            self.assertIn("max_pages_per_host", p.stderr_text)

    def test_calendar_is_bounded_by_depth(self):
        with TestServer() as srv:
            crawl(srv.base + "/calendar/2026/1", "--depth", "10", *QUICK)
            self.assertEqual(len(srv.counts()), 11)

    def test_repeated_path_segments_are_a_trap(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/trap/", *QUICK)
            paths = srv.counts()
            self.assertLess(len(paths), 60)
            for path in paths:
                for seg in ("a", "b"):
                    self.assertLess(path.split("/").count(seg), 3, path)
            self.assertRegex(p.stderr_text, r"trap \d+")

    def test_100000_links_on_one_page(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/links100k", "--max-links-per-page", "100",
                            *QUICK)
            self.assertEqual(len(srv.counts()), 101)
            self.assertIn("max_links 99900", p.stderr_text)

    def test_200mb_body_stops_at_the_cap(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/big?mb=200", *QUICK)
            (rec,) = recs
            self.assertTrue(rec["truncated"])
            self.assertEqual(rec["bytes"], 10 << 20)
            self.assertLess(p.elapsed, 20)

    def test_double_gzip_bomb_stops_at_the_cap(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/double-gzip-bomb", "--max-body", "1M",
                            *QUICK)
            (rec,) = recs
            self.assertTrue(rec["truncated"])
            self.assertEqual(rec["bytes"], 1 << 20)

    def test_headers_that_never_finish(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/slowheaders", "--timeout", "1",
                            "--retries", "0")
            self.assertEqual(recs[0]["error"]["kind"], "timeout")
            self.assertLess(p.elapsed, 10)

    def test_whole_hostile_site_ends_within_bounds_and_memory(self):
        with TestServer() as srv:
            srv.robots = "User-agent: *\nDisallow: /private/\n"
            seeds = [srv.base + p for p in [
                "/public/0.html", "/calendar/2026/1", "/trap/", "/links100k",
                "/big?mb=200", "/gzip-bomb", "/double-gzip-bomb", "/never",
                "/drip", "/slowheaders", "/redirect/loop/a", "/redirect/chain/30",
                "/malformed", "/to-private", "/always500"]]
            start = time.monotonic()
            proc = subprocess.Popen(
                [CRAWL, *seeds, "--scope", "any", "--max-pages-per-host", "500",
                 "--timeout", "3", "--retry-delay", "0.2", "-c", "32",
                 "--per-host", "8", "-q", "-o", os.devnull],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = 0  # reaped by wait4
            elapsed = time.monotonic() - start
            self.assertEqual(status, 0)
            self.assertLess(elapsed, 60)
            self.assertLess(usage.ru_maxrss / 1024, 300, "peak RSS in MB")
            for path, n in srv.counts().items():
                if path not in ("/always500", "/never", "/drip", "/slowheaders"):
                    self.assertEqual(n, 1, path)
                self.assertFalse(path.startswith("/private/"), path)


class PrivateAddresses(unittest.TestCase):
    def test_links_and_redirects_to_private_addresses_are_refused(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/to-private", "--scope", "any", *QUICK,
                            "--retries", "0")
            self.assertEqual(p.returncode, 0, p.stderr_text)
            refused = [r for r in recs if r["error"] and
                       r["error"]["kind"] == "private_address"]
            urls = {r["url"] for r in refused}
            # Every spelling normalises or parses to a private address.
            self.assertIn("http://169.254.169.254/latest/meta-data/", urls)
            self.assertIn("http://10.0.0.1/", urls)
            self.assertIn("http://127.0.0.2:%d/" % srv.server_address[1], urls)
            self.assertIn("http://[::1]:%d/" % srv.server_address[1], urls)
            self.assertEqual(len(refused), len(recs) - 2,
                             "all but the seed and the redirect: " +
                             json.dumps([r["url"] for r in recs if r not in refused]))
            for r in refused:
                self.assertIn("--allow-private", r["error"]["message"])
            redirect = by_path(recs, srv.base)["/redirect/metadata"]
            self.assertEqual(redirect["redirect_to"],
                             "http://169.254.169.254/latest/meta-data/")

    def test_a_dns_answer_cannot_sneak_around_the_check(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/to-evil", "--scope", "any", *QUICK,
                            "--retries", "0")
            evil = [r for r in recs if "evil.test" in r["url"]]
            self.assertEqual(len(evil), 1)
            self.assertEqual(evil[0]["error"]["kind"], "private_address")
            self.assertIn("127.0.0.2", evil[0]["error"]["message"])

    def test_allow_private_opens_the_gate(self):
        with TestServer() as srv:
            p, recs = crawl(srv.base + "/to-evil", "--scope", "any", "--ignore-robots",
                            "--allow-private", *QUICK, "--retries", "0")
            evil = [r for r in recs if "evil.test" in r["url"]][0]
            # Nothing listens on 127.0.0.2: the connection was attempted.
            self.assertEqual(evil["error"]["kind"], "connect")

    def test_through_a_proxy_literals_are_checked_before_asking_it(self):
        with TestServer() as origin, TestServer() as proxy:
            p, recs = crawl(origin.base + "/to-private", "--scope", "any",
                            "--proxy", proxy.base, *QUICK, "--retries", "0")
            asked = [x for x in proxy.log if "10.0.0.1" in x or "169.254" in x
                     or "0xa9" in x or "2852039166" in x]
            self.assertEqual(asked, [], "the proxy was never asked")
            refused = [r for r in recs if r["error"] and
                       r["error"]["kind"] == "private_address"]
            self.assertGreaterEqual(len(refused), 6)


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
