#include "placement/calendar.h"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>

namespace straits::placement {
namespace {

std::string NodeField(size_t i) { return "allocations[" + std::to_string(i) + "]"; }

// Up to this many nodes, the sweep finds its next event by a linear scan.
constexpr size_t kLinearSweepNodes = 64;

// Block bounds are computed for this many start buckets at a time.
constexpr int64_t kBlockChunk = 256;

// Calls visit(s, e) for each stretch [s, e] of the starts in [from, to] whose
// bucket bounds reach `gpus`, in order, until one returns a start. Bounds come
// from bounds(from, first_bucket, count) (the window table's block or start
// bounds), `chunk` buckets at a time.
template <typename Bounds, typename Visit>
std::optional<Seconds> ForEachStretch(const CapacityIndex& index, int64_t gpus, Seconds from,
                                      Seconds to, int64_t chunk, const Bounds& bounds,
                                      const Visit& visit) {
  const int64_t last = index.BucketOf(to);
  for (int64_t p = index.BucketOf(from); p <= last;) {
    const int64_t count = std::min(chunk, last - p + 1);
    const std::vector<int32_t>& most = bounds(from, p, count);
    for (int64_t i = 0; i < count; ++i) {
      if (most[static_cast<size_t>(i)] < gpus) continue;
      int64_t j = i;  // [i, j]: a stretch of buckets that may fit
      while (j + 1 < count && most[static_cast<size_t>(j + 1)] >= gpus) ++j;
      std::optional<Seconds> s = visit(std::max(index.BucketStart(p + i), from),
                                       std::min(to, index.BucketStart(p + j + 1) - 1));
      if (s) return s;
      i = j;
    }
    p += count;
  }
  return std::nullopt;
}

// ForEachStretch over the stretches the block bounds of a group search allow
// (`bounds`: a Calendar::GroupBounds): for a whole site, those its group
// bounds allow first (one number per block, where the cells' block bounds
// read one per cell and block), then inside them its cells' block bounds.
template <typename GroupBounds, typename Visit>
std::optional<Seconds> ForEachBlockStretch(const CapacityIndex& index, int64_t gpus, Seconds from,
                                           Seconds to, const GroupBounds& bounds,
                                           const Visit& visit) {
  auto by_cells = [&](Seconds s, Seconds e) {
    return ForEachStretch(index, gpus, s, e, kBlockChunk,
                          std::bind_front(&GroupBounds::Blocks, &bounds), visit);
  };
  if (bounds.site_group < 0) return by_cells(from, to);
  return ForEachStretch(index, gpus, from, to, kBlockChunk,
                        std::bind_front(&GroupBounds::GroupBlocks, &bounds), by_cells);
}

// Sizes `lo` and `hi` for `count` nodes (with room for the table's full-width
// writes) and has fill(cell, lo, hi) write each cell's nodes in turn, laid
// out as the window table stores them.
template <typename Fill>
void FillByCell(const CellWindowTable& windows, std::span<const CellIndex> cells, size_t count,
                std::vector<uint8_t>& lo, std::vector<uint8_t>& hi, const Fill& fill) {
  lo.resize(count + CellWindowTable::kMaxCellNodes);
  hi.resize(count + CellWindowTable::kMaxCellNodes);
  size_t at = 0;
  for (CellIndex c : cells) {
    const auto size = static_cast<size_t>(windows.NodesIn(c));
    fill(c, std::span(lo).subspan(at, size), std::span(hi).subspan(at, size));
    at += size;
  }
}

// The cells of a group, laid out as the window table stores them: the cell
// itself at level kCell (in `one_cell`), the site x model group's cells
// otherwise; none when the table is not kept.
std::span<const CellIndex> CellsOfGroup(const CellWindowTable& windows, const CapacityIndex& index,
                                        CapacityIndex::Level level, int32_t group,
                                        std::span<const CellIndex, 1> one_cell) {
  if (!windows.enabled()) return {};
  return level == CapacityIndex::Level::kCell ? std::span<const CellIndex>(one_cell)
                                              : index.GroupCells(group);
}

}  // namespace

Calendar::Calendar(std::vector<int32_t> node_gpus)
    : capacity_(std::move(node_gpus)),
      points_(capacity_.size()),
      ends_(capacity_.size()),
      directory_(capacity_.size()) {}

void Calendar::UpdateEnds(NodeIndex node) {
  const std::vector<ChangePoint>& pts = points_[static_cast<size_t>(node)];
  ends_[static_cast<size_t>(node)] =
      pts.empty() ? Ends{} : Ends{.first = pts.front().time, .last = pts.back().time};
}

Calendar::Calendar(const Topology& topology, Seconds bucket_width)
    : Calendar(topology.node_gpus()) {
  if (bucket_width > 0) {
    index_ = CapacityIndex(topology, bucket_width);
    windows_ = CellWindowTable(topology, bucket_width);
  }
}

int32_t Calendar::MinUsed(NodeIndex node, Seconds start, Seconds end) const {
  start = std::max(start, horizon_);
  if (start >= end) return 0;
  const std::vector<ChangePoint>& pts = points_[static_cast<size_t>(node)];
  const int32_t seg = SegmentAt(node, start);
  int32_t min_used = seg < 0 ? 0 : pts[static_cast<size_t>(seg)].used;
  for (size_t i = static_cast<size_t>(seg + 1); i < pts.size() && pts[i].time < end; ++i) {
    min_used = std::min(min_used, pts[i].used);
  }
  return min_used;
}

template <typename StartOf>
void Calendar::LoadSegmentsAt(std::span<const NodeIndex> nodes, const StartOf& start_of,
                              SearchScratch& scratch) const {
  std::vector<uint32_t>& begins = scratch.day_begins_;
  begins.resize(nodes.size());
  for (size_t k = 0; k < nodes.size(); ++k) {
    const std::optional<PointDirectory::Day> day =
        directory_.DayOf(static_cast<size_t>(nodes[k]), start_of(k));
    begins[k] = day ? day->begin : std::numeric_limits<uint32_t>::max();
  }
  uint64_t loaded = 0;  // unsigned: wraps around instead of overflowing
  for (size_t k = 0; k < nodes.size(); ++k) {
    const std::vector<ChangePoint>& pts = points_[static_cast<size_t>(nodes[k])];
    if (begins[k] < pts.size()) loaded += static_cast<uint64_t>(pts[begins[k]].time);
  }
  scratch.loaded_ += loaded;
}

void Calendar::LoadSegments(std::span<const NodeIndex> nodes, Seconds t,
                            SearchScratch& scratch) const {
  LoadSegmentsAt(
      nodes, [t](size_t) { return t; }, scratch);
}

void Calendar::LoadFirstPoints(std::span<const NodeIndex> nodes, std::span<const Seconds> starts,
                               SearchScratch& scratch) const {
  LoadSegmentsAt(
      nodes, [starts](size_t k) { return starts[k]; }, scratch);
}

int32_t Calendar::SegmentAt(NodeIndex node, Seconds t) const {
  const std::vector<ChangePoint>& pts = points_[static_cast<size_t>(node)];
  const auto n = static_cast<int64_t>(pts.size());
  auto later_than = [](Seconds value, const ChangePoint& p) { return value < p.time; };
  if (std::optional<PointDirectory::Day> day = directory_.DayOf(static_cast<size_t>(node), t)) {
    // The answer is among the points of t's day, or the one before them. A day
    // holds a few points (2.3 on the scale fleet): a scan beats a binary
    // search's unpredictable branches there (+1-3 %, measured).
    if (day->end - day->begin <= 8) {
      uint32_t i = day->begin;
      while (i < day->end && pts[i].time <= t) ++i;
      return static_cast<int32_t>(i) - 1;
    }
    auto it = std::upper_bound(pts.begin() + day->begin, pts.begin() + day->end, t, later_than);
    return static_cast<int32_t>(it - pts.begin()) - 1;
  }
  // Outside the directory's days: search the points themselves.
  const Ends ends = ends_[static_cast<size_t>(node)];
  if (n == 0 || t < ends.first) return -1;
  if (t >= ends.last) return static_cast<int32_t>(n - 1);
  // Change points are spread fairly evenly over time, so guess the position
  // by interpolation and gallop from there: two or three probes (cache misses)
  // instead of the ten of a binary search over a thousand points.
  const double span = static_cast<double>(ends.last - ends.first);
  auto guess =
      static_cast<int64_t>(static_cast<double>(t - ends.first) / span * static_cast<double>(n - 1));
  guess = std::clamp<int64_t>(guess, 0, n - 1);
  // Find lo <= hi with pts[lo].time <= t < pts[hi].time.
  int64_t lo = guess, hi = guess + 1;
  for (int64_t step = 1; pts[static_cast<size_t>(lo)].time > t; step *= 2) {
    hi = lo;
    lo = std::max<int64_t>(0, lo - step);
  }
  for (int64_t step = 1; hi < n && pts[static_cast<size_t>(hi)].time <= t; step *= 2) {
    lo = hi;
    hi = std::min(n, hi + step);
  }
  auto it = std::upper_bound(pts.begin() + lo, pts.begin() + hi, t, later_than);
  return static_cast<int32_t>(it - pts.begin()) - 1;
}

int32_t Calendar::UsedAt(NodeIndex node, Seconds t) const {
  const int32_t seg = SegmentAt(node, t);
  return seg < 0 ? 0 : points_[static_cast<size_t>(node)][static_cast<size_t>(seg)].used;
}

int32_t Calendar::MaxUsed(NodeIndex node, Seconds start, Seconds end) const {
  if (start >= end) return 0;
  const std::vector<ChangePoint>& pts = points_[static_cast<size_t>(node)];
  int32_t seg = SegmentAt(node, start);
  int32_t max_used = seg < 0 ? 0 : pts[static_cast<size_t>(seg)].used;
  for (size_t i = static_cast<size_t>(seg + 1); i < pts.size() && pts[i].time < end; ++i) {
    max_used = std::max(max_used, pts[i].used);
  }
  return max_used;
}

void Calendar::AddUsage(NodeIndex node, Seconds start, Seconds end, int32_t delta) {
  // The index and the window table learn the change as it happens: in buckets
  // the interval covers completely, the node's most- and fewest-free counts move
  // by exactly -delta; the (at most two) buckets it covers partly are measured
  // before and after.
  if (!index_.enabled()) {
    AddToProfile(node, start, end, delta);
    return;
  }
  struct Extremes {
    int32_t min_used = 0;
    int32_t max_used = 0;
  };
  auto measure = [this, node](int64_t b) {
    const Seconds from = index_.BucketStart(b), to = index_.BucketStart(b + 1);
    return Extremes{.min_used = MinUsed(node, from, to),
                    .max_used = windows_.enabled() ? MaxUsed(node, from, to) : 0};
  };
  const int64_t first_bucket = index_.BucketOf(start);
  const int64_t last_bucket = index_.BucketOf(end - 1);
  const Extremes before_first = measure(first_bucket);
  const Extremes before_last = last_bucket != first_bucket ? measure(last_bucket) : Extremes{};
  AddToProfile(node, start, end, delta);
  // Free = capacity - used, so free counts move by minus the change of usage.
  auto update = [&](int64_t b, const Extremes& before) {
    const Extremes after = measure(b);
    index_.AddToBucket(node, b, before.min_used - after.min_used);
    windows_.Add(node, b, b, before.max_used - after.max_used, before.min_used - after.min_used);
  };
  update(first_bucket, before_first);
  if (last_bucket != first_bucket) update(last_bucket, before_last);
  index_.AddToBuckets(node, first_bucket + 1, last_bucket - 1, -delta);
  windows_.Add(node, first_bucket + 1, last_bucket - 1, -delta, -delta);
}

void Calendar::AddToProfile(NodeIndex node, Seconds start, Seconds end, int32_t delta) {
  directory_.Cover(start, end, points_);
  std::vector<ChangePoint>& pts = points_[static_cast<size_t>(node)];
  const auto slot = static_cast<size_t>(node);
  // Points inserted (+1) or erased (-1) at `start` and at `end`, for the
  // directory, which moves the entries of the later days once for both.
  int32_t at_start = 0, at_end = 0;
  // Make sure there is a point exactly at `t`, carrying the usage in force there.
  auto ensure = [&](Seconds t, int32_t& count) -> size_t {
    auto it = std::lower_bound(pts.begin(), pts.end(), t,
                               [](const ChangePoint& p, Seconds value) { return p.time < value; });
    const auto idx = static_cast<size_t>(it - pts.begin());
    if (it != pts.end() && it->time == t) return idx;
    const int32_t before = idx == 0 ? 0 : pts[idx - 1].used;
    pts.insert(it, ChangePoint{.time = t, .used = before});
    ++count;
    return idx;
  };
  const size_t first = ensure(start, at_start);
  const size_t last = ensure(end, at_end);
  for (size_t i = first; i < last; ++i) pts[i].used += delta;
  // Keep the representation canonical: no point equal to its predecessor.
  auto prev_used = [&pts](size_t i) { return i == 0 ? 0 : pts[i - 1].used; };
  if (pts[last].used == prev_used(last)) {
    pts.erase(pts.begin() + static_cast<ptrdiff_t>(last));
    --at_end;
  }
  if (pts[first].used == prev_used(first)) {
    pts.erase(pts.begin() + static_cast<ptrdiff_t>(first));
    --at_start;
  }
  directory_.Shift(slot, start, at_start, end, at_end);
  UpdateEnds(node);
}

Status Calendar::Reserve(ReservationId id, Interval interval,
                         std::span<const Allocation> allocations) {
  const Seconds start = std::max(interval.start().unix_seconds(), horizon_);
  const Seconds end = interval.end().unix_seconds();
  if (interval.empty()) return InvalidArgument("interval is empty", "interval");
  if (end <= horizon_) {
    return InvalidArgument("interval ends before the calendar's horizon", "interval");
  }
  if (allocations.empty()) return InvalidArgument("no allocations", "allocations");
  std::vector<Allocation> sorted(allocations.begin(), allocations.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    const Allocation& a = sorted[i];
    if (a.node < 0 || a.node >= num_nodes()) {
      return InvalidArgument("node index " + std::to_string(a.node) + " out of range [0, " +
                                 std::to_string(num_nodes()) + ")",
                             NodeField(i) + ".node");
    }
    if (a.gpus < 1) return InvalidArgument("gpus must be >= 1", NodeField(i) + ".gpus");
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Allocation& a, const Allocation& b) { return a.node < b.node; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].node == sorted[i - 1].node) {
      return InvalidArgument("node " + std::to_string(sorted[i].node) + " listed twice",
                             "allocations");
    }
  }
  if (auto it = bookings_.find(id); it != bookings_.end()) {
    if (it->second.start == start && it->second.end == end && it->second.allocations == sorted) {
      return Status::Ok();
    }
    return AlreadyExists("reservation " + std::to_string(id) + " already holds other capacity");
  }
  for (size_t i = 0; i < allocations.size(); ++i) {
    const Allocation& a = allocations[i];
    const int32_t free = FreeGpus(a.node, start, end);
    if (free < a.gpus) {
      return ResourceExhausted("node " + std::to_string(a.node) + " has " + std::to_string(free) +
                                   " GPUs free over the interval, " + std::to_string(a.gpus) +
                                   " requested",
                               NodeField(i));
    }
  }
  for (const Allocation& a : sorted) AddUsage(a.node, start, end, a.gpus);
  bookings_.emplace(id, Booking{.start = start, .end = end, .allocations = std::move(sorted)});
  return Status::Ok();
}

