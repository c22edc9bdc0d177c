#!/usr/bin/env python3
"""What --warc-file keeps is what the server sent, end to end.

Servers: the raw-socket server (tests/http/rawserver.py: the test writes
every byte, so the bytes a record must hold are known exactly) and nginx
(gzip, chunked, HTTP/2 over TLS). Every WARC is read twice: by this file's
own small reader (one gzip member per record, each record parsed, the HTTP
message split) and by tests/warc/warccheck.py (npm warcio: digests,
lengths, request/response pairs, revisits, CDXJ against `warcio cdx-index`).

Usage: warc_test.py PATH_TO_CRAWL"""
import base64
import ctypes
import ctypes.util
import glob
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "http"))
from rawserver import RawServer  # noqa: E402
from nginx import Nginx, free_port  # noqa: E402

CRAWL = None
QUICK = ["--timeout", "10", "--connect-timeout", "3", "--retries", "0", "-q"]


# --------------------------------------------------------------------------
# The checker (tests/warc/warccheck.py, on npm warcio)

def check(files, cdxj=None, expect_revisits=None):
    try:
        import warccheck
    except ImportError as e:
        raise AssertionError("tests/warc/warccheck.py is missing or broken: %s"
                             % e)
    return warccheck.check(files, cdxj=cdxj, expect_revisits=expect_revisits)


def checker_entries(summary):
    """The checker's list of response and revisit records, in file order:
    {type, uri, status, offset, length, file, payload_digest, truncated,
    id, date, refers_to}."""
    return summary["records"]


# --------------------------------------------------------------------------
# A WARC reader of our own

def sha1_b32(data):
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


class Record:
    def __init__(self, path, offset, length, raw):
        self.file = path
        self.offset = offset
        self.length = length  # compressed: the gzip member's size
        head, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep, "%s@%d: no end of WARC head" % (path, offset)
        lines = head.split(b"\r\n")
        assert lines[0] == b"WARC/1.1", "%s@%d: %r" % (path, offset, lines[0])
        self.fields = []
        for line in lines[1:]:
            name, sep, value = line.decode("utf-8").partition(":")
            assert sep, "%s@%d: bad field %r" % (path, offset, line)
            self.fields.append((name.strip(), value.strip()))
        n = int(self.get("Content-Length"))
        self.block = rest[:n]
        assert len(self.block) == n, "%s@%d: short block" % (path, offset)
        assert rest[n:] == b"\r\n\r\n", (
            "%s@%d: a gzip member must hold exactly one record (after the "
            "block: %r)" % (path, offset, rest[n:n + 40]))
        self.type = self.get("WARC-Type")
        self.uri = self.get("WARC-Target-URI")
        self.id = self.get("WARC-Record-ID")
        self.http = None
        if self.type in ("request", "response", "revisit") and self.block:
            h, sep, body = self.block.partition(b"\r\n\r\n")
            assert sep, "%s@%d: no end of the HTTP head" % (path, offset)
            hl = h.split(b"\r\n")
            self.status_line = hl[0].decode("latin-1")
            self.http = []
            for line in hl[1:]:
                name, _, value = line.decode("latin-1").partition(":")
                self.http.append((name.strip(), value.strip()))
            self.body = body

    def get(self, name):
        for k, v in self.fields:
            if k.lower() == name.lower():
                return v
        return None

    def hget(self, name):
        vals = [v for k, v in self.http or [] if k.lower() == name.lower()]
        return vals[0] if vals else None

    def hall(self, name):
        return [v for k, v in self.http or [] if k.lower() == name.lower()]

    @property
    def status(self):
        return int(self.status_line.split()[1])

    def __repr__(self):
        return "<%s %s %s@%d>" % (self.type, self.uri,
                                  os.path.basename(self.file), self.offset)


def read_warc(path):
    """Every record of a .warc.gz, each its own gzip member; fails on a
    torn or trailing member."""
    with open(path, "rb") as f:
        data = f.read()
    records, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        raw = d.decompress(data[pos:])
        assert d.eof, "%s: torn gzip member at %d (file size %d)" % (
            path, pos, len(data))
        used = len(data) - pos - len(d.unused_data)
        records.append(Record(path, pos, used, raw))
        pos += used
    return records


