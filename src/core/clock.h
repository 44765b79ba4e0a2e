// Clock: the only way code learns "now". Engines take "now" as an argument;
// services hold a Clock so tests can substitute FakeClock.
//
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.h"

namespace straits {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

// Wall-clock UTC time.
class SystemClock final : public Clock {
 public:
  Instant Now() const override {
    return Instant::FromUnixSeconds(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  }
};

// A clock that only moves when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start) : seconds_(start.unix_seconds()) {}
  Instant Now() const override { return Instant::FromUnixSeconds(seconds_.load()); }
  void Set(Instant t) { seconds_.store(t.unix_seconds()); }
  void Advance(Duration d) { seconds_.fetch_add(d.seconds()); }

 private:
  std::atomic<int64_t> seconds_;
};

}  // namespace straits
