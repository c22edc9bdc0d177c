#!/usr/bin/env python3
"""crawl --cluster: several processes, one crawl, on a real redis-server.

The test starts redis-server on a Unix socket (AOF on, fsync always) and an
HTTP server of its own (below): a site of PAGES pages over HOSTS virtual
hosts (h0.cluster.test ...), reached with --connect-to, each response after
50 ms. The server logs every request (host, path, when it came, when it was
answered): every assertion about what was fetched reads that log.

  - Three processes (two join without seeds and wait for the first seed)
    fetch every page exactly once between them; the union of their records
    is a single-process crawl's; per host, never more requests at once than
    --per-host, cluster-wide; all three exit 0 by themselves.
  - One of three killed with kill -9 mid-crawl: every page is still fetched,
    and no more pages twice than it had in flight (-c, and what it had
    completed since its last exchange with Redis); the others exit 0.
  - One of two SIGSTOPped past its lease, then resumed: its hosts went to
    the other; it writes no record, after it wakes, of a page the other
    fetched (no stale write); every page fetched; both exit 0.
  - redis-server restarted mid-crawl: the processes wait, reconnect, and
    finish; every page fetched.
  - Refusals: other defining options (exit 2, naming the option); foreign
    data under the crawl's keys (exit 3, a message, no crash); a wrong
    password (exit 3); the password never printed.

Usage: cluster_test.py PATH_TO_CRAWL"""
import asyncio
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CRAWL = None
LATENCY = 0.05


class Site:
    """An HTTP/1.1 server (keep-alive) in a thread of its own."""

    def __init__(self, pages, hosts, fanout=5, robots=None):
        self.pages, self.hosts, self.fanout = pages, hosts, fanout
        self.robots = robots  # robots.txt's body (404 if None)
        self.log = []  # (host, path, start, end)
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()

    def host_of(self, i):
        return "h%d.cluster.test" % (i % self.hosts)

    def url(self, i):
        return "http://%s:%d/p/%d.html" % (self.host_of(i), self.port, i)

    def root(self):
        return self.url(0)

    def body(self, i):
        links = {(i + 1) % self.pages}
        for j in range(1, self.fanout):
            links.add((i * 7 + j * 131) % self.pages)
        a = "".join('<a href="%s">%d</a>\n' % (self.url(k), k) for k in sorted(links))
        return ("<!doctype html><title>%d</title>\n%s" % (i, a)).encode()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)

        async def serve(reader, writer):
            try:
                while True:
                    line = await reader.readline()
                    if not line:
                        break
                    host = ""
                    while True:
                        h = await reader.readline()
                        if h in (b"\r\n", b"\n", b""):
                            break
                        name, _, value = h.decode("latin-1").partition(":")
                        if name.strip().lower() == "host":
                            host = value.strip().split(":")[0]
                    start = time.monotonic()
                    path = line.split()[1].decode()
                    await asyncio.sleep(LATENCY)
                    if path == "/robots.txt" and self.robots is not None:
                        body = self.robots.encode()
                        head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    elif path.startswith("/p/") and path.endswith(".html"):
                        body = self.body(int(path[3:-5]))
                        head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                    else:
                        body = b"not here"
                        head = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                    writer.write((head + "Content-Length: %d\r\n\r\n" % len(body)).encode() + body)
                    await writer.drain()
                    with self.lock:
                        self.log.append((host, path, start, time.monotonic()))
            except (ConnectionError, ValueError, IndexError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        server = self.loop.run_until_complete(
            asyncio.start_server(serve, "127.0.0.1", 0, backlog=512))
        self.port = server.sockets[0].getsockname()[1]
        self.server = server
        ready.set()
        self.loop.run_forever()

    def stop(self):
        async def shut():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.loop.stop()

        asyncio.run_coroutine_threadsafe(shut(), self.loop)
        self.thread.join(timeout=10)
        self.loop.close()

    def page_counts(self):
        with self.lock:
            counts = {}
            for host, path, _, _ in self.log:
                if path.startswith("/p/"):
                    counts[path] = counts.get(path, 0) + 1
            return counts

    def max_overlap_per_host(self):
        with self.lock:
            events = {}
            for host, _, start, end in self.log:
                events.setdefault(host, []).extend([(start, 1), (end, -1)])
        worst = {}
        for host, ev in events.items():
            ev.sort(key=lambda e: (e[0], e[1]))  # an end before a start at the same time
            n = best = 0
            for _, d in ev:
                n += d
                best = max(best, n)
            worst[host] = best
        return worst


class Redis:
    def __init__(self, tmp, password=None):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "redis.sock")
        self.password = password
        self.start()

    def start(self):
        args = ["redis-server", "--port", "0", "--unixsocket", self.sock,
                "--unixsocketperm", "700", "--dir", self.tmp, "--save", "",
                "--appendonly", "yes", "--appendfsync", "always",
                "--daemonize", "no", "--logfile", os.path.join(self.tmp, "redis.log")]
        if self.password:
            args += ["--user", "crawler", "on", ">" + self.password, "~*", "+@all",
                     "--user", "default", "off"]
        self.proc = subprocess.Popen(args)
        deadline = time.time() + 10
        while not os.path.exists(self.sock):
            if time.time() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def cli(self, *args):
        base = ["redis-cli", "-s", self.sock]
        if self.password:
            base += ["--user", "crawler", "--pass", self.password, "--no-auth-warning"]
        return subprocess.run(base + list(args), capture_output=True, text=True,
                              check=True).stdout

    def url(self):
        return "unix://" + self.sock


