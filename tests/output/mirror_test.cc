#include "output/mirror.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace crawl {
namespace {

namespace fs = std::filesystem;
using Path = std::vector<std::string>;

Response Make(std::string url, std::string_view body, int status = 200) {
  Response r;
  r.url = std::move(url);
  r.status = status;
  r.body.Append(body);
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : "";
}

// A fresh base directory holding DIR ("mirror") and a sibling "outside"
// that nothing may ever write into.
class MirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mirror_test.XXXXXX");
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    dir_ = base_ + "/mirror";
    outside_ = base_ + "/outside";
    ASSERT_EQ(mkdir(outside_.c_str(), 0755), 0);
    auto m = Mirror::Open({dir_});
    ASSERT_TRUE(m.ok()) << m.status().message();
    mirror_ = std::move(m).value();
  }
  void TearDown() override {
    mirror_.reset();
    std::error_code ec;
    fs::permissions(base_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(base_, ec);
  }

  // Saves `url` with `body`; returns kept.saved_as.
  std::string Save(const std::string& url, std::string_view body = "x") {
    Response r = Make(url, body);
    Kept kept;
    mirror_->OnResponse(r, {}, true, kept);
    return kept.saved_as;
  }

  bool OutsideEmpty() const { return fs::is_empty(outside_); }

  // Whether `path` resolves to a regular file inside DIR.
  bool Inside(const std::string& path) const {
    const std::string real = RealPath(path);
    const std::string root = RealPath(dir_) + "/";
    return !real.empty() && real.compare(0, root.size(), root) == 0 &&
           fs::is_regular_file(fs::symlink_status(path));
  }

  std::string base_, dir_, outside_;
  std::unique_ptr<Mirror> mirror_;
};

// --- MirrorPath ---

TEST(MirrorPathTest, HostAndPath) {
  EXPECT_EQ(MirrorPath("http://h/"), (Path{"h", "index.html"}));
  EXPECT_EQ(MirrorPath("http://h"), (Path{"h", "index.html"}));
  EXPECT_EQ(MirrorPath("http://h/a/b.html"), (Path{"h", "a", "b.html"}));
  EXPECT_EQ(MirrorPath("http://h/a/"), (Path{"h", "a", "index.html"}));
  EXPECT_EQ(MirrorPath("http://H.Example/A"), (Path{"h.example", "A"}));
  EXPECT_EQ(MirrorPath("http://u:pw@h/x#frag"), (Path{"h", "x"}));
  EXPECT_EQ(MirrorPath("no-scheme"), Path{});
  EXPECT_EQ(MirrorPath("http:///x"), Path{});
}

TEST(MirrorPathTest, PortOnlyWhenNotDefault) {
  EXPECT_EQ(MirrorPath("http://h:8080/"), (Path{"h+8080", "index.html"}));
  EXPECT_EQ(MirrorPath("http://h:80/"), (Path{"h", "index.html"}));
  EXPECT_EQ(MirrorPath("https://h:443/"), (Path{"h", "index.html"}));
  EXPECT_EQ(MirrorPath("https://h:80/"), (Path{"h+80", "index.html"}));
  EXPECT_EQ(MirrorPath("http://h:/"), (Path{"h", "index.html"}));
  // A '+' in a host cannot pass for a port.
  EXPECT_EQ(MirrorPath("http://h+8080/"), (Path{"h%2B8080", "index.html"}));
}

TEST(MirrorPathTest, Ipv6HostWithoutBrackets) {
  EXPECT_EQ(MirrorPath("http://[::1]/x"), (Path{"%3A%3A1", "x"}));
  EXPECT_EQ(MirrorPath("http://[::1]:8080/x"), (Path{"%3A%3A1+8080", "x"}));
}

TEST(MirrorPathTest, QueryInFileName) {
  EXPECT_EQ(MirrorPath("http://h/page?x=1"), (Path{"h", "page?x=1"}));
  EXPECT_EQ(MirrorPath("http://h/?x=1"), (Path{"h", "index.html?x=1"}));
  EXPECT_EQ(MirrorPath("http://h?x=1"), (Path{"h", "index.html?x=1"}));
  EXPECT_EQ(MirrorPath("http://h/p?a=b/c&d=e"), (Path{"h", "p?a=b%2Fc&d=e"}));
  EXPECT_EQ(MirrorPath("http://h/p?a=%2f"), (Path{"h", "p?a=%2F"}));
  EXPECT_EQ(MirrorPath("http://h/p?x=%26&y=&"), (Path{"h", "p?x=%26&y=&"}));
  EXPECT_EQ(MirrorPath("http://h/p?x=%41"), (Path{"h", "p?x=A"}));
  EXPECT_EQ(MirrorPath("http://h/p?a?b"), (Path{"h", "p?a%3Fb"}));
  EXPECT_EQ(MirrorPath("http://h/p?"), (Path{"h", "p?"}));
  EXPECT_EQ(MirrorPath("http://h/p?%00"), (Path{"h", "p?%00"}));
  EXPECT_EQ(MirrorPath("http://h/d/?q"), (Path{"h", "d", "index.html?q"}));
}

