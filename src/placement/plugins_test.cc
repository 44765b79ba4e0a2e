#include "placement/plugins.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace straits::placement {
namespace {

// The selectors and MeasureFit see only the free GPUs they are given and the
// calendar's node sizes; the rest of the cycle state is a minimal fleet.
class SelectorsTest : public ::testing::Test {
 protected:
  SelectorsTest()
      : topology_(*Topology::Build(OnePod())),
        calendar_(std::vector<int32_t>(kNodes, kNodeGpus)),
        request_(MakeRequest()),
        compiled_(*CompileRequest(request_, topology_)),
        state_{.topology = topology_,
               .calendar = calendar_,
               .request = request_,
               .compiled = compiled_,
               .mix = mix_,
               .oracle = oracle_} {}

  static constexpr int32_t kNodes = 12;
  // Large enough that free counts over the counting sort's range are possible.
  static constexpr int32_t kNodeGpus = 400;

  static FleetSpec OnePod() {
    FleetSpec spec;
    spec.models = {
        ModelSpec{.id = *ModelId::Parse("h100-sxm"), .vendor = "nvidia", .tpp = 1, .memory_gb = 1}};
    PodSpec pod{.id = *PodId::Parse("p0"), .nodes = {}};
    for (int n = 0; n < kNodes; ++n) {
      pod.nodes.push_back(NodeSpec{.id = *NodeId::Parse("n" + std::to_string(n)),
                                   .model = *ModelId::Parse("h100-sxm"),
                                   .gpus = kNodeGpus});
    }
    spec.sites = {SiteSpec{
        .id = *SiteId::Parse("s0"), .country = *Country::Parse("SG"), .pods = {pod}, .prices = {}}};
    return spec;
  }
  static Request MakeRequest() {
    Request r;
    r.id = "r";
    r.gpus = 1;
    r.models = {*ModelId::Parse("h100-sxm")};
    r.duration = Duration::Seconds(3600);
    r.earliest_start = Instant::FromUnixSeconds(1'750'000'000);
    r.scope = Scope::kPod;
    return r;
  }

  std::vector<Allocation> Select(const SelectPlugin& select, std::vector<NodeIndex> nodes,
                                 std::vector<int32_t> free, int32_t gpus) const {
    std::vector<Allocation> out;
    select.Select(state_, nodes, free, gpus, false, &out);
    return out;
  }

  Topology topology_;
  Calendar calendar_;
  Request request_;
  CompiledRequest compiled_;
  WorkloadMix mix_;
  AllowAllOracle oracle_;
  CycleState state_;
};

TEST_F(SelectorsTest, BestFitTakesTheLargestNodesWholeAndEndsOnTheTightest) {
  // 8 + 8 whole, then the rest of 3 on the tightest node that holds it (3 free).
  EXPECT_EQ(Select(BestFitSelect(), {0, 1, 2, 3, 4}, {3, 8, 5, 8, 2}, 19),
            (std::vector<Allocation>{{0, 3}, {1, 8}, {3, 8}}));
  // Equal counts keep node order: the first node whole, the rest on the last.
  EXPECT_EQ(Select(BestFitSelect(), {0, 1, 2}, {4, 4, 4}, 8),
            (std::vector<Allocation>{{0, 4}, {2, 4}}));
}

TEST_F(SelectorsTest, FreeCountsBeyondTheCountingSortAreOrderedTheSameWay) {
  // 300 + 300 are more than the counting sort's range: the same choices.
  EXPECT_EQ(Select(BestFitSelect(), {0, 1, 2, 3}, {300, 290, 300, 5}, 605),
            (std::vector<Allocation>{{0, 300}, {2, 300}, {3, 5}}));
  EXPECT_EQ(Select(BestFitSelect(), {0, 1, 2}, {300, 300, 300}, 400),
            (std::vector<Allocation>{{0, 300}, {2, 100}}));
}

// BestFit as specified, with a comparison sort: nodes largest free first
// (ties in node order) taken whole while the rest exceeds each of them, the
// rest on the last (tightest) of those that hold it.
std::vector<Allocation> ReferenceBestFit(const std::vector<NodeIndex>& nodes,
                                         const std::vector<int32_t>& free, int32_t gpus) {
  std::vector<size_t> order(nodes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return free[a] > free[b]; });
  std::vector<Allocation> out;
  int32_t rest = gpus;
  for (size_t k = 0; k < order.size() && rest > 0 && free[order[k]] > 0; ++k) {
    size_t last_fit = order.size();
    for (size_t j = k; j < order.size() && free[order[j]] >= rest; ++j) last_fit = j;
    if (last_fit < order.size()) {
      out.push_back({nodes[order[last_fit]], rest});
      break;
    }
    out.push_back({nodes[order[k]], free[order[k]]});
    rest -= free[order[k]];
  }
  std::sort(out.begin(), out.end(),
            [](const Allocation& a, const Allocation& b) { return a.node < b.node; });
  return out;
}

// On random groups, with free counts inside the counting sort's range and
// beyond it, BestFit chooses what the reference chooses, and
// LeastFragmentation takes exactly the GPUs asked, each within a node's free.
TEST_F(SelectorsTest, SpreadsMatchTheReferenceOnRandomGroups) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 1000; ++round) {
    const int32_t top = round % 2 == 0 ? 8 : kNodeGpus;
    std::vector<NodeIndex> nodes;
    std::vector<int32_t> free;
    int64_t total = 0;
    for (NodeIndex n = 0; n < kNodes; ++n) {
      if (rng() % 3 == 0) continue;
      nodes.push_back(n);
      free.push_back(std::uniform_int_distribution<int32_t>(0, top)(rng));
      total += free.back();
    }
    if (total == 0) continue;
    const auto gpus = static_cast<int32_t>(std::uniform_int_distribution<int64_t>(1, total)(rng));
    ASSERT_EQ(Select(BestFitSelect(), nodes, free, gpus), ReferenceBestFit(nodes, free, gpus))
        << "round " << round;
    int64_t taken = 0;
    for (const Allocation& a : Select(LeastFragmentationSelect(), nodes, free, gpus)) {
      const auto i =
          static_cast<size_t>(std::find(nodes.begin(), nodes.end(), a.node) - nodes.begin());
      ASSERT_LT(i, nodes.size());
      ASSERT_LE(a.gpus, free[i]);
      taken += a.gpus;
    }
    EXPECT_EQ(taken, gpus) << "round " << round;
  }
}

TEST_F(SelectorsTest, MeasureFitFindsNodesInAnyOrder) {
  // Allocations are sorted by node; the group's nodes here are not.
  const std::vector<NodeIndex> nodes = {5, 2, 9};
  const std::vector<int32_t> free = {1, 8, 3};
  const std::vector<Allocation> take = {{2, 8}, {9, 1}};
  const FitMetrics fit = MeasureFit(state_, nodes, free, take);
  EXPECT_EQ(fit.leftover, 2);
  EXPECT_EQ(fit.nodes, 2);
  EXPECT_DOUBLE_EQ(fit.frag_delta,
                   (mix_.Fragmented(0, kNodeGpus) - mix_.Fragmented(8, kNodeGpus)) +
                       (mix_.Fragmented(2, kNodeGpus) - mix_.Fragmented(3, kNodeGpus)));
}

}  // namespace
}  // namespace straits::placement