void Calendar::Unreserve(ReservationId id) {
  auto it = bookings_.find(id);
  if (it == bookings_.end()) return;
  const Booking& booking = it->second;
  const Seconds start = std::max(booking.start, horizon_);
  if (start < booking.end) {
    for (const Allocation& a : booking.allocations) AddUsage(a.node, start, booking.end, -a.gpus);
  }
  bookings_.erase(it);
}

Status Calendar::Shrink(ReservationId id, Instant new_end) {
  auto it = bookings_.find(id);
  if (it == bookings_.end()) return NotFound("no reservation " + std::to_string(id));
  Booking& booking = it->second;
  const Seconds end = new_end.unix_seconds();
  if (end <= booking.start || end > booking.end) {
    return InvalidArgument("new end must be after the start and not after the current end",
                           "new_end");
  }
  const Seconds from = std::max(end, horizon_);
  if (from < booking.end) {
    for (const Allocation& a : booking.allocations) AddUsage(a.node, from, booking.end, -a.gpus);
  }
  booking.end = end;
  return Status::Ok();
}

const Booking* Calendar::Find(ReservationId id) const {
  auto it = bookings_.find(id);
  return it == bookings_.end() ? nullptr : &it->second;
}

void Calendar::ForgetBefore(Seconds t) {
  if (t <= horizon_) return;
  horizon_ = t;
  for (NodeIndex node = 0; node < num_nodes(); ++node) {
    std::vector<ChangePoint>& pts = points_[static_cast<size_t>(node)];
    // Keep the point in force at t (moved to t) and everything after it.
    auto it = std::upper_bound(pts.begin(), pts.end(), t,
                               [](Seconds value, const ChangePoint& p) { return value < p.time; });
    if (it == pts.begin()) continue;
    --it;
    if (it->used == 0) ++it;  // usage 0 is the implicit state before the first point
    const auto erased = static_cast<uint32_t>(it - pts.begin());
    pts.erase(pts.begin(), it);
    if (!pts.empty() && pts.front().time < t) pts.front().time = t;
    UpdateEnds(node);
    directory_.Forget(static_cast<size_t>(node), t, erased);
  }
  directory_.TrimBefore(t);
  std::erase_if(bookings_, [t](const auto& entry) { return entry.second.end <= t; });
  index_.ForgetBefore(t);
  windows_.ForgetBefore(t);
}

