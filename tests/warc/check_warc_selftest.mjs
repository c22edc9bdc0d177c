#!/usr/bin/env node
// Proves tests/warc/check_warc.mjs can fail: builds small WARCs with warcio's
// WARCRecord.create + WARCSerializer, plus byte-level variants of them, and
// expects the checker to pass the good ones and to fail each bad one with the
// message that names its fault.
//
//   node tests/warc/check_warc_selftest.mjs [-v]
//
// Exit 0 when every expectation holds, 1 otherwise.
import { createHash, randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHECKER = path.join(HERE, "check_warc.mjs");
const WARCIO = path.join(HERE, "node_modules", "warcio");
const VERBOSE = process.argv.includes("-v");
if (!existsSync(path.join(WARCIO, "package.json"))) {
  process.stderr.write(`selftest: warcio is not installed in ${path.dirname(WARCIO)}: run scripts/deps.sh\n`);
  process.exit(2);
}
const { WARCRecord, WARCSerializer } = await import(path.join(WARCIO, "dist", "index.js"));

const W11 = "WARC/1.1";
const enc = new TextEncoder();
const tmp = mkdtempSync(path.join(os.tmpdir(), "check_warc_selftest-"));

function sha1b32(data) {
  const d = createHash("sha1").update(data).digest();
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "", bits = 0, v = 0;
  for (const b of d) {
    v = (v << 8) | b; bits += 8;
    while (bits >= 5) { out += A[(v >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits) out += A[(v << (5 - bits)) & 31];
  return "sha1:" + out;
}
const uuid = () => `<urn:uuid:${randomUUID()}>`;

// ---------------------------------------------------------------------------
// Records with warcio: each an uncompressed Buffer, gzipped one by one later.

async function make(opts, body) {
  if (opts.type === "warcinfo") {  // warcio digests no warcinfo; our writer does
    opts = { ...opts, warcHeaders: { ...opts.warcHeaders, "WARC-Block-Digest": sha1b32(body) } };
  }
  const record = WARCRecord.create({ warcVersion: W11, ...opts },
    body === undefined ? undefined : [enc.encode(body)]);
  const bytes = await WARCSerializer.serialize(record,
    { gzip: false, digest: { algo: "sha-1", prefix: "sha1:", base32: true } });
  return { buf: Buffer.from(bytes), record };
}

const D1 = "2024-05-06T07:08:09.123456Z";
const D2 = "2024-05-06T07:08:10.5Z";
const D3 = "2024-05-06T07:08:11Z";
const base = "http://example.com";
const ids = {};
for (const k of ["info", "reqA", "resA", "metaA", "reqB", "revB", "reqC", "resC",
  "reqD", "resD", "reqE", "resE", "reqT", "resT"]) ids[k] = uuid();

async function exchange(name, uri, date, resOpts, body, reqExtra = {}) {
  const reqId = ids["req" + name], resId = ids["res" + name] || ids["rev" + name];
  const req = await make({
    url: uri, date, type: "request", statusline: `GET ${new URL(uri).pathname} HTTP/1.1`,
    httpHeaders: { Host: "example.com", "User-Agent": "selftest" },
    warcHeaders: { "WARC-Record-ID": reqId, "WARC-Concurrent-To": resId, ...reqExtra },
  });
  const res = await make({
    url: uri, date, type: "response", ...resOpts,
    warcHeaders: { "WARC-Record-ID": resId, "WARC-Concurrent-To": reqId, ...(resOpts.warcHeaders || {}) },
  }, body);
  return [req, res];
}

const infoBlock = "software: selftest\r\nformat: WARC File Format 1.1\r\n";
const infoRec = await make({ type: "warcinfo", date: D1, filename: "good.warc.gz",
  warcHeaders: { "WARC-Record-ID": ids.info } }, infoBlock);

const bodyA = "<html><body>hello, <a href=/b>b</a></body></html>";
const [reqA, resA] = await exchange("A", base + "/a", D1, {
  httpHeaders: { "Content-Type": "text/html", "Content-Length": String(bodyA.length) },
}, bodyA);
const digestA = resA.record.warcPayloadDigest;
const metaBlock = `outlink: ${base}/b\r\n`;
const metaA = await make({ url: base + "/a", date: D1, type: "metadata",
  warcHeaders: { "WARC-Record-ID": ids.metaA, "WARC-Concurrent-To": ids.resA,
    "WARC-Refers-To": ids.resA } }, metaBlock);
// /b: the same payload again, a revisit of /a with the head only.
const reqB = await make({
  url: base + "/b", date: D2, type: "request", statusline: "GET /b HTTP/1.1",
  httpHeaders: { Host: "example.com" },
  warcHeaders: { "WARC-Record-ID": ids.reqB, "WARC-Concurrent-To": ids.revB },
});
const revB = await make({
  url: base + "/b", date: D2, type: "revisit", refersToUrl: base + "/a", refersToDate: D1,
  httpHeaders: { "Content-Type": "text/html", "Content-Length": String(bodyA.length) },
  warcHeaders: { "WARC-Record-ID": ids.revB, "WARC-Concurrent-To": ids.reqB,
    "WARC-Refers-To": ids.resA, "WARC-Payload-Digest": digestA },
});
// /c: recorded over h2, its status line written as HTTP/1.1.
const [reqC, resC] = await exchange("C", base + "/c", D2, {
  httpHeaders: { "content-type": "text/plain" }, warcHeaders: { "WARC-Protocol": "h2" },
}, "over h2", { "WARC-Protocol": "h2" });
// /d: chunked on the wire, kept de-chunked with the header renamed (our writer).
const bodyD = "de-chunked body";
const [reqD, resD] = await exchange("D", base + "/d", D3, {
  httpHeaders: { "Content-Type": "text/plain", "X-Crawler-Transfer-Encoding": "chunked" },
}, bodyD);
// /e: kept chunked, with the payload digest over the de-chunked bytes (right).
const bodyE = "chunked payload, kept chunked";
const chunkedE = `5\r\n${bodyE.slice(0, 5)}\r\n${(bodyE.length - 5).toString(16)};ext=1\r\n` +
  `${bodyE.slice(5)}\r\n0\r\nX-Trailer: t\r\n\r\n`;
const [reqE, resE] = await exchange("E", base + "/e", D3, {
  httpHeaders: { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" },
  warcHeaders: { "WARC-Payload-Digest": sha1b32(bodyE) },
}, chunkedE);
// /t: truncated at --max-size.
const [reqT, resT] = await exchange("T", base + "/t", D3, {
  httpHeaders: { "Content-Type": "text/plain", "Content-Length": "1000" },
  warcHeaders: { "WARC-Truncated": "length" },
}, "only the first bytes");

const good = [infoRec, reqA, resA, metaA, reqB, revB, reqC, resC, reqD, resD, reqE, resE,
  reqT, resT].map((r) => r.buf);
const at = (rec) => good.indexOf(rec.buf);

// ---------------------------------------------------------------------------
// Byte-level edits

const gz = (buf) => zlib.gzipSync(buf);
const pack = (records) => Buffer.concat(records.map(gz));
function write(name, bytes) {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  return file;
}
// Replaces text in a record (latin1, so bytes stay bytes); fails loudly if absent.
function edit(buf, from, to) {
  const s = buf.toString("latin1");
  if (!s.includes(from)) throw new Error(`selftest: ${JSON.stringify(from)} not in the record`);
  return Buffer.from(s.replace(from, to), "latin1");
}
function field(buf, name) {
  const m = new RegExp(`\r\n${name}: ([^\r]*)\r\n`, "i").exec(buf.toString("latin1"));
  if (!m) throw new Error(`selftest: no ${name}`);
  return m[1];
}
function setField(buf, name, value) {
  return edit(buf, `${name}: ${field(buf, name)}\r\n`, value === null ? "" : `${name}: ${value}\r\n`);
}
// A record's block replaced, Content-Length and block digest made right again.
function withBlock(buf, block, { fixDigest = true } = {}) {
  const s = buf.toString("latin1");
  const headEnd = s.indexOf("\r\n\r\n") + 4;
  let head = Buffer.from(s.slice(0, headEnd), "latin1");
  head = setField(head, "Content-Length", String(Buffer.byteLength(block, "latin1")));
  if (fixDigest) head = setField(head, "WARC-Block-Digest", sha1b32(Buffer.from(block, "latin1")));
  return Buffer.concat([head, Buffer.from(block, "latin1"), Buffer.from("\r\n\r\n")]);
}
const replaced = (i, buf) => good.map((b, j) => (j === i ? buf : b));

// ---------------------------------------------------------------------------
// The cases

function run(files, flags = []) {
  return spawnSync(process.execPath, [CHECKER, ...files, ...flags], { encoding: "utf8" });
}

let failures = 0, passes = 0;
function expect(name, files, flags, want) {
  const r = run(files, flags);
  let ok;
  if (want === null) ok = r.status === 0;
  else ok = r.status === 1 && want.every((rx) => rx.test(r.stderr));
  if (ok) passes++;
  else failures++;
  const tag = ok ? "ok  " : "FAIL";
  process.stdout.write(`${tag} ${name}\n`);
  if (!ok || VERBOSE) {
    const why = want === null ? "expected exit 0" : `expected exit 1 and ${want.map(String).join(" and ")}`;
    if (!ok) process.stdout.write(`     ${why}; got exit ${r.status}\n`);
    for (const line of r.stderr.trimEnd().split("\n")) process.stdout.write(`     | ${line}\n`);
  }
  return r;
}

const goodFile = write("good.warc.gz", pack(good));
expect("a good file passes", [goodFile], [], null);

// Its --json summary says what is in it.
{
  const r = run([goodFile], ["--json", "--expect-revisits", "1"]);
  let s = null;
  try { s = JSON.parse(r.stdout); } catch (e) { /* below */ }
  const resp = s && s.records.filter((e) => e.type === "response");
  const rev = s && s.records.find((e) => e.type === "revisit");
  const t = s && s.records.find((e) => e.uri === base + "/t");
  const checks = s && [
    ["exit 0", r.status === 0],
    ["types", JSON.stringify(s.types) === JSON.stringify(
      { warcinfo: 1, request: 6, response: 5, metadata: 1, revisit: 1 })],
    ["files", s.files[goodFile] && s.files[goodFile].records === good.length],
    ["revisits", s.revisits === 1],
    ["responses", resp.length === 5 && resp.every((e) => e.status === 200 && e.file === goodFile)],
    ["offsets", s.records.every((e) => e.offset > 0 && e.length > 0)],
    ["revisit digest", rev && rev.payload_digest === digestA && rev.uri === base + "/b"],
    ["digests", resp.find((e) => e.uri === base + "/e").payload_digest === sha1b32(bodyE)],
    ["truncated", t && t.truncated === "length" &&
      resp.filter((e) => e.truncated === null).length === 4],
  ];
  const bad = checks ? checks.filter(([, v]) => !v).map(([k]) => k) : ["parse --json"];
  if (bad.length) {
    failures++;
    process.stdout.write(`FAIL --json summary: ${bad.join(", ")}\n${r.stdout}\n${r.stderr}\n`);
  } else {
    passes++;
    process.stdout.write("ok   --json summary of the good file\n");
  }
}
expect("--expect-revisits 2 on a file with 1", [goodFile], ["--expect-revisits", "2"],
  [/1 revisit records, expected 2/]);

// CDXJ: warcio's own index, sorted, passes; one line changed fails.
{
  const cli = path.join(WARCIO, "dist", "cli.js");
  const r = spawnSync(process.execPath, [cli, "cdx-index", "good.warc.gz"], { cwd: tmp });
  const lines = r.stdout.toString().split("\n").filter(Boolean).map((l) => Buffer.from(l));
  lines.sort(Buffer.compare);
  const cdxj = Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\n")]));
  const goodCdxj = write("good.cdxj", cdxj);
  expect("the good file with its CDXJ passes", [goodFile], ["--cdxj", goodCdxj], null);
  const changed = cdxj.toString().replace(/"status":"200"/, '"status":"203"');
  expect("a CDXJ line that differs", [goodFile], ["--cdxj", write("bad.cdxj", changed)],
    [/bad\.cdxj:1: differs from warcio cdx-index/, /ours: .*"status":"203"/, /warcio: .*"status":"200"/]);
  expect("a CDXJ with a line missing", [goodFile],
    ["--cdxj", write("short.cdxj", cdxj.toString().split("\n").slice(1).join("\n"))],
    [/short\.cdxj:\d+: differs from warcio cdx-index/]);
  const unsorted = cdxj.toString().split("\n").filter(Boolean).reverse().join("\n") + "\n";
  expect("a CDXJ not in byte order", [goodFile], ["--cdxj", write("unsorted.cdxj", unsorted)],
    [/unsorted\.cdxj:1: differs/]);
}

const iA = at(resA);
expect("a wrong block digest",
  [write("block-digest.warc.gz", pack(replaced(iA, setField(resA.buf, "WARC-Block-Digest", sha1b32("x")))))],
  [], [new RegExp(`block-digest\\.warc\\.gz@\\d+ ${ids.resA}: WARC-Block-Digest ${sha1b32("x")} but the block's is`)]);

expect("a wrong payload digest",
  [write("payload-digest.warc.gz", pack(replaced(iA, setField(resA.buf, "WARC-Payload-Digest", sha1b32("x")))))],
  [], [new RegExp(`${ids.resA}: WARC-Payload-Digest ${sha1b32("x")} but the payload's is ${digestA}`)]);

{
  // The classic bug, as warcio's own serializer makes it: chunked bytes hashed.
  const [, res] = await exchange("E", base + "/e", D3, {
    httpHeaders: { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" },
  }, chunkedE);
  if (res.record.warcPayloadDigest !== sha1b32(chunkedE)) throw new Error("selftest: warcio hashed differently");
  expect("a payload digest over the chunked bytes",
    [write("chunked-digest.warc.gz", pack(replaced(at(resE), res.buf)))], [],
    [new RegExp(`${ids.resE}: WARC-Payload-Digest ${sha1b32(chunkedE)} but the payload's is ` +
      `${sha1b32(bodyE)} \\(the digest is over the chunked bytes`)]);
}

{
  const members = good.map(gz);
  const two = zlib.gzipSync(Buffer.concat([reqA.buf, resA.buf]));
  members.splice(at(reqA), 2, two);
  expect("two records in one gzip member",
    [write("two-in-one.warc.gz", Buffer.concat(members))], [],
    [new RegExp(`two-in-one\\.warc\\.gz@\\d+ ${ids.reqA}: 2 records in one gzip member`),
      /warcio reads \d+ records, the file has \d+ gzip members/]);
}

expect("a response without its request",
  [write("no-request.warc.gz", pack(good.filter((b) => b !== reqA.buf)))], [],
  [new RegExp(`${ids.resA}: a response without a request record`)]);

{
  const other = await make({ url: base + "/other", date: D1, type: "request",
    statusline: "GET /other HTTP/1.1", httpHeaders: { Host: "example.com" },
    warcHeaders: { "WARC-Record-ID": ids.reqA, "WARC-Concurrent-To": ids.resA } });
  expect("a response whose request has another URI",
    [write("request-uri.warc.gz", pack(replaced(at(reqA), other.buf)))], [],
    [new RegExp(`${ids.resA}: the request linked by WARC-Concurrent-To .* has WARC-Target-URI ${base}/other`)]);
}

expect("a request and response in different files",
  [write("split-1.warc.gz", pack(good.slice(0, at(resA)))),
    write("split-2.warc.gz", pack([setField(infoRec.buf, "WARC-Record-ID", uuid()),
      ...good.slice(at(resA))]))],
  [], [new RegExp(`split-2\\.warc\\.gz@\\d+ ${ids.resA}: a response without a request record`)]);

const iRev = at(revB);
expect("a revisit whose WARC-Refers-To is nothing",
  [write("revisit-nothing.warc.gz", pack(replaced(iRev, setField(revB.buf, "WARC-Refers-To", uuid()))))],
  [], [new RegExp(`${ids.revB}: a revisit whose WARC-Refers-To <urn:uuid:[^>]+> is no earlier record`)]);

expect("a revisit without WARC-Refers-To pointing at nothing",
  [write("revisit-nothing2.warc.gz", pack(replaced(iRev,
    setField(setField(revB.buf, "WARC-Refers-To", null), "WARC-Refers-To-Date", D3))))],
  [], [new RegExp(`${ids.revB}: a revisit pointing at nothing: no earlier response for ${base}/a at ${D3}`)]);

expect("a revisit of a later response",
  [write("revisit-later.warc.gz", pack(good.map((b, j) =>
    (j === iA ? revB.buf : j === iRev ? resA.buf : b))))],
  [], [new RegExp(`${ids.revB}: a revisit whose WARC-Refers-To ${ids.resA} is no earlier record`)]);

expect("a revisit whose digest is not its original's",
  [write("revisit-digest.warc.gz", pack(replaced(iRev, setField(revB.buf, "WARC-Payload-Digest", sha1b32("y")))))],
  [], [new RegExp(`${ids.revB}: a revisit with WARC-Payload-Digest ${sha1b32("y")}, but its original .* has ${digestA}`)]);

expect("a revisit whose Refers-To-Date is not its original's",
  [write("revisit-date.warc.gz", pack(replaced(iRev, setField(revB.buf, "WARC-Refers-To-Date", D2))))],
  [], [new RegExp(`${ids.revB}: a revisit whose original .* has Date ${D1.replace(/\./g, "\\.")} \\(not ${D2.replace(/\./g, "\\.")}\\)`)]);

expect("a revisit with a body",
  [write("revisit-body.warc.gz", pack(replaced(iRev, withBlock(revB.buf,
    revB.buf.toString("latin1").split("\r\n\r\n")[1] + "\r\n\r\n" + bodyA))))],
  [], [new RegExp(`${ids.revB}: a revisit with ${bodyA.length} bytes of HTTP body`)]);

expect("a revisit without WARC-Profile",
  [write("revisit-profile.warc.gz", pack(replaced(iRev, setField(revB.buf, "WARC-Profile", null))))],
  [], [new RegExp(`${ids.revB}: a revisit with WARC-Profile null`)]);

{
  const cl = Number(field(resA.buf, "Content-Length"));
  expect("a Content-Length one too large",
    [write("content-length.warc.gz", pack(replaced(iA, setField(resA.buf, "Content-Length", String(cl + 1)))))],
    [], [new RegExp(`${ids.resA}: Content-Length ${cl + 1} but the block is ${cl} bytes`)]);
  expect("a Content-Length one too small",
    [write("content-length2.warc.gz", pack(replaced(iA, setField(resA.buf, "Content-Length", String(cl - 1)))))],
    [], [new RegExp(`${ids.resA}: Content-Length ${cl - 1} but the block is ${cl} bytes`)]);
}

{
  const whole = pack(good);
  expect("a torn tail (the last member cut short)",
    [write("torn.warc.gz", whole.subarray(0, whole.length - 10))], [],
    [/torn\.warc\.gz@\d+: torn tail/]);
  expect("a torn tail (only a gzip header after the last member)",
    [write("torn2.warc.gz", Buffer.concat([whole, gz(good[1]).subarray(0, 12)]))], [],
    [/torn2\.warc\.gz@\d+: torn tail/]);
  expect("garbage after the last member",
    [write("garbage.warc.gz", Buffer.concat([whole, Buffer.from("\r\n")]))], [],
    [/garbage\.warc\.gz@\d+: 2 bytes after the last gzip member are not gzip/]);
  const last = gz(good[good.length - 1]);
  last[last.length - 6] ^= 1;  // CRC-32
  expect("a bad gzip CRC",
    [write("crc.warc.gz", Buffer.concat([pack(good.slice(0, -1)), last]))], [],
    [/crc\.warc\.gz@\d+: the gzip member's CRC-32 does not match/]);
  expect("an uncompressed WARC",
    [write("plain.warc", Buffer.concat(good))], [], [/plain\.warc@0: not a gzip member/]);
}

expect("a record cut short inside its member",
  [write("short-record.warc.gz", pack(replaced(iA, resA.buf.subarray(0, resA.buf.length - 4))))],
  [], [new RegExp(`${ids.resA}: the record does not end with CRLFCRLF`)]);

expect("WARC/1.0",
  [write("warc10.warc.gz", pack(replaced(iA, edit(resA.buf, "WARC/1.1\r\n", "WARC/1.0\r\n"))))],
  [], [new RegExp(`${ids.resA}: WARC-Version "WARC/1.0", not WARC/1.1`)]);

expect("no warcinfo first",
  [write("no-warcinfo.warc.gz", pack(good.slice(1)))], [],
  [/no-warcinfo\.warc\.gz@0 \S+: the file does not begin with a warcinfo record/]);

expect("a record id that is no urn:uuid",
  [write("bad-id.warc.gz", pack(replaced(at(metaA), setField(metaA.buf, "WARC-Record-ID", "<urn:x:1>"))))],
  [], [/WARC-Record-ID "<urn:x:1>" is not <urn:uuid:...>/]);

expect("a record id twice",
  [write("dup-id.warc.gz", pack(replaced(at(metaA), setField(metaA.buf, "WARC-Record-ID", ids.reqA))))],
  [], [new RegExp(`${ids.reqA}: WARC-Record-ID again \\(first at .*dup-id\\.warc\\.gz@\\d+\\)`)]);

expect("a record id twice across files", [goodFile, write("again.warc.gz", pack(good))], [],
  [new RegExp(`again\\.warc\\.gz@0 ${ids.info}: WARC-Record-ID again \\(first at .*good\\.warc\\.gz@0\\)`)]);

expect("no WARC-Date",
  [write("no-date.warc.gz", pack(replaced(iA, setField(resA.buf, "WARC-Date", null))))],
  [], [new RegExp(`${ids.resA}: no WARC-Date`)]);

expect("no WARC-Type",
  [write("no-type.warc.gz", pack(replaced(at(metaA), setField(metaA.buf, "WARC-Type", null))))],
  [], [new RegExp(`${ids.metaA}: no WARC-Type`)]);

expect("angle brackets around WARC-Target-URI",
  [write("brackets.warc.gz", pack(good.map((b, j) =>
    (j === iA || j === at(reqA) ? setField(b, "WARC-Target-URI", `<${base}/a>`) : b))))],
  [], [new RegExp(`${ids.resA}: WARC-Target-URI <${base}/a> has angle brackets`)]);

expect("a bad WARC-Truncated",
  [write("truncated.warc.gz", pack(replaced(at(resT), setField(resT.buf, "WARC-Truncated", "maxsize"))))],
  [], [new RegExp(`${ids.resT}: WARC-Truncated "maxsize" is none of length, size, time, disconnect, unspecified`)]);

{
  const s = resC.buf.toString("latin1");
  const block = s.slice(s.indexOf("\r\n\r\n") + 4, s.length - 4).replace("HTTP/1.1 200 OK", "HTTP/2 200");
  expect("h2 with an HTTP/2 status line",
    [write("h2.warc.gz", pack(replaced(at(resC), withBlock(resC.buf, block))))], [],
    [new RegExp(`${ids.resC}: WARC-Protocol h2 but the status line is "HTTP/2 200", not HTTP/1.1`)]);
}

{
  // Chunked but broken: the checker must not quietly hash it.
  const s = resE.buf.toString("latin1");
  const head = s.slice(s.indexOf("\r\n\r\n") + 4).split("\r\n\r\n")[0] + "\r\n\r\n";
  expect("Transfer-Encoding chunked over a body that is not chunked",
    [write("bad-chunks.warc.gz", pack(replaced(at(resE), withBlock(resE.buf, head + bodyE))))], [],
    [new RegExp(`${ids.resE}: Transfer-Encoding chunked, but a chunk size line without CRLF`)]);
}

expect("metadata concurrent to a request",
  [write("metadata.warc.gz", pack(replaced(at(metaA), setField(metaA.buf, "WARC-Concurrent-To", ids.reqA))))],
  [], [new RegExp(`${ids.metaA}: WARC-Concurrent-To ${ids.reqA} is a request record, not a response`)]);

expect("metadata concurrent to nothing",
  [write("metadata2.warc.gz", pack(replaced(at(metaA), setField(metaA.buf, "WARC-Concurrent-To", uuid()))))],
  [], [new RegExp(`${ids.metaA}: WARC-Concurrent-To <urn:uuid:[^>]+> is no record in these files`)]);

expect("a block digest over nothing (missing)",
  [write("no-block-digest.warc.gz", pack(replaced(at(infoRec), setField(infoRec.buf, "WARC-Block-Digest", null))))],
  [], [new RegExp(`${ids.info}: no WARC-Block-Digest`)]);

expect("a file that is not there", [path.join(tmp, "missing.warc.gz")], [], [/cannot read/]);

rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`${failures ? "FAILED" : "OK"}: ${passes} expectations held, ${failures} did not\n`);
process.exit(failures ? 1 : 0);
