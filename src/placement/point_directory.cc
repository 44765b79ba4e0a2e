#include "placement/point_directory.h"

#include <algorithm>

namespace straits::placement {
namespace {

// Index of the first point at or after `t`.
uint32_t FirstAtOrAfter(const std::vector<ChangePoint>& pts, Seconds t) {
  auto it = std::lower_bound(pts.begin(), pts.end(), t,
                             [](const ChangePoint& p, Seconds value) { return p.time < value; });
  return static_cast<uint32_t>(it - pts.begin());
}

}  // namespace

void PointDirectory::Cover(Seconds from, Seconds to,
                           const std::vector<std::vector<ChangePoint>>& points) {
  // Entries for days [first, last]: one past `to`'s, so that DayOf has the
  // entry after it.
  const int64_t first = DayIndex(from);
  const int64_t last = DayIndex(to) + 1;
  const int64_t old_last = first_ + count_ - 1;
  if (count_ > 0 && first >= first_ && last <= old_last) return;
  int64_t new_first = count_ > 0 ? std::min(first, first_) : first;
  int64_t new_last = count_ > 0 ? std::max(last, old_last) : last;
  if (new_last - new_first + 1 > kMaxDays) return;  // too wide: searched without us
  // Grow by at least the current size (amortized doubling), within kMaxDays.
  const int64_t grow = std::max<int64_t>(count_, 64);
  if (count_ == 0) {
    new_last = std::max(new_last, new_first + grow - 1);
  } else {
    if (first < first_) new_first = std::max(first_ - grow, new_last - kMaxDays + 1);
    new_first = std::min(new_first, first);
    if (last > old_last) new_last = std::min(old_last + grow, new_first + kMaxDays - 1);
    new_last = std::max(new_last, last);
  }
  const int64_t new_end = new_last + 1;
  const auto new_count = static_cast<size_t>(new_end - new_first);
  std::vector<uint32_t, HugePageAllocator<uint32_t>> entries(nodes_ * new_count);
  for (size_t node = 0; node < nodes_; ++node) {
    const std::vector<ChangePoint>& pts = points[node];
    uint32_t* row = &entries[node * new_count];
    // Days before the old range, from the points; then the old entries; then
    // the days after, from the points again.
    size_t d = 0;
    uint32_t at = FirstAtOrAfter(pts, new_first * kDay);
    for (; d < new_count && (count_ == 0 || new_first + static_cast<int64_t>(d) < first_); ++d) {
      const Seconds day_start = (new_first + static_cast<int64_t>(d)) * kDay;
      while (at < pts.size() && pts[at].time < day_start) ++at;
      row[d] = at;
    }
    if (count_ > 0) {
      const uint32_t* old = &entries_[node * static_cast<size_t>(count_)];
      const auto offset = static_cast<size_t>(first_ - new_first);
      std::copy(old, old + count_, row + offset);
      d = offset + static_cast<size_t>(count_);
      at = old[count_ - 1];
    }
    for (; d < new_count; ++d) {
      const Seconds day_start = (new_first + static_cast<int64_t>(d)) * kDay;
      while (at < pts.size() && pts[at].time < day_start) ++at;
      row[d] = at;
    }
  }
  entries_ = std::move(entries);
  first_ = new_first;
  count_ = static_cast<int64_t>(new_count);
}

void PointDirectory::Shift(size_t node, Seconds t, int32_t delta) { Shift(node, t, delta, t, 0); }

void PointDirectory::Shift(size_t node, Seconds first, int32_t first_delta, Seconds second,
                           int32_t second_delta) {
  if (count_ == 0 || (first_delta == 0 && second_delta == 0)) return;
  // Entries of the days that start after a point's time count it; a day that
  // starts at or before it still begins at the same index. Deltas are added
  // modulo 2^32, so -1 is a decrement.
  const int64_t from = std::clamp<int64_t>(DayIndex(first) + 1 - first_, 0, count_);
  const int64_t mid = std::clamp<int64_t>(DayIndex(second) + 1 - first_, from, count_);
  uint32_t* row = &entries_[node * static_cast<size_t>(count_)];
  const auto step = static_cast<uint32_t>(first_delta);
  const auto both = static_cast<uint32_t>(first_delta + second_delta);
  for (int64_t d = from; d < mid; ++d) row[d] += step;
  for (int64_t d = mid; d < count_; ++d) row[d] += both;
}

void PointDirectory::Forget(size_t node, Seconds t, uint32_t erased) {
  if (count_ == 0) return;
  uint32_t* row = &entries_[node * static_cast<size_t>(count_)];
  // Days that start at or before t begin at the first point now; later ones
  // count the erased points fewer.
  const int64_t kept_from = std::clamp<int64_t>(DayIndex(t) + 1 - first_, 0, count_);
  std::fill(row, row + kept_from, 0u);
  for (int64_t d = kept_from; d < count_; ++d) row[d] -= erased;
}

void PointDirectory::TrimBefore(Seconds t) {
  const int64_t drop = std::min(DayIndex(t) - first_, count_);
  if (count_ == 0 || drop <= 0) return;
  const auto new_count = static_cast<size_t>(count_ - drop);
  std::vector<uint32_t, HugePageAllocator<uint32_t>> entries(nodes_ * new_count);
  for (size_t node = 0; node < nodes_; ++node) {
    const uint32_t* old = &entries_[node * static_cast<size_t>(count_) + static_cast<size_t>(drop)];
    std::copy(old, old + new_count, &entries[node * new_count]);
  }
  entries_ = std::move(entries);
  first_ += drop;
  count_ = static_cast<int64_t>(new_count);
}

}  // namespace straits::placement