TEST(MirrorPathTest, SegmentRule) {
  EXPECT_EQ(MirrorPath("http://h/a%2Fb"), (Path{"h", "a%2Fb"}));
  EXPECT_EQ(MirrorPath("http://h/a%2fb"), (Path{"h", "a%2Fb"}));
  EXPECT_EQ(MirrorPath("http://h/%2e%2e/x"), (Path{"h", "%2E%2E", "x"}));
  EXPECT_EQ(MirrorPath("http://h/%2E/x"), (Path{"h", "%2E", "x"}));
  EXPECT_EQ(MirrorPath("http://h/../../etc/x"),
            (Path{"h", "%2E%2E", "%2E%2E", "etc", "x"}));
  EXPECT_EQ(MirrorPath("http://h/a/../../../x"),
            (Path{"h", "a", "%2E%2E", "%2E%2E", "%2E%2E", "x"}));
  EXPECT_EQ(MirrorPath("http://h/./x"), (Path{"h", "%2E", "x"}));
  EXPECT_EQ(MirrorPath("http://h/..."), (Path{"h", "..."}));
  EXPECT_EQ(MirrorPath("http://h/.hidden"), (Path{"h", ".hidden"}));
  EXPECT_EQ(MirrorPath("http://h/%00"), (Path{"h", "%00"}));
  EXPECT_EQ(MirrorPath("http://h/a\\b"), (Path{"h", "a%5Cb"}));
  EXPECT_EQ(MirrorPath("http://h/a%5C..%5Cb"), (Path{"h", "a%5C..%5Cb"}));
  EXPECT_EQ(MirrorPath("http://h/a//b"), (Path{"h", "a", "%empty", "b"}));
  EXPECT_EQ(MirrorPath("http://h/a:b"), (Path{"h", "a%3Ab"}));
  EXPECT_EQ(MirrorPath("http://h/100%"), (Path{"h", "100%25"}));
  EXPECT_EQ(MirrorPath("http://h/%25"), (Path{"h", "%25"}));
  EXPECT_EQ(MirrorPath("http://h/%zz"), (Path{"h", "%25zz"}));
  EXPECT_EQ(MirrorPath("http://h/a%20b"), (Path{"h", "a%20b"}));
  EXPECT_EQ(MirrorPath("http://h/%0A"), (Path{"h", "%0A"}));
  EXPECT_EQ(MirrorPath("http://h/-._~!$&'()*+,;=@"),
            (Path{"h", "-._~!$&'()*+,;=@"}));
  EXPECT_EQ(MirrorPath("http://h/caf%C3%A9"), (Path{"h", "caf\xC3\xA9"}));
  EXPECT_EQ(MirrorPath("http://h/%FF%C3"), (Path{"h", "%FF%C3"}));
  EXPECT_EQ(MirrorPath("http://h/%C2%85"), (Path{"h", "%C2%85"}));  // C1 NEL
  // Dot names and slashes in the host, too.
  EXPECT_EQ(MirrorPath("http://../x"), (Path{"%2E%2E", "x"}));
  EXPECT_EQ(MirrorPath("http://a%2F..%2Fb/x"), (Path{"a%2F..%2Fb", "x"}));
}

TEST(MirrorPathTest, NoSegmentIsUnsafe) {
  for (const char* url :
       {"http://h/../../etc/passwd", "http://h//etc/passwd", "http://h/%2F",
        "http://h/%2e%2E", "http://h/.%2e/.%2E/x", "http://h/%00/%00",
        "http://h/a\\..\\..\\b", "http://h/?/../../x", "http://h/#/../x",
        "http:///etc/passwd"}) {
    for (const std::string& seg : MirrorPath(url)) {
      EXPECT_FALSE(seg.empty()) << url;
      EXPECT_NE(seg, ".") << url;
      EXPECT_NE(seg, "..") << url;
      EXPECT_EQ(seg.find('/'), std::string::npos) << url;
      EXPECT_EQ(seg.find('\0'), std::string::npos) << url;
      EXPECT_LE(seg.size(), 200u) << url;
    }
  }
}

