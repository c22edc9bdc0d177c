#!/usr/bin/env python3
"""crawl --state survives kill -9, judged from the bench site's own log.

The site is bench/site_serve's (src/benchsite): 25 virtual hosts reached
through --connect-to, each response after 50 ms, so that a crawl takes
about nine seconds at -c 16: longer than the 12 runs the test kills (at
most 0.6 s each), however fast the crawler gets. The server counts its responses per page and writes them out when
it stops (--page-log): what the crawls fetched, whoever asked.

  - A reference crawl runs uninterrupted (its own state directory).
  - The same crawl on another state directory is killed with SIGKILL at
    random moments, 12 times, and run again until it ends by itself. Then:
    its JSON Lines file (one file, continued by every run) holds exactly the
    reference's URLs, one record each, every line whole; every page the
    server answered has its record; the server answered no more pages
    twice than the runs could have had in flight when killed (-c per kill);
    `crawl status --json` says finished, nothing queued or in flight, and
    the same page count; and running it once more says it is finished,
    exits 0 and leaves the file alone. The same runs write a WARC, rotated
    every 300 KB, with a CDXJ index: npm warcio reads every file whole and
    agrees with the index, each page has exactly one response record, and
    each JSON Lines record's warc_file and warc_offset name its own.
  - While a run holds the state, a second crawl on it is refused (exit 3,
    "in use"), and `crawl status` reads it.
  - A full disk (the state on a 1 MB tmpfs, in a mount namespace: needs
    root, as CI has) stops the crawl with exit 3 and a message; the state
    copied to a disk with room resumes to the same pages as an
    uninterrupted crawl, one record each.
  - Refusals: other defining options (exit 2, naming the option), a
    directory of other files and a corrupted state (exit 3), --state with
    an -o file shorter than the state committed (exit 3).

Usage: kill_test.py PATH_TO_CRAWL PATH_TO_SITE_SERVE"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "warc"))
import warccheck  # noqa: E402

CRAWL = None
SITE_SERVE = None

PAGES = 3000
HOSTS = 25
CONCURRENCY = 16
KILLS = 12


class Site:
    def __init__(self, log_path):
        self.log_path = log_path
        self.proc = subprocess.Popen(
            [SITE_SERVE, "--pages", str(PAGES), "--fanout", "6", "--hosts",
             str(HOSTS), "--latency", "50", "--threads", "2",
             "--page-log", log_path],
            stdout=subprocess.PIPE, text=True)
        self.root = self.proc.stdout.readline().strip()
        assert self.root.startswith("http://h0.bench.test:"), self.root
        self.port = int(self.root.rsplit(":", 1)[1].strip("/"))

    def stop(self):
        """Stops the server; its responses per path."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.communicate(timeout=20)
        counts = {}
        with open(self.log_path) as f:
            for line in f:
                path, n = line.split()
                counts[path] = int(n)
        return counts


def crawl_args(site, state, out, *extra):
    return [CRAWL, site.root, "--scope", "any", "--connect-to",
            "::127.0.0.1:%d" % site.port, "--depth", "5", "--per-host", "2",
            "-c", str(CONCURRENCY), "--timeout", "20", "-q",
            "--state", state, "-o", out, *extra]


def run(args, timeout=120):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def records(path):
    with open(path) as f:
        data = f.read()
    assert data == "" or data.endswith("\n"), "a torn last line"
    return [json.loads(line) for line in data.splitlines()]


def status(state):
    p = run([CRAWL, "status", "--state", state, "--json"])
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def path_of(url):
    rest = url.split("://", 1)[1]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else "/"


class KillTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="crawl-kill-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_killed_crawl_resumes_to_the_same_pages_once_each(self):
        ref_site = Site(self.path("ref.log"))
        try:
            p = run(crawl_args(ref_site, self.path("ref.state"),
                               self.path("ref.jsonl")))
            self.assertEqual(p.returncode, 0, p.stderr)
        finally:
            ref_site.stop()
        ref = {r["url"].replace(":%d/" % ref_site.port, ":PORT/")
               for r in records(self.path("ref.jsonl"))}
        self.assertGreater(len(ref), PAGES // 2)  # depth 5 reaches most

        site = Site(self.path("site.log"))
        state, out = self.path("state"), self.path("out.jsonl")
        warc = self.path("crawl")
        args = crawl_args(site, state, out, "--warc-file", warc,
                          "--warc-max-size", "300K", "--warc-cdx")
        rng = random.Random(int(os.environ.get("KILL_SEED", time.time())))
        kills = runs = 0
        checked_running = False
        try:
            while True:
                runs += 1
                self.assertLess(runs, 60, "the crawl does not finish")
                proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
                if kills < KILLS:
                    time.sleep(rng.uniform(0.15, 0.6))
                    if not checked_running and proc.poll() is None:
                        checked_running = True
                        # The state is held: a second crawl is refused, and
                        # crawl status reads the last commit meanwhile.
                        second = run(args)
                        self.assertEqual(second.returncode, 3, second.stderr)
                        self.assertIn("in use by another crawl", second.stderr)
                        s = status(state)
                        self.assertFalse(s["finished"])
                    if proc.poll() is None:
                        proc.kill()
                        proc.communicate()
                        kills += 1
                        continue
                _, err = proc.communicate(timeout=120)
                self.assertEqual(proc.returncode, 0, err)
                break
            self.assertTrue(checked_running)
            self.assertEqual(kills, KILLS)
            size = os.path.getsize(out)
            again = run(args)
            self.assertEqual(again.returncode, 0, again.stderr)
            self.assertEqual(os.path.getsize(out), size)
        finally:
            counts = site.stop()

        recs = records(out)
        urls = [r["url"].replace(":%d/" % site.port, ":PORT/") for r in recs]
        self.assertEqual(len(urls), len(set(urls)), "a URL with two records")
        self.assertEqual(set(urls), ref)
        # Every page the server answered has its record; the pages answered
        # twice or more are bounded by what a kill can leave in flight.
        answered = {path for path, n in counts.items() if n > 0}
        self.assertEqual(answered, {path_of(u) for u in urls})
        again = sum(n - 1 for n in counts.values() if n > 1)
        self.assertLessEqual(again, kills * CONCURRENCY)
        s = status(state)
        self.assertTrue(s["finished"])
        self.assertEqual((s["queued"], s["in_flight"]), (0, 0))
        self.assertEqual(s["pages"], len(recs))

        files = sorted(os.path.join(self.dir, f) for f in os.listdir(self.dir)
                       if f.startswith("crawl-") and f.endswith(".warc.gz"))
        self.assertGreater(len(files), 3)  # rotated, across the kills too
        summary = warccheck.check(files, cdxj=warc + ".cdxj")
        responses = [r for r in summary["records"] if r["type"] == "response"
                     and not r["uri"].endswith("/robots.txt")]
        uris = [r["uri"].replace(":%d/" % site.port, ":PORT/")
                for r in responses]
        self.assertEqual(len(uris), len(set(uris)), "a page archived twice")
        self.assertEqual(set(uris), set(urls))
        at = {(os.path.basename(r["file"]), r["offset"]): r["uri"]
              for r in responses}
        for r in recs:
            self.assertEqual(at.get((os.path.basename(r["warc_file"]),
                                     r["warc_offset"])), r["url"], r)
        print("kill: %d runs, %d kills, %d pages, %d fetched again, "
              "%d WARC files" % (runs, kills, len(recs), again, len(files)),
              file=sys.stderr)

    def test_refusals(self):
        site = Site(self.path("site.log"))
        try:
            state, out = self.path("state"), self.path("out.jsonl")
            p = run(crawl_args(site, state, out, "--max-pages", "50"))
            self.assertEqual(p.returncode, 0, p.stderr)
            # Another crawl on the same state: named, exit 2.
            p = run(crawl_args(site, state, out, "--max-pages", "60"))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--max-pages 50", p.stderr)
            p = run(crawl_args(site, state, out, "--max-pages", "50",
                               "--exclude", "x"))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--exclude", p.stderr)
            # The same crawl: finished.
            p = run(crawl_args(site, state, out, "--max-pages", "50"))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("finished already", p.stderr)
            # Not a crawl's state.
            other = self.path("other")
            os.mkdir(other)
            with open(os.path.join(other, "notes.txt"), "w") as f:
                f.write("mine\n")
            p = run(crawl_args(site, other, out))
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("no crawl state", p.stderr)
            self.assertEqual(os.listdir(other), ["notes.txt"])
            # Corrupted: the table files overwritten.
            broken = self.path("broken")
            shutil.copytree(state, broken)
            hit = 0
            for name in os.listdir(broken):
                if name.startswith("MANIFEST"):
                    with open(os.path.join(broken, name), "r+b") as f:
                        f.seek(0)
                        f.write(b"\xff" * 64)
                    hit += 1
            self.assertGreater(hit, 0)
            p = run(crawl_args(site, broken, self.path("b.jsonl"),
                               "--max-pages", "50"))
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("corrupt", p.stderr)
            p = run([CRAWL, "status", "--state", broken])
            self.assertEqual(p.returncode, 3, p.stderr)
            p = run([CRAWL, "status", "--state", self.path("nothing")])
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("no crawl state", p.stderr)
            # An -o file shorter than the state committed: not this crawl's.
            with open(out, "w") as f:
                f.write("{}\n")
            p = run(crawl_args(site, state, out, "--max-pages", "50"))
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("not that crawl's output", p.stderr)
        finally:
            site.stop()


class FullDisk(unittest.TestCase):
    FAKE = "random:20000:8:3"

    def test_a_full_disk_stops_the_crawl_and_the_state_resumes(self):
        with tempfile.TemporaryDirectory() as d:
            ref = os.path.join(d, "ref.jsonl")
            p = run([CRAWL, "--fake", self.FAKE, "-c", "16", "-q", "-o", ref])
            self.assertEqual(p.returncode, 0, p.stderr)
            want = {r["url"] for r in records(ref)}

            tmpfs, out = os.path.join(d, "small"), os.path.join(d, "out.jsonl")
            os.mkdir(tmpfs)
            script = (
                'set -e; mount -t tmpfs -o size=1m tmpfs "$1"; '
                'rc=0; "$2" --fake "$3" -c 16 -q --state "$1/state" -o "$4" '
                '2>"$5/err" || rc=$?; echo $rc >"$5/rc"; '
                'cp -a "$1/state" "$5/state"')
            p = run(["unshare", "--mount", "--", "bash", "-c", script, "_",
                     tmpfs, CRAWL, self.FAKE, out, d])
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(d, "rc")) as f:
                self.assertEqual(f.read().strip(), "3")
            with open(os.path.join(d, "err")) as f:
                err = f.read()
            self.assertIn("No space left on device", err)
            first = records(out)
            self.assertGreater(len(first), 0)
            self.assertLess(len(first), len(want))

            state = os.path.join(d, "state")
            p = run([CRAWL, "--fake", self.FAKE, "-c", "16", "-q",
                     "--state", state, "-o", out])
            self.assertEqual(p.returncode, 0, p.stderr)
            urls = [r["url"] for r in records(out)]
            self.assertEqual(len(urls), len(set(urls)), "a URL with two records")
            self.assertEqual(set(urls), want)


if __name__ == "__main__":
    CRAWL, SITE_SERVE = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main()
