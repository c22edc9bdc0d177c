"""nginx from Debian on a free 127.0.0.1 port, for tests and benchmarks.

Each instance has a temp dir of its own (config, logs, pid), runs in the
foreground as a child process, and is stopped by stop()."""
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nginx:
    """nginx on a free 127.0.0.1 port, in a temp dir of its own. `listen`
    extras (e.g. "ssl http2") and extra server directives are optional."""

    def __init__(self, root, listen="", server_extra="", prepare=None):
        self.dir = tempfile.mkdtemp(prefix="crawl-nginx-")
        self.port = free_port()
        if prepare:
            prepare(self.dir)
        self.log = os.path.join(self.dir, "access.log")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
worker_processes 1;
daemon off;
error_log %(d)s/error.log;
pid %(d)s/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  log_format plain '$connection $server_protocol $request_uri $status';
  access_log %(d)s/access.log plain;
  client_body_temp_path %(d)s; proxy_temp_path %(d)s;
  fastcgi_temp_path %(d)s; uwsgi_temp_path %(d)s; scgi_temp_path %(d)s;
  server { listen 127.0.0.1:%(port)d %(listen)s; root %(root)s; %(extra)s }
}
""" % {"d": self.dir, "port": self.port, "root": root, "listen": listen,
       "extra": server_extra % {"d": self.dir}})
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir],
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def entries(self):
        """(connection, protocol, uri, status) per request."""
        with open(self.log) as f:
            return [tuple(line.split(" ")) for line in f.read().splitlines()]

    def requests(self):
        return [e[2] for e in self.entries()]

    def reset_log(self):
        open(self.log, "w").close()
        os.kill(self.proc.pid, 10)  # SIGUSR1: reopen the log
        time.sleep(0.2)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