std::optional<Seconds> Calendar::EarliestStartOnNode(NodeIndex node, int32_t gpus, Seconds duration,
                                                     Seconds earliest, Seconds latest_start) const {
  if (gpus < 1 || duration < 1 || earliest > latest_start) return std::nullopt;
  const std::vector<ChangePoint>& pts = points_[static_cast<size_t>(node)];
  const int32_t limit = capacity(node) - gpus;  // usage above this blocks the request
  if (limit < 0) return std::nullopt;
  const auto n = static_cast<int32_t>(pts.size());
  auto used = [&pts](int32_t i) { return i < 0 ? 0 : pts[static_cast<size_t>(i)].used; };
  Seconds s = earliest;
  int32_t seg = SegmentAt(node, s);
  while (s <= latest_start) {
    // Find the first segment in [s, s + duration) that blocks.
    int32_t blocked = -1;
    for (int32_t i = seg; i < n && (i < 0 || pts[static_cast<size_t>(i)].time < s + duration);
         ++i) {
      if (used(i) > limit) {
        blocked = i;
        break;
      }
    }
    if (blocked < 0) return s;
    // The earliest start after the block is where usage first falls back to the limit;
    // the last point always has usage 0, so one exists.
    int32_t next = blocked + 1;
    while (next < n && used(next) > limit) ++next;
    if (next >= n) return std::nullopt;
    s = pts[static_cast<size_t>(next)].time;
    seg = next;
  }
  return std::nullopt;
}

