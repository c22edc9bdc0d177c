// WarcWriter: the files are read back with zlib member by member, so each
// test checks the bytes a WARC reader sees: one gzip member per record, at
// the offsets Kept reports, with digests and lengths that hold.
#include "output/warc_writer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "output/gzip_member.h"
#include "output/surt.h"
#include "output/warc_digest.h"

namespace crawl {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Record {
  std::uint64_t offset = 0;  // of its gzip member in the file
  std::uint64_t length = 0;  // the member's length
  std::string version;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string block;

  // The first field named `name`, or "" (WARC field names as we write them).
  std::string Get(const std::string& name) const {
    for (const auto& [n, v] : fields) {
      if (n == name) return v;
    }
    return "";
  }
  bool Has(const std::string& name) const {
    for (const auto& f : fields) {
      if (f.first == name) return true;
    }
    return false;
  }
};

// Inflates `file` one gzip member at a time (inflateReset between them) and
// parses each member as exactly one WARC record.
std::vector<Record> ReadWarc(const std::string& path) {
  const std::string file = ReadFile(path);
  std::vector<Record> records;
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::size_t pos = 0;
  while (pos < file.size()) {
    EXPECT_EQ(inflateReset(&z), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(file.data() + pos));
    z.avail_in = static_cast<uInt>(file.size() - pos);
    std::string out;
    char buf[65536];
    int rc;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = inflate(&z, Z_NO_FLUSH);
      out.append(buf, sizeof buf - z.avail_out);
    } while (rc == Z_OK);
    EXPECT_EQ(rc, Z_STREAM_END) << "member at " << pos << " of " << path;
    if (rc != Z_STREAM_END) break;
    const std::size_t used = file.size() - pos - z.avail_in;
    Record r;
    r.offset = pos;
    r.length = used;
    pos += used;

    const std::size_t head_end = out.find("\r\n\r\n");
    EXPECT_NE(head_end, std::string::npos);
    std::string_view head(out.data(), head_end + 2);
    std::size_t nl = head.find("\r\n");
    r.version = std::string(head.substr(0, nl));
    head.remove_prefix(nl + 2);
    while (!head.empty()) {
      nl = head.find("\r\n");
      const std::string_view line = head.substr(0, nl);
      const std::size_t colon = line.find(": ");
      EXPECT_NE(colon, std::string_view::npos) << line;
      r.fields.emplace_back(line.substr(0, colon), line.substr(colon + 2));
      head.remove_prefix(nl + 2);
    }
    const std::uint64_t length = std::stoull(r.Get("Content-Length"));
    EXPECT_EQ(out.size(), head_end + 4 + length + 4)
        << "one record per member, Content-Length exact";
    r.block = out.substr(head_end + 4, length);
    EXPECT_EQ(out.substr(head_end + 4 + length), "\r\n\r\n");
    records.push_back(std::move(r));
  }
  inflateEnd(&z);
  return records;
}

std::string Sha1B32(std::string_view s) { return "sha1:" + Base32(Sha1Of(s)); }

// The payload of a response record: the block after the HTTP head.
std::string Payload(const Record& r) {
  return r.block.substr(r.block.find("\r\n\r\n") + 4);
}

class WarcWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warc_writer_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  WarcOptions Options(const std::string& name = "out") {
    WarcOptions o;
    o.name = dir_ + "/" + name;
    o.software = "crawl/0.9.0";
    o.info = {{"robots", "obey"}, {"crawl-options", "--depth 3"}};
    return o;
  }

  std::unique_ptr<WarcWriter> OpenOrDie(WarcOptions o) {
    auto w = WarcWriter::Open(std::move(o));
    EXPECT_TRUE(w.ok()) << w.status().message();
    return std::move(w).value();
  }

  std::string dir_;
};

