#include "placement/capacity_index.h"

#include <gtest/gtest.h>

#include <random>

#include "placement/calendar.h"
#include "placement/test_fleets.h"

namespace straits::placement {
namespace {

using test_fleets::FleetOf;
using test_fleets::SmallFleet;

// One site whose first pod has 65 nodes of 1,024 GPUs: a cell of 66,560 GPUs,
// too many for 16-bit cell sums, and nodes too large for node levels.
Topology WideFleet() { return FleetOf({{"a", {{"a0", 65, 1024}, {"a1", 2, 8}}}}); }

// One site with a pod of 40 eight-GPU nodes (320 GPUs, more than the
// saturated cell sums hold) and one of 2.
Topology BigPodFleet() { return FleetOf({{"a", {{"a0", 40, 8}, {"a1", 2, 8}}}}); }

// Uniform integers in [lo, hi], from a seeded generator.
class Uniform {
 public:
  explicit Uniform(uint64_t seed) : rng_(seed) {}
  int64_t operator()(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

 private:
  std::mt19937_64 rng_;
};

Interval Iv(Seconds s, Seconds e) {
  return *Interval::Make(Instant::FromUnixSeconds(s), Instant::FromUnixSeconds(e));
}

// The index's bounds must equal the sums of each node's most-free count per
// bucket, recomputed from scratch, after any mix of reserve, release and shrink.
void CheckBoundsMatchARecount(const Topology& topo) {
  constexpr Seconds kWidth = 10;
  Calendar cal(topo, kWidth);
  const bool node_levels = cal.index().has_node_levels();
  Uniform uniform(3);
  std::vector<ReservationId> live;
  for (int op = 0; op < 3000; ++op) {
    if (live.empty() || uniform(0, 2) > 0) {
      const Seconds s = uniform(-50, 400);
      const Seconds e = s + uniform(1, 60);
      const auto node = static_cast<NodeIndex>(uniform(0, topo.num_nodes() - 1));
      Allocation a[] = {{node, static_cast<int32_t>(uniform(1, topo.node(node).gpus))}};
      if (cal.Reserve(static_cast<ReservationId>(op + 1), Iv(s, e), a).ok()) {
        live.push_back(static_cast<ReservationId>(op + 1));
      }
    } else {
      const auto pick = static_cast<size_t>(uniform(0, static_cast<int64_t>(live.size()) - 1));
      const Booking* b = cal.Find(live[pick]);
      if (uniform(0, 1) == 0 && b->end - b->start > 1) {
        ASSERT_TRUE(
            cal.Shrink(live[pick], Instant::FromUnixSeconds(uniform(b->start + 1, b->end - 1)))
                .ok());
      } else {
        cal.Unreserve(live[pick]);
        live[pick] = live.back();
        live.pop_back();
      }
    }
    if (op % 100 != 0) continue;
    const CapacityIndex& index = cal.index();
    for (int64_t bucket = -8; bucket < 50; ++bucket) {
      const Seconds from = bucket * kWidth, to = from + kWidth;
      auto node_free = [&](NodeIndex n) {
        int32_t min_used = cal.UsedAt(n, from);
        for (Seconds t = from; t < to; ++t) min_used = std::min(min_used, cal.UsedAt(n, t));
        return cal.capacity(n) - min_used;
      };
      for (SiteIndex site = 0; site < topo.num_sites(); ++site) {
        int64_t site_sum = 0, max_cell = 0;
        for (CellIndex c : topo.SiteModelCells(site, 0)) {
          int64_t cell_sum = 0;
          for (NodeIndex n = topo.cell(c).first_node; n < topo.cell(c).end_node; ++n) {
            cell_sum += node_free(n);
          }
          ASSERT_EQ(index.Bound(CapacityIndex::Level::kCell, c, bucket), cell_sum)
              << "op " << op << " cell " << c << " bucket " << bucket;
          site_sum += cell_sum;
          max_cell = std::max(max_cell, cell_sum);
        }
        ASSERT_EQ(index.Bound(CapacityIndex::Level::kSiteModel, site, bucket), site_sum);
        // An upper bound, exact while bookings are short.
        ASSERT_EQ(index.Bound(CapacityIndex::Level::kSiteModelPod, site, bucket), max_cell);
        if (!node_levels) continue;
        int32_t site_node_max = 0;
        for (NodeIndex n = topo.site(site).first_node; n < topo.site(site).end_node; ++n) {
          ASSERT_EQ(index.Bound(CapacityIndex::Level::kNode, n, bucket), node_free(n));
          site_node_max = std::max(site_node_max, node_free(n));
        }
        ASSERT_EQ(index.Bound(CapacityIndex::Level::kSiteModelNode, site, bucket), site_node_max);
        for (CellIndex c : topo.SiteModelCells(site, 0)) {
          int32_t cell_node_max = 0;
          for (NodeIndex n = topo.cell(c).first_node; n < topo.cell(c).end_node; ++n) {
            cell_node_max = std::max(cell_node_max, node_free(n));
          }
          ASSERT_EQ(index.Bound(CapacityIndex::Level::kCellNode, c, bucket), cell_node_max);
        }
      }
    }
  }
}

TEST(CapacityIndex, BoundsMatchARecount) {
  const Topology topo = SmallFleet();
  ASSERT_TRUE(Calendar(topo, 10).index().has_node_levels());
  ASSERT_EQ(Calendar(topo, 10).index().cell_sum_bytes(), 2u);
  CheckBoundsMatchARecount(topo);
}

// The same with cells too large for 16-bit sums.
TEST(CapacityIndex, BoundsMatchARecountInWideCells) {
  const Topology topo = WideFleet();
  ASSERT_EQ(Calendar(topo, 10).index().cell_sum_bytes(), 4u);
  CheckBoundsMatchARecount(topo);
}

// NextPossible is the first start the bounds allow (the window's start, or a
// bucket's start after it, whose window's buckets all have enough) and the run
// of starts after it that they allow too; checked against a scan of Bound()
// over long ranges (hundreds of buckets, so the blockwise scans are used) for
// requests of up to `max_gpus` after `bookings` random bookings.
void CheckNextPossibleIsTheRunTheBoundsAllow(const Topology& topo, int bookings, int64_t max_gpus) {
  constexpr Seconds kWidth = 10;
  Calendar cal(topo, kWidth);
  Uniform uniform(17);
  for (int op = 0; op < bookings; ++op) {
    const Seconds s = uniform(-100, 6000);
    const auto node = static_cast<NodeIndex>(uniform(0, topo.num_nodes() - 1));
    Allocation a[] = {{node, static_cast<int32_t>(uniform(1, topo.node(node).gpus))}};
    (void)cal.Reserve(static_cast<ReservationId>(op + 1), Iv(s, s + uniform(1, 300)), a);
  }
  const CapacityIndex& index = cal.index();
  using Level = CapacityIndex::Level;
  if (max_gpus > 255) {
    // The largest pod's free GPUs cross 255 (saturated sums are compared on
    // both sides of it).
    int64_t above = 0, below = 0;
    for (int64_t b = 0; b < 600; ++b) {
      (index.Bound(Level::kCell, 0, b) > 255 ? above : below) += 1;
    }
    ASSERT_GT(above, 50);
    ASSERT_GT(below, 50);
  }
  struct Series {
    Level level;
    int32_t groups;
  };
  const Series kSeries[] = {{Level::kCell, topo.num_cells()},
                            {Level::kNode, topo.num_nodes()},
                            {Level::kCellNode, topo.num_cells()}};
  int runs = 0;
  for (int q = 0; q < 4000; ++q) {
    const Series& series = kSeries[q % 3];
    const auto group = static_cast<int32_t>(uniform(0, series.groups - 1));
    // Nodes have at most 8 GPUs; a few more asked of them are ruled out at once.
    const int64_t gpus = uniform(1, series.level == Level::kCell ? max_gpus : 10);
    const Seconds d = uniform(1, 1000);
    const Seconds earliest = uniform(-200, 6200);
    const Seconds latest = earliest + uniform(0, 3000);
    auto blocked = [&](int64_t b) { return index.Bound(series.level, group, b) < gpus; };
    auto clear = [&](Seconds start) {
      for (int64_t b = index.BucketOf(start); b <= index.BucketOf(start + d - 1); ++b) {
        if (blocked(b)) return false;
      }
      return true;
    };
    std::optional<Seconds> first;
    for (Seconds start = earliest; start <= latest;
         start = index.BucketStart(index.BucketOf(start) + 1)) {
      if (clear(start)) {
        first = start;
        break;
      }
    }
    const auto got = index.NextPossible(series.level, group, gpus, d, earliest, latest);
    const std::string where = "query " + std::to_string(q);
    ASSERT_EQ(got.has_value(), first.has_value()) << where;
    EXPECT_EQ(index.FirstPossible(series.level, group, gpus, d, earliest, latest), first) << where;
    if (!first) continue;
    ++runs;
    Seconds end = latest;
    for (int64_t b = index.BucketOf(*first); b <= index.BucketOf(latest + d - 1); ++b) {
      if (blocked(b)) {
        end = std::min(latest, index.BucketStart(b) - d);
        break;
      }
    }
    EXPECT_EQ(got->first, *first) << where;
    EXPECT_EQ(got->second, end) << where;
  }
  EXPECT_GT(runs, 1000);
}

// At the levels with 8-bit, 16-bit and saturated series.
TEST(CapacityIndex, NextPossibleIsTheRunTheBoundsAllow) {
  CheckNextPossibleIsTheRunTheBoundsAllow(SmallFleet(), 600, 26);
}

// A pod whose free GPUs go above and below the saturated sums' 255, for
// requests on either side of it.
TEST(CapacityIndex, NextPossibleIsTheRunTheBoundsAllowInPodsOfOver255Gpus) {
  const Topology topo = BigPodFleet();
  CheckNextPossibleIsTheRunTheBoundsAllow(topo, 1500, 330);
}

// After the calendar forgets its past, the bounds stay exact for buckets wholly
// after the horizon and remain upper bounds for the bucket holding it.
TEST(CapacityIndex, StaysValidWhenThePastIsForgotten) {
  const Topology topo = SmallFleet();
  constexpr Seconds kWidth = 10;
  Calendar cal(topo, kWidth);
  Uniform uniform(9);
  Seconds now = 0;
  for (int op = 0; op < 4000; ++op) {
    if (op % 50 == 0) {
      now += uniform(0, 25);
      cal.ForgetBefore(now);
    }
    const Seconds s = now + uniform(0, 300);
    const auto node = static_cast<NodeIndex>(uniform(0, topo.num_nodes() - 1));
    Allocation a[] = {{node, static_cast<int32_t>(uniform(1, topo.node(node).gpus))}};
    (void)cal.Reserve(static_cast<ReservationId>(op + 1), Iv(s, s + uniform(1, 200)), a);
    if (uniform(0, 3) == 0) cal.Unreserve(static_cast<ReservationId>(uniform(1, op + 1)));
    if (op % 97 != 0) continue;
    for (int64_t bucket = now / kWidth; bucket < now / kWidth + 60; ++bucket) {
      const Seconds from = std::max(bucket * kWidth, now), to = bucket * kWidth + kWidth;
      for (CellIndex c = 0; c < topo.num_cells(); ++c) {
        int64_t sum = 0;
        for (NodeIndex n = topo.cell(c).first_node; n < topo.cell(c).end_node; ++n) {
          int32_t min_used = cal.UsedAt(n, from);
          for (Seconds t = from; t < to; ++t) min_used = std::min(min_used, cal.UsedAt(n, t));
          sum += cal.capacity(n) - min_used;
        }
        const int64_t bound = cal.index().Bound(CapacityIndex::Level::kCell, c, bucket);
        if (bucket * kWidth >= now) {
          ASSERT_EQ(bound, sum) << "op " << op << " bucket " << bucket;
        } else {
          ASSERT_GE(bound, sum) << "op " << op << " bucket " << bucket;
        }
      }
    }
  }
}

// Searching through the index finds exactly what the plain sweep finds.
TEST(CapacityIndex, IndexedSearchEqualsPlainSearch) {
  const Topology topo = SmallFleet();
  Uniform uniform(5);
  SearchScratch scratch;
  int found = 0, none = 0;
  for (int instance = 0; instance < 40; ++instance) {
    Calendar cal(topo, uniform(1, 40));
    for (int r = 0; r < 60; ++r) {
      const Seconds s = uniform(0, 500);
      const auto node = static_cast<NodeIndex>(uniform(0, topo.num_nodes() - 1));
      Allocation a[] = {{node, static_cast<int32_t>(uniform(1, topo.node(node).gpus))}};
      (void)cal.Reserve(static_cast<ReservationId>(r + 1), Iv(s, s + uniform(1, 120)), a);
    }
    for (int q = 0; q < 50; ++q) {
      const auto gpus = static_cast<int32_t>(uniform(1, 40));
      const Seconds d = uniform(1, 100);
      const Seconds es = uniform(-20, 500);
      const Seconds ls = es + uniform(0, 300);
      // A cell, and site 0 as a whole.
      const auto cell = static_cast<CellIndex>(uniform(0, topo.num_cells() - 1));
      std::span<const NodeIndex> cell_nodes =
          topo.NodeSpan(topo.cell(cell).first_node, topo.cell(cell).end_node);
      EXPECT_EQ(cal.EarliestStartInGroup(CapacityIndex::Level::kCell, cell, cell_nodes, gpus, d, es,
                                         ls, scratch),
                cal.EarliestStart(cell_nodes, gpus, d, es, ls, scratch));
      std::span<const NodeIndex> site_nodes =
          topo.NodeSpan(topo.site(0).first_node, topo.site(0).end_node);
      const auto plain = cal.EarliestStart(site_nodes, gpus, d, es, ls, scratch);
      EXPECT_EQ(cal.EarliestStartInGroup(CapacityIndex::Level::kSiteModel, 0, site_nodes, gpus, d,
                                         es, ls, scratch),
                plain);
      (plain ? found : none)++;
    }
  }
  EXPECT_GT(found, 300);
  EXPECT_GT(none, 300);
}

}  // namespace
}  // namespace straits::placement
