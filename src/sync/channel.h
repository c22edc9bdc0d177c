// Channel<T>: the lecture's Go channel, for threads.
//
// Send blocks while the channel is full; Receive blocks while it is empty and
// open. Close() ends the stream: Send then fails, and receivers get every
// value accepted before Close, then std::nullopt. A range-for loop receives
// until the channel is closed and drained, like Go's `for v := range ch`.
//
// capacity 0 is Go's unbuffered channel: Send returns true only once a
// receiver has taken the value; if the channel is closed first, the value is
// withdrawn and Send returns false.
//
// Thread safety: every method may be called from any number of threads.
#ifndef CRAWL_SYNC_CHANNEL_H_
#define CRAWL_SYNC_CHANNEL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "sync/mutex.h"

namespace crawl {

template <typename T>
class Channel {
 public:
  explicit Channel(std::size_t capacity = 0) : capacity_(capacity) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Blocks until the value is accepted. Returns false, dropping the value, if
  // the channel is (or becomes, while waiting for room) closed.
  bool Send(T value) {
    MutexLock lock(mu_);
    while (!closed_ && buf_.size() >= slots()) not_full_.Wait(lock);
    if (closed_) return false;
    buf_.push_back(std::move(value));
    const std::uint64_t ticket = ++sent_;
    not_empty_.NotifyOne();
    if (capacity_ == 0) {
      while (!closed_ && received_ < ticket) taken_.Wait(lock);
      if (received_ < ticket) {  // closed before anyone took it
        buf_.pop_back();         // a rendezvous channel holds only ours
        return false;
      }
    }
    return true;
  }

  // Blocks until a value is available (returns it) or the channel is closed
  // and drained (returns std::nullopt).
  std::optional<T> Receive() {
    MutexLock lock(mu_);
    while (buf_.empty() && !closed_) not_empty_.Wait(lock);
    return PopLocked();
  }

  // Like Receive, but gives up at `deadline` (returns std::nullopt then too;
  // closed() tells the two apart).
  std::optional<T> ReceiveUntil(std::chrono::steady_clock::time_point deadline) {
    MutexLock lock(mu_);
    while (buf_.empty() && !closed_) {
      if (!not_empty_.WaitUntil(lock, deadline)) break;
    }
    return PopLocked();
  }

  // Returns a value if one is available now, else std::nullopt.
  std::optional<T> TryReceive() {
    MutexLock lock(mu_);
    return PopLocked();
  }

  // Idempotent. Wakes every blocked sender and receiver.
  void Close() {
    MutexLock lock(mu_);
    closed_ = true;
    not_empty_.NotifyAll();
    not_full_.NotifyAll();
    taken_.NotifyAll();
  }

  bool closed() const {
    MutexLock lock(mu_);
    return closed_;
  }

  // Input iteration: `for (T& v : channel)` receives until closed and drained.
  class Iterator {
   public:
    Iterator& operator++() {
      value_ = channel_->Receive();
      return *this;
    }
    T& operator*() { return *value_; }
    bool operator!=(const Iterator&) const { return value_.has_value(); }

   private:
    friend class Channel;
    explicit Iterator(Channel* c) : channel_(c), value_(c->Receive()) {}
    Iterator() = default;
    Channel* channel_ = nullptr;
    std::optional<T> value_;
  };
  Iterator begin() { return Iterator(this); }
  Iterator end() { return Iterator(); }

 private:
  // A capacity-0 channel holds at most one value, waiting for its receiver.
  std::size_t slots() const { return capacity_ == 0 ? 1 : capacity_; }

  std::optional<T> PopLocked() REQUIRES(mu_) {
    if (buf_.empty()) return std::nullopt;
    std::optional<T> v(std::move(buf_.front()));
    buf_.pop_front();
    ++received_;
    not_full_.NotifyOne();
    if (capacity_ == 0) taken_.NotifyAll();
    return v;
  }

  const std::size_t capacity_;
  mutable Mutex mu_;
  CondVar not_empty_, not_full_, taken_;
  std::deque<T> buf_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  std::uint64_t sent_ GUARDED_BY(mu_) = 0;
  std::uint64_t received_ GUARDED_BY(mu_) = 0;
};

}  // namespace crawl

#endif  // CRAWL_SYNC_CHANNEL_H_