// An HTTP/1.1 200 with a body, as the fetcher would hand it over.
Response MakeResponse(const std::string& url, std::string_view body,
                      std::uint64_t threshold = Body::kDefaultThreshold) {
  Response r;
  r.url = url;
  r.request_head = "GET " + url.substr(url.find('/', 8)) +
                   " HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
  r.status = 200;
  r.http_version = "1.1";
  r.status_line = "HTTP/1.1 200 OK";
  r.raw_head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  r.remote_ip = "127.0.0.1";
  r.raw_body = Body(threshold, "");
  EXPECT_TRUE(r.raw_body.Append(body));
  r.raw_bytes = body.size();
  r.started_at =
      std::chrono::system_clock::time_point(std::chrono::microseconds(
          1796238000123456));  // 2026-12-02T19:00:00.123456Z
  return r;
}

TEST_F(WarcWriterTest, ExchangeIsRequestResponseMetadataOneMemberEach) {
  auto w = OpenOrDie(Options());
  const std::string body = "<html><a href=/b>b</a><a href=/c>c</a></html>";
  Response r = MakeResponse("http://example.com/a", body);
  Kept kept;
  w->OnResponse(r, {"http://example.com/b", "http://example.com/c"}, true,
                kept);
  ASSERT_TRUE(w->Close().ok());

  const std::string path = dir_ + "/out.warc.gz";
  EXPECT_EQ(kept.warc_file, path);
  const std::vector<Record> recs = ReadWarc(path);
  ASSERT_EQ(recs.size(), 4u);

  const Record& info = recs[0];
  EXPECT_EQ(info.version, "WARC/1.1");
  EXPECT_EQ(info.Get("WARC-Type"), "warcinfo");
  EXPECT_EQ(info.Get("Content-Type"), "application/warc-fields");
  EXPECT_EQ(info.Get("WARC-Filename"), "out.warc.gz");
  EXPECT_NE(info.block.find("software: crawl/0.9.0\r\n"), std::string::npos);
  EXPECT_NE(info.block.find("format: WARC File Format 1.1\r\n"),
            std::string::npos);
  EXPECT_NE(info.block.find("conformsTo: http://iipc.github.io/"
                            "warc-specifications/specifications/warc-format/"
                            "warc-1.1/\r\n"),
            std::string::npos);
  EXPECT_NE(info.block.find("hostname: "), std::string::npos);
  EXPECT_NE(info.block.find("robots: obey\r\ncrawl-options: --depth 3\r\n"),
            std::string::npos);

  const Record& req = recs[1];
  const Record& resp = recs[2];
  const Record& meta = recs[3];
  EXPECT_EQ(req.Get("WARC-Type"), "request");
  EXPECT_EQ(resp.Get("WARC-Type"), "response");
  EXPECT_EQ(meta.Get("WARC-Type"), "metadata");
  for (const Record* rec : {&req, &resp, &meta}) {
    EXPECT_EQ(rec->version, "WARC/1.1");
    EXPECT_EQ(rec->Get("WARC-Warcinfo-ID"), info.Get("WARC-Record-ID"));
    EXPECT_EQ(rec->Get("WARC-Date"), "2026-12-02T19:00:00.123456Z");
    EXPECT_EQ(rec->Get("WARC-Target-URI"), "http://example.com/a");
    EXPECT_EQ(rec->Get("WARC-Block-Digest"), Sha1B32(rec->block));
    EXPECT_EQ(rec->Get("WARC-Record-ID").size(), 47u);  // <urn:uuid:36>
    EXPECT_TRUE(rec->Get("WARC-Record-ID").starts_with("<urn:uuid:"));
    EXPECT_EQ(rec->Get("WARC-Record-ID")[24], '4');  // version 4
  }
  EXPECT_EQ(req.Get("WARC-Concurrent-To"), resp.Get("WARC-Record-ID"));
  EXPECT_EQ(resp.Get("WARC-Concurrent-To"), req.Get("WARC-Record-ID"));
  EXPECT_EQ(meta.Get("WARC-Concurrent-To"), resp.Get("WARC-Record-ID"));
  EXPECT_EQ(meta.Get("WARC-Refers-To"), resp.Get("WARC-Record-ID"));
  EXPECT_EQ(req.Get("Content-Type"), "application/http;msgtype=request");
  EXPECT_EQ(resp.Get("Content-Type"), "application/http;msgtype=response");
  EXPECT_EQ(meta.Get("Content-Type"), "application/warc-fields");
  EXPECT_EQ(req.block, r.request_head);
  EXPECT_EQ(resp.block, r.raw_head + body) << "head kept byte for byte";
  EXPECT_EQ(resp.Get("WARC-Payload-Digest"), Sha1B32(body));
  EXPECT_EQ(resp.Get("WARC-IP-Address"), "127.0.0.1");
  EXPECT_FALSE(resp.Has("WARC-Truncated"));
  EXPECT_FALSE(resp.Has("WARC-Protocol"));
  EXPECT_EQ(
      meta.block,
      "outlink: http://example.com/b\r\noutlink: http://example.com/c\r\n");

  EXPECT_EQ(kept.warc_offset, resp.offset);
  EXPECT_EQ(kept.warc_length, resp.length);
  EXPECT_EQ(kept.payload_digest, Sha1B32(body));
}

