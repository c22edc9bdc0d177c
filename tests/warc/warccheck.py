"""Python end of tests/warc/check_warc.mjs (npm warcio checks our WARCs).

    import warccheck
    summary = warccheck.check(["crawl.warc.gz"], cdxj="crawl.cdxj",
                              expect_revisits=2)

check() runs the node script with --json and returns its summary:

    {"ok": true,
     "files": {FILE: {"records": N, "types": {TYPE: N}, "size": BYTES}},
     "types": {TYPE: N},           # over all files
     "revisits": N,
     "records": [                  # responses and revisits, in file order
       {"type", "uri", "status", "offset", "length", "file",
        "payload_digest", "truncated", "id", "date", "refers_to"?}],
     "problems": []}

On any problem it raises AssertionError carrying the checker's stderr (one
line per problem: FILE@OFFSET <record-id>: what). warcio must be installed
in tests/warc/node_modules: scripts/deps.sh does that."""
import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "check_warc.mjs")
WARCIO = os.path.join(HERE, "node_modules", "warcio", "package.json")


def node():
    exe = shutil.which("node") or shutil.which("nodejs")
    if exe is None:
        raise AssertionError("node is not installed: run scripts/deps.sh")
    return exe


def installed():
    """Whether node and warcio are there (for tests that would rather skip)."""
    return (shutil.which("node") or shutil.which("nodejs")) is not None \
        and os.path.exists(WARCIO)


def check(files, cdxj=None, expect_revisits=None, timeout=600):
    if isinstance(files, (str, bytes, os.PathLike)):
        files = [files]
    files = [os.fspath(f) for f in files]
    if not files:
        raise AssertionError("warccheck.check: no WARC file given")
    exe = node()
    if not os.path.exists(WARCIO):
        raise AssertionError("warcio is not installed in %s: run scripts/deps.sh"
                             % os.path.dirname(os.path.dirname(WARCIO)))
    cmd = [exe, SCRIPT, *files, "--json"]
    if cdxj is not None:
        cmd += ["--cdxj", os.fspath(cdxj)]
    if expect_revisits is not None:
        cmd += ["--expect-revisits", str(int(expect_revisits))]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("check_warc.mjs failed (exit %d) on %s:\n%s"
                             % (p.returncode, " ".join(files),
                                p.stderr.rstrip() or p.stdout.rstrip()))
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise AssertionError("check_warc.mjs printed no JSON summary (%s):\n%s%s"
                             % (e, p.stdout, p.stderr))