TEST(MirrorPathTest, LongNamesHashed) {
  const std::string a250(250, 'a');
  const Path p = MirrorPath("http://h/" + a250);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].size(), 180u + 1 + 16);
  EXPECT_EQ(p[1].substr(0, 181), std::string(180, 'a') + "-");
  // A 200-byte name is kept; 201 bytes is hashed.
  EXPECT_EQ(MirrorPath("http://h/" + std::string(200, 'b'))[1],
            std::string(200, 'b'));
  EXPECT_EQ(MirrorPath("http://h/" + std::string(201, 'b'))[1].size(), 197u);
  // Names that differ only after byte 180 stay distinct.
  const std::string stem(190, 'c');
  EXPECT_NE(MirrorPath("http://h/" + stem + "1" + std::string(20, 'z'))[1],
            MirrorPath("http://h/" + stem + "2" + std::string(20, 'z'))[1]);
  EXPECT_NE(MirrorPath("http://h/p?" + stem + "&x=1")[1],
            MirrorPath("http://h/p?" + stem + "&x=2")[1]);
  // The cut does not split an escape...
  const std::string esc = MirrorPath("http://h/" + std::string(178, 'd') +
                                     "%20" + std::string(50, 'd'))[1];
  EXPECT_EQ(esc.substr(0, 179), std::string(178, 'd') + "-");
  const std::string esc2 = MirrorPath("http://h/" + std::string(179, 'd') +
                                      "%20" + std::string(50, 'd'))[1];
  EXPECT_EQ(esc2.substr(0, 180), std::string(179, 'd') + "-");
  // ... nor a UTF-8 sequence.
  const std::string utf = MirrorPath("http://h/" + std::string(179, 'e') +
                                     "%C3%A9" + std::string(50, 'e'))[1];
  EXPECT_EQ(utf.substr(0, 180), std::string(179, 'e') + "-");
  // Long hosts too.
  EXPECT_LE(MirrorPath("http://" + std::string(300, 'h') + "/")[0].size(),
            200u);
}

TEST(MirrorPathTest, DepthAndLengthBounded) {
  std::string deep = "http://h";
  for (int i = 0; i < 100; ++i) deep += "/d" + std::to_string(i);
  const Path p = MirrorPath(deep);
  EXPECT_EQ(p.size(), 33u);  // 32 directories + the file
  EXPECT_EQ(p[31], "d30");
  EXPECT_LE(p.back().size(), 200u);
  EXPECT_NE(MirrorPath(deep + "/x").back(), MirrorPath(deep + "/y").back());

  std::string wide = "http://h";
  for (int i = 0; i < 40; ++i) wide += "/" + std::string(199, 'w');
  std::size_t total = 0;
  const Path q = MirrorPath(wide);
  for (const std::string& s : q) total += s.size() + 1;
  EXPECT_LE(total, 3072u);
  EXPECT_GT(q.size(), 10u);

  // A shallow path is never folded.
  EXPECT_EQ(MirrorPath("http://h/a/b/c/d"), (Path{"h", "a", "b", "c", "d"}));
}

// --- Saving ---

TEST_F(MirrorTest, SavesDecodedBodyAtItsPath) {
  EXPECT_EQ(Save("http://h/", "<html>root"), dir_ + "/h/index.html");
  EXPECT_EQ(ReadFile(dir_ + "/h/index.html"), "<html>root");
  EXPECT_EQ(Save("http://h:8080/a/b.css", "b{}"), dir_ + "/h+8080/a/b.css");
  EXPECT_EQ(ReadFile(dir_ + "/h+8080/a/b.css"), "b{}");
  EXPECT_EQ(Save("http://h/page?x=1", "q"), dir_ + "/h/page?x=1");
  EXPECT_EQ(ReadFile(dir_ + "/h/page?x=1"), "q");
  EXPECT_EQ(Save("http://h/empty", ""), dir_ + "/h/empty");
  EXPECT_TRUE(fs::is_regular_file(dir_ + "/h/empty"));
  EXPECT_EQ(fs::file_size(dir_ + "/h/empty"), 0u);
  EXPECT_FALSE(mirror_->failed());
  EXPECT_TRUE(mirror_->Close().ok());
}

