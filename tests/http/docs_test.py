#!/usr/bin/env python3
"""Crawl Debian's python3-doc HTML tree served by nginx on 127.0.0.1, with
every engine, and check from nginx's own access log that every page
reachable from index.html was requested exactly once.

The expected set is computed independently of crawl: Python's html.parser
over the files on disk, following what crawl follows (a/area href,
iframe/frame src, link href with rel alternate/next/prev, meta refresh, the
first <base>), resolving with urllib.parse.
Usage: docs_test.py PATH_TO_CRAWL"""
import html.parser
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nginx import Nginx  # noqa: E402

CRAWL = None
DOCS = "/usr/share/doc/python3.11/html"
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:")


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.base = [], None

    def handle_starttag(self, tag, attrs):
        a = {}
        for k, v in attrs:  # the first of duplicate attributes wins
            a.setdefault(k, v)
        target = None
        if tag in ("a", "area"):
            target = a.get("href")
        elif tag in ("iframe", "frame"):
            target = a.get("src")
        elif tag == "link":
            rel = (a.get("rel") or "").lower().split()
            if {"alternate", "next", "prev"} & set(rel):
                target = a.get("href")
        elif tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"].strip()
        elif tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            content = a.get("content") or ""
            low = content.lower()
            if "url=" in low:
                target = content[low.index("url=") + 4:].strip().strip("'\"")
        if target is not None:
            target = target.strip()
            if target and not target.lower().startswith(SKIP_SCHEMES):
                self.links.append(target)


def reachable(root_url, root_dir):
    """URL paths (unquoted, no fragment/query) reachable from index.html."""
    host = urllib.parse.urlsplit(root_url).netloc
    seen, pending = set(), ["/index.html"]
    seen.add("/index.html")
    while pending:
        path = pending.pop()
        fs = os.path.join(root_dir, path.lstrip("/"))
        if path.endswith("/"):
            fs = os.path.join(fs, "index.html")
        if not (fs.endswith(".html") and os.path.isfile(fs)):
            continue
        with open(fs, "rb") as f:
            parser = Links()
            parser.feed(f.read().decode("utf-8", "replace"))
        page_url = "http://%s%s" % (host, urllib.parse.quote(path))
        base = urllib.parse.urljoin(page_url, parser.base) if parser.base else page_url
        for link in parser.links:
            u = urllib.parse.urlsplit(urllib.parse.urljoin(base, link))
            if u.scheme not in ("http", "https") or u.netloc != host:
                continue
            p = urllib.parse.unquote(os.path.normpath(u.path) if u.path else "/")
            if u.path.endswith("/") and not p.endswith("/"):
                p += "/"
            if u.query:
                p += "?" + u.query
            if p not in seen:
                seen.add(p)
                pending.append(p)
    return seen


@unittest.skipUnless(os.path.isdir(DOCS), "python3-doc is not installed")
class PythonDocs(unittest.TestCase):
    def test_every_engine_fetches_every_reachable_page_once(self):
        nginx = Nginx(DOCS)
        try:
            base = "http://127.0.0.1:%d" % nginx.port
            expected = reachable(base + "/index.html", DOCS)
            self.assertGreater(len(expected), 400)
            for engine in ["event", "serial", "mutex", "channel"]:
                with self.subTest(engine=engine):
                    nginx.reset_log()
                    p = subprocess.run(
                        [CRAWL, base + "/index.html", "--engine", engine,
                         "-c", "16", "-q", "-o", os.devnull],
                        capture_output=True, text=True, timeout=300)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    time.sleep(0.3)  # let nginx write its log
                    got = nginx.requests()
                    self.assertEqual(got.count("/robots.txt"), 1)
                    got = [r for r in got if r != "/robots.txt"]
                    unquoted = [urllib.parse.unquote(r) for r in got]
                    dupes = {r for r in unquoted if unquoted.count(r) > 1}
                    self.assertEqual(dupes, set(), "requested more than once")
                    self.assertEqual(set(unquoted), expected)
        finally:
            nginx.stop()


class TlsAndHttp2(unittest.TestCase):
    """HTTPS with a self-signed certificate, HTTP/2 by ALPN."""

    @classmethod
    def setUpClass(cls):
        cls.site = tempfile.mkdtemp(prefix="crawl-site-")
        os.chmod(cls.site, 0o755)  # nginx's workers run unprivileged
        for i in range(20):
            links = "".join('<a href="p%d.html">x</a>' % ((i + k) % 20)
                            for k in range(1, 4))
            with open(os.path.join(cls.site, "p%d.html" % i), "w") as f:
                f.write("<!DOCTYPE html><title>p</title>" + links)
        def make_cert(d):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-keyout", d + "/key.pem", "-out", d + "/cert.pem"],
                           check=True, capture_output=True)
        cls.nginx = Nginx(cls.site, listen="ssl http2", prepare=make_cert,
                          server_extra="""
            ssl_certificate %(d)s/cert.pem; ssl_certificate_key %(d)s/key.pem;
            gzip on; gzip_min_length 1;""")

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        shutil.rmtree(cls.site, ignore_errors=True)

    def crawl(self, *args):
        return subprocess.run([CRAWL, "https://127.0.0.1:%d/p0.html" % self.nginx.port,
                               "-q", *args], capture_output=True, text=True,
                              timeout=60)

    def test_certificate_is_verified_by_default(self):
        p = self.crawl()
        self.assertEqual(p.returncode, 0, p.stderr)
        rec = json.loads(p.stdout.splitlines()[0])
        self.assertEqual(rec["outcome"], "error")
        self.assertEqual(rec["error"]["kind"], "tls")

    def test_insecure_crawls_over_http2_on_few_connections(self):
        self.nginx.reset_log()
        p = self.crawl("--insecure", "-c", "8", "--per-host", "8")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(len(recs), 20)
        self.assertTrue(all(r["outcome"] == "fetched" for r in recs))
        time.sleep(0.3)
        entries = [e for e in self.nginx.entries() if e[2] != "/robots.txt"]
        self.assertEqual(len(entries), 20, "each page once")
        self.assertEqual({e[1] for e in entries}, {"HTTP/2.0"})
        connections = {e[0] for e in entries}
        self.assertLessEqual(len(connections), 2,
                             "HTTP/2 multiplexes and reuses its connection")


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
