#!/usr/bin/env node
// An independent check of the WARC files crawl writes, on webrecorder's npm
// warcio (pinned by tests/warc/package-lock.json; scripts/deps.sh installs it
// into tests/warc/node_modules).
//
//   node tests/warc/check_warc.mjs FILE.warc.gz... [--cdxj FILE.cdxj]
//        [--expect-revisits N] [--json]
//
// Each file is read twice: member by member with node's zlib (the file must be
// a concatenation of gzip members, each holding exactly one whole WARC record)
// and by warcio's WARCParser from a node stream (its record offsets and
// lengths must be the member boundaries, its header values and HTTP bodies
// ours). Then: WARC/1.1, a leading warcinfo, unique <urn:uuid:...> record ids,
// WARC-Date, WARC-Type, Content-Length, block and payload digests (sha1,
// base32; the payload without its transfer coding), request/response pairs,
// revisits against the response they name, metadata and h2 records,
// WARC-Truncated values, and with --cdxj the CDXJ against `warcio cdx-index`.
//
// Exit 0 with one summary line on stderr; 1 with one line per problem on
// stderr ("check_warc: FILE@OFFSET <id>: what"); 2 on a usage error or when
// warcio is not installed. --json prints a summary object on stdout.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WARCIO_DIR = path.join(HERE, "node_modules", "warcio");
const WARCIO_VERSION = "2.4.11";
const REVISIT_PROFILE =
  "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";
const TRUNCATED = new Set(["length", "size", "time", "disconnect", "unspecified"]);
const TYPES = new Set(["warcinfo", "response", "resource", "request",
  "metadata", "revisit", "conversion", "continuation"]);
const CRLF = Buffer.from("\r\n");
const CRLFCRLF = Buffer.from("\r\n\r\n");

function usage(msg) {
  if (msg) process.stderr.write(`check_warc: ${msg}\n`);
  process.stderr.write("usage: check_warc.mjs FILE.warc.gz... [--cdxj FILE.cdxj] " +
    "[--expect-revisits N] [--json]\n");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { files: [], cdxj: null, expectRevisits: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") opts.json = true;
    else if (a === "--cdxj") {
      if (i + 1 >= argv.length) usage("--cdxj needs a file");
      opts.cdxj = argv[++i];
    } else if (a === "--expect-revisits") {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v)) usage("--expect-revisits needs a count");
      opts.expectRevisits = Number(v);
    } else if (a === "-h" || a === "--help") usage();
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else opts.files.push(a);
  }
  if (!opts.files.length) usage("no WARC file given");
  return opts;
}

async function loadWarcio() {
  const pkg = path.join(WARCIO_DIR, "package.json");
  if (!existsSync(pkg)) {
    process.stderr.write(`check_warc: warcio is not installed in ${path.dirname(WARCIO_DIR)}: ` +
      "run scripts/deps.sh\n");
    process.exit(2);
  }
  const version = JSON.parse(readFileSync(pkg, "utf8")).version;
  if (version !== WARCIO_VERSION) {
    process.stderr.write(`check_warc: ${WARCIO_DIR} is warcio ${version}, not ` +
      `${WARCIO_VERSION}: run scripts/deps.sh\n`);
    process.exit(2);
  }
  return import(path.join(WARCIO_DIR, "dist", "index.js"));
}

