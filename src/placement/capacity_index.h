// CapacityIndex: coarse upper bounds on free GPUs per group of nodes and time
// bucket, so searches skip stretches of time in which a pod or a site cannot
// possibly have enough GPUs, without touching its nodes.
//
// Time is cut into buckets of fixed width (half an hour by default). For each node and
// bucket, let maxfree(node, bucket) be the most GPUs the node has free at any
// instant of the bucket. The index keeps, per bucket,
//   - for every cell (the nodes of one model in one pod): the sum of maxfree over
//     its nodes;
//   - for every site x model group: the sum over its cells, and the largest cell
//     sum (kept exact for changes of up to kExactMaxBuckets buckets; a longer
//     booking leaves it where it was, still an upper bound, rather than rescan
//     every cell of the site in every bucket it covers).
// A lease window that overlaps bucket b can get at most maxfree(node, b) from a
// node (a node's free GPUs over the window are at most its free GPUs at any
// instant of it), so these sums bound what a pod (cell) or a site can offer to
// any window overlapping b, and the largest cell sum bounds what any single pod
// of the site can offer. A window needs the bound to hold in every bucket it
// overlaps; `NextPossible` finds the first run of start times where it does.
//
// For node-scope requests the sums say little (a pod with 100 free GPUs may
// have no node with 8 free), so when every node has at most kMaxLevel GPUs and
// every cell at most 255 nodes, the index also keeps maxfree itself per node
// and bucket (one byte) and, per cell and per site x model group, how many nodes
// have each maxfree value: the largest value present bounds what any one node
// of the cell or site can offer. Node-scope searches skip sites, then cells,
// then nodes, and run the exact search only where no bound rules a start out.
//
// Maintenance is incremental: a reservation on a node changes maxfree by exactly
// -delta in the buckets it covers completely; only the (at most two) buckets it
// covers partly are recomputed from the node's change points.
//
// Memory per bucket: 4 bytes per cell (6 when a cell has more than
// 65,535 GPUs) and 10 (12) per site x model group for the sums; with node
// levels, one byte per node, 17 per cell and 34 per group. For 12,500 nodes in
// 400 pods over a year: about 190 MB in hourly buckets, 380 MB in half-hour
// ones (tables grow by doubling, so up to twice that while a calendar is
// being filled).
//
// Thread-safety: like Calendar (it is part of one).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "placement/huge_page_allocator.h"
#include "placement/topology.h"

namespace straits::placement {

using Seconds = int64_t;

class CapacityIndex {
 public:
  // An index over nothing: every bound is "unknown" (searches do not use it).
  CapacityIndex() = default;
  CapacityIndex(const Topology& topology, Seconds bucket_width);

  bool enabled() const { return bucket_width_ > 0; }
  Seconds bucket_width() const { return bucket_width_; }

  // Group of nodes a bound is asked for.
  enum class Level {
    kCell,          // one cell: sum over its nodes
    kSiteModel,     // a site x model group: sum over its nodes
    kSiteModelPod,  // a site x model group: the largest of its cells' sums
    // With node levels (has_node_levels()):
    kNode,           // one node (group = NodeIndex): its maxfree
    kCellNode,       // one cell: the largest maxfree of its nodes
    kSiteModelNode,  // a site x model group: the largest maxfree of its nodes
  };
  // See the largest-cell-sum bound above.
  static constexpr int64_t kExactMaxBuckets = 48;
  // Node levels are kept for nodes of at most this many GPUs.
  static constexpr int32_t kMaxLevel = 16;
  bool has_node_levels() const { return node_levels_; }
  // Bytes per cell and bucket of the cell sums: 2, or 4 when some cell has
  // more than 65,535 GPUs.
  size_t cell_sum_bytes() const { return narrow_cells_ ? 2 : 4; }

  // Node `node`'s maxfree in `bucket` changes by `delta` (callers pass the
  // difference they computed).
  void AddToBucket(NodeIndex node, int64_t bucket, int32_t delta);
  // Adds `delta` to node's maxfree in every bucket of [first, last].
  void AddToBuckets(NodeIndex node, int64_t first, int64_t last, int32_t delta);

  int64_t BucketOf(Seconds t) const {
    return t >= 0 ? t / bucket_width_ : -((-t + bucket_width_ - 1) / bucket_width_);
  }
  Seconds BucketStart(int64_t bucket) const { return bucket * bucket_width_; }

