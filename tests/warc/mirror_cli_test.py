#!/usr/bin/env python3
"""--mirror DIR end to end: each 200 response's decoded body lands at the
documented path (src/output/mirror.h), saved_as says where, and no URL or
symlink gets a byte written outside DIR.

The site is the raw-socket server's (tests/http/rawserver.py), so the bytes
each file must hold are known exactly. Usage: mirror_cli_test.py PATH_TO_CRAWL"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "http"))
from rawserver import RawServer  # noqa: E402

CRAWL = None
QUICK = ["--timeout", "10", "--connect-timeout", "3", "--retries", "0",
         "--ignore-robots", "-q"]


def response(status_line, headers=(), body=b""):
    head = status_line + b"\r\n" + b"".join(h + b"\r\n" for h in headers)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def html(links=(), text=b""):
    return (b"<!DOCTYPE html><html><body>" + text + b"".join(
        b"<a href=\"%s\">x</a>" % l for l in links) + b"</body></html>")


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def run(args, timeout=120):
    p = subprocess.run([CRAWL, *args], capture_output=True, timeout=timeout)
    p.err = p.stderr.decode("utf-8", "replace")
    p.records = [json.loads(l) for l in p.stdout.decode().splitlines() if l]
    return p


def files_under(root):
    """Every non-directory entry under root (symlinks not followed)."""
    out = set()
    for d, dirs, files in os.walk(root):
        for name in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            out.add(os.path.join(d, name))
    return out


def inside(path, root):
    real, root = os.path.realpath(path), os.path.realpath(root)
    return real == root or real.startswith(root + os.sep)


LONG = b"L" * 300


class Layout(unittest.TestCase):
    """Issue: files land where mirror.h says; saved_as is the real path and
    holds the decoded body; a 404 or a truncated body is not saved."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="crawl-mirror-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def site(self):
        bodies = {}  # target -> decoded body
        table = {}
        links = [b"/a/b.html", b"/dir/", b"/page?x=1&y=2", b"/" + LONG, b"/a",
                 b"/a/b", b"/trunc", b"/missing", b"/gz"]
        bodies["/"] = html(links)
        for t in ("/a/b.html", "/dir/", "/page?x=1&y=2", "/" + LONG.decode(),
                  "/a", "/a/b"):
            bodies[t] = html([], b"this is " + t.encode())
        for t, b in bodies.items():
            table[t] = response(b"HTTP/1.1 200 OK", [b"Content-Type: text/html"], b)
        bodies["/gz"] = html([], b"gzipped page " * 20)
        table["/gz"] = response(b"HTTP/1.1 200 OK",
                                [b"Content-Type: text/html",
                                 b"Content-Encoding: gzip"],
                                gzip.compress(bodies["/gz"]))
        table["/trunc"] = response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: text/html"],
                                   html([], b"t" * 5000))
        table["/missing"] = response(b"HTTP/1.1 404 Not Found",
                                     [b"Content-Type: text/html"],
                                     html([], b"not found"))

        def handler(req, conn):
            conn.send(table.get(req.target, table["/missing"]))
        return handler, bodies

    def crawl(self, srv, mirror, seeds, *args):
        p = run([*[srv.base + s for s in seeds], "--mirror", mirror,
                 "--max-body", "2K", *QUICK, *args])
        self.assertEqual(p.returncode, 0, p.err)
        return {r["url"]: r for r in p.records}

    def assert_saved(self, rec, mirror, rel, body):
        want = mirror + "/" + "/".join(rel)
        self.assertEqual(rec["saved_as"], want, rec)
        self.assertTrue(os.path.isfile(want), want)
        with open(want, "rb") as f:
            self.assertEqual(f.read(), body, want)

    def test_layout(self):
        handler, bodies = self.site()
        mirror = os.path.join(self.tmp, "m")
        with RawServer(handler) as srv:
            recs = self.crawl(srv, mirror, ["/"], "-c", "1", "--per-host", "1")
            order = [r.target for r in srv.requests()]
        host = "127.0.0.1+%d" % srv.port
        u = lambda t: srv.base + t  # noqa: E731
        long_name = LONG[:180].decode() + "-%016x" % fnv1a64(LONG)
        expect = {"/": ["index.html"], "/dir/": ["dir", "index.html"],
                  "/page?x=1&y=2": ["page?x=1&y=2"],
                  "/" + LONG.decode(): [long_name], "/gz": ["gz"]}
        # /a is a file, /a/b and /a/b.html need a directory a: whichever
        # was saved first keeps the name (-c 1: the order of the requests).
        a_users = [t for t in order if t in ("/a", "/a/b", "/a/b.html")]
        self.assertEqual(sorted(a_users), ["/a", "/a/b", "/a/b.html"], order)
        if a_users[0] == "/a":
            expect.update({"/a": ["a"], "/a/b": ["a%dir", "b"],
                           "/a/b.html": ["a%dir", "b.html"]})
        else:
            expect.update({"/a": ["a%file"], "/a/b": ["a", "b"],
                           "/a/b.html": ["a", "b.html"]})
        for t, rel in expect.items():
            self.assert_saved(recs[u(t)], mirror, [host] + rel, bodies[t])
        self.assertTrue(recs[u("/trunc")]["truncated"], recs[u("/trunc")])
        self.assertIsNone(recs[u("/trunc")]["saved_as"])
        self.assertEqual(recs[u("/missing")]["status"], 404)
        self.assertIsNone(recs[u("/missing")]["saved_as"])
        # Nothing else in the tree: no temporary, no unsaved page.
        self.assertEqual(files_under(mirror),
                         {r["saved_as"] for r in recs.values() if r["saved_as"]})
        self.assertEqual(len(files_under(mirror)), len(expect))

    def test_conflicts_both_ways(self):
        handler, bodies = self.site()
        m1, m2 = os.path.join(self.tmp, "m1"), os.path.join(self.tmp, "m2")
        with RawServer(handler) as srv:
            host = "127.0.0.1+%d" % srv.port
            # A file first, then a directory of the same name.
            r = self.crawl(srv, m1, ["/a"], "--depth", "0")
            self.assert_saved(r[srv.base + "/a"], m1, [host, "a"], bodies["/a"])
            r = self.crawl(srv, m1, ["/a/b"], "--depth", "0")
            self.assert_saved(r[srv.base + "/a/b"], m1, [host, "a%dir", "b"],
                              bodies["/a/b"])
            # A directory first, then a file of its name.
            r = self.crawl(srv, m2, ["/a/b"], "--depth", "0")
            self.assert_saved(r[srv.base + "/a/b"], m2, [host, "a", "b"],
                              bodies["/a/b"])
            r = self.crawl(srv, m2, ["/a"], "--depth", "0")
            self.assert_saved(r[srv.base + "/a"], m2, [host, "a%file"],
                              bodies["/a"])
            # Saved twice: overwritten in place.
            r = self.crawl(srv, m2, ["/a"], "--depth", "0")
            self.assert_saved(r[srv.base + "/a"], m2, [host, "a%file"],
                              bodies["/a"])
        self.assertEqual(len(files_under(m1)), 2)
        self.assertEqual(len(files_under(m2)), 2)


