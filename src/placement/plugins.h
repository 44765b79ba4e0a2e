// The placement pipeline's extension points and the built-in plugins, in the
// spirit of the Kubernetes scheduler framework: each decision runs over an
// immutable CycleState (topology, calendar, request), and small plugins answer at
// named points:
//
//   SiteFilter   may the site be used at all?          RequestedSites, Compliance
//   ModelFilter  may this model at this site be used?  ModelPresent, ModelCompliance,
//                                                      GroupSize, PriceCap
//   FindWindow   earliest start in the window, per     (the calendar search;
//                node / pod / site group               see engine.cc)
//   Select       which GPUs on which nodes             FirstFit, BestFit,
//                                                      LeastFragmentation
//   Score        rank the (site, model) candidates     EarliestStart, Price,
//                                                      SitePreference, BestFit,
//                                                      LeastFragmentation
//   Reserve / Unreserve                                Engine::Reserve (idempotent)
//
// A filter that rejects returns the reason; the engine reports, for each site it
// leaves out, the rejection of the filter that got furthest, with the plugin's
// name. A Profile (profile.h) is a named list of plugins and score weights.
//
// Scores are absolute, in [0, 100], computed from the candidate alone (and from
// per-decision constants such as the fleet's price range), so the engine can
// bound the score a later start could still reach and stop searching early.
//
// Thread-safety: plugins are stateless; const methods may be called concurrently.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "placement/calendar.h"
#include "placement/compliance.h"
#include "placement/decision.h"
#include "placement/fragmentation.h"
#include "placement/request.h"
#include "placement/topology.h"

