#include "placement/cell_window.h"

#include <algorithm>
#include <numeric>

namespace straits::placement {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// to[i] = min(a[i], b[i]) for i < n; `to` may be `a` or `b`.
void MinInto(uint8_t* to, const uint8_t* a, const uint8_t* b, size_t n) {
  for (size_t i = 0; i < n; ++i) to[i] = std::min(a[i], b[i]);
}

}  // namespace

CellWindowTable::CellWindowTable(const Topology& topology, Seconds bucket_width) {
  int32_t widest = 0;
  for (CellIndex c = 0; c < topology.num_cells(); ++c) {
    const CellInfo& cell = topology.cell(c);
    if (cell.max_node_gpus > 255 || cell.end_node - cell.first_node > kMaxCellNodes) return;
    widest = std::max(widest, cell.end_node - cell.first_node);
  }
  if (bucket_width <= 0 || widest == 0) return;
  bucket_width_ = bucket_width;
  // Round each half up to 16 bytes so that rows stay aligned for vector loads.
  half_ = (static_cast<size_t>(widest) + 15) / 16 * 16;
  stride_ = 2 * half_;
  const auto num_cells = static_cast<size_t>(topology.num_cells());
  fresh_.assign(num_cells * stride_, 0);
  cell_nodes_.resize(num_cells);
  cell_first_.resize(num_cells);
  cell_capacity_.resize(num_cells);
  node_cell_.resize(static_cast<size_t>(topology.num_nodes()));
  node_slot_.resize(static_cast<size_t>(topology.num_nodes()));
  cell_group_.resize(num_cells);
  group_capacity_.assign(
      static_cast<size_t>(topology.num_sites()) * static_cast<size_t>(topology.num_models()), 0);
  for (CellIndex c = 0; c < topology.num_cells(); ++c) {
    const CellInfo& cell = topology.cell(c);
    const auto ci = static_cast<size_t>(c);
    cell_nodes_[ci] = cell.end_node - cell.first_node;
    cell_first_[ci] = cell.first_node;
    cell_capacity_[ci] = static_cast<int32_t>(cell.gpus);
    cell_group_[ci] = cell.site * topology.num_models() + cell.model;
    group_capacity_[static_cast<size_t>(cell_group_[ci])] += cell_capacity_[ci];
    for (NodeIndex n = cell.first_node; n < cell.end_node; ++n) {
      const auto slot = static_cast<size_t>(n - cell.first_node);
      node_cell_[static_cast<size_t>(n)] = c;
      node_slot_[static_cast<size_t>(n)] = static_cast<int32_t>(slot);
      const auto cap = static_cast<uint8_t>(topology.node(n).gpus);
      fresh_[ci * stride_ + slot] = cap;
      fresh_[ci * stride_ + half_ + slot] = cap;
    }
  }
  int32_t largest_node = 0;
  for (CellIndex c = 0; c < topology.num_cells(); ++c) {
    largest_node = std::max(largest_node, topology.cell(c).max_node_gpus);
  }
  if (largest_node <= kMaxMaskLevel) {
    mask_levels_ = largest_node;
    mask_words_ = (static_cast<size_t>(widest) + 63) / 64;
    fresh_masks_.assign(num_cells * static_cast<size_t>(mask_levels_) * mask_words_, 0);
    for (size_t c = 0; c < num_cells; ++c) {
      for (int32_t slot = 0; slot < cell_nodes_[c]; ++slot) {
        const int32_t cap = fresh_[c * stride_ + static_cast<size_t>(slot)];
        for (int32_t level = 1; level <= cap; ++level) {
          fresh_masks_[(c * static_cast<size_t>(mask_levels_) + static_cast<size_t>(level - 1)) *
                           mask_words_ +
                       static_cast<size_t>(slot) / 64] |= uint64_t{1} << (slot % 64);
        }
      }
    }
  }
}

void CellWindowTable::Cover(int64_t first, int64_t last) {
  if (count_ > 0 && first >= first_ && last < first_ + count_) return;
  // Grow by at least the current size (amortized doubling).
  int64_t new_first = first, new_end = last + 1;
  if (count_ > 0) {
    const int64_t grow = std::max<int64_t>(count_, 64);
    new_first = first < first_ ? std::min(first, first_ - grow) : first_;
    new_end =
        last + 1 > first_ + count_ ? std::max(last + 1, first_ + count_ + grow) : first_ + count_;
    new_first = std::max(new_first, std::min(keep_from_, first));
  } else {
    new_end = std::max(new_end, first + 64);
  }
  const auto new_count = static_cast<size_t>(new_end - new_first);
  const size_t cells = cell_nodes_.size();
  std::vector<uint8_t, HugePageAllocator<uint8_t>> data(cells * new_count * stride_);
  for (size_t c = 0; c < cells; ++c) {
    uint8_t* rows = &data[c * new_count * stride_];
    for (size_t b = 0; b < new_count; ++b) {
      const int64_t bucket = new_first + static_cast<int64_t>(b);
      const uint8_t* from = count_ > 0 && bucket >= first_ && bucket < first_ + count_
                                ? Row(c, bucket)
                                : &fresh_[c * stride_];
      std::copy(from, from + stride_, rows + b * stride_);
    }
  }
  data_ = std::move(data);
  first_ = new_first;
  count_ = static_cast<int64_t>(new_count);
}

