// PointDirectory: per node and day, where the node's change points of that day
// begin, so that finding the point in force at an instant costs one read here
// and one into the node's points, instead of a search through them.
//
//   PointDirectory dir(num_nodes);
//   dir.Cover(start, end, points);        // before a node's points change there
//   ... insert a point at time t into points[node] ...
//   dir.Shift(node, t, +1);
//   if (auto day = dir.DayOf(node, t)) {  // points [day->begin, day->end)
//     ...                                 // hold every point of t's day
//   }
//
// Why. A search asks "which change point is in force at t" for hundreds of
// nodes per decision, each a node the cache has not seen lately. On the scale
// fleet (bench/placement: 833 points per node on average), a position guessed
// by interpolation was 23 points off on average, and the gallop from it read
// 4.5 probes, each a cache miss of its own. Here the entry for (node, day) is
// one computed address, and a day holds a few points, one or two cache lines.
//
// Layout: one flat array, node by node, one 32-bit entry per node and day over
// a range of days shared by all nodes. entry(node, day) is the index of the
// node's first point at or after the day's start. The range grows (at least
// doubling) to cover the days of new points, up to kMaxDays; instants outside
// it are not covered, and callers search the points themselves there.
//
// Upkeep: whoever changes a node's points reports every point inserted or
// erased (Shift), after making room for its days (Cover); the calendar's
// ForgetBefore reports what it drops (Forget, then TrimBefore).
//
// Thread-safety: none; const methods may run concurrently while nothing
// mutates the directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "placement/change_point.h"
#include "placement/huge_page_allocator.h"

namespace straits::placement {

class PointDirectory {
 public:
  static constexpr Seconds kDay = 86400;
  // About eight years: beyond that span the directory stops growing (a year of
  // the scale fleet's 12,500 nodes takes 18 MB, 25.6 MB as grown by doubling).
  static constexpr int64_t kMaxDays = 8 * 366;

  PointDirectory() = default;
  explicit PointDirectory(size_t nodes) : nodes_(nodes) {}

  // Makes room, where the span allows, for the days of [from, to], computing
  // the new days' entries from `points` (each node's points, sorted by time).
  // Call it before changing points in [from, to].
  void Cover(Seconds from, Seconds to, const std::vector<std::vector<ChangePoint>>& points);

  // Reports that a point of `node` at time `t` was inserted (delta +1) or erased
  // (delta -1).
  void Shift(size_t node, Seconds t, int32_t delta);
  // Shift(node, first, first_delta) and Shift(node, second, second_delta) in
  // one pass over the entries (first <= second): a booking's two ends.
  void Shift(size_t node, Seconds first, int32_t first_delta, Seconds second, int32_t second_delta);

  // Reports that the first `erased` points of `node` were dropped and that its
  // points now all lie at or after `t`.
  void Forget(size_t node, Seconds t, uint32_t erased);
  // Drops the days that end at or before `t`, after Forget for every node.
  void TrimBefore(Seconds t);

  struct Day {
    uint32_t begin = 0;  // every point before it is earlier than the day
    uint32_t end = 0;    // every point from it on is later than the day
  };
  // The points of t's day for `node`; nullopt where the day is not covered.
  std::optional<Day> DayOf(size_t node, Seconds t) const {
    const int64_t d = DayIndex(t) - first_;
    if (d < 0 || d + 1 >= count_) return std::nullopt;
    const uint32_t* row = &entries_[node * static_cast<size_t>(count_) + static_cast<size_t>(d)];
    return Day{.begin = row[0], .end = row[1]};
  }
  // The covered days, [first_day, first_day + day_count), for tests.
  int64_t first_day() const { return first_; }
  int64_t day_count() const { return count_; }

  static int64_t DayIndex(Seconds t) { return t >= 0 ? t / kDay : -((-t + kDay - 1) / kDay); }

 private:
  size_t nodes_ = 0;
  int64_t first_ = 0;  // first covered day
  int64_t count_ = 0;  // covered days
  std::vector<uint32_t, HugePageAllocator<uint32_t>> entries_;
};

}  // namespace straits::placement
