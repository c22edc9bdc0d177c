#!/usr/bin/env python3
"""Runs the installed examples (examples/*) against a small site served on
127.0.0.1 by this script, and checks what they print and what the server
was asked for.

  check_examples.py --bin LINK_CHECKER PAGE_SAVER MATCHER [--bin ...]

Each --bin gives one build of the three programs (shared, static, ASan...).
The server is a thread of this process: it stops when the script ends.
"""
import argparse
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

BLOG_PAGES = 30


def html(title, body):
    return ("<!doctype html><html><head><meta charset=utf-8><title>%s</title>"
            "<script>var hidden = '<a href=/script-link>';</script></head>"
            "<body>%s</body></html>" % (title, body))


def site():
    pages = {}
    pages["/"] = (200, "text/html", html(
        "Home", "<h1>Welcome</h1><p>Start <a href=/a.html>A</a>,"
        " <a href=b.html>B</a>, <a href=/missing.html>gone</a>,"
        " <a href=/moved>moved</a>, <a href=/err>err</a>,"
        " <a href=/latin1.html>latin</a>, <a href=/blog/1.html>blog</a>,"
        " <a href=/file.txt>text</a></p>"))
    pages["/a.html"] = (200, "text/html", html(
        "Page A", "<p>Alpha &amp; omega</p><ul><li><a href=/b.html>b</a>"
        "<li><a href=/missing.html>missing again</a></ul>"))
    pages["/b.html"] = (200, "text/html", html(
        "Page B", "<div>Bravo</div><a href=/other/1.html>other</a>"))
    pages["/latin1.html"] = (200, "text/html; charset=iso-8859-1",
                             "<title>Caf\xe9</title><p>cr\xe8me br\xfbl\xe9e</p>")
    pages["/file.txt"] = (200, "text/plain", "not html")
    for i in range(1, BLOG_PAGES + 1):
        nxt = "<a href=/blog/%d.html>next</a>" % (i + 1) if i < BLOG_PAGES else ""
        pages["/blog/%d.html" % i] = (200, "text/html", html(
            "Blog %d" % i, "<p>Post %d</p>%s<a href=/other/%d.html>aside</a>" % (i, nxt, i)))
        pages["/other/%d.html" % i] = (200, "text/html", html(
            "Other %d" % i, "<p>Other</p><a href=/blog/%d.html>back</a>" % i))
    return pages


