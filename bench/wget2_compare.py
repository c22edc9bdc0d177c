#!/usr/bin/env python3
"""crawl against wget2 and wrk on one generated site, nginx on 127.0.0.1.

The site: PAGES pages of about 8 KB, each with 10 links (page i links to
i+1, so every page is reachable from page 0, and to 9 pseudo-random others).
Each run crawls the whole site from /0.html; pages are counted from nginx's
access log (a crawler that skips pages or refetches them is flagged). The
table gives pages/s, CPU
seconds (user+sys of the crawler process alone), CPU microseconds per page
and peak RSS, measured per process with wait4().

wrk gives the ceiling: the request rate nginx sustains on the same URLs
(a Lua script walks the page URLs in order, C connections, --wrk-seconds),
with no parsing at all. After each concurrency the ratios of the first
crawl engine to wget2 and to wrk are printed.

  bench/wget2_compare.py PATH_TO_CRAWL [--pages 20000] [--concurrency 16,64]
                         [--engines event,mutex,channel] [--runs 1]
                         [--wrk-threads 2] [--wrk-seconds 5]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "http"))
from nginx import Nginx  # noqa: E402

WORDS = ("crawl fetch page link frontier engine thread channel mutex "
         "lecture worker master heartbeat").split()


def make_site(root, pages):
    marker = os.path.join(root, ".complete-%d" % pages)
    if os.path.exists(marker):
        return
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    os.chmod(root, 0o755)
    rng = random.Random(42)
    text = " ".join(rng.choice(WORDS) for _ in range(1500))
    for i in range(pages):
        targets = [(i + 1) % pages] + [rng.randrange(pages) for _ in range(9)]
        links = "".join('<li><a href="/%d.html">page %d</a></li>\n' % (t, t)
                        for t in targets)
        body = ("<!DOCTYPE html><html><head><title>Page %d</title></head><body>"
                "<h1>Page %d</h1><ul>%s</ul><p>%s</p></body></html>\n"
                % (i, i, links, text))
        with open(os.path.join(root, "%d.html" % i), "w") as f:
            f.write(body[:8192] if len(body) > 8192 else body)
    open(marker, "w").close()


def run(cmd):
    """Runs cmd; returns (seconds, cpu_seconds, peak_rss_mb).

    Through GNU time: a child forked from this Python process would report
    Python's own RSS (~27 MB) as its peak if it never grew past it."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as f:
        start = time.monotonic()
        proc = subprocess.Popen(
            ["/usr/bin/time", "-o", f.name, "-f", "%e %U %S %M"] + cmd,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc.wait()
        seconds = time.monotonic() - start
        if proc.returncode != 0:
            raise RuntimeError("%s exited with %d" % (cmd[0], proc.returncode))
        _, user, sys_, rss_kb = f.read().split()[-4:]
    return seconds, float(user) + float(sys_), int(rss_kb) / 1024


WRK_SCRIPT = """
local i = 0
local pages = %d
request = function()
  i = (i + 1) %% pages
  return wrk.format("GET", "/" .. i .. ".html")
end
"""


def run_wrk(base, pages, connections, threads, seconds):
    """nginx's request rate on the site's pages under wrk."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % pages)
        script = f.name
    try:
        out = subprocess.run(
            ["wrk", "-t%d" % threads, "-c%d" % max(connections, threads),
             "-d%ds" % seconds, "-s", script, base + "/"],
            capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError("no rate in wrk's output:\n" + out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("crawl")
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--concurrency", default="16,64")
    ap.add_argument("--engines", default="event")
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--wrk-seconds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--site", default="/tmp/crawl-bench-site")
    args = ap.parse_args()

    make_site(args.site, args.pages)
    nginx = Nginx(args.site)
    base = "http://127.0.0.1:%d" % nginx.port
    print("Site: %d pages x ~8 KB, 10 links each, nginx on loopback\n"
          % args.pages)
    print("| crawler | C | pages | seconds | pages/s | CPU s | CPU us/page "
          "| peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    try:
        # Warm-up, not reported: the first crawl of a fresh nginx pays for
        # cold caches (measured: 7.8 s instead of 5.0 s for the serial row).
        run([args.crawl, base + "/0.html", "-c", "16", "--per-host", "16",
             "--ignore-robots", "-q", "-o", os.devnull])
        summaries = []
        for c in [int(x) for x in args.concurrency.split(",")]:
            rows = []
            for engine in args.engines.split(","):
                if engine == "serial" and c != int(args.concurrency.split(",")[0]):
                    continue
                rows.append(("crawl --engine %s" % engine,
                             [args.crawl, base + "/0.html", "--engine", engine,
                              "-c", str(c), "--per-host", str(c),
                              "--ignore-robots", "-q", "-o", os.devnull]))
            out = tempfile.mkdtemp(prefix="wget2-")
            rows.append(("wget2 -r --max-threads=%d" % c,
                         ["wget2", "-r", "-l", "inf", "--max-threads=%d" % c,
                          "-q", "--no-robots", "--delete-after", "-P", out,
                          base + "/0.html"]))
            rates = {}
            for name, cmd in rows:
                for _ in range(args.runs):
                    nginx.reset_log()
                    seconds, cpu, rss = run(cmd)
                    time.sleep(0.3)
                    requests = nginx.requests()
                    pages = len(set(requests))
                    if pages < args.pages or len(requests) != pages:
                        print("  (%s: %d requests for %d distinct pages)"
                              % (name, len(requests), pages))
                    print("| %s | %d | %d | %.2f | %.0f | %.2f | %.0f | %.1f |"
                          % (name, c, pages, seconds, pages / seconds, cpu,
                             cpu / pages * 1e6, rss), flush=True)
                    rates.setdefault(name, []).append(pages / seconds)
            shutil.rmtree(out, ignore_errors=True)
            wrk = run_wrk(base, args.pages, c, args.wrk_threads,
                          args.wrk_seconds)
            print("| wrk -t%d -c%d (requests only) | %d | %d | %d | %.0f | | | |"
                  % (args.wrk_threads, c, c, wrk * args.wrk_seconds,
                     args.wrk_seconds, wrk), flush=True)
            first = max(rates[rows[0][0]])
            wget2 = max(rates[rows[-1][0]])
            summaries.append("C=%d: %s is %.2fx wget2 and %.0f%% of wrk"
                             % (c, rows[0][0], first / wget2,
                                100 * first / wrk))
        print()
        for line in summaries:
            print(line)
    finally:
        nginx.stop()


if __name__ == "__main__":
    main()