  // The first start s in [earliest, latest] that the bounds do not rule out for
  // `gpus` GPUs over [s, s + duration) in group `group` at `level`, and the last
  // start of the run of starts beginning there that they do not rule out either:
  // every start in [first, last] may be feasible, every start in [earliest, first)
  // is not. nullopt when every start in [earliest, latest] is ruled out.
  // `group` is a CellIndex for kCell, else site * num_models + model.
  std::optional<std::pair<Seconds, Seconds>> NextPossible(Level level, int32_t group, int64_t gpus,
                                                          Seconds duration, Seconds earliest,
                                                          Seconds latest) const;
  // NextPossible's first start alone, without the scan for the run's end.
  std::optional<Seconds> FirstPossible(Level level, int32_t group, int64_t gpus, Seconds duration,
                                       Seconds earliest, Seconds latest) const;

  // Asks the memory system for the bound `Possible` reads first for a window
  // of `duration` from `start` (its last bucket). Each group's bounds are a
  // cache miss of their own; a caller about to ask for many groups' bounds
  // calls this for all of them first, so that the misses overlap.
  void PrefetchWindow(Level level, int32_t group, Seconds start, Seconds duration) const;
  // The same for the pod bounds (kCell) of every cell of site x model group
  // `group` at once, before FirstPossible is asked for each of them: the
  // lines of the window from `start` (at most kMaxPrefetchLines); nothing for
  // requests of more than 255 GPUs, whose bounds are read from other rows.
  void PrefetchGroupCells(int32_t group, int64_t gpus, Seconds start, Seconds duration) const;
  static constexpr size_t kMaxPrefetchLines = 24;

  // With node levels: the runs of start times in [earliest, latest] not ruled
  // out by the tighter bound  sum over `nodes` of (each node's least maxfree
  // over the buckets the window overlaps) -- the bucket-resolution version of
  // the exact free total, so a set of nodes that are never free together for
  // long enough is dismissed without a sweep. Costs O(nodes x buckets) and reads
  // only the nodes' byte rows. Appends to `runs` (ascending, disjoint); false
  // without node levels (callers then use NextPossible).
  bool NodeSumRuns(std::span<const NodeIndex> nodes, int64_t gpus, Seconds duration,
                   Seconds earliest, Seconds latest, std::vector<int32_t>& sums,
                   std::vector<std::pair<Seconds, Seconds>>& runs) const;

  // The cells of a site x model group (group = site * num_models + model), in
  // node order.
  std::span<const CellIndex> GroupCells(int32_t group) const {
    return group_cells_[static_cast<size_t>(group)];
  }

  // The bound itself for one bucket (tests and diagnostics).
  int64_t Bound(Level level, int32_t group, int64_t bucket) const;

  // Drops buckets that end at or before `t`.
  void ForgetBefore(Seconds t);

 private:
  // Values of many entities (nodes, cells, groups) over a range of buckets,
  // entity-major so that one entity's buckets are contiguous: a search reads a
  // window of buckets of one entity from one or two cache lines. Buckets
  // outside the allocated range hold the entity's fresh values.
  template <typename T>
  class BucketTable {
   public:
    // `fresh` holds `width` values per entity.
    void Init(size_t width, std::vector<T> fresh);
    bool Has(int64_t bucket) const { return bucket >= first_ && bucket < first_ + count_; }
    // Allocates [first, last] (with room to grow), dropping buckets before `keep_from`.
    void Cover(int64_t first, int64_t last, int64_t keep_from);
    T* At(size_t entity, int64_t bucket) {
      return &data_[(entity * static_cast<size_t>(count_) + static_cast<size_t>(bucket - first_)) *
                    width_];
    }
    const T* At(size_t entity, int64_t bucket) const {
      return const_cast<BucketTable*>(this)->At(entity, bucket);
    }
    const T* Fresh(size_t entity) const { return &fresh_[entity * width_]; }

   private:
    size_t width_ = 1;
    size_t entities_ = 0;
    std::vector<T> fresh_;
    std::vector<T, HugePageAllocator<T>> data_;
    int64_t first_ = 0;
    int64_t count_ = 0;
  };

  // Makes room for buckets [first, last] in every table.
  void Cover(int64_t first, int64_t last);
  // NextPossible, and FirstPossible without `with_end` (the pair's second is
  // then not the run's end).
  std::optional<std::pair<Seconds, Seconds>> Possible(Level level, int32_t group, int64_t gpus,
                                                      Seconds duration, Seconds earliest,
                                                      Seconds latest, bool with_end) const;
  // Possible over one entity's series: series[(b - first_) * stride] for the
  // stored buckets, `capacity` elsewhere.
  template <typename T>
  std::optional<std::pair<Seconds, Seconds>> NextPossibleIn(const T* series, int64_t capacity,
                                                            int64_t gpus, Seconds duration,
                                                            Seconds earliest, Seconds latest,
                                                            bool with_end, size_t stride = 1) const;
  // The largest value with a nonzero count in a histogram of kLevels.
  template <typename T>
  static int32_t HighestLevel(const T* histogram);

