// CellWindowTable: for every node and time bucket, the fewest and the most GPUs
// the node has free at any instant of the bucket, stored so that one pod's
// nodes over a stretch of buckets sit in one contiguous run of memory.
//
// Why. A pod- or site-scoped search spends most of its time finding, on every
// node of the group, the change point in force at the start it tries: one or
// two cache misses into a different array per node, and a search tries many
// pods. From these two bytes per node and bucket the free GPUs of every node of
// a pod over a window follow without touching the change points:
//     lo(node, window) = min over the buckets it touches of fewest-free
//     hi(node, window) = min of most-free over the buckets it touches in part
//                        and of fewest-free over those it covers completely
// bracket the node's free GPUs over the window (fewer are free during it than
// at its freest instant in any bucket it touches, or than at the least-free
// instant of a bucket it holds whole; and no fewer than in the worst instant
// of all of them), and when lo == hi they are exact: a node whose usage dips
// only in buckets the window covers is exact however often it changes there.
// With a few change points per node and day, nearly every node of a window is
// exact; the rest are measured from their change points. Sums of lo say "this
// start is certainly feasible", sums of hi "it is not", so most searches end
// at their first candidate.
//
// Layout: per cell, per bucket, `stride` bytes: the fewest-free of its nodes,
// then their most-free (padded to a fixed stride). A window of B buckets of a
// pod reads B * stride contiguous bytes. Buckets outside the stored range hold
// the nodes' capacities (nothing booked). The table is kept only when every
// cell has at most kMaxCellNodes nodes of at most 255 GPUs.
//
// Memory: stride bytes per cell and bucket; for 400 pods of 32 nodes over a
// year: 224 MB in hourly buckets, 448 MB in half-hour ones (the table grows by
// doubling, so up to twice that while a calendar is being filled).
//
// Maintenance (Calendar::AddUsage): a reservation changes both values by -gpus
// in buckets it covers completely; the (at most two) buckets it covers partly
// are measured before and after. Values are clamped to [0, capacity], which
// keeps them bounds (not exact) in the bucket holding the calendar's horizon
// after ForgetBefore.
//
// Thread-safety: like Calendar (it is part of one).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "placement/huge_page_allocator.h"
#include "placement/topology.h"

namespace straits::placement {

using Seconds = int64_t;

class CellWindowTable {
 public:
  static constexpr int32_t kMaxCellNodes = 256;

  // Disabled: every query says nothing is known.
  CellWindowTable() = default;
  CellWindowTable(const Topology& topology, Seconds bucket_width);

  bool enabled() const { return bucket_width_ > 0; }

  // Adds `lo_delta` to the node's fewest-free and `hi_delta` to its most-free
  // count in every bucket of [first, last].
  void Add(NodeIndex node, int64_t first, int64_t last, int32_t lo_delta, int32_t hi_delta);

  // For every node of `cell`, in node order, the bounds lo[i] <= free GPUs of
  // the node over [start, end) <= hi[i] described above; exact when
  // lo[i] == hi[i]. start < end. The buckets the window covers are read a
  // block (kBlock buckets) at a time where they can be, from the block minima.
  void WindowBounds(CellIndex cell, Seconds start, Seconds end, std::span<uint8_t> lo,
                    std::span<uint8_t> hi) const;

  // For every node of `cell`, in node order, bounds on the GPUs it has free over
  // any window of `duration` starting in [from, to]: lo[i] <= free <= hi[i],
  // equal when the node offers the same count at every such start. Tighter than
  // the extremes over the buckets the windows touch when the windows share
  // middle buckets they all cover: a node then offers the least it has free in
  // them, whatever its usage does there, unless an edge bucket has fewer free.
  // Buckets must be exact (not the horizon's) from `to` on.
  void StartRangeBounds(CellIndex cell, Seconds from, Seconds to, Seconds duration,
                        std::span<uint8_t> lo, std::span<uint8_t> hi) const;

