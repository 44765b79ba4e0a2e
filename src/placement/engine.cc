#include "placement/engine.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "placement/score_horizon.h"

namespace straits::placement {
namespace {

const AllowAllOracle kAllowAll;

// Candidates kept per (site, model) once they all start at the window's
// beginning (nothing can start earlier, the rest could only tie); see
// SearchSiteModel.
constexpr size_t kMaxTiedNodes = 32;
constexpr int kMaxTiedPods = 4;

std::string TimeString(Seconds t) { return Instant::FromUnixSeconds(t).ToString(); }

std::string ScoreString(double score) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", score);
  return buf;
}

}  // namespace

std::string_view ReasonCodeName(ReasonCode code) {
  switch (code) {
    case ReasonCode::kNotRequested:
      return "not_requested";
    case ReasonCode::kComplianceDenied:
      return "compliance_denied";
    case ReasonCode::kNoMatchingHardware:
      return "no_matching_hardware";
    case ReasonCode::kOverPriceCap:
      return "over_price_cap";
    case ReasonCode::kCapacityShort:
      return "capacity_short";
    case ReasonCode::kNotChosen:
      return "not_chosen";
  }
  return "not_chosen";
}

Engine::Engine(const Topology& topology, Profile profile, const SiteComplianceOracle* oracle,
               WorkloadMix mix)
    : topology_(topology),
      profile_(std::move(profile)),
      oracle_(oracle != nullptr ? oracle : &kAllowAll),
      mix_(std::move(mix)) {
  for (const WeightedScore& s : profile_.scores) {
    if (dynamic_cast<const EarliestStartScore*>(s.plugin.get()) != nullptr) {
      start_score_ = s.plugin.get();
      start_weight_ += s.weight;
    }
  }
}

Result<Decision> Engine::Decide(const Request& request, const Calendar& calendar,
                                const DecideOptions& options) {
  STRAITS_ASSIGN_OR_RETURN(CompiledRequest compiled, CompileRequest(request, topology_));
  return Decide(compiled, calendar, options);
}

Status Engine::Reserve(ReservationId id, const Placement& placement, Calendar& calendar) const {
  STRAITS_ASSIGN_OR_RETURN(Interval interval,
                           Interval::Make(Instant::FromUnixSeconds(placement.start),
                                          Instant::FromUnixSeconds(placement.end)));
  return calendar.Reserve(id, interval, placement.allocations);
}

