#include "placement/fragmentation.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace straits::placement {

WorkloadMix::WorkloadMix()
    : WorkloadMix({{1, 0.45}, {2, 0.1}, {4, 0.1}, {8, 0.25}, {16, 0.05}, {64, 0.05}}) {}

WorkloadMix::WorkloadMix(std::vector<DemandShare> shares) : shares_(std::move(shares)) {
  std::sort(shares_.begin(), shares_.end(),
            [](const DemandShare& a, const DemandShare& b) { return a.gpus < b.gpus; });
  double total = 0;
  for (const DemandShare& s : shares_) total += s.weight;
  for (DemandShare& s : shares_) s.weight /= total;
  // At most 32^3 / 6 ratios, each a pass over the shares: computed once.
  steepest_drop_.assign(static_cast<size_t>(kDropTableSize) + 1, 0.0);
  double steepest = 0;
  for (int32_t size = 1; size <= kDropTableSize; ++size) {
    for (int32_t f = 1; f <= size; ++f) {
      const double before = Fragmented(f, size);
      for (int32_t t = 1; t <= f; ++t) {
        steepest = std::min(steepest, (Fragmented(f - t, size) - before) / t);
      }
    }
    // Never below -1 (a node loses at most the GPUs taken from its
    // fragmentation), also where the weights' rounding says otherwise.
    steepest_drop_[static_cast<size_t>(size)] = std::max(steepest, -1.0);
  }
}

Result<WorkloadMix> WorkloadMix::Make(std::vector<DemandShare> shares) {
  if (shares.empty()) return InvalidArgument("workload mix is empty", "mix");
  double total = 0;
  for (size_t i = 0; i < shares.size(); ++i) {
    if (shares[i].gpus < 1 || shares[i].weight < 0) {
      return InvalidArgument("shares need gpus >= 1 and weight >= 0",
                             "mix[" + std::to_string(i) + "]");
    }
    total += shares[i].weight;
  }
  if (total <= 0) return InvalidArgument("all weights are zero", "mix");
  return WorkloadMix(std::move(shares));
}

WorkloadMix WorkloadMix::FromDemands(std::span<const int32_t> demands) {
  std::map<int32_t, double> counts;
  for (int32_t g : demands) {
    if (g >= 1) counts[g] += 1;
  }
  if (counts.empty()) return WorkloadMix();
  std::vector<DemandShare> shares;
  for (const auto& [gpus, count] : counts) shares.push_back({gpus, count});
  return WorkloadMix(std::move(shares));
}

double WorkloadMix::Fragmented(int32_t free, int32_t size) const {
  if (free <= 0) return 0;
  double p = 0;
  for (const DemandShare& s : shares_) {
    if (std::min(s.gpus, size) > free) p += s.weight;
  }
  return free * p;
}

double WorkloadMix::SteepestDropPerGpu(int32_t largest) const {
  if (largest > kDropTableSize) return -1;
  return steepest_drop_[static_cast<size_t>(std::max(largest, 0))];
}

std::string WorkloadMix::ToString() const {
  std::string out;
  for (const DemandShare& s : shares_) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%s%d:%.2f", out.empty() ? "" : " ", s.gpus, s.weight);
    out += buf;
  }
  return out;
}

}  // namespace straits::placement
