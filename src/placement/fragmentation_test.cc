#include "placement/fragmentation.h"

#include <gtest/gtest.h>

#include <random>

namespace straits::placement {
namespace {

// The default mix: 1:0.45 2:0.1 4:0.1 8:0.25 16:0.05 64:0.05.
TEST(WorkloadMix, FragmentedCountsTheFreeGpusNoLikelyTaskFits) {
  const WorkloadMix mix;
  EXPECT_DOUBLE_EQ(mix.Fragmented(0, 8), 0);
  EXPECT_DOUBLE_EQ(mix.Fragmented(1, 8), 0.55);      // tasks of 2+ do not fit
  EXPECT_DOUBLE_EQ(mix.Fragmented(4, 8), 4 * 0.35);  // tasks of 8+ do not fit
  EXPECT_DOUBLE_EQ(mix.Fragmented(8, 8), 0);         // a whole free node fits anything
  EXPECT_DOUBLE_EQ(mix.Fragmented(4, 4), 0);         // larger tasks take whole nodes
  // Emptying a node with one GPU free is the steepest fall per GPU.
  EXPECT_DOUBLE_EQ(mix.SteepestDropPerGpu(8), -0.55);
  EXPECT_DOUBLE_EQ(mix.SteepestDropPerGpu(1), 0);  // one-GPU nodes never fragment
  EXPECT_DOUBLE_EQ(mix.SteepestDropPerGpu(WorkloadMix::kDropTableSize + 1), -1);
}

// On random mixes, the steepest drop is a lower bound on the change per GPU
// taken from any node of at most `largest` GPUs, reached by one of them, and
// never below -1.
TEST(WorkloadMix, SteepestDropBoundsEveryTakeAndIsReached) {
  std::mt19937_64 rng(5);
  for (int instance = 0; instance < 200; ++instance) {
    std::vector<DemandShare> shares;
    for (int k = std::uniform_int_distribution<int>(1, 6)(rng); k > 0; --k) {
      shares.push_back({std::uniform_int_distribution<int32_t>(1, 40)(rng),
                        std::uniform_real_distribution<double>(0.01, 1.0)(rng)});
    }
    const WorkloadMix mix = *WorkloadMix::Make(shares);
    for (int32_t largest = 1; largest <= WorkloadMix::kDropTableSize; ++largest) {
      const double drop = mix.SteepestDropPerGpu(largest);
      ASSERT_GE(drop, -1.0);
      ASSERT_LE(drop, 0.0);
      double least = 0;
      for (int32_t size = 1; size <= largest; ++size) {
        for (int32_t f = 1; f <= size; ++f) {
          for (int32_t t = 1; t <= f; ++t) {
            const double change = mix.Fragmented(f - t, size) - mix.Fragmented(f, size);
            ASSERT_GE(change, t * drop - 1e-12) << mix.ToString() << " size " << size;
            least = std::min(least, change / t);
          }
        }
      }
      ASSERT_NEAR(drop, std::max(least, -1.0), 1e-12) << mix.ToString() << " largest " << largest;
    }
  }
}

}  // namespace
}  // namespace straits::placement
