#include "placement/capacity_index.h"

#include <algorithm>

namespace straits::placement {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

template <typename T>
void CapacityIndex::BucketTable<T>::Init(size_t width, std::vector<T> fresh) {
  width_ = width;
  entities_ = fresh.size() / width;
  fresh_ = std::move(fresh);
  data_.clear();
  first_ = 0;
  count_ = 0;
}

template <typename T>
void CapacityIndex::BucketTable<T>::Cover(int64_t first, int64_t last, int64_t keep_from) {
  if (entities_ == 0) return;
  if (count_ > 0 && first >= first_ && last < first_ + count_) return;
  // Grow by at least the current size (amortized doubling), keep what is still needed.
  int64_t new_first = first, new_end = last + 1;
  if (count_ > 0) {
    const int64_t grow = std::max<int64_t>(count_, 64);
    new_first = std::min(first_, first) < first_ ? std::min(first, first_ - grow) : first_;
    new_end = std::max(first_ + count_, last + 1) > first_ + count_
                  ? std::max(last + 1, first_ + count_ + grow)
                  : first_ + count_;
    new_first = std::max(new_first, std::min(keep_from, first));
  } else {
    new_end = std::max(new_end, first + 64);
  }
  const auto new_count = static_cast<size_t>(new_end - new_first);
  std::vector<T, HugePageAllocator<T>> data(entities_ * new_count * width_);
  for (size_t e = 0; e < entities_; ++e) {
    T* row = &data[e * new_count * width_];
    for (size_t b = 0; b < new_count; ++b) {
      std::copy(fresh_.begin() + static_cast<ptrdiff_t>(e * width_),
                fresh_.begin() + static_cast<ptrdiff_t>((e + 1) * width_), row + b * width_);
    }
    // Copy the buckets both ranges share.
    const int64_t from = std::max(first_, new_first);
    const int64_t to = std::min(first_ + count_, new_end);
    for (int64_t b = from; b < to; ++b) {
      std::copy(At(e, b), At(e, b) + width_, row + static_cast<size_t>(b - new_first) * width_);
    }
  }
  data_ = std::move(data);
  first_ = new_first;
  count_ = static_cast<int64_t>(new_count);
}

CapacityIndex::CapacityIndex(const Topology& topology, Seconds bucket_width)
    : bucket_width_(bucket_width), num_models_(topology.num_models()) {
  const auto num_cells = static_cast<size_t>(topology.num_cells());
  const size_t num_groups =
      static_cast<size_t>(topology.num_sites()) * static_cast<size_t>(num_models_);
  const auto num_nodes = static_cast<size_t>(topology.num_nodes());
  node_cell_.resize(num_nodes);
  for (NodeIndex n = 0; n < topology.num_nodes(); ++n) {
    node_cell_[static_cast<size_t>(n)] = topology.node(n).cell;
  }
  node_capacity_ = topology.node_gpus();
  cell_group_.resize(num_cells);
  cell_capacity_.resize(num_cells);
  cell_max_node_.resize(num_cells);
  group_cells_.assign(num_groups, {});
  group_capacity_.assign(num_groups, 0);
  group_max_cell_capacity_.assign(num_groups, 0);
  group_max_node_.assign(num_groups, 0);
  node_levels_ = true;
  for (CellIndex c = 0; c < topology.num_cells(); ++c) {
    const CellInfo& cell = topology.cell(c);
    const auto g = static_cast<size_t>(cell.site) * static_cast<size_t>(num_models_) +
                   static_cast<size_t>(cell.model);
    cell_group_[static_cast<size_t>(c)] = static_cast<int32_t>(g);
    group_cells_[g].push_back(c);
    cell_capacity_[static_cast<size_t>(c)] = cell.gpus;
    cell_max_node_[static_cast<size_t>(c)] = cell.max_node_gpus;
    group_capacity_[g] += cell.gpus;
    group_max_cell_capacity_[g] = std::max(group_max_cell_capacity_[g], cell.gpus);
    group_max_node_[g] = std::max(group_max_node_[g], cell.max_node_gpus);
    if (cell.max_node_gpus > kMaxLevel || cell.end_node - cell.first_node > 255) {
      node_levels_ = false;
    }
  }

  // Fresh values: the full capacity.
  narrow_cells_ = std::all_of(cell_capacity_.begin(), cell_capacity_.end(), [](int64_t gpus) {
    return gpus <= std::numeric_limits<uint16_t>::max();
  });
  WithCellTables([&]<typename T>(BucketTable<T>& cell_sums, BucketTable<T>& group_max) {
    std::vector<T> cells(num_cells);
    for (size_t c = 0; c < num_cells; ++c) cells[c] = static_cast<T>(cell_capacity_[c]);
    cell_sums.Init(1, std::move(cells));
    std::vector<T> max_cell(num_groups);
    for (size_t g = 0; g < num_groups; ++g) {
      max_cell[g] = static_cast<T>(group_max_cell_capacity_[g]);
    }
    group_max.Init(1, std::move(max_cell));
  });
  group_sums_.Init(1, group_capacity_);
  std::vector<uint8_t> saturated(num_cells);
  for (size_t c = 0; c < num_cells; ++c) {
    saturated[c] = static_cast<uint8_t>(std::min<int64_t>(cell_capacity_[c], kSaturated));
  }
  // Group-major copy: each group's cells side by side.
  cell_slot_.resize(num_cells);
  group_width_ = 1;
  for (size_t g = 0; g < num_groups; ++g) {
    for (size_t k = 0; k < group_cells_[g].size(); ++k) {
      cell_slot_[static_cast<size_t>(group_cells_[g][k])] = static_cast<int32_t>(k);
    }
    group_width_ = std::max(group_width_, group_cells_[g].size());
  }
  std::vector<uint8_t> group_saturated(num_groups * group_width_, 0);
  for (size_t c = 0; c < num_cells; ++c) {
    group_saturated[static_cast<size_t>(cell_group_[c]) * group_width_ +
                    static_cast<size_t>(cell_slot_[c])] = saturated[c];
  }
  saturated_cell_sums_.Init(1, std::move(saturated));
  group_saturated_.Init(group_width_, std::move(group_saturated));
  if (node_levels_) {
    std::vector<uint8_t> node_free(num_nodes);
    std::vector<uint8_t> cell_hist(num_cells * kLevels, 0);
    std::vector<uint16_t> group_hist(num_groups * kLevels, 0);
    for (size_t n = 0; n < num_nodes; ++n) {
      const auto cap = static_cast<size_t>(node_capacity_[n]);
      const auto cell = static_cast<size_t>(node_cell_[n]);
      node_free[n] = static_cast<uint8_t>(cap);
      ++cell_hist[cell * kLevels + cap];
      ++group_hist[static_cast<size_t>(cell_group_[cell]) * kLevels + cap];
    }
    node_free_.Init(1, std::move(node_free));
    cell_hist_.Init(kLevels, std::move(cell_hist));
    group_hist_.Init(kLevels, std::move(group_hist));
    std::vector<uint8_t> cell_max(num_cells), group_max(num_groups);
    for (size_t c = 0; c < num_cells; ++c) cell_max[c] = static_cast<uint8_t>(cell_max_node_[c]);
    for (size_t g = 0; g < num_groups; ++g) {
      group_max[g] = static_cast<uint8_t>(group_max_node_[g]);
    }
    cell_node_max_.Init(1, std::move(cell_max));
    group_node_max_.Init(1, std::move(group_max));
    // Fresh blocks: free all through.
    node_runs_.Init(3, std::vector<uint8_t>(num_nodes * 3, static_cast<uint8_t>(kBlock)));
  }
}

template <typename T>
int32_t CapacityIndex::HighestLevel(const T* histogram) {
  for (auto level = static_cast<int32_t>(kLevels) - 1; level > 0; --level) {
    if (histogram[level] != 0) return level;
  }
  return 0;
}

void CapacityIndex::Cover(int64_t first, int64_t last) {
  if (count_ > 0 && first >= first_ && last < first_ + count_) return;
  WithCellTables([&](auto& cell_sums, auto& group_max) {
    cell_sums.Cover(first, last, keep_from_);
    group_max.Cover(first, last, keep_from_);
  });
  group_sums_.Cover(first, last, keep_from_);
  saturated_cell_sums_.Cover(first, last, keep_from_);
  group_saturated_.Cover(first, last, keep_from_);
  if (node_levels_) {
    node_free_.Cover(first, last, keep_from_);
    cell_hist_.Cover(first, last, keep_from_);
    group_hist_.Cover(first, last, keep_from_);
    cell_node_max_.Cover(first, last, keep_from_);
    group_node_max_.Cover(first, last, keep_from_);
    node_runs_.Cover(FloorDiv(first, kBlock), FloorDiv(last, kBlock),
                     keep_from_ == std::numeric_limits<int64_t>::min()
                         ? keep_from_
                         : FloorDiv(keep_from_, kBlock));
  }
  // All tables grow alike; remember the range they share (its old end from the
  // old start: a range that grows to the left keeps its right end).
  const int64_t end = count_ == 0 ? last + 1 : std::max(first_ + count_, last + 1);
  first_ = count_ == 0 ? first : std::min(first_, first);
  first_ = std::max(first_, std::min(keep_from_, first));
  count_ = end - first_;
}

void CapacityIndex::AddToBucket(NodeIndex node, int64_t bucket, int32_t delta) {
  if (!enabled() || delta == 0) return;
  AddToBuckets(node, bucket, bucket, delta);
}

void CapacityIndex::AddToBuckets(NodeIndex node, int64_t first, int64_t last, int32_t delta) {
  if (!enabled() || delta == 0 || first > last) return;
  Cover(first, last);
  const auto n = static_cast<size_t>(node);
  const auto cell = static_cast<size_t>(node_cell_[n]);
  const auto group = static_cast<size_t>(cell_group_[cell]);
  int64_t* group_sum = group_sums_.At(group, first);
  for (int64_t b = first; b <= last; ++b) group_sum[b - first] += delta;
  const bool exact_max = last - first < kExactMaxBuckets;
  uint8_t* saturated = saturated_cell_sums_.At(cell, first);
  uint8_t* side_by_side = group_saturated_.At(group, first) + cell_slot_[cell];
  WithCellTables([&]<typename T>(BucketTable<T>& cell_sums, BucketTable<T>& group_maxes) {
    T* cell_sum = cell_sums.At(cell, first);
    T* group_max = group_maxes.At(group, first);
    for (int64_t b = first; b <= last; ++b) {
      const auto i = static_cast<size_t>(b - first);
      const int32_t before = cell_sum[i];
      const int32_t after = before + delta;
      cell_sum[i] = static_cast<T>(after);
      saturated[i] = static_cast<uint8_t>(std::min(after, kSaturated));
      side_by_side[i * group_width_] = saturated[i];
      if (after > group_max[i]) {
        group_max[i] = static_cast<T>(after);
      } else if (delta < 0 && before == group_max[i] && exact_max) {
        T max = 0;
        for (CellIndex c : group_cells_[group]) {
          max = std::max(max, *cell_sums.At(static_cast<size_t>(c), b));
        }
        group_max[i] = max;
      }
    }
  });
  if (!node_levels_) return;
  uint8_t* node_free = node_free_.At(n, first);
  uint8_t* cell_hist = cell_hist_.At(cell, first);
  uint16_t* group_hist = group_hist_.At(group, first);
  uint8_t* cell_max = cell_node_max_.At(cell, first);
  uint8_t* group_max_node = group_node_max_.At(group, first);
  // Keeps `max` the highest level with a nonzero count after one node moved
  // from `before` to `after`.
  auto update_max = [](uint8_t& max, const auto* hist, size_t before, size_t after) {
    if (after > max) {
      max = static_cast<uint8_t>(after);
    } else if (before == max && hist[before] == 0) {
      max = static_cast<uint8_t>(HighestLevel(hist));
    }
  };
  for (int64_t b = first; b <= last; ++b) {
    const auto i = static_cast<size_t>(b - first);
    const auto before = static_cast<size_t>(node_free[i]);
    const auto after = static_cast<size_t>(static_cast<int32_t>(node_free[i]) + delta);
    node_free[i] = static_cast<uint8_t>(after);
    uint8_t* ch = &cell_hist[i * kLevels];
    --ch[before];
    ++ch[after];
    update_max(cell_max[i], ch, before, after);
    uint16_t* gh = &group_hist[i * kLevels];
    --gh[before];
    ++gh[after];
    update_max(group_max_node[i], gh, before, after);
  }
  UpdateRuns(n, first, last);
}

void CapacityIndex::UpdateRuns(size_t n, int64_t first, int64_t last) {
  const int32_t cap = node_capacity_[n];
  for (int64_t block = FloorDiv(first, kBlock); block <= FloorDiv(last, kBlock); ++block) {
    int64_t prefix = 0, suffix = 0, longest = 0, run = 0;
    bool broken = false;
    for (int64_t b = block * kBlock; b < (block + 1) * kBlock; ++b) {
      const bool stored = b >= first_ && b < first_ + count_;
      const int32_t v = stored ? *node_free_.At(n, b) : cap;
      if (v > 0) {
        ++run;
        if (!broken) ++prefix;
      } else {
        run = 0;
        broken = true;
      }
      longest = std::max(longest, run);
    }
    suffix = run;
    uint8_t* summary = node_runs_.At(n, block);
    summary[0] = static_cast<uint8_t>(prefix);
    summary[1] = static_cast<uint8_t>(suffix);
    summary[2] = static_cast<uint8_t>(longest);
  }
}

int64_t CapacityIndex::LongestFreeRun(size_t n, int64_t from, int64_t to) const {
  const int32_t cap = node_capacity_[n];
  auto byte = [&](int64_t b) -> int32_t {
    return b >= first_ && b < first_ + count_ ? *node_free_.At(n, b) : cap;
  };
  int64_t longest = 0, run = 0;
  int64_t b = from;
  // Leading partial block, bucket by bucket.
  for (; b <= to && b % kBlock != 0; ++b) {
    run = byte(b) > 0 ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  // Whole blocks from their summaries.
  const int64_t first_block = FloorDiv(first_, kBlock);
  const int64_t end_block = FloorDiv(first_ + count_ - 1, kBlock) + 1;
  for (; b + kBlock - 1 <= to; b += kBlock) {
    const int64_t block = FloorDiv(b, kBlock);
    if (count_ == 0 || block < first_block || block >= end_block) {
      run += kBlock;  // nothing booked there
      longest = std::max(longest, run);
      continue;
    }
    const uint8_t* summary = node_runs_.At(n, block);
    if (summary[0] == kBlock) {
      run += kBlock;
    } else {
      longest = std::max(longest, run + summary[0]);
      longest = std::max<int64_t>(longest, summary[2]);
      run = summary[1];
    }
    longest = std::max(longest, run);
  }
  // Trailing partial block.
  for (; b <= to; ++b) {
    run = byte(b) > 0 ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

int64_t CapacityIndex::Bound(Level level, int32_t group, int64_t bucket) const {
  const auto g = static_cast<size_t>(group);
  const bool stored = count_ > 0 && bucket >= first_ && bucket < first_ + count_;
  switch (level) {
    case Level::kCell:
      return stored ? WithCellTables([&](const auto& cell_sums, const auto&) {
        return static_cast<int64_t>(*cell_sums.At(g, bucket));
      })
                    : cell_capacity_[g];
    case Level::kSiteModel:
      return stored ? *group_sums_.At(g, bucket) : group_capacity_[g];
    case Level::kSiteModelPod:
      return stored ? WithCellTables([&](const auto&, const auto& group_max) {
        return static_cast<int64_t>(*group_max.At(g, bucket));
      })
                    : group_max_cell_capacity_[g];
    case Level::kNode:
      return stored && node_levels_ ? *node_free_.At(g, bucket) : node_capacity_[g];
    case Level::kCellNode:
      return stored && node_levels_ ? *cell_node_max_.At(g, bucket) : cell_max_node_[g];
    case Level::kSiteModelNode:
      return stored && node_levels_ ? *group_node_max_.At(g, bucket) : group_max_node_[g];
  }
  return 0;
}

std::optional<std::pair<Seconds, Seconds>> CapacityIndex::NextPossible(Level level, int32_t group,
                                                                       int64_t gpus,
                                                                       Seconds duration,
                                                                       Seconds earliest,
                                                                       Seconds latest) const {
  return Possible(level, group, gpus, duration, earliest, latest, true);
}

std::optional<Seconds> CapacityIndex::FirstPossible(Level level, int32_t group, int64_t gpus,
                                                    Seconds duration, Seconds earliest,
                                                    Seconds latest) const {
  std::optional<std::pair<Seconds, Seconds>> run =
      Possible(level, group, gpus, duration, earliest, latest, false);
  if (!run) return std::nullopt;
  return run->first;
}

std::optional<std::pair<Seconds, Seconds>> CapacityIndex::Possible(Level level, int32_t group,
                                                                   int64_t gpus, Seconds duration,
                                                                   Seconds earliest, Seconds latest,
                                                                   bool with_end) const {
  if (earliest > latest) return std::nullopt;
  if (!enabled()) return std::make_pair(earliest, latest);
  const auto g = static_cast<size_t>(group);
  const bool stored = count_ > 0;
  switch (level) {
    case Level::kCell:
      // The first start of every pod of a site is asked for in turn: from the
      // side-by-side copy, where the pods' windows share their cache lines.
      if (gpus <= kSaturated && !with_end) {
        return NextPossibleIn(
            stored
                ? group_saturated_.At(static_cast<size_t>(cell_group_[g]), first_) + cell_slot_[g]
                : nullptr,
            cell_capacity_[g], gpus, duration, earliest, latest, with_end, group_width_);
      }
      if (gpus <= kSaturated) {
        return NextPossibleIn(stored ? saturated_cell_sums_.At(g, first_) : nullptr,
                              cell_capacity_[g], gpus, duration, earliest, latest, with_end);
      }
      return WithCellTables([&](const auto& cell_sums, const auto&) {
        return NextPossibleIn(stored ? cell_sums.At(g, first_) : nullptr, cell_capacity_[g], gpus,
                              duration, earliest, latest, with_end);
      });
    case Level::kSiteModel:
      return NextPossibleIn(stored ? group_sums_.At(g, first_) : nullptr, group_capacity_[g], gpus,
                            duration, earliest, latest, with_end);
    case Level::kSiteModelPod:
      return WithCellTables([&](const auto&, const auto& group_max) {
        return NextPossibleIn(stored ? group_max.At(g, first_) : nullptr,
                              group_max_cell_capacity_[g], gpus, duration, earliest, latest,
                              with_end);
      });
    case Level::kNode:
      return NextPossibleIn(stored && node_levels_ ? node_free_.At(g, first_) : nullptr,
                            node_capacity_[g], gpus, duration, earliest, latest, with_end);
    case Level::kCellNode:
      return NextPossibleIn(stored && node_levels_ ? cell_node_max_.At(g, first_) : nullptr,
                            cell_max_node_[g], gpus, duration, earliest, latest, with_end);
    case Level::kSiteModelNode:
      return NextPossibleIn(stored && node_levels_ ? group_node_max_.At(g, first_) : nullptr,
                            group_max_node_[g], gpus, duration, earliest, latest, with_end);
  }
  return std::nullopt;
}

void CapacityIndex::PrefetchWindow(Level level, int32_t group, Seconds start,
                                   Seconds duration) const {
  const int64_t bucket = BucketOf(start + duration - 1);
  if (!enabled() || count_ == 0 || bucket < first_ || bucket >= first_ + count_) return;
  const auto g = static_cast<size_t>(group);
  switch (level) {
    case Level::kCell:
      // The saturated sums, which nearly every pod-scoped search reads.
      __builtin_prefetch(saturated_cell_sums_.At(g, bucket));
      return;
    case Level::kSiteModel:
      __builtin_prefetch(group_sums_.At(g, bucket));
      return;
    case Level::kSiteModelPod:
      WithCellTables(
          [&](const auto&, const auto& group_max) { __builtin_prefetch(group_max.At(g, bucket)); });
      return;
    case Level::kNode:
      if (node_levels_) __builtin_prefetch(node_free_.At(g, bucket));
      return;
    case Level::kCellNode:
      if (node_levels_) __builtin_prefetch(cell_node_max_.At(g, bucket));
      return;
    case Level::kSiteModelNode:
      if (node_levels_) __builtin_prefetch(group_node_max_.At(g, bucket));
      return;
  }
}

void CapacityIndex::PrefetchGroupCells(int32_t group, int64_t gpus, Seconds start,
                                       Seconds duration) const {
  const int64_t last = BucketOf(start + duration - 1);
  if (!enabled() || count_ == 0 || gpus > kSaturated || last < first_ || last >= first_ + count_) {
    return;
  }
  const auto g = static_cast<size_t>(group);
  const int64_t first = std::max(first_, BucketOf(start));
  // From the window's last bucket back: FirstPossible scans right to left.
  constexpr size_t kLine = 64;
  const uint8_t* begin = group_saturated_.At(g, first);
  const uint8_t* end = group_saturated_.At(g, last) + group_width_;
  const size_t lines =
      std::min<size_t>(kMaxPrefetchLines, (static_cast<size_t>(end - begin) + kLine - 1) / kLine);
  for (size_t k = 1; k <= lines; ++k) __builtin_prefetch(end - (k - 1) * kLine - 1);
}

template <typename T>
std::optional<std::pair<Seconds, Seconds>> CapacityIndex::NextPossibleIn(
    const T* series, int64_t capacity, int64_t gpus, Seconds duration, Seconds earliest,
    Seconds latest, bool with_end, size_t stride) const {
  // Buckets outside the stored range hold the full capacity: they block only
  // when the group is too small altogether.
  if (capacity < gpus) return std::nullopt;
  const int64_t lo = series == nullptr ? 0 : first_;
  const int64_t hi = series == nullptr ? 0 : first_ + count_;  // stored: [lo, hi)
  // Last bucket in [from, to] (clipped to the stored range) whose bound is
  // below `gpus`, or nullopt. Scans right to left: a busy window is usually
  // rejected by its last buckets.
  auto last_blocking = [&](int64_t from, int64_t to) -> std::optional<int64_t> {
    const int64_t stop = std::max(from, lo);
    for (int64_t b = std::min(to, hi - 1); b >= stop; --b) {
      if (static_cast<int64_t>(series[static_cast<size_t>(b - lo) * stride]) < gpus) return b;
    }
    return std::nullopt;
  };
  int64_t p = BucketOf(earliest);
  const int64_t last_p = BucketOf(latest);
  int64_t clear_until = p - 1;  // buckets [p, clear_until] are known not to block
  while (p <= last_p) {
    const Seconds s = std::max(BucketStart(p), earliest);
    if (p >= hi) return std::make_pair(s, latest);
    const int64_t q = BucketOf(s + duration - 1);  // the window's last bucket
    const std::optional<int64_t> block = last_blocking(std::max(clear_until + 1, p), q);
    clear_until = std::max(clear_until, q);
    if (block) {
      p = *block + 1;
      continue;
    }
    // Only FirstPossible's callers skip the run's end: finding it scans ahead
    // as far as the bound allows, up to the whole window.
    if (!with_end) return std::make_pair(s, s);
    // Possible from s on, until the window would reach a blocking bucket (no
    // need to look past the last bucket a window starting by `latest` reaches).
    const int64_t horizon = std::min(hi, BucketOf(latest + duration - 1) + 1);
    int64_t b = std::max(q + 1, lo);
    while (b < horizon &&
           static_cast<int64_t>(series[static_cast<size_t>(b - lo) * stride]) >= gpus) {
      ++b;
    }
    if (b >= horizon) return std::make_pair(s, latest);
    return std::make_pair(s, std::min(latest, BucketStart(b) - duration));
  }
  return std::nullopt;
}

bool CapacityIndex::NodeSumRuns(std::span<const NodeIndex> nodes, int64_t gpus, Seconds duration,
                                Seconds earliest, Seconds latest, std::vector<int32_t>& sums,
                                std::vector<std::pair<Seconds, Seconds>>& runs) const {
  if (!enabled() || !node_levels_) return false;
  if (earliest > latest) return true;
  const int64_t stored_end = first_ + count_;
  const int64_t p0 = BucketOf(earliest);
  // Start buckets at or after the stored range see full capacity: if the first
  // of them is possible, so is everything after it.
  const int64_t p1 = std::min(BucketOf(latest), std::max(stored_end, p0));
  const auto span = static_cast<size_t>(p1 - p0 + 1);
  sums.assign(span, 0);
  auto window_end = [&](int64_t p) {
    return BucketOf(std::max(BucketStart(p), earliest) + duration - 1);
  };
  // Per node, a sliding-window minimum over its bytes (monotone deque of
  // bucket numbers, kept in a small ring).
  std::vector<int64_t> deque;
  // Every window spans at least this many buckets.
  const int64_t min_window = BucketOf(BucketStart(p1) + duration - 1) - p1 + 1;
  const int64_t last_bucket = window_end(p1);
  // Every node's rows are a cache miss of their own; asking for the rows of a
  // few nodes ahead lets those misses overlap.
  constexpr size_t kPrefetchAhead = 4;
  auto prefetch = [&](size_t n) {
    if (count_ == 0 || p0 < first_ || p0 >= stored_end) return;
    __builtin_prefetch(node_free_.At(n, p0));
    __builtin_prefetch(node_runs_.At(n, FloorDiv(p0, kBlock)));
  };
  for (size_t k = 0; k < std::min(nodes.size(), kPrefetchAhead); ++k) {
    prefetch(static_cast<size_t>(nodes[k]));
  }
  for (size_t k = 0; k < nodes.size(); ++k) {
    if (k + kPrefetchAhead < nodes.size()) prefetch(static_cast<size_t>(nodes[k + kPrefetchAhead]));
    const NodeIndex node = nodes[k];
    const auto n = static_cast<size_t>(node);
    // A node never free for a whole window contributes nothing at any start.
    if (LongestFreeRun(n, p0, std::min(last_bucket, std::max(stored_end, p0))) < min_window &&
        last_bucket < stored_end) {
      continue;
    }
    const uint8_t* row = count_ > 0 ? node_free_.At(n, first_) : nullptr;
    const int32_t cap = node_capacity_[n];
    auto value = [&](int64_t b) -> int32_t {
      return row != nullptr && b >= first_ && b < stored_end ? row[b - first_] : cap;
    };
    deque.clear();
    size_t head = 0;
    int64_t pushed = p0 - 1;
    for (int64_t p = p0; p <= p1; ++p) {
      const int64_t q = window_end(p);
      // Beyond the stored range every bucket holds `cap`: one stands for all.
      const int64_t q_eff = std::min(q, std::max(stored_end, p));
      while (pushed < q_eff) {
        ++pushed;
        const int32_t v = value(pushed);
        while (deque.size() > head && value(deque.back()) >= v) deque.pop_back();
        deque.push_back(pushed);
      }
      while (deque[head] < p) ++head;
      sums[static_cast<size_t>(p - p0)] += value(deque[head]);
    }
  }
  for (int64_t p = p0; p <= p1; ++p) {
    if (sums[static_cast<size_t>(p - p0)] < gpus) continue;
    const Seconds from = std::max(BucketStart(p), earliest);
    int64_t last = p;
    while (last + 1 <= p1 && sums[static_cast<size_t>(last + 1 - p0)] >= gpus) ++last;
    const Seconds to = last == p1 ? latest : std::min(latest, BucketStart(last + 1) - 1);
    runs.emplace_back(from, to);
    p = last;
  }
  return true;
}

void CapacityIndex::ForgetBefore(Seconds t) {
  // Buckets before t are never asked for again; the tables drop them the next
  // time they grow.
  if (enabled()) keep_from_ = std::max(keep_from_, BucketOf(t));
}

}  // namespace straits::placement
