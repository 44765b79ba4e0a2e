#include "placement/plugins.h"

#include <algorithm>
#include <numeric>

namespace straits::placement {
namespace {

std::string ModelName(const CycleState& state, ModelIndex model) {
  return state.topology.model(model).id.str();
}

// Sorts `out` by node, as Placement promises.
void SortByNode(std::vector<Allocation>* out) {
  std::sort(out->begin(), out->end(),
            [](const Allocation& a, const Allocation& b) { return a.node < b.node; });
}

// Indices of `free` ordered by free GPUs, largest first (stable, so ties keep
// node order). Free counts are small, so a counting sort does it in linear
// time; a site-scoped search orders hundreds of nodes per candidate.
std::vector<size_t> LargestFirst(std::span<const int32_t> free) {
  constexpr int32_t kMaxCounted = 256;
  std::vector<size_t> order(free.size());
  const auto [lo, hi] = std::minmax_element(free.begin(), free.end());
  if (free.empty() || *lo < 0 || *hi > kMaxCounted) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&free](size_t a, size_t b) { return free[a] > free[b]; });
    return order;
  }
  // next[v]: where the next node with v free goes; larger counts come first.
  std::vector<size_t> next(static_cast<size_t>(*hi) + 2, 0);
  for (int32_t f : free) ++next[static_cast<size_t>(*hi - f) + 1];
  for (size_t v = 1; v < next.size(); ++v) next[v] += next[v - 1];
  for (size_t i = 0; i < free.size(); ++i) order[next[static_cast<size_t>(*hi - free[i])]++] = i;
  return order;
}

double FragDelta(const CycleState& state, NodeIndex node, int32_t free, int32_t take) {
  const int32_t size = state.calendar.capacity(node);
  return state.mix.Fragmented(free - take, size) - state.mix.Fragmented(free, size);
}

// Shared by BestFit and LeastFragmentation for multi-node groups: take whole
// nodes, largest free first, while the rest exceeds every node; finish on the
// node chosen by `pick_last` among those that can hold the rest. Calls
// take(i, k) for each node i it takes k GPUs from.
template <typename PickLast, typename Take>
void SpreadLargestFirst(std::span<const int32_t> free, int32_t gpus, PickLast pick_last,
                        Take take) {
  const std::vector<size_t> order = LargestFirst(free);
  int32_t remaining = gpus;
  size_t next = 0;
  size_t fit_end = 0;  // only grows: the rest only shrinks
  while (remaining > 0 && next < order.size()) {
    if (free[order[next]] <= 0) break;
    // Nodes order[next..fit_end) can hold all of the rest.
    fit_end = std::max(fit_end, next);
    while (fit_end < order.size() && free[order[fit_end]] >= remaining) ++fit_end;
    if (fit_end > next) {
      const size_t chosen =
          pick_last(std::span<const size_t>(order).subspan(next, fit_end - next), remaining);
      take(chosen, remaining);
      return;
    }
    take(order[next], free[order[next]]);
    remaining -= free[order[next]];
    ++next;
  }
}

}  // namespace

FitMetrics MeasureFit(const CycleState& state, std::span<const NodeIndex> nodes,
                      std::span<const int32_t> free, std::span<const Allocation> allocations) {
  FitMetrics m;
  // Allocations are sorted by node, and so are the nodes of every group the
  // engine searches: walk both together, and look further only when the
  // nodes are in another order.
  size_t at = 0;
  for (const Allocation& a : allocations) {
    while (at < nodes.size() && nodes[at] < a.node) ++at;
    size_t i = at;
    if (i == nodes.size() || nodes[i] != a.node) {
      i = static_cast<size_t>(std::find(nodes.begin(), nodes.end(), a.node) - nodes.begin());
    }
    const int32_t node_free = i == nodes.size() ? a.gpus : free[i];
    m.leftover += node_free - a.gpus;
    m.frag_delta += FragDelta(state, a.node, node_free, a.gpus);
    ++m.nodes;
  }
  return m;
}

// ---- Filters ----

std::optional<Rejection> RequestedSitesFilter::Filter(const CycleState& state,
                                                      SiteIndex site) const {
  if (!state.compiled.only_listed_sites) return std::nullopt;
  if (state.compiled.site_rank[static_cast<size_t>(site)] >= 0) return std::nullopt;
  return Rejection{ReasonCode::kNotRequested, "the request lists other sites only"};
}

