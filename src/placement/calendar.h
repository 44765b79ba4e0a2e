// Calendar: GPUs in use on every node over time, and the searches placement
// needs: "free GPUs on this node over [s, e)" and "earliest start >= t at which
// this set of nodes has k free GPUs for d". Reservations are added, removed and
// shrunk (ended early) by id; a reservation that would put more GPUs on a node
// than it has is refused, so the calendar never holds an oversubscription.
//
//   Calendar cal(topology.node_gpus());
//   Allocation take[] = {{.node = 3, .gpus = 8}, {.node = 4, .gpus = 8}};
//   STRAITS_RETURN_IF_ERROR(cal.Reserve(42, *Interval::Make(s, e), take));
//   cal.FreeGpus(3, s, e);                                  // 0
//   cal.EarliestStart(nodes, 16, Duration::Hours(4), now, latest_start);
//
// Data structure, and why. Each node holds its usage as a step function: a
// sorted flat array of change points (time, GPUs in use from then on), with no
// two neighbours equal and the last one at 0. With a million reservations over a
// year on 12,500 nodes, a node holds a few hundred to a few thousand points, so
//   - a point query or a window query finds its first point through a directory
//     of where each day's points begin (point_directory.h: one read, instead of
//     a search's four or five cache misses), then scans the points inside the
//     window (cache-friendly: 16-byte entries, no pointers);
//   - reserve/remove touch only the nodes of the reservation: two inserts and an
//     increment of the points in between; inserts land near the end in practice
//     (new reservations are in the future), so the array move is short;
//   - history before `ForgetBefore(t)` is dropped, keeping arrays short in a
//     long simulation.
// A segment tree over time would make inserts O(log n) but needs a fixed time
// axis or rebalancing and loses the linear scan the window queries want.
//
// The multi-node earliest-start search (pod and site scopes) is a sweep over
// start times: every node keeps a sliding-window maximum (a monotone deque) of
// its usage over [s, s + d), a heap orders the next instant at which any node's
// window changes, and the free total is updated only for nodes that changed. The
// earliest feasible start is always either the lower bound t or an instant at
// which some node's usage drops, and the sweep visits all of those in order, so
// the answer is exactly the earliest. Cost: O(N log P + E log N) for N nodes, P
// points per node and E change points passed before the answer.
//
// A calendar built from a Topology also keeps a CapacityIndex (capacity_index.h):
// per bucket of time (half an hour by default, kDefaultBucketWidth), upper
// bounds on the GPUs each pod and each site could offer.
// `EarliestStartInGroup` asks it for the runs of start times the bounds allow and
// sweeps only those, so a pod or a site that is busy for days is passed over in
// a scan of a few hundred integers instead of a sweep over its nodes' points.
//
// And a CellWindowTable (cell_window.h): per node and bucket, the fewest and most
// GPUs free, stored pod by pod so that one pod's window is one contiguous read.
// Measured on the scale fleet (bench/placement), a pod- or site-scoped decision
// spent most of its time starting sweeps: one or two cache misses per node to
// find the change point in force at the first start, for every pod tried. With
// the table, a group search (1) checks its first start exactly, from the table
// for nodes whose usage does not dip in the window's partly covered end buckets
// below what they have free in the buckets it covers, and from the change points
// for the few others; (2) drops stretches of start times in
// which no whole block of 4 buckets the windows cover has enough GPUs free all
// through it; (3) drops buckets whose bound is short: a node offers a window no
// more than its most-free count in any bucket the window touches, nor than its
// fewest-free count in any bucket it covers completely; (4) checks the first start
// of each bucket left exactly, and sweeps only when that start is infeasible,
// following only the nodes whose free count can differ between the starts it
// sweeps. A sweep first reads the change points its nodes start from, all at
// once, so that their cache misses overlap.
//
// Times are UTC seconds. Thread-safety: a Calendar is not thread-safe; const
// methods may run concurrently only while nothing mutates it. The search methods
// take a caller-owned `SearchScratch` so concurrent readers do not share buffers.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "placement/capacity_index.h"
#include "placement/cell_window.h"
#include "placement/change_point.h"
#include "placement/point_directory.h"
#include "placement/topology.h"