bool Engine::SearchSiteModel(const CycleState& state, SiteIndex site, ModelIndex model,
                             Seconds earliest, Seconds horizon, GroupChoice* out) {
  const Calendar& cal = state.calendar;
  const CompiledRequest& req = state.compiled;
  const int32_t gpus = req.gpus;
  const Seconds d = req.duration;
  const SelectPlugin& select = *profile_.select;
  bool found = false;
  Seconds limit = horizon;

  switch (req.scope) {
    case Scope::kNode: {
      // Every node on its own; keep those that tie for the earliest start. The
      // index rules out the site, then cells, then nodes, before any exact search.
      nodes_buf_.clear();
      const CapacityIndex& index = cal.index();
      using Level = CapacityIndex::Level;
      std::optional<Seconds> site_from = index.FirstPossible(
          Level::kSiteModelNode, site * topology_.num_models() + model, gpus, d, earliest, limit);
      if (!site_from) return false;
      // Every cell's bound below is a cache miss of its own: ask for them all
      // at once so that the misses overlap (measured: 8-GPU stream 1.09-1.10x).
      for (CellIndex c : topology_.SiteModelCells(site, model)) {
        index.PrefetchWindow(Level::kCellNode, c, *site_from, d);
      }
      // Each node's first start its bounds allow: from the window table, all of
      // a cell's nodes in one pass over its rows; else node by node.
      const bool by_rows = cal.windows().enabled();
      for (CellIndex c : topology_.SiteModelCells(site, model)) {
        const CellInfo& cell = topology_.cell(c);
        if (cell.max_node_gpus < gpus) continue;
        std::optional<Seconds> cell_from;  // node by node: the cell's first possible start
        if (by_rows) {
          // Only inside the runs of starts the cell's bound allows: between
          // them no node of the cell can start, and the rows need not be read.
          node_first_.assign(static_cast<size_t>(cell.end_node - cell.first_node),
                             CellWindowTable::kNoStart);
          bool possible = false;
          for (Seconds from = *site_from; from <= limit;) {
            std::optional<std::pair<Seconds, Seconds>> run =
                index.NextPossible(Level::kCellNode, c, gpus, d, from, limit);
            if (!run) break;
            // The rows of most-free counts are four times the reads of the block
            // minima, which rule out most runs of long leases (a node free at
            // some instant of every hour is seldom free through them all).
            if (!cal.windows().AnyNodeMayHold(c, gpus, d, run->first, run->second)) {
              from = run->second + 1;
              continue;
            }
            possible = true;
            if (cal.windows().NodeFirstStarts(c, gpus, d, run->first, run->second, node_first_,
                                              runs_buf_) == 0) {
              break;
            }
            from = run->second + 1;
          }
          if (!possible) continue;
        } else {
          cell_from = index.FirstPossible(Level::kCellNode, c, gpus, d, *site_from, limit);
          if (!cell_from) continue;
          for (NodeIndex n = cell.first_node; n < cell.end_node; ++n) {
            index.PrefetchWindow(Level::kNode, n, *cell_from, d);
          }
        }
        if (by_rows) {
          // The nodes searched below, each from its first start: their change
          // points read at once, before the searches read them one by one.
          search_nodes_.clear();
          search_starts_.clear();
          for (NodeIndex n = cell.first_node; n < cell.end_node; ++n) {
            const Seconds f = node_first_[static_cast<size_t>(n - cell.first_node)];
            if (f == CellWindowTable::kNoStart || f > limit || cal.capacity(n) < gpus) continue;
            search_nodes_.push_back(n);
            search_starts_.push_back(f);
          }
          cal.LoadFirstPoints(search_nodes_, search_starts_, scratch_);
        }
        for (NodeIndex n = cell.first_node; n < cell.end_node; ++n) {
          if (cal.capacity(n) < gpus) continue;
          std::optional<Seconds> node_from;
          if (!by_rows) {
            node_from = index.FirstPossible(Level::kNode, n, gpus, d, *cell_from, limit);
          } else if (const Seconds f = node_first_[static_cast<size_t>(n - cell.first_node)];
                     f != CellWindowTable::kNoStart && f <= limit) {
            node_from = f;
          }
          if (!node_from) continue;
          std::optional<Seconds> s = cal.EarliestStartOnNode(n, gpus, d, *node_from, limit);
          if (!s) continue;
          if (!found || *s < limit) nodes_buf_.clear();
          found = true;
          limit = *s;
          nodes_buf_.push_back(n);
          // Nothing starts before `earliest`: once enough nodes tie there, the
          // rest could only tie too. Like the Kubernetes scheduler's
          // percentageOfNodesToScore, stop collecting and score these.
          if (limit == earliest && nodes_buf_.size() >= kMaxTiedNodes) break;
        }
        if (found && limit == earliest && nodes_buf_.size() >= kMaxTiedNodes) break;
      }
      if (!found) return false;
      out->start = limit;
      out->nodes = nodes_buf_;
      out->free.resize(out->nodes.size());
      for (size_t i = 0; i < out->nodes.size(); ++i) {
        out->free[i] = cal.FreeGpus(out->nodes[i], limit, limit + d);
      }
      out->cost = select.Select(state, out->nodes, out->free, gpus, true, &out->allocations);
      out->pod = topology_.node(out->allocations.front().node).pod;
      return true;
    }
    case Scope::kPod: {
      // No pod of the site can start before the site-wide bound allows.
      const int32_t group = site * topology_.num_models() + model;
      std::optional<Seconds> first = cal.index().FirstPossible(CapacityIndex::Level::kSiteModelPod,
                                                               group, gpus, d, earliest, limit);
      if (!first) return false;
      // Search the pods in the order of the first start their bounds allow, so
      // that once a pod can start at s, every pod whose bound is later than s
      // is passed over without touching its nodes. A pod whose bound is the
      // site's is searched as soon as it is met (pods with equal bounds go in
      // pod order), so once enough pods tie at the window's start the rest
      // need no bound at all.
      cal.index().PrefetchGroupCells(group, gpus, *first, d);
      int tied_pods = 0;
      CellIndex best_cell = -1;
      // Searches pod `c` from `bound`; true once enough pods tie at the start.
      auto search_pod = [&](Seconds bound, CellIndex c) {
        const CellInfo& cell = topology_.cell(c);
        std::span<const NodeIndex> nodes = topology_.NodeSpan(cell.first_node, cell.end_node);
        std::optional<Seconds> s = cal.EarliestStartInGroup(
            CapacityIndex::Level::kCell, c, nodes, gpus, d, bound, limit, scratch_, &free_buf_);
        if (!s) return false;
        const double cost = select.Select(state, nodes, free_buf_, gpus, false, &alloc_buf_);
        // Earlier wins; at the same start, the selector's cheaper group, then the
        // first pod of the site.
        if (!found || *s < limit || cost < out->cost || (cost == out->cost && c < best_cell)) {
          out->start = *s;
          out->pod = cell.pod;
          out->cost = cost;
          out->nodes.assign(nodes.begin(), nodes.end());
          out->free = free_buf_;
          out->allocations = alloc_buf_;
          best_cell = c;
        }
        if (found && *s == limit && *s == earliest) ++tied_pods;
        found = true;
        limit = *s;
        return limit == earliest && tied_pods + 1 >= kMaxTiedPods;
      };
      pod_order_.clear();  // pods whose bound is later than the site's
      for (CellIndex c : topology_.SiteModelCells(site, model)) {
        if (topology_.cell(c).gpus < gpus) continue;
        std::optional<Seconds> bound =
            cal.index().FirstPossible(CapacityIndex::Level::kCell, c, gpus, d, *first, limit);
        if (!bound) continue;
        if (*bound != *first) {
          pod_order_.emplace_back(*bound, c);
        } else if (search_pod(*bound, c)) {
          return true;
        }
      }
      std::sort(pod_order_.begin(), pod_order_.end());
      for (const auto& [bound, c] : pod_order_) {
        if (bound > limit || search_pod(bound, c)) break;
      }
      return found;
    }
    case Scope::kSite: {
      std::span<const NodeIndex> nodes = topology_.SiteModelNodes(site, model);
      std::optional<Seconds> s = cal.EarliestStartInGroup(
          CapacityIndex::Level::kSiteModel, site * topology_.num_models() + model, nodes, gpus, d,
          earliest, limit, scratch_, &free_buf_);
      if (!s) return false;
      out->start = *s;
      out->nodes.assign(nodes.begin(), nodes.end());
      out->free = free_buf_;
      out->cost = select.Select(state, out->nodes, out->free, gpus, false, &out->allocations);
      out->pod = topology_.node(out->allocations.front().node).pod;
      for (const Allocation& a : out->allocations) {
        if (topology_.node(a.node).pod != out->pod) out->pod = -1;
      }
      return true;
    }
  }
  return false;
}