void CellWindowTable::Add(NodeIndex node, int64_t first, int64_t last, int32_t lo_delta,
                          int32_t hi_delta) {
  if (!enabled() || first > last || (lo_delta == 0 && hi_delta == 0)) return;
  Cover(first, last);
  const auto cell = static_cast<size_t>(node_cell_[static_cast<size_t>(node)]);
  const auto slot = static_cast<size_t>(node_slot_[static_cast<size_t>(node)]);
  const int32_t cap = fresh_[cell * stride_ + slot];
  for (int64_t b = first; b <= last; ++b) {
    uint8_t* row = Row(cell, b);
    row[slot] = static_cast<uint8_t>(std::clamp(row[slot] + lo_delta, 0, cap));
    row[half_ + slot] = static_cast<uint8_t>(std::clamp(row[half_ + slot] + hi_delta, 0, cap));
  }
  if (lo_delta != 0) UpdateBlocks(node, first, last);
}

void CellWindowTable::CoverBlocks(int64_t first, int64_t last) {
  if (block_count_ > 0 && first >= block_first_ && last < block_first_ + block_count_) return;
  int64_t new_first = first, new_end = last + 1;
  if (block_count_ > 0) {
    const int64_t grow = std::max<int64_t>(block_count_, 16);
    new_first = first < block_first_ ? std::min(first, block_first_ - grow) : block_first_;
    new_end = last + 1 > block_first_ + block_count_
                  ? std::max(last + 1, block_first_ + block_count_ + grow)
                  : block_first_ + block_count_;
    if (keep_from_ != std::numeric_limits<int64_t>::min()) {
      new_first = std::max(new_first, std::min(BlockOf(keep_from_), first));
    }
  } else {
    new_end = std::max(new_end, first + 16);
  }
  const auto new_count = static_cast<size_t>(new_end - new_first);
  const size_t cells = cell_nodes_.size();
  std::vector<uint8_t, HugePageAllocator<uint8_t>> mins(cells * new_count * half_);
  std::vector<int32_t, HugePageAllocator<int32_t>> sums(cells * new_count);
  for (size_t c = 0; c < cells; ++c) {
    for (size_t k = 0; k < new_count; ++k) {
      const int64_t block = new_first + static_cast<int64_t>(k);
      const bool stored =
          block_count_ > 0 && block >= block_first_ && block < block_first_ + block_count_;
      const size_t old_k = static_cast<size_t>(block - block_first_);
      const uint8_t* from =
          stored ? &block_mins_[(c * static_cast<size_t>(block_count_) + old_k) * half_]
                 : &fresh_[c * stride_];
      std::copy(from, from + half_, &mins[(c * new_count + k) * half_]);
      sums[c * new_count + k] =
          stored ? block_sums_[c * static_cast<size_t>(block_count_) + old_k] : cell_capacity_[c];
    }
  }
  const size_t groups = group_capacity_.size();
  std::vector<int32_t> group_sums(groups * new_count);
  for (size_t g = 0; g < groups; ++g) {
    for (size_t k = 0; k < new_count; ++k) {
      group_sums[g * new_count + k] = GroupBlockRowOf(g)(new_first + static_cast<int64_t>(k));
    }
  }
  const auto levels = static_cast<size_t>(mask_levels_);
  std::vector<uint64_t, HugePageAllocator<uint64_t>> masks(cells * levels * new_count *
                                                           mask_words_);
  for (size_t c = 0; c < cells; ++c) {
    for (size_t level = 1; level <= levels; ++level) {
      for (size_t k = 0; k < new_count; ++k) {
        const int64_t block = new_first + static_cast<int64_t>(k);
        const bool stored =
            block_count_ > 0 && block >= block_first_ && block < block_first_ + block_count_;
        const uint64_t* from =
            stored ? &level_masks_[LevelMaskAt(c, static_cast<int32_t>(level), block)]
                   : &fresh_masks_[(c * levels + level - 1) * mask_words_];
        std::copy(from, from + mask_words_,
                  &masks[((c * levels + level - 1) * new_count + k) * mask_words_]);
      }
    }
  }
  block_mins_ = std::move(mins);
  block_sums_ = std::move(sums);
  group_block_sums_ = std::move(group_sums);
  level_masks_ = std::move(masks);
  block_first_ = new_first;
  block_count_ = static_cast<int64_t>(new_count);
}

void CellWindowTable::UpdateBlocks(NodeIndex node, int64_t first, int64_t last) {
  const int64_t first_block = BlockOf(first), last_block = BlockOf(last);
  CoverBlocks(first_block, last_block);
  const auto cell = static_cast<size_t>(node_cell_[static_cast<size_t>(node)]);
  const auto slot = static_cast<size_t>(node_slot_[static_cast<size_t>(node)]);
  for (int64_t block = first_block; block <= last_block; ++block) {
    uint8_t least = fresh_[cell * stride_ + slot];
    for (int64_t b = block * kBlock; b < (block + 1) * kBlock; ++b) {
      least = std::min(least, RowOrFresh(cell, b)[slot]);
    }
    const size_t k =
        cell * static_cast<size_t>(block_count_) + static_cast<size_t>(block - block_first_);
    uint8_t& stored = block_mins_[k * half_ + slot];
    const int32_t delta = static_cast<int32_t>(least) - static_cast<int32_t>(stored);
    block_sums_[k] += delta;
    group_block_sums_[static_cast<size_t>(cell_group_[cell]) * static_cast<size_t>(block_count_) +
                      static_cast<size_t>(block - block_first_)] += delta;
    // The node's bit changes at the levels between the old and the new count.
    const int32_t top = std::min<int32_t>(std::max(least, stored), mask_levels_);
    for (int32_t level = std::min(least, stored) + 1; level <= top; ++level) {
      uint64_t& word = level_masks_[LevelMaskAt(cell, level, block) + slot / 64];
      const uint64_t bit = uint64_t{1} << (slot % 64);
      word = least >= level ? word | bit : word & ~bit;
    }
    stored = least;
  }
}