std::optional<Seconds> Calendar::EarliestStart(std::span<const NodeIndex> nodes, int32_t gpus,
                                               Seconds duration, Seconds earliest,
                                               Seconds latest_start, SearchScratch& scratch,
                                               std::vector<int32_t>* free_out) const {
  if (nodes.empty() || gpus < 1 || duration < 1 || earliest > latest_start) return std::nullopt;
  if (nodes.size() == 1 && free_out == nullptr) {
    return EarliestStartOnNode(nodes[0], gpus, duration, earliest, latest_start);
  }
  int64_t best = 0;
  return Sweep(nodes, gpus, duration, earliest, latest_start, scratch, &best, free_out);
}

bool Calendar::WindowLayoutMatches(std::span<const CellIndex> cells,
                                   std::span<const NodeIndex> nodes) const {
  if (!windows_.enabled()) return false;
  size_t at = 0;
  for (CellIndex c : cells) {
    const auto size = static_cast<size_t>(windows_.NodesIn(c));
    if (at + size > nodes.size() || nodes[at] != windows_.FirstNode(c) ||
        nodes[at + size - 1] != windows_.FirstNode(c) + static_cast<NodeIndex>(size) - 1) {
      return false;
    }
    at += size;
  }
  return at == nodes.size();
}

Calendar::Probe Calendar::ProbeStart(std::span<const CellIndex> cells,
                                     std::span<const NodeIndex> nodes, int64_t gpus,
                                     Seconds duration, Seconds s, SearchScratch& scratch,
                                     std::vector<int32_t>* free_out) const {
  const size_t count = nodes.size();
  FillByCell(windows_, cells, count, scratch.lo_, scratch.hi_,
             [&](CellIndex c, std::span<uint8_t> lo, std::span<uint8_t> hi) {
               windows_.WindowBounds(c, s, s + duration, lo, hi);
             });
  int64_t most = 0;
  for (size_t k = 0; k < count; ++k) most += scratch.hi_[k];
  if (most < gpus) return Probe::kInfeasible;
  // Exact: the table where it is exact, the change points elsewhere. `most`
  // stays an upper bound on the total as nodes are measured, so a start that
  // is short is known to be as soon as it drops below `gpus`.
  int64_t total = 0;
  if (free_out != nullptr) free_out->resize(count);
  // The change points of the nodes measured below, read first and all at once.
  scratch.measured_nodes_.clear();
  for (size_t k = 0; k < count; ++k) {
    if (scratch.lo_[k] != scratch.hi_[k]) scratch.measured_nodes_.push_back(nodes[k]);
  }
  LoadSegments(scratch.measured_nodes_, s, scratch);
  for (size_t k = 0; k < count; ++k) {
    int32_t free = scratch.lo_[k];
    if (scratch.lo_[k] != scratch.hi_[k]) {
      free = FreeGpus(nodes[k], s, s + duration);
      most -= scratch.hi_[k] - free;
      if (most < gpus) return Probe::kInfeasible;
    }
    total += free;
    if (free_out != nullptr) (*free_out)[k] = free;
  }
  return total >= gpus ? Probe::kFeasible : Probe::kInfeasible;
}