std::optional<Seconds> Engine::FirstPossibleStart(const CycleState& state, SiteIndex site,
                                                  ModelIndex model, Seconds earliest,
                                                  Seconds latest,
                                                  Calendar::BoundPrecision precision) {
  const Calendar& cal = state.calendar;
  const CompiledRequest& req = state.compiled;
  const int32_t group = site * topology_.num_models() + model;
  using Level = CapacityIndex::Level;
  switch (req.scope) {
    case Scope::kNode:
      return cal.index().FirstPossible(Level::kSiteModelNode, group, req.gpus, req.duration,
                                       earliest, latest);
    case Scope::kPod:
      return cal.index().FirstPossible(Level::kSiteModelPod, group, req.gpus, req.duration,
                                       earliest, latest);
    case Scope::kSite:
      return cal.FirstPossibleInGroup(Level::kSiteModel, group,
                                      topology_.SiteModelNodes(site, model), req.gpus, req.duration,
                                      earliest, latest, precision, scratch_);
  }
  return std::nullopt;
}

int64_t Engine::MaxFree(const CycleState& state, SiteIndex site, ModelIndex model, Seconds earliest,
                        Seconds latest) {
  const Calendar& cal = state.calendar;
  const CompiledRequest& req = state.compiled;
  int64_t best = 0;
  switch (req.scope) {
    case Scope::kNode:
      for (CellIndex c : topology_.SiteModelCells(site, model)) {
        const CellInfo& cell = topology_.cell(c);
        for (NodeIndex n = cell.first_node; n < cell.end_node; ++n) {
          if (cal.capacity(n) < req.gpus) continue;
          best = std::max(best, cal.MaxFreeInWindows(topology_.NodeSpan(n, n + 1), req.duration,
                                                     earliest, latest, scratch_));
        }
      }
      return best;
    case Scope::kPod:
      for (CellIndex c : topology_.SiteModelCells(site, model)) {
        const CellInfo& cell = topology_.cell(c);
        if (cell.gpus < req.gpus) continue;
        best =
            std::max(best, cal.MaxFreeInWindows(topology_.NodeSpan(cell.first_node, cell.end_node),
                                                req.duration, earliest, latest, scratch_));
      }
      return best;
    case Scope::kSite:
      return cal.MaxFreeInWindows(topology_.SiteModelNodes(site, model), req.duration, earliest,
                                  latest, scratch_);
  }
  return best;
}

