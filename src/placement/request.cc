#include "placement/request.h"

#include <algorithm>

namespace straits::placement {
namespace {

// Largest GPU count a request may ask for; keeps sums in 32 bits.
constexpr int64_t kMaxRequestGpus = 1 << 24;

bool MeetsConstraints(const ModelSpec& model, const ModelConstraints& c) {
  if (c.min_tpp && model.tpp < *c.min_tpp) return false;
  if (c.min_memory_gb && model.memory_gb < *c.min_memory_gb) return false;
  if (c.vendor && model.vendor != *c.vendor) return false;
  return true;
}

}  // namespace

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kNode:
      return "node";
    case Scope::kPod:
      return "pod";
    case Scope::kSite:
      return "site";
  }
  return "node";
}

Result<Scope> ParseScope(std::string_view text) {
  if (text == "node") return Scope::kNode;
  if (text == "pod") return Scope::kPod;
  if (text == "site") return Scope::kSite;
  return InvalidArgument(
      "unknown scope \"" + std::string(text) + "\": expected \"node\", \"pod\" or \"site\"",
      "scope");
}

Result<CompiledRequest> CompileRequest(const Request& request, const Topology& topology) {
  CompiledRequest out;
  out.source = &request;
  if (request.gpus < 1) {
    return InvalidArgument("gpus must be at least 1, got " + std::to_string(request.gpus), "gpus");
  }
  if (request.gpus > kMaxRequestGpus) {
    return InvalidArgument("gpus must be at most " + std::to_string(kMaxRequestGpus), "gpus");
  }
  out.gpus = static_cast<int32_t>(request.gpus);
  if (request.duration.seconds() <= 0) {
    return InvalidArgument("duration must be positive", "duration");
  }
  out.duration = request.duration.seconds();
  out.earliest_start = request.earliest_start.unix_seconds();
  if (request.latest_end) {
    const Duration window = *request.latest_end - request.earliest_start;
    if (window < request.duration) {
      return InvalidArgument(
          "duration " + request.duration.ToString() +
              " is longer than the window from earliest_start to latest_end (" +
              (window.seconds() < 0 ? std::string("negative") : window.ToString()) + ")",
          "duration");
    }
    out.latest_start = request.latest_end->unix_seconds() - out.duration;
  }
  out.scope = request.scope;

  // Models: the listed ones (each must exist), or all; then the constraints.
  if (request.models.empty() && request.constraints.empty()) {
    return InvalidArgument("no acceptable model: list model ids or give constraints", "models");
  }
  std::vector<bool> listed(static_cast<size_t>(topology.num_models()), request.models.empty());
  for (size_t i = 0; i < request.models.size(); ++i) {
    const std::string field = "models[" + std::to_string(i) + "]";
    std::optional<ModelIndex> m = topology.FindModel(request.models[i].str());
    if (!m) {
      return InvalidArgument("unknown model \"" + request.models[i].str() + "\"", field);
    }
    if (std::find(request.models.begin(), request.models.begin() + static_cast<ptrdiff_t>(i),
                  request.models[i]) != request.models.begin() + static_cast<ptrdiff_t>(i)) {
      return InvalidArgument("model \"" + request.models[i].str() + "\" listed twice", field);
    }
    listed[static_cast<size_t>(*m)] = true;
  }
  for (ModelIndex m = 0; m < topology.num_models(); ++m) {
    if (listed[static_cast<size_t>(m)] &&
        MeetsConstraints(topology.model(m), request.constraints)) {
      out.models.push_back(m);
    }
  }
  if (out.models.empty()) {
    return InvalidArgument(request.models.empty()
                               ? "no model in the fleet meets the constraints"
                               : "none of the listed models meets the constraints",
                           "models");
  }

  out.site_rank.assign(static_cast<size_t>(topology.num_sites()), -1);
  for (size_t i = 0; i < request.sites.size(); ++i) {
    const std::string field = "sites[" + std::to_string(i) + "]";
    std::optional<SiteIndex> s = topology.FindSite(request.sites[i].str());
    if (!s) return InvalidArgument("unknown site \"" + request.sites[i].str() + "\"", field);
    int32_t& rank = out.site_rank[static_cast<size_t>(*s)];
    if (rank >= 0) {
      return InvalidArgument("site \"" + request.sites[i].str() + "\" listed twice", field);
    }
    rank = static_cast<int32_t>(i);
  }
  out.only_listed_sites = request.only_listed_sites;
  if (out.only_listed_sites && request.sites.empty()) {
    return InvalidArgument("only_listed_sites is set but no site is listed", "sites");
  }

  if (request.max_price_per_gpu_hour) {
    const Money& cap = *request.max_price_per_gpu_hour;
    if (cap.minor_units() < 0) {
      return InvalidArgument("price cap must not be negative", "max_price_per_gpu_hour");
    }
    const std::optional<Currency>& fleet = topology.price_currency();
    if (fleet && !(*fleet == cap.currency())) {
      return InvalidArgument("price cap is in " + std::string(cap.currency().code()) +
                                 " but the fleet's prices are in " + std::string(fleet->code()),
                             "max_price_per_gpu_hour");
    }
    out.max_price_minor = cap.minor_units();
  }
  return out;
}

}  // namespace straits::placement