int64_t CellWindowTable::EndBucket(int64_t bucket, Seconds earliest, Seconds duration,
                                   int64_t whole) const {
  const Seconds start = static_cast<Seconds>(bucket) * bucket_width_;
  if (start >= earliest) return bucket + whole;
  return FloorDiv(earliest + duration, bucket_width_);
}

void CellWindowTable::GroupBlockBounds(int32_t group, Seconds duration, Seconds earliest,
                                       int64_t first, int64_t count, std::vector<int32_t>& most,
                                       std::vector<int64_t>& work) const {
  const auto g = static_cast<size_t>(group);
  most.assign(static_cast<size_t>(std::max<int64_t>(count, 0)), group_capacity_[g]);
  // The blocks covered by the starts of bucket p run from the first block
  // starting after p to the last one ending by the window's end; both ends
  // grow with p, so a monotone deque of block numbers (ascending, their sums
  // ascending too) keeps each range's minimum at its front.
  work.clear();
  size_t head = 0;
  int64_t pushed = std::numeric_limits<int64_t>::min();
  const int64_t whole = duration / bucket_width_;
  // The group's row as a local: the deque's stores could otherwise alias the
  // table's members and force a reload for every sum read (measured: mixed
  // stream 1.02-1.04x, 512-GPU stream 1.02-1.17x).
  const GroupBlockRow sum_of = GroupBlockRowOf(g);
  int32_t* out = most.data();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t p = first + i;
    const int64_t lo = -BlockOf(-(p + 1));
    const int64_t hi = BlockOf(EndBucket(p, earliest, duration, whole)) - 1;
    if (lo > hi) continue;
    for (int64_t b = std::max(pushed + 1, lo); b <= hi; ++b) {
      const int32_t sum = sum_of(b);
      while (work.size() > head && sum_of(work.back()) >= sum) work.pop_back();
      work.push_back(b);
    }
    pushed = std::max(pushed, hi);
    while (work[head] < lo) ++head;
    out[i] = sum_of(work[head]);
  }
}