// ---------------------------------------------------------------------------
// Digests, CRC-32

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes) {
  let out = "", bits = 0, value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  while (out.length % 8) out += "=";
  return out;
}
function sha1(...parts) {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return "sha1:" + base32(h.digest());
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------
// Gzip members, by hand

// Splits buf into gzip members, one at a time: {offset, length, data}.
function* gzipMembers(buf, report) {
  let pos = 0;
  while (pos < buf.length) {
    const torn = (why) => report(pos, `torn tail: ${why} (${buf.length - pos} bytes ` +
      `from offset ${pos} to the end of the file are not a whole gzip member)`);
    if (buf.length - pos < 18) {
      if (buf[pos] === 0x1f) torn("a gzip member cut short");
      else report(pos, `${buf.length - pos} bytes after the last gzip member are not gzip`);
      break;
    }
    if (buf[pos] !== 0x1f || buf[pos + 1] !== 0x8b || buf[pos + 2] !== 8) {
      report(pos, "not a gzip member (no 1f 8b 08 magic): the file must be a " +
        "concatenation of gzip members, one per record");
      break;
    }
    const flags = buf[pos + 3];
    let p = pos + 10;
    if (flags & 4) p += 2 + (p + 2 <= buf.length ? buf.readUInt16LE(p) : 0);
    for (const bit of [8, 16]) {  // FNAME, FCOMMENT: zero-terminated
      if (flags & bit) {
        const z = buf.indexOf(0, p);
        p = z < 0 ? buf.length + 1 : z + 1;
      }
    }
    if (flags & 2) p += 2;
    if (p >= buf.length) {
      torn("a gzip header without data");
      break;
    }
    let out;
    try {
      out = zlib.inflateRawSync(buf.subarray(p), { info: true });
    } catch (e) {
      if (/unexpected end/i.test(e.message)) torn(`zlib: ${e.message}`);
      else report(pos, `the gzip member does not inflate: ${e.message}`);
      break;
    }
    const end = p + out.engine.bytesWritten;
    if (end + 8 > buf.length) {
      torn("a gzip member without its whole trailer");
      break;
    }
    const data = out.buffer;
    if (buf.readUInt32LE(end) !== crc32(data)) {
      report(pos, "the gzip member's CRC-32 does not match its data");
    }
    if (buf.readUInt32LE(end + 4) !== data.length % 0x100000000) {
      report(pos, "the gzip member's ISIZE does not match its data");
    }
    yield { offset: pos, length: end + 8 - pos, data };
    pos = end + 8;
  }
}

// ---------------------------------------------------------------------------
// Heads: a WARC record's, an HTTP message's

class Head {
  constructor(bytes) {
    const lines = new TextDecoder().decode(bytes).split("\r\n");
    this.first = lines[0];
    this.fields = [];
    this.bad = [];
    for (const line of lines.slice(1)) {
      if (/^[ \t]/.test(line) && this.fields.length) {
        this.fields[this.fields.length - 1][1] += " " + line.trim();
        continue;
      }
      const colon = line.indexOf(":");
      if (colon <= 0) {
        this.bad.push(line);
        continue;
      }
      const name = line.slice(0, colon).trim();
      this.fields.push([name, line.slice(colon + 1).trim(), name.toLowerCase()]);
    }
  }
  all(name) {
    const n = name.toLowerCase();
    const out = [];
    for (const f of this.fields) if (f[2] === n) out.push(f[1]);
    return out;
  }
  get(name) {
    const v = this.all(name);
    return v.length ? v[0] : null;
  }
}

// Removes chunked transfer coding; {data, error}. Lenient: keeps what it has.
function dechunk(body) {
  const parts = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf(CRLF, pos);
    if (eol < 0) return { data: Buffer.concat(parts), error: "a chunk size line without CRLF" };
    const sizeText = body.subarray(pos, eol).toString("latin1").split(";")[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) {
      return { data: Buffer.concat(parts), error: `a bad chunk size ${JSON.stringify(sizeText)}` };
    }
    const size = parseInt(sizeText, 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > body.length) {
      parts.push(body.subarray(pos));
      return { data: Buffer.concat(parts), error: "the last chunk is cut short" };
    }
    parts.push(body.subarray(pos, pos + size));
    pos += size;
    if (!body.subarray(pos, pos + 2).equals(CRLF)) {
      return { data: Buffer.concat(parts), error: "a chunk not followed by CRLF" };
    }
    pos += 2;
  }
  // Trailer fields up to an empty line.
  for (;;) {
    const eol = body.indexOf(CRLF, pos);
    if (eol < 0) return { data: Buffer.concat(parts), error: "a chunked trailer without its end" };
    const empty = eol === pos;
    pos = eol + 2;
    if (empty) break;
  }
  const error = pos === body.length ? null : `${body.length - pos} bytes after the last chunk`;
  return { data: Buffer.concat(parts), error };
}