  // A bound on the free total of the nodes of `cells` over windows of `duration`
  // starting in buckets [first, first + count): with s = max(bucket start, earliest),
  //   most[i] >= the free total at every start in [s, end of bucket first + i).
  // A node offers a window no more than its most-free count in any bucket the
  // window touches, nor than its fewest-free count in any bucket it covers
  // completely. Every bucket must start after `earliest` except possibly the
  // first. Sliding minima over the rows (van Herk / Gil-Werman) make it
  // O((count + window buckets) x cells); `buffer` and `work` are scratch.
  void StartBounds(std::span<const CellIndex> cells, Seconds duration, Seconds earliest,
                   int64_t first, int64_t count, std::vector<int32_t>& most,
                   std::vector<uint8_t>& buffer, std::vector<uint8_t>& work) const;
  // Buckets a window of `duration` starting at a bucket's start covers (1 while
  // the table is off and has no buckets).
  int64_t WindowBuckets(Seconds duration) const {
    return enabled() ? (duration - 1) / bucket_width_ + 1 : 1;
  }

  // For every node of `cell`, in node order, whose entry of `first` is still
  // kNoStart: the first start in [from, limit] that its most-free counts do
  // not rule out for `gpus` GPUs over `duration` (every bucket the window
  // touches has at least `gpus` free at some instant), left kNoStart when
  // there is none. Starts are `from` or the start of a later bucket, as in
  // CapacityIndex::FirstPossible at node level; here all of the cell's nodes
  // come out of one pass over its rows. Returns how many nodes large enough
  // for `gpus` are still without a start. `runs` is scratch.
  static constexpr Seconds kNoStart = std::numeric_limits<Seconds>::min();
  size_t NodeFirstStarts(CellIndex cell, int32_t gpus, Seconds duration, Seconds from,
                         Seconds limit, std::span<Seconds> first,
                         std::vector<uint16_t>& runs) const;

  // False when no node of `cell` can have `gpus` GPUs free over any window of
  // `duration` starting in [from, limit]: every such window covers completely
  // a run of whole blocks (kBlock buckets), and a node offers no more than its
  // least fewest-free count in a block it covers. Reads one mask per block
  // (the nodes with `gpus` free through it) and looks for a node in enough
  // masks in a row; true when the windows are too short to cover a block for
  // sure.
  bool AnyNodeMayHold(CellIndex cell, int32_t gpus, Seconds duration, Seconds from,
                      Seconds limit) const;
  // The same answer from the block minima's bytes (32 per pod and block on
  // the scale fleet) instead of the level masks (one bit per node): used when
  // nodes have more than kMaxMaskLevel GPUs, and by tests.
  bool AnyNodeMayHoldByMinima(CellIndex cell, int32_t gpus, Seconds duration, Seconds from,
                              Seconds limit) const;

  // A cheaper and coarser `most`, from per-block summaries: for every cell and
  // block of kBlock buckets, the sum over its nodes of each node's least
  // fewest-free count in the block. A window that covers a whole block can get
  // no more from the cell than that sum, so for start bucket first + i
  //   most[i] >= the free total at every start in the bucket (as StartBounds)
  // and is the cells' capacity where the windows cover no whole block.
  // O((count + blocks) x cells), with the cells side by side so that the
  // minima vectorize; `work` and `ranges` are scratch.
  void BlockBounds(std::span<const CellIndex> cells, Seconds duration, Seconds earliest,
                   int64_t first, int64_t count, std::vector<int32_t>& most,
                   std::vector<int32_t>& work,
                   std::vector<std::pair<int64_t, int64_t>>& ranges) const;
  static constexpr int64_t kBlock = 4;

  // The coarsest bound of the three, for a whole site x model group (`group` =
  // site * num_models + model, as in CapacityIndex): for start bucket
  // first + i,
  //   most[i] = the least, over the blocks every start in the bucket covers
  //             completely, of the group's block sum (the cells' sums added up),
  // and the group's capacity where the windows cover no whole block. A sum of
  // minima is at most the minimum of the sums, so this is at least BlockBounds
  // over the group's cells: looser, but one number per block instead of one
  // per cell and block (counted on the scale fleet's mixed stream: of the
  // site searches BlockBounds rules out entirely it rules out 90 %, and where
  // both allow a start it is the same start in 84 %). O(count + blocks).
  void GroupBlockBounds(int32_t group, Seconds duration, Seconds earliest, int64_t first,
                        int64_t count, std::vector<int32_t>& most,
                        std::vector<int64_t>& work) const;