def read_member(path, offset, length):
    """The one record at offset..offset+length (what a JSONL pointer says)."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    assert len(data) == length, "%s: %d+%d is past the end" % (path, offset,
                                                               length)
    d = zlib.decompressobj(31)
    raw = d.decompress(data)
    assert d.eof and not d.unused_data, (
        "%s: %d+%d is not exactly one gzip member" % (path, offset, length))
    return Record(path, offset, length, raw)


def by_type(records, t):
    return [r for r in records if r.type == t]


def one(records, t, uri):
    found = [r for r in records if r.type == t and r.uri == uri]
    assert len(found) == 1, "%d %s records for %s: %r" % (len(found), t, uri,
                                                         records)
    return found[0]


# --------------------------------------------------------------------------
# Serving and crawling

def response(status_line, headers=(), body=b"", length=True):
    head = status_line + b"\r\n"
    for h in headers:
        head += h + b"\r\n"
    if length:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


def html(links=(), text=b""):
    return (b"<!DOCTYPE html><html><body>" + text + b"".join(
        b"<a href='%s'>x</a>" % l.encode() for l in links) + b"</body></html>")


def page(links=(), text=b"", headers=()):
    return response(b"HTTP/1.1 200 OK",
                    [b"Content-Type: text/html", *headers], html(links, text))


NOT_FOUND = response(b"HTTP/1.1 404 Not Found", [b"Content-Type: text/plain"],
                     b"no such page")


def chunked(body, sizes):
    """Real chunked framing of `body`: chunks of `sizes` then the rest."""
    out, pos = b"", 0
    for n in list(sizes) + [len(body)]:
        piece = body[pos:pos + n]
        if not piece:
            continue
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
        pos += len(piece)
    return out + b"0\r\n\r\n"


def serve(table, delay=0.0):
    """A handler answering from {path or target: bytes}, 404 otherwise."""
    def handler(req, conn):
        if delay and not conn.sleep(delay):
            return
        data = table.get(req.target, table.get(req.path, NOT_FOUND))
        conn.send(data)
    return handler


def noise(n, seed):
    """n bytes of HTML-safe text that gzip cannot shrink much."""
    rnd = random.Random(seed)
    return base64.b64encode(rnd.randbytes(n))[:n]


def run(args, timeout=120, preexec_fn=None):
    start = time.monotonic()
    with subprocess.Popen([CRAWL, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, preexec_fn=preexec_fn) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise AssertionError("crawl %s did not end within %d s"
                                 % (" ".join(args), timeout))
    p.elapsed = time.monotonic() - start
    p.out = out
    p.err = err.decode("utf-8", "replace")
    return p


def jsonl(path_or_bytes):
    if isinstance(path_or_bytes, bytes):
        text = path_or_bytes.decode("utf-8")
    else:
        with open(path_or_bytes, encoding="utf-8") as f:
            text = f.read()
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def brotli_compress(data):
    """(bytes, how) or (None, why not)."""
    try:
        import brotli
        return brotli.compress(data), "python brotli"
    except ImportError:
        pass
    if shutil.which("brotli"):
        p = subprocess.run(["brotli", "-c"], input=data, capture_output=True)
        if p.returncode == 0:
            return p.stdout, "brotli CLI"
    for name in ("libbrotlienc.so.1", ctypes.util.find_library("brotlienc")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        f = lib.BrotliEncoderCompress
        f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_size_t,
                      ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t),
                      ctypes.c_char_p]
        f.restype = ctypes.c_int
        out = ctypes.create_string_buffer(len(data) + 1024)
        n = ctypes.c_size_t(len(out))
        if f(9, 22, 0, len(data), data, ctypes.byref(n), out):
            return out.raw[:n.value], "libbrotlienc (ctypes)"
    if shutil.which("node"):
        p = subprocess.run(["node", "-e",
                            "process.stdout.write(require('zlib')"
                            ".brotliCompressSync(require('fs').readFileSync(0)))"],
                           input=data, capture_output=True)
        if p.returncode == 0:
            return p.stdout, "node zlib"
    return None, "no brotli encoder (python module, CLI, libbrotlienc, node)"


def zstd_compress(data):
    try:
        p = subprocess.run(["zstd", "-q", "-c"], input=data,
                           capture_output=True, timeout=10)
        if p.returncode == 0:
            return p.stdout
    except (OSError, subprocess.TimeoutExpired):
        pass
    return None


class WarcCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="crawl-warc-test-")
        self.name = os.path.join(self.tmp, "crawl")
        self.out = os.path.join(self.tmp, "crawl.jsonl")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def crawl(self, seeds, *args, ok=True, timeout=120, **kw):
        if isinstance(seeds, str):
            seeds = [seeds]
        p = run([*seeds, "--warc-file", self.name, "-o", self.out, *QUICK,
                 *args], timeout=timeout, **kw)
        if ok:
            self.assertEqual(p.returncode, 0, p.err)
        return p

    def warc(self):
        return self.name + ".warc.gz"

    def records(self):
        return jsonl(self.out)

    def assert_pairs(self, records):
        """Every request has its response (or revisit) and the other way
        round, linked both ways by WARC-Concurrent-To, in the same file."""
        by_id = {r.id: r for r in records}
        for r in records:
            if r.type == "request":
                other = by_id.get(r.get("WARC-Concurrent-To"))
                self.assertIsNotNone(other, "request without response: %r" % r)
                self.assertIn(other.type, ("response", "revisit"))
                self.assertEqual(other.uri, r.uri)
                self.assertEqual(other.file, r.file)
                self.assertEqual(other.get("WARC-Concurrent-To"), r.id)
            elif r.type in ("response", "revisit"):
                other = by_id.get(r.get("WARC-Concurrent-To"))
                self.assertIsNotNone(other, "response without request: %r" % r)
                self.assertEqual(other.type, "request")

    def assert_pointers(self, recs, warc_records=None):
        """Each JSONL record's warc_file/offset/length is its response
        record, whole."""
        n = 0
        for rec in recs:
            if rec.get("warc_file") is None:
                self.assertIsNone(rec.get("warc_offset"), rec)
                self.assertIsNone(rec.get("warc_length"), rec)
                continue
            path = rec["warc_file"]
            if not os.path.isabs(path):
                path = os.path.join(os.path.dirname(self.name), path)
            r = read_member(path, rec["warc_offset"], rec["warc_length"])
            self.assertIn(r.type, ("response", "revisit"), rec)
            self.assertEqual(r.uri, rec["url"], rec)
            self.assertEqual(r.get("WARC-Payload-Digest"),
                             rec["payload_digest"], rec)
            self.assertEqual(r.status, rec["status"], rec)
            n += 1
        return n


# --------------------------------------------------------------------------

class ContentEncodings(WarcCase):
    """Issue: the response record is the HTTP response as received, content
    coding kept; the payload digest is over those bytes; the outlinks are
    the decoded page's."""

    def test_gzip_brotli_zstd_bodies_are_kept_as_sent(self):
        encoded, missing = {}, []
        for enc in ("gzip", "br", "zstd"):
            links = ["/t/%s-1" % enc, "t/%s-2" % enc, "/t/%s-3?q=1" % enc]
            plain = html(links, b"<p>" + b"words and more words " * 50 + b"</p>")
            if enc == "gzip":
                data = gzip.compress(plain)
            elif enc == "br":
                data, how = brotli_compress(plain)
                if data is None:
                    missing.append("br: " + how)
                    continue
            else:
                data = zstd_compress(plain)
                if data is None:
                    missing.append("zstd: no zstd CLI")
                    continue
            encoded[enc] = (plain, data, links)
        if missing:
            print("\n!!! SKIPPING ENCODINGS: %s !!!" % "; ".join(missing),
                  file=sys.stderr)
        table = {}
        for enc, (plain, data, links) in encoded.items():
            table["/enc/" + enc] = response(
                b"HTTP/1.1 200 OK",
                [b"Content-Type: text/html; charset=utf-8",
                 b"Content-Encoding: " + enc.encode(), b"Vary: Accept-Encoding"],
                data)
        with RawServer(serve(table)) as srv:
            self.crawl([srv.base + "/enc/" + e for e in encoded],
                       "--depth", "1", "--ignore-robots")
        summary = check([self.warc()])
        recs = {r["url"]: r for r in self.records()}
        records = read_warc(self.warc())
        self.assert_pairs(records)
        for enc, (plain, data, links) in encoded.items():
            url = srv.base + "/enc/" + enc
            r = one(records, "response", url)
            self.assertEqual(r.status_line, "HTTP/1.1 200 OK")
            self.assertEqual(r.hget("Content-Encoding"), enc)
            self.assertEqual(r.body, data, "%s: body is not the bytes sent" % enc)
            self.assertEqual(int(r.hget("Content-Length")), len(data))
            self.assertEqual(r.get("WARC-Payload-Digest"), sha1_b32(data), enc)
            self.assertNotEqual(sha1_b32(data), sha1_b32(plain))
            self.assertEqual(r.get("WARC-Block-Digest"), sha1_b32(r.block))
            self.assertEqual(recs[url]["payload_digest"], sha1_b32(data))
            self.assertEqual(recs[url]["outcome"], "fetched", recs[url])
            self.assertEqual(recs[url]["bytes"], len(plain), recs[url])
            m = one(records, "metadata", url)
            self.assertEqual(m.get("WARC-Refers-To"), r.id)
            self.assertEqual(m.get("Content-Type"), "application/warc-fields")
            outlinks = [l[len(b"outlink: "):].decode()
                        for l in m.block.split(b"\r\n") if l]
            self.assertTrue(all(l for l in outlinks), m.block)
            self.assertEqual(sorted(outlinks),
                             sorted(urllib.parse.urljoin(url, l) for l in links),
                             enc)
            # The targets were crawled too: 404s, with records of their own.
            for l in links:
                t = one(records, "response", urllib.parse.urljoin(url, l))
                self.assertEqual(t.status, 404)
        self.assertGreaterEqual(len(checker_entries(summary)), 4 * len(encoded))
        self.assertIn("gzip", encoded)