TEST_F(WarcWriterTest, NoResponseNoRecords) {
  auto w = OpenOrDie(Options());
  Response r = MakeResponse("http://example.com/a", "");
  r.status = 0;
  r.error_kind = ErrorKind::kConnect;
  Kept kept;
  w->OnResponse(r, {}, false, kept);
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(ReadWarc(dir_ + "/out.warc.gz").size(), 1u);
  EXPECT_TRUE(kept.warc_file.empty());
}

TEST_F(WarcWriterTest, NoRequestHeadNoRequestRecordAndNoMetadataForNonHtml) {
  auto w = OpenOrDie(Options());
  Response r = MakeResponse("http://example.com/a", "x");
  r.request_head.clear();
  Kept kept;
  w->OnResponse(r, {"http://example.com/b"}, false, kept);
  ASSERT_TRUE(w->Close().ok());
  const auto recs = ReadWarc(dir_ + "/out.warc.gz");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].Get("WARC-Type"), "response");
  EXPECT_FALSE(recs[1].Has("WARC-Concurrent-To"));
}

TEST_F(WarcWriterTest, ChunkedHeadersRenamedAndContentLengthAdded) {
  auto w = OpenOrDie(Options());
  const std::string body = "hello, chunked world";
  Response r = MakeResponse("http://example.com/a", body);
  r.raw_head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
      "Transfer-Encoding: chunked\r\ncontent-length: 99\r\nX-A: b\r\n\r\n";
  Kept kept;
  w->OnResponse(r, {}, false, kept);
  ASSERT_TRUE(w->Close().ok());
  const auto recs = ReadWarc(dir_ + "/out.warc.gz");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[2].block,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            "X-Crawler-Transfer-Encoding: chunked\r\n"
            "X-Crawler-content-length: 99\r\nX-A: b\r\n"
            "Content-Length: 20\r\n\r\n" +
                body);
  EXPECT_EQ(recs[2].Get("WARC-Block-Digest"), Sha1B32(recs[2].block));
}

TEST(StoredMemberTest, InflatesToThePiecesInOrder) {
  const std::string big(200'000, 'x');
  const std::string_view pieces[] = {"", "head\r\n", big, "", "end"};
  std::string member;
  AppendStoredMember(pieces, member);
  std::string out(300'000, '\0');
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 31), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(member.data());
  z.avail_in = static_cast<uInt>(member.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  ASSERT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);  // CRC and size checked
  EXPECT_EQ(z.avail_in, 0u);  // exactly one member
  out.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(out, "head\r\n" + big + "end");
  std::string empty;
  AppendStoredMember({}, empty);
  EXPECT_EQ(empty.size(), 10u + 5u + 8u);  // header, one empty block, trailer
}

TEST_F(WarcWriterTest, CompressedPayloadIsStoredAndStillOneValidMember) {
  auto w = OpenOrDie(Options());
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "same same same ";
  Response r = MakeResponse("http://example.com/z", body);
  r.raw_head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n";
  r.headers = {{"Content-Encoding", "gzip"}};
  Kept kept;
  w->OnResponse(r, {}, false, kept);
  ASSERT_TRUE(w->Close().ok());
  const auto recs = ReadWarc(dir_ + "/out.warc.gz");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(Payload(recs[2]), body);
  // Stored, not deflated: the member is larger than its (repetitive) body.
  EXPECT_GT(kept.warc_length, body.size());
}

TEST_F(WarcWriterTest, Http2GetsHttp11StatusLineAndProtocolField) {
  auto w = OpenOrDie(Options());
  Response r = MakeResponse("https://example.com/a", "body");
  r.http_version = "2";
  r.status = 404;
  r.status_line = "HTTP/2 404";
  r.raw_head = "HTTP/2 404 \r\ncontent-type: text/html\r\n\r\n";
  Kept kept;
  w->OnResponse(r, {}, false, kept);
  ASSERT_TRUE(w->Close().ok());
  const auto recs = ReadWarc(dir_ + "/out.warc.gz");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[2].block,
            "HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\n\r\nbody");
  EXPECT_EQ(recs[2].Get("WARC-Protocol"), "h2");
  EXPECT_EQ(recs[1].Get("WARC-Protocol"), "h2");
}