// ---------------------------------------------------------------------------
// One file, our way

const UUID_ID = /^<urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}>$/;
const WARC_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const SHA1_B32 = /^sha1:[A-Z2-7]{32}$/;

// The record in one member: fields, digests, and what warcio should see.
function readRecord(member, problem) {
  const data = member.data;
  const rec = { offset: member.offset, length: member.length, id: null };
  const p = (msg) => problem(member.offset, rec.id, msg);
  const headEnd = data.indexOf(CRLFCRLF);
  if (headEnd < 0) {
    p("the gzip member holds no whole WARC head (no CRLFCRLF)");
    return null;
  }
  const head = new Head(data.subarray(0, headEnd));
  rec.head = head;
  rec.id = head.get("WARC-Record-ID");
  rec.version = head.first;
  if (!head.first.startsWith("WARC/")) {
    p(`the gzip member does not begin with a WARC record (${JSON.stringify(head.first.slice(0, 40))})`);
    return null;
  }
  for (const line of head.bad) p(`a malformed WARC header line ${JSON.stringify(line)}`);
  const start = headEnd + 4;
  const clText = head.get("Content-Length");
  const cl = clText !== null && /^\d+$/.test(clText) ? Number(clText) : null;
  if (cl === null) p(`no valid Content-Length (${JSON.stringify(clText)})`);
  // More than one record in the member?
  if (cl !== null && start + cl + 4 < data.length &&
      data.subarray(start + cl, start + cl + 4).equals(CRLFCRLF) &&
      data.subarray(start + cl + 4, start + cl + 9).toString("latin1") === "WARC/") {
    let n = 1;
    for (let at = start + cl + 4; at >= 0; at = data.indexOf("\r\n\r\nWARC/", at + 1)) n++;
    p(`${n > 2 ? "at least 2" : "2"} records in one gzip member (the next begins at ` +
      `byte ${start + cl + 4} of the inflated member): each record must be its own gzip member`);
    rec.multi = true;
    rec.block = data.subarray(start, start + cl);
  } else if (data.length - start < 4 || !data.subarray(data.length - 4).equals(CRLFCRLF)) {
    p("the record does not end with CRLFCRLF after its block (cut short?)");
    rec.block = data.subarray(start, cl !== null ? Math.min(start + cl, data.length) : data.length);
  } else {
    rec.block = data.subarray(start, data.length - 4);
    if (cl !== null && cl !== rec.block.length) {
      p(`Content-Length ${cl} but the block is ${rec.block.length} bytes`);
    }
  }
  return rec;
}

// ---------------------------------------------------------------------------
// One file, warcio's way

async function warcioRecords(WARCParser, file, problem) {
  const out = [];
  const warn = console.warn;
  let lastOffset = 0;
  console.warn = (...args) => problem(lastOffset, null, `warcio: ${args.join(" ")}`);
  try {
    const parser = new WARCParser(createReadStream(file), { keepHeadersCase: false });
    for (;;) {
      const record = await parser.parse();
      if (!record) break;
      lastOffset = parser.offset;
      const payload = await record.readFully();
      const h = record.warcHeaders.headers;
      out.push({
        offset: parser.offset,
        length: parser.recordLength,
        version: record.warcHeaders.statusline,
        fields: {
          "WARC-Type": h.get("WARC-Type"),
          "WARC-Record-ID": h.get("WARC-Record-ID"),
          "WARC-Date": h.get("WARC-Date"),
          "WARC-Target-URI": h.get("WARC-Target-URI"),
          "Content-Length": h.get("Content-Length"),
          "WARC-Block-Digest": h.get("WARC-Block-Digest"),
          "WARC-Payload-Digest": h.get("WARC-Payload-Digest"),
        },
        http: record.httpHeaders ? record.httpHeaders.statusline : null,
        payloadDigest: sha1(payload),
        payloadLength: payload.length,
      });
    }
  } catch (e) {
    problem(lastOffset, null, `warcio cannot read on: ${e && e.message ? e.message : e}`);
  } finally {
    console.warn = warn;
  }
  return out;
}

