#!/usr/bin/env python3
"""End-to-end tests of the crawl CLI: runs the binary, checks output, exit
codes and messages. Usage: cli_test.py PATH_TO_CRAWL"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

CRAWL = None
SANITIZED = False
LECTURE = {
    "http://golang.org/": "fetched",
    "http://golang.org/pkg/": "fetched",
    "http://golang.org/pkg/fmt/": "fetched",
    "http://golang.org/pkg/os/": "fetched",
    "http://golang.org/cmd/": "not_found",
}


def run(*args, timeout=60):
    return subprocess.run([CRAWL, *args], capture_output=True, text=True,
                          timeout=timeout)


def records(stdout):
    lines = stdout.splitlines()
    return [json.loads(line) for line in lines]


class Help(unittest.TestCase):
    def test_help_documents_every_option(self):
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        for opt in ["--fake", "--engine", "--depth", "--max-pages",
                    "--max-time", "--scope", "--include", "--exclude",
                    "--user-agent", "--header", "--proxy", "--insecure",
                    "--connect-timeout", "--timeout", "--low-speed-limit",
                    "--low-speed-time", "--max-body", "--max-header",
                    "--max-redirects", "--max-url-length",
                    "--max-links-per-page", "--concurrency", "--output",
                    "--links", "--quiet", "--verbose", "--fail-on-error",
                    "--help", "--version", "Exit codes"]:
            self.assertIn(opt, p.stdout, opt)

    def test_man_page_documents_every_option(self):
        # man/crawl.1 documents every option --help lists, each as a .TP
        # tag under OPTIONS or BENCH OPTIONS, and every exit code. Read as
        # plain text: no groff needed.
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        usage = p.stdout
        # Long options: every --name the usage text mentions (all are
        # crawl's). Short options: those of the option lines ("  -c, --x"),
        # not "-r" in "wget -r style".
        longs = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", usage))
        shorts = set(re.findall(r"(?m)^\s+(-[A-Za-z]), --", usage))
        self.assertGreater(len(longs), 50, "usage text not parsed")
        self.assertGreater(len(shorts), 5, "usage text not parsed")
        exit_text = usage[usage.index("Exit codes:"):]
        codes = set(re.findall(r"(?<![\w-])(\d+)(?= )", exit_text))
        self.assertTrue({"0", "1", "2", "3"} <= codes, exit_text)

        root = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "..")
        with open(os.path.join(root, "man", "crawl.1"),
                  encoding="utf-8") as f:
            page = f.read()

        def text(line):
            # One roff line as the words it prints: \- is a hyphen; font
            # changes (\fB, \f(CW, \f[B]), \&, \: and special characters
            # (\(dq) are dropped; .B and .I print their arguments, .BR,
            # .IR, .RI, ... print them run together; other requests print
            # nothing here.
            line = line.replace("\\-", "-")
            line = re.sub(r"\\f(\(..|\[[^]]*\]|.)", "", line)
            line = re.sub(r"\\[&:%]|\\\(..", "", line)
            if not line.startswith("."):
                return line
            name, _, rest = line[1:].partition(" ")
            args = [a if q == "" else q for q, a in
                    re.findall(r'"([^"]*)"|(\S+)', rest)]
            if name in ("B", "I", "SH", "SS"):
                return " ".join(args)
            if re.fullmatch(r"[BIR]{2}", name):
                return "".join(args)
            return ""

        sections = {}  # .SH name -> its lines
        current = None
        for line in page.splitlines():
            if line.startswith(".\\\""):
                continue  # a comment
            if line.startswith(".SH"):
                current = text(line)
                sections[current] = []
            elif current is not None:
                sections[current].append(line)
        for name in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS",
                     "BENCH OPTIONS", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]:
            self.assertIn(name, list(sections), "no section " + name)

        def tags(lines):
            # What each .TP documents: the line after it.
            return [text(lines[i + 1]) for i, line in enumerate(lines[:-1])
                    if line.startswith(".TP")]

        documented = "\n".join(tags(sections["OPTIONS"]) +
                               tags(sections["BENCH OPTIONS"]))
        for opt in sorted(longs | shorts):
            self.assertTrue(
                re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt),
                          documented),
                "%s is not documented in man/crawl.1" % opt)
        # Nor the other way round: no option the tool does not have.
        for opt in re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", documented):
            self.assertTrue(opt in longs | shorts,
                            "man/crawl.1 documents %s; --help does not" % opt)

        # crawl status: its --help's options, under STATUS OPTIONS.
        p = run("status", "--help")
        self.assertEqual(p.returncode, 0)
        status_longs = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", p.stdout))
        self.assertTrue({"--state", "--json", "--top"} <= status_longs, p.stdout)
        status_doc = "\n".join(tags(sections["STATUS OPTIONS"]))
        for opt in sorted(status_longs):
            self.assertTrue(
                re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), status_doc),
                "crawl status %s is not documented in man/crawl.1" % opt)

        status = "\n".join(tags(sections["EXIT STATUS"]))
        for code in sorted(codes, key=int):
            self.assertTrue(re.search(r"(?<!\d)%s(?!\d)" % code, status),
                            "exit code %s not under EXIT STATUS" % code)
        synopsis = " ".join(text(line) for line in sections["SYNOPSIS"])
        synopsis = re.sub(r"\s+", " ", synopsis)
        self.assertIn("crawl [OPTIONS] URL...", synopsis)
        self.assertIn("crawl bench [BENCH OPTIONS] [OPTIONS]", synopsis)

    def test_version(self):
        p = run("--version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^crawl \d+\.\d+\.\d+")


class Lecture(unittest.TestCase):
    def test_every_engine_finds_the_lecture_pages(self):
        for engine in ["event", "serial", "mutex", "channel"]:
            with self.subTest(engine=engine):
                p = run("--fake", "lecture", "--engine", engine)
                self.assertEqual(p.returncode, 0, p.stderr)
                recs = records(p.stdout)
                self.assertEqual({r["url"]: r["outcome"] for r in recs}, LECTURE)
                self.assertEqual(len(recs), 5, "each URL once")
                root = next(r for r in recs if r["url"] == "http://golang.org/")
                self.assertEqual(root["depth"], 0)
                self.assertIsNone(root["parent"])
                self.assertEqual(root["links"], 2)
                self.assertIn("crawl: done", p.stderr)
                self.assertIn(": 5 pages", p.stderr)
                self.assertIn("fetched 4, redirect 0, not_found 1", p.stderr)

    def test_depth_and_max_pages(self):
        for depth_flag in [["--depth", "1"], ["--depth=1"]]:
            p = run("--fake", "lecture", *depth_flag)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual({r["url"] for r in records(p.stdout)},
                             {"http://golang.org/", "http://golang.org/pkg/",
                              "http://golang.org/cmd/"})
        p = run("--fake", "lecture", "--max-pages", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(records(p.stdout)), 2)
        p = run("--fake", "lecture", "--depth", "inf")
        self.assertEqual(len(records(p.stdout)), 5)

    def test_url_arguments_replace_the_graph_seed(self):
        p = run("--fake", "lecture", "--depth", "0", "http://golang.org/pkg/os/")
        recs = records(p.stdout)
        self.assertEqual([r["url"] for r in recs], ["http://golang.org/pkg/os/"])

    def test_links_flag_adds_the_list(self):
        p = run("--fake", "lecture", "--depth", "0", "--links")
        (rec,) = records(p.stdout)
        self.assertEqual(rec["link_urls"],
                         ["http://golang.org/pkg/", "http://golang.org/cmd/"])
        p = run("--fake", "lecture", "--depth", "0")
        self.assertNotIn("link_urls", records(p.stdout)[0])

    def test_quiet_prints_no_summary(self):
        p = run("--fake", "lecture", "-q")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stderr, "")


class Random(unittest.TestCase):
    def test_random_graph_same_pages_for_every_engine(self):
        sets = {}
        for engine in ["event", "serial", "mutex", "channel"]:
            p = run("--fake", "random:2000:6:7", "--engine", engine, "-c", "32",
                    "--depth", "5", "-q")
            self.assertEqual(p.returncode, 0, p.stderr)
            urls = [r["url"] for r in records(p.stdout)]
            self.assertEqual(len(urls), len(set(urls)), "a URL fetched twice")
            sets[engine] = set(urls)
        self.assertGreater(len(sets["serial"]), 100)
        self.assertEqual(sets["serial"], sets["mutex"])
        self.assertEqual(sets["serial"], sets["channel"])
        self.assertEqual(sets["serial"], sets["event"])

    def test_max_pages_is_exact(self):
        p = run("--fake", "random:5000:8:1", "--max-pages", "123", "-c", "64")
        self.assertEqual(len(records(p.stdout)), 123)
        self.assertIn(": 123 pages", p.stderr)
        self.assertIn("max_pages", p.stderr, "queued URLs left counted")


class Streaming(unittest.TestCase):
    def test_records_reach_a_pipe_while_the_crawl_runs(self):
        # 200 pages at 20 ms each, one at a time: 4 s in all. Records must
        # arrive within about a second, long before the end.
        proc = subprocess.Popen([CRAWL, "--fake", "random:200:3:1:20",
                                 "--engine", "serial", "-q"],
                                stdout=subprocess.PIPE, text=True)
        start = time.monotonic()
        line = proc.stdout.readline()
        waited = time.monotonic() - start
        proc.kill()
        proc.wait()
        self.assertTrue(line.startswith("{"))
        self.assertLess(waited, 2.5)


class Output(unittest.TestCase):
    def test_output_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "out.jsonl")
            p = run("--fake", "lecture", "-o", path)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, "")
            with open(path) as f:
                self.assertEqual(len(records(f.read())), 5)

    def test_unopenable_output_is_fatal(self):
        p = run("--fake", "lecture", "-o", "/nonexistent-dir/x.jsonl")
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot open /nonexistent-dir/x.jsonl", p.stderr)

    def test_closed_pipe_is_a_write_error(self):
        p = subprocess.run(
            ["bash", "-c", '"$0" --fake random:20000:8:1 -c 4 | head -c 100 >/dev/null;'
             ' echo "rc=${PIPESTATUS[0]}"', CRAWL],
            capture_output=True, text=True, timeout=60)
        self.assertIn("rc=3", p.stdout)
        self.assertIn("Broken pipe", p.stderr)

    def test_unwritable_output_is_fatal(self):
        p = run("--fake", "lecture", "-o", "/dev/full")
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot write /dev/full", p.stderr)


class Usage(unittest.TestCase):
    def check(self, args, message):
        p = run(*args)
        self.assertEqual(p.returncode, 2, (args, p.stderr))
        self.assertEqual(p.stdout, "")
        self.assertIn(message, p.stderr)
        self.assertIn("crawl --help", p.stderr)

    def test_bad_usage_exits_2_with_a_message(self):
        self.check(["--bogus"], "unknown option '--bogus'")
        self.check(["-z"], "unknown option")
        self.check(["--fake", "lecture", "--engine", "goroutine"], "unknown engine 'goroutine'")
        self.check(["--fake", "lecture", "--engine"], "needs a value")
        self.check(["--fake", "lecture", "--depth", "-1"], "invalid value '-1' for --depth")
        self.check(["--fake", "lecture", "--depth", "x"], "invalid value 'x' for --depth")
        self.check(["--fake", "lecture", "-c", "0"], "for --concurrency")
        self.check(["--fake", "lecture", "-c", "99999"], "for --concurrency")
        self.check(["--fake", "lecture", "--max-pages", "1.5"], "for --max-pages")
        self.check(["--fake", "random:10"], "bad --fake spec")
        self.check(["--fake", "nope"], "bad --fake spec")
        self.check([], "no URL given")
        self.check(["--fake", "lecture", ""], "empty seed URL")
        self.check(["ftp://example.com/"], "not a usable http(s) URL")
        self.check(["--fake", "lecture", "--links=yes"], "option '--links' takes no value")
        self.check(["--fake", "lecture", "-qz"], "unknown option '-z'")
        self.check(["--fake", "lecture", "-o", ""], "for --output")
        self.check(["--fake", "lecture", "--scope", "planet"], "unknown scope 'planet'")
        self.check(["--fake", "lecture", "--max-body", "10Q"], "for --max-body")
        self.check(["--fake", "lecture", "--timeout", "0"], "for --timeout")

    def test_usage_error_leaves_the_output_file_alone(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "keep.jsonl")
            with open(path, "w") as f:
                f.write("precious\n")
            p = run("--fake", "lecture", "ftp://x/", "-o", path)
            self.assertEqual(p.returncode, 2)
            with open(path) as f:
                self.assertEqual(f.read(), "precious\n")


class Bench(unittest.TestCase):
    """crawl bench: the embedded site, crawled over real HTTP on 127.0.0.1."""

    def test_every_page_once_and_the_figures(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.jsonl")
            p = run("bench", "--pages", "600", "--fanout", "6",
                    "--page-size", "2", "-c", "8", "-o", out)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("600 fetched, 601 requests served: every page once",
                          p.stdout)
            for figure in ("pages/s", "MB/s", "us per page", "peak RSS",
                           "server CPU"):
                self.assertIn(figure, p.stdout)
            self.assertNotIn("ceiling", p.stdout)  # no latency, no ceiling
            with open(out) as f:
                recs = records(f.read())
        urls = [r["url"] for r in recs]
        self.assertEqual(len(urls), 600)
        self.assertEqual(len(set(urls)), 600)
        self.assertTrue(all(r["outcome"] == "fetched" for r in recs))
        self.assertTrue(all(r["bytes"] >= 2048 for r in recs))

    def test_many_hosts_every_page_once(self):
        # --hosts: the pages spread over virtual hosts linked across, all
        # reaching the one server through --connect-to; robots.txt once per
        # host.
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.jsonl")
            p = run("bench", "--hosts", "50", "--pages", "2000", "-c", "16",
                    "--per-host", "2", "-o", out)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("hosts 50", p.stdout)
            self.assertIn("2000 fetched, 2050 requests served: every page "
                          "once", p.stdout)
            with open(out) as f:
                recs = records(f.read())
        self.assertEqual(len(recs), 2000)
        self.assertTrue(all(r["outcome"] == "fetched" for r in recs))
        hosts = {re.match(r"http://([^/:]+):\d+/", r["url"]).group(1)
                 for r in recs}
        self.assertEqual(hosts, {"h%d.bench.test" % k for k in range(50)})

    def test_parse_pool_fetches_every_page_once(self):
        # --parse-threads hands responses to a pool and back to the loop.
        for threads in ("2", "-1"):
            with self.subTest(threads=threads):
                p = run("bench", "--pages", "800", "--latency", "5", "-c", "50",
                        "--parse-threads", threads)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("800 fetched, 801 requests served: every page "
                              "once", p.stdout)

    def test_latency_gives_the_ceiling_ratio(self):
        p = run("bench", "--pages", "300", "--latency", "20", "-c", "30")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("every page once", p.stdout)
        m = re.search(r"concurrency / latency = 1500 pages/s; reached "
                      r"([0-9.]+)%", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        # No more than the ceiling allows (a generous margin: timers may
        # fire early by a millisecond); far above it would mean the latency
        # was not applied.
        self.assertLess(float(m.group(1)), 110)
        self.assertGreater(float(m.group(1)), 5)

    def test_limits_are_reported_not_flagged(self):
        p = run("bench", "--pages", "1000", "--max-pages", "50")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("limited by the options", p.stdout)

    def test_event_engine_keeps_few_threads_for_many_fetches(self):
        # 400 fetches in flight for 200 ms each: the thread engines would
        # need 400 threads; the event engine needs its loop, the monitor,
        # and at most a parse pool.
        proc = subprocess.Popen(
            [CRAWL, "bench", "--pages", "3000", "--latency", "200",
             "-c", "400"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        most = 0
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                most = max(most, len(os.listdir("/proc/%d/task" % proc.pid)))
            except FileNotFoundError:
                break
            time.sleep(0.02)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("every page once", out)
        self.assertGreater(most, 1)
        self.assertLessEqual(most, 4 + (os.cpu_count() or 1))

    def test_ctrl_c_to_the_process_group_stops_crawl_and_server(self):
        # A terminal's Ctrl-C signals every process of the foreground group:
        # the server child too. crawl must still stop as SIGINT says (130,
        # report printed) and leave no server behind.
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with self.subTest(sig=sig):
                proc = subprocess.Popen([CRAWL, "bench", "--pages", "200000"],
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)
                children = []
                deadline = time.monotonic() + 20
                while not children and time.monotonic() < deadline:
                    time.sleep(0.1)
                    with open("/proc/%d/task/%d/children"
                              % (proc.pid, proc.pid)) as f:
                        children = [int(c) for c in f.read().split()]
                self.assertTrue(children, "the server child was not seen")
                time.sleep(0.5)
                os.killpg(proc.pid, sig)
                out, err = proc.communicate(timeout=20)
                self.assertEqual(proc.returncode, code, err)
                self.assertIn("pages/s", out)
                time.sleep(0.2)
                for child in children:
                    with self.assertRaises(ProcessLookupError):
                        os.kill(child, 0)

    def test_bench_usage_errors(self):
        for args in (["bench", "http://example.com/"],
                     ["--pages", "5", "http://example.com/"],
                     ["bench", "--pages", "0"],
                     ["bench", "--latency", "-1"],
                     ["bench", "--hosts", "0"],
                     ["--hosts", "3", "http://example.com/"],
                     ["bench", "--fake", "lecture"]):
            with self.subTest(args=args):
                p = run(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("crawl: ", p.stderr)


class Resources(unittest.TestCase):
    def test_refused_threads_degrade_instead_of_crashing(self):
        if SANITIZED:
            self.skipTest("sanitizers need unlimited address space")
        # 300 MB of address space holds a few dozen 8 MB thread stacks, not
        # 10,000: the engines must crawl with the threads they got.
        for engine in ["mutex", "channel"]:
            with self.subTest(engine=engine):
                p = subprocess.run(
                    ["bash", "-c", 'ulimit -v 300000; exec "$0" "$@"', CRAWL,
                     "--fake", "lecture", "--engine", engine, "-c", "10000"],
                    capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual({r["url"]: r["outcome"] for r in records(p.stdout)},
                                 LECTURE)
                self.assertRegex(p.stderr, r"started only \d+ of 10000 threads")

    def test_event_engine_needs_no_thread_per_fetch(self):
        if SANITIZED:
            self.skipTest("sanitizers need unlimited address space")
        # The same 300 MB: 10,000 fetches in flight cost the event engine no
        # thread each, so nothing is refused and nothing is said.
        p = subprocess.run(
            ["bash", "-c", 'ulimit -v 300000; exec "$0" "$@"', CRAWL,
             "--fake", "random:3000:8:1:20", "--per-host", "0", "-c", "10000"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("started only", p.stderr)
        self.assertRegex(p.stderr, r"threads 1\b")
        urls = [r["url"] for r in records(p.stdout)]
        self.assertGreater(len(urls), 2500)
        self.assertEqual(len(urls), len(set(urls)))


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    if len(sys.argv) > 1 and sys.argv[1] == "--sanitized":
        SANITIZED = True
        sys.argv.pop(1)
    unittest.main(verbosity=1)