TEST_F(WarcWriterTest, TruncatedLengthDisconnectTime) {
  auto w = OpenOrDie(Options());
  Response a = MakeResponse("http://example.com/a", "aaaa");
  a.truncated = true;
  Response b = MakeResponse("http://example.com/b", "bb");
  b.error_kind = ErrorKind::kTruncated;
  Response c = MakeResponse("http://example.com/c", "c");
  c.error_kind = ErrorKind::kNetwork;
  Response d = MakeResponse("http://example.com/d", "d");
  d.error_kind = ErrorKind::kTimeout;
  Kept kept;
  for (const Response* r : {&a, &b, &c, &d}) w->OnResponse(*r, {}, false, kept);
  ASSERT_TRUE(w->Close().ok());
  const auto recs = ReadWarc(dir_ + "/out.warc.gz");
  ASSERT_EQ(recs.size(), 9u);
  EXPECT_EQ(recs[2].Get("WARC-Truncated"), "length");
  EXPECT_EQ(recs[4].Get("WARC-Truncated"), "disconnect");
  EXPECT_EQ(recs[6].Get("WARC-Truncated"), "disconnect");
  EXPECT_EQ(recs[8].Get("WARC-Truncated"), "time");
}

TEST_F(WarcWriterTest, SpilledBodyIsStreamedWhole) {
  // 3 MB that compresses poorly: several 64 KiB output pieces.
  std::string body;
  std::uint64_t x = 88172645463325252ull;
  while (body.size() < (3u << 20)) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    body.push_back(static_cast<char>('a' + x % 26));
  }
  Response r = MakeResponse("http://example.com/big", body, /*threshold=*/4096);
  ASSERT_TRUE(r.raw_body.spilled());
  for (GzipCodec codec : {GzipCodec::kLibdeflate, GzipCodec::kZlib}) {
    WarcOptions o = Options(codec == GzipCodec::kZlib ? "z" : "d");
    o.codec = codec;
    auto w = OpenOrDie(o);
    Kept kept;
    w->OnResponse(r, {"http://example.com/x"}, true, kept);
    Response small = MakeResponse("http://example.com/small", "small");
    Kept kept2;
    w->OnResponse(small, {}, false, kept2);
    ASSERT_TRUE(w->Close().ok());
    const auto recs = ReadWarc(o.name + ".warc.gz");
    ASSERT_EQ(recs.size(), 6u);
    EXPECT_EQ(recs[2].block, r.raw_head + body);
    EXPECT_EQ(recs[2].Get("WARC-Payload-Digest"), Sha1B32(body));
    EXPECT_EQ(recs[2].Get("WARC-Block-Digest"), Sha1B32(recs[2].block));
    EXPECT_EQ(kept.warc_offset, recs[2].offset);
    EXPECT_EQ(kept.warc_length, recs[2].length);
    EXPECT_EQ(recs[3].Get("WARC-Type"), "metadata");
    EXPECT_EQ(kept2.warc_offset, recs[5].offset);
  }
}

