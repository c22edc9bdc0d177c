"""A hermetic HTTP test server for crawl's integration tests.

Runs on 127.0.0.1, port 0 (the OS picks), in a background thread of the test
process, and records every request so tests can assert what the crawler did
from the server's side. Every slow route is bounded in time, so the server
never outlives its test by more than a few seconds.

Routes (all GET):
  /site/...            a small normal site (see SITE)
  /redirect/chain/N    302 -> /redirect/chain/N-1 ... /redirect/chain/0 (200)
  /redirect/loop/a|b   302 a -> b -> a
  /redirect/relative   302 with a relative Location (../site/a.html)
  /redirect/to-seed    302 -> /site/index.html
  /redirect/nolocation 302 without Location
  /redirect/offsite    302 -> http://other.invalid/x (out of scope)
  /status/N            that status, small HTML body
  /never               accepts, reads the request, never answers (<= 30 s)
  /drip                200 headers, then one body byte a second (<= 30 s)
  /big?mb=N            N MB of HTML-ish bytes, fast
  /gzip-bomb           ~100 KB of gzip that inflates to 100 MB
  /image.png           image/png whose bytes contain '<a href=...>'
  /untyped             HTML without a Content-Type header
  /base                a page with <base href="/site/deep/">
  /malformed           broken HTML with links in odd places
  /spellings           many spellings of /site/a.html and /site/b.html
Hostile routes (issue 4):
  /robots.txt          server.robots (text) with server.robots_status, or 404
  /public/..., /private/...   pages that link across (for robots rules)
  /retry/after/ID?s=N  first request: 503 + Retry-After: N; then 200
  /retry/date/ID       first request: 429 + Retry-After as an HTTP-date; then 200
  /always500           always 500
  /calendar/Y/M        links to the next month, forever
  /links100k           a page with 100,000 links
  /slowheaders         a status line and one header, then nothing (<= 30 s)
  /double-gzip-bomb    gzip inside gzip, inflating to 100 MB
  /to-private          links to private addresses in many spellings, and a
                       redirect to the cloud metadata address
  /to-evil             a link to http://evil.test:PORT/ (see hostile_test.py)
  /trap/...            a/b/a/b/... relative links that grow forever
"""

import email.utils
import gzip
import http.server
import io
import threading
import time
import urllib.parse
from collections import Counter

SITE = {
    "/site/index.html": ['a.html', 'b.html', '/site/c/', 'mailto:x@y.z',
                         'javascript:void(0)', '/status/404', '/status/500',
                         '/image.png', '/untyped', '/base', '/malformed',
                         '/spellings', '/redirect/relative',
                         '/redirect/to-seed', '/redirect/chain/3',
                         '/gzipped'],
    "/site/a.html": ['index.html', 'b.html'],
    "/site/b.html": ['a.html', 'http://elsewhere.invalid/out'],
    "/site/c/": ['../a.html', 'd.html'],
    "/site/c/d.html": ['/site/index.html'],
    "/site/deep/e.html": [],
    "/site/from-untyped.html": [],
    "/site/from-gzip.html": [],
    "/site/from-malformed-1.html": [],
    "/site/from-malformed-2.html": [],
    "/site/from-malformed-3.html": [],
}

_bomb_cache = {}


def gzip_bomb():
    if "b" not in _bomb_cache:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as z:
            chunk = b"\0" * (1 << 20)
            for _ in range(100):
                z.write(chunk)
        _bomb_cache["b"] = buf.getvalue()
    return _bomb_cache["b"]


def double_gzip_bomb():
    if "bb" not in _bomb_cache:
        _bomb_cache["bb"] = gzip.compress(gzip_bomb(), 9)
    return _bomb_cache["bb"]