namespace straits::placement {

using ReservationId = uint64_t;

// Seconds since the Unix epoch; the engine's internal time type.
using Seconds = int64_t;
// Far enough out to mean "no bound", small enough that adding a year cannot overflow.
inline constexpr Seconds kFarFuture = std::numeric_limits<int64_t>::max() / 4;

struct Allocation {
  NodeIndex node = 0;
  int32_t gpus = 0;
  friend bool operator==(const Allocation&, const Allocation&) = default;
};

struct Booking {
  Seconds start = 0;
  Seconds end = 0;
  std::vector<Allocation> allocations;  // sorted by node, one entry per node
};

// Reusable buffers for the searches; one per thread. Holds no state between calls.
class SearchScratch {
 public:
  SearchScratch() = default;

 private:
  friend class Calendar;
  struct Cursor {
    int32_t left = -1;   // index of the point whose segment contains s; -1 = before the first
    int32_t right = -1;  // last point with time < s + d
    int32_t head = 0;    // deque = window_[node][head..]
  };
  std::vector<Cursor> cursors_;
  std::vector<std::vector<int32_t>> deques_;
  std::vector<std::pair<Seconds, int32_t>> heap_;
  std::vector<Seconds> keys_;
  std::vector<int32_t> max_used_;
  std::vector<int32_t> sums_;
  std::vector<std::pair<Seconds, Seconds>> runs_;
  std::vector<uint8_t> lo_;
  std::vector<uint8_t> hi_;
  std::vector<int32_t> most_;
  std::vector<uint8_t> window_rows_;
  std::vector<uint8_t> window_work_;
  std::vector<int32_t> block_most_;
  std::vector<int32_t> group_most_;
  std::vector<int64_t> group_work_;
  std::vector<int32_t> block_work_;
  std::vector<std::pair<int64_t, int64_t>> block_ranges_;
  std::vector<NodeIndex> changing_nodes_;
  std::vector<int32_t> changing_free_;
  std::vector<int32_t> constant_free_;
  std::vector<NodeIndex> measured_nodes_;
  std::vector<uint32_t> day_begins_;
  // A sum of what LoadSegments read: kept, so that its loads are not dropped.
  uint64_t loaded_ = 0;
};

class Calendar {
 public:
  // `node_gpus[n]` is the capacity of node n (see Topology::node_gpus()).
  // A calendar without a capacity index (EarliestStartInGroup sweeps everything).
  explicit Calendar(std::vector<int32_t> node_gpus);
  // The width of the capacity index's and the window table's buckets: half an
  // hour. A lease of an hour or two starts inside a bucket and covers few
  // buckets whole, so the coarser the buckets, the fewer nodes whose free GPUs
  // over its window the bounds tell exactly. Against hourly buckets, on the
  // scale fleet (docs/benchmarks.md): 1,024-GPU decisions twice as fast, p99
  // 899 -> 349 us; pod-scoped 64-GPU ones 12 % slower (longer rows to scan);
  // 1.3 GB resident instead of 0.85 GB.
  static constexpr Seconds kDefaultBucketWidth = 1800;
  // With a capacity index over buckets of `bucket_width` seconds.
  explicit Calendar(const Topology& topology, Seconds bucket_width = kDefaultBucketWidth);

  Calendar(const Calendar&) = default;
  Calendar& operator=(const Calendar&) = default;
  Calendar(Calendar&&) = default;
  Calendar& operator=(Calendar&&) = default;

  int32_t num_nodes() const { return static_cast<int32_t>(capacity_.size()); }
  int32_t capacity(NodeIndex node) const { return capacity_[static_cast<size_t>(node)]; }

