#include "output/mirror.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "util/ascii.h"
#include "util/fd.h"
#include "util/utf8.h"

namespace crawl {
namespace {

constexpr std::size_t kMaxName = 200;      // longer names are hashed
constexpr std::size_t kKeptPrefix = 180;   // bytes kept of a hashed name
constexpr std::size_t kMaxDirs = 32;       // directory levels, host included
constexpr std::size_t kMaxRelPath = 3072;  // bytes of the relative path
constexpr std::size_t kSuffixRoom = 5;     // "%file" / "%dir"
constexpr std::string_view kEmptyName = "%empty";
constexpr std::string_view kDirSuffix = "%dir";
constexpr std::string_view kFileSuffix = "%file";
constexpr std::string_view kTmpPrefix = "%tmp-";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte a valid "%XX" at s[i] stands for, or -1.
int EscapeAt(std::string_view s, std::size_t i) {
  if (s[i] != '%' || i + 2 >= s.size()) return -1;
  const int hi = HexValue(s[i + 1]);
  const int lo = HexValue(s[i + 2]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

bool IsKept(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return c != 0 &&
         std::string_view("-._~!$&'()*+,;=@").find(static_cast<char>(c)) !=
             std::string_view::npos;
}

bool IsQueryDelimiter(unsigned char c) {
  return c != 0 &&
         std::string_view("!$&'()*+,;=@").find(static_cast<char>(c)) !=
             std::string_view::npos;
}

void AppendEscape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// Appends `decoded` escaped by the name rule. Bytes whose `force` flag is
// set are escaped even if kept; `escape_plus` escapes '+' (in hosts).
void AppendEscaped(std::string& out, std::string_view decoded,
                   const std::vector<bool>* force, bool escape_plus) {
  std::size_t i = 0;
  while (i < decoded.size()) {
    const auto c = static_cast<unsigned char>(decoded[i]);
    if (c < 0x80) {
      const bool forced = force != nullptr && (*force)[i];
      if (IsKept(c) && !forced && !(escape_plus && c == '+')) {
        out += static_cast<char>(c);
      } else {
        AppendEscape(out, c);
      }
      ++i;
      continue;
    }
    const Utf8Step step = NextUtf8(decoded, i);
    // C1 controls (U+0080..U+009F) are C2 80..C2 9F.
    const bool c1 = c == 0xC2 && step.length == 2 &&
                    static_cast<unsigned char>(decoded[i + 1]) < 0xA0;
    if (step.valid && !c1) {
      out.append(decoded.substr(i, step.length));
      i += step.length;
    } else {
      AppendEscape(out, c);
      ++i;
    }
  }
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int b = EscapeAt(s, i);
    if (b >= 0) {
      out += static_cast<char>(b);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// One path piece (or the host) as a name: decoded, escaped, dot names and
// the empty name replaced.
std::string PieceName(std::string_view piece, bool escape_plus) {
  const std::string decoded = PercentDecode(piece);
  if (decoded.empty()) return std::string(kEmptyName);
  if (decoded == ".") return "%2E";
  if (decoded == "..") return "%2E%2E";
  std::string out;
  AppendEscaped(out, decoded, nullptr, escape_plus);
  return out;
}

// The query as part of a file name (without the '?').
std::string QueryName(std::string_view query) {
  std::string decoded;
  std::vector<bool> force;
  for (std::size_t i = 0; i < query.size(); ++i) {
    const int b = EscapeAt(query, i);
    if (b >= 0) {
      decoded += static_cast<char>(b);
      force.push_back(IsQueryDelimiter(static_cast<unsigned char>(b)));
      i += 2;
    } else {
      decoded += query[i];
      force.push_back(false);
    }
  }
  std::string out;
  AppendEscaped(out, decoded, &force, false);
  return out;
}

std::uint64_t Fnv1a64(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// `name` if at most kMaxName bytes, else its first kKeptPrefix bytes (not
// splitting an escape or a UTF-8 sequence), '-' and its hash in hex.
std::string Shorten(std::string name) {
  if (name.size() <= kMaxName) return name;
  std::size_t cut = kKeptPrefix;
  if (name[cut - 1] == '%') {
    cut -= 1;
  } else if (name[cut - 2] == '%') {
    cut -= 2;
  } else {
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
      --cut;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const std::uint64_t h = Fnv1a64(name);
  std::string out = name.substr(0, cut);
  out += '-';
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(h >> shift) & 15];
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep,
                 std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < parts.size(); ++i) {
    if (i > from) out += sep;
    out += parts[i];
  }
  return out;
}

// Opens (making it if missing) the directory `name` in `parent`, without
// following a symlink. 0 and *out on success; ENOTDIR if something other
// than a directory is there; else the errno of the failure.
int OpenOrMakeDir(int parent, const std::string& name, int* out) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    const int fd = openat(parent, name.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      *out = fd;
      return 0;
    }
    if (errno == ENOTDIR || errno == ELOOP) return ENOTDIR;
    if (errno != ENOENT) return errno;
    if (mkdirat(parent, name.c_str(), 0755) != 0 && errno != EEXIST) {
      return errno;
    }
  }
  return EAGAIN;  // made and removed again under us, repeatedly
}

// Closes a descriptor the walk opened (not DIR's own).
class FdCloser {
 public:
  explicit FdCloser(int keep) : keep_(keep), fd_(keep) {}
  ~FdCloser() { Reset(keep_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  void Reset(int fd) {
    if (fd_ != keep_ && fd_ >= 0) close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  const int keep_;
  int fd_;
};

}  // namespace

std::vector<std::string> MirrorPath(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  std::string scheme(url.substr(0, sep));
  for (char& c : scheme) c = AsciiLower(c);
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  const std::string_view after =
      auth_end == std::string_view::npos ? "" : rest.substr(auth_end);
  if (const std::size_t at = authority.rfind('@');
      at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close != std::string_view::npos) {
      const std::string_view tail = authority.substr(close + 1);
      if (tail.empty() || tail.front() == ':') {
        host = authority.substr(1, close - 1);
        if (!tail.empty()) port = tail.substr(1);
      }
    }
  } else if (const std::size_t colon = authority.rfind(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return {};
  std::string lower_host(host);
  for (char& c : lower_host) c = AsciiLower(c);
  std::string host_name = PieceName(lower_host, /*escape_plus=*/true);
  if (!port.empty()) {
    std::string p(port);
    if (AllDigits(p)) {
      const std::size_t nz = p.find_first_not_of('0');
      p = nz == std::string::npos ? "0" : p.substr(nz);
    }
    const bool is_default =
        (scheme == "http" && p == "80") || (scheme == "https" && p == "443");
    if (!is_default) {
      host_name += '+';
      AppendEscaped(host_name, p, nullptr, /*escape_plus=*/true);
    }
  }

  std::vector<std::string> out;
  out.push_back(Shorten(std::move(host_name)));

  const std::size_t q = after.find('?');
  std::string_view path = after.substr(0, q);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::vector<std::string> pieces;
  for (;;) {
    const std::size_t slash = path.find('/');
    if (slash == std::string_view::npos) {
      pieces.push_back(path.empty() ? std::string("index.html")
                                    : PieceName(path, false));
      break;
    }
    pieces.push_back(PieceName(path.substr(0, slash), false));
    path.remove_prefix(slash + 1);
  }
  if (q != std::string_view::npos) {
    pieces.back() += '?';
    pieces.back() += QueryName(after.substr(q + 1));
  }
  for (std::string& p : pieces) p = Shorten(std::move(p));

  // Keep directories while they fit; fold the rest into the file name.
  std::size_t used = out[0].size() + kSuffixRoom;
  std::size_t i = 0;
  for (; i + 1 < pieces.size(); ++i) {
    const std::size_t need = pieces[i].size() + kSuffixRoom + 1;
    if (out.size() >= kMaxDirs ||
        used + need + 1 + kMaxName + kSuffixRoom > kMaxRelPath) {
      break;
    }
    out.push_back(std::move(pieces[i]));
    used += need;
  }
  if (i + 1 < pieces.size()) {
    out.push_back(Shorten(Join(pieces, "%2F", i)));
  } else {
    out.push_back(std::move(pieces.back()));
  }
  return out;
}

Mirror::Mirror(std::string dir, int dir_fd)
    : dir_(std::move(dir)), dir_fd_(dir_fd) {}

Mirror::~Mirror() { close(dir_fd_); }

Result<std::unique_ptr<Mirror>> Mirror::Open(MirrorOptions options) {
  const std::string& dir = options.dir;
  if (dir.empty()) return Status::InvalidArgument("--mirror: empty directory");
  // mkdir -p: every prefix ending before a '/', then the whole.
  int mkdir_errno = 0;
  std::string mkdir_path;
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    if (dir[i - 1] == '/') continue;
    const std::string prefix = dir.substr(0, i);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      mkdir_errno = errno;
      mkdir_path = prefix;
    }
  }
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (mkdir_errno != 0) {
      return Status::IoError("cannot create mirror directory " + mkdir_path +
                             ": " + std::strerror(mkdir_errno));
    }
    return Status::IoError("cannot open mirror directory " + dir + ": " +
                           std::strerror(err));
  }
  return std::unique_ptr<Mirror>(new Mirror(dir, fd));
}

void Mirror::Fail(std::string message) {
  MutexLock lock(mu_);
  if (failed_.load(std::memory_order_relaxed)) return;
  status_ = Status::IoError(std::move(message));
  failed_.store(true, std::memory_order_release);
}

Status Mirror::status() const {
  MutexLock lock(mu_);
  return status_;
}

Status Mirror::Close() { return status(); }

void Mirror::OnResponse(const Response& response,
                        const std::vector<std::string>& /*links*/,
                        bool /*is_html*/, Kept& kept) {
  if (failed()) return;
  if (response.status != 200 || response.error_kind != ErrorKind::kNone ||
      response.truncated || !response.body.error().empty()) {
    return;
  }
  try {
    const std::vector<std::string> rel = MirrorPath(response.url);
    if (rel.empty()) return;
    std::vector<std::string> used;
    if (!Save(response.body, rel, used)) return;
    std::string path = dir_;
    if (path.back() != '/') path += '/';
    path += Join(used, "/");
    kept.saved_as = std::move(path);
  } catch (const std::exception& e) {
    Fail(std::string("mirror: ") + e.what());
  }
}

bool Mirror::Save(const Body& body, const std::vector<std::string>& rel,
                  std::vector<std::string>& used) {
  used.clear();
  auto path_of = [&](std::string_view name) {
    std::string p = dir_;
    if (p.back() != '/') p += '/';
    for (const std::string& u : used) {
      p += u;
      p += '/';
    }
    p += name;
    return p;
  };

  FdCloser cur(dir_fd_);
  for (std::size_t i = 0; i + 1 < rel.size(); ++i) {
    std::string name = rel[i];
    int fd = -1;
    int err = OpenOrMakeDir(cur.get(), name, &fd);
    if (err == ENOTDIR) {
      name += kDirSuffix;
      err = OpenOrMakeDir(cur.get(), name, &fd);
      if (err == ENOTDIR) {  // not made by the mirror: leave it alone
        used.clear();
        return false;
      }
    }
    if (err != 0) {
      Fail("cannot create directory " + path_of(name) + ": " +
           std::strerror(err));
      used.clear();
      return false;
    }
    cur.Reset(fd);
    used.push_back(std::move(name));
  }

  // A fresh temporary file beside the final name.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = std::string(kTmpPrefix) + std::to_string(getpid()) + "-" +
          std::to_string(tmp_counter_.fetch_add(1, std::memory_order_relaxed));
    fd = openat(cur.get(), tmp.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  std::string name = rel.back();
  if (fd < 0) {
    Fail("cannot create a file in " + path_of("") + ": " +
         std::strerror(errno));
    used.clear();
    return false;
  }
  int write_errno = 0;
  const bool read_ok = body.ForEach([&](std::string_view chunk) {
    if (WriteAll(fd, chunk)) return true;
    write_errno = errno;
    return false;
  });
  if (close(fd) != 0 && write_errno == 0) write_errno = errno;
  if (write_errno != 0 || !read_ok) {
    unlinkat(cur.get(), tmp.c_str(), 0);
    Fail(write_errno != 0 ? "cannot write " + path_of(name) + ": " +
                                std::strerror(write_errno)
                          : "cannot write " + path_of(name) +
                                ": cannot read the response body back");
    used.clear();
    return false;
  }
  int err = 0;
  if (renameat(cur.get(), tmp.c_str(), cur.get(), name.c_str()) != 0) {
    err = errno;
    if (err == EISDIR || err == ENOTEMPTY || err == EEXIST) {
      name += kFileSuffix;
      err = renameat(cur.get(), tmp.c_str(), cur.get(), name.c_str()) == 0
                ? 0
                : errno;
      if (err == EISDIR || err == ENOTEMPTY || err == EEXIST) {
        unlinkat(cur.get(), tmp.c_str(), 0);
        used.clear();
        return false;
      }
    }
  }
  if (err != 0) {
    unlinkat(cur.get(), tmp.c_str(), 0);
    Fail("cannot write " + path_of(name) + ": " + std::strerror(err));
    used.clear();
    return false;
  }
  used.push_back(std::move(name));
  return true;
}

}  // namespace crawl