Decision Engine::Decide(const CompiledRequest& request, const Calendar& calendar,
                        const DecideOptions& options) {
  const Topology& topo = topology_;
  CycleState state{.topology = topo,
                   .calendar = calendar,
                   .request = *request.source,
                   .compiled = request,
                   .mix = mix_,
                   .oracle = *oracle_};
  // The price range of what the request may use, for the Price score.
  bool any_price = false;
  for (SiteIndex s = 0; s < topo.num_sites(); ++s) {
    for (ModelIndex m : request.models) {
      const std::optional<Money>& p = topo.Price(s, m);
      if (!p) continue;
      if (!any_price || p->minor_units() < state.min_price_minor) {
        state.min_price_minor = p->minor_units();
      }
      if (!any_price || p->minor_units() > state.max_price_minor) {
        state.max_price_minor = p->minor_units();
      }
      any_price = true;
    }
  }

  Seconds earliest = request.earliest_start;
  if (options.now) earliest = std::max(earliest, options.now->unix_seconds());
  const Seconds latest = request.latest_start;

  // Sites in preference order: listed ones by rank, then the rest by index.
  std::vector<SiteIndex> order(static_cast<size_t>(topo.num_sites()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&request](SiteIndex a, SiteIndex b) {
    const int32_t ra = request.site_rank[static_cast<size_t>(a)];
    const int32_t rb = request.site_rank[static_cast<size_t>(b)];
    if ((ra < 0) != (rb < 0)) return ra >= 0;
    return ra < rb;
  });

  std::vector<std::optional<SiteReason>> reasons(static_cast<size_t>(topo.num_sites()));
  auto reject = [&reasons](SiteIndex site, ReasonCode code, std::string_view plugin,
                           std::string message) {
    reasons[static_cast<size_t>(site)] = SiteReason{.site = site,
                                                    .code = code,
                                                    .plugin = std::string(plugin),
                                                    .message = std::move(message),
                                                    .short_by_gpus = -1};
  };

  std::vector<Candidate> candidates;
  int best = -1;
  double best_score = 0;
  // (site, model) pairs searched only up to a horizon short of the window's end.
  std::vector<std::pair<SiteIndex, ModelIndex>> cut_short;
  std::vector<std::pair<SiteIndex, ModelIndex>> searched;
  // Pairs passed over because enough candidates tied at the window's start.
  std::vector<std::pair<SiteIndex, ModelIndex>> not_compared;
  int32_t tied = 0;
  double tied_rest = 0;  // the lowest `rest` of the pairs of those candidates

  // The (site, model) pairs that pass the filters, each with its rank in
  // preference order (ties between equal scores go to the lower rank).
  struct Pair {
    SiteIndex site;
    ModelIndex model;
    int32_t rank;
    Seconds bound;  // no start before it can be feasible
    double rest;    // bound on the scores other than the start's, weighted
  };
  std::vector<Pair> pairs;
  for (SiteIndex site : order) {
    bool site_rejected = false;
    for (const auto& filter : profile_.site_filters) {
      if (std::optional<Rejection> r = filter->Filter(state, site)) {
        reject(site, r->code, filter->Name(), std::move(r->message));
        site_rejected = true;
        break;
      }
    }
    if (site_rejected) continue;

    // Model filters; remember the rejection that got furthest down the chain.
    std::vector<ModelIndex> models;
    size_t furthest = 0;
    std::optional<Rejection> furthest_rejection;
    std::string_view furthest_plugin;
    for (ModelIndex m : request.models) {
      bool passed = true;
      for (size_t f = 0; f < profile_.model_filters.size(); ++f) {
        std::optional<Rejection> r = profile_.model_filters[f]->Filter(state, site, m);
        if (!r) continue;
        passed = false;
        if (!furthest_rejection || f > furthest) {
          furthest = f;
          furthest_plugin = profile_.model_filters[f]->Name();
          furthest_rejection = std::move(r);
        }
        break;
      }
      if (passed) models.push_back(m);
    }
    if (models.empty()) {
      reject(site, furthest_rejection->code, furthest_plugin,
             std::move(furthest_rejection->message));
      continue;
    }
    for (ModelIndex model : models) {
      double rest = 0;
      for (const WeightedScore& s : profile_.scores) {
        if (s.plugin.get() != start_score_) rest += s.weight * s.plugin->Bound(state, site, model);
      }
      pairs.push_back(Pair{.site = site,
                           .model = model,
                           .rank = static_cast<int32_t>(pairs.size()),
                           .bound = earliest,
                           .rest = rest});
    }
  }

  // Search the pairs in the order of the first start their capacity bounds
  // allow, so that the pair most likely to start first is searched first and
  // the others, whose bounds already start too late to beat it, are passed
  // over without a search. The bounds are refined lazily: every pair gets the
  // cheap one, and only a pair that comes first gets the finer (dearer) one
  // before it is searched. A pair the bounds rule out entirely has nothing.
  const bool ordered = pairs.size() > 1 && !options.in_preference_order && earliest <= latest;
  const bool refine = request.scope == Scope::kSite;
  std::vector<bool> refined(pairs.size(), !refine);
  // Per pair (by rank), the length of its next search slice (see below).
  std::vector<Seconds> slices(pairs.size(),
                              std::max(calendar.index().bucket_width(), request.duration / 2));
  if (ordered) {
    size_t kept = 0;
    for (const Pair& pair : pairs) {
      std::optional<Seconds> bound = FirstPossibleStart(
          state, pair.site, pair.model, earliest, latest,
          refine ? Calendar::BoundPrecision::kBlocks : Calendar::BoundPrecision::kBuckets);
      if (!bound) {
        searched.emplace_back(pair.site, pair.model);
        continue;
      }
      pairs[kept] = pair;
      pairs[kept++].bound = *bound;
    }
    pairs.resize(kept);
  }
  // Min-heap on (bound, -rest, rank): of the pairs that may start equally
  // early, the one whose other scores could be highest comes first, so that
  // the candidate the others must beat is found early and they are passed over.
  auto comes_after = [](const Pair& a, const Pair& b) {
    if (a.bound != b.bound) return a.bound > b.bound;
    if (a.rest != b.rest) return a.rest < b.rest;
    return a.rank > b.rank;
  };
  if (ordered) std::make_heap(pairs.begin(), pairs.end(), comes_after);
  // Puts a pair back in line with a later bound.
  auto requeue = [&](const Pair& pair, Seconds bound) {
    pairs.push_back(pair);
    pairs.back().bound = bound;
    std::push_heap(pairs.begin(), pairs.end(), comes_after);
  };
  size_t next_in_order = 0;
  auto next_pair = [&]() -> std::optional<Pair> {
    if (!ordered) {
      if (next_in_order >= pairs.size()) return std::nullopt;
      return pairs[next_in_order++];
    }
    if (pairs.empty()) return std::nullopt;
    std::pop_heap(pairs.begin(), pairs.end(), comes_after);
    Pair top = pairs.back();
    pairs.pop_back();
    return top;
  };

  int32_t best_rank = 0;
  while (std::optional<Pair> next = next_pair()) {
    const Pair& pair = *next;
    const SiteIndex site = pair.site;
    const ModelIndex model = pair.model;
    const int32_t preference = request.site_rank[static_cast<size_t>(site)];
    // How late a start could still beat the best candidate so far (or tie with
    // it, for a pair ranked before it).
    Seconds horizon = latest;
    if (best >= 0) {
      // What the start score must bring in; a pair ranked after the best must
      // beat it strictly, one ranked before wins a tie.
      const double needed = best_score - pair.rest;
      horizon = start_weight_ > 0 ? LatestStartReaching(needed / start_weight_, request.duration,
                                                        earliest, latest, pair.rank < best_rank)
                : needed > 0      ? earliest - 1
                                  : latest;
    }
    if (horizon < pair.bound) {
      if (horizon < latest) cut_short.emplace_back(site, model);
      continue;
    }
    if (options.max_tied_candidates > 0 && tied >= options.max_tied_candidates &&
        pair.rest <= tied_rest) {
      not_compared.emplace_back(site, model);
      continue;
    }
    if (ordered && !refined[static_cast<size_t>(pair.rank)]) {
      // Refine the bound and put the pair back in line.
      refined[static_cast<size_t>(pair.rank)] = true;
      // Only starts by the horizon matter: it only comes earlier as better
      // candidates are found, so a pair with none by then is never searched,
      // and the bounds past it need not be computed (measured: 1,024-GPU site
      // decisions +7.5 %, docs/benchmarks.md). Such a pair is cut short, as a
      // search up to the horizon would have left it; with `explain` it is
      // searched over the whole window below, to tell why.
      std::optional<Seconds> bound = FirstPossibleStart(state, site, model, pair.bound, horizon,
                                                        Calendar::BoundPrecision::kBuckets);
      if (!bound) {
        if (horizon < latest) {
          cut_short.emplace_back(site, model);
        } else {
          searched.emplace_back(site, model);
        }
        continue;
      }
      requeue(pair, *bound);
      continue;
    }
    // A site-scoped search may start at the bound (nothing earlier is
    // feasible); node and pod searches count ties from the window's start.
    const Seconds from = request.scope == Scope::kSite ? pair.bound : earliest;
    // Site-scoped pairs are searched a slice of starts at a time, and a pair
    // with none in its slice goes back in line behind the pairs that may
    // start earlier. The bounds of short leases seldom tell sites apart, and
    // a site searched to the end of the window first, only to start hours
    // later, cost more than the sites that start first; once one of those is
    // found, the rest are searched only up to the start that could still beat
    // it (measured: 1,024-GPU decisions' p99 -6 to -11 %, docs/benchmarks.md).
    // The first slice is one bucket of the capacity index (half an hour by
    // default) or half the lease, whichever is longer, and each next one of a
    // pair twice its last, so that a pair with no start for weeks is not
    // searched a bucket at a time.
    Seconds& slice = slices[static_cast<size_t>(pair.rank)];
    const Seconds to =
        ordered && refine && slice > 0 && horizon - from > slice ? from + slice : horizon;
    const bool found = SearchSiteModel(state, site, model, from, to, &group_buf_);
    if (!found && to < horizon) {
      slice = std::min(2 * slice, kFarFuture);
      requeue(pair, to + 1);
      continue;
    }
    if (horizon < latest) cut_short.emplace_back(site, model);
    searched.emplace_back(site, model);
    if (!found) continue;

    Candidate cand;
    cand.placement.site = site;
    cand.placement.model = model;
    cand.placement.pod = group_buf_.pod;
    cand.placement.start = group_buf_.start;
    cand.placement.end = group_buf_.start + request.duration;
    cand.placement.allocations = group_buf_.allocations;
    cand.placement.price_per_gpu_hour = topo.Price(site, model);
    cand.price_minor =
        cand.placement.price_per_gpu_hour ? cand.placement.price_per_gpu_hour->minor_units() : -1;
    cand.site_rank = preference;
    cand.fit = MeasureFit(state, group_buf_.nodes, group_buf_.free, group_buf_.allocations);
    double score = 0;
    for (const WeightedScore& s : profile_.scores) score += s.weight * s.plugin->Score(state, cand);
    cand.placement.score = score;
    if (group_buf_.start == earliest) {
      tied_rest = tied == 0 ? pair.rest : std::min(tied_rest, pair.rest);
      ++tied;
    }
    candidates.push_back(std::move(cand));
    if (best < 0 || score > best_score || (score == best_score && pair.rank < best_rank)) {
      best = static_cast<int>(candidates.size()) - 1;
      best_score = score;
      best_rank = pair.rank;
    }
  }

  Decision decision;
  if (best >= 0) decision.placement = std::move(candidates[static_cast<size_t>(best)].placement);
  if (!options.reasons) return decision;
  const SiteIndex chosen = best >= 0 ? decision.placement->site : -1;

  // Reasons for every site that passed the filters but was not chosen.
  std::vector<const Candidate*> site_best(static_cast<size_t>(topo.num_sites()), nullptr);
  for (const Candidate& c : candidates) {
    if (c.placement.site == chosen) continue;
    const Candidate*& slot = site_best[static_cast<size_t>(c.placement.site)];
    if (slot == nullptr || c.placement.score > slot->placement.score) slot = &c;
  }
  for (SiteIndex site : order) {
    if (site == chosen || reasons[static_cast<size_t>(site)]) continue;
    const Candidate* c = site_best[static_cast<size_t>(site)];
    bool was_cut = false, was_searched = false, was_passed = false;
    for (const auto& [s, m] : cut_short) was_cut |= s == site;
    for (const auto& [s, m] : searched) was_searched |= s == site;
    for (const auto& [s, m] : not_compared) was_passed |= s == site;
    if (!was_cut && !was_searched && !was_passed) continue;  // filtered out above
    if (c != nullptr) {
      reject(site, ReasonCode::kNotChosen, "Score",
             "could start at " + TimeString(c->placement.start) + " with score " +
                 ScoreString(c->placement.score) + "; the chosen site scored " +
                 ScoreString(best_score));
      continue;
    }
    if (was_passed) {
      reject(site, ReasonCode::kNotChosen, "Score",
             "not compared: " + std::to_string(tied) + (tied == 1 ? " candidate" : " candidates") +
                 " at no better price or preference start" + (tied == 1 ? "s" : "") +
                 " when the window opens");
      continue;
    }
    if (was_cut && !options.explain) {
      reject(site, ReasonCode::kNotChosen, "Score",
             "no start early enough to beat the chosen site's score of " + ScoreString(best_score));
      continue;
    }
    // Nothing found: either short of capacity over the whole window, or (when the
    // search was cut short) able to host only later than could win.
    int64_t most_free = -1;
    std::optional<Seconds> later;
    if (options.explain) {
      most_free = 0;
      for (const auto& [s, m] : searched) {
        if (s == site) most_free = std::max(most_free, MaxFree(state, s, m, earliest, latest));
      }
      for (const auto& [s, m] : cut_short) {
        if (s != site) continue;
        if (SearchSiteModel(state, s, m, earliest, latest, &group_buf_) &&
            (!later || group_buf_.start < *later)) {
          later = group_buf_.start;
        }
        most_free = std::max(most_free, MaxFree(state, s, m, earliest, latest));
      }
    }
    if (later) {
      reject(site, ReasonCode::kNotChosen, "Score",
             "could start only at " + TimeString(*later) + ", too late to beat the score of " +
                 ScoreString(best_score));
      continue;
    }
    std::string message = "not enough free GPUs for the whole lease between " +
                          TimeString(earliest) + " and " +
                          (latest >= kFarFuture ? std::string("the end of the calendar")
                                                : TimeString(latest + request.duration));
    reject(site, ReasonCode::kCapacityShort, "FindWindow", std::move(message));
    if (most_free >= 0) {
      reasons[static_cast<size_t>(site)]->short_by_gpus = request.gpus - most_free;
      reasons[static_cast<size_t>(site)]->message +=
          ": short by " + std::to_string(request.gpus - most_free) + " GPUs";
    }
  }
  for (SiteIndex site = 0; site < topo.num_sites(); ++site) {
    if (reasons[static_cast<size_t>(site)]) {
      decision.reasons.push_back(std::move(*reasons[static_cast<size_t>(site)]));
    }
  }
  return decision;
}

}  // namespace straits::placement
