"""A raw-socket HTTP test server: the test writes every byte of the response.

For tests of what a client does with responses no well-behaved server sends
(bad status lines, lying lengths, cut-off bodies, unsolicited responses). It
parses requests itself (tolerantly), logs them, and hands each one to a
handler the test provides; nothing is written unless the handler writes it.

    def handler(req, conn):
        conn.send(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nhi")
        # return: keep-alive, the next request on this connection is read;
        # conn.close() (or conn.reset()) instead ends the connection.

    with RawServer(handler) as srv:          # 127.0.0.1, a port the OS picks
        ...  crawl srv.base + "/x" ...       # srv.port, srv.base
        srv.counts()["/x"]                   # requests per path
        srv.requests("/x")[0].headers        # what was asked, and how

RawServer(handler, conn_seconds=30, idle_seconds=10)  serves from here on
  .port, .base ("http://127.0.0.1:PORT")
  .log            every Request, in arrival order (read it under .lock, or
                  through the helpers below, which copy)
  .counts()       collections.Counter: path -> number of requests
  .requests(path) the Requests for that path (None: all)
  .errors         tracebacks of handlers that raised (a broken pipe or a
                  reset from the client is not an error)
  .connections    connections accepted so far
  .close()        stops accepting, ends every connection, joins the threads
                  (at most a few seconds); also on leaving the `with`.
Request (one parsed request head):
  .time (time.monotonic()), .method, .target (as sent), .path (target
  without query), .version, .headers [(name, value)], .header(name) -> the
  first value or None, .raw (the head's bytes), .conn (connection id, from
  1), .index (request number on that connection, from 1)
Connection (the handler's `conn`):
  .send(bytes) -> False once the peer is gone; .sleep(seconds) -> False if
  the server is closing or the connection's time is up (return then);
  .request_waiting(seconds=0) -> whether the client has sent bytes (or
  closed) that no handler has read yet: the next request (waits up to
  `seconds` for them);
  .send_later(seconds, bytes) -> "sent" | "skipped" | "raced": unsolicited
  bytes (a response nobody asked for), sent `seconds` from now only if the
  connection is still idle then ("skipped" if a request came first: the
  bytes would merely be its answer); "raced" if a request arrived within
  5 ms after them (sent before the client could see them: the client is not
  to blame if it takes them for the answer), and the connection is then
  closed unanswered, so that one stray response cannot shift the rest;
  .close() ends it now, gracefully: FIN, then unread input is drained (up
  to 1 s) so that no RST destroys bytes the client has not read yet; a
  handler that calls it last is "close after this response";
  .reset() ends it with an RST; .closed; .id; .index (requests read so
  far); .server.

Bounds: every connection ends within `conn_seconds` of its accept, or after
`idle_seconds` without a request; a request head over 64 KB ends it. The
handler runs on the connection's thread; sleep() is the way to wait.
"""

import collections
import re
import select
import socket
import struct
import threading
import time
import traceback

MAX_HEAD = 64 * 1024


class Request:
    __slots__ = ("time", "method", "target", "path", "version", "headers",
                 "raw", "conn", "index")

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def __repr__(self):
        return "<Request %s %s conn=%d #%d>" % (self.method, self.target,
                                                self.conn, self.index)


def parse_head(raw, conn_id, index):
    """Parses a request head (any line endings, junk tolerated)."""
    lines = re.split(rb"\r?\n", raw.rstrip(b"\r\n"))
    first = lines[0].decode("latin-1").split()
    req = Request()
    req.time = time.monotonic()
    req.method = first[0] if first else ""
    req.target = first[1] if len(first) > 1 else ""
    req.version = first[2] if len(first) > 2 else ""
    req.path = req.target.split("?", 1)[0].split("#", 1)[0]
    req.headers = []
    for line in lines[1:]:
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            req.headers.append((name.strip(), value.strip()))
    req.raw = raw
    req.conn = conn_id
    req.index = index
    return req