std::optional<Seconds> Calendar::EarliestStartInGroup(CapacityIndex::Level level, int32_t group,
                                                      std::span<const NodeIndex> nodes,
                                                      int32_t gpus, Seconds duration,
                                                      Seconds earliest, Seconds latest_start,
                                                      SearchScratch& scratch,
                                                      std::vector<int32_t>* free_out) const {
  const CellIndex one_cell[] = {group};
  const GroupBounds bounds = BoundsOfGroup(level, group, one_cell, nodes, duration, scratch);
  const std::span<const CellIndex> cells = bounds.cells;
  const bool layout_ok = bounds.layout_ok;
  // Calls `search(from, to)` for each stretch of [from, to] that the block
  // summaries do not rule out, until one finds a start.
  auto block_stretches = [&](Seconds from, Seconds to,
                             const auto& search) -> std::optional<Seconds> {
    if (!layout_ok) return search(from, to);
    return ForEachBlockStretch(index_, gpus, from, to, bounds, search);
  };
  // Searches [from, to] bucket by bucket with the window table's bounds: a
  // bucket whose most-free bound is short is passed over, the first start of
  // one that may fit is checked exactly (from the table where it is exact), and
  // only a stretch of buckets whose first start is infeasible is swept over the
  // change points.
  auto search_buckets = [&](Seconds from, Seconds to) -> std::optional<Seconds> {
    if (!layout_ok) return EarliestStart(nodes, gpus, duration, from, to, scratch, free_out);
    // Most searches end at their first start: check it before computing bounds
    // for a chunk of buckets.
    if (ProbeStart(cells, nodes, gpus, duration, from, scratch, free_out) == Probe::kFeasible) {
      return from;
    }
    return ForEachStretch(
        index_, gpus, from, to, bounds.start_chunk, std::bind_front(&GroupBounds::Starts, &bounds),
        [&](Seconds s, Seconds stretch_end) -> std::optional<Seconds> {
          // `from` was probed above: a stretch starting there is swept at once.
          if (s != from &&
              ProbeStart(cells, nodes, gpus, duration, s, scratch, free_out) == Probe::kFeasible) {
            return s;
          }
          if (s >= stretch_end) return std::nullopt;
          return SweepChanging(cells, nodes, gpus, duration, s + 1, stretch_end, scratch, free_out);
        });
  };
  // Whole sites: the coarse site bound, the block summaries, then the
  // node-by-node bound inside what they allow, and the exact search only inside
  // what is left.
  if (level == CapacityIndex::Level::kSiteModel && index_.has_node_levels()) {
    auto search_nodes = [&](Seconds from, Seconds to) -> std::optional<Seconds> {
      scratch.runs_.clear();
      index_.NodeSumRuns(nodes, gpus, duration, from, to, scratch.sums_, scratch.runs_);
      // These runs are as tight as the window table's bounds, so check only each
      // run's first start with the table before sweeping it.
      for (const auto& [run_from, run_to] : scratch.runs_) {
        if (layout_ok && ProbeStart(cells, nodes, gpus, duration, run_from, scratch, free_out) ==
                             Probe::kFeasible) {
          return run_from;
        }
        std::optional<Seconds> s =
            EarliestStart(nodes, gpus, duration, run_from, run_to, scratch, free_out);
        if (s) return s;
      }
      return std::nullopt;
    };
    Seconds from = earliest;
    while (from <= latest_start) {
      std::optional<std::pair<Seconds, Seconds>> coarse =
          index_.NextPossible(level, group, gpus, duration, from, latest_start);
      if (!coarse) return std::nullopt;
      std::optional<Seconds> s =
          layout_ok ? block_stretches(coarse->first, coarse->second, search_buckets)
                    : block_stretches(coarse->first, coarse->second, search_nodes);
      if (s) return s;
      from = coarse->second + 1;
    }
    return std::nullopt;
  }
  Seconds from = earliest;
  while (from <= latest_start) {
    std::optional<std::pair<Seconds, Seconds>> run =
        index_.NextPossible(level, group, gpus, duration, from, latest_start);
    if (!run) return std::nullopt;
    std::optional<Seconds> s = block_stretches(run->first, run->second, search_buckets);
    if (s) return s;
    from = run->second + 1;
  }
  return std::nullopt;
}