TEST_F(WarcWriterTest, DedupWritesRevisitForSamePayload) {
  WarcOptions o = Options();
  o.dedup = true;
  auto w = OpenOrDie(o);
  const std::string body = "<html>same page</html>";
  Response a = MakeResponse("http://example.com/a", body);
  Response b = MakeResponse("http://example.com/b", body);
  b.started_at += std::chrono::seconds(5);
  Response c = MakeResponse("http://example.com/c", body);
  c.truncated = true;  // never a revisit: its payload is not the whole
  Response d = MakeResponse("http://example.com/d", body);
  d.status = 404;  // only 200s are deduplicated
  d.status_line = "HTTP/1.1 404 Not Found";
  Kept ka, kb, kc, kd;
  w->OnResponse(a, {}, false, ka);
  w->OnResponse(b, {}, false, kb);
  w->OnResponse(c, {}, false, kc);
  w->OnResponse(d, {}, false, kd);
  ASSERT_TRUE(w->Close().ok());
  const auto recs = ReadWarc(o.name + ".warc.gz");
  ASSERT_EQ(recs.size(), 9u);
  const Record& orig = recs[2];
  const Record& rev = recs[4];
  EXPECT_EQ(orig.Get("WARC-Type"), "response");
  EXPECT_EQ(rev.Get("WARC-Type"), "revisit");
  EXPECT_EQ(rev.Get("WARC-Profile"),
            "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest");
  EXPECT_EQ(rev.Get("WARC-Refers-To-Target-URI"), "http://example.com/a");
  EXPECT_EQ(rev.Get("WARC-Refers-To-Date"), orig.Get("WARC-Date"));
  EXPECT_EQ(rev.Get("WARC-Refers-To"), orig.Get("WARC-Record-ID"));
  EXPECT_EQ(rev.Get("WARC-Payload-Digest"), Sha1B32(body));
  EXPECT_EQ(rev.Get("WARC-Date"), "2026-12-02T19:00:05.123456Z");
  EXPECT_EQ(rev.block, b.raw_head) << "head only";
  EXPECT_EQ(rev.Get("WARC-Block-Digest"), Sha1B32(rev.block));
  EXPECT_EQ(rev.Get("WARC-Concurrent-To"), recs[3].Get("WARC-Record-ID"));
  EXPECT_EQ(kb.warc_offset, rev.offset);
  EXPECT_EQ(kb.payload_digest, ka.payload_digest);
  EXPECT_EQ(recs[6].Get("WARC-Type"), "response");
  EXPECT_EQ(recs[6].Get("WARC-Truncated"), "length");
  EXPECT_EQ(recs[8].Get("WARC-Type"), "response");
}

TEST_F(WarcWriterTest, DedupTableIsCompact) {
  WarcOptions o = Options();
  o.dedup = true;
  auto w = OpenOrDie(o);
  constexpr int kPages = 20000;
  for (int i = 0; i < kPages; ++i) {
    // A 60-byte URL, as a typical page's.
    char url[64];
    std::snprintf(url, sizeof url,
                  "http://www.example.com/section/subsection/page-%08d.html",
                  i);
    Response r = MakeResponse(url, "page " + std::to_string(i));
    Kept kept;
    w->OnResponse(r, {}, false, kept);
  }
  const double per_page = static_cast<double>(w->dedup_table_bytes()) / kPages;
  std::printf("dedup table: %.1f bytes per page (URL %zu bytes)\n", per_page,
              std::strlen("http://www.example.com/section/subsection/"
                          "page-00000000.html"));
  // ~130 bytes of data, the rest vector growth slack (at most 2x).
  EXPECT_LT(per_page, 256);
  ASSERT_TRUE(w->Close().ok());
}