class Connection:
    def __init__(self, server, sock, conn_id):
        self.server = server
        self.sock = sock
        self.id = conn_id
        self.index = 0
        self.inbuf = b""  # read, but not yet parsed
        self.closed = False
        self.deadline = time.monotonic() + server.conn_seconds

    def time_left(self):
        return self.deadline - time.monotonic()

    def send(self, data):
        if self.closed:
            return False
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.closed = True
            return False

    def sleep(self, seconds):
        seconds = min(seconds, max(0.0, self.time_left()))
        if self.server.stopping.wait(seconds):
            return False
        return self.time_left() > 0 and not self.closed

    def request_waiting(self, seconds=0.0):
        if self.inbuf:
            return True
        end = time.monotonic() + min(seconds, max(0.0, self.time_left()))
        while not self.closed and not self.server.stopping.is_set():
            left = max(0.0, end - time.monotonic())
            try:
                ready, _, _ = select.select([self.sock], [], [], min(left, 0.25))
            except (OSError, ValueError):
                return True
            if ready:
                return True
            if left <= 0:
                return False
        return False

    def send_later(self, seconds, data, race_window=0.005):
        if self.request_waiting(seconds):
            return "skipped"
        self.send(data)
        if self.request_waiting(race_window):
            self.close()
            return "raced"
        return "sent"

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_WR)
            # Drain what the client still sends for up to 1 s (or until it
            # closes): closing with unread input would send an RST, which
            # can destroy response bytes the client has not read yet.
            end = time.monotonic() + 1.0
            while time.monotonic() < end and not self.server.stopping.is_set():
                self.sock.settimeout(0.1)
                try:
                    if not self.sock.recv(65536):
                        break
                except socket.timeout:
                    continue
        except OSError:
            pass
        self._release()

    def reset(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
        except OSError:
            pass
        self._release()

    def _release(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def read_head(self):
        """The next request's head (the rest stays in inbuf), or None."""
        buf = self.inbuf
        idle_end = time.monotonic() + self.server.idle_seconds
        while True:
            buf = buf.lstrip(b"\r\n")  # stray CRLFs between requests are ok
            m = re.search(rb"\r?\n\r?\n", buf)
            if m:
                self.inbuf = buf[m.end():]
                return buf[:m.end()]
            self.inbuf = buf
            if len(buf) > MAX_HEAD or self.closed:
                return None
            now = time.monotonic()
            left = min(self.deadline, idle_end) - now
            if left <= 0 or self.server.stopping.is_set():
                return None
            self.sock.settimeout(min(left, 0.25))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return None
            if not data:
                return None
            buf += data


class RawServer:
    def __init__(self, handler, conn_seconds=30.0, idle_seconds=10.0):
        self.handler = handler
        self.conn_seconds = conn_seconds
        self.idle_seconds = idle_seconds
        self.lock = threading.Lock()
        self.log = []
        self.errors = []
        self.connections = 0
        self.stopping = threading.Event()
        self._live = set()
        self._threads = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    # --- the log ---
    def counts(self):
        with self.lock:
            return collections.Counter(r.path for r in self.log)

    def requests(self, path=None):
        with self.lock:
            return [r for r in self.log if path is None or r.path == path]

    # --- life ---
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.stopping.set()
        self._acceptor.join(2)
        try:
            self._listener.close()
        except OSError:
            pass
        with self.lock:
            live = list(self._live)
            threads = list(self._threads)
        for conn in live:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        end = time.monotonic() + 5
        for t in threads:
            t.join(max(0.0, end - time.monotonic()))

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                conn = Connection(self, sock, self.connections)
                self._live.add(conn)
                t = threading.Thread(target=self._serve, args=(conn,),
                                     daemon=True)
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)
            t.start()

    def _serve(self, conn):
        try:
            while not conn.closed and not self.stopping.is_set():
                head = conn.read_head()
                if head is None:
                    break
                conn.index += 1
                req = parse_head(head, conn.id, conn.index)
                n = req.header("Content-Length")
                if n and n.isdigit():  # a request body: skip it (bounded)
                    conn.inbuf = conn.inbuf[int(n):]
                with self.lock:
                    self.log.append(req)
                try:
                    self.handler(req, conn)
                except (BrokenPipeError, ConnectionResetError):
                    break
                except Exception:
                    with self.lock:
                        self.errors.append(traceback.format_exc())
                    break
        finally:
            conn.close() if not self.stopping.is_set() else conn.reset()
            with self.lock:
                self._live.discard(conn)