  static constexpr size_t kLevels = kMaxLevel + 1;  // maxfree values 0..kMaxLevel

  Seconds bucket_width_ = 0;
  int32_t num_models_ = 0;
  int64_t keep_from_ = std::numeric_limits<int64_t>::min();  // buckets before are dropped
  int64_t first_ = 0;                                        // allocated buckets (all tables)
  int64_t count_ = 0;

  std::vector<CellIndex> node_cell_;  // per node
  std::vector<int32_t> cell_group_;   // per cell: its site x model group
  std::vector<std::vector<CellIndex>> group_cells_;
  std::vector<int64_t> cell_capacity_;  // per cell
  std::vector<int64_t> group_capacity_;
  std::vector<int64_t> group_max_cell_capacity_;
  std::vector<int32_t> node_capacity_;
  std::vector<int32_t> cell_max_node_;   // per cell: largest node
  std::vector<int32_t> group_max_node_;  // per group: largest node
  bool node_levels_ = false;

  // Cell sums, and each group's largest cell sum, in 16 bits when no cell has
  // more than 65,535 GPUs (a pod of 32 eight-GPU nodes has 256), else in 32.
  // Pod-scoped searches scan a window of them for every pod of every site, and
  // the narrow tables are half the bytes to bring in: measured +11 % on the
  // 64-GPU pod stream (bench/placement).
  bool narrow_cells_ = false;
  BucketTable<uint16_t> narrow_cell_sums_;
  BucketTable<uint16_t> narrow_group_max_;
  BucketTable<int32_t> wide_cell_sums_;
  BucketTable<int32_t> wide_group_max_;
  // Calls f(cell_sums, group_max) with the pair of tables in use.
  template <typename F>
  decltype(auto) WithCellTables(F&& f) const {
    return narrow_cells_ ? f(narrow_cell_sums_, narrow_group_max_)
                         : f(wide_cell_sums_, wide_group_max_);
  }
  template <typename F>
  decltype(auto) WithCellTables(F&& f) {
    return narrow_cells_ ? f(narrow_cell_sums_, narrow_group_max_)
                         : f(wide_cell_sums_, wide_group_max_);
  }
  // The cell sums once more, saturated at kSaturated: a stored kSaturated
  // stands for that many or more, which blocks no request of at most
  // kSaturated GPUs, so for those requests (nearly all pod-scoped ones) the
  // comparisons are exact, and a scan reads half the bytes of the 16-bit sums
  // (one more byte per cell and bucket: 7 MB for 400 pods over a year of
  // half-hour buckets).
  static constexpr int32_t kSaturated = 255;
  BucketTable<uint8_t> saturated_cell_sums_;
  // The same saturated sums once more, site x model group by group, its cells
  // side by side in each bucket (GroupCells order, `group_width_` bytes per
  // bucket). A pod-scoped search asks for the first possible start of every
  // pod of a site in turn, and in the cell-major rows above each pod's window
  // is a cache miss of its own; here the pods' windows share their lines, so
  // a site's pods read about as many lines as one window covers (kCell
  // FirstPossible reads these; NextPossible, which scans on to a run's end,
  // reads the rows above). 1 byte per cell and bucket, padded per group.
  // Measured in-process against reading the rows above (three runs, totals
  // over alternated blocks): the 64-GPU pod stream 1.08-1.12x, the mixed
  // fragmentation-aware stream 1.01-1.10x (block medians 1.08-1.10).
  BucketTable<uint8_t> group_saturated_;
  size_t group_width_ = 0;
  std::vector<int32_t> cell_slot_;  // per cell: its place among its group's cells
  BucketTable<int64_t> group_sums_;
  BucketTable<uint8_t> node_free_;    // with node levels
  BucketTable<uint8_t> cell_hist_;    // with node levels; kLevels per bucket
  BucketTable<uint16_t> group_hist_;  // with node levels; kLevels per bucket
  // With node levels, per node and block of kBlock buckets: the length of the
  // run of buckets with some GPU free at the block's start, at its end, and the
  // longest anywhere in it. NodeSumRuns uses them to dismiss, in O(blocks), the
  // nodes that are never free for as long as a window lasts.
  static constexpr int64_t kBlock = 32;
  BucketTable<uint8_t> node_runs_;  // indexed by block; 3 values per block
  // Recomputes node n's run summaries for the blocks of buckets [first, last].
  void UpdateRuns(size_t n, int64_t first, int64_t last);
  // The longest run of buckets with some GPU free on node n within [from, to].
  int64_t LongestFreeRun(size_t n, int64_t from, int64_t to) const;
  BucketTable<uint8_t> cell_node_max_;   // with node levels: highest level in cell_hist_
  BucketTable<uint8_t> group_node_max_;  // with node levels: highest level in group_hist_
};

}  // namespace straits::placement
