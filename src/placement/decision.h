// Decision: the engine's answer to one request. Either a placement (site, model,
// interval and the GPUs taken on each node) or "not placed"; in both cases, for
// every site that was not chosen, the reason and the plugin that gave it.
// "Not placed" is a result, not an error.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "placement/calendar.h"
#include "placement/topology.h"

namespace straits::placement {

enum class ReasonCode {
  kNotRequested,        // the request names other sites only
  kComplianceDenied,    // the compliance oracle does not allow this site (or any model there)
  kNoMatchingHardware,  // no acceptable model at the site, or no node/pod/site big enough
  kOverPriceCap,        // every acceptable model there costs more than the cap (or has no price)
  kCapacityShort,       // hardware matches, but not enough GPUs are free in the window
  kNotChosen,           // the site could host the lease, another one scored higher
};
// "not_requested", "compliance_denied", "no_matching_hardware", "over_price_cap",
// "capacity_short", "not_chosen".
std::string_view ReasonCodeName(ReasonCode code);

struct SiteReason {
  SiteIndex site = 0;
  ReasonCode code = ReasonCode::kNotChosen;
  std::string plugin;   // the plugin that excluded the site, e.g. "Compliance"
  std::string message;  // human-readable detail
  // For kCapacityShort: GPUs missing at the best moment of the window (-1 when
  // not computed, see DecideOptions::explain).
  int64_t short_by_gpus = -1;
};

struct Placement {
  SiteIndex site = 0;
  ModelIndex model = 0;
  PodIndex pod = -1;  // the pod, when all nodes are in one (always for node and pod scope)
  Seconds start = 0;
  Seconds end = 0;
  std::vector<Allocation> allocations;  // ascending by node, one entry per node
  std::optional<Money> price_per_gpu_hour;
  double score = 0;  // the profile's weighted score (higher is better)

  int64_t gpus() const {
    int64_t total = 0;
    for (const Allocation& a : allocations) total += a.gpus;
    return total;
  }
};

struct Decision {
  std::optional<Placement> placement;
  // One entry per site not chosen (all sites when not placed), in site order.
  std::vector<SiteReason> reasons;

  bool placed() const { return placement.has_value(); }
};

}  // namespace straits::placement