class FullDisk(unittest.TestCase):
    """Issue: a file the mirror cannot write stops the crawl (exit 3, the
    path and the reason on stderr); no partial or temporary file stays."""

    def test_file_too_large(self):
        import resource
        import signal
        tmp = tempfile.mkdtemp(prefix="crawl-mirror-full-")
        self.addCleanup(shutil.rmtree, tmp, True)
        mirror = os.path.join(tmp, "m")
        big = html([], b"b" * 40000)
        small = {"/p%d" % i: html([b"/p%d" % (i + 1)], b"page %d" % i)
                 for i in range(300)}
        small["/p0"] = html([b"/p1", b"/big"])

        def handler(req, conn):
            if not conn.sleep(0.005):
                return
            body = big if req.target == "/big" else small.get(req.target)
            if body is None:
                conn.send(response(b"HTTP/1.1 404 Not Found"))
            else:
                conn.send(response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: text/html"], body))

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write(): EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (30000, 30000))
        with RawServer(handler) as srv:
            p = subprocess.run([CRAWL, srv.base + "/p0", "--mirror", mirror,
                                *QUICK, "-c", "1"], capture_output=True,
                               timeout=120, preexec_fn=limit)
            fetched = len(srv.requests())
        err = p.stderr.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 3, err)
        self.assertIn("/big", err)
        self.assertIn("File too large", err)
        self.assertLess(fetched, 300, "the crawl went on")
        records = [json.loads(l) for l in p.stdout.decode().splitlines() if l]
        by_url = {r["url"]: r for r in records}
        self.assertIsNone(by_url[srv.base + "/big"]["saved_as"])
        saved = {r["saved_as"] for r in records if r["saved_as"]}
        self.assertEqual(files_under(mirror), saved, "a partial or temporary file")
        for r in records:
            if r["saved_as"]:
                with open(r["saved_as"], "rb") as f:
                    self.assertEqual(f.read(), small[r["url"][len(srv.base):]])