  // The stored value of one node in one bucket (tests).
  int32_t Lo(NodeIndex node, int64_t bucket) const;
  int32_t Hi(NodeIndex node, int64_t bucket) const;

  // The first node of `cell` (its nodes are contiguous).
  NodeIndex FirstNode(CellIndex cell) const { return cell_first_[static_cast<size_t>(cell)]; }
  int32_t NodesIn(CellIndex cell) const { return cell_nodes_[static_cast<size_t>(cell)]; }

  // Buckets that end at or before `t` are dropped the next time the table grows.
  void ForgetBefore(Seconds t) {
    if (enabled()) keep_from_ = std::max(keep_from_, BucketOf(t));
  }

  int64_t BucketOf(Seconds t) const {
    return t >= 0 ? t / bucket_width_ : -((-t + bucket_width_ - 1) / bucket_width_);
  }

 private:
  // Makes room for buckets [first, last].
  void Cover(int64_t first, int64_t last);
  uint8_t* Row(size_t cell, int64_t bucket) {
    return &data_[(cell * static_cast<size_t>(count_) + static_cast<size_t>(bucket - first_)) *
                  stride_];
  }
  const uint8_t* Row(size_t cell, int64_t bucket) const {
    return const_cast<CellWindowTable*>(this)->Row(cell, bucket);
  }
  // The row of `bucket`, the fresh row outside the stored range.
  const uint8_t* RowOrFresh(size_t cell, int64_t bucket) const {
    return count_ > 0 && bucket >= first_ && bucket < first_ + count_ ? Row(cell, bucket)
                                                                      : &fresh_[cell * stride_];
  }
  // For every node of `cell`, in node order, the fewest GPUs free at any
  // instant of buckets [first, last] and the most. When they are equal the
  // node's usage does not change in those buckets.
  void RangeExtremes(CellIndex cell, int64_t first, int64_t last, std::span<uint8_t> fewest,
                     std::span<uint8_t> most) const;
  // Lowers fewest[i] and raises most[i] (for i < half_) to the node's
  // counts over buckets [first, last] of `cell`; nothing for an empty range.
  void AccumulateRange(size_t cell, int64_t first, int64_t last, uint8_t* fewest,
                       uint8_t* most) const;
  // Lowers fewest[i] (for i < half_) to the node's fewest-free count over
  // buckets [first, last] of `cell`, taking whole blocks from block_mins_.
  void AccumulateFewest(size_t cell, int64_t first, int64_t last, uint8_t* fewest) const;
  // Sum of `half_` bytes.
  int32_t SumHalf(const uint8_t* bytes) const;
  // The minima of the fewest-free counts over `windows` windows of `length`
  // rows of `cell`, the k-th from bucket first + k, into out[k * half_ ...];
  // `buffer` is scratch. SlidingMin makes three passes over the rows;
  // FewestFreeMinima gives the same minima, and for a few long windows takes
  // the middle they share from the block minima.
  void SlidingMin(size_t cell, int64_t first, int64_t windows, int64_t length, uint8_t* out,
                  std::vector<uint8_t>& buffer) const;
  void FewestFreeMinima(size_t cell, int64_t first, int64_t windows, int64_t length, uint8_t* out,
                        std::vector<uint8_t>& buffer) const;

  // The bucket holding the end of a window of `duration` from bucket
  // `bucket`'s start (from `earliest` if that is later), where `whole` is
  // duration / bucket width: for every bucket starting after `earliest` that
  // is one addition (the block bounds' loops ran a division per bucket;
  // measured: mixed stream 1.03-1.05x, 512-GPU stream 1.01-1.03x).
  int64_t EndBucket(int64_t bucket, Seconds earliest, Seconds duration, int64_t whole) const;