namespace straits::placement {

// Everything one decision cycle sees; nothing in it changes during the cycle.
struct CycleState {
  const Topology& topology;
  const Calendar& calendar;
  const Request& request;
  const CompiledRequest& compiled;
  const WorkloadMix& mix;
  const SiteComplianceOracle& oracle;
  // Price range of the allowed models over all sites, for the Price score.
  int64_t min_price_minor = 0;
  int64_t max_price_minor = 0;
};

struct Rejection {
  ReasonCode code = ReasonCode::kNoMatchingHardware;
  std::string message;
};

class SiteFilterPlugin {
 public:
  virtual ~SiteFilterPlugin() = default;
  virtual std::string_view Name() const = 0;
  // nullopt when the site passes.
  virtual std::optional<Rejection> Filter(const CycleState& state, SiteIndex site) const = 0;
};

class ModelFilterPlugin {
 public:
  virtual ~ModelFilterPlugin() = default;
  virtual std::string_view Name() const = 0;
  // Called only for models the request allows; nullopt when (site, model) passes.
  virtual std::optional<Rejection> Filter(const CycleState& state, SiteIndex site,
                                          ModelIndex model) const = 0;
};

// How a lease's GPUs were spread, measured on the free GPUs of the window.
struct FitMetrics {
  int64_t leftover = 0;   // GPUs still free on the touched nodes afterwards
  double frag_delta = 0;  // change of the nodes' expected fragmentation (FGD)
  int32_t nodes = 0;      // nodes touched
};

// Measures taking `allocations` from nodes with `free` GPUs free (same order as
// `nodes`; allocations may name any subset of them).
FitMetrics MeasureFit(const CycleState& state, std::span<const NodeIndex> nodes,
                      std::span<const int32_t> free, std::span<const Allocation> allocations);

class SelectPlugin {
 public:
  virtual ~SelectPlugin() = default;
  virtual std::string_view Name() const = 0;
  // Chooses `gpus` GPUs among `nodes`, whose free GPUs over the window are
  // `free` (sum >= gpus; with `one_node`, some node has >= gpus). Writes the
  // allocations to `out` (cleared first) and returns a cost: between groups that
  // can start at the same time, the engine keeps the cheapest.
  virtual double Select(const CycleState& state, std::span<const NodeIndex> nodes,
                        std::span<const int32_t> free, int32_t gpus, bool one_node,
                        std::vector<Allocation>* out) const = 0;
};

// One way to place the request: a (site, model) pair at its best group and start.
struct Candidate {
  Placement placement;
  int64_t price_minor = -1;  // -1 when the site has no price for the model
  int32_t site_rank = -1;    // request's preference rank of the site, -1 if unlisted
  FitMetrics fit;
};

class ScorePlugin {
 public:
  virtual ~ScorePlugin() = default;
  virtual std::string_view Name() const = 0;
  // The candidate's score in [0, 100]; higher is better.
  virtual double Score(const CycleState& state, const Candidate& candidate) const = 0;
  // An upper bound of Score over every candidate at `site` with `model`, whatever
  // its start and nodes. 100 unless the plugin knows better.
  virtual double Bound(const CycleState& state, SiteIndex site, ModelIndex model) const {
    (void)state, (void)site, (void)model;
    return 100;
  }
};

// ---- Built-in plugins ----

// Site filters.
class RequestedSitesFilter final : public SiteFilterPlugin {
 public:
  std::string_view Name() const override { return "RequestedSites"; }
  std::optional<Rejection> Filter(const CycleState& state, SiteIndex site) const override;
};
class ComplianceFilter final : public SiteFilterPlugin {
 public:
  std::string_view Name() const override { return "Compliance"; }
  std::optional<Rejection> Filter(const CycleState& state, SiteIndex site) const override;
};

// Model filters, in pipeline order.
class ModelPresentFilter final : public ModelFilterPlugin {
 public:
  std::string_view Name() const override { return "ModelPresent"; }
  std::optional<Rejection> Filter(const CycleState& state, SiteIndex site,
                                  ModelIndex model) const override;
};
class ModelComplianceFilter final : public ModelFilterPlugin {
 public:
  std::string_view Name() const override { return "ModelCompliance"; }
  std::optional<Rejection> Filter(const CycleState& state, SiteIndex site,
                                  ModelIndex model) const override;
};
// Is some node (node scope), pod (pod scope) or the site (site scope) big enough?
class GroupSizeFilter final : public ModelFilterPlugin {
 public:
  std::string_view Name() const override { return "GroupSize"; }
  std::optional<Rejection> Filter(const CycleState& state, SiteIndex site,
                                  ModelIndex model) const override;
};
class PriceCapFilter final : public ModelFilterPlugin {
 public:
  std::string_view Name() const override { return "PriceCap"; }
  std::optional<Rejection> Filter(const CycleState& state, SiteIndex site,
                                  ModelIndex model) const override;
};

// Selectors.
// Lowest node indices first.
class FirstFitSelect final : public SelectPlugin {
 public:
  std::string_view Name() const override { return "FirstFit"; }
  double Select(const CycleState& state, std::span<const NodeIndex> nodes,
                std::span<const int32_t> free, int32_t gpus, bool one_node,
                std::vector<Allocation>* out) const override;
};
// Whole free nodes for the bulk, the tightest node that fits for the rest; cost
// is the GPUs left free on the touched nodes.
class BestFitSelect final : public SelectPlugin {
 public:
  std::string_view Name() const override { return "BestFit"; }
  double Select(const CycleState& state, std::span<const NodeIndex> nodes,
                std::span<const int32_t> free, int32_t gpus, bool one_node,
                std::vector<Allocation>* out) const override;
};
// Like BestFit, but the rest goes where fragmentation grows least (FGD); cost is
// the fragmentation change.
class LeastFragmentationSelect final : public SelectPlugin {
 public:
  std::string_view Name() const override { return "LeastFragmentation"; }
  double Select(const CycleState& state, std::span<const NodeIndex> nodes,
                std::span<const int32_t> free, int32_t gpus, bool one_node,
                std::vector<Allocation>* out) const override;
};

// Scores.
// 100 for a start at earliest_start, 100 * d / (d + delay) later.
class EarliestStartScore final : public ScorePlugin {
 public:
  std::string_view Name() const override { return "EarliestStart"; }
  double Score(const CycleState& state, const Candidate& candidate) const override;
};
// 100 for the cheapest allowed model in the fleet, 0 for the dearest; 50 unpriced.
class PriceScore final : public ScorePlugin {
 public:
  std::string_view Name() const override { return "Price"; }
  double Score(const CycleState& state, const Candidate& candidate) const override;
  double Bound(const CycleState& state, SiteIndex site, ModelIndex model) const override;
};
// 100 / (1 + rank) for listed sites, 0 for the others.
class SitePreferenceScore final : public ScorePlugin {
 public:
  std::string_view Name() const override { return "SitePreference"; }
  double Score(const CycleState& state, const Candidate& candidate) const override;
  double Bound(const CycleState& state, SiteIndex site, ModelIndex model) const override;
};
// 100 * gpus / (gpus + leftover): tight placements score high.
class BestFitScore final : public ScorePlugin {
 public:
  std::string_view Name() const override { return "BestFit"; }
  double Score(const CycleState& state, const Candidate& candidate) const override;
};
// 50 * (1 - frag_delta / gpus), clamped to [0, 100]: placements that remove
// fragmentation score above 50, ones that add it below.
class LeastFragmentationScore final : public ScorePlugin {
 public:
  std::string_view Name() const override { return "LeastFragmentation"; }
  double Score(const CycleState& state, const Candidate& candidate) const override;
  // Taking GPUs lowers the fragmentation sum by at most the mix's steepest
  // drop per GPU (WorkloadMix::SteepestDropPerGpu) times the GPUs taken, which
  // bounds the score for every scope. On one node, taking k of its f free GPUs
  // also removes at most the f - k others' fragmentation, so the score is at
  // most 50 * (1 + (f - k) / k): exactly 50 for requests of a whole node.
  double Bound(const CycleState& state, SiteIndex site, ModelIndex model) const override;
};

}  // namespace straits::placement