// ---------------------------------------------------------------------------

function statusOf(line) {
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: |$)/.exec(line || "");
  return m ? Number(m[1]) : null;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const warcio = await loadWarcio();
  const problems = [];
  const problem = (file) => (offset, id, msg) => {
    problems.push(`check_warc: ${file}@${offset}${id ? " " + id : ""}: ${msg}`);
  };

  const byId = new Map();   // every record, in order: id -> rec
  const earlier = new Map(); // ids seen so far (revisits look back only)
  earlier.byUriDate = new Map();
  const summary = { ok: false, files: {}, types: {}, revisits: 0, records: [] };
  const recs = [];

  for (const file of opts.files) {
    const P = problem(file);
    const perFile = { records: 0, types: {}, size: 0 };
    summary.files[file] = perFile;
    let buf;
    try {
      buf = readFileSync(file);
    } catch (e) {
      P(0, null, `cannot read: ${e.message}`);
      continue;
    }
    perFile.size = buf.length;
    if (!buf.length) P(0, null, "an empty file");
    const members = [];
    const fileRecs = [];
    for (const m of gzipMembers(buf, (offset, msg) => P(offset, null, msg))) {
      members.push({ offset: m.offset, length: m.length });
      const rec = readRecord(m, P);
      if (!rec) {
        fileRecs.push(null);
        continue;
      }
      rec.file = file;
      analyse(rec, P);
      // Keep digests only: a file's records are not all held at once.
      rec.warcioPayloadLength = rec.warcioPayload ? rec.warcioPayload.length : null;
      rec.warcioPayload = rec.warcioPayload ? sha1(rec.warcioPayload) : null;
      rec.block = null;
      fileRecs.push(rec);
    }
    buf = null;

    // warcio must see the same records at the same places.
    const seen = await warcioRecords(warcio.WARCParser, file, P);
    compareWithWarcio(members, fileRecs, seen, P);

    // Per-file rules.
    const own = fileRecs.filter(Boolean);
    if (!fileRecs.length || !fileRecs[0] || fileRecs[0].type !== "warcinfo") {
      P(0, fileRecs[0] ? fileRecs[0].id : null, "the file does not begin with a warcinfo record");
    }
    const infos = new Set(own.filter((r) => r.type === "warcinfo").map((r) => r.id));
    for (const rec of own) {
      perFile.records++;
      perFile.types[rec.type] = (perFile.types[rec.type] || 0) + 1;
      summary.types[rec.type] = (summary.types[rec.type] || 0) + 1;
      const rp = (msg) => P(rec.offset, rec.id, msg);
      if (rec.id && UUID_ID.test(rec.id)) {
        const dup = byId.get(rec.id);
        if (dup) rp(`WARC-Record-ID again (first at ${dup.file}@${dup.offset})`);
        else byId.set(rec.id, rec);
      }
      const wi = rec.head.get("WARC-Warcinfo-ID");
      if (wi !== null && !infos.has(wi)) rp(`WARC-Warcinfo-ID ${wi} is no warcinfo record in this file`);
      if (rec.type === "revisit") checkRevisit(rec, earlier, rp);
      if (rec.id) earlier.set(rec.id, rec);
      if (rec.type === "response") earlier.byUriDate.set(`${rec.uri} ${rec.date}`, rec);
      recs.push(rec);
    }
    // Every response has its request, in this file.
    const requests = new Map(), pointing = new Map();
    for (const q of own) {
      if (q.type !== "request") continue;
      requests.set(q.id, q);
      for (const id of q.concurrent) {
        if (!pointing.has(id)) pointing.set(id, []);
        pointing.get(id).push(q);
      }
    }
    for (const rec of own.filter((r) => r.type === "response")) {
      const linked = [...new Set([...rec.concurrent.map((id) => requests.get(id)).filter(Boolean),
        ...(pointing.get(rec.id) || [])])];
      if (!linked.some((q) => q.uri === rec.uri)) {
        P(rec.offset, rec.id, linked.length
          ? `the request linked by WARC-Concurrent-To (${linked[0].id}) has WARC-Target-URI ` +
            `${linked[0].uri}, not ${rec.uri}`
          : "a response without a request record in this file with the same " +
            "WARC-Target-URI linked by WARC-Concurrent-To");
      }
    }
  }

  // Pointers that must resolve within the set.
  for (const rec of recs) {
    const rp = (msg) => problem(rec.file)(rec.offset, rec.id, msg);
    for (const id of rec.concurrent) {
      const other = byId.get(id);
      if (!other) rp(`WARC-Concurrent-To ${id} is no record in these files`);
      else if (rec.warcFields && rec.type === "metadata" &&
               other.type !== "response" && other.type !== "revisit") {
        rp(`WARC-Concurrent-To ${id} is a ${other.type} record, not a response`);
      }
    }
    if (rec.type === "metadata" && rec.refersTo !== null && !byId.has(rec.refersTo)) {
      rp(`WARC-Refers-To ${rec.refersTo} is no record in these files`);
    }
  }

  summary.revisits = summary.types.revisit || 0;
  if (opts.expectRevisits !== null && summary.revisits !== opts.expectRevisits) {
    problems.push(`check_warc: ${opts.files.join(" ")}: ${summary.revisits} revisit records, ` +
      `expected ${opts.expectRevisits}`);
  }
  if (opts.cdxj !== null) checkCdxj(opts.files, opts.cdxj, problems);

  for (const rec of recs) {
    if (rec.type !== "response" && rec.type !== "revisit") continue;
    summary.records.push({
      type: rec.type, uri: rec.uri, status: rec.status, offset: rec.offset,
      length: rec.length, file: rec.file, payload_digest: rec.payloadDigest,
      truncated: rec.truncated, id: rec.id, date: rec.date,
      refers_to: rec.type === "revisit" ? rec.refersTo : undefined,
    });
  }
  summary.ok = problems.length === 0;
  summary.problems = problems;
  if (opts.json) process.stdout.write(JSON.stringify(summary, null, 1) + "\n");
  for (const line of problems) process.stderr.write(line + "\n");
  const counts = Object.entries(summary.types).map(([t, n]) => `${n} ${t}`).join(", ");
  if (problems.length) {
    process.stderr.write(`check_warc: FAILED: ${problems.length} problem(s) in ` +
      `${opts.files.length} file(s) (${counts})\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`check_warc: OK: ${opts.files.length} file(s), ${recs.length} records ` +
      `(${counts})${opts.cdxj !== null ? ", CDXJ matches warcio cdx-index" : ""}\n`);
  }
}

// The rules one record obeys on its own.
function analyse(rec, P) {
  const h = rec.head;
  const rp = (msg) => P(rec.offset, rec.id, msg);
  rec.type = h.get("WARC-Type");
  rec.uri = h.get("WARC-Target-URI");
  rec.date = h.get("WARC-Date");
  rec.concurrent = h.all("WARC-Concurrent-To");
  rec.refersTo = h.get("WARC-Refers-To");
  rec.truncated = h.get("WARC-Truncated");
  rec.payloadDigest = h.get("WARC-Payload-Digest");
  rec.status = null;
  const ct = (h.get("Content-Type") || "").toLowerCase();
  rec.warcFields = ct.split(";")[0].trim() === "application/warc-fields";

  if (rec.version !== "WARC/1.1") rp(`WARC-Version ${JSON.stringify(rec.version)}, not WARC/1.1`);
  if (rec.id === null) rp("no WARC-Record-ID");
  else if (!UUID_ID.test(rec.id)) rp(`WARC-Record-ID ${JSON.stringify(rec.id)} is not <urn:uuid:...>`);
  if (rec.date === null) rp("no WARC-Date");
  else if (!WARC_DATE.test(rec.date)) rp(`WARC-Date ${JSON.stringify(rec.date)} is not a W3C-ISO8601 UTC date`);
  if (rec.type === null) rp("no WARC-Type");
  else if (!TYPES.has(rec.type)) rp(`unknown WARC-Type ${JSON.stringify(rec.type)}`);
  for (const name of ["WARC-Record-ID", "WARC-Date", "WARC-Type", "Content-Length",
    "WARC-Target-URI", "WARC-Block-Digest", "WARC-Payload-Digest", "WARC-Truncated",
    "WARC-Refers-To", "WARC-Profile"]) {
    if (h.all(name).length > 1) rp(`${name} appears ${h.all(name).length} times`);
  }
  if (rec.uri !== null && /[<>]/.test(rec.uri)) rp(`WARC-Target-URI ${rec.uri} has angle brackets`);
  if (rec.uri === null && ["response", "request", "revisit"].includes(rec.type)) {
    rp("no WARC-Target-URI");
  }
  if (rec.truncated !== null && !TRUNCATED.has(rec.truncated)) {
    rp(`WARC-Truncated ${JSON.stringify(rec.truncated)} is none of ${[...TRUNCATED].join(", ")}`);
  }

  const block = rec.block;
  const blockDigest = h.get("WARC-Block-Digest");
  if (blockDigest === null) rp("no WARC-Block-Digest");
  else if (!SHA1_B32.test(blockDigest)) rp(`WARC-Block-Digest ${blockDigest} is not sha1:BASE32`);
  else if (blockDigest !== sha1(block)) {
    rp(`WARC-Block-Digest ${blockDigest} but the block's is ${sha1(block)}`);
  }

  // What warcio reads after the HTTP head (or the whole block).
  rec.warcioPayload = block;
  const http = ["response", "request"].includes(rec.type) ||
    (rec.type === "revisit" && block.length > 0);
  if (!http) {
    if (rec.payloadDigest !== null && rec.type !== "revisit" &&
        rec.payloadDigest !== sha1(block)) {
      rp(`WARC-Payload-Digest ${rec.payloadDigest} but the block's is ${sha1(block)}`);
    }
    if (rec.type === "revisit") checkRevisitFields(rec, rp);
    return;
  }
  const end = block.indexOf(CRLFCRLF);
  if (end < 0) {
    rp("the block holds no whole HTTP head (no CRLFCRLF)");
    rec.warcioPayload = null;
    return;
  }
  const httpHead = new Head(block.subarray(0, end));
  const body = block.subarray(end + 4);
  rec.warcioPayload = body;
  rec.httpFirst = httpHead.first;
  if (rec.type !== "request") {
    rec.status = statusOf(httpHead.first);
    if (rec.status === null) rp(`no HTTP status line: ${JSON.stringify(httpHead.first)}`);
    if (h.all("WARC-Protocol").some((v) => v.trim().toLowerCase() === "h2") &&
        !httpHead.first.startsWith("HTTP/1.1 ")) {
      rp(`WARC-Protocol h2 but the status line is ${JSON.stringify(httpHead.first)}, not HTTP/1.1`);
    }
  }

  if (rec.type === "revisit") {
    if (body.length) rp(`a revisit with ${body.length} bytes of HTTP body (it keeps the head only)`);
    checkRevisitFields(rec, rp);
    return;
  }

  // The payload: the body without its transfer coding.
  const codings = httpHead.all("Transfer-Encoding").join(",").split(",")
    .map((s) => s.trim().toLowerCase()).filter(Boolean);
  let payload = body, dechunked = false;
  if (codings.length) {
    if (codings.some((c) => c !== "chunked") || codings.length > 1) {
      rp(`Transfer-Encoding ${codings.join(", ")}: only chunked is understood`);
    }
    if (codings.includes("chunked")) {
      const d = dechunk(body);
      payload = d.data;
      dechunked = !d.error;
      if (d.error && rec.truncated === null) rp(`Transfer-Encoding chunked, but ${d.error}`);
    }
  }
  const want = sha1(payload);
  if (rec.payloadDigest === null) {
    if (rec.type === "response") rp("a response without WARC-Payload-Digest");
  } else if (!SHA1_B32.test(rec.payloadDigest)) {
    rp(`WARC-Payload-Digest ${rec.payloadDigest} is not sha1:BASE32`);
  } else if (rec.payloadDigest !== want) {
    const chunkedToo = dechunked && rec.payloadDigest === sha1(body);
    rp(`WARC-Payload-Digest ${rec.payloadDigest} but the payload's is ${want}` +
      (chunkedToo ? " (the digest is over the chunked bytes: the transfer coding must be removed first)" : ""));
  }
}