TEST_F(WarcWriterTest, RotationStartsFilesWithWarcinfoAndPassesLimitOnce) {
  WarcOptions o = Options("rot");
  o.max_size = 3000;
  o.cdx = true;
  auto w = OpenOrDie(o);
  std::vector<Kept> kept(40);
  for (int i = 0; i < 40; ++i) {
    std::string body(400 + 37 * i, 'x');
    for (std::size_t k = 0; k < body.size(); k += 7) {
      body[k] = static_cast<char>('a' + (k * 31 + i) % 26);
    }
    Response r = MakeResponse("http://example.com/p" + std::to_string(i), body);
    w->OnResponse(r, {"http://example.com/q"}, true, kept[i]);
  }
  ASSERT_TRUE(w->Close().ok());
  const std::vector<std::string> files = w->files();
  ASSERT_GE(files.size(), 3u);
  int seen = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    char want[64];
    std::snprintf(want, sizeof want, "/rot-%05zu.warc.gz", f);
    EXPECT_EQ(files[f], dir_ + want);
    const auto recs = ReadWarc(files[f]);
    ASSERT_GE(recs.size(), 4u);
    EXPECT_EQ(recs[0].Get("WARC-Type"), "warcinfo");
    EXPECT_EQ(recs[0].Get("WARC-Filename"), fs::path(files[f]).filename());
    // Exchanges are whole in one file; only the last began past the limit.
    ASSERT_EQ((recs.size() - 1) % 3, 0u);
    for (std::size_t i = 1; i < recs.size(); i += 3) {
      EXPECT_EQ(recs[i].Get("WARC-Type"), "request");
      EXPECT_EQ(recs[i + 2].Get("WARC-Type"), "metadata");
      EXPECT_LT(recs[i].offset, o.max_size) << "exchange began past the limit";
      EXPECT_EQ(recs[i].Get("WARC-Warcinfo-ID"), recs[0].Get("WARC-Record-ID"));
      EXPECT_EQ(kept[seen].warc_file, files[f]);
      EXPECT_EQ(kept[seen].warc_offset, recs[i + 1].offset);
      ++seen;
    }
    if (f + 1 < files.size()) {
      EXPECT_GE(fs::file_size(files[f]), o.max_size);
    }
  }
  EXPECT_EQ(seen, 40);
  // The index: one line per response, over all the files.
  std::ifstream cdx(o.name + ".cdxj");
  int lines = 0;
  for (std::string line; std::getline(cdx, line);) ++lines;
  EXPECT_EQ(lines, 40);
  EXPECT_FALSE(fs::exists(o.name + ".cdxj.tmp"));
}

TEST_F(WarcWriterTest, OpenNamesTheFileItCannotCreate) {
  WarcOptions o = Options("no/such/dir/out");
  auto w = WarcWriter::Open(o);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Status::Code::kIoError);
  EXPECT_EQ(w.status().message(), "cannot create WARC file " + o.name +
                                      ".warc.gz: No such file or directory");
}

TEST_F(WarcWriterTest, FullDiskAtOpenIsIoError) {
  fs::create_symlink("/dev/full", dir_ + "/full.warc.gz");
  auto w = WarcWriter::Open(Options("full"));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(), "cannot write WARC file " + dir_ +
                                      "/full.warc.gz: No space left on device");
}

// The child writes exchanges under RLIMIT_FSIZE until one fails; the file
// must then end at the last whole exchange.
TEST_F(WarcWriterTest, FailedWriteTruncatesToLastWholeExchange) {
  const std::string name = dir_ + "/lim";
  constexpr rlim_t kLimit = 20000;
  std::fflush(stdout);  // else the child may print what is buffered again
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit lim{kLimit, kLimit};
    setrlimit(RLIMIT_FSIZE, &lim);
    WarcOptions o;
    o.name = name;
    o.level = 1;
    auto w = WarcWriter::Open(o);
    if (!w.ok()) _exit(201);
    std::string body;
    std::uint64_t x = 1;
    while (body.size() < 1500) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      body.push_back(static_cast<char>(' ' + (x >> 58)));
    }
    int written = 0;
    for (int i = 0; i < 100 && !(*w)->failed(); ++i) {
      Response r =
          MakeResponse("http://example.com/" + std::to_string(i), body);
      Kept kept;
      (*w)->OnResponse(r, {}, false, kept);
      if (!(*w)->failed()) ++written;
    }
    if (!(*w)->failed()) _exit(202);
    const Status s = (*w)->status();
    if (s.message() !=
        "cannot write WARC file " + name + ".warc.gz: File too large") {
      _exit(203);
    }
    Kept kept;
    Response r = MakeResponse("http://example.com/after", "x");
    (*w)->OnResponse(r, {}, false, kept);  // ignored
    if (!kept.warc_file.empty()) _exit(204);
    if ((*w)->Close().ok()) _exit(205);
    _exit(written > 0 && written < 200 ? written : 206);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  const int written = WEXITSTATUS(status);
  ASSERT_LT(written, 200) << "child check " << written << " failed";
  ASSERT_GE(written, 1);
  const std::string path = name + ".warc.gz";
  EXPECT_LE(fs::file_size(path), kLimit);
  const auto recs = ReadWarc(path);  // no partial member at the end
  ASSERT_EQ(recs.size(), 1u + 2u * written);
  EXPECT_EQ(recs.back().Get("WARC-Type"), "response");
  EXPECT_EQ(recs.back().offset + recs.back().length, fs::file_size(path));
}

