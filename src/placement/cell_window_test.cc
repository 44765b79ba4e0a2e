#include "placement/cell_window.h"

#include <gtest/gtest.h>

#include <random>

#include "placement/calendar.h"
#include "placement/test_fleets.h"

namespace straits::placement {
namespace {

using test_fleets::FleetOf;
using test_fleets::SmallFleet;

// One site with a pod of 70 four-GPU nodes (more than one 64-bit word of
// node bits) and one of two 8-GPU nodes.
Topology WidePodFleet() { return FleetOf({{"a", {{"a0", 70, 4}, {"a1", 2, 8}}}}); }

Interval Iv(Seconds s, Seconds e) {
  return *Interval::Make(Instant::FromUnixSeconds(s), Instant::FromUnixSeconds(e));
}

// Fewest and most GPUs free on `node` at any instant of [from, to), by brute force.
std::pair<int32_t, int32_t> FreeRange(const Calendar& cal, NodeIndex node, Seconds from,
                                      Seconds to) {
  int32_t least = cal.capacity(node), most = 0;
  for (Seconds t = from; t < to; ++t) {
    least = std::min(least, cal.capacity(node) - cal.UsedAt(node, t));
    most = std::max(most, cal.capacity(node) - cal.UsedAt(node, t));
  }
  return {least, most};
}

// The sum over the nodes of `cell` of each one's fewest-free count in block
// `block`, recounted from the stored bucket values.
int32_t BlockSumByRecount(const Calendar& cal, CellIndex cell, int64_t block) {
  const CellWindowTable& table = cal.windows();
  constexpr int64_t kBlock = CellWindowTable::kBlock;
  int32_t sum = 0;
  for (NodeIndex n = table.FirstNode(cell); n < table.FirstNode(cell) + table.NodesIn(cell); ++n) {
    int32_t least = cal.capacity(n);
    for (int64_t b = block * kBlock; b < (block + 1) * kBlock; ++b) {
      least = std::min(least, table.Lo(n, b));
    }
    sum += least;
  }
  return sum;
}

// The blocks every window of `d` from a start in bucket p (not before
// `earliest`) covers completely: those that start after the bucket and end by
// the window's end, for non-negative times.
std::pair<int64_t, int64_t> BlocksCoveredFrom(int64_t p, Seconds width, Seconds earliest,
                                              Seconds d) {
  constexpr int64_t kBlock = CellWindowTable::kBlock;
  const Seconds s = std::max(p * width, earliest);
  return {(p + 1 + kBlock - 1) / kBlock, (s + d) / width / kBlock - 1};
}

// Random reserve / unreserve / shrink, with the past forgotten now and then.
class RandomCalendar {
 public:
  RandomCalendar(const Topology& topo, Seconds width, uint64_t seed)
      : topo_(topo), cal_(topo, width), rng_(seed) {}

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  void Step(int op, bool forget) {
    if (forget && op % 80 == 79) {
      now_ += Uniform(0, 20);
      cal_.ForgetBefore(now_);
    }
    if (live_.empty() || Uniform(0, 2) > 0) {
      const Seconds s = now_ + Uniform(-10, 300);
      const Seconds e = s + Uniform(1, 90);
      std::vector<Allocation> allocs;
      const auto first = static_cast<NodeIndex>(Uniform(0, topo_.num_nodes() - 1));
      const auto nodes = static_cast<NodeIndex>(Uniform(1, 3));
      for (NodeIndex n = first; n < std::min(topo_.num_nodes(), first + nodes); ++n) {
        allocs.push_back({n, static_cast<int32_t>(Uniform(1, topo_.node(n).gpus))});
      }
      if (e > now_ && cal_.Reserve(static_cast<ReservationId>(op + 1), Iv(s, e), allocs).ok()) {
        live_.push_back(static_cast<ReservationId>(op + 1));
      }
      return;
    }
    const auto pick = static_cast<size_t>(Uniform(0, static_cast<int64_t>(live_.size()) - 1));
    const Booking* b = cal_.Find(live_[pick]);
    if (b != nullptr && Uniform(0, 1) == 0 && b->end - b->start > 1) {
      ASSERT_TRUE(
          cal_.Shrink(live_[pick], Instant::FromUnixSeconds(Uniform(b->start + 1, b->end - 1)))
              .ok());
    } else {
      cal_.Unreserve(live_[pick]);
      live_[pick] = live_.back();
      live_.pop_back();
    }
  }