TEST_F(MirrorTest, DirWithTrailingSlash) {
  auto m = Mirror::Open({base_ + "/slash/"});
  ASSERT_TRUE(m.ok());
  Response r = Make("http://h/x", "1");
  Kept kept;
  (*m)->OnResponse(r, {}, false, kept);
  EXPECT_EQ(kept.saved_as, base_ + "/slash/h/x");
}

TEST_F(MirrorTest, SpilledBodyStreamed) {
  Response r;
  r.url = "http://h/big.bin";
  r.status = 200;
  r.body = Body(16, "");
  std::string expect;
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string chunk(97, '\0');
    for (char& c : chunk) c = static_cast<char>(rng());
    ASSERT_TRUE(r.body.Append(chunk));
    expect += chunk;
  }
  ASSERT_TRUE(r.body.spilled());
  Kept kept;
  mirror_->OnResponse(r, {}, false, kept);
  EXPECT_EQ(kept.saved_as, dir_ + "/h/big.bin");
  EXPECT_EQ(ReadFile(kept.saved_as), expect);
}

TEST_F(MirrorTest, NotSaved) {
  Kept kept;
  Response truncated = Make("http://h/t", "partial");
  truncated.truncated = true;
  mirror_->OnResponse(truncated, {}, true, kept);
  EXPECT_EQ(kept.saved_as, "");

  for (int status : {0, 204, 206, 301, 304, 404, 500}) {
    Response r = Make("http://h/s" + std::to_string(status), "body", status);
    mirror_->OnResponse(r, {}, true, kept);
    EXPECT_EQ(kept.saved_as, "") << status;
  }
  Response errored = Make("http://h/e", "body");
  errored.error_kind = ErrorKind::kTruncated;
  mirror_->OnResponse(errored, {}, true, kept);
  EXPECT_EQ(kept.saved_as, "");
  Response no_host = Make("http:///e", "body");
  mirror_->OnResponse(no_host, {}, true, kept);
  EXPECT_EQ(kept.saved_as, "");

  EXPECT_TRUE(fs::is_empty(dir_));
  EXPECT_FALSE(mirror_->failed());
}

TEST_F(MirrorTest, Overwrites) {
  Save("http://h/x", "one");
  EXPECT_EQ(Save("http://h/x", "two"), dir_ + "/h/x");
  EXPECT_EQ(ReadFile(dir_ + "/h/x"), "two");
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_ + "/h")) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(MirrorTest, FileThenDirectory) {
  EXPECT_EQ(Save("http://h/a", "file"), dir_ + "/h/a");
  EXPECT_EQ(Save("http://h/a/b", "under"), dir_ + "/h/a%dir/b");
  EXPECT_EQ(Save("http://h/a/c/d", "deeper"), dir_ + "/h/a%dir/c/d");
  EXPECT_EQ(ReadFile(dir_ + "/h/a"), "file");
  EXPECT_EQ(ReadFile(dir_ + "/h/a%dir/b"), "under");
  // Saved again, the file stays where it was.
  EXPECT_EQ(Save("http://h/a", "file2"), dir_ + "/h/a");
}

TEST_F(MirrorTest, DirectoryThenFile) {
  EXPECT_EQ(Save("http://h/a/b", "under"), dir_ + "/h/a/b");
  EXPECT_EQ(Save("http://h/a", "file"), dir_ + "/h/a%file");
  EXPECT_EQ(ReadFile(dir_ + "/h/a/b"), "under");
  EXPECT_EQ(ReadFile(dir_ + "/h/a%file"), "file");
  EXPECT_EQ(Save("http://h/a", "again"), dir_ + "/h/a%file");
  EXPECT_EQ(ReadFile(dir_ + "/h/a%file"), "again");
  // "/a/" is a file in the directory, no conflict.
  EXPECT_EQ(Save("http://h/a/", "index"), dir_ + "/h/a/index.html");
}

TEST_F(MirrorTest, HostileUrlsStayInside) {
  const std::vector<std::string> urls = {
      "http://h/../../etc/x",
      "http://h/../outside/pwn",
      "http://h/%2e%2e/%2e%2e/outside/pwn",
      "http://h/%2E%2E%2F%2E%2E%2Foutside%2Fpwn",
      "http://h/a%2Fb",
      "http://h/%00",
      "http://h/a\\b",
      "http://h/..\\..\\outside\\pwn",
      "http://h/a/../../../outside/pwn",
      "http://h//" + outside_ + "/pwn",
      "http://h/" + outside_ + "/pwn",
      "http://../outside/pwn",
      "http://%2e%2e/outside/pwn",
      "http://h%2F..%2F..%2Foutside/pwn",
      "http://h/x?/../../outside/pwn",
  };
  for (const std::string& url : urls) {
    const std::string saved = Save(url, "evil");
    ASSERT_NE(saved, "") << url;
    EXPECT_TRUE(Inside(saved)) << url << " -> " << saved;
  }
  EXPECT_TRUE(OutsideEmpty());
  EXPECT_FALSE(mirror_->failed());
}

