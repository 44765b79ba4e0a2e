#include "backend/reserved_time.h"

#include <gtest/gtest.h>

namespace straits::backend {
namespace {

// 2027-01-15 08:00 UTC plus `minutes`.
Instant M(int64_t minutes) { return Instant::FromUnixSeconds(1'800'000'000 + minutes * 60); }

TEST(ReservedPieces, CutsAtWindowBoundariesAndSubtractsJobsPerPiece) {
  // 4 GPUs from 08:20 to 10:00; a 2-GPU job from 08:50 to 09:10 spans the edge.
  std::vector<JobSpan> jobs = {{M(50), M(70), 2}};
  std::vector<ReservedPiece> pieces = ReservedPieces(4, M(20), M(120), Duration::Hours(1), jobs);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].start, M(20));
  EXPECT_EQ(pieces[0].end, M(60));
  EXPECT_EQ(pieces[0].reserved, 4 * 40 * 60);
  EXPECT_EQ(pieces[0].used, 2 * 10 * 60);
  EXPECT_EQ(pieces[0].idle, 4 * 40 * 60 - 2 * 10 * 60);
  EXPECT_EQ(pieces[1].start, M(60));
  EXPECT_EQ(pieces[1].end, M(120));
  EXPECT_EQ(pieces[1].used, 2 * 10 * 60);
  EXPECT_EQ(pieces[1].idle, 4 * 3600 - 2 * 10 * 60);
  // Used plus idle is what was reserved.
  EXPECT_EQ(pieces[0].used + pieces[0].idle + pieces[1].used + pieces[1].idle, 4 * 100 * 60);
}

TEST(ReservedPieces, ConcurrentJobsAddUpAndIdleIsNeverNegative) {
  std::vector<JobSpan> jobs = {{M(0), M(60), 2}, {M(0), M(30), 2}, {M(10), M(40), 3}};
  std::vector<ReservedPiece> pieces = ReservedPieces(4, M(0), M(60), Duration::Hours(1), jobs);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].used, 2 * 3600 + 2 * 1800 + 3 * 1800);
  EXPECT_EQ(pieces[0].idle, 0);  // 4 GPUs × 1 h < what the jobs held
  jobs = {{M(0), M(60), 2}, {M(0), M(30), 2}};
  pieces = ReservedPieces(4, M(0), M(60), Duration::Hours(1), jobs);
  EXPECT_EQ(pieces[0].idle, 4 * 3600 - 2 * 3600 - 2 * 1800);
}

TEST(ReservedPieces, ARunningJobHoldsItsGpusToThePiecesEnd) {
  std::vector<JobSpan> jobs = {{M(30), std::nullopt, 1}, {M(200), std::nullopt, 1}};
  std::vector<ReservedPiece> pieces = ReservedPieces(2, M(0), M(120), Duration::Hours(1), jobs);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].used, 30 * 60);
  EXPECT_EQ(pieces[1].used, 3600);
  EXPECT_EQ(pieces[1].idle, 3600);  // the job starting later holds nothing here
}

TEST(ReservedPieces, DayWindowsAndAnEmptyStretch) {
  // 08:00 to 08:00 the next day, windows of a UTC day: cut at midnight.
  std::vector<ReservedPiece> pieces = ReservedPieces(1, M(0), M(24 * 60), Duration::Days(1), {});
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].end, M(16 * 60));
  EXPECT_EQ(pieces[0].idle, 16 * 3600);
  EXPECT_EQ(pieces[1].idle, 8 * 3600);
  EXPECT_TRUE(ReservedPieces(1, M(10), M(10), Duration::Hours(1), {}).empty());
  // A window that does not divide a day falls back to hours.
  EXPECT_EQ(ReservedPieces(1, M(0), M(120), Duration::Minutes(7), {}).size(), 2u);
}

TEST(ClosableUntil, ClosesWholeWindowsSeenOrTheLeasesEnd) {
  const Duration hour = Duration::Hours(1);
  // Seen 09:40: windows up to 09:00 are closed.
  EXPECT_EQ(ClosableUntil(M(20), M(240), M(100), hour), M(60));
  // The lease ended at 09:30, before what was seen: up to its end.
  EXPECT_EQ(ClosableUntil(M(20), M(90), M(100), hour), M(90));
  // Nothing seen past its start: nothing to close.
  EXPECT_EQ(ClosableUntil(M(20), M(240), M(50), hour), M(20));
  EXPECT_EQ(ClosableUntil(M(20), M(240), M(0), hour), M(20));
}

}  // namespace
}  // namespace straits::backend