Calendar::GroupBounds Calendar::BoundsOfGroup(CapacityIndex::Level level, int32_t group,
                                              std::span<const CellIndex, 1> one_cell,
                                              std::span<const NodeIndex> nodes, Seconds duration,
                                              SearchScratch& scratch) const {
  GroupBounds bounds;
  bounds.calendar = this;
  bounds.cells = CellsOfGroup(windows_, index_, level, group, one_cell);
  bounds.layout_ok = WindowLayoutMatches(bounds.cells, nodes);
  bounds.duration = duration;
  bounds.start_chunk = std::max<int64_t>(windows_.WindowBuckets(duration), 32);
  bounds.scratch = &scratch;
  if (level == CapacityIndex::Level::kSiteModel && bounds.layout_ok) bounds.site_group = group;
  return bounds;
}

const std::vector<int32_t>& Calendar::GroupBlockMost(int32_t group, Seconds duration,
                                                     Seconds earliest, int64_t first, int64_t count,
                                                     SearchScratch& scratch) const {
  windows_.GroupBlockBounds(group, duration, earliest, first, count, scratch.group_most_,
                            scratch.group_work_);
  return scratch.group_most_;
}

const std::vector<int32_t>& Calendar::BlockMost(std::span<const CellIndex> cells, Seconds duration,
                                                Seconds earliest, int64_t first, int64_t count,
                                                SearchScratch& scratch) const {
  windows_.BlockBounds(cells, duration, earliest, first, count, scratch.block_most_,
                       scratch.block_work_, scratch.block_ranges_);
  return scratch.block_most_;
}

const std::vector<int32_t>& Calendar::StartMost(std::span<const CellIndex> cells, Seconds duration,
                                                Seconds earliest, int64_t first, int64_t count,
                                                SearchScratch& scratch) const {
  windows_.StartBounds(cells, duration, earliest, first, count, scratch.most_, scratch.window_rows_,
                       scratch.window_work_);
  return scratch.most_;
}

std::optional<Seconds> Calendar::FirstPossibleInGroup(CapacityIndex::Level level, int32_t group,
                                                      std::span<const NodeIndex> nodes,
                                                      int32_t gpus, Seconds duration,
                                                      Seconds earliest, Seconds latest_start,
                                                      BoundPrecision precision,
                                                      SearchScratch& scratch) const {
  const CellIndex one_cell[] = {group};
  const GroupBounds bounds = BoundsOfGroup(level, group, one_cell, nodes, duration, scratch);
  // The first start of a stretch the block bounds allow, or of one inside it
  // that the start bounds allow.
  auto first_by_blocks = [&](Seconds from, Seconds to) -> std::optional<Seconds> {
    return ForEachBlockStretch(
        index_, gpus, from, to, bounds,
        [&](Seconds s, Seconds stretch_end) -> std::optional<Seconds> {
          if (precision == BoundPrecision::kBlocks) return s;
          return ForEachStretch(
              index_, gpus, s, stretch_end, bounds.start_chunk,
              std::bind_front(&GroupBounds::Starts, &bounds),
              [](Seconds first, Seconds) -> std::optional<Seconds> { return first; });
        });
  };
  Seconds from = earliest;
  while (from <= latest_start) {
    std::optional<std::pair<Seconds, Seconds>> coarse =
        index_.NextPossible(level, group, gpus, duration, from, latest_start);
    if (!coarse) return std::nullopt;
    if (!bounds.layout_ok) return coarse->first;
    if (std::optional<Seconds> s = first_by_blocks(coarse->first, coarse->second)) return s;
    from = coarse->second + 1;
  }
  return std::nullopt;
}

