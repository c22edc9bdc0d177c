// Mirror: saves each page's decoded body under a directory, one file per
// URL, laid out as `wget -r` lays it out (DIR/HOST/PATH), and never writes
// outside that directory whatever a URL says.
//
// What is saved: a response with status 200, no error_kind, a whole body
// (not `truncated`, and no Body spill error) is written to its file; any
// other response is not saved and its kept.saved_as stays empty. The bytes
// written are response.body (Content-Encoding undone), copied with
// Body::ForEach, so a spilled body is streamed, never loaded whole. A URL
// saved twice is overwritten.
//
// Naming (MirrorPath; `/` below separates the returned segments):
//   - First segment: the host, ASCII lower-cased, then "+PORT" when the port
//     is not the scheme's default (80 for http, 443 for https; a scheme
//     other than these keeps any port): "http://a.example:8080/" ->
//     "a.example+8080". An IPv6 host loses its brackets and its ':' are
//     escaped like any other: "http://[::1]:8080/" -> "%3A%3A1+8080". A '+'
//     inside a host is escaped (%2B) so the port suffix is unambiguous. The
//     scheme is not part of the path (http and https share a host's tree,
//     as in wget). Userinfo and the fragment are ignored.
//   - Then one segment per '/'-separated piece of the URL path. Each is
//     percent-decoded (so %2F, %2E, %00 become bytes of the name), then
//     escaped: ASCII letters, digits, "-._~!$&'()*+,;=@" and well-formed
//     UTF-8 sequences (C1 controls excepted) stay; every other byte
//     (including '/', '\\', ':', '%', NUL, controls, space, ill-formed
//     UTF-8) becomes %XX, upper-case hex. A piece that is "." or ".."
//     after decoding is written "%2E" / "%2E%2E"; an empty piece ("a//b")
//     is written "%empty".
//   - A path ending in '/' (or empty) ends in "index.html".
//   - A query is kept in the file name after a literal '?':
//     "/page?x=1&y=a/b" -> "page?x=1&y=a%2Fb". The query is decoded and
//     escaped as a path piece is, except that an escaped "!$&'()*+,;=@"
//     stays escaped (in a query "%26" and "&" differ); a '?' within the
//     query becomes %3F.
//   - A name longer than 200 bytes becomes its first 180 bytes (cut before a
//     %XX escape or UTF-8 sequence it would split) + '-' + 16 lower-case hex
//     digits of the 64-bit FNV-1a hash of the whole name: names that differ
//     anywhere stay distinct.
//   - At most 32 directories (the host's included) and 3,072 bytes in all,
//     conflict suffixes included (so DIR/PATH stays well under PATH_MAX;
//     the walk itself uses openat, one name at a time): the directories
//     past the limit are folded into the file name, joined by "%2F" (then
//     shortened as above).
// Every name is thus made of the kept characters and %XX escapes, except
// the "%empty" above, the "%dir"/"%file" conflict suffixes below and the
// "%tmp-" temporary files: a '%' followed by a lower-case letter never comes
// from escaping a URL, so those can never meet a URL-derived name.
//
// Conflicts between a file and a directory (`/a` saved as a file, `/a/b`
// needing a directory `a`, in either order): the name stays with whichever
// came first; a directory that finds a file (or a symlink, or anything not
// a directory) in its place is made as NAME%dir, and a file that finds a
// directory in its place is saved as NAME%file. So "/a" then "/a/b" gives
// HOST/a and HOST/a%dir/b; "/a/b" then "/a" gives HOST/a/b and HOST/a%file.
// If NAME%dir is not a directory either, or NAME%file is a directory (only
// possible if something other than the mirror made them), the response is
// not saved (saved_as stays empty; not a failure).
//
// Safety: the tree is walked from DIR's descriptor one segment at a time
// with openat(O_DIRECTORY|O_NOFOLLOW) and mkdirat, so no symlink inside DIR
// is ever followed (a symlink where a directory belongs is a conflict, as
// above). A file is written to a fresh temporary name in its directory
// (O_CREAT|O_EXCL|O_NOFOLLOW) and renamed over its final name: a symlink at
// the final name is replaced, its target never touched. DIR itself (the
// path given) may be or contain a symlink.
//
// Failures: an I/O error (ENOSPC, EACCES, EFBIG, ...) removes the temporary
// file, turns failed() true and status() to an IoError naming the path and
// the system's reason; every later OnResponse then does nothing.
//
// Thread safety: OnResponse may run on several threads at once; the file
// system arbitrates between them (mkdirat/rename races fall back to the
// conflict rule), and a Mutex guards the status. failed() and status() may
// be read at any time.
#ifndef CRAWL_OUTPUT_MIRROR_H_
#define CRAWL_OUTPUT_MIRROR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/options.h"
#include "crawl/response.h"
#include "crawl/status.h"
#include "sync/mutex.h"

namespace crawl {


// The path, relative to the mirror's directory, at which `url` is saved
// before conflict handling: its segments, host first, none empty, none "."
// or "..", none containing '/' or NUL, each at most 200 bytes. Empty if the
// URL has no "://" or no host (such a response is not saved). Pure; may be
// called from any thread.
std::vector<std::string> MirrorPath(std::string_view url);

class Mirror final : public ResponseSink {
 public:
  // Creates options.dir if missing (with its parents) and opens it. An
  // InvalidArgument if dir is empty, an IoError if it cannot be made or
  // opened as a directory.
  static Result<std::unique_ptr<Mirror>> Open(MirrorOptions options);
  ~Mirror() override;
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  // Saves `response` if it qualifies (see the file comment) and sets
  // kept.saved_as to the file's path: options.dir, '/', the segments
  // actually used (conflict suffixes included), '/'-joined. `links` and
  // `is_html` are not used.
  void OnResponse(const Response& response,
                  const std::vector<std::string>& links, bool is_html,
                  Kept& kept) override;
  bool failed() const override {
    return failed_.load(std::memory_order_acquire);
  }
  Status status() const override;
  // Nothing is pending (each file is complete when OnResponse returns):
  // returns status(). The directory stays open until destruction.
  Status Close() override;

 private:
  Mirror(std::string dir, int dir_fd);

  // Saves to `rel`; the path used is returned in `used`. False, and `used`
  // empty, if not saved: after an I/O failure (then recorded with Fail) or
  // a conflict the rule cannot settle.
  bool Save(const Body& body, const std::vector<std::string>& rel,
            std::vector<std::string>& used);
  void Fail(std::string message);

  const std::string dir_;
  const int dir_fd_;
  std::atomic<std::uint64_t> tmp_counter_{0};
  std::atomic<bool> failed_{false};
  mutable Mutex mu_;
  Status status_ GUARDED_BY(mu_);
};

}  // namespace crawl

#endif  // CRAWL_OUTPUT_MIRROR_H_