TEST_F(WarcWriterTest, ConcurrentWritersKeepExchangesWhole) {
  WarcOptions o = Options("conc");
  o.max_size = 20000;
  o.dedup = true;
  o.cdx = true;
  auto w = OpenOrDie(o);
  constexpr int kThreads = 4, kPerThread = 150;
  std::vector<std::vector<Kept>> kept(kThreads, std::vector<Kept>(kPerThread));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every third body repeats: revisits under contention.
        const std::string body =
            i % 3 == 0 ? "shared body"
                       : "body " + std::to_string(t) + "/" + std::to_string(i);
        Response r = MakeResponse(
            "http://example.com/" + std::to_string(t) + "/" + std::to_string(i),
            body, /*threshold=*/i % 50 == 7 ? 4 : 1024);
        w->OnResponse(r, {"http://example.com/next"}, true, kept[t][i]);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(w->Close().ok());
  std::map<std::string, std::map<std::uint64_t, Record>> by_file;
  std::size_t responses = 0;
  std::set<std::string> ids;
  for (const std::string& f : w->files()) {
    const auto recs = ReadWarc(f);
    EXPECT_EQ(recs[0].Get("WARC-Type"), "warcinfo");
    ASSERT_EQ((recs.size() - 1) % 3, 0u);
    for (std::size_t i = 1; i < recs.size(); i += 3) {
      const Record& req = recs[i];
      const Record& resp = recs[i + 1];
      EXPECT_EQ(req.Get("WARC-Type"), "request");
      EXPECT_EQ(recs[i + 2].Get("WARC-Type"), "metadata");
      EXPECT_EQ(req.Get("WARC-Concurrent-To"), resp.Get("WARC-Record-ID"));
      EXPECT_EQ(req.Get("WARC-Target-URI"), resp.Get("WARC-Target-URI"));
      EXPECT_EQ(recs[i + 2].Get("WARC-Refers-To"), resp.Get("WARC-Record-ID"));
      EXPECT_EQ(resp.Get("WARC-Block-Digest"), Sha1B32(resp.block));
      EXPECT_EQ(resp.Get("WARC-Warcinfo-ID"), recs[0].Get("WARC-Record-ID"));
      if (resp.Get("WARC-Type") == "response") {
        EXPECT_EQ(resp.Get("WARC-Payload-Digest"), Sha1B32(Payload(resp)));
      } else {
        EXPECT_EQ(resp.Get("WARC-Type"), "revisit");
        EXPECT_EQ(resp.Get("WARC-Payload-Digest"), Sha1B32("shared body"));
      }
      for (const Record* rec : {&req, &resp, &recs[i + 2]}) {
        EXPECT_TRUE(ids.insert(rec->Get("WARC-Record-ID")).second);
      }
      by_file[f][resp.offset] = resp;
      ++responses;
    }
  }
  EXPECT_EQ(responses, std::size_t{kThreads * kPerThread});
  for (const auto& per_thread : kept) {
    for (const Kept& k : per_thread) {
      ASSERT_TRUE(by_file[k.warc_file].count(k.warc_offset));
      EXPECT_EQ(by_file[k.warc_file][k.warc_offset].length, k.warc_length);
    }
  }
}

