// Profile: a placement strategy as a named list of plugins (see plugins.h).
//
//   first-fit            earliest start; ties go to the first site in preference
//                        order and the lowest node indices.
//   best-fit             earliest start weighs most, then site preference; then the
//                        tightest fit (whole free nodes for the bulk, the smallest
//                        node that holds the rest) and price.
//   fragmentation-aware  (default) like best-fit, but GPUs go where the fleet's
//                        fragmentation grows least, measured against the workload
//                        mix as in FGD (fragmentation.h).
//
// Thread-safety: immutable after construction; share freely.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "placement/plugins.h"

namespace straits::placement {

struct WeightedScore {
  std::unique_ptr<ScorePlugin> plugin;
  double weight = 1;
};

struct Profile {
  std::string name;
  std::vector<std::unique_ptr<SiteFilterPlugin>> site_filters;
  std::vector<std::unique_ptr<ModelFilterPlugin>> model_filters;
  std::unique_ptr<SelectPlugin> select;
  std::vector<WeightedScore> scores;
};

inline constexpr std::string_view kDefaultProfile = "fragmentation-aware";

// "first-fit", "best-fit" or "fragmentation-aware"; invalid_argument (field
// "strategy") for any other name.
Result<Profile> MakeProfile(std::string_view name);
// The names MakeProfile accepts.
std::vector<std::string> ProfileNames();

}  // namespace straits::placement