  // Takes `allocations` over `interval` under `id`, all or nothing.
  // - invalid_argument: empty interval, a node out of range, gpus < 1, a node
  //   listed twice, no allocations, or an interval that ends before the horizon.
  // - resource_exhausted: some node would exceed its GPU count somewhere in the
  //   interval (field "allocations[i]").
  // - already_exists: `id` is taken by a different reservation. Reserving the
  //   same id again with the same interval and allocations is a no-op (OK), so
  //   a retried reserve is harmless.
  Status Reserve(ReservationId id, Interval interval, std::span<const Allocation> allocations);

  // Releases `id`. Idempotent: an unknown or already released id is OK.
  void Unreserve(ReservationId id);

  // Ends `id` early at `new_end` (start < new_end <= end); the GPUs are free
  // from `new_end` on. not_found for an unknown id; invalid_argument otherwise.
  Status Shrink(ReservationId id, Instant new_end);

  // The reservation under `id`, or null.
  const Booking* Find(ReservationId id) const;
  size_t num_reservations() const { return bookings_.size(); }

  // GPUs in use on `node` at instant `t`.
  int32_t UsedAt(NodeIndex node, Seconds t) const;
  // Largest number of GPUs in use on `node` at any instant of [start, end);
  // 0 for an empty interval.
  int32_t MaxUsed(NodeIndex node, Seconds start, Seconds end) const;
  // GPUs free on `node` during all of [start, end).
  int32_t FreeGpus(NodeIndex node, Seconds start, Seconds end) const {
    return capacity(node) - MaxUsed(node, start, end);
  }

  // Earliest start s with earliest <= s <= latest_start at which the nodes,
  // together, have `gpus` GPUs free for all of [s, s + duration), counting for
  // each node the GPUs it has free during the whole window. nullopt if none.
  // Requires gpus >= 1, duration >= 1.
  //
  // When `free_out` is given and a start is found, it receives each node's free
  // GPUs over the window, in the order of `nodes`.
  std::optional<Seconds> EarliestStart(std::span<const NodeIndex> nodes, int32_t gpus,
                                       Seconds duration, Seconds earliest, Seconds latest_start,
                                       SearchScratch& scratch,
                                       std::vector<int32_t>* free_out = nullptr) const;

  // EarliestStart for one node (the node-scope fast path: no allocation, no heap).
  std::optional<Seconds> EarliestStartOnNode(NodeIndex node, int32_t gpus, Seconds duration,
                                             Seconds earliest, Seconds latest_start) const;
  // Reads, for every k, the change point EarliestStartOnNode(nodes[k], ...,
  // starts[k], ...) reads first, all at once (see LoadSegments). A caller about
  // to search many nodes one after another calls it first, so that their cache
  // misses overlap instead of coming one search at a time (measured: 8-GPU
  // node-scoped decisions +9 %).
  void LoadFirstPoints(std::span<const NodeIndex> nodes, std::span<const Seconds> starts,
                       SearchScratch& scratch) const;

  // EarliestStart for the nodes of a cell (level kCell, group = cell) or of a
  // site x model group (kSiteModel, group = site * num_models + model), using
  // the capacity index to skip starts it rules out. `nodes` must be exactly the
  // group's nodes.
  std::optional<Seconds> EarliestStartInGroup(CapacityIndex::Level level, int32_t group,
                                              std::span<const NodeIndex> nodes, int32_t gpus,
                                              Seconds duration, Seconds earliest,
                                              Seconds latest_start, SearchScratch& scratch,
                                              std::vector<int32_t>* free_out = nullptr) const;

  // A lower bound on what EarliestStartInGroup returns, from the bounds alone
  // (the capacity index, then the window table's block bounds and, at kBuckets,
  // its per-bucket bounds), without touching change points: no start in
  // [earliest, result) is feasible; nullopt when the bounds rule out every
  // start up to latest_start. Costs a scan of the group's bound rows (kBlocks
  // about a tenth of kBuckets), so an engine can order groups by it and search
  // only those that could start early enough to matter.
  enum class BoundPrecision { kBlocks, kBuckets };
  std::optional<Seconds> FirstPossibleInGroup(CapacityIndex::Level level, int32_t group,
                                              std::span<const NodeIndex> nodes, int32_t gpus,
                                              Seconds duration, Seconds earliest,
                                              Seconds latest_start, BoundPrecision precision,
                                              SearchScratch& scratch) const;

