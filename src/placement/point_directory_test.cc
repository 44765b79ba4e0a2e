#include "placement/point_directory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "placement/calendar.h"

namespace straits::placement {
namespace {

constexpr Seconds kDay = PointDirectory::kDay;

uint32_t FirstAtOrAfter(const std::vector<ChangePoint>& pts, Seconds t) {
  return static_cast<uint32_t>(
      std::count_if(pts.begin(), pts.end(), [t](const ChangePoint& p) { return p.time < t; }));
}

// Every covered day of every node holds exactly the entries its definition
// gives: the first point at or after the day's start, and at or after the next.
void ExpectExact(const PointDirectory& dir, const std::vector<std::vector<ChangePoint>>& points) {
  for (size_t node = 0; node < points.size(); ++node) {
    for (int64_t d = dir.first_day(); d + 1 < dir.first_day() + dir.day_count(); ++d) {
      const Seconds t = d * kDay + (d % 3 == 0 ? 0 : kDay - 1);
      std::optional<PointDirectory::Day> day = dir.DayOf(node, t);
      ASSERT_TRUE(day) << "node " << node << " day " << d;
      EXPECT_EQ(day->begin, FirstAtOrAfter(points[node], d * kDay))
          << "node " << node << " day " << d;
      EXPECT_EQ(day->end, FirstAtOrAfter(points[node], (d + 1) * kDay))
          << "node " << node << " day " << d;
    }
  }
}

void Insert(PointDirectory& dir, std::vector<std::vector<ChangePoint>>& points, size_t node,
            Seconds t) {
  dir.Cover(t, t, points);
  std::vector<ChangePoint>& pts = points[node];
  auto it = std::lower_bound(pts.begin(), pts.end(), t,
                             [](const ChangePoint& p, Seconds value) { return p.time < value; });
  if (it != pts.end() && it->time == t) return;
  pts.insert(it, ChangePoint{.time = t, .used = 1});
  dir.Shift(node, t, +1);
}

void Erase(PointDirectory& dir, std::vector<std::vector<ChangePoint>>& points, size_t node,
           size_t index) {
  std::vector<ChangePoint>& pts = points[node];
  const Seconds t = pts[index].time;
  pts.erase(pts.begin() + static_cast<ptrdiff_t>(index));
  dir.Shift(node, t, -1);
}

TEST(PointDirectoryTest, EntriesStayExactThroughInsertsErasesAndGrowth) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    const size_t nodes = 1 + rng() % 4;
    PointDirectory dir(nodes);
    std::vector<std::vector<ChangePoint>> points(nodes);
    // Times around a base day, some of them before it and some far after, so
    // that the range grows both ways.
    const Seconds base = static_cast<Seconds>(rng() % 1000) * kDay;
    for (int op = 0; op < 300; ++op) {
      const size_t node = rng() % nodes;
      if (!points[node].empty() && rng() % 3 == 0) {
        Erase(dir, points, node, rng() % points[node].size());
      } else {
        const auto spread = static_cast<Seconds>(op < 100 ? 5 * kDay : 200 * kDay);
        const Seconds t =
            base + static_cast<Seconds>(rng() % static_cast<uint64_t>(2 * spread)) - spread / 2;
        Insert(dir, points, node, t);
      }
      if (op % 25 == 0) ExpectExact(dir, points);
    }
    ExpectExact(dir, points);
    EXPECT_GT(dir.day_count(), 64);
  }
}

// A booking's two ends, reported in one pass, move the entries as two
// single reports would.
TEST(PointDirectoryTest, TwoEndsInOnePassMatchTwoReports) {
  std::mt19937_64 rng(23);
  PointDirectory dir(2);
  std::vector<std::vector<ChangePoint>> points(2);
  for (int op = 0; op < 400; ++op) {
    const size_t node = rng() % 2;
    const Seconds a = static_cast<Seconds>(rng() % (30 * kDay));
    const Seconds b = a + static_cast<Seconds>(rng() % (5 * kDay));
    dir.Cover(a, b, points);
    std::vector<ChangePoint>& pts = points[node];
    int32_t counts[2] = {0, 0};
    const Seconds ends[2] = {a, b};
    for (int e = 0; e < 2; ++e) {
      auto it =
          std::lower_bound(pts.begin(), pts.end(), ends[e],
                           [](const ChangePoint& p, Seconds value) { return p.time < value; });
      if (it != pts.end() && it->time == ends[e]) {
        if (rng() % 2 == 0) {
          pts.erase(it);
          --counts[e];
        }
      } else {
        pts.insert(it, ChangePoint{.time = ends[e], .used = 1});
        ++counts[e];
      }
    }
    dir.Shift(node, a, counts[0], b, counts[1]);
    if (op % 50 == 0) ExpectExact(dir, points);
  }
  ExpectExact(dir, points);
}