TEST_F(MirrorTest, SymlinkedHostDirectoryNotFollowed) {
  ASSERT_EQ(symlink(outside_.c_str(), (dir_ + "/h").c_str()), 0);
  const std::string saved = Save("http://h/x", "data");
  EXPECT_EQ(saved, dir_ + "/h%dir/x");
  EXPECT_TRUE(Inside(saved));
  EXPECT_TRUE(OutsideEmpty());
  EXPECT_TRUE(fs::is_symlink(dir_ + "/h"));
}

TEST_F(MirrorTest, SymlinkedInnerDirectoryNotFollowed) {
  ASSERT_EQ(mkdir((dir_ + "/h").c_str(), 0755), 0);
  ASSERT_EQ(symlink(outside_.c_str(), (dir_ + "/h/a").c_str()), 0);
  const std::string saved = Save("http://h/a/b/c", "data");
  EXPECT_EQ(saved, dir_ + "/h/a%dir/b/c");
  EXPECT_TRUE(OutsideEmpty());
}

TEST_F(MirrorTest, SymlinkAtFileNameReplacedNotFollowed) {
  const std::string target = outside_ + "/target";
  WriteFile(target, "original");
  ASSERT_EQ(mkdir((dir_ + "/h").c_str(), 0755), 0);
  ASSERT_EQ(symlink(target.c_str(), (dir_ + "/h/x").c_str()), 0);
  const std::string saved = Save("http://h/x", "data");
  EXPECT_EQ(saved, dir_ + "/h/x");
  EXPECT_FALSE(fs::is_symlink(saved));
  EXPECT_EQ(ReadFile(saved), "data");
  EXPECT_EQ(ReadFile(target), "original");
  EXPECT_EQ(
      std::distance(fs::directory_iterator(outside_), fs::directory_iterator()),
      1);
}

TEST_F(MirrorTest, DanglingSymlinkAtFileName) {
  const std::string target = outside_ + "/created";
  ASSERT_EQ(mkdir((dir_ + "/h").c_str(), 0755), 0);
  ASSERT_EQ(symlink(target.c_str(), (dir_ + "/h/x").c_str()), 0);
  EXPECT_EQ(Save("http://h/x", "data"), dir_ + "/h/x");
  EXPECT_TRUE(OutsideEmpty());
}

TEST_F(MirrorTest, SymlinkToDirectoryAtFileName) {
  ASSERT_EQ(mkdir((dir_ + "/h").c_str(), 0755), 0);
  ASSERT_EQ(symlink(outside_.c_str(), (dir_ + "/h/x").c_str()), 0);
  EXPECT_EQ(Save("http://h/x", "data"), dir_ + "/h/x");
  EXPECT_FALSE(fs::is_symlink(dir_ + "/h/x"));
  EXPECT_TRUE(OutsideEmpty());
}

TEST_F(MirrorTest, ConflictNameTakenByForeignFileNotSaved) {
  ASSERT_EQ(mkdir((dir_ + "/h").c_str(), 0755), 0);
  WriteFile(dir_ + "/h/a", "file");
  WriteFile(dir_ + "/h/a%dir", "not a directory");
  EXPECT_EQ(Save("http://h/a/b", "data"), "");
  EXPECT_FALSE(mirror_->failed());
  EXPECT_EQ(ReadFile(dir_ + "/h/a%dir"), "not a directory");
}

TEST_F(MirrorTest, FailedWriteRemembered) {
  // EFBIG from a file size limit: works as root too.
  const std::string big(64 << 10, 'b');
  Response r = Make("http://h/big", big);
  Response later = Make("http://h/later", "small");
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  struct sigaction ign = {};
  struct sigaction old_action = {};
  ign.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ign, &old_action), 0);
  struct rlimit lim = old;
  lim.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  Kept kept;
  mirror_->OnResponse(r, {}, true, kept);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  sigaction(SIGXFSZ, &old_action, nullptr);

  EXPECT_EQ(kept.saved_as, "");
  EXPECT_TRUE(mirror_->failed());
  const Status s = mirror_->status();
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find(dir_ + "/h/big"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find(std::strerror(EFBIG)), std::string::npos)
      << s.message();
  // The temporary file is gone; later calls do nothing.
  EXPECT_TRUE(fs::is_empty(dir_ + "/h"));
  mirror_->OnResponse(later, {}, true, kept);
  EXPECT_EQ(kept.saved_as, "");
  EXPECT_FALSE(fs::exists(dir_ + "/h/later"));
  EXPECT_EQ(mirror_->Close().message(), s.message());
}