  const CapacityIndex& index() const { return index_; }
  const CellWindowTable& windows() const { return windows_; }

  // The most GPUs the nodes have free together, over any window of `duration`
  // starting in [earliest, latest_start]. Used to say how far short a request is.
  int64_t MaxFreeInWindows(std::span<const NodeIndex> nodes, Seconds duration, Seconds earliest,
                           Seconds latest_start, SearchScratch& scratch) const;

  // Drops everything before `t`: change points, and reservations that ended by
  // then. Later queries and changes must not look before `t` (reservations
  // reaching back before it are clipped to it).
  void ForgetBefore(Seconds t);
  Seconds horizon() const { return horizon_; }

  // The change points of `node`, for checkers and tests.
  std::span<const ChangePoint> Points(NodeIndex node) const {
    return points_[static_cast<size_t>(node)];
  }

 private:
  // Adds `delta` to the usage of `node` over [start, end); start < end. Keeps the
  // index in step.
  void AddUsage(NodeIndex node, Seconds start, Seconds end, int32_t delta);
  // The change-point part of AddUsage.
  void AddToProfile(NodeIndex node, Seconds start, Seconds end, int32_t delta);
  // Fewest GPUs in use on `node` at any instant of [start, end) (clipped to the
  // horizon); start < end.
  int32_t MinUsed(NodeIndex node, Seconds start, Seconds end) const;
  // Reads, for every node, the directory entry and then the first change point
  // that SegmentAt(node, t) reads, so that the lookups which follow find them in
  // the cache. Plain loads, none waiting on another's result, so that their
  // cache misses overlap. Why not prefetches: a site sweep starts with ~150
  // nodes' lookups, and with prefetches a few nodes ahead they still cost
  // about a memory latency per node. With these loads first, 1,024-GPU site
  // decisions are 12-19 % faster; in the exact checks of a first start, which
  // prefetched every node first, +2-5 % (docs/benchmarks.md).
  void LoadSegments(std::span<const NodeIndex> nodes, Seconds t, SearchScratch& scratch) const;
  // LoadSegments with the time for nodes[k] given by start_of(k).
  template <typename StartOf>
  void LoadSegmentsAt(std::span<const NodeIndex> nodes, const StartOf& start_of,
                      SearchScratch& scratch) const;
  // Index of the last point with time <= t, or -1.
  int32_t SegmentAt(NodeIndex node, Seconds t) const;

  // Whether `nodes` are exactly the nodes of `cells`, in order, and the window
  // table is kept (so the searches may use it).
  bool WindowLayoutMatches(std::span<const CellIndex> cells,
                           std::span<const NodeIndex> nodes) const;
  // Whether `nodes` (laid out as `cells`) can start at `s`, from the window
  // table where it is exact and the change points elsewhere; when feasible,
  // `free_out` gets each node's exact free GPUs.
  enum class Probe { kFeasible, kInfeasible };
  Probe ProbeStart(std::span<const CellIndex> cells, std::span<const NodeIndex> nodes, int64_t gpus,
                   Seconds duration, Seconds s, SearchScratch& scratch,
                   std::vector<int32_t>* free_out) const;

  // EarliestStart over `nodes` (laid out as `cells`) for starts in [from, to],
  // sweeping only the nodes whose free count can differ between those starts
  // (CellWindowTable::StartRangeBounds): the others offer the same free GPUs
  // at every start. A node whose usage changes only inside the middle of the
  // windows (the buckets they all cover) offers the least it has free there,
  // so on a site only the nodes whose usage dips in the first or last hours
  // are swept: measured on the scale fleet, a median of 116 of 627 nodes.
  std::optional<Seconds> SweepChanging(std::span<const CellIndex> cells,
                                       std::span<const NodeIndex> nodes, int64_t gpus,
                                       Seconds duration, Seconds from, Seconds to,
                                       SearchScratch& scratch,
                                       std::vector<int32_t>* free_out) const;