TEST(PointDirectoryTest, CoversWhatItWasAskedToWithinTheSpan) {
  PointDirectory dir(2);
  std::vector<std::vector<ChangePoint>> points(2);
  EXPECT_FALSE(dir.DayOf(0, 5 * kDay));
  dir.Cover(5 * kDay, 9 * kDay + 10, points);
  EXPECT_TRUE(dir.DayOf(0, 5 * kDay));
  EXPECT_TRUE(dir.DayOf(1, 9 * kDay + 10));
  EXPECT_FALSE(dir.DayOf(1, 5 * kDay - 1));
  // The last day kept has no entry after it, so it is not covered.
  const int64_t last_day = dir.first_day() + dir.day_count() - 1;
  EXPECT_TRUE(dir.DayOf(0, last_day * kDay - 1));
  EXPECT_FALSE(dir.DayOf(0, last_day * kDay));
  // Earlier days: the range grows back.
  dir.Cover(2 * kDay, 2 * kDay, points);
  EXPECT_TRUE(dir.DayOf(0, 2 * kDay));
  EXPECT_TRUE(dir.DayOf(0, 9 * kDay));
}

TEST(PointDirectoryTest, LeavesRangesWiderThanTheSpanUncovered) {
  PointDirectory dir(1);
  std::vector<std::vector<ChangePoint>> points(1);
  dir.Cover(0, kDay, points);
  const Seconds far = (PointDirectory::kMaxDays + 10) * kDay;
  dir.Cover(far, far, points);
  EXPECT_FALSE(dir.DayOf(0, far));
  EXPECT_TRUE(dir.DayOf(0, 0));
  EXPECT_LE(dir.day_count(), PointDirectory::kMaxDays);
  // Growing forward stops at the span, never past it.
  dir.Cover((PointDirectory::kMaxDays - 3) * kDay, (PointDirectory::kMaxDays - 3) * kDay, points);
  EXPECT_TRUE(dir.DayOf(0, (PointDirectory::kMaxDays - 3) * kDay));
  EXPECT_LE(dir.day_count(), PointDirectory::kMaxDays);
}

TEST(PointDirectoryTest, ForgetAndTrimKeepTheLaterDaysExact) {
  std::mt19937_64 rng(5);
  const size_t nodes = 3;
  PointDirectory dir(nodes);
  std::vector<std::vector<ChangePoint>> points(nodes);
  for (int i = 0; i < 200; ++i) {
    Insert(dir, points, rng() % nodes, static_cast<Seconds>(rng() % (40 * kDay)));
  }
  // Forget what lies before day 17 and a half, as the calendar does: the point
  // in force there moves to t.
  const Seconds t = 17 * kDay + kDay / 2;
  for (size_t node = 0; node < nodes; ++node) {
    std::vector<ChangePoint>& pts = points[node];
    auto it = std::upper_bound(pts.begin(), pts.end(), t,
                               [](Seconds value, const ChangePoint& p) { return value < p.time; });
    if (it == pts.begin()) continue;
    --it;
    const auto erased = static_cast<uint32_t>(it - pts.begin());
    pts.erase(pts.begin(), it);
    pts.front().time = t;
    dir.Forget(node, t, erased);
  }
  dir.TrimBefore(t);
  EXPECT_EQ(dir.first_day(), 17);
  ExpectExact(dir, points);
}

// The calendar answers from the directory where it covers an instant and from
// the points elsewhere; both must agree with a brute-force count.
TEST(PointDirectoryTest, CalendarAnswersAlikeInsideAndOutsideTheDirectory) {
  Calendar cal(std::vector<int32_t>{8});
  const Seconds far = (PointDirectory::kMaxDays + 100) * kDay;
  const Allocation one[] = {{.node = 0, .gpus = 3}};
  const Allocation two[] = {{.node = 0, .gpus = 2}};
  auto iv = [](Seconds s, Seconds e) {
    return *Interval::Make(Instant::FromUnixSeconds(s), Instant::FromUnixSeconds(e));
  };
  ASSERT_TRUE(cal.Reserve(1, iv(kDay, 3 * kDay), one).ok());
  ASSERT_TRUE(cal.Reserve(2, iv(2 * kDay, far + kDay), two).ok());
  ASSERT_TRUE(cal.Reserve(3, iv(far - kDay, far + 2 * kDay), one).ok());
  EXPECT_EQ(cal.FreeGpus(0, 0, kDay), 8);
  EXPECT_EQ(cal.FreeGpus(0, kDay, 2 * kDay), 5);
  EXPECT_EQ(cal.FreeGpus(0, 2 * kDay, 3 * kDay), 3);
  EXPECT_EQ(cal.FreeGpus(0, 3 * kDay, 4 * kDay), 6);
  EXPECT_EQ(cal.FreeGpus(0, far - 2 * kDay, far - kDay), 6);
  EXPECT_EQ(cal.FreeGpus(0, far, far + 1), 3);
  EXPECT_EQ(cal.FreeGpus(0, far + kDay, far + kDay + 1), 5);
  EXPECT_EQ(cal.FreeGpus(0, far + 2 * kDay, far + 3 * kDay), 8);
  cal.Unreserve(2);
  EXPECT_EQ(cal.FreeGpus(0, 2 * kDay, 3 * kDay), 5);
  EXPECT_EQ(cal.FreeGpus(0, far, far + 1), 5);
}

}  // namespace
}  // namespace straits::placement