void CellWindowTable::BlockBounds(std::span<const CellIndex> cells, Seconds duration,
                                  Seconds earliest, int64_t first, int64_t count,
                                  std::vector<int32_t>& most, std::vector<int32_t>& work,
                                  std::vector<std::pair<int64_t, int64_t>>& ranges) const {
  most.assign(static_cast<size_t>(count), 0);
  if (count <= 0) return;
  // For start bucket p, the blocks every start in it covers completely: from
  // the first block starting after p to the last one ending by s + duration.
  // The ranges are the same for every cell: work them out once (with a
  // division for the first start at most), with the blocks they span and
  // their shortest and longest.
  ranges.resize(static_cast<size_t>(count));
  int64_t from = std::numeric_limits<int64_t>::max(), to = std::numeric_limits<int64_t>::min();
  int64_t shortest = std::numeric_limits<int64_t>::max(), longest = 0;
  const int64_t whole = duration / bucket_width_;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t p = first + i;
    const int64_t lo = -BlockOf(-(p + 1));
    const int64_t hi = BlockOf(EndBucket(p, earliest, duration, whole)) - 1;
    ranges[static_cast<size_t>(i)] = {lo, hi};
    if (lo > hi) continue;
    from = std::min(from, lo);
    to = std::max(to, hi);
    shortest = std::min(shortest, hi - lo + 1);
    longest = std::max(longest, hi - lo + 1);
  }
  int32_t capacity = 0;  // what the cells offer where the windows cover no whole block
  for (CellIndex c : cells) capacity += cell_capacity_[static_cast<size_t>(c)];
  if (from > to) {
    std::fill(most.begin(), most.end(), capacity);
    return;
  }
  // The cells' block sums over [from, to], block-major: one row per block, one
  // column per cell, padded with zeros (which add nothing to a sum of minima),
  // so that the minima and sums below run over all cells at once.
  const size_t cols = (cells.size() + 7) / 8 * 8;
  const auto blocks = static_cast<size_t>(to - from + 1);
  // A range's minimum is that of two windows of `shortest` blocks (its first
  // and its last), from van Herk / Gil-Werman prefix and suffix minima; when
  // the ranges are short or differ too much in length, it is read directly.
  const bool direct = longest <= 4 || longest > 2 * shortest;
  work.assign(cols + (direct ? 1 : 3) * blocks * cols, 0);
  int32_t* least = work.data();  // one row: minima over a range
  int32_t* matrix = least + cols;
  // Each cell's block sums are a row of their own, far from the others': ask
  // for every cell's lines before reading any, so that the misses overlap
  // instead of coming one cell at a time (measured +2-4 % on the mixed stream).
  if (block_count_ > 0) {
    const int64_t stored_from = std::max(from, block_first_);
    const int64_t stored_to = std::min(to, block_first_ + block_count_ - 1);
    constexpr int64_t kSumsPerLine = 64 / sizeof(int32_t);
    for (CellIndex c : cells) {
      if (stored_from > stored_to) break;
      const int32_t* row = block_sums_.data() +
                           static_cast<size_t>(c) * static_cast<size_t>(block_count_) +
                           static_cast<size_t>(stored_from - block_first_);
      const int64_t length = stored_to - stored_from;
      for (int64_t i = 0; i < length; i += kSumsPerLine) __builtin_prefetch(row + i);
      __builtin_prefetch(row + length);
    }
  }
  for (size_t k = 0; k < cells.size(); ++k) {
    const auto ci = static_cast<size_t>(cells[k]);
    for (size_t b = 0; b < blocks; ++b) {
      matrix[b * cols + k] = BlockSum(ci, from + static_cast<int64_t>(b));
    }
  }
  auto sum_of_minima = [cols](const int32_t* x, const int32_t* y) {
    int32_t sum = 0;
    for (size_t k = 0; k < cols; ++k) sum += std::min(x[k], y[k]);
    return sum;
  };
  if (direct) {
    for (int64_t i = 0; i < count; ++i) {
      const auto [lo, hi] = ranges[static_cast<size_t>(i)];
      if (lo > hi) {
        most[static_cast<size_t>(i)] = capacity;
        continue;
      }
      const int32_t* at = matrix + static_cast<size_t>(lo - from) * cols;
      std::copy(at, at + cols, least);
      for (int64_t b = lo + 1; b <= hi; ++b) {
        at = matrix + static_cast<size_t>(b - from) * cols;
        for (size_t k = 0; k < cols; ++k) least[k] = std::min(least[k], at[k]);
      }
      most[static_cast<size_t>(i)] = std::accumulate(least, least + cols, 0);
    }
    return;
  }
  const auto w = static_cast<size_t>(shortest);
  int32_t* prefix = matrix + blocks * cols;
  int32_t* suffix = prefix + blocks * cols;
  for (size_t b = 0; b < blocks; ++b) {
    int32_t* to_row = prefix + b * cols;
    const int32_t* row = matrix + b * cols;
    const int32_t* prev = to_row - cols;
    if (b % w == 0) {
      std::copy(row, row + cols, to_row);
    } else {
      for (size_t k = 0; k < cols; ++k) to_row[k] = std::min(prev[k], row[k]);
    }
  }
  for (size_t b = blocks; b-- > 0;) {
    int32_t* to_row = suffix + b * cols;
    const int32_t* row = matrix + b * cols;
    const int32_t* next = to_row + cols;
    if (b % w == w - 1 || b == blocks - 1) {
      std::copy(row, row + cols, to_row);
    } else {
      for (size_t k = 0; k < cols; ++k) to_row[k] = std::min(next[k], row[k]);
    }
  }
  for (int64_t i = 0; i < count; ++i) {
    const auto [lo, hi] = ranges[static_cast<size_t>(i)];
    if (lo > hi) {
      most[static_cast<size_t>(i)] = capacity;
      continue;
    }
    // [lo, lo + w - 1] and [hi - w + 1, hi] cover [lo, hi]: it is at most 2w long.
    const auto a = static_cast<size_t>(lo - from), z = static_cast<size_t>(hi - from);
    const int32_t* s1 = suffix + a * cols;
    const int32_t* p1 = prefix + (a + w - 1) * cols;
    const int32_t* s2 = suffix + (z + 1 - w) * cols;
    const int32_t* p2 = prefix + z * cols;
    for (size_t k = 0; k < cols; ++k) least[k] = std::min(std::min(s1[k], p1[k]), s2[k]);
    most[static_cast<size_t>(i)] = sum_of_minima(least, p2);
  }
}

size_t CellWindowTable::NodeFirstStarts(CellIndex cell, int32_t gpus, Seconds duration,
                                        Seconds from, Seconds limit, std::span<Seconds> first,
                                        std::vector<uint16_t>& runs) const {
  const auto c = static_cast<size_t>(cell);
  const auto nodes = static_cast<size_t>(cell_nodes_[c]);
  const size_t half = half_;
  size_t left = 0;  // nodes that could start but have no start yet
  for (size_t k = 0; k < nodes; ++k) {
    if (fresh_[c * stride_ + half + k] >= gpus && first[k] == kNoStart) ++left;
  }
  if (from > limit || gpus > 255 || left == 0) return left;
  const auto need = static_cast<uint8_t>(gpus);
  // A start in bucket p is `from` (p = p0) or p's start; its window touches
  // [p0, q0] or [p, p + window - 1]. Sweep the buckets once, counting for
  // every node the run of buckets up to b with enough GPUs free at some
  // instant: at b = q0 the run decides p0, at b >= p0 + window the start
  // bucket b - window + 1.
  const int64_t p0 = BucketOf(from);
  const int64_t q0 = BucketOf(from + duration - 1);
  const int64_t window = WindowBuckets(duration);
  const int64_t last_p = BucketOf(limit);
  const int64_t last_b = std::max(q0, last_p + window - 1);
  runs.assign(half, 0);
  uint16_t* run = runs.data();
  // Runs saturate at 65,535 buckets: a longer window then gets a looser bound
  // (an earlier start), never one that rules out a feasible start.
  const auto cap_run = [](int64_t length) {
    return static_cast<uint16_t>(std::min<int64_t>(length, 65535));
  };
  const uint16_t first_needed = cap_run(q0 - p0 + 1);
  const uint16_t needed = cap_run(window);
  // open[k]: all ones while node k may still get a start, else 0; the longest
  // open run is then a vectorized maximum, and the nodes are looked at one by
  // one only in buckets where some open run is long enough.
  uint16_t open[kMaxCellNodes];
  std::fill(open, open + half, uint16_t{0});
  for (size_t k = 0; k < nodes; ++k) {
    if (first[k] == kNoStart) open[k] = 0xFFFF;
  }
  auto settle = [&](uint16_t length, Seconds start) {
    for (size_t k = 0; k < nodes; ++k) {
      if ((run[k] & open[k]) >= length) {
        first[k] = start;
        open[k] = 0;
        --left;
      }
    }
  };
  for (int64_t b = p0; b <= last_b && left > 0; ++b) {
    const uint8_t* most = RowOrFresh(c, b) + half;
    uint16_t longest = 0;
    for (size_t k = 0; k < half; ++k) {
      run[k] = most[k] >= need ? static_cast<uint16_t>(run[k] + (run[k] < 65535)) : uint16_t{0};
      longest = std::max(longest, static_cast<uint16_t>(run[k] & open[k]));
    }
    if (b == q0 && longest >= first_needed) settle(first_needed, from);
    const int64_t p = b - window + 1;
    if (p > p0 && p <= last_p && longest >= needed) {
      settle(needed, static_cast<Seconds>(p) * bucket_width_);
    }
  }
  return left;
}