std::optional<Rejection> ComplianceFilter::Filter(const CycleState& state, SiteIndex site) const {
  SiteVerdict verdict = state.oracle.Check(state.request, state.topology, site);
  if (verdict.allowed) return std::nullopt;
  return Rejection{ReasonCode::kComplianceDenied, std::move(verdict.reason)};
}

std::optional<Rejection> ModelPresentFilter::Filter(const CycleState& state, SiteIndex site,
                                                    ModelIndex model) const {
  if (state.topology.SiteModelGpus(site, model) > 0) return std::nullopt;
  return Rejection{ReasonCode::kNoMatchingHardware,
                   "no " + ModelName(state, model) + " GPUs at this site"};
}

std::optional<Rejection> ModelComplianceFilter::Filter(const CycleState& state, SiteIndex site,
                                                       ModelIndex model) const {
  SiteVerdict verdict = state.oracle.CheckModel(state.request, state.topology, site, model);
  if (verdict.allowed) return std::nullopt;
  return Rejection{ReasonCode::kComplianceDenied,
                   ModelName(state, model) + ": " + std::move(verdict.reason)};
}

std::optional<Rejection> GroupSizeFilter::Filter(const CycleState& state, SiteIndex site,
                                                 ModelIndex model) const {
  const Topology& topo = state.topology;
  const int64_t gpus = state.compiled.gpus;
  int64_t largest = 0;
  const char* group = "node";
  switch (state.compiled.scope) {
    case Scope::kNode:
      for (CellIndex c : topo.SiteModelCells(site, model)) {
        largest = std::max<int64_t>(largest, topo.cell(c).max_node_gpus);
      }
      break;
    case Scope::kPod:
      group = "pod";
      for (CellIndex c : topo.SiteModelCells(site, model)) {
        largest = std::max(largest, topo.cell(c).gpus);
      }
      break;
    case Scope::kSite:
      group = "site";
      largest = topo.SiteModelGpus(site, model);
      break;
  }
  if (largest >= gpus) return std::nullopt;
  return Rejection{ReasonCode::kNoMatchingHardware,
                   std::string("the largest ") + group + " has " + std::to_string(largest) + " " +
                       ModelName(state, model) + " GPUs, " + std::to_string(gpus) + " requested"};
}

std::optional<Rejection> PriceCapFilter::Filter(const CycleState& state, SiteIndex site,
                                                ModelIndex model) const {
  if (!state.compiled.max_price_minor) return std::nullopt;
  const std::optional<Money>& price = state.topology.Price(site, model);
  if (!price) {
    return Rejection{ReasonCode::kOverPriceCap,
                     "no price for " + ModelName(state, model) + " at this site"};
  }
  if (price->minor_units() <= *state.compiled.max_price_minor) return std::nullopt;
  return Rejection{ReasonCode::kOverPriceCap, ModelName(state, model) + " costs " +
                                                  price->ToString() +
                                                  " per GPU-hour, over the cap of " +
                                                  state.request.max_price_per_gpu_hour->ToString()};
}

// ---- Selectors ----

double FirstFitSelect::Select(const CycleState&, std::span<const NodeIndex> nodes,
                              std::span<const int32_t> free, int32_t gpus, bool one_node,
                              std::vector<Allocation>* out) const {
  out->clear();
  int32_t remaining = gpus;
  for (size_t i = 0; i < nodes.size() && remaining > 0; ++i) {
    if (one_node) {
      if (free[i] >= gpus) {
        out->push_back({nodes[i], gpus});
        return 0;
      }
      continue;
    }
    const int32_t take = std::min(free[i], remaining);
    if (take <= 0) continue;
    out->push_back({nodes[i], take});
    remaining -= take;
  }
  return 0;
}

double BestFitSelect::Select(const CycleState&, std::span<const NodeIndex> nodes,
                             std::span<const int32_t> free, int32_t gpus, bool one_node,
                             std::vector<Allocation>* out) const {
  out->clear();
  if (one_node) {
    size_t best = nodes.size();
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (free[i] >= gpus && (best == nodes.size() || free[i] < free[best])) best = i;
    }
    if (best == nodes.size()) return 0;
    out->push_back({nodes[best], gpus});
    return static_cast<double>(free[best] - gpus);
  }
  // Tightest = the last of the (largest-first) nodes that hold the rest.
  double leftover = 0;
  SpreadLargestFirst(
      free, gpus, [](std::span<const size_t> fits, int32_t) { return fits.back(); },
      [&](size_t i, int32_t take) {
        out->push_back({nodes[i], take});
        leftover += free[i] - take;
      });
  SortByNode(out);
  return leftover;
}

