#!/usr/bin/env python3
"""End-to-end tests of the crawl CLI: runs the binary, checks output, exit
codes and messages. Usage: cli_test.py PATH_TO_CRAWL"""
import json
import os
import subprocess
import sys
import tempfile
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
                    "--concurrency", "--output", "--links", "--quiet",
                    "--help", "--version", "Exit codes"]:
            self.assertIn(opt, p.stdout, opt)

    def test_version(self):
        p = run("--version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^crawl \d+\.\d+\.\d+")


class Lecture(unittest.TestCase):
    def test_every_engine_finds_the_lecture_pages(self):
        for engine in ["serial", "mutex", "channel"]:
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
                self.assertRegex(p.stderr, r"5 pages \(4 fetched, 1 not found, 0 errors\)")
                self.assertIn("engine " + engine, p.stderr)

    def test_depth_and_max_pages(self):
        p = run("--fake", "lecture", "--depth", "1")
        self.assertEqual({r["url"] for r in records(p.stdout)},
                         {"http://golang.org/", "http://golang.org/pkg/",
                          "http://golang.org/cmd/"})
        p = run("--fake", "lecture", "--max-pages", "2")
        self.assertEqual(len(records(p.stdout)), 2)

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
        for engine in ["serial", "mutex", "channel"]:
            p = run("--fake", "random:2000:6:7", "--engine", engine, "-c", "32",
                    "--depth", "5", "-q")
            self.assertEqual(p.returncode, 0, p.stderr)
            urls = [r["url"] for r in records(p.stdout)]
            self.assertEqual(len(urls), len(set(urls)), "a URL fetched twice")
            sets[engine] = set(urls)
        self.assertGreater(len(sets["serial"]), 100)
        self.assertEqual(sets["serial"], sets["mutex"])
        self.assertEqual(sets["serial"], sets["channel"])

    def test_max_pages_is_exact(self):
        p = run("--fake", "random:5000:8:1", "--max-pages", "123", "-c", "64")
        self.assertEqual(len(records(p.stdout)), 123)
        self.assertIn("123 pages", p.stderr)


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
        self.check(["http://example.com/"], "--fake")
        self.check(["--fake", "lecture", ""], "empty seed URL")


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


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    if len(sys.argv) > 1 and sys.argv[1] == "--sanitized":
        SANITIZED = True
        sys.argv.pop(1)
    unittest.main(verbosity=1)