  const Calendar& cal() const { return cal_; }
  Seconds now() const { return now_; }

 private:
  const Topology& topo_;
  Calendar cal_;
  std::mt19937_64 rng_;
  std::vector<ReservationId> live_;
  Seconds now_ = 0;
};

// Every bucket's stored pair equals a brute-force recount; in the bucket that
// holds the horizon it still brackets the truth after the past is forgotten.
TEST(CellWindowTable, BucketValuesMatchARecount) {
  const Topology topo = SmallFleet();
  constexpr Seconds kWidth = 10;
  for (bool forget : {false, true}) {
    RandomCalendar rc(topo, kWidth, forget ? 21 : 7);
    ASSERT_TRUE(rc.cal().windows().enabled());
    for (int op = 0; op < 3000; ++op) {
      rc.Step(op, forget);
      if (op % 100 != 0) continue;
      const CellWindowTable& table = rc.cal().windows();
      const int64_t horizon_bucket = table.BucketOf(rc.now());
      for (int64_t bucket = horizon_bucket; bucket < horizon_bucket + 45; ++bucket) {
        const Seconds from = std::max(bucket * kWidth, rc.now()), to = bucket * kWidth + kWidth;
        for (NodeIndex n = 0; n < topo.num_nodes(); ++n) {
          const auto [least, most] = FreeRange(rc.cal(), n, from, to);
          if (bucket * kWidth >= rc.now()) {
            ASSERT_EQ(table.Lo(n, bucket), least) << "op " << op << " node " << n;
            ASSERT_EQ(table.Hi(n, bucket), most) << "op " << op << " node " << n;
          } else {
            ASSERT_LE(table.Lo(n, bucket), least) << "op " << op << " node " << n;
            ASSERT_GE(table.Hi(n, bucket), most) << "op " << op << " node " << n;
          }
        }
      }
    }
  }
}

// The window bounds bracket each node's exact free GPUs; the per-bucket start
// bounds bracket the exact free total at the bucket's first start, and the
// upper ones (bucket and block) hold at every start of the bucket.
TEST(CellWindowTable, WindowAndStartBoundsBracketTheExactFreeGpus) {
  const Topology topo = SmallFleet();
  for (Seconds width : {1, 7, 10}) {
    RandomCalendar rc(topo, width, static_cast<uint64_t>(width) * 31);
    for (int op = 0; op < 400; ++op) rc.Step(op, true);
    const Calendar& cal = rc.cal();
    const CellWindowTable& table = cal.windows();
    std::vector<int32_t> most, block_most;
    std::vector<int32_t> block_work;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    std::vector<uint8_t> buffer, work;
    std::vector<uint8_t> lo(CellWindowTable::kMaxCellNodes), hi(CellWindowTable::kMaxCellNodes);
    for (int q = 0; q < 150; ++q) {
      const Seconds d = rc.Uniform(1, 120);
      const Seconds earliest = rc.now() + rc.Uniform(0, 200);
      const auto cell = static_cast<CellIndex>(rc.Uniform(0, topo.num_cells() - 1));
      const CellInfo& info = topo.cell(cell);
      const auto exact_total = [&](Seconds s) {
        int64_t total = 0;
        for (NodeIndex n = info.first_node; n < info.end_node; ++n) {
          total += cal.FreeGpus(n, s, s + d);
        }
        return total;
      };
      // Window bounds at one start: exactly the bounds described, which
      // bracket the exact count.
      table.WindowBounds(cell, earliest, earliest + d, lo, hi);
      for (NodeIndex n = info.first_node; n < info.end_node; ++n) {
        const auto i = static_cast<size_t>(n - info.first_node);
        int32_t least = cal.capacity(n), most_bound = cal.capacity(n);
        for (int64_t b = table.BucketOf(earliest); b <= table.BucketOf(earliest + d - 1); ++b) {
          least = std::min(least, table.Lo(n, b));
          const bool covered = b * width >= earliest && (b + 1) * width <= earliest + d;
          most_bound = std::min(most_bound, covered ? table.Lo(n, b) : table.Hi(n, b));
        }
        ASSERT_EQ(lo[i], least) << "q " << q << " node " << n;
        ASSERT_EQ(hi[i], most_bound) << "q " << q << " node " << n;
        const int32_t exact = cal.FreeGpus(n, earliest, earliest + d);
        ASSERT_LE(lo[i], exact);
        ASSERT_GE(hi[i], exact);
      }
      // Start bounds over a range of buckets.
      const int64_t first = table.BucketOf(earliest);
      const int64_t count = rc.Uniform(1, 40);
      const CellIndex cells[] = {cell};
      table.StartBounds(cells, d, earliest, first, count, most, buffer, work);
      table.BlockBounds(cells, d, earliest, first, count, block_most, block_work, ranges);
      for (int64_t i = 0; i < count; ++i) {
        const Seconds s0 = std::max((first + i) * width, earliest);
        // Exactly the bound described: per node, its least most-free count over
        // the buckets the window from s0 touches and its least fewest-free count
        // over those it covers completely after the first.
        int64_t expected = 0;
        for (NodeIndex n = info.first_node; n < info.end_node; ++n) {
          int32_t node_most = cal.capacity(n);
          for (int64_t b = first + i; b <= table.BucketOf(s0 + d - 1); ++b) {
            node_most = std::min(node_most, table.Hi(n, b));
          }
          for (int64_t b = first + i + 1; (b + 1) * width <= s0 + d; ++b) {
            node_most = std::min(node_most, table.Lo(n, b));
          }
          expected += node_most;
        }
        ASSERT_EQ(most[static_cast<size_t>(i)], expected) << "q " << q << " i " << i;
        for (Seconds s = s0; s < (first + i + 1) * width; ++s) {
          const int64_t total = exact_total(s);
          ASSERT_GE(most[static_cast<size_t>(i)], total) << "q " << q << " i " << i;
          ASSERT_GE(block_most[static_cast<size_t>(i)], total) << "q " << q << " i " << i;
        }
      }
    }
  }
}

// The bounds over a range of starts bracket each node's free GPUs at every
// start of the range, and are equal only when the node offers the same count
// at all of them; they meet for nodes whose usage dips only in the middle of
// the windows, which the test requires to happen.
TEST(CellWindowTable, StartRangeBoundsBracketEveryStartOfTheRange) {
  const Topology topo = SmallFleet();
  int64_t met_with_changes = 0;
  for (Seconds width : {1, 4, 10}) {
    RandomCalendar rc(topo, width, static_cast<uint64_t>(width) * 57);
    for (int op = 0; op < 400; ++op) rc.Step(op, true);
    const Calendar& cal = rc.cal();
    const CellWindowTable& table = cal.windows();
    std::vector<uint8_t> lo(CellWindowTable::kMaxCellNodes), hi(CellWindowTable::kMaxCellNodes);
    for (int q = 0; q < 300; ++q) {
      const Seconds d = rc.Uniform(1, 120);
      const Seconds from = rc.now() + rc.Uniform(0, 200);
      const Seconds to = from + rc.Uniform(0, 3 * width);
      const auto cell = static_cast<CellIndex>(rc.Uniform(0, topo.num_cells() - 1));
      const CellInfo& info = topo.cell(cell);
      table.StartRangeBounds(cell, from, to, d, lo, hi);
      for (NodeIndex n = info.first_node; n < info.end_node; ++n) {
        const auto i = static_cast<size_t>(n - info.first_node);
        int32_t least = cal.capacity(n), most = 0;
        for (Seconds s = from; s <= to; ++s) {
          least = std::min(least, cal.FreeGpus(n, s, s + d));
          most = std::max(most, cal.FreeGpus(n, s, s + d));
        }
        ASSERT_LE(lo[i], least) << "width " << width << " q " << q << " node " << n;
        ASSERT_GE(hi[i], most) << "width " << width << " q " << q << " node " << n;
        if (lo[i] != hi[i]) continue;
        ASSERT_EQ(least, most) << "width " << width << " q " << q << " node " << n;
        const auto [fewest, freest] = FreeRange(cal, n, from, to + d);
        if (fewest != freest) ++met_with_changes;
      }
    }
  }
  EXPECT_GT(met_with_changes, 50);
}

// The block bound over any set of cells is, for every start bucket, the sum
// over the cells of their least block sum among the blocks every start in the
// bucket covers completely, recounted here from the stored fewest-free counts.
TEST(CellWindowTable, BlockBoundsEqualARecountOverAnySetOfCells) {
  const Topology topo = SmallFleet();
  for (Seconds width : {1, 3, 10}) {
    RandomCalendar rc(topo, width, static_cast<uint64_t>(width) * 17 + 5);
    for (int op = 0; op < 300; ++op) rc.Step(op, true);
    const Calendar& cal = rc.cal();
    const CellWindowTable& table = cal.windows();
    auto block_sum = [&](CellIndex c, int64_t block) { return BlockSumByRecount(cal, c, block); };
    std::vector<int32_t> most, work;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (int q = 0; q < 300; ++q) {
      // Short windows (read directly) and long ones (prefix and suffix minima).
      const Seconds d = q % 2 == 0 ? rc.Uniform(1, 12 * width) : rc.Uniform(1, 200 * width);
      const Seconds earliest = rc.now() + rc.Uniform(0, 100 * width);
      std::vector<CellIndex> cells;
      for (CellIndex c = 0; c < topo.num_cells(); ++c) {
        if (rc.Uniform(0, 1) == 1) cells.push_back(c);
      }
      if (cells.empty()) cells.push_back(static_cast<CellIndex>(q % topo.num_cells()));
      const int64_t first = table.BucketOf(earliest) + rc.Uniform(0, 1);
      const int64_t count = rc.Uniform(1, 80);
      table.BlockBounds(cells, d, earliest, first, count, most, work, ranges);
      ASSERT_EQ(most.size(), static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) {
        const auto [lo, hi] = BlocksCoveredFrom(first + i, width, earliest, d);
        int64_t expected = 0;
        for (CellIndex c : cells) {
          int64_t least = topo.cell(c).gpus;
          for (int64_t k = lo; k <= hi; ++k) least = std::min<int64_t>(least, block_sum(c, k));
          expected += least;
        }
        ASSERT_EQ(most[static_cast<size_t>(i)], expected)
            << "width " << width << " q " << q << " i " << i << " d " << d;
      }
    }
  }
}

// A site's group bound is the least, over the blocks the windows cover, of its
// cells' block sums added up, and never below the cells' own block bounds.
TEST(CellWindowTable, GroupBlockBoundsAreTheLeastOfTheSitesBlockSums) {
  const Topology topo = SmallFleet();
  for (Seconds width : {1, 3, 10}) {
    RandomCalendar rc(topo, width, static_cast<uint64_t>(width) * 29 + 3);
    for (int op = 0; op < 300; ++op) rc.Step(op, true);
    const Calendar& cal = rc.cal();
    const CellWindowTable& table = cal.windows();
    std::vector<int32_t> most, cell_most, cell_work;
    std::vector<int64_t> work;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (int q = 0; q < 300; ++q) {
      const Seconds d = q % 2 == 0 ? rc.Uniform(1, 12 * width) : rc.Uniform(1, 200 * width);
      const Seconds earliest = rc.now() + rc.Uniform(0, 100 * width);
      const auto site = static_cast<SiteIndex>(q % topo.num_sites());
      const std::span<const CellIndex> cells = topo.SiteModelCells(site, 0);
      const int32_t group = site * topo.num_models();
      const int64_t first = table.BucketOf(earliest) + rc.Uniform(0, 1);
      const int64_t count = rc.Uniform(1, 80);
      table.GroupBlockBounds(group, d, earliest, first, count, most, work);
      table.BlockBounds(cells, d, earliest, first, count, cell_most, cell_work, ranges);
      ASSERT_EQ(most.size(), static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) {
        const auto [lo, hi] = BlocksCoveredFrom(first + i, width, earliest, d);
        int64_t expected = 0;
        for (CellIndex c : cells) expected += topo.cell(c).gpus;
        for (int64_t k = lo; k <= hi; ++k) {
          int64_t sum = 0;
          for (CellIndex c : cells) sum += BlockSumByRecount(cal, c, k);
          expected = std::min(expected, sum);
        }
        ASSERT_EQ(most[static_cast<size_t>(i)], expected)
            << "width " << width << " q " << q << " i " << i << " d " << d;
        ASSERT_GE(most[static_cast<size_t>(i)], cell_most[static_cast<size_t>(i)]);
      }
    }
  }
}

// Each node's first start the most-free counts allow, for a whole cell in one
// pass, is the first of `from` and the later bucket starts up to `limit` whose
// window touches only buckets where the node has enough GPUs free at some
// instant; and no start the exact free GPUs allow comes before it.
TEST(CellWindowTable, NodeFirstStartsAreTheFirstStartsTheBoundsAllow) {
  const Topology topo = SmallFleet();
  int found = 0, none = 0;
  for (Seconds width : {1, 4, 9}) {
    RandomCalendar rc(topo, width, static_cast<uint64_t>(width) * 7 + 3);
    for (int op = 0; op < 300; ++op) rc.Step(op, true);
    const Calendar& cal = rc.cal();
    const CellWindowTable& table = cal.windows();
    std::vector<Seconds> first(CellWindowTable::kMaxCellNodes);
    std::vector<uint16_t> runs;
    for (int q = 0; q < 300; ++q) {
      const auto gpus = static_cast<int32_t>(rc.Uniform(1, 8));
      const Seconds d = rc.Uniform(1, 40 * width);
      const Seconds from = rc.now() + rc.Uniform(0, 60 * width);
      const Seconds limit = from + rc.Uniform(0, 80 * width);
      const auto cell = static_cast<CellIndex>(rc.Uniform(0, topo.num_cells() - 1));
      const CellInfo& info = topo.cell(cell);
      std::fill(first.begin(), first.end(), CellWindowTable::kNoStart);
      // Two calls over two halves of the starts give what one over all gives.
      const Seconds middle = from + (limit - from) / 2;
      const size_t left = table.NodeFirstStarts(cell, gpus, d, from, middle, first, runs);
      const size_t left_after =
          table.NodeFirstStarts(cell, gpus, d, middle + 1, limit, first, runs);
      ASSERT_LE(left_after, left);
      size_t without = 0;
      for (NodeIndex n = info.first_node; n < info.end_node; ++n) {
        if (cal.capacity(n) >= gpus &&
            first[static_cast<size_t>(n - info.first_node)] == CellWindowTable::kNoStart) {
          ++without;
        }
      }
      ASSERT_EQ(left_after, without);
      for (NodeIndex n = info.first_node; n < info.end_node; ++n) {
        auto allowed = [&](Seconds s) {
          for (int64_t b = table.BucketOf(s); b <= table.BucketOf(s + d - 1); ++b) {
            if (table.Hi(n, b) < gpus) return false;
          }
          return true;
        };
        Seconds expected = CellWindowTable::kNoStart;
        for (Seconds s = from; s <= limit; s = (table.BucketOf(s) + 1) * width) {
          if (allowed(s)) {
            expected = s;
            break;
          }
        }
        const Seconds got = first[static_cast<size_t>(n - info.first_node)];
        ASSERT_EQ(got, expected) << "width " << width << " q " << q << " node " << n;
        const Seconds exact_end = got == CellWindowTable::kNoStart ? limit : got - 1;
        for (Seconds s = from; s <= exact_end; ++s) {
          ASSERT_LT(cal.FreeGpus(n, s, s + d), gpus) << "q " << q << " node " << n << " s " << s;
        }
        ++(got == CellWindowTable::kNoStart ? none : found);
      }
    }
  }
  EXPECT_GT(found, 300);
  EXPECT_GT(none, 100);
}

// When AnyNodeMayHold says no, no node of the cell has the GPUs free over any
// window starting in the range; and it does say no for long windows over busy
// nodes.
TEST(CellWindowTable, AnyNodeMayHoldRulesOutOnlyWhatNoNodeCanHold) {
  const Topology topo = SmallFleet();
  int ruled_out = 0, allowed = 0;
  for (Seconds width : {1, 3, 5}) {
    RandomCalendar rc(topo, width, static_cast<uint64_t>(width) * 11 + 5);
    for (int op = 0; op < 400; ++op) rc.Step(op, true);
    const Calendar& cal = rc.cal();
    const CellWindowTable& table = cal.windows();
    for (int q = 0; q < 300; ++q) {
      const auto gpus = static_cast<int32_t>(rc.Uniform(1, 8));
      const Seconds d = rc.Uniform(1, 60 * width);
      const Seconds from = rc.now() + rc.Uniform(0, 60 * width);
      const Seconds limit = from + rc.Uniform(0, 40 * width);
      const auto cell = static_cast<CellIndex>(rc.Uniform(0, topo.num_cells() - 1));
      const CellInfo& info = topo.cell(cell);
      if (table.AnyNodeMayHold(cell, gpus, d, from, limit)) {
        ++allowed;
        continue;
      }
      ++ruled_out;
      for (NodeIndex n = info.first_node; n < info.end_node; ++n) {
        for (Seconds s = from; s <= limit; ++s) {
          ASSERT_LT(cal.FreeGpus(n, s, s + d), gpus)
              << "width " << width << " q " << q << " node " << n << " s " << s;
        }
      }
    }
  }
  EXPECT_GT(ruled_out, 50);
  EXPECT_GT(allowed, 50);
}

// The level masks give AnyNodeMayHold the answer the block minima give, for
// windows long and short, after bookings come and go and the past is forgotten.
TEST(CellWindowTable, AnyNodeMayHoldReadsFromMasksWhatTheMinimaSay) {
  for (const Topology& topo : {SmallFleet(), WidePodFleet()}) {
    // Enough bookings per node to keep some of the wide pod's nodes busy.
    const int ops = 50 * topo.num_nodes();
    int yes = 0, no = 0;
    for (Seconds width : {1, 3, 5}) {
      RandomCalendar rc(topo, width, static_cast<uint64_t>(width) * 7 + 2);
      for (int round = 0; round < 4; ++round) {
        for (int op = 0; op < ops; ++op) rc.Step(op + ops * round, true);
        const CellWindowTable& table = rc.cal().windows();
        for (int q = 0; q < 400; ++q) {
          const auto gpus = static_cast<int32_t>(rc.Uniform(1, 9));
          const Seconds d = rc.Uniform(1, 120 * width);
          const Seconds from = rc.now() + rc.Uniform(-20 * width, 80 * width);
          const Seconds limit = from + rc.Uniform(0, 80 * width);
          const auto cell = static_cast<CellIndex>(rc.Uniform(0, topo.num_cells() - 1));
          const bool by_minima = table.AnyNodeMayHoldByMinima(cell, gpus, d, from, limit);
          ASSERT_EQ(table.AnyNodeMayHold(cell, gpus, d, from, limit), by_minima)
              << "width " << width << " round " << round << " q " << q;
          (by_minima ? yes : no) += 1;
        }
      }
    }
    EXPECT_GT(yes, 500) << topo.num_nodes() << " nodes";
    EXPECT_GT(no, 500) << topo.num_nodes() << " nodes";
  }
}

// The group search through the window table returns what the plain sweep
// returns, and the same free GPUs per node.
TEST(CellWindowTable, GroupSearchEqualsPlainSearchWithItsFreeCounts) {
  const Topology topo = SmallFleet();
  SearchScratch scratch;
  int found = 0;
  for (int instance = 0; instance < 30; ++instance) {
    RandomCalendar rc(topo, 1 + instance % 12, static_cast<uint64_t>(instance) + 100);
    for (int op = 0; op < 150; ++op) rc.Step(op, instance % 2 == 1);
    const Calendar& cal = rc.cal();
    for (int q = 0; q < 40; ++q) {
      const auto gpus = static_cast<int32_t>(rc.Uniform(1, 40));
      const Seconds d = rc.Uniform(1, 150);
      const Seconds es = rc.now() + rc.Uniform(0, 300);
      const Seconds ls = es + rc.Uniform(0, 300);
      const bool whole_site = rc.Uniform(0, 1) == 1;
      const auto cell = static_cast<CellIndex>(rc.Uniform(0, topo.num_cells() - 1));
      std::span<const NodeIndex> nodes =
          whole_site ? topo.NodeSpan(topo.site(0).first_node, topo.site(0).end_node)
                     : topo.NodeSpan(topo.cell(cell).first_node, topo.cell(cell).end_node);
      std::vector<int32_t> plain_free, group_free;
      const auto plain = cal.EarliestStart(nodes, gpus, d, es, ls, scratch, &plain_free);
      const auto indexed =
          whole_site ? cal.EarliestStartInGroup(CapacityIndex::Level::kSiteModel, 0, nodes, gpus, d,
                                                es, ls, scratch, &group_free)
                     : cal.EarliestStartInGroup(CapacityIndex::Level::kCell, cell, nodes, gpus, d,
                                                es, ls, scratch, &group_free);
      ASSERT_EQ(indexed, plain) << "instance " << instance << " query " << q;
      if (plain) {
        ASSERT_EQ(group_free, plain_free) << "instance " << instance << " query " << q;
        ++found;
      }
    }
  }
  EXPECT_GT(found, 200);
}

}  // namespace
}  // namespace straits::placement