double LeastFragmentationSelect::Select(const CycleState& state, std::span<const NodeIndex> nodes,
                                        std::span<const int32_t> free, int32_t gpus, bool one_node,
                                        std::vector<Allocation>* out) const {
  out->clear();
  if (one_node) {
    size_t best = nodes.size();
    double best_delta = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (free[i] < gpus) continue;
      const double delta = FragDelta(state, nodes[i], free[i], gpus);
      // Ties go to the tighter node, then to the lower index.
      if (best == nodes.size() || delta < best_delta ||
          (delta == best_delta && free[i] < free[best])) {
        best = i;
        best_delta = delta;
      }
    }
    if (best == nodes.size()) return 0;
    out->push_back({nodes[best], gpus});
    return best_delta;
  }
  double total = 0;
  SpreadLargestFirst(
      free, gpus,
      [&](std::span<const size_t> fits, int32_t rest) {
        size_t best = fits.back();
        double best_delta = FragDelta(state, nodes[best], free[best], rest);
        for (size_t k = fits.size(); k-- > 0;) {
          const size_t i = fits[k];
          const double delta = FragDelta(state, nodes[i], free[i], rest);
          if (delta < best_delta) {
            best = i;
            best_delta = delta;
          }
        }
        return best;
      },
      [&](size_t i, int32_t take) {
        out->push_back({nodes[i], take});
        total += FragDelta(state, nodes[i], free[i], take);
      });
  SortByNode(out);
  return total;
}

// ---- Scores ----

double EarliestStartScore::Score(const CycleState& state, const Candidate& candidate) const {
  const double delay =
      static_cast<double>(candidate.placement.start - state.compiled.earliest_start);
  const auto d = static_cast<double>(state.compiled.duration);
  return 100.0 * d / (d + std::max(0.0, delay));
}

double PriceScore::Score(const CycleState& state, const Candidate& candidate) const {
  if (candidate.price_minor < 0) return 50;
  if (state.max_price_minor <= state.min_price_minor) return 100;
  return 100.0 * static_cast<double>(state.max_price_minor - candidate.price_minor) /
         static_cast<double>(state.max_price_minor - state.min_price_minor);
}

double PriceScore::Bound(const CycleState& state, SiteIndex site, ModelIndex model) const {
  Candidate probe;
  const std::optional<Money>& price = state.topology.Price(site, model);
  probe.price_minor = price ? price->minor_units() : -1;
  return Score(state, probe);
}

double SitePreferenceScore::Score(const CycleState&, const Candidate& candidate) const {
  return candidate.site_rank < 0 ? 0 : 100.0 / (1.0 + candidate.site_rank);
}

double SitePreferenceScore::Bound(const CycleState& state, SiteIndex site, ModelIndex) const {
  const int32_t rank = state.compiled.site_rank[static_cast<size_t>(site)];
  return rank < 0 ? 0 : 100.0 / (1.0 + rank);
}

double BestFitScore::Score(const CycleState& state, const Candidate& candidate) const {
  const double gpus = state.compiled.gpus;
  return 100.0 * gpus / (gpus + static_cast<double>(candidate.fit.leftover));
}

double LeastFragmentationScore::Score(const CycleState& state, const Candidate& candidate) const {
  const double gpus = state.compiled.gpus;
  return std::clamp(50.0 * (1.0 - candidate.fit.frag_delta / gpus), 0.0, 100.0);
}

double LeastFragmentationScore::Bound(const CycleState& state, SiteIndex site,
                                      ModelIndex model) const {
  int32_t largest = 0;
  for (CellIndex c : state.topology.SiteModelCells(site, model)) {
    largest = std::max(largest, state.topology.cell(c).max_node_gpus);
  }
  const double gpus = state.compiled.gpus;
  // frag_delta >= gpus * steepest drop per GPU, so the score is at most
  // 50 * (1 - steepest). The margin covers the rounding of the sum of per-node
  // deltas the score is computed from, so the bound is never below a score.
  double bound = 50.0 * (1.0 - state.mix.SteepestDropPerGpu(largest)) + 1e-9;
  if (state.compiled.scope == Scope::kNode) {
    bound = std::min(bound, 50.0 * (1.0 + (largest - gpus) / gpus));
  }
  return std::clamp(bound, 0.0, 100.0);
}

}  // namespace straits::placement
