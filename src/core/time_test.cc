#include "core/time.h"

#include <gtest/gtest.h>

namespace straits {
namespace {

TEST(Instant, ParsesDateAndDateTimeForms) {
  EXPECT_EQ(Instant::Parse("1970-01-01")->unix_seconds(), 0);
  EXPECT_EQ(Instant::Parse("2025-05-13")->ToString(), "2025-05-13T00:00:00Z");
  EXPECT_EQ(Instant::Parse("2025-05-13T08:00:00Z")->ToString(), "2025-05-13T08:00:00Z");
  EXPECT_EQ(Instant::Parse("2025-05-13T08:00Z")->ToString(), "2025-05-13T08:00:00Z");
  EXPECT_EQ(Instant::Parse("2025-05-13 08:00:00Z")->ToString(), "2025-05-13T08:00:00Z");
  EXPECT_EQ(Instant::Parse("2025-05-13T16:00:00+08:00")->ToString(), "2025-05-13T08:00:00Z");
  EXPECT_EQ(Instant::Parse("2025-05-13T00:30:00-01:00")->ToString(), "2025-05-13T01:30:00Z");
  EXPECT_EQ(Instant::Parse("2024-02-29")->DateString(), "2024-02-29");
  EXPECT_EQ(Instant::Parse("1969-12-31T23:59:59Z")->unix_seconds(), -1);
  EXPECT_EQ(Instant::Parse("1969-12-31T23:59:59Z")->ToString(), "1969-12-31T23:59:59Z");
  // Fractional seconds, as browsers send them, are dropped.
  EXPECT_EQ(Instant::Parse("2026-11-22T09:39:36.386Z")->ToString(), "2026-11-22T09:39:36Z");
  EXPECT_EQ(Instant::Parse("2026-11-22T09:39:36.999999999+08:00")->ToString(),
            "2026-11-22T01:39:36Z");
}

TEST(Instant, RejectsInvalidTimes) {
  for (const char* bad :
       {"", "2025", "2025-5-13", "2025-13-01", "2025-02-29", "2023-02-30", "2025-05-13T",
        "2025-05-13T08:00:00", "2025-05-13T24:00:00Z", "2025-05-13T08:60:00Z",
        "2025-05-13T08:00:00+8", "2025-05-13Z", "13/05/2025", "2025-05-13T08:00:00ZZ", "0000-01-01",
        "2025-05-13x", "2025-05-13T08:00:00.Z", "2025-05-13T08:00:00.1234567890Z",
        "2025-05-13T08:00.5Z"}) {
    Result<Instant> t = Instant::Parse(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(Instant, RoundTripsAcrossCenturies) {
  for (int64_t s = -4'000'000'000LL; s < 8'000'000'000LL; s += 86'399'937LL) {
    Instant t = Instant::FromUnixSeconds(s);
    EXPECT_EQ(Instant::Parse(t.ToString())->unix_seconds(), s) << t;
  }
}

TEST(Instant, StartOfDay) {
  EXPECT_EQ(Instant::Parse("2025-05-13T23:59:59Z")->StartOfDay(), *Instant::Parse("2025-05-13"));
  EXPECT_EQ(Instant::Parse("1969-12-31T12:00:00Z")->StartOfDay(), *Instant::Parse("1969-12-31"));
}

TEST(Duration, ParsesUnitsAndCombinations) {
  EXPECT_EQ(Duration::Parse("72h")->seconds(), 72 * 3600);
  EXPECT_EQ(Duration::Parse("90d")->seconds(), 90 * 86400);
  EXPECT_EQ(Duration::Parse("45s")->seconds(), 45);
  EXPECT_EQ(Duration::Parse("30m")->seconds(), 1800);
  EXPECT_EQ(Duration::Parse("2w")->seconds(), 14 * 86400);
  EXPECT_EQ(Duration::Parse("1d12h")->seconds(), 36 * 3600);
  EXPECT_EQ(Duration::Parse("0s")->seconds(), 0);
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad : {"", "h", "72", "-1h", "1.5h", "72H", "1 d", "3y", "99999999999999999d"}) {
    EXPECT_FALSE(Duration::Parse(bad).ok()) << bad;
  }
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(Duration::Hours(72).ToString(), "3d");
  EXPECT_EQ(Duration::Hours(36).ToString(), "1d12h");
  EXPECT_EQ(Duration::Minutes(90).ToString(), "1h30m");
  EXPECT_EQ(Duration().ToString(), "0s");
}

TEST(Interval, IsHalfOpenAndValidated) {
  Instant a = *Instant::Parse("2025-01-01"), b = *Instant::Parse("2025-01-02"),
          c = *Instant::Parse("2025-01-03");
  Interval ab = *Interval::Make(a, b), bc = *Interval::Make(b, c);
  EXPECT_TRUE(ab.Contains(a));
  EXPECT_FALSE(ab.Contains(b));
  EXPECT_FALSE(ab.Overlaps(bc));
  EXPECT_TRUE(Interval::Make(a, c)->Overlaps(bc));
  EXPECT_EQ(ab.length(), Duration::Days(1));
  EXPECT_TRUE(Interval::Make(a, a)->empty());
  Result<Interval> backwards = Interval::Make(b, a);
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.status().field(), "end");
  EXPECT_EQ(ab.ToString(), "[2025-01-01T00:00:00Z, 2025-01-02T00:00:00Z)");
}

}  // namespace
}  // namespace straits