def page(links, extra=""):
    body = "<!DOCTYPE html><html><head><title>t</title></head><body>"
    body += "".join('<a href="%s">x</a>\n' % l for l in links)
    return (body + extra + "</body></html>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="text/html; charset=utf-8",
             headers=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location, status=302):
        self.send(status, b"moved", headers=[("Location", location)])

    def do_GET(self):
        srv = self.server
        path = urllib.parse.urlsplit(self.path).path
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        with srv.lock:
            srv.log.append(self.path)
            srv.times.append((time.monotonic(), self.path))
            srv.agents.append(self.headers.get("User-Agent", ""))
            srv.extra_headers.append(self.headers.get("X-Test", ""))
            srv.encodings.append(self.headers.get("Accept-Encoding", ""))
        try:
            self.route(path, query)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route(self, path, query):
        if path in SITE:
            return self.send(200, page(SITE[path]))
        if path == "/robots.txt":
            if self.server.robots is None:
                return self.send(404, b"none")
            return self.send(self.server.robots_status,
                             self.server.robots.encode(), ctype="text/plain")
        if path.startswith("/public/") or path.startswith("/private/"):
            n = int(path.rsplit("/", 1)[1].split(".")[0] or 0)
            links = ["/public/%d.html" % (n + 1), "/private/%d.html" % (n + 1)]
            return self.send(200, page(links if n < 5 else []))
        if path.startswith("/retry/after/") or path.startswith("/retry/date/"):
            with self.server.lock:
                first = path not in self.server.seen_retry
                self.server.seen_retry.add(path)
            if first and path.startswith("/retry/after/"):
                secs = query.get("s", ["1"])[0]
                return self.send(503, b"busy", headers=[("Retry-After", secs)])
            if first:
                when = email.utils.formatdate(time.time() + 2, usegmt=True)
                return self.send(429, b"slow down", headers=[("Retry-After", when)])
            return self.send(200, page([]))
        if path == "/always500":
            return self.send(500, page([]))
        if path.startswith("/calendar/"):
            y, m = (int(x) for x in path.split("/")[2:4])
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            return self.send(200, page(["/calendar/%d/%d" % (y, m)]))
        if path == "/links100k":
            body = "".join('<a href="/l/%d">%d</a>' % (i, i) for i in range(100000))
            return self.send(200, body.encode())
        if path == "/slowheaders":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            self.wfile.flush()
            self.server.wait_or_stop(30)
            self.close_connection = True
            return
        if path == "/double-gzip-bomb":
            return self.send(200, double_gzip_bomb(),
                             headers=[("Content-Encoding", "gzip, gzip")])
        if path == "/to-private":
            links = ["http://169.254.169.254/latest/meta-data/",
                     "http://10.0.0.1/", "http://[::ffff:169.254.169.254]/",
                     "http://0xa9fea9fe/", "http://2852039166/",
                     "http://0251.0376.0251.0376/", "http://10.1/",
                     "http://[::1]:%d/" % self.server.server_address[1],
                     "http://127.0.0.2:%d/" % self.server.server_address[1],
                     "/redirect/metadata"]
            return self.send(200, page(links))
        if path == "/redirect/metadata":
            return self.redirect("http://169.254.169.254/latest/meta-data/")
        if path == "/to-evil":
            return self.send(200, page(["http://evil.test:%d/x" %
                                        self.server.server_address[1]]))
        if path == "/slowindex":
            return self.send(200, page(["/slow/%d" % i for i in range(10)]))
        if path.startswith("/slow/"):
            with self.server.lock:
                self.server.active += 1
                self.server.max_active = max(self.server.max_active,
                                             self.server.active)
            self.server.wait_or_stop(0.3)
            with self.server.lock:
                self.server.active -= 1
            return self.send(200, page([]))
        if path == "/sitemap.xml":
            body = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/'
                    'schemas/sitemap/0.9"><url><loc>/orphan.html</loc></url>'
                    '</urlset>')
            return self.send(200, body.encode(), ctype="application/xml")
        if path == "/sitemap-index.xml":
            body = ('<?xml version="1.0"?><sitemapindex><sitemap><loc>'
                    '/sitemap2.xml.gz</loc></sitemap></sitemapindex>')
            return self.send(200, body.encode(), ctype="application/xml")
        if path == "/sitemap2.xml.gz":
            body = gzip.compress(b'<urlset><url><loc>/orphan2.html</loc></url>'
                                 b'</urlset>')
            return self.send(200, body, ctype="application/gzip")
        if path in ("/orphan.html", "/orphan2.html"):
            return self.send(200, page([]))
        if path.startswith("/trap/"):
            return self.send(200, page(["a/", "b/"]))
        if path.startswith("/redirect/chain/"):
            n = int(path.rsplit("/", 1)[1])
            if n == 0:
                return self.send(200, page([]))
            return self.redirect("/redirect/chain/%d" % (n - 1))
        if path == "/redirect/loop/a":
            return self.redirect("/redirect/loop/b")
        if path == "/redirect/loop/b":
            return self.redirect("/redirect/loop/a", 301)
        if path == "/redirect/relative":
            return self.redirect("../site/a.html")
        if path == "/redirect/to-seed":
            return self.redirect("/site/index.html", 307)
        if path == "/redirect/nolocation":
            return self.send(302, b"nowhere")
        if path == "/redirect/offsite":
            return self.redirect("http://other.invalid/x")
        if path.startswith("/status/"):
            return self.send(int(path.rsplit("/", 1)[1]), page([]))
        if path == "/never":
            self.server.wait_or_stop(30)
            self.close_connection = True
            return
        if path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(30):
                self.wfile.write(b"x")
                self.wfile.flush()
                if self.server.wait_or_stop(1):
                    break
            self.close_connection = True
            return
        if path == "/big":
            mb = int(query.get("mb", ["20"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(mb << 20))
            self.end_headers()
            chunk = (b"<p>" + b"y" * 1020 + b"\n") * 1024
            for _ in range(mb):
                self.wfile.write(chunk)
            return
        if path == "/gzip-bomb":
            return self.send(200, gzip_bomb(),
                             headers=[("Content-Encoding", "gzip")])
        if path == "/image.png":
            return self.send(200, b"\x89PNG\r\n<a href='/site/never-from-png.html'>",
                             ctype="image/png")
        if path == "/untyped":
            return self.send(200, page(["/site/from-untyped.html"]), ctype=None)
        if path == "/base":
            body = (b'<html><head><base href="/site/deep/">'
                    b'<base href="/ignored/"></head>'
                    b'<body><a href="e.html">e</a></body></html>')
            return self.send(200, body)
        if path == "/malformed":
            # Per HTML5: unquoted and unclosed <a> is a link; '<a' inside a
            # <p> tag is an attribute of the <p>, not a link; upper case is
            # fine; nothing in script, comment or title; invalid bytes and
            # NULs are survivable; a tag cut off by the end of the file is
            # dropped.
            body = (b'<html><body><a href=/site/from-malformed-1.html>x'
                    b'<p <a href="/site/in-p-attribute.html">'
                    b"<A HREF='/site/from-malformed-3.html'>y</A>"
                    b'<script>document.write("<a href=/site/in-script.html>")'
                    b'</script><!-- <a href="/site/in-comment.html"> -->'
                    b'<title><a href="/site/in-title.html"></title>'
                    b'\xff\xfe\x00<a href="/site/from-malformed-2.html">z</a>'
                    b'<a href="/site/cut-off.html')
            return self.send(200, body)
        if path == "/spellings":
            port = self.server.server_address[1]
            links = ["/site/a.html", "/site/./a.html", "/site/c/../a.html",
                     "HTTP://127.0.0.1:%d/site/a.html" % port,
                     "/site/a.html#top", "/site/%61.html", "  /site/a.html  ",
                     "/site/\ta.html", "/site/b.html", "\\site\\b.html",
                     "/site//../site/b.html".replace("//", "/"),
                     "http://127.0.0.1:%d/site/b.html?" [:-1] % port,
                     # another host: out of the default scope
                     "http://localhost:%d/site/a.html" % port]
            return self.send(200, page(links))
        if path == "/gzipped":
            return self.send(200, gzip.compress(page(["/site/from-gzip.html"])),
                             headers=[("Content-Encoding", "gzip")])
        return self.send(404, page([]))


class TestServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.log = []
        self.agents = []
        self.extra_headers = []
        self.encodings = []
        self.times = []
        self.seen_retry = set()
        self.robots = None
        self.robots_status = 200
        self.active = 0
        self.max_active = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def handle_error(self, request, client_address):
        pass  # a crawler hanging up mid-response is expected here

    def wait_or_stop(self, seconds):
        """Sleeps up to `seconds`; True if the server is stopping."""
        return self.stopping.wait(seconds)

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def counts(self, robots=False):
        """Requests per path; /robots.txt only if `robots`."""
        with self.lock:
            c = Counter(urllib.parse.urlsplit(p).path for p in self.log)
        if not robots:
            c.pop("/robots.txt", None)
        return c

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.shutdown()
        self.server_close()
