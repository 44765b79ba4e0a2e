#include "billing/meter.h"

#include <gtest/gtest.h>

#include "billing/test_world.h"

namespace straits::billing {
namespace {

using testing::At;

TEST(MeterAllocations, CutsAtHoursAndWindowEdges) {
  const std::vector<Allocation> allocations = {
      {*LeaseId::Parse("L1"), *NodeId::Parse("n1"), 8,
       *Interval::Make(At("2026-10-01T09:30:00Z"), At("2026-10-01T12:00:00Z"))},
      {*LeaseId::Parse("L2"), *NodeId::Parse("n2"), 0,
       *Interval::Make(At("2026-10-01T09:00:00Z"), At("2026-10-01T12:00:00Z"))}};
  std::vector<UsageRecord> r =
      MeterAllocations(allocations, At("2026-10-01T00:00:00Z"), At("2026-10-01T11:15:00Z"));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].start, At("2026-10-01T09:30:00Z"));
  EXPECT_EQ(r[0].end, At("2026-10-01T10:00:00Z"));
  EXPECT_EQ(r[0].gpu_seconds, 1800 * 8);
  EXPECT_EQ(r[2].end, At("2026-10-01T11:15:00Z"));
  EXPECT_EQ(r[2].gpu_seconds, 900 * 8);
}

TEST(MeterAllocations, MeteringAsTheClockPassesIsIdempotent) {
  const std::vector<Allocation> allocations = {
      {*LeaseId::Parse("L1"), *NodeId::Parse("n1"), 4,
       *Interval::Make(At("2026-10-01T00:00:00Z"), At("2026-10-03T00:00:00Z"))}};
  UsageLedger ledger;
  Instant last = At("2026-09-30T00:00:00Z");
  for (const char* now : {"2026-10-01T05:20:00Z", "2026-10-02T00:00:00Z", "2026-10-04T00:00:00Z"}) {
    ASSERT_TRUE(ledger.Ingest(MeterAllocations(allocations, last, At(now))).ok());
    // A backend that crashed and re-meters the same window adds nothing.
    EXPECT_EQ(ledger.Ingest(MeterAllocations(allocations, last, At(now)))->added, 0);
    last = At(now);
  }
  const std::vector<int64_t> sums =
      *ledger.SumByLeaseAndBucket(TimeBuckets{{At("2026-10-01"), At("2026-11-01")}});
  EXPECT_EQ(sums[0], 4 * 48 * 3600);
}

}  // namespace
}  // namespace straits::billing