class Node:
    """One crawl process of the cluster."""

    def __init__(self, tmp, redis_url, crawl_id, site, name, seeds=(), extra=()):
        self.name = name
        self.out = os.path.join(tmp, "out.jsonl")
        self.file = os.path.join(tmp, "out.%s.jsonl" % name)
        self.err_path = os.path.join(tmp, "err.%s" % name)
        args = [CRAWL, "--cluster", redis_url, "--crawl-id", crawl_id,
                "--cluster-process-id", name, "--scope", "any",
                "--connect-to", "::127.0.0.1:%d" % site.port, "-c", "8",
                "--per-host", "2", "--retries", "0", "-o", self.out] + list(extra) + list(seeds)
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.err)

    def wait(self, timeout=120):
        try:
            rc = self.proc.wait(timeout=timeout)
        finally:
            self.err.close()
        return rc

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def records(self):
        if not os.path.exists(self.file):
            return []
        out = []
        with open(self.file) as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(json.loads(line))
        return out


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="crawl-cluster-")
        self.redis = Redis(self.tmp)
        self.sites = []
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            if n.proc.poll() is None:
                n.proc.kill()
                n.proc.wait()
        for s in self.sites:
            s.stop()
        self.redis.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def site(self, pages, hosts, robots=None):
        s = Site(pages, hosts, robots=robots)
        self.sites.append(s)
        return s

    def node(self, *args, **kw):
        n = Node(self.tmp, self.redis.url(), *args, **kw)
        self.nodes.append(n)
        return n

    def all_paths(self, site):
        return {"/p/%d.html" % i for i in range(site.pages)}

    def assert_every_page(self, site, nodes):
        counts = site.page_counts()
        self.assertEqual(set(counts), self.all_paths(site), "pages the server never served")
        urls = [r["url"] for n in nodes for r in n.records()]
        self.assertEqual(set(urls), {site.url(i) for i in range(site.pages)})
        return counts, urls

    def test_three_processes_fetch_each_page_once(self):
        site = self.site(600, 12)
        a = self.node("t3", site, "a")
        b = self.node("t3", site, "b")
        wait_for(lambda: "waiting for the first seed" in a.stderr(), 10, "a to wait")
        time.sleep(0.3)
        c = self.node("t3", site, "c", seeds=[site.root()])
        # `crawl status --cluster` while it runs: the processes alive, their
        # leases, the queue.
        wait_for(lambda: len(site.page_counts()) > 50, 30, "the crawl to get going")
        st = json.loads(subprocess.run(
            [CRAWL, "status", "--cluster", self.redis.url(), "--crawl-id", "t3", "--json"],
            capture_output=True, text=True, check=True).stdout)
        self.assertTrue(st["started"])
        self.assertEqual({p["id"] for p in st["processes"]}, {"a", "b", "c"})
        self.assertGreater(sum(p["hosts"] for p in st["processes"]), 0)
        self.assertIn(["--scope", "any"], st["options"])
        for n in (a, b, c):
            self.assertEqual(n.wait(), 0, n.stderr())
        st = json.loads(subprocess.run(
            [CRAWL, "status", "--cluster", self.redis.url(), "--crawl-id", "t3", "--json"],
            capture_output=True, text=True, check=True).stdout)
        self.assertTrue(st["finished"], st)
        self.assertEqual(st["pending"], 0)
        self.assertEqual(st["seen"], 600)
        self.assertEqual(st["processes"], [])
        counts, urls = self.assert_every_page(site, [a, b, c])
        self.assertEqual(max(counts.values()), 1, "a page fetched twice")
        self.assertEqual(len(urls), site.pages, "a page recorded twice")
        # Each did its share: hosts were spread.
        for n in (a, b, c):
            self.assertGreater(len(n.records()), 0, n.name + " fetched nothing")
        worst = site.max_overlap_per_host()
        self.assertLessEqual(max(worst.values()), 2, worst)
        # The union equals one process's crawl of the same site.
        alone = self.site(600, 12)
        out = os.path.join(self.tmp, "alone.jsonl")
        subprocess.run([CRAWL, "--scope", "any", "--connect-to", "::127.0.0.1:%d" % alone.port,
                        "-c", "8", "-q", "-o", out, alone.root()], check=True)
        with open(out) as f:
            single = {json.loads(l)["url"].replace(":%d/" % alone.port, "/") for l in f}
        self.assertEqual({u.replace(":%d/" % site.port, "/") for u in urls}, single)
        # Nothing is left pending in Redis.
        self.assertEqual(self.redis.cli("HGET", "crawl:t3:c", "n").strip(), "0")

    def test_robots_txt_is_obeyed_by_each_holder(self):
        site = self.site(500, 6, robots="User-agent: *\nDisallow: /p/9\n")
        nodes = []
        for name in ("a", "b"):
            seeds = [site.root()] if name == "b" else []
            n = Node(self.tmp, self.redis.url(), "tb", site, name, seeds=seeds)
            self.nodes.append(n)
            nodes.append(n)
            time.sleep(0.3)
        for n in nodes:
            self.assertEqual(n.wait(), 0, n.stderr())
        counts = site.page_counts()
        blocked = {"/p/%d.html" % i for i in range(site.pages) if str(i).startswith("9")}
        self.assertEqual(set(counts), self.all_paths(site) - blocked)
        self.assertEqual(max(counts.values()), 1)
        records = [r for n in nodes for r in n.records()]
        urls = [r["url"] for r in records]
        self.assertEqual(len(urls), len(set(urls)), "a URL recorded twice")
        self.assertEqual(set(urls), {site.url(i) for i in range(site.pages)})
        for r in records:
            path = r["url"].split(":%d" % site.port, 1)[1]
            self.assertEqual(r["outcome"] == "robots", path in blocked, r)
        # robots.txt fetched by each host's holder, not by whoever found a URL.
        with site.lock:
            robots = [h for h, p, _, _ in site.log if p == "/robots.txt"]
        self.assertEqual(len(robots), len(set(robots)), "a robots.txt fetched twice")

    def test_kill9_one_process(self):
        site = self.site(1500, 12)
        a = self.node("tk", site, "a", extra=["--lease-ttl", "2"])
        b = self.node("tk", site, "b", extra=["--lease-ttl", "2"])
        time.sleep(0.3)
        c = self.node("tk", site, "c", seeds=[site.root()], extra=["--lease-ttl", "2"])
        wait_for(lambda: len(site.page_counts()) > 300, 60, "the crawl to get going")
        killed_at = time.monotonic()
        b.proc.kill()
        b.wait()
        for n in (a, c):
            self.assertEqual(n.wait(), 0, n.stderr())
        counts, _ = self.assert_every_page(site, [a, b, c])
        # What b had in flight in the cluster's eyes: its fetches (-c 8), and
        # those completed since its last exchange (at most 20 ms before the
        # kill: each of its 8 slots once, with 50 ms a response).
        twice = [p for p, k in counts.items() if k > 1]
        self.assertLessEqual(len(twice), 16, "more pages fetched twice than b had in flight")
        self.assertEqual(max(counts.values()), 2)
        # b's hosts were fetched again within the TTL and a bit.
        with site.lock:
            after = [s for _, _, s, _ in site.log if s > killed_at]
        self.assertTrue(after, "nothing fetched after the kill")

    def test_sigstop_past_lease_writes_nothing_stale(self):
        site = self.site(1200, 12)
        a = self.node("ts", site, "a", extra=["--lease-ttl", "1.5"])
        time.sleep(0.3)
        b = self.node("ts", site, "b", seeds=[site.root()], extra=["--lease-ttl", "1.5"])
        wait_for(lambda: len(site.page_counts()) > 200, 60, "the crawl to get going")
        stopped = datetime.datetime.now(datetime.timezone.utc)
        a.proc.send_signal(signal.SIGSTOP)
        time.sleep(4)
        a.proc.send_signal(signal.SIGCONT)
        for n in (a, b):
            self.assertEqual(n.wait(), 0, n.stderr())
        self.assert_every_page(site, [a, b])
        b_urls = {r["url"] for r in b.records()}
        stale = [r["url"] for r in a.records()
                 if datetime.datetime.fromisoformat(r["fetched_at"].replace("Z", "+00:00")) >= stopped
                 and r["url"] in b_urls]
        self.assertEqual(stale, [], "a wrote results of hosts b had taken")
        self.assertIn("lease_lost", a.stderr() + self.summary_of(a))

    def test_a_stopped_process_hands_its_hosts_over(self):
        site = self.site(1200, 12)
        a = self.node("th", site, "a", extra=["--max-time", "1.5"])
        time.sleep(0.3)
        b = self.node("th", site, "b", seeds=[site.root()])
        self.assertEqual(a.wait(), 0, a.stderr())
        self.assertEqual(b.wait(), 0, b.stderr())
        counts, _ = self.assert_every_page(site, [a, b])
        self.assertGreater(len(a.records()), 0, "a fetched nothing before its stop")
        # What the stop cut off is not recorded as a result: b fetched it.
        for r in a.records():
            self.assertIsNone(r["error"], r)
        self.assertLessEqual(sum(1 for k in counts.values() if k > 1), 8)

    def test_two_redis_servers_share_the_hosts(self):
        other_dir = os.path.join(self.tmp, "second")
        os.mkdir(other_dir)
        other = Redis(other_dir)
        try:
            site = self.site(600, 12)
            servers = self.redis.url() + "," + other.url()
            a = Node(self.tmp, servers, "t2", site, "a")
            self.nodes.append(a)
            time.sleep(0.3)
            b = Node(self.tmp, servers, "t2", site, "b", seeds=[site.root()])
            self.nodes.append(b)
            for n in (a, b):
                self.assertEqual(n.wait(), 0, n.stderr())
            counts, urls = self.assert_every_page(site, [a, b])
            self.assertEqual(max(counts.values()), 1)
            self.assertEqual(len(urls), site.pages)
            # The hosts were spread over both servers, each host's keys on one.
            seen = [int(r.cli("HGET", "crawl:t2:c", "seen") or 0) for r in (self.redis, other)]
            self.assertEqual(sum(seen), site.pages)
            self.assertTrue(all(n > 0 for n in seen), seen)
            st = json.loads(subprocess.run(
                [CRAWL, "status", "--cluster", servers, "--crawl-id", "t2", "--json"],
                capture_output=True, text=True, check=True).stdout)
            self.assertTrue(st["finished"])
            self.assertEqual(st["seen"], site.pages)
        finally:
            other.stop()

    def test_unreachable_redis_waits_and_a_stop_ends_the_wait(self):
        site = self.site(20, 2)
        missing = os.path.join(self.tmp, "no-such.sock")
        n = Node(self.tmp, "unix://" + missing, "tu", site, "u", seeds=[site.root()])
        self.nodes.append(n)
        wait_for(lambda: "cannot be reached" in n.stderr(), 20, "the wait to be said")
        time.sleep(0.5)
        self.assertIsNone(n.proc.poll(), "gave up instead of waiting")
        n.proc.send_signal(signal.SIGINT)
        rc = n.wait(timeout=20)
        self.assertNotEqual(rc, 0)
        self.assertNotIn("Traceback", n.stderr())
        self.assertEqual(site.page_counts(), {})

    def summary_of(self, node):
        return node.stderr()

    def test_redis_restart(self):
        site = self.site(1200, 12)
        a = self.node("tr", site, "a")
        time.sleep(0.3)
        b = self.node("tr", site, "b", seeds=[site.root()])
        wait_for(lambda: len(site.page_counts()) > 200, 60, "the crawl to get going")
        self.redis.stop()
        time.sleep(1.5)
        self.redis.start()
        for n in (a, b):
            self.assertEqual(n.wait(), 0, n.stderr())
        self.assert_every_page(site, [a, b])
        self.assertIn("cannot be reached", a.stderr() + b.stderr())

    def test_refusals(self):
        site = self.site(50, 2)
        a = self.node("to", site, "a", seeds=[site.root()], extra=["--depth", "3"])
        self.assertEqual(a.wait(), 0, a.stderr())
        b = self.node("to", site, "b", extra=["--depth", "4"])
        self.assertEqual(b.wait(), 2, b.stderr())
        self.assertIn("--depth", b.stderr())
        # Foreign data under a crawl's keys: a clear error.
        self.redis.cli("SET", "crawl:tf:open", "not a sorted set")
        c = self.node("tf", site, "c", seeds=[site.root()])
        self.assertEqual(c.wait(), 3, c.stderr())
        self.assertIn("WRONGTYPE", c.stderr())
        r = subprocess.run([CRAWL, "status", "--cluster", self.redis.url(), "--crawl-id", "nope"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 3)
        self.assertIn("no crawl nope", r.stderr)
        # Bad URLs and flags.
        r = subprocess.run([CRAWL, "--cluster", "http://x", "--crawl-id", "x", site.root()],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2, r.stderr)
        r = subprocess.run([CRAWL, "--cluster", self.redis.url(), site.root()],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--crawl-id", r.stderr)


class AuthTest(unittest.TestCase):
    def test_password_from_url_and_file(self):
        tmp = tempfile.mkdtemp(prefix="crawl-cluster-auth-")
        redis = Redis(tmp, password="s3cret-pw")
        site = Site(40, 2)
        try:
            sock = redis.sock
            common = ["--crawl-id", "ta", "--scope", "any", "--connect-to",
                      "::127.0.0.1:%d" % site.port, "-o", os.path.join(tmp, "o.jsonl")]
            # Wrong password: exit 3, the password not printed.
            r = subprocess.run([CRAWL, "--cluster", "unix://crawler:wrong-pw@" + sock] + common +
                               [site.root()], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn("authentication", r.stderr)
            self.assertNotIn("wrong-pw", r.stderr)
            pw = os.path.join(tmp, "pw")
            with open(pw, "w") as f:
                f.write("s3cret-pw\n")
            r = subprocess.run([CRAWL, "--cluster", "unix://crawler@" + sock,
                                "--cluster-password-file", pw] + common + [site.root()],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("s3cret", r.stderr)
            self.assertEqual(len(site.page_counts()), 40)
        finally:
            site.stop()
            redis.stop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
