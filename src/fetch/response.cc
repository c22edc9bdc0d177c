#include "crawl/response.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "util/ascii.h"
#include "util/fd.h"

namespace crawl {
namespace {

constexpr std::size_t kChunk = 64 << 10;

std::string SpillDir(const std::string& dir) {
  if (!dir.empty()) return dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

// An unlinked file in `dir`: O_TMPFILE where the file system has it, else a
// named file unlinked at once. -1 and errno on failure.
int OpenSpillFile(const std::string& dir) {
#ifdef O_TMPFILE
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return -1;
#endif
  std::string path = dir + "/crawl-body-XXXXXX";
  int fd2 = mkostemp(path.data(), O_CLOEXEC);
  if (fd2 >= 0) unlink(path.c_str());
  return fd2;
}

}  // namespace

Body::~Body() {
  Unmap();
  if (fd_ >= 0) close(fd_);
}

Body::Body(Body&& other) noexcept
    : threshold_(other.threshold_),
      spill_dir_(std::move(other.spill_dir_)),
      mem_(std::move(other.mem_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(std::exchange(other.size_, 0)),
      error_(std::move(other.error_)),
      map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)) {
  other.mem_.clear();
}

Body& Body::operator=(Body&& other) noexcept {
  if (this != &other) {
    Unmap();
    if (fd_ >= 0) close(fd_);
    threshold_ = other.threshold_;
    spill_dir_ = std::move(other.spill_dir_);
    mem_ = std::move(other.mem_);
    other.mem_.clear();
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
    error_ = std::move(other.error_);
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
  }
  return *this;
}

void Body::Unmap() const {
  if (map_ != nullptr) {
    munmap(const_cast<char*>(map_), map_size_);
    map_ = nullptr;
    map_size_ = 0;
  }
}

bool Body::Spill() {
  const std::string dir = SpillDir(spill_dir_);
  fd_ = OpenSpillFile(dir);
  if (fd_ < 0) {
    error_ = "cannot create a temporary file in " + dir + ": " +
             std::strerror(errno);
    return false;
  }
  if (!WriteAll(fd_, mem_)) {
    error_ = std::string("cannot write a temporary file: ") +
             std::strerror(errno);
    close(fd_);
    fd_ = -1;
    return false;
  }
  std::string().swap(mem_);
  return true;
}

bool Body::Append(std::string_view bytes) {
  if (bytes.empty()) return true;
  if (!error_.empty()) return false;
  Unmap();
  if (fd_ < 0) {
    if (size_ + bytes.size() <= threshold_) {
      mem_.append(bytes);
      size_ += bytes.size();
      return true;
    }
    if (!Spill()) return false;
  }
  if (!WriteAll(fd_, bytes)) {
    error_ = std::string("cannot write a temporary file: ") +
             std::strerror(errno);
    return false;
  }
  size_ += bytes.size();
  return true;
}

bool Body::ForEach(const std::function<bool(std::string_view)>& chunk) const {
  if (fd_ < 0) {
    if (!mem_.empty()) chunk(mem_);
    return true;
  }
  std::string buf(kChunk, '\0');
  std::uint64_t offset = 0;
  while (offset < size_) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(kChunk, size_ - offset));
    const ssize_t r = pread(fd_, buf.data(), want, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    offset += static_cast<std::uint64_t>(r);
    if (!chunk(std::string_view(buf.data(), static_cast<std::size_t>(r)))) {
      break;
    }
  }
  return true;
}

std::string_view Body::view() const {
  if (fd_ < 0) return mem_;
  if (size_ == 0) return {};
  if (map_ == nullptr) {
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) return {};
    map_ = static_cast<const char*>(p);
    map_size_ = size_;
  }
  return std::string_view(map_, map_size_);
}

void Body::Clear() {
  Unmap();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  std::string().swap(mem_);
  size_ = 0;
  error_.clear();
}

const std::string* Response::Header(std::string_view name) const {
  for (const HeaderField& h : headers) {
    if (h.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < name.size(); ++i) {
      same = AsciiLower(h.name[i]) == AsciiLower(name[i]);
    }
    if (same) return &h.value;
  }
  return nullptr;
}


namespace {
constexpr ErrorKind kAllKinds[] = {
    ErrorKind::kNone,          ErrorKind::kTimeout,
    ErrorKind::kConnect,       ErrorKind::kDns,
    ErrorKind::kTls,           ErrorKind::kNetwork,
    ErrorKind::kTruncated,     ErrorKind::kBadResponse,
    ErrorKind::kHeaderTooLarge, ErrorKind::kDecoding,
    ErrorKind::kPrivateAddress, ErrorKind::kCancelled,
    ErrorKind::kUrl,           ErrorKind::kIo,
    ErrorKind::kCurl,          ErrorKind::kRedirectLimit,
    ErrorKind::kRedirect,      ErrorKind::kRobots,
    ErrorKind::kException,     ErrorKind::kCallback,
    ErrorKind::kInjected,      ErrorKind::kHttpStatus,
};
}  // namespace

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return "";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kConnect: return "connect";
    case ErrorKind::kDns: return "dns";
    case ErrorKind::kTls: return "tls";
    case ErrorKind::kNetwork: return "network";
    case ErrorKind::kTruncated: return "truncated";
    case ErrorKind::kBadResponse: return "bad_response";
    case ErrorKind::kHeaderTooLarge: return "header_too_large";
    case ErrorKind::kDecoding: return "decoding";
    case ErrorKind::kPrivateAddress: return "private_address";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kUrl: return "url";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kCurl: return "curl";
    case ErrorKind::kRedirectLimit: return "redirect_limit";
    case ErrorKind::kRedirect: return "redirect";
    case ErrorKind::kRobots: return "robots";
    case ErrorKind::kException: return "exception";
    case ErrorKind::kCallback: return "callback";
    case ErrorKind::kInjected: return "injected";
    case ErrorKind::kHttpStatus: return "http_status";
  }
  return "curl";
}

ErrorKind ParseErrorKind(std::string_view name) {
  for (ErrorKind kind : kAllKinds) {
    if (name == ErrorKindName(kind)) return kind;
  }
  return ErrorKind::kCurl;
}

bool Retryable(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kTimeout:
    case ErrorKind::kConnect:
    case ErrorKind::kNetwork:
    case ErrorKind::kDns:
    case ErrorKind::kTruncated:
      return true;
    default:
      return false;
  }
}

}  // namespace crawl