class Chunked(WarcCase):
    """Issue: chunked framing is removed; the header is renamed, a fresh
    Content-Length says the de-chunked length, the digest is over the
    de-chunked bytes."""

    def test_raw_chunked_bodies(self):
        plain = html(["/x"], b"<p>" + b"chunk me " * 300 + b"</p>")
        gz = gzip.compress(plain)
        ident = html([], b"identity " * 100)
        table = {
            "/chunked-gz": response(
                b"HTTP/1.1 200 OK",
                [b"Content-Type: text/html", b"Content-Encoding: gzip",
                 b"Transfer-Encoding: chunked"],
                chunked(gz, [10, 1, 300, 7]), length=False),
            "/chunked": response(
                b"HTTP/1.1 200 OK",
                [b"Content-Type: text/html", b"Transfer-Encoding: chunked"],
                chunked(ident, [0x1A, 0x100]), length=False),
        }
        with RawServer(serve(table)) as srv:
            self.crawl([srv.base + "/chunked-gz", srv.base + "/chunked"],
                       "--depth", "0", "--ignore-robots")
        check([self.warc()])
        records = read_warc(self.warc())
        self.assert_pairs(records)
        recs = {r["url"]: r for r in self.records()}
        for path, sent, framed in (("/chunked-gz", gz, table["/chunked-gz"]),
                                   ("/chunked", ident, table["/chunked"])):
            r = one(records, "response", srv.base + path)
            self.assertEqual(r.hall("X-Crawler-Transfer-Encoding"), ["chunked"])
            self.assertEqual(r.hall("Transfer-Encoding"), [], r.http)
            self.assertEqual(r.hall("Content-Length"), [str(len(sent))])
            self.assertEqual(r.body, sent, path)
            self.assertEqual(r.get("WARC-Payload-Digest"), sha1_b32(sent))
            framing = framed.partition(b"\r\n\r\n")[2]
            self.assertNotEqual(sha1_b32(framing), sha1_b32(sent))
            self.assertEqual(recs[srv.base + path]["payload_digest"],
                             sha1_b32(sent))
        self.assertEqual(one(records, "response",
                             srv.base + "/chunked-gz").hget("Content-Encoding"),
                         "gzip")

    def test_nginx_gzip_chunked_site(self):
        site = tempfile.mkdtemp(prefix="crawl-site-", dir=self.tmp)
        os.chmod(self.tmp, 0o755)
        os.chmod(site, 0o755)
        files = {}
        for i in range(12):
            body = ("<!DOCTYPE html><title>p%d</title><p>%s</p>" % (
                i, "gzip me please " * (20 + i)) + "".join(
                '<a href="p%d.html">x</a>' % ((i + k) % 12) for k in (1, 2)))
            files["p%d.html" % i] = body.encode()
            with open(os.path.join(site, "p%d.html" % i), "wb") as f:
                f.write(body.encode())
        ng = Nginx(site, server_extra="gzip on; gzip_types text/html; "
                                      "gzip_min_length 1;")
        try:
            self.crawl("http://127.0.0.1:%d/p0.html" % ng.port,
                       "--ignore-robots", "-c", "4", "--per-host", "4")
        finally:
            ng.stop()
        summary = check([self.warc()])
        records = read_warc(self.warc())
        self.assert_pairs(records)
        responses = by_type(records, "response")
        self.assertEqual(len(responses), 12, responses)
        for r in responses:
            name = r.uri.rsplit("/", 1)[1]
            self.assertEqual(r.status, 200)
            self.assertEqual(r.hget("Content-Encoding"), "gzip", r.http)
            self.assertEqual(r.hall("X-Crawler-Transfer-Encoding"), ["chunked"],
                             "nginx gzips chunked: %r" % r.http)
            self.assertEqual(int(r.hget("Content-Length")), len(r.body))
            self.assertEqual(gzip.decompress(r.body), files[name])
            self.assertEqual(r.get("WARC-Payload-Digest"), sha1_b32(r.body))
        self.assertEqual(self.assert_pointers(self.records()), 12)
        self.assertEqual(len(checker_entries(summary)), 12)


