// Small fleets for the placement unit tests: one model "m", nodes named n0,
// n1, ... in the order given, no prices.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "placement/topology.h"

namespace straits::placement::test_fleets {

struct PodShape {
  const char* id;
  int nodes;
  int32_t gpus;  // per node
};

struct SiteShape {
  const char* id;
  std::initializer_list<PodShape> pods;
};

inline Topology FleetOf(std::initializer_list<SiteShape> sites) {
  FleetSpec spec;
  spec.models = {ModelSpec{.id = *ModelId::Parse("m"), .vendor = "v", .tpp = 1, .memory_gb = 1}};
  int n = 0;
  for (const SiteShape& s : sites) {
    SiteSpec site{.id = *SiteId::Parse(s.id), .country = {}, .pods = {}, .prices = {}};
    for (const PodShape& shape : s.pods) {
      PodSpec pod{.id = *PodId::Parse(shape.id), .nodes = {}};
      for (int i = 0; i < shape.nodes; ++i) {
        pod.nodes.push_back(
            {*NodeId::Parse("n" + std::to_string(n++)), *ModelId::Parse("m"), shape.gpus});
      }
      site.pods.push_back(std::move(pod));
    }
    spec.sites.push_back(std::move(site));
  }
  return *Topology::Build(spec);
}

// Two sites; site 0 has two pods of three 8-GPU nodes, site 1 one pod of two
// 4-GPU nodes.
inline Topology SmallFleet() {
  return FleetOf({{"a", {{"a0", 3, 8}, {"a1", 3, 8}}}, {"b", {{"b0", 2, 4}}}});
}

}  // namespace straits::placement::test_fleets
