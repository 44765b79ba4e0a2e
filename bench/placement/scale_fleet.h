// The scale fleet of docs/benchmarks.md: 20 sites x 20 pods x 31-32 nodes x 8
// GPUs = 12,500 nodes, 100,000 GPUs, with a calendar pre-filled with a year of
// placements, and a stream of lease requests of 8 to 1,024 GPUs.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "placement/calendar.h"
#include "placement/request.h"
#include "placement/topology.h"

namespace straits::placement::bench {

inline constexpr int kSites = 20;
inline constexpr int kPodsPerSite = 20;
inline constexpr int kNodes = 12'500;
inline constexpr int kGpusPerNode = 8;
inline const Instant kYearStart = Instant::FromUnixSeconds(1'767'225'600);  // 2026-01-01

FleetSpec ScaleFleet();

struct FillStats {
  int64_t placements = 0;
  double gpu_hours = 0;
  double seconds = 0;  // wall time to fill
};

// Pre-fills `calendar` with `count` placements spread over the year after
// kYearStart, booked the way a leasing business books: dense near the start,
// thinning out towards the end of the year. Sizes follow `SizeMix()`; jobs of up
// to a node share nodes, larger ones take whole nodes of one pod (one site for
// more than a pod). Deterministic for a given seed.
FillStats FillYear(const Topology& topology, Calendar& calendar, int64_t count, uint64_t seed);

// A request stream: 8 to 1,024 GPUs (node scope up to 8, pod up to 256, site
// above), durations 1 h to 7 days, earliest start within the first 60 days,
// windows of 1.5 to 6 times the duration.
std::vector<Request> RequestStream(const Topology& topology, int count, uint64_t seed);

}  // namespace straits::placement::bench