class Http2(WarcCase):
    """Issue: an HTTP/2 response is kept with an HTTP/1.1 status line and
    WARC-Protocol: h2."""

    def test_h2_over_tls(self):
        site = tempfile.mkdtemp(prefix="crawl-site-", dir=self.tmp)
        os.chmod(self.tmp, 0o755)
        os.chmod(site, 0o755)
        files = {}
        for i in range(6):
            body = ("<!DOCTYPE html><title>p</title>%s" % "".join(
                '<a href="p%d.html">x</a>' % ((i + k) % 6) for k in (1, 2))
                    + "text " * 50).encode()
            files["p%d.html" % i] = body
            with open(os.path.join(site, "p%d.html" % i), "wb") as f:
                f.write(body)

        def make_cert(d):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-keyout", d + "/key.pem", "-out", d + "/cert.pem"],
                           check=True, capture_output=True)
        ng = Nginx(site, listen="ssl http2", prepare=make_cert, server_extra="""
            ssl_certificate %(d)s/cert.pem; ssl_certificate_key %(d)s/key.pem;
            gzip on; gzip_types text/html; gzip_min_length 1;""")
        try:
            self.crawl("https://127.0.0.1:%d/p0.html" % ng.port, "-k",
                       "--ignore-robots")
            time.sleep(0.2)
            protocols = {e[1] for e in ng.entries()}
        finally:
            ng.stop()
        self.assertEqual(protocols, {"HTTP/2.0"})
        check([self.warc()])
        records = read_warc(self.warc())
        self.assert_pairs(records)
        responses = by_type(records, "response")
        self.assertEqual(len(responses), 6)
        for r in responses:
            self.assertEqual(r.get("WARC-Protocol"), "h2", r.fields)
            self.assertEqual(r.status_line, "HTTP/1.1 200 OK")
            body = r.body
            if r.hget("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            self.assertEqual(body, files[r.uri.rsplit("/", 1)[1]])
            self.assertEqual(r.get("WARC-Payload-Digest"), sha1_b32(r.body))
        for r in by_type(records, "request"):
            self.assertEqual(r.get("WARC-Protocol"), "h2", r.fields)
        self.assertEqual(self.assert_pointers(self.records()), 6)


class Truncation(WarcCase):
    """Issue: --max-body cuts the body: WARC-Truncated: length, the record
    still valid, the JSONL record says truncated."""

    def test_max_body(self):
        big = html([], noise(100 * 1024, 1))
        # Incompressible, so that the whole encoded body is far more than
        # what was read when the decoded body reached 1K.
        big_gz = gzip.compress(html([], noise(100 * 1024, 2)))
        table = {
            "/big": response(b"HTTP/1.1 200 OK", [b"Content-Type: text/html"],
                             big),
            "/big-gz": response(b"HTTP/1.1 200 OK",
                                [b"Content-Type: text/html",
                                 b"Content-Encoding: gzip"], big_gz),
            "/small": page([], b"small"),
        }
        with RawServer(serve(table)) as srv:
            self.crawl([srv.base + "/big", srv.base + "/big-gz",
                        srv.base + "/small"], "--depth", "0", "--ignore-robots",
                       "--max-body", "1K")
        summary = check([self.warc()])
        records = read_warc(self.warc())
        self.assert_pairs(records)
        recs = {r["url"]: r for r in self.records()}
        for path, sent in (("/big", big), ("/big-gz", big_gz)):
            url = srv.base + path
            r = one(records, "response", url)
            self.assertEqual(r.get("WARC-Truncated"), "length", r.fields)
            self.assertLess(len(r.body), len(sent))
            self.assertEqual(sent[:len(r.body)], r.body,
                             "%s: kept body is not a prefix of what was sent"
                             % path)
            self.assertEqual(r.get("WARC-Payload-Digest"), sha1_b32(r.body))
            self.assertTrue(recs[url]["truncated"], recs[url])
            self.assertEqual(recs[url]["payload_digest"], sha1_b32(r.body))
            entry = [e for e in checker_entries(summary) if e["uri"] == url]
            self.assertEqual(len(entry), 1)
            self.assertEqual(entry[0]["truncated"], "length", entry[0])
        r = one(records, "response", srv.base + "/small")
        self.assertIsNone(r.get("WARC-Truncated"))
        self.assertFalse(recs[srv.base + "/small"]["truncated"])
        self.assert_pointers(self.records())


class Dedup(WarcCase):
    """Issue: --warc-dedup writes a 200 whose payload was already archived
    as a revisit record that refers to the first."""

    SAME = 5

    def site(self):
        same = html([], b"the very same body " * 20)
        table = {"/": page(["/d/%d" % i for i in range(self.SAME)] + ["/other"])}
        for i in range(self.SAME):
            table["/d/%d" % i] = response(b"HTTP/1.1 200 OK",
                                          [b"Content-Type: text/html"], same)
        table["/other"] = page([], b"a different body")
        return table, same

    def test_revisits_refer_to_the_first(self):
        table, same = self.site()
        with RawServer(serve(table)) as srv:
            self.crawl(srv.base + "/", "--ignore-robots", "--warc-dedup")
        summary = check([self.warc()], expect_revisits=self.SAME - 1)
        records = read_warc(self.warc())
        self.assert_pairs(records)
        digest = sha1_b32(same)
        first = [r for r in records if r.type == "response"
                 and r.get("WARC-Payload-Digest") == digest]
        self.assertEqual(len(first), 1, first)
        first = first[0]
        revisits = by_type(records, "revisit")
        self.assertEqual(len(revisits), self.SAME - 1, revisits)
        self.assertEqual({r.uri for r in revisits} | {first.uri},
                         {srv.base + "/d/%d" % i for i in range(self.SAME)})
        for r in revisits:
            self.assertGreater(r.offset, first.offset)
            self.assertEqual(r.get("WARC-Payload-Digest"), digest)
            self.assertEqual(r.get("WARC-Refers-To-Target-URI"), first.uri)
            self.assertEqual(r.get("WARC-Refers-To-Date"), first.get("WARC-Date"))
            self.assertEqual(r.get("WARC-Refers-To"), first.id)
            self.assertEqual(r.get("WARC-Profile"),
                             "http://netpreserve.org/warc/1.1/revisit/"
                             "identical-payload-digest")
            self.assertEqual(r.status_line, "HTTP/1.1 200 OK")
            self.assertEqual(r.body, b"", "a revisit keeps the head only")
        self.assertEqual(summary["revisits"], self.SAME - 1)
        seen = [e for e in checker_entries(summary) if e["type"] == "revisit"]
        self.assertEqual(len(seen), self.SAME - 1)
        for e in seen:
            self.assertEqual(e["refers_to"], first.id, e)
            self.assertEqual(e["payload_digest"], digest, e)
        recs = self.records()
        self.assertEqual(self.assert_pointers(recs), self.SAME + 2)
        for rec in recs:
            if "/d/" in rec["url"]:
                self.assertEqual(rec["payload_digest"], digest)

    def test_simultaneous_duplicates_are_revisits_too(self):
        # Two fetches of one payload that end at the same moment on the
        # crawl's two HTTP threads: the second written must still be a
        # revisit (it was "already written" by the time it was). Seen
        # failing: s0 and s1, started 7 us apart, both full responses.
        n = 20
        site = tempfile.mkdtemp(prefix="crawl-site-", dir=self.tmp)
        os.chmod(self.tmp, 0o755)
        os.chmod(site, 0o755)
        for i in range(n):
            with open(os.path.join(site, "s%d.html" % i), "wb") as f:
                f.write(html([], b"same" * 100))
        with open(os.path.join(site, "big.html"), "wb") as f:
            f.write(html([], noise(100000, 5)))
        with open(os.path.join(site, "index.html"), "wb") as f:
            f.write(html(["/big.html"] + ["/s%d.html" % i for i in range(n)]))
        ng = Nginx(site, server_extra="gzip on; gzip_types text/html; "
                                      "gzip_min_length 1;")
        full = []
        try:
            for _ in range(12):
                self.crawl("http://127.0.0.1:%d/" % ng.port, "--ignore-robots",
                           "--warc-dedup", "-c", "8", "--per-host", "8",
                           "--max-body", "1K")
                records = read_warc(self.warc())
                full.append(sorted(r.uri.rsplit("/", 1)[1] for r in records
                                   if r.type == "response" and "/s" in r.uri))
                self.assertEqual(len(by_type(records, "revisit"))
                                 + len(full[-1]), n)
        finally:
            ng.stop()
        self.assertEqual([len(f) for f in full], [1] * len(full),
                         "full responses of one payload per run: %r" % full)

    def test_without_dedup_no_revisit(self):
        table, same = self.site()
        with RawServer(serve(table)) as srv:
            self.crawl(srv.base + "/", "--ignore-robots")
        check([self.warc()], expect_revisits=0)
        records = read_warc(self.warc())
        self.assertEqual(by_type(records, "revisit"), [])
        self.assertEqual(len([r for r in by_type(records, "response")
                              if r.get("WARC-Payload-Digest") == sha1_b32(same)]),
                         self.SAME)


class Rotation(WarcCase):
    """Issue: --warc-max-size rotates NAME-00000.warc.gz, ...; each file
    starts with warcinfo, exchanges stay whole in one file, a file passes
    the size only by its last exchange."""

    MAX = 20 * 1024

    def test_rotation(self):
        n = 50
        table = {}
        for i in range(n):
            table["/p%d" % i] = page(["/p%d" % j for j in (i + 1, i + 2) if j < n],
                                     noise(5 * 1024, i))
        with RawServer(serve(table)) as srv:
            self.crawl(srv.base + "/p0", "--ignore-robots", "--warc-max-size",
                       "20K", "--warc-cdx", "-c", "4", "--per-host", "4")
        self.assertFalse(os.path.exists(self.name + ".warc.gz"))
        files = sorted(glob.glob(self.name + "-*.warc.gz"))
        self.assertGreaterEqual(len(files), 5, files)
        self.assertEqual([os.path.basename(f) for f in files],
                         ["crawl-%05d.warc.gz" % i for i in range(len(files))])
        summary = check(files, cdxj=self.name + ".cdxj")
        everything = []
        for k, path in enumerate(files):
            records = read_warc(path)
            everything += records
            info = records[0]
            self.assertEqual(info.type, "warcinfo", path)
            self.assertEqual(info.offset, 0)
            self.assertEqual(info.get("WARC-Filename"), os.path.basename(path))
            self.assertEqual(len(by_type(records, "warcinfo")), 1, path)
            for r in records[1:]:
                self.assertEqual(r.get("WARC-Warcinfo-ID"), info.id, r)
            self.assert_pairs(records)  # pairs within the one file
            requests = by_type(records, "request")
            self.assertTrue(requests, path)
            size = os.path.getsize(path)
            for r in requests:
                self.assertLess(r.offset, self.MAX,
                                "%s: an exchange began at %d, past --warc-max-size"
                                % (path, r.offset))
            if k < len(files) - 1:
                self.assertGreaterEqual(size, self.MAX,
                                        "%s rotated before reaching the size"
                                        % path)
                # What follows its last request is that one exchange only.
                after = [r for r in records if r.offset > requests[-1].offset]
                self.assertLessEqual(len(after), 2, after)
        self.assertEqual(len(by_type(everything, "response")), n)
        recs = self.records()
        self.assertEqual(len(recs), n)
        self.assertEqual(self.assert_pointers(recs), n)
        self.assertEqual(len({r["warc_file"] for r in recs}), len(files))
        self.assertEqual(len(checker_entries(summary)), n)
        self.assertEqual(len(summary["files"]), len(files))
        for f, per in summary["files"].items():
            self.assertEqual(per["types"].get("warcinfo"), 1, (f, per))
            self.assertEqual(per["types"].get("request"),
                             per["types"].get("response"), (f, per))


class SpilledBodies(WarcCase):
    """Bodies over 256 KB are kept on disk and streamed into the WARC (a
    path of their own): still byte for byte, deduplicated, rotated and
    indexed like the rest."""

    def test_big_bodies(self):
        same = html([], noise(1 << 20, 3))
        chunky = {"/u%d" % i: html([], noise(700000, 10 + i)) for i in range(2)}
        table = {"/": page(["/s%d" % i for i in range(4)] + sorted(chunky))}
        for i in range(4):
            table["/s%d" % i] = response(b"HTTP/1.1 200 OK",
                                         [b"Content-Type: text/html"], same)
        for path, body in chunky.items():
            table[path] = response(b"HTTP/1.1 200 OK",
                                   [b"Content-Type: text/html",
                                    b"Transfer-Encoding: chunked"],
                                   chunked(body, [65536] * 20), length=False)
        with RawServer(serve(table)) as srv:
            self.crawl(srv.base + "/", "--ignore-robots", "--warc-dedup",
                       "--warc-max-size", "512K", "--warc-cdx")
        files = sorted(glob.glob(self.name + "-*.warc.gz"))
        summary = check(files, cdxj=self.name + ".cdxj", expect_revisits=3)
        self.assertEqual(summary["types"]["response"], 4, summary["types"])
        records = [r for f in files for r in read_warc(f)]
        self.assert_pairs(records)
        (first,) = [r for r in records if r.type == "response" and "/s" in r.uri]
        self.assertEqual(first.body, same)
        self.assertEqual(first.get("WARC-Payload-Digest"), sha1_b32(same))
        for path, body in chunky.items():
            r = one(records, "response", srv.base + path)
            self.assertEqual(r.hall("X-Crawler-Transfer-Encoding"), ["chunked"])
            self.assertEqual(r.hall("Content-Length"), [str(len(body))])
            self.assertEqual(r.body, body, path)
            self.assertEqual(r.get("WARC-Payload-Digest"), sha1_b32(body))
        self.assertEqual(self.assert_pointers(self.records()), 7)


class Cdx(WarcCase):
    """Issue: --warc-cdx writes NAME.cdxj as `warcio cdx-index` does,
    sorted."""

    def test_cdxj(self):
        table = {"/": page(["/a", "/b?x=1", "/redir", "/missing", "/Z"]),
                 "/a": page(["/"]), "/b?x=1": page([], b"b"), "/Z": page([]),
                 "/redir": response(b"HTTP/1.1 301 Moved",
                                    [b"Location: /a?from=redir"])}
        with RawServer(serve(table)) as srv:
            self.crawl(srv.base + "/", "--warc-cdx")
        cdxj = self.name + ".cdxj"
        check([self.warc()], cdxj=cdxj)
        with open(cdxj, "rb") as f:
            lines = f.read().splitlines()
        self.assertEqual(lines, sorted(lines))
        records = read_warc(self.warc())
        at = {r.offset: r for r in records}
        responses = [r for r in records if r.type in ("response", "revisit")]
        self.assertEqual(len(lines), len(responses))
        for line in lines:
            key, stamp, js = line.decode().split(" ", 2)
            d = json.loads(js)
            r = at[int(d["offset"])]
            self.assertEqual(r.uri, d["url"])
            self.assertEqual(int(d["length"]), r.length)
            self.assertEqual(d["filename"], "crawl.warc.gz")
            self.assertEqual(int(d["status"]), r.status)
            self.assertEqual("sha1:" + d["digest"], r.get("WARC-Payload-Digest"))


class Statuses(WarcCase):
    """Issue: robots.txt, redirects and error statuses are archived too."""

    def test_robots_redirect_404_500(self):
        table = {
            "/robots.txt": response(b"HTTP/1.1 200 OK",
                                    [b"Content-Type: text/plain"],
                                    b"User-agent: *\nDisallow: /private\n"),
            "/": page(["/moved", "/missing", "/boom", "/private/x"]),
            "/moved": response(b"HTTP/1.1 301 Moved Permanently",
                               [b"Location: /target", b"Content-Type: text/html"],
                               b"<a href='/target'>moved</a>"),
            "/target": page([], b"target"),
            "/boom": response(b"HTTP/1.1 500 Internal Server Error",
                              [b"Content-Type: text/plain"], b"boom"),
        }
        with RawServer(serve(table)) as srv:
            self.crawl(srv.base + "/")
            seen = srv.counts()
        self.assertEqual(seen["/private/x"], 0)
        summary = check([self.warc()])
        self.assertEqual(summary["types"]["request"], 6, summary["types"])
        self.assertEqual(summary["types"]["response"], 6, summary["types"])
        records = read_warc(self.warc())
        self.assert_pairs(records)
        for path, status in (("/robots.txt", 200), ("/", 200), ("/moved", 301),
                             ("/target", 200), ("/missing", 404),
                             ("/boom", 500)):
            url = srv.base + path
            req = one(records, "request", url)
            resp = one(records, "response", url)
            self.assertEqual(resp.status, status, path)
            self.assertEqual(req.get("WARC-Concurrent-To"), resp.id)
            self.assertTrue(req.status_line.startswith("GET %s HTTP/1.1" % path),
                            req.status_line)
            self.assertEqual(resp.body, table.get(path, NOT_FOUND)
                             .partition(b"\r\n\r\n")[2], path)
        self.assertEqual(one(records, "response", srv.base + "/moved")
                         .hget("Location"), "/target")
        self.assertEqual([r for r in records if "/private" in (r.uri or "")], [])
        self.assert_pointers(self.records())


    def test_sitemaps_are_archived(self):
        urlset = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/'
                  b'schemas/sitemap/0.9"><url><loc>BASE/from-sitemap</loc></url>'
                  b'</urlset>')
        table = {}

        def handler(req, conn):
            base = srv.base.encode()
            table.update({
                "/robots.txt": response(b"HTTP/1.1 200 OK",
                                        [b"Content-Type: text/plain"],
                                        b"User-agent: *\nSitemap: " + base
                                        + b"/sitemap.xml.gz\n"),
                "/sitemap.xml.gz": response(
                    b"HTTP/1.1 200 OK", [b"Content-Type: application/gzip"],
                    gzip.compress(urlset.replace(b"BASE", base))),
                "/": page([]), "/from-sitemap": page([])})
            conn.send(table.get(req.path, NOT_FOUND))
        with RawServer(handler) as srv:
            self.crawl(srv.base + "/", "--sitemaps")
        check([self.warc()])
        records = read_warc(self.warc())
        self.assert_pairs(records)
        for path in ("/robots.txt", "/sitemap.xml.gz", "/", "/from-sitemap"):
            one(records, "request", srv.base + path)
            r = one(records, "response", srv.base + path)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.body, table[path].partition(b"\r\n\r\n")[2], path)