std::optional<Seconds> Calendar::SweepChanging(std::span<const CellIndex> cells,
                                               std::span<const NodeIndex> nodes, int64_t gpus,
                                               Seconds duration, Seconds from, Seconds to,
                                               SearchScratch& scratch,
                                               std::vector<int32_t>* free_out) const {
  if (nodes.size() < 2) {
    return EarliestStart(nodes, static_cast<int32_t>(gpus), duration, from, to, scratch, free_out);
  }
  // Starts a few buckets at a time: the fewer the buckets that the windows do
  // not all cover, the fewer the nodes whose free count can change among the
  // starts, and only those are swept (measured: 2 sweeps 3-11 % fewer nodes
  // than no split, 1 or 3; docs/benchmarks.md).
  constexpr int64_t kStartBuckets = 2;
  if (index_.BucketOf(to) - index_.BucketOf(from) >= kStartBuckets) {
    for (Seconds chunk_from = from; chunk_from <= to;) {
      const Seconds chunk_to =
          std::min(to, index_.BucketStart(index_.BucketOf(chunk_from) + kStartBuckets) - 1);
      if (std::optional<Seconds> s = SweepChanging(cells, nodes, gpus, duration, chunk_from,
                                                   chunk_to, scratch, free_out)) {
        return s;
      }
      chunk_from = chunk_to + 1;
    }
    return std::nullopt;
  }
  const size_t count = nodes.size();
  FillByCell(windows_, cells, count, scratch.lo_, scratch.hi_,
             [&](CellIndex c, std::span<uint8_t> lo, std::span<uint8_t> hi) {
               windows_.StartRangeBounds(c, from, to, duration, lo, hi);
             });
  scratch.changing_nodes_.clear();
  scratch.constant_free_.resize(count);
  int64_t constant = 0;
  int64_t most = 0;
  for (size_t k = 0; k < count; ++k) {
    most += scratch.hi_[k];
    if (scratch.lo_[k] == scratch.hi_[k]) {
      scratch.constant_free_[k] = scratch.lo_[k];
      constant += scratch.lo_[k];
    } else {
      scratch.constant_free_[k] = -1;
      scratch.changing_nodes_.push_back(nodes[k]);
    }
  }
  if (most < gpus) return std::nullopt;
  std::optional<Seconds> found;
  scratch.changing_free_.clear();
  if (constant >= gpus) {
    found = from;
    for (NodeIndex n : scratch.changing_nodes_) {
      scratch.changing_free_.push_back(FreeGpus(n, from, from + duration));
    }
  } else if (!scratch.changing_nodes_.empty()) {
    int64_t best = 0;
    found = Sweep(scratch.changing_nodes_, gpus - constant, duration, from, to, scratch, &best,
                  free_out != nullptr ? &scratch.changing_free_ : nullptr);
  }
  if (found && free_out != nullptr) {
    free_out->resize(count);
    size_t next = 0;
    for (size_t k = 0; k < count; ++k) {
      (*free_out)[k] = scratch.constant_free_[k] >= 0 ? scratch.constant_free_[k]
                                                      : scratch.changing_free_[next++];
    }
  }
  return found;
}

int64_t Calendar::MaxFreeInWindows(std::span<const NodeIndex> nodes, Seconds duration,
                                   Seconds earliest, Seconds latest_start,
                                   SearchScratch& scratch) const {
  if (nodes.empty() || duration < 1 || earliest > latest_start) return 0;
  int64_t best = 0;
  int64_t total = 0;
  for (NodeIndex node : nodes) total += capacity(node);
  (void)Sweep(nodes, total + 1, duration, earliest, latest_start, scratch, &best, nullptr);
  return best;
}

