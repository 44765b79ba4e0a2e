#include "scale_fleet.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace straits::placement::bench {
namespace {

constexpr Seconds kHour = 3600;
constexpr Seconds kDay = 24 * kHour;
constexpr Seconds kYear = 365 * kDay;

int32_t PickSize(std::mt19937_64& rng) {
  // GPUs per placement and their shares: mostly small, a tail of big gangs.
  static const int32_t kSizes[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  static const double kWeights[] = {10, 8, 10, 30, 14, 10, 8, 5, 3, 1.5, 0.5};
  std::discrete_distribution<int> pick(std::begin(kWeights), std::end(kWeights));
  return kSizes[pick(rng)];
}

}  // namespace

FleetSpec ScaleFleet() {
  FleetSpec spec;
  spec.models = {ModelSpec{
      .id = *ModelId::Parse("h100-sxm"), .vendor = "nvidia", .tpp = 15832, .memory_gb = 80}};
  int node = 0;
  for (int s = 0; s < kSites; ++s) {
    SiteSpec site{
        .id = *SiteId::Parse("site-" + std::to_string(s)), .country = {}, .pods = {}, .prices = {}};
    for (int p = 0; p < kPodsPerSite; ++p) {
      PodSpec pod{.id = *PodId::Parse("s" + std::to_string(s) + "-p" + std::to_string(p)),
                  .nodes = {}};
      // 12,500 nodes over 400 pods: 100 pods of 32 nodes and 300 of 31.
      const int pod_index = s * kPodsPerSite + p;
      const int nodes = pod_index < 100 ? 32 : 31;
      for (int n = 0; n < nodes; ++n) {
        pod.nodes.push_back(NodeSpec{.id = *NodeId::Parse("n" + std::to_string(node++)),
                                     .model = *ModelId::Parse("h100-sxm"),
                                     .gpus = kGpusPerNode});
      }
      site.pods.push_back(std::move(pod));
    }
    spec.sites.push_back(std::move(site));
  }
  return spec;
}

FillStats FillYear(const Topology& topology, Calendar& calendar, int64_t count, uint64_t seed) {
  const auto started = std::chrono::steady_clock::now();
  std::mt19937_64 rng(seed);
  const Seconds t0 = kYearStart.unix_seconds();
  // Each GPU of each node is a lane that is free from lane_free[...] on; a
  // placement starts when all its lanes are free, so the fill never conflicts.
  const auto num_nodes = static_cast<size_t>(topology.num_nodes());
  std::vector<Seconds> lane_free(num_nodes * kGpusPerNode, t0);
  std::uniform_real_distribution<double> unit(0, 1);
  FillStats stats;
  std::vector<Allocation> allocs;
  std::vector<size_t> order;
  for (int64_t i = 0; i < count; ++i) {
    const int32_t gpus = PickSize(rng);
    const Seconds duration = static_cast<Seconds>(
        std::exp(std::uniform_real_distribution<double>(std::log(0.5), std::log(48.0))(rng)) *
        static_cast<double>(kHour));
    // Idle gaps grow through the year: bookings thin out the further ahead.
    allocs.clear();
    const auto site = static_cast<SiteIndex>(rng() % kSites);
    const SiteInfo& s = topology.site(site);
    Seconds start = 0;
    if (gpus < kGpusPerNode) {
      const auto node = static_cast<NodeIndex>(
          s.first_node +
          static_cast<NodeIndex>(rng() % static_cast<uint64_t>(s.end_node - s.first_node)));
      Seconds* lanes = &lane_free[static_cast<size_t>(node) * kGpusPerNode];
      std::sort(lanes, lanes + kGpusPerNode);
      start = lanes[gpus - 1];
      allocs.push_back({node, gpus});
    } else {
      const int32_t want = gpus / kGpusPerNode;
      // A pod for up to a pod's worth of nodes, else the site.
      NodeIndex first = s.first_node, end = s.end_node;
      if (want <= 31) {
        const PodInfo& pod =
            topology.pod(s.first_pod + static_cast<PodIndex>(rng() % kPodsPerSite));
        first = pod.first_node;
        end = pod.end_node;
      }
      // The nodes whose last lane frees first.
      order.resize(static_cast<size_t>(end - first));
      std::iota(order.begin(), order.end(), static_cast<size_t>(first));
      auto node_free = [&](size_t n) {
        const Seconds* lanes = &lane_free[n * kGpusPerNode];
        return *std::max_element(lanes, lanes + kGpusPerNode);
      };
      std::nth_element(order.begin(), order.begin() + want - 1, order.end(),
                       [&](size_t a, size_t b) { return node_free(a) < node_free(b); });
      for (int32_t k = 0; k < want; ++k) {
        start = std::max(start, node_free(order[static_cast<size_t>(k)]));
        allocs.push_back({static_cast<NodeIndex>(order[static_cast<size_t>(k)]), kGpusPerNode});
      }
    }
    const double progress = static_cast<double>(start - t0) / static_cast<double>(kYear);
    const double mean_gap = static_cast<double>(duration) * (0.05 + 1.5 * progress * progress);
    start += static_cast<Seconds>(-std::log(1 - unit(rng)) * mean_gap);
    if (start + duration > t0 + kYear) continue;
    if (!calendar
             .Reserve(static_cast<ReservationId>(i + 1),
                      *Interval::Make(Instant::FromUnixSeconds(start),
                                      Instant::FromUnixSeconds(start + duration)),
                      allocs)
             .ok()) {
      continue;  // cannot happen: lanes are free from `start` on
    }
    for (const Allocation& a : allocs) {
      Seconds* lanes = &lane_free[static_cast<size_t>(a.node) * kGpusPerNode];
      std::sort(lanes, lanes + kGpusPerNode);
      for (int32_t g = 0; g < a.gpus; ++g) lanes[g] = start + duration;
    }
    ++stats.placements;
    stats.gpu_hours += static_cast<double>(gpus) * static_cast<double>(duration) / kHour;
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

std::vector<Request> RequestStream(const Topology& topology, int count, uint64_t seed) {
  (void)topology;
  std::mt19937_64 rng(seed);
  static const int32_t kSizes[] = {8, 16, 32, 64, 128, 256, 512, 1024};
  std::vector<Request> out;
  for (int i = 0; i < count; ++i) {
    Request r;
    r.id = "bench-" + std::to_string(i);
    r.gpus = kSizes[rng() % std::size(kSizes)];
    r.models = {*ModelId::Parse("h100-sxm")};
    const Seconds duration = static_cast<Seconds>(
        std::exp(std::uniform_real_distribution<double>(0, std::log(168.0))(rng)) * kHour);
    r.duration = Duration::Seconds(duration);
    r.earliest_start = kYearStart + Duration::Seconds(static_cast<Seconds>(rng() % (60 * kDay)));
    const double stretch = std::uniform_real_distribution<double>(1.5, 6)(rng);
    r.latest_end = r.earliest_start +
                   Duration::Seconds(static_cast<Seconds>(stretch * static_cast<double>(duration)));
    r.scope = r.gpus <= kGpusPerNode ? Scope::kNode : r.gpus <= 256 ? Scope::kPod : Scope::kSite;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace straits::placement::bench