  // Recomputes the block summaries of `node` for the blocks of buckets [first, last].
  void UpdateBlocks(NodeIndex node, int64_t first, int64_t last);
  // Makes room for blocks [first, last] in the block tables.
  void CoverBlocks(int64_t first, int64_t last);
  static int64_t BlockOf(int64_t bucket) {
    return bucket >= 0 ? bucket / kBlock : -((-bucket + kBlock - 1) / kBlock);
  }
  // One group's block sums, copied out of the table's members so that a loop
  // storing into other vectors (which may alias those members) need not
  // reload them for every read.
  struct GroupBlockRow {
    const int32_t* sums;  // null when no block is stored
    int64_t first;        // stored blocks: [first, end)
    int64_t end;
    int32_t capacity;  // the value of blocks outside them
    int32_t operator()(int64_t block) const {
      return sums != nullptr && block >= first && block < end ? sums[block - first] : capacity;
    }
  };
  GroupBlockRow GroupBlockRowOf(size_t group) const {
    return GroupBlockRow{.sums = block_count_ > 0
                                     ? &group_block_sums_[group * static_cast<size_t>(block_count_)]
                                     : nullptr,
                         .first = block_first_,
                         .end = block_first_ + block_count_,
                         .capacity = group_capacity_[group]};
  }
  int32_t BlockSum(size_t cell, int64_t block) const {
    return block_count_ > 0 && block >= block_first_ && block < block_first_ + block_count_
               ? block_sums_[cell * static_cast<size_t>(block_count_) +
                             static_cast<size_t>(block - block_first_)]
               : cell_capacity_[cell];
  }

  Seconds bucket_width_ = 0;
  size_t stride_ = 0;  // bytes per cell and bucket; lo at [0, half), hi at [half, stride)
  size_t half_ = 0;
  std::vector<uint8_t> fresh_;         // per cell, one row of capacities
  std::vector<int32_t> node_cell_;     // per node
  std::vector<int32_t> node_slot_;     // per node: its position in its cell
  std::vector<int32_t> cell_nodes_;    // per cell: node count
  std::vector<NodeIndex> cell_first_;  // per cell: first node
  int64_t keep_from_ = std::numeric_limits<int64_t>::min();
  std::vector<int32_t> cell_capacity_;  // per cell: GPUs
  // Per cell and block: each node's least fewest-free count (half_ bytes), and their sum.
  std::vector<uint8_t, HugePageAllocator<uint8_t>> block_mins_;
  std::vector<int32_t, HugePageAllocator<int32_t>> block_sums_;
  // Per cell, level k (1..mask_levels_) and block: a bitmask of the nodes whose
  // fewest-free count in the block is at least k, mask_words_ 64-bit words. A
  // request for k GPUs reads one word per block where the minima are 32 bytes,
  // so AnyNodeMayHold brings in an eighth of the bytes. Kept when no node has
  // more than kMaxMaskLevel GPUs; 56 MB for 400 pods of 8-GPU nodes over a year.
  static constexpr int32_t kMaxMaskLevel = 16;
  int32_t mask_levels_ = 0;
  size_t mask_words_ = 0;
  std::vector<uint64_t> fresh_masks_;  // per cell and level
  std::vector<uint64_t, HugePageAllocator<uint64_t>> level_masks_;
  // Where the mask of `cell` at `level` for a stored `block` begins.
  size_t LevelMaskAt(size_t cell, int32_t level, int64_t block) const {
    return ((cell * static_cast<size_t>(mask_levels_) + static_cast<size_t>(level - 1)) *
                static_cast<size_t>(block_count_) +
            static_cast<size_t>(block - block_first_)) *
           mask_words_;
  }
  // Per site x model group and block: its cells' block sums added up.
  std::vector<int32_t> cell_group_;      // per cell
  std::vector<int32_t> group_capacity_;  // per group: GPUs
  std::vector<int32_t> group_block_sums_;
  int64_t block_first_ = 0;
  int64_t block_count_ = 0;
  std::vector<uint8_t, HugePageAllocator<uint8_t>> data_;
  int64_t first_ = 0;
  int64_t count_ = 0;
};

}  // namespace straits::placement