def limit_file_size(limit):
    def f():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() gets EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return f


class FullDisk(WarcCase):
    """Issue: a failed write stops the crawl with exit code 3 and a clear
    message; the WARC ends on a whole record."""

    LIMIT = 30 * 1000

    def test_file_too_large(self):
        # 400 pages of 5 KB, each linking to the next 3, each answered after
        # 5 ms: the whole crawl takes well over a second; the WARC fails
        # after ~6 pages, and the crawl must stop long before the end.
        n = 400
        table = {"/p%d" % i: page(["/p%d" % j for j in range(i + 1, min(n, i + 4))],
                                  noise(5 * 1024, 100 + i)) for i in range(n)}
        with RawServer(serve(table, delay=0.005)) as srv:
            p = run([srv.base + "/p0", "--warc-file", self.name, *QUICK,
                     "--ignore-robots"], preexec_fn=limit_file_size(self.LIMIT))
            fetched = sum(srv.counts().values())
        self.assertEqual(p.returncode, 3, p.err)
        self.assertIn("crawl.warc.gz", p.err)
        self.assertIn("cannot write", p.err.lower())
        self.assertLess(fetched, n, "the crawl went on after the failure")
        size = os.path.getsize(self.warc())
        self.assertLessEqual(size, self.LIMIT)
        records = read_warc(self.warc())  # no torn member at the end
        self.assertGreater(len(records), 2)
        self.assert_pairs(records)
        self.assertIn(records[-1].type, ("response", "metadata"), records[-1])
        check([self.warc()])
        recs = jsonl(p.out)
        self.assertTrue(recs, "JSONL records were still written")
        self.assertGreater(self.assert_pointers(recs), 0)
        for rec in recs:
            if rec.get("warc_offset") is not None:
                self.assertLessEqual(rec["warc_offset"] + rec["warc_length"], size)


