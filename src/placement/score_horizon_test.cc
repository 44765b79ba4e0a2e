#include "placement/score_horizon.h"

#include <gtest/gtest.h>

#include <random>

namespace straits::placement {
namespace {

// The earliest-start score of a start `delay` seconds late, computed the way
// EarliestStartScore computes it.
double StartScore(Seconds duration, Seconds delay) {
  const auto d = static_cast<double>(duration);
  return 100.0 * d / (d + static_cast<double>(delay));
}

// A start that scores exactly `needed` must be inside the horizon of a pair
// that wins ties, whatever the rounding of the division; and the horizon is at
// most one second past it.
TEST(LatestStartReaching, AStartThatTiesIsAlwaysInside) {
  std::mt19937_64 rng(5);
  const Seconds earliest = 1'750'000'000;
  int checked = 0;
  for (int i = 0; i < 200'000; ++i) {
    const Seconds duration = std::uniform_int_distribution<Seconds>(1, 30 * 86'400)(rng);
    const Seconds delay = std::uniform_int_distribution<Seconds>(0, 10 * duration)(rng);
    const double needed = StartScore(duration, delay);
    const Seconds horizon =
        LatestStartReaching(needed, duration, earliest, earliest + 20 * duration + 10, true);
    ASSERT_GE(horizon, earliest + delay) << "duration " << duration << " delay " << delay;
    ASSERT_LE(horizon, earliest + delay + 1) << "duration " << duration << " delay " << delay;
    ++checked;
  }
  EXPECT_EQ(checked, 200'000);
}

TEST(LatestStartReaching, EdgesOfTheScale) {
  const Seconds earliest = 1000, latest = 5000, d = 100;
  // Nothing needed: any start.
  EXPECT_EQ(LatestStartReaching(0, d, earliest, latest, false), latest);
  EXPECT_EQ(LatestStartReaching(-5, d, earliest, latest, false), latest);
  // A full score: only a tie at the earliest start, for a pair that wins ties.
  EXPECT_EQ(LatestStartReaching(100, d, earliest, latest, true), earliest);
  EXPECT_EQ(LatestStartReaching(100, d, earliest, latest, false), earliest - 1);
  // More than a full score: never.
  EXPECT_EQ(LatestStartReaching(100.5, d, earliest, latest, true), earliest - 1);
  // Half the score: a delay of one duration (plus the second of slack).
  EXPECT_EQ(LatestStartReaching(50, d, earliest, latest, false), earliest + d + 1);
  // Far scores are clipped to the window.
  EXPECT_EQ(LatestStartReaching(1, d, earliest, latest, false), latest);
}

}  // namespace
}  // namespace straits::placement
