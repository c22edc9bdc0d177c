// crawl/status.h — the one error type used across crawl's module boundaries.
//
// A Status is either OK or carries a code and a human-readable message.
// Result<T> holds either a T or a non-OK Status. Neither throws. Both are
// plain values: safe to copy and move between threads, not to share for
// concurrent mutation.
//
// Note: an HTTP 404 or a failed fetch is *data* (see fetcher.h), never a
// Status. A Status reports that an operation itself could not be carried out
// (bad options, unwritable output, ...).
#ifndef CRAWL_STATUS_H_
#define CRAWL_STATUS_H_

#include <string>
#include <utility>
#include <variant>

namespace crawl {

class Status {
 public:
  enum class Code { kOk, kInvalidArgument, kIoError, kFailedPrecondition, kInternal };

  // OK.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(Code::kInvalidArgument, std::move(message));
  }
  static Status IoError(std::string message) {
    return Status(Code::kIoError, std::move(message));
  }
  // The call is not valid now (Run() twice, Visit() after the crawl ended).
  static Status FailedPrecondition(std::string message) {
    return Status(Code::kFailedPrecondition, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(Code::kInternal, std::move(message));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Empty when ok().
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // `status` must not be OK.
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when ok().
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // Requires ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace crawl

#endif  // CRAWL_STATUS_H_