bool CellWindowTable::AnyNodeMayHold(CellIndex cell, int32_t gpus, Seconds duration, Seconds from,
                                     Seconds limit) const {
  if (!enabled() || gpus < 1 || gpus > mask_levels_ || from > limit) {
    return AnyNodeMayHoldByMinima(cell, gpus, duration, from, limit);
  }
  // As below, but on the masks of nodes with `gpus` free through each block:
  // some node may hold a window when `enough` consecutive masks share a bit.
  const int64_t full = duration / bucket_width_;
  const int64_t needed = (full - 1 - (kBlock - 1)) / kBlock;
  if (needed < 1) return true;
  const int64_t first_block = BlockOf(BucketOf(from) + kBlock);
  const int64_t last_block = BlockOf(BucketOf(limit) + full) - 1;
  if (first_block > last_block) return false;
  // Blocks outside the stored range are free all through.
  if (block_count_ == 0 || first_block < block_first_ ||
      last_block >= block_first_ + block_count_) {
    return true;
  }
  const auto c = static_cast<size_t>(cell);
  const auto n = static_cast<size_t>(std::min<int64_t>(needed, 255));
  const size_t words = mask_words_;
  const auto blocks = static_cast<size_t>(last_block - first_block + 1);
  if (blocks < n) return false;
  const uint64_t* masks = &level_masks_[LevelMaskAt(c, gpus, first_block)];
  // The AND of every run of n masks, van Herk / Gil-Werman style: in segments
  // of n blocks, a run starting at i in one segment is the suffix AND of that
  // segment from i with the prefix AND of the next up to i + n - 1.
  uint64_t suffix[255 * (kMaxCellNodes / 64)];
  auto any = [words](const uint64_t* x) {
    uint64_t bits = 0;
    for (size_t w = 0; w < words; ++w) bits |= x[w];
    return bits != 0;
  };
  for (size_t start = 0; start < blocks; start += n) {
    const size_t end = std::min(start + n, blocks);
    if (start > 0) {
      // Runs from the previous segment ending in this one.
      uint64_t prefix[kMaxCellNodes / 64];
      for (size_t j = start; j < end && j - start + 1 < n; ++j) {
        uint64_t bits = 0;
        for (size_t w = 0; w < words; ++w) {
          prefix[w] = j == start ? masks[j * words + w] : prefix[w] & masks[j * words + w];
          bits |= prefix[w] & suffix[(j - start + 1) * words + w];
        }
        if (bits != 0) return true;
      }
    }
    // This segment's suffix ANDs, for the next.
    for (size_t i = end; i-- > start;) {
      for (size_t w = 0; w < words; ++w) {
        suffix[(i - start) * words + w] =
            i + 1 == end ? masks[i * words + w]
                         : masks[i * words + w] & suffix[(i - start + 1) * words + w];
      }
    }
    if (end - start == n && any(suffix)) return true;  // the run of the whole segment
  }
  return false;
}

bool CellWindowTable::AnyNodeMayHoldByMinima(CellIndex cell, int32_t gpus, Seconds duration,
                                             Seconds from, Seconds limit) const {
  if (!enabled() || gpus > 255 || from > limit) return true;
  // A window from a start in bucket p covers buckets [p + 1, p + full - 1]
  // at least, so at least `needed` whole blocks in a row.
  const int64_t full = duration / bucket_width_;
  const int64_t needed = (full - 1 - (kBlock - 1)) / kBlock;
  if (needed < 1) return true;
  const int64_t first_block = BlockOf(BucketOf(from) + kBlock);  // the first wholly after p0
  const int64_t last_block = BlockOf(BucketOf(limit) + full) - 1;
  const auto c = static_cast<size_t>(cell);
  const size_t half = half_;
  const auto need = static_cast<uint8_t>(gpus);
  uint8_t run[kMaxCellNodes];
  std::fill(run, run + half, uint8_t{0});
  const auto enough = static_cast<uint8_t>(std::min<int64_t>(needed, 255));
  for (int64_t block = first_block; block <= last_block; ++block) {
    const bool stored =
        block_count_ > 0 && block >= block_first_ && block < block_first_ + block_count_;
    // Blocks outside the stored range are free all through.
    if (!stored) return true;
    const uint8_t* mins = &block_mins_[(c * static_cast<size_t>(block_count_) +
                                        static_cast<size_t>(block - block_first_)) *
                                       half];
    uint8_t longest = 0;
    for (size_t k = 0; k < half; ++k) {
      run[k] = mins[k] >= need ? static_cast<uint8_t>(run[k] + (run[k] < 255)) : uint8_t{0};
      longest = std::max(longest, run[k]);
    }
    if (longest >= enough) return true;
  }
  return false;
}