function checkRevisitFields(rec, rp) {
  const h = rec.head;
  if (h.get("WARC-Profile") !== REVISIT_PROFILE) {
    rp(`a revisit with WARC-Profile ${JSON.stringify(h.get("WARC-Profile"))}, not ${REVISIT_PROFILE}`);
  }
  if (h.get("WARC-Refers-To-Target-URI") === null) rp("a revisit without WARC-Refers-To-Target-URI");
  if (h.get("WARC-Refers-To-Date") === null) rp("a revisit without WARC-Refers-To-Date");
  if (rec.payloadDigest === null) rp("a revisit without WARC-Payload-Digest");
}

function checkRevisit(rec, earlier, rp) {
  const h = rec.head;
  const uri = h.get("WARC-Refers-To-Target-URI");
  const date = h.get("WARC-Refers-To-Date");
  if (uri === null || date === null) return;  // already reported
  let original = null;
  if (rec.refersTo !== null) {
    original = earlier.get(rec.refersTo) || null;
    if (!original) {
      rp(`a revisit whose WARC-Refers-To ${rec.refersTo} is no earlier record`);
      return;
    }
    if (original.type !== "response") {
      rp(`a revisit whose WARC-Refers-To ${rec.refersTo} is a ${original.type}, not a response`);
      return;
    }
    const off = [];
    if (original.uri !== uri) off.push(`Target-URI ${original.uri} (not ${uri})`);
    if (original.date !== date) off.push(`Date ${original.date} (not ${date})`);
    if (off.length) rp(`a revisit whose original (${original.file}@${original.offset}) has ${off.join(", ")}`);
  } else {
    original = earlier.byUriDate.get(`${uri} ${date}`) || null;
    if (!original) {
      rp(`a revisit pointing at nothing: no earlier response for ${uri} at ${date}`);
      return;
    }
  }
  if (rec.payloadDigest !== null && original.payloadDigest !== rec.payloadDigest) {
    rp(`a revisit with WARC-Payload-Digest ${rec.payloadDigest}, but its original ` +
      `(${original.file}@${original.offset}) has ${original.payloadDigest}`);
  }
}

