#include "placement/profile.h"

namespace straits::placement {
namespace {

// The filters every profile runs; only selection and scoring differ.
void AddFilters(Profile& p) {
  p.site_filters.push_back(std::make_unique<RequestedSitesFilter>());
  p.site_filters.push_back(std::make_unique<ComplianceFilter>());
  p.model_filters.push_back(std::make_unique<ModelPresentFilter>());
  p.model_filters.push_back(std::make_unique<ModelComplianceFilter>());
  p.model_filters.push_back(std::make_unique<GroupSizeFilter>());
  p.model_filters.push_back(std::make_unique<PriceCapFilter>());
}

}  // namespace

Result<Profile> MakeProfile(std::string_view name) {
  Profile p;
  p.name = std::string(name);
  AddFilters(p);
  if (name == "first-fit") {
    p.select = std::make_unique<FirstFitSelect>();
    p.scores.push_back({std::make_unique<EarliestStartScore>(), 1});
    return p;
  }
  // A start delayed by a tenth of the lease's duration costs about as much as
  // the whole range of any one secondary score: waiting dominates, the rest
  // decides between starts that are close. The first preferred site outweighs
  // price and fit together.
  if (name == "best-fit") {
    p.select = std::make_unique<BestFitSelect>();
    p.scores.push_back({std::make_unique<EarliestStartScore>(), 10});
    p.scores.push_back({std::make_unique<BestFitScore>(), 1});
    p.scores.push_back({std::make_unique<PriceScore>(), 1});
    p.scores.push_back({std::make_unique<SitePreferenceScore>(), 5});
    return p;
  }
  if (name == "fragmentation-aware") {
    p.select = std::make_unique<LeastFragmentationSelect>();
    p.scores.push_back({std::make_unique<EarliestStartScore>(), 10});
    p.scores.push_back({std::make_unique<LeastFragmentationScore>(), 1});
    p.scores.push_back({std::make_unique<PriceScore>(), 1});
    p.scores.push_back({std::make_unique<SitePreferenceScore>(), 5});
    return p;
  }
  return InvalidArgument("unknown strategy \"" + std::string(name) +
                             "\": expected first-fit, best-fit or fragmentation-aware",
                         "strategy");
}

std::vector<std::string> ProfileNames() { return {"first-fit", "best-fit", "fragmentation-aware"}; }

}  // namespace straits::placement