void CellWindowTable::WindowBounds(CellIndex cell, Seconds start, Seconds end,
                                   std::span<uint8_t> lo, std::span<uint8_t> hi) const {
  const auto c = static_cast<size_t>(cell);
  const auto nodes = static_cast<size_t>(cell_nodes_[c]);
  const int64_t first = BucketOf(start);
  const int64_t last = BucketOf(end - 1);
  // The buckets the window covers completely, and the (at most two) it
  // touches only in part: all of [first, last] when it covers none.
  const int64_t mid_first = BucketOf(start - 1) + 1;
  const int64_t mid_last = BucketOf(end) - 1;
  const bool has_mid = mid_first <= mid_last;
  // Rows as wide as the widest cell (half_) vectorize; the padding is never read back.
  uint8_t lo_acc[kMaxCellNodes], hi_acc[kMaxCellNodes];
  std::fill(lo_acc, lo_acc + half_, std::numeric_limits<uint8_t>::max());
  std::fill(hi_acc, hi_acc + half_, std::numeric_limits<uint8_t>::max());
  const size_t width = std::min(half_, static_cast<size_t>(kMaxCellNodes));
  auto edge = [&](int64_t b) {
    const uint8_t* row = RowOrFresh(c, b);
    for (size_t i = 0; i < width; ++i) lo_acc[i] = std::min(lo_acc[i], row[i]);
    for (size_t i = 0; i < width; ++i) hi_acc[i] = std::min(hi_acc[i], row[half_ + i]);
  };
  for (int64_t b = first; b <= (has_mid ? mid_first - 1 : last); ++b) edge(b);
  if (has_mid) {
    for (int64_t b = mid_last + 1; b <= last; ++b) edge(b);
    // In a bucket it covers, the window holds the node's least-free instant.
    uint8_t mid[kMaxCellNodes];
    std::fill(mid, mid + half_, std::numeric_limits<uint8_t>::max());
    AccumulateFewest(c, mid_first, mid_last, mid);
    MinInto(lo_acc, lo_acc, mid, width);
    MinInto(hi_acc, hi_acc, mid, width);
  }
  std::copy(lo_acc, lo_acc + nodes, lo.begin());
  std::copy(hi_acc, hi_acc + nodes, hi.begin());
}

void CellWindowTable::AccumulateFewest(size_t cell, int64_t first, int64_t last,
                                       uint8_t* fewest) const {
  const size_t width = std::min(half_, static_cast<size_t>(kMaxCellNodes));
  for (int64_t b = first; b <= last;) {
    const int64_t block = BlockOf(b);
    const uint8_t* values = nullptr;
    if (block * kBlock == b && b + kBlock - 1 <= last) {
      values = block_count_ > 0 && block >= block_first_ && block < block_first_ + block_count_
                   ? &block_mins_[(cell * static_cast<size_t>(block_count_) +
                                   static_cast<size_t>(block - block_first_)) *
                                  half_]
                   : &fresh_[cell * stride_];
      b += kBlock;
    } else {
      values = RowOrFresh(cell, b);
      ++b;
    }
    for (size_t i = 0; i < width; ++i) fewest[i] = std::min(fewest[i], values[i]);
  }
}

int32_t CellWindowTable::SumHalf(const uint8_t* bytes) const {
  int32_t sum = 0;
  for (size_t i = 0; i < half_; ++i) sum += bytes[i];
  return sum;
}

void CellWindowTable::SlidingMin(size_t cell, int64_t first, int64_t windows, int64_t length,
                                 uint8_t* out, std::vector<uint8_t>& buffer) const {
  // van Herk / Gil-Werman: blocks of `length` rows from `first`; the minimum over
  // [p, p + length - 1] is the minimum of the suffix minimum of p's block at p
  // and the prefix minimum of the next block at p + length - 1.
  // Locals, not members, in the loops: stores through uint8_t pointers may alias
  // any member, which would keep the compiler from vectorizing them.
  const size_t half = half_;
  const auto span = static_cast<size_t>(windows + length - 1);
  const auto w = static_cast<size_t>(length);
  buffer.resize(2 * span * half);
  uint8_t* prefix = buffer.data();
  uint8_t* suffix = buffer.data() + span * half;
  for (size_t k = 0; k < span; ++k) {
    const uint8_t* row = RowOrFresh(cell, first + static_cast<int64_t>(k));
    uint8_t* to = prefix + k * half;
    if (k % w == 0) {
      std::copy(row, row + half, to);
    } else {
      MinInto(to, to - half, row, half);
    }
  }
  for (size_t k = span; k-- > 0;) {
    const uint8_t* row = RowOrFresh(cell, first + static_cast<int64_t>(k));
    uint8_t* to = suffix + k * half;
    if (k % w == w - 1 || k == span - 1) {
      std::copy(row, row + half, to);
    } else {
      MinInto(to, to + half, row, half);
    }
  }
  for (size_t k = 0; k < static_cast<size_t>(windows); ++k) {
    MinInto(out + k * half, suffix + k * half, prefix + (k + w - 1) * half, half);
  }
}