  // The window table's block bounds (BlockMost) or start bounds (StartMost) on
  // the free total of `cells` for `count` start buckets from `first`, held in
  // `scratch` until the next call.
  const std::vector<int32_t>& BlockMost(std::span<const CellIndex> cells, Seconds duration,
                                        Seconds earliest, int64_t first, int64_t count,
                                        SearchScratch& scratch) const;
  const std::vector<int32_t>& StartMost(std::span<const CellIndex> cells, Seconds duration,
                                        Seconds earliest, int64_t first, int64_t count,
                                        SearchScratch& scratch) const;
  // The window table's group block bounds on a whole site x model group.
  const std::vector<int32_t>& GroupBlockMost(int32_t group, Seconds duration, Seconds earliest,
                                             int64_t first, int64_t count,
                                             SearchScratch& scratch) const;
  // What a group search takes from the window table for windows of one
  // duration: the group's cells, whether the nodes searched are laid out as
  // those cells, and the block and start bounds over them (ForEachStretch's
  // `bounds`, through std::bind_front), the latter `start_chunk` buckets at a time.
  struct GroupBounds {
    const Calendar* calendar = nullptr;
    std::span<const CellIndex> cells;
    bool layout_ok = false;
    Seconds duration = 0;
    int64_t start_chunk = 0;
    SearchScratch* scratch = nullptr;
    // The site x model group when the cells are all of one (level kSiteModel
    // with the layout matching), else -1: only then are GroupBlocks kept.
    int32_t site_group = -1;
    const std::vector<int32_t>& GroupBlocks(Seconds earliest, int64_t first, int64_t count) const {
      return calendar->GroupBlockMost(site_group, duration, earliest, first, count, *scratch);
    }
    const std::vector<int32_t>& Blocks(Seconds earliest, int64_t first, int64_t count) const {
      return calendar->BlockMost(cells, duration, earliest, first, count, *scratch);
    }
    const std::vector<int32_t>& Starts(Seconds earliest, int64_t first, int64_t count) const {
      return calendar->StartMost(cells, duration, earliest, first, count, *scratch);
    }
  };
  // `one_cell` holds `group` and must outlive the result (the cells of a kCell
  // group are that one cell).
  GroupBounds BoundsOfGroup(CapacityIndex::Level level, int32_t group,
                            std::span<const CellIndex, 1> one_cell,
                            std::span<const NodeIndex> nodes, Seconds duration,
                            SearchScratch& scratch) const;

  // The sweep behind EarliestStart and MaxFreeInWindows. Returns the first start
  // with a free total >= gpus; `best_total` receives the largest total seen.
  std::optional<Seconds> Sweep(std::span<const NodeIndex> nodes, int64_t gpus, Seconds duration,
                               Seconds earliest, Seconds latest_start, SearchScratch& scratch,
                               int64_t* best_total, std::vector<int32_t>* free_out) const;

  // Refreshes ends_[node] after its points changed.
  void UpdateEnds(NodeIndex node);

  std::vector<int32_t> capacity_;
  std::vector<std::vector<ChangePoint>> points_;
  // Per node, the times of its first and last change points (0, 0 when it has
  // none): SegmentAt's interpolation needs them, and reading them from this
  // flat array saves two cache misses into the node's points per search.
  struct Ends {
    Seconds first = 0;
    Seconds last = 0;
  };
  std::vector<Ends> ends_;
  // Per node and day, where the day's change points begin: SegmentAt's first
  // stop (point_directory.h).
  PointDirectory directory_;
  std::unordered_map<ReservationId, Booking> bookings_;
  CapacityIndex index_;
  CellWindowTable windows_;
  Seconds horizon_ = std::numeric_limits<int64_t>::min() / 4;
};

}  // namespace straits::placement