HOSTILE = [b"/../../escape", b"/%2e%2e/%2e%2e/escape", b"/a%2F..%2F..%2Fescape",
           b"/..%2F..%2Fescape", b"/%2e%2e%2f%2e%2e%2fescape", b"/%00x",
           b"/a\\..\\..\\escape", b"/a%5C..%5C..%5Cescape", b"/.//etc/passwd",
           b"//etc/passwd", b"/x//etc/passwd", b"/%2Fetc%2Fpasswd",
           b"/%2F%2Fetc/passwd", b"/C:%5Cescape", b"/link/x.html",
           b"/link/sub/y.html", b"/filelink", b"/%2e", b"/%2e%2e", b"/.%2e/escape",
           b"/q?../../escape", b"/q?x=/../../escape&y=%2F..%2Fescape",
           b"/" + b"/".join(b"s%d" % i for i in range(40)) + b"/deep.html"]


class Hostile(unittest.TestCase):
    """Issue: --mirror never writes outside DIR, whatever a URL (link or
    Location) says, and follows no symlink planted inside DIR."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="crawl-mirror-hostile-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_nothing_lands_outside(self):
        mirror = os.path.join(self.tmp, "deep", "er", "m")
        outside = os.path.join(self.tmp, "outside")      # must stay empty
        outside2 = os.path.join(self.tmp, "outside2")    # its file unchanged
        for d in (mirror, outside, outside2):
            os.makedirs(d)
        victim = os.path.join(outside2, "victim")
        with open(victim, "wb") as f:
            f.write(b"original")
        watched = ["/tmp/escape", "/escape", "/etc/passwd", "/tmp/x",
                   os.path.join(self.tmp, "escape"),
                   os.path.join(self.tmp, "deep", "escape")]
        before = {p: (os.path.lexists(p) and os.lstat(p).st_mtime_ns) for p in watched}

        redirects = {("/r/%d" % i).encode(): h for i, h in enumerate(HOSTILE)}

        def handler(req, conn):
            t = req.target.encode("latin-1")
            if t == b"/":
                body = html(HOSTILE + [srv.base.encode() + b"//etc/passwd"]
                            + list(redirects))
                conn.send(response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: text/html"], body))
            elif t in redirects:
                conn.send(response(b"HTTP/1.1 301 Moved",
                                   [b"Location: " + redirects[t]]))
            else:
                conn.send(response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: text/html"],
                                   html([], b"served " + t)))

        with RawServer(handler) as srv:
            host_dir = os.path.join(mirror, "127.0.0.1+%d" % srv.port)
            os.makedirs(host_dir)
            os.symlink(outside, os.path.join(host_dir, "link"))
            os.symlink(victim, os.path.join(host_dir, "filelink"))
            planted = {os.path.join(host_dir, "link"),
                       os.path.join(host_dir, "filelink")}
            p = run([srv.base + "/", "--mirror", mirror, *QUICK, "--depth", "3"])
            targets = [r.target for r in srv.requests()]
        self.assertEqual(p.returncode, 0, p.err)
        # The hostile URLs did reach the server (else this proves nothing).
        self.assertIn("/link/x.html", targets)
        self.assertIn("/link/sub/y.html", targets)
        self.assertIn("/filelink", targets)
        self.assertGreaterEqual(len([t for t in targets if "escape" in t]), 4,
                                targets)
        self.assertGreaterEqual(len([t for t in targets if "passwd" in t]), 3,
                                targets)
        # Nothing outside.
        self.assertEqual(os.listdir(outside), [], "written through a symlink")
        self.assertEqual(os.listdir(outside2), ["victim"])
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"original", "a symlink's target overwritten")
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["deep", "outside", "outside2"])
        self.assertEqual(os.listdir(os.path.join(self.tmp, "deep")), ["er"])
        self.assertEqual(os.listdir(os.path.join(self.tmp, "deep", "er")), ["m"])
        self.assertEqual(os.listdir(mirror), ["127.0.0.1+%d" % srv.port])
        after = {p: (os.path.lexists(p) and os.lstat(p).st_mtime_ns) for p in watched}
        self.assertEqual(before, after)
        # Everything under DIR resolves inside DIR, but the planted links;
        # no new symlink; every saved_as is inside and real.
        for path in files_under(mirror):
            if path in planted:
                continue
            self.assertFalse(os.path.islink(path), path)
            self.assertTrue(inside(path, mirror), path)
        saved = [r for r in p.records if r["saved_as"]]
        self.assertGreater(len(saved), 10, p.records)
        for r in saved:
            self.assertTrue(r["saved_as"].startswith(mirror + "/"), r)
            self.assertTrue(inside(r["saved_as"], mirror), r)
            self.assertTrue(os.path.isfile(r["saved_as"]), r)
            self.assertFalse(os.path.islink(r["saved_as"]), r)
            rel = os.path.relpath(r["saved_as"], mirror).split(os.sep)
            self.assertNotIn("..", rel, r)
            self.assertNotIn(".", rel, r)
        by_url = {r["url"]: r for r in p.records}
        # Queries keep no '/' of their own; at most 32 directories.
        q = [r for r in saved if "/q?" in r["url"]]
        self.assertEqual(len(q), 2, saved)
        for r in q:
            self.assertEqual(os.path.dirname(r["saved_as"]), host_dir, r)
        (deep,) = [r for r in saved if r["url"].endswith("/deep.html")]
        rel = os.path.relpath(deep["saved_as"], mirror).split(os.sep)
        # 32 directories (the host and s0..s30), the rest folded by "%2F".
        self.assertEqual(len(rel), 33, deep)
        self.assertEqual(rel[1:-1], ["s%d" % i for i in range(31)], deep)
        self.assertEqual(rel[-1], "%2F".join(["s%d" % i for i in range(31, 40)]
                                             + ["deep.html"]), deep)
        for t in ("/link/x.html", "/filelink"):
            rec = by_url[srv.base + t]
            if rec["saved_as"]:
                self.assertNotIn(os.path.realpath(rec["saved_as"]),
                                 (os.path.realpath(victim),))
        # The planted file symlink was replaced or left, never followed.
        fl = os.path.join(host_dir, "filelink")
        if os.path.islink(fl):
            self.assertEqual(os.readlink(fl), victim)


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