void CellWindowTable::FewestFreeMinima(size_t cell, int64_t first, int64_t windows, int64_t length,
                                       uint8_t* out, std::vector<uint8_t>& buffer) const {
  if (windows > length) {
    SlidingMin(cell, first, windows, length, out, buffer);
    return;
  }
  // Few windows, each long: they all hold the buckets from the last one's
  // start to the first one's end, whose minimum comes from the block minima
  // (a quarter of the rows). What each window holds beyond them is a suffix of
  // the rows before (from its start) and a prefix of the rows after (to its
  // end): windows - 1 rows each way, instead of a sliding minimum's three
  // passes over windows + length - 1 rows.
  const size_t half = half_;
  const auto count = static_cast<size_t>(windows);
  buffer.resize(2 * count * half);
  // suffix[k]: the minimum of rows [first + k, first + windows - 2];
  // prefix[k]: of rows [first + length, first + length + k - 1].
  uint8_t* suffix = buffer.data();
  uint8_t* prefix = suffix + count * half;
  constexpr uint8_t kNone = std::numeric_limits<uint8_t>::max();
  std::fill(suffix + (count - 1) * half, suffix + count * half, kNone);
  for (size_t k = count - 1; k-- > 0;) {
    MinInto(suffix + k * half, suffix + (k + 1) * half,
            RowOrFresh(cell, first + static_cast<int64_t>(k)), half);
  }
  std::fill(prefix, prefix + half, kNone);
  for (size_t k = 1; k < count; ++k) {
    MinInto(prefix + k * half, prefix + (k - 1) * half,
            RowOrFresh(cell, first + length + static_cast<int64_t>(k) - 1), half);
  }
  uint8_t common[kMaxCellNodes];
  std::fill(common, common + half, kNone);
  AccumulateFewest(cell, first + windows - 1, first + length - 1, common);
  for (size_t k = 0; k < count; ++k) {
    MinInto(out + k * half, suffix + k * half, prefix + k * half, half);
    MinInto(out + k * half, out + k * half, common, half);
  }
}

void CellWindowTable::StartBounds(std::span<const CellIndex> cells, Seconds duration,
                                  Seconds earliest, int64_t first, int64_t count,
                                  std::vector<int32_t>& most, std::vector<uint8_t>& buffer,
                                  std::vector<uint8_t>& work) const {
  most.assign(static_cast<size_t>(count), 0);
  if (count <= 0) return;
  const size_t half = half_;
  // For the starts of one bucket, the window touches buckets [p, q] (q from the
  // bucket's first start) and covers [p + 1, r] completely (r from that start
  // too: later starts cover more): a node offers at most its most-free count in
  // any bucket touched and its fewest-free count in any bucket covered.
  // `touched` holds most-free counts, `covered` fewest-free ones.
  auto add = [&](size_t i, const uint8_t* touched, const uint8_t* covered) {
    int32_t sum = 0;
    if (covered == nullptr) {
      for (size_t n = 0; n < half; ++n) sum += touched[n];
    } else {
      for (size_t n = 0; n < half; ++n) sum += std::min(touched[n], covered[n]);
    }
    most[i] += sum;
  };
  int64_t aligned = first;  // first bucket whose start is after `earliest`
  if (BucketOf(earliest) == first) {
    const int64_t q = BucketOf(earliest + duration - 1);
    const int64_t r = FloorDiv(earliest + duration, bucket_width_) - 1;
    for (CellIndex c : cells) {
      const auto ci = static_cast<size_t>(c);
      uint8_t touched[kMaxCellNodes], covered[kMaxCellNodes];
      // Only the first bucket and, when the window ends inside one, the last
      // are touched but not covered: the others' most-free counts are at least
      // the fewest-free ones the covered minimum takes (see below).
      MinInto(touched, RowOrFresh(ci, first) + half, RowOrFresh(ci, q) + half, half);
      std::fill(covered, covered + half, std::numeric_limits<uint8_t>::max());
      AccumulateFewest(ci, first + 1, r, covered);
      add(0, touched, r > first ? covered : nullptr);
    }
    ++aligned;
  }
  const int64_t last = first + count - 1;
  if (aligned > last) return;
  const int64_t windows = last - aligned + 1;
  // From an aligned start: touched [p, p + window - 1], covered [p + 1, p + full - 1].
  const int64_t window = WindowBuckets(duration);
  const int64_t full = duration / bucket_width_;
  const auto rows = static_cast<size_t>(windows) * half;
  buffer.resize(2 * rows);
  // The buckets a window touches but does not cover are its first and (when
  // the duration is not whole buckets) its last; in every other one a node's
  // most-free count is at least its fewest-free count, which the covered
  // minimum already takes. So of the most-free counts only the two edge
  // buckets' matter: two rows instead of a sliding minimum over the window.
  for (CellIndex c : cells) {
    const auto ci = static_cast<size_t>(c);
    if (full >= 2) FewestFreeMinima(ci, aligned + 1, windows, full - 1, buffer.data() + rows, work);
    for (int64_t k = 0; k < windows; ++k) {
      const auto at = static_cast<size_t>(k) * half;
      const int64_t p = aligned + k;
      MinInto(buffer.data() + at, RowOrFresh(ci, p) + half, RowOrFresh(ci, p + window - 1) + half,
              half);
      add(static_cast<size_t>(p - first), buffer.data() + at,
          full >= 2 ? buffer.data() + rows + at : nullptr);
    }
  }
}

