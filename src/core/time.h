// Instants, durations and half-open intervals, all UTC with one-second resolution.
//
//   Instant::Parse("2025-05-13")            -> 2025-05-13T00:00:00Z
//   Instant::Parse("2025-05-13T08:00:00Z")  -> that instant
//   Instant::Parse("2025-05-13T10:00:00+02:00") -> 2025-05-13T08:00:00Z
//   Duration::Parse("72h"), Duration::Parse("90d"), Duration::Parse("1d12h30m")
//   Interval::Make(start, end)  // invalid_argument when end < start
//
// Times never come from a global clock inside logic; callers pass "now".
// Thread-safety: immutable value types.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/status.h"

namespace straits {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Seconds(int64_t s) { return Duration(s); }
  static constexpr Duration Minutes(int64_t m) { return Duration(m * 60); }
  static constexpr Duration Hours(int64_t h) { return Duration(h * 3600); }
  static constexpr Duration Days(int64_t d) { return Duration(d * 86400); }

  // One or more <number><unit> parts, unit one of s, m, h, d, w: "45s", "72h",
  // "90d", "1d12h". Negative and empty durations are refused.
  static Result<Duration> Parse(std::string_view text);

  constexpr int64_t seconds() const { return seconds_; }
  // Shortest exact form: "3d", "36h", "90m", "1d12h", "0s".
  std::string ToString() const;

  friend constexpr auto operator<=>(Duration, Duration) = default;
  friend constexpr Duration operator+(Duration a, Duration b) {
    return Duration(a.seconds_ + b.seconds_);
  }
  friend constexpr Duration operator-(Duration a, Duration b) {
    return Duration(a.seconds_ - b.seconds_);
  }

 private:
  constexpr explicit Duration(int64_t s) : seconds_(s) {}
  int64_t seconds_ = 0;
};

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromUnixSeconds(int64_t s) { return Instant(s); }
  // Civil UTC date and time; invalid_argument for impossible dates (Feb 30).
  static Result<Instant> FromCivil(int year, int month, int day, int hour = 0, int minute = 0,
                                   int second = 0);

  // ISO 8601: "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS[.fff]]Z", or
  // with a "+HH:MM"/"-HH:MM" offset. A space may replace the 'T'. Fractional
  // seconds (1 to 9 digits) are dropped.
  static Result<Instant> Parse(std::string_view text);

  constexpr int64_t unix_seconds() const { return seconds_; }
  // "2025-05-13T08:00:00Z".
  std::string ToString() const;
  // "2025-05-13" (the UTC date).
  std::string DateString() const;
  // Start of the UTC day containing this instant.
  Instant StartOfDay() const;

  friend constexpr auto operator<=>(Instant, Instant) = default;
  friend constexpr Instant operator+(Instant t, Duration d) {
    return Instant(t.seconds_ + d.seconds());
  }
  friend constexpr Instant operator-(Instant t, Duration d) {
    return Instant(t.seconds_ - d.seconds());
  }
  friend constexpr Duration operator-(Instant a, Instant b) {
    return Duration::Seconds(a.seconds_ - b.seconds_);
  }

 private:
  constexpr explicit Instant(int64_t s) : seconds_(s) {}
  int64_t seconds_ = 0;
};

// Half-open [start, end). Empty intervals (start == end) are allowed.
class Interval {
 public:
  // invalid_argument (field "end") when end < start.
  static Result<Interval> Make(Instant start, Instant end);

  Instant start() const { return start_; }
  Instant end() const { return end_; }
  Duration length() const { return end_ - start_; }
  bool empty() const { return start_ == end_; }
  bool Contains(Instant t) const { return start_ <= t && t < end_; }
  bool Overlaps(const Interval& other) const { return start_ < other.end_ && other.start_ < end_; }
  // "[2025-05-13T08:00:00Z, 2025-05-14T08:00:00Z)".
  std::string ToString() const;

  friend bool operator==(const Interval&, const Interval&) = default;

 private:
  Interval(Instant start, Instant end) : start_(start), end_(end) {}
  Instant start_;
  Instant end_;
};

std::ostream& operator<<(std::ostream& os, Duration d);
std::ostream& operator<<(std::ostream& os, Instant t);
std::ostream& operator<<(std::ostream& os, const Interval& i);

}  // namespace straits

template <>
struct std::hash<straits::Instant> {
  size_t operator()(straits::Instant t) const noexcept {
    return std::hash<int64_t>()(t.unix_seconds());
  }
};
