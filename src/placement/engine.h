// Engine: decides where and when a lease runs. The heart of placement.
//
//   Result<Topology> topo = Topology::Build(fleet);
//   Calendar calendar(*topo);
//   Engine engine(*topo, *MakeProfile("fragmentation-aware"), &oracle);
//   Result<Decision> d = engine.Decide(request, calendar);
//   if (d.ok() && d->placed()) {
//     STRAITS_RETURN_IF_ERROR(engine.Reserve(lease_id, *d->placement, calendar));
//   } else if (d.ok()) {
//     for (const SiteReason& r : d->reasons) ...   // why each site was left out
//   }
//
// One decision runs the profile's pipeline (plugins.h) over the calendar as it is:
//   1. site filters, then model filters per (site, allowed model); a site with no
//      model left gets the reason of the filter that got furthest;
//   2. for each remaining (site, model), the earliest start in the window for
//      some node (node scope), some pod (pod scope) or the site (site scope), and
//      the GPUs chosen there by the profile's selector (between groups able to
//      start at the same instant, the selector's cheapest);
//   3. the candidates are scored by the profile's weighted scores; the best wins,
//      ties to the first site in preference order. The pairs are searched in the
//      order of the first start the calendar's capacity bounds allow them, and a
//      pair whose best possible score could not beat the best so far even at an
//      earlier start is searched only up to the start where it still could (not
//      at all when its bound is later), which keeps decisions cheap on large
//      fleets. Site-scoped pairs are searched a slice of starts at a time, in
//      the same order.
// Decide never changes the calendar: Reserve does, and refuses (resource_exhausted)
// if the calendar changed in between so that the placement no longer fits.
//
// Thread-safety: an Engine keeps search buffers, so one thread at a time may
// call Decide; use one Engine per thread (they may share Topology and Profile
// is owned). Reserve/Unreserve only touch the calendar passed in.
#pragma once

#include <optional>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "placement/calendar.h"
#include "placement/compliance.h"
#include "placement/decision.h"
#include "placement/fragmentation.h"
#include "placement/profile.h"
#include "placement/request.h"
#include "placement/topology.h"

namespace straits::placement {

struct DecideOptions {
  // Starts are never before `now` (the window is clipped to it).
  std::optional<Instant> now;
  // For sites short of capacity, search the whole window to say by how many
  // GPUs (SiteReason::short_by_gpus), and tell sites that lost on score apart
  // from sites that could not host the lease at all. Costs extra searches;
  // replays turn it off.
  bool explain = true;
  // Report why sites were not chosen (Decision::reasons). Replays that only need
  // the placement turn it off and save formatting a message per site.
  bool reasons = true;
  // Search the (site, model) pairs in preference order, without first ordering
  // them by their capacity bounds. The decision is the same either way (tests
  // check it); the ordered search is faster on many sites.
  bool in_preference_order = false;
  // Once this many candidates start when the window opens (nothing can start
  // earlier), a pair whose price and preference scores could be no higher than
  // theirs is not searched: it could only tie on start and differ in fit or
  // fragmentation. Like the Kubernetes scheduler's percentageOfNodesToScore,
  // it bounds the work on fleets of many similar sites; the engine does the
  // same inside a site with pods and nodes. 0 compares every pair. Two, not
  // four: on the ElasticFlow replay the fragmentation, accepted GPU-hours and
  // acceptance stay within 0.1 point, 0.1 % and 0.4 point of comparing every
  // pair, and fragmentation-aware decisions on the scale fleet are 14-22 %
  // faster than with four (docs/benchmarks.md).
  int32_t max_tied_candidates = 2;
};

class Engine {
 public:
  // `topology` and `oracle` must outlive the engine; a null oracle allows all.
  Engine(const Topology& topology, Profile profile, const SiteComplianceOracle* oracle = nullptr,
         WorkloadMix mix = WorkloadMix());

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const Profile& profile() const { return profile_; }
  const Topology& topology() const { return topology_; }
  const WorkloadMix& mix() const { return mix_; }
  void set_mix(WorkloadMix mix) { mix_ = std::move(mix); }

  // Validates `request` (errors: see CompileRequest) and decides. "Not placed"
  // is an OK result with reasons.
  Result<Decision> Decide(const Request& request, const Calendar& calendar,
                          const DecideOptions& options = {});
  // Decides an already validated request (compiled against this topology).
  Decision Decide(const CompiledRequest& request, const Calendar& calendar,
                  const DecideOptions& options = {});

  // Takes the placement's GPUs in `calendar` under `id`; see Calendar::Reserve
  // for the codes. Reserving the same placement twice under one id is a no-op.
  Status Reserve(ReservationId id, const Placement& placement, Calendar& calendar) const;
  // Releases `id`; idempotent.
  void Unreserve(ReservationId id, Calendar& calendar) const { calendar.Unreserve(id); }

 private:
  struct GroupChoice {
    Seconds start = 0;
    PodIndex pod = -1;
    double cost = 0;
    std::vector<NodeIndex> nodes;  // the group's nodes that the choice was made from
    std::vector<int32_t> free;     // their free GPUs over the window
    std::vector<Allocation> allocations;
  };

  // Earliest start in [earliest, horizon] for (site, model) and the GPUs to take.
  bool SearchSiteModel(const CycleState& state, SiteIndex site, ModelIndex model, Seconds earliest,
                       Seconds horizon, GroupChoice* out);
  // A lower bound on the earliest start of (site, model) in [earliest,
  // latest], from the calendar's capacity bounds alone (no change points
  // read); nullopt when they rule out every start there. The precision
  // matters for site scope only.
  std::optional<Seconds> FirstPossibleStart(const CycleState& state, SiteIndex site,
                                            ModelIndex model, Seconds earliest, Seconds latest,
                                            Calendar::BoundPrecision precision);
  // Most GPUs any group of (site, model) has free over a window in [earliest, latest].
  int64_t MaxFree(const CycleState& state, SiteIndex site, ModelIndex model, Seconds earliest,
                  Seconds latest);

  const Topology& topology_;
  Profile profile_;
  const SiteComplianceOracle* oracle_;
  WorkloadMix mix_;
  const ScorePlugin* start_score_ = nullptr;  // the EarliestStart plugin, if any
  double start_weight_ = 0;

  // Reused between decisions.
  SearchScratch scratch_;
  std::vector<NodeIndex> nodes_buf_;
  std::vector<int32_t> free_buf_;
  std::vector<Allocation> alloc_buf_;
  std::vector<std::pair<Seconds, CellIndex>> pod_order_;  // (first possible start, cell)
  std::vector<Seconds> node_first_;      // node scope: each node's first start its bounds allow
  std::vector<NodeIndex> search_nodes_;  // node scope: the nodes of a pod to search, and
  std::vector<Seconds> search_starts_;   // where each search starts
  std::vector<uint16_t> runs_buf_;
  GroupChoice group_buf_;
};

}  // namespace straits::placement