function compareWithWarcio(members, fileRecs, seen, P) {
  if (seen.length !== members.length) {
    P(0, null, `warcio reads ${seen.length} records, the file has ${members.length} gzip members`);
  }
  const n = Math.min(seen.length, members.length);
  for (let i = 0; i < n; i++) {
    const m = members[i], w = seen[i], rec = fileRecs[i];
    const id = rec ? rec.id : w.fields["WARC-Record-ID"];
    if (w.offset !== m.offset || w.length !== m.length) {
      P(m.offset, id, `warcio reads record ${i} at offset ${w.offset}, length ${w.length}; ` +
        `its gzip member is at ${m.offset}, length ${m.length}`);
      return;  // everything after is off too
    }
    if (!rec) continue;
    const diff = [];
    if (w.version !== rec.version) diff.push(`version ${w.version}`);
    for (const [name, value] of Object.entries(w.fields)) {
      const ours = rec.head.get(name);
      if ((value ?? null) !== ours) diff.push(`${name} ${JSON.stringify(value)} (ours ${JSON.stringify(ours)})`);
    }
    if (rec.warcioPayload && !rec.multi && w.payloadDigest !== rec.warcioPayload) {
      diff.push(`a ${w.payloadLength}-byte ${rec.httpFirst ? "HTTP body" : "block"}` +
        (w.payloadLength === rec.warcioPayloadLength ? " that differs from ours"
          : ` (ours ${rec.warcioPayloadLength} bytes)`));
    }
    if (rec.httpFirst !== undefined && w.http !== null && w.http !== rec.httpFirst) {
      diff.push(`HTTP first line ${JSON.stringify(w.http)}`);
    }
    if (diff.length) P(m.offset, id, `warcio reads ${diff.join("; ")}`);
  }
}