class Server:
    def __init__(self):
        self.pages = site()
        self.log = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with outer.lock:
                    outer.log.append(self.path)
                if self.path == "/moved":
                    self.reply(301, "text/html", "", [("Location", "/gone.html")])
                elif self.path == "/err":
                    self.reply(500, "text/plain", "broken")
                elif self.path in outer.pages:
                    status, ctype, body = outer.pages[self.path]
                    self.reply(status, ctype, body)
                else:
                    self.reply(404, "text/plain", "not found")

            def reply(self, status, ctype, body, headers=()):
                data = body.encode("latin-1" if "8859" in ctype else "utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def take_log(self):
        with self.lock:
            log, self.log = self.log, []
        return log


def run(cmd, timeout=120):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if "ERROR: AddressSanitizer" in p.stderr or "runtime error:" in p.stderr:
        sys.exit("FAIL: sanitizer report from %s:\n%s" % (cmd[0], p.stderr))
    return p


def check(cond, what, detail=""):
    if not cond:
        sys.exit("FAIL: %s\n%s" % (what, detail))
    print("ok:", what)


def check_link_checker(server, exe):
    server.take_log()
    p = run([exe, server.url("/")])
    check(p.returncode == 1, "link_checker exits 1 when links are broken",
          p.stdout + p.stderr)
    lines = sorted(p.stdout.splitlines())
    u = server.url
    want = sorted([
        "\t".join([u("/err"), "500", u("/")]),
        "\t".join([u("/gone.html"), "404", u("/")]),
        "\t".join([u("/missing.html"), "404", u("/")]),
        "\t".join([u("/missing.html"), "404", u("/a.html")]),
    ])
    check(lines == want, "link_checker prints each broken link with its status and the page linking to it",
          "got:\n%s\nwant:\n%s" % ("\n".join(lines), "\n".join(want)))
    log = server.take_log()
    check("/other/7.html" in log and "/script-link" not in log,
          "link_checker crawls the whole site, and no link inside a script")
    p = run([exe])
    check(p.returncode == 2 and "usage" in p.stderr, "link_checker without a URL: usage, exit 2")
    p = run([exe, "ftp://example.com/"])
    check(p.returncode == 2 and "link_checker:" in p.stderr, "link_checker with a bad URL: a clear error, exit 2",
          p.stderr)


def check_page_saver(server, exe, tmp):
    out = os.path.join(tmp, "pages.jsonl")
    p = run([exe, server.url("/"), out])
    check(p.returncode == 0, "page_saver exits 0", p.stderr)
    with open(out, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    by_url = {r["url"]: r for r in rows}
    html_pages = [k for k, v in server.pages.items() if v[1].startswith("text/html")]
    check(sorted(by_url) == sorted(server.url(k) for k in html_pages),
          "page_saver saves every HTML page once, and nothing else",
          "\n".join(sorted(by_url)))
    a = by_url[server.url("/a.html")]
    check(a["title"] == "Page A" and a["text"] == "Alpha & omega\nb\nmissing again",
          "page_saver stores the title and the text", repr(a))
    latin = by_url[server.url("/latin1.html")]
    check(latin["title"] == "Caf\u00e9" and latin["text"] == "cr\u00e8me br\u00fbl\u00e9e",
          "page_saver decodes the page's charset", repr(latin))
    check(all("hidden" not in r["text"] for r in rows), "scripts are not text")
    p = run([exe, server.url("/"), os.path.join(tmp, "no-such-dir", "x.jsonl")])
    check(p.returncode == 2, "page_saver: an unwritable output is exit 2")


def check_matcher(server, exe):
    server.take_log()
    p = run([exe, server.url("/"), r"/blog/\d+\.html$", "5"])
    check(p.returncode == 0, "matcher exits 0", p.stderr)
    lines = p.stdout.splitlines()
    check(len(lines) == 5, "matcher prints N matches and stops", p.stdout + p.stderr)
    for line in lines:
        url, depth = line.split("\t")
        check("/blog/" in url and int(depth) >= 1, "matcher prints a match with its depth: " + line)
    check("(stopped)" in p.stderr, "matcher stopped the crawl", p.stderr)
    log = server.take_log()
    strays = [x for x in log if x not in ("/", "/robots.txt") and not x.startswith("/blog/")]
    check(not strays, "matcher follows only links matching the rule", repr(strays))
    check(len([x for x in log if x.startswith("/blog/")]) < BLOG_PAGES,
          "matcher did not crawl on after N matches", repr(log))
    p = run([exe, server.url("/"), "(", "5"])
    check(p.returncode == 2 and "PATTERN" in p.stderr, "matcher: a bad pattern is exit 2")
    p = run([exe, server.url("/"), "x", "0"])
    check(p.returncode == 2, "matcher: N = 0 is exit 2")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", nargs=3, action="append", required=True,
                    metavar=("LINK_CHECKER", "PAGE_SAVER", "MATCHER"))
    args = ap.parse_args()
    server = Server()
    with tempfile.TemporaryDirectory() as tmp:
        for link_checker, page_saver, matcher in args.bin:
            print("== %s" % os.path.dirname(link_checker))
            check_link_checker(server, link_checker)
            check_page_saver(server, page_saver, tmp)
            check_matcher(server, matcher)
    server.httpd.shutdown()
    print("examples: all checks passed")


if __name__ == "__main__":
    main()