std::optional<Seconds> Calendar::Sweep(std::span<const NodeIndex> nodes, int64_t gpus,
                                       Seconds duration, Seconds earliest, Seconds latest_start,
                                       SearchScratch& scratch, int64_t* best_total,
                                       std::vector<int32_t>* free_out) const {
  using Cursor = SearchScratch::Cursor;
  const size_t count = nodes.size();
  scratch.cursors_.assign(count, Cursor{});
  if (scratch.deques_.size() < count) scratch.deques_.resize(count);
  scratch.heap_.clear();

  auto pts_of = [this, nodes](size_t k) -> const std::vector<ChangePoint>& {
    return points_[static_cast<size_t>(nodes[k])];
  };
  auto used_of = [](const std::vector<ChangePoint>& pts, int32_t i) {
    return i < 0 ? 0 : pts[static_cast<size_t>(i)].used;
  };
  // The next start at which node k's window changes: its left segment ends, or
  // the next point enters on the right (at s with s + duration > time).
  auto next_key = [&](size_t k) {
    const std::vector<ChangePoint>& pts = pts_of(k);
    const Cursor& c = scratch.cursors_[k];
    const auto n = static_cast<int32_t>(pts.size());
    Seconds key = kFarFuture;
    if (c.left + 1 < n) key = pts[static_cast<size_t>(c.left + 1)].time;
    if (c.right + 1 < n)
      key = std::min(key, pts[static_cast<size_t>(c.right + 1)].time - duration + 1);
    return key;
  };
  // Moves node k's window to [s, s + duration) and returns its max usage.
  auto advance = [&](size_t k, Seconds s) {
    const std::vector<ChangePoint>& pts = pts_of(k);
    Cursor& c = scratch.cursors_[k];
    std::vector<int32_t>& dq = scratch.deques_[k];
    const auto n = static_cast<int32_t>(pts.size());
    while (c.left + 1 < n && pts[static_cast<size_t>(c.left + 1)].time <= s) ++c.left;
    while (c.right + 1 < n && pts[static_cast<size_t>(c.right + 1)].time < s + duration) {
      ++c.right;
      const int32_t u = pts[static_cast<size_t>(c.right)].used;
      while (static_cast<size_t>(c.head) < dq.size() && used_of(pts, dq.back()) <= u) {
        dq.pop_back();
      }
      dq.push_back(c.right);
    }
    while (dq[static_cast<size_t>(c.head)] < c.left) ++c.head;
    return used_of(pts, dq[static_cast<size_t>(c.head)]);
  };
  auto heap_cmp = [](const std::pair<Seconds, int32_t>& a, const std::pair<Seconds, int32_t>& b) {
    return a.first > b.first;
  };

  int64_t total = 0;
  std::vector<int32_t>& max_used = scratch.max_used_;
  std::vector<Seconds>& keys = scratch.keys_;
  max_used.resize(count);
  keys.resize(count);
  LoadSegments(nodes, earliest, scratch);
  for (size_t k = 0; k < count; ++k) {
    Cursor& c = scratch.cursors_[k];
    c.left = SegmentAt(nodes[k], earliest);
    c.right = c.left;
    c.head = 0;
    std::vector<int32_t>& dq = scratch.deques_[k];
    dq.clear();
    dq.push_back(c.left);
    max_used[k] = advance(k, earliest);
    total += capacity(nodes[k]) - max_used[k];
    keys[k] = next_key(k);
  }

  auto found = [&](Seconds s) -> std::optional<Seconds> {
    if (free_out != nullptr) {
      free_out->resize(count);
      for (size_t k = 0; k < count; ++k) (*free_out)[k] = capacity(nodes[k]) - max_used[k];
    }
    return s;
  };
  *best_total = std::max(*best_total, total);
  if (total >= gpus) return found(earliest);

  // Moves node k to start s and refreshes its key.
  auto step = [&](size_t k, Seconds s) {
    const int32_t now_used = advance(k, s);
    total += max_used[k] - now_used;
    max_used[k] = now_used;
    keys[k] = next_key(k);
  };
  if (count <= kLinearSweepNodes) {
    // A pod's worth of nodes: finding the next key by a linear scan of a small
    // array beats a heap's pointer-chasing pops and pushes.
    while (true) {
      const Seconds s = *std::min_element(keys.begin(), keys.end());
      if (s >= kFarFuture || s > latest_start) break;
      for (size_t k = 0; k < count; ++k) {
        if (keys[k] == s) step(k, s);
      }
      *best_total = std::max(*best_total, total);
      if (total >= gpus) return found(s);
    }
    return std::nullopt;
  }
  for (size_t k = 0; k < count; ++k) {
    if (keys[k] < kFarFuture) scratch.heap_.emplace_back(keys[k], static_cast<int32_t>(k));
  }
  std::make_heap(scratch.heap_.begin(), scratch.heap_.end(), heap_cmp);
  while (!scratch.heap_.empty()) {
    const Seconds s = scratch.heap_.front().first;
    if (s > latest_start) break;
    while (!scratch.heap_.empty() && scratch.heap_.front().first == s) {
      std::pop_heap(scratch.heap_.begin(), scratch.heap_.end(), heap_cmp);
      const auto k = static_cast<size_t>(scratch.heap_.back().second);
      scratch.heap_.pop_back();
      step(k, s);
      if (keys[k] < kFarFuture) {
        scratch.heap_.emplace_back(keys[k], static_cast<int32_t>(k));
        std::push_heap(scratch.heap_.begin(), scratch.heap_.end(), heap_cmp);
      }
    }
    *best_total = std::max(*best_total, total);
    if (total >= gpus) return found(s);
  }
  return std::nullopt;
}

}  // namespace straits::placement