// getSurt's output for each, from npm warcio 2.4.11:
//   node -e 'import(".../warcio/dist/index.js").then(m => ...getSurt(u))'
TEST(SurtTest, MatchesWarcioGetSurt) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://www.Example.com:8080/A?b=2&a=1", "com,example:8080)/a?a=1&b=2"},
      {"https://www2.example.com/", "com,example)/"},
      {"http://example.com", "com,example)/"},
      {"https://example.com:443/x?", "com,example)/x"},
      {"http://WWW.example.com/", "com,example,www)/"},
      {"http://user:pw@www.example.co.uk:80/p/q.html?z&y=1&x=%2F#frag",
       "uk,co,example,www)/p/q.html?x=%2f&y=1&z"},
      {"http://127.0.0.1:8000/a?c=3&b=2&b=1", "1,0,0,127:8000)/a?b=1&b=2&c=3"},
      {"https://[::1]:8443/", "[::1]:8443)/"},
      {"ftp://www.example.com/", "ftp://www.example.com/"},
      {"http://wwwx.example.com/", "com,example,wwwx)/"},
      {"http://www.example.com./a", ",com,example)/a"},
      {"http://example.com/?a&&b", "com,example)/?&a&b"},
      {"http://www12.www.example.com:0080/", "com,example,www)/"},
      {"https://www3.example.com/q?x=\"1\"&\\", "com,example)/q?\\&x=%221%22"},
      {"http://example.com/a{b}`c?d='e'&<f>",
       "com,example)/a%7Bb%7D%60c?%3Cf%3E&d=%27e%27"},
      {"http://example.com/%7E/A%2Fb?Q=%41", "com,example)/%7e/a%2fb?q=%41"},
  };
  for (const auto& [url, surt] : cases) EXPECT_EQ(Surt(url), surt) << url;
}

TEST(SurtTest, JsonStringifyEscaping) {
  std::string out;
  AppendJsStringLiteral(out, "a\"b\\c\n\t\x01\x7f\xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\xc3\xa9\"");
}

TEST(Base32Test, Rfc4648Vectors) {
  auto b32 = [](std::string_view s) {
    return Base32(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  EXPECT_EQ(b32(""), "");
  EXPECT_EQ(b32("f"), "MY======");
  EXPECT_EQ(b32("fo"), "MZXQ====");
  EXPECT_EQ(b32("foo"), "MZXW6===");
  EXPECT_EQ(b32("foob"), "MZXW6YQ=");
  EXPECT_EQ(b32("fooba"), "MZXW6YTB");
  EXPECT_EQ(b32("foobar"), "MZXW6YTBOI======");
  // The digest of the empty payload, as in many WARC files.
  EXPECT_EQ(Base32(Sha1Of("")), "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
}

TEST_F(WarcWriterTest, CdxjLinesAsWarcioPrintsThem) {
  WarcOptions o = Options("idx");
  o.cdx = true;
  o.dedup = true;
  auto w = OpenOrDie(o);
  Response a = MakeResponse("http://www.example.com/b?z=1&a=2", "same");
  Response b = MakeResponse("http://example.com/a", "same");
  Response c = MakeResponse("http://example.com/c", "c");
  c.raw_head = "HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n";
  c.status = 301;
  c.status_line = "HTTP/1.1 301 Moved";
  Kept ka, kb, kc;
  w->OnResponse(a, {}, false, ka);
  w->OnResponse(b, {}, false, kb);
  w->OnResponse(c, {}, false, kc);
  ASSERT_TRUE(w->Close().ok());
  auto line = [](const Kept& k, const std::string& key, const std::string& url,
                 const std::string& mime, const std::string& status) {
    return key + " 20261202190000 {\"url\":\"" + url + "\"" +
           (mime.empty() ? "" : ",\"mime\":\"" + mime + "\"") +
           ",\"status\":\"" + status + "\",\"digest\":\"" +
           k.payload_digest.substr(5) + "\",\"length\":\"" +
           std::to_string(k.warc_length) + "\",\"offset\":\"" +
           std::to_string(k.warc_offset) + "\",\"filename\":\"idx.warc.gz\"}\n";
  };
  EXPECT_EQ(ReadFile(o.name + ".cdxj"),
            line(kb, "com,example)/a", "http://example.com/a", "warc/revisit",
                 "200") +
                line(ka, "com,example)/b?a=2&z=1",
                     "http://www.example.com/b?z=1&a=2", "text/html", "200") +
                line(kc, "com,example)/c", "http://example.com/c", "", "301"));
}

}  // namespace
}  // namespace crawl