// --cdxj: ours must be warcio cdx-index's output, sorted as LC_ALL=C sort.
function checkCdxj(files, cdxj, problems) {
  const prefix = `check_warc: ${cdxj}`;
  let ours;
  try {
    ours = readFileSync(cdxj);
  } catch (e) {
    problems.push(`${prefix}: cannot read: ${e.message}`);
    return;
  }
  const dirs = new Set(files.map((f) => path.dirname(path.resolve(f))));
  const cwd = [...dirs][0];
  const args = dirs.size === 1 ? files.map((f) => path.basename(f))
    : files.map((f) => path.resolve(f));
  const cli = path.join(WARCIO_DIR, "dist", "cli.js");
  const r = spawnSync(process.execPath, [cli, "cdx-index", ...args],
    { cwd, maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) {
    problems.push(`${prefix}: warcio cdx-index failed (${r.error ? r.error.message : "exit " + r.status}): ` +
      String(r.stderr).trim());
    return;
  }
  for (const line of String(r.stderr).split("\n").filter(Boolean)) {
    problems.push(`${prefix}: warcio cdx-index: ${line}`);
  }
  const lines = (buf) => {
    const out = [];
    let pos = 0;
    while (pos < buf.length) {
      let nl = buf.indexOf(10, pos);
      if (nl < 0) nl = buf.length;
      out.push(buf.subarray(pos, nl));
      pos = nl + 1;
    }
    return out;
  };
  if (ours.length && ours[ours.length - 1] !== 10) {
    problems.push(`${prefix}: does not end with a newline`);
  }
  const mine = lines(ours);
  const theirs = lines(r.stdout).sort(Buffer.compare);
  const n = Math.max(mine.length, theirs.length);
  for (let i = 0; i < n; i++) {
    const a = mine[i], b = theirs[i];
    if (a && b && a.equals(b)) continue;
    problems.push(`${prefix}:${i + 1}: differs from warcio cdx-index (sorted, ` +
      `${theirs.length} lines; ours ${mine.length}):\n` +
      `  ours:   ${a ? a.toString() : "(no line)"}\n` +
      `  warcio: ${b ? b.toString() : "(no line)"}`);
    break;
  }
}

main().catch((e) => {
  process.stderr.write(`check_warc: internal error: ${e && e.stack ? e.stack : e}\n`);
  process.exit(2);
});