void CellWindowTable::AccumulateRange(size_t cell, int64_t first, int64_t last, uint8_t* fewest,
                                      uint8_t* most) const {
  if (first > last) return;
  const size_t width = std::min(half_, static_cast<size_t>(kMaxCellNodes));
  const bool stored = count_ > 0;
  // Buckets outside the stored range hold the capacities.
  if (!stored || first < first_ || last >= first_ + count_) {
    const uint8_t* fresh = &fresh_[cell * stride_];
    for (size_t i = 0; i < width; ++i) fewest[i] = std::min(fewest[i], fresh[i]);
    for (size_t i = 0; i < width; ++i) most[i] = std::max(most[i], fresh[half_ + i]);
  }
  if (stored) {
    for (int64_t b = std::max(first, first_); b <= std::min(last, first_ + count_ - 1); ++b) {
      const uint8_t* row = Row(cell, b);
      for (size_t i = 0; i < width; ++i) fewest[i] = std::min(fewest[i], row[i]);
      for (size_t i = 0; i < width; ++i) most[i] = std::max(most[i], row[half_ + i]);
    }
  }
}

void CellWindowTable::RangeExtremes(CellIndex cell, int64_t first, int64_t last,
                                    std::span<uint8_t> fewest, std::span<uint8_t> most) const {
  const auto c = static_cast<size_t>(cell);
  const auto nodes = static_cast<size_t>(cell_nodes_[c]);
  // Rows as wide as the widest cell (half_) vectorize; the padding is never read back.
  uint8_t lo_acc[kMaxCellNodes], hi_acc[kMaxCellNodes];
  std::fill(lo_acc, lo_acc + half_, std::numeric_limits<uint8_t>::max());
  std::fill(hi_acc, hi_acc + half_, uint8_t{0});
  AccumulateRange(c, first, last, lo_acc, hi_acc);
  std::copy(lo_acc, lo_acc + nodes, fewest.begin());
  std::copy(hi_acc, hi_acc + nodes, most.begin());
}

void CellWindowTable::StartRangeBounds(CellIndex cell, Seconds from, Seconds to, Seconds duration,
                                       std::span<uint8_t> lo, std::span<uint8_t> hi) const {
  const int64_t first = BucketOf(from);
  const int64_t last = BucketOf(to + duration - 1);
  // The middle: the buckets every window [s, s + duration) with s in [from, to]
  // covers completely (they start at or after `to`, end by from + duration).
  const int64_t mid_first = BucketOf(to - 1) + 1;
  const int64_t mid_last = BucketOf(from + duration) - 1;
  if (mid_first > mid_last) {
    RangeExtremes(cell, first, last, lo, hi);
    return;
  }
  const auto c = static_cast<size_t>(cell);
  const auto nodes = static_cast<size_t>(cell_nodes_[c]);
  const size_t width = std::min(half_, static_cast<size_t>(kMaxCellNodes));
  // Rows as wide as the widest cell (half_) vectorize; the padding is never read back.
  uint8_t mid_lo[kMaxCellNodes], edge_lo[kMaxCellNodes];
  std::fill(mid_lo, mid_lo + half_, std::numeric_limits<uint8_t>::max());
  std::fill(edge_lo, edge_lo + half_, std::numeric_limits<uint8_t>::max());
  AccumulateFewest(c, mid_first, mid_last, mid_lo);
  AccumulateFewest(c, first, mid_first - 1, edge_lo);
  AccumulateFewest(c, mid_last + 1, last, edge_lo);
  // Every window holds the middle's least-free instant, so it offers at most
  // that; and at least the least free anywhere. When no edge bucket has fewer
  // free than the middle, the two meet.
  MinInto(edge_lo, edge_lo, mid_lo, width);
  std::copy(edge_lo, edge_lo + nodes, lo.begin());
  std::copy(mid_lo, mid_lo + nodes, hi.begin());
}

int32_t CellWindowTable::Lo(NodeIndex node, int64_t bucket) const {
  const auto cell = static_cast<size_t>(node_cell_[static_cast<size_t>(node)]);
  const auto slot = static_cast<size_t>(node_slot_[static_cast<size_t>(node)]);
  if (count_ == 0 || bucket < first_ || bucket >= first_ + count_)
    return fresh_[cell * stride_ + slot];
  return Row(cell, bucket)[slot];
}

int32_t CellWindowTable::Hi(NodeIndex node, int64_t bucket) const {
  const auto cell = static_cast<size_t>(node_cell_[static_cast<size_t>(node)]);
  const auto slot = static_cast<size_t>(node_slot_[static_cast<size_t>(node)]);
  if (count_ == 0 || bucket < first_ || bucket >= first_ + count_) {
    return fresh_[cell * stride_ + half_ + slot];
  }
  return Row(cell, bucket)[half_ + slot];
}

}  // namespace straits::placement