class Sigterm(WarcCase):
    """Issue: SIGTERM stops the crawl (exit 143); the files end on a whole
    record and the CDXJ is written."""

    def test_sigterm_mid_crawl(self):
        n = 600
        table = {"/p%d" % i: page(["/p%d" % j for j in range(i + 1, min(n, i + 8))],
                                  noise(2048, 1000 + i)) for i in range(n)}
        with RawServer(serve(table, delay=0.05)) as srv:
            proc = subprocess.Popen(
                [CRAWL, srv.base + "/p0", "--warc-file", self.name, "--warc-cdx",
                 "-o", self.out, *QUICK, "--ignore-robots", "-c", "8",
                 "--per-host", "8"], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
            time.sleep(1.0)
            self.assertIsNone(proc.poll(), "the crawl ended before SIGTERM")
            proc.send_signal(signal.SIGTERM)
            try:
                out, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise AssertionError("crawl did not stop within 30 s of SIGTERM")
            fetched = sum(srv.counts().values())
        self.assertEqual(proc.returncode, 143, err.decode("utf-8", "replace"))
        self.assertLess(fetched, n)
        cdxj = self.name + ".cdxj"
        self.assertTrue(os.path.exists(cdxj), "no CDXJ after SIGTERM")
        summary = check([self.warc()], cdxj=cdxj)
        records = read_warc(self.warc())
        self.assert_pairs(records)
        responses = by_type(records, "response")
        self.assertGreater(len(responses), 8)
        with open(cdxj, "rb") as f:
            self.assertEqual(len(f.read().splitlines()), len(responses))
        recs = self.records()
        self.assertEqual(self.assert_pointers(recs), len(responses))
        self.assertEqual(len(checker_entries(summary)), len(responses))


class JsonlFields(WarcCase):
    """Issue: each JSONL record says where its response is kept; a URL
    without a response has nulls."""

    def test_fields_match_the_checker(self):
        table = {"/": page(["/a", "/b", "/missing", "/moved"]),
                 "/a": page([], b"a"), "/b": page(["/a"], b"b"),
                 "/moved": response(b"HTTP/1.1 302 Found", [b"Location: /b"])}
        closed = "http://127.0.0.1:%d/" % free_port()
        with RawServer(serve(table)) as srv:
            self.crawl([srv.base + "/", closed], "--ignore-robots")
        summary = check([self.warc()])
        entries = checker_entries(summary)
        recs = self.records()
        by_url = {r["url"]: r for r in recs}
        refused = by_url[closed]
        self.assertEqual(refused["outcome"], "error", refused)
        self.assertIsNone(refused["status"])
        for key in ("warc_file", "warc_offset", "warc_length", "payload_digest"):
            self.assertIn(key, refused)
            self.assertIsNone(refused[key], key)
        with_response = [r for r in recs if r["status"] is not None]
        self.assertEqual(len(with_response), 5)
        self.assertEqual(len(entries), 5, entries)
        for rec in with_response:
            match = [e for e in entries
                     if e["uri"] == rec["url"] and int(e["offset"]) == rec["warc_offset"]]
            self.assertEqual(len(match), 1, (rec, entries))
            e = match[0]
            self.assertEqual(os.path.basename(e["file"]),
                             os.path.basename(rec["warc_file"]))
            self.assertEqual(int(e["length"]), rec["warc_length"])
            self.assertEqual(e["payload_digest"], rec["payload_digest"])
            self.assertEqual(int(e["status"]), rec["status"])
        self.assertEqual(self.assert_pointers(recs), 5)


if __name__ == "__main__":
    CRAWL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
