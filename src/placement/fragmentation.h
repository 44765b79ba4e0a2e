// Fragmentation of free GPUs, after FGD (Weng et al., "Beware of Fragmentation:
// Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX
// ATC '23), specialised to whole GPUs.
//
// Given the workload's mix of GPU demands (how often a task asks for 1, 2, 4, 8,
// ... GPUs), a node's free GPUs are *fragmented for a task* when the node cannot
// host that task: fewer free than min(demand, node size); a task larger than a
// node needs whole free nodes, so any partly used node is fragmented for it. A
// node's fragmentation is the expectation over the mix:
//     F(free, size) = free * P[ min(demand, size) > free ].
// The fragmentation-aware strategy picks GPUs that increase the sum of F the
// least (FGD's "gradient"); the fleet's fragmentation rate is sum F / sum free.
//
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace straits::placement {

struct DemandShare {
  int32_t gpus = 0;
  double weight = 0;
};

class WorkloadMix {
 public:
  // A mix typical of shared training clusters: mostly small tasks, some full
  // nodes and a few multi-node jobs.
  WorkloadMix();
  // Shares need not sum to 1; invalid_argument if empty, gpus < 1 or weight < 0
  // or all weights zero.
  static Result<WorkloadMix> Make(std::vector<DemandShare> shares);
  // The mix of a list of GPU demands (e.g. a trace).
  static WorkloadMix FromDemands(std::span<const int32_t> demands);

  // Expected fragmented GPUs of a node with `free` of `size` GPUs free.
  double Fragmented(int32_t free, int32_t size) const;
  // The steepest fall of fragmentation per GPU taken, on nodes of at most
  // `largest` GPUs: the least (most negative) value of
  //     (Fragmented(f - t, size) - Fragmented(f, size)) / t
  // over 1 <= t <= f <= size <= largest. Taking GPUs from nodes of at most
  // `largest` GPUs changes the fragmentation sum by at least this times the
  // GPUs taken, which bounds the fragmentation score. Never below -1; -1 for
  // nodes larger than kDropTableSize.
  double SteepestDropPerGpu(int32_t largest) const;
  static constexpr int32_t kDropTableSize = 32;

  const std::vector<DemandShare>& shares() const { return shares_; }
  std::string ToString() const;  // "1:0.50 2:0.10 8:0.40"

 private:
  explicit WorkloadMix(std::vector<DemandShare> shares);
  std::vector<DemandShare> shares_;  // ascending by gpus, weights summing to 1
  // steepest_drop_[size]: SteepestDropPerGpu(size) for size <= kDropTableSize.
  std::vector<double> steepest_drop_;
};

}  // namespace straits::placement
