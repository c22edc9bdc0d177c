// Small helpers over file descriptors.
#ifndef CRAWL_UTIL_FD_H_
#define CRAWL_UTIL_FD_H_

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string_view>

namespace crawl {

// Writes all of `bytes` to `fd`, going on after EINTR and short writes;
// false (errno set) on any other failure.
inline bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t w = write(fd, bytes.data(), bytes.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
  return true;
}

}  // namespace crawl

#endif  // CRAWL_UTIL_FD_H_