TEST_F(MirrorTest, UnwritableDirectoryFails) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  ASSERT_EQ(mkdir((dir_ + "/h").c_str(), 0555), 0);
  EXPECT_EQ(Save("http://h/x"), "");
  EXPECT_TRUE(mirror_->failed());
  EXPECT_NE(mirror_->status().message().find(dir_ + "/h"), std::string::npos);
}

TEST_F(MirrorTest, OpenMakesParentsAndRejectsFiles) {
  auto deep = Mirror::Open({base_ + "/p/q/r"});
  ASSERT_TRUE(deep.ok()) << deep.status().message();
  EXPECT_TRUE(fs::is_directory(base_ + "/p/q/r"));

  WriteFile(base_ + "/file", "x");
  auto on_file = Mirror::Open({base_ + "/file"});
  EXPECT_EQ(on_file.status().code(), Status::Code::kIoError);
  EXPECT_NE(on_file.status().message().find(base_ + "/file"),
            std::string::npos);
  auto under_file = Mirror::Open({base_ + "/file/sub"});
  EXPECT_EQ(under_file.status().code(), Status::Code::kIoError);
  EXPECT_EQ(Mirror::Open({""}).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(MirrorTest, ConcurrentSaves) {
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> saved(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        // Shared directories, racing file/directory conflicts on "c".
        const std::string url =
            i % 2 == 0
                ? "http://h/s/" + std::to_string(t) + "/" + std::to_string(i)
                : "http://h/c" + std::string(t % 2 == 0 ? "" : "/x");
        Response r = Make(url, url);
        Kept kept;
        mirror_->OnResponse(r, {}, true, kept);
        saved[t].push_back(kept.saved_as);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_FALSE(mirror_->failed()) << mirror_->status().message();
  for (const auto& v : saved) {
    for (const std::string& s : v) EXPECT_TRUE(Inside(s)) << s;
  }
}

// Random URLs over an alphabet of the characters path tricks are made of:
// every saved file is a regular file under DIR, nothing appears outside,
// no symlink or temporary file is left in the tree.
TEST_F(MirrorTest, RandomUrlsStayInside) {
  const std::vector<std::string> pieces = {
      "/",    "/",   "/",    ".",   "..",  "%",
      "2",    "e",   "E",    "f",   "F",   "?",
      "\\",   "%00", "%2f",  "%2F", "%2e", "%2E",
      "%5c",  "a",   "%",    ":",   "#",   "%25",
      "//",   "/..", "/../", "@",   "+",   std::string(1, '\0'),
      "\xC3", "\xA9"};
  const std::vector<std::string> hosts = {"h",  "h:8080", "[::1]",
                                          "..", "%2e%2e", "a%2f..%2fb"};
  std::mt19937 rng(20240611);
  const std::string root = RealPath(dir_) + "/";
  int saved_count = 0;
  for (int n = 0; n < 2000; ++n) {
    std::string url = "http://" + hosts[rng() % hosts.size()];
    if (rng() % 8 != 0) url += "/";
    const int len = static_cast<int>(rng() % 24);
    for (int i = 0; i < len; ++i) url += pieces[rng() % pieces.size()];
    const std::string saved = Save(url, url);
    // Only a URL without a host is not saved.
    ASSERT_EQ(saved.empty(), MirrorPath(url).empty()) << url;
    if (saved.empty()) continue;
    ++saved_count;
    const std::string real = RealPath(saved);
    ASSERT_EQ(real.compare(0, root.size(), root), 0)
        << url << " -> " << saved << " (" << real << ")";
    ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(saved))) << saved;
  }
  EXPECT_FALSE(mirror_->failed()) << mirror_->status().message();
  EXPECT_GT(saved_count, 1500);
  EXPECT_TRUE(OutsideEmpty());
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    EXPECT_FALSE(e.is_symlink()) << e.path();
    EXPECT_EQ(e.path().filename().string().rfind("%tmp-", 0), std::string::npos)
        << e.path();
  }
}

}  // namespace
}  // namespace crawl
