#include "placement/topology.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace straits::placement {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

Result<Topology> Topology::Build(const FleetSpec& spec) {
  Topology topo;
  for (size_t m = 0; m < spec.models.size(); ++m) {
    const ModelSpec& model = spec.models[m];
    const std::string field = "models[" + std::to_string(m) + "]";
    if (model.id.empty()) return InvalidArgument("model id is empty", field + ".id");
    if (model.tpp < 0) return InvalidArgument("tpp must be >= 0", field + ".tpp");
    if (model.memory_gb < 0) {
      return InvalidArgument("memory_gb must be >= 0", field + ".memory_gb");
    }
    if (!topo.model_by_id_.emplace(model.id.str(), static_cast<ModelIndex>(m)).second) {
      return InvalidArgument("duplicate model id " + Quote(model.id.str()), field + ".id");
    }
    topo.models_.push_back(model);
  }
  const size_t num_models = topo.models_.size();

  std::unordered_set<std::string> pod_ids;
  for (size_t s = 0; s < spec.sites.size(); ++s) {
    const SiteSpec& site_spec = spec.sites[s];
    const std::string site_field = "sites[" + std::to_string(s) + "]";
    if (site_spec.id.empty()) return InvalidArgument("site id is empty", site_field + ".id");
    const auto site_index = static_cast<SiteIndex>(s);
    if (!topo.site_by_id_.emplace(site_spec.id.str(), site_index).second) {
      return InvalidArgument("duplicate site id " + Quote(site_spec.id.str()), site_field + ".id");
    }
    SiteInfo site{.id = site_spec.id,
                  .country = site_spec.country,
                  .first_pod = topo.num_pods(),
                  .first_node = topo.num_nodes(),
                  .first_cell = topo.num_cells()};
    for (size_t p = 0; p < site_spec.pods.size(); ++p) {
      const PodSpec& pod_spec = site_spec.pods[p];
      const std::string pod_field = site_field + ".pods[" + std::to_string(p) + "]";
      if (pod_spec.id.empty()) return InvalidArgument("pod id is empty", pod_field + ".id");
      if (!pod_ids.insert(pod_spec.id.str()).second) {
        return InvalidArgument("duplicate pod id " + Quote(pod_spec.id.str()), pod_field + ".id");
      }
      const PodIndex pod_index = topo.num_pods();
      // Resolve models first so the nodes can be grouped into cells by model,
      // keeping the file's order within a cell.
      std::vector<std::pair<ModelIndex, size_t>> order;
      order.reserve(pod_spec.nodes.size());
      for (size_t n = 0; n < pod_spec.nodes.size(); ++n) {
        const NodeSpec& node_spec = pod_spec.nodes[n];
        const std::string node_field = pod_field + ".nodes[" + std::to_string(n) + "]";
        if (node_spec.id.empty()) return InvalidArgument("node id is empty", node_field + ".id");
        auto model_it = topo.model_by_id_.find(node_spec.model.str());
        if (model_it == topo.model_by_id_.end()) {
          return InvalidArgument(
              "unknown model " + Quote(node_spec.model.str()) + ": declare it under [[models]]",
              node_field + ".model");
        }
        if (node_spec.gpus < 1 || node_spec.gpus > kMaxGpusPerNode) {
          return InvalidArgument("gpus must be between 1 and " + std::to_string(kMaxGpusPerNode) +
                                     ", got " + std::to_string(node_spec.gpus),
                                 node_field + ".gpus");
        }
        order.emplace_back(model_it->second, n);
      }
      std::stable_sort(order.begin(), order.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      PodInfo pod{.id = pod_spec.id,
                  .site = site_index,
                  .first_node = topo.num_nodes(),
                  .first_cell = topo.num_cells()};
      for (const auto& [model, n] : order) {
        const NodeSpec& node_spec = pod_spec.nodes[n];
        const auto node_index = topo.num_nodes();
        if (!topo.node_by_id_.emplace(node_spec.id.str(), node_index).second) {
          return InvalidArgument("duplicate node id " + Quote(node_spec.id.str()),
                                 pod_field + ".nodes[" + std::to_string(n) + "].id");
        }
        if (topo.cells_.empty() || topo.num_cells() == pod.first_cell ||
            topo.cells_.back().model != model) {
          topo.cells_.push_back(CellInfo{.site = site_index,
                                         .pod = pod_index,
                                         .model = model,
                                         .first_node = node_index,
                                         .end_node = node_index});
        }
        CellInfo& cell = topo.cells_.back();
        cell.end_node = node_index + 1;
        cell.gpus += node_spec.gpus;
        cell.max_node_gpus = std::max(cell.max_node_gpus, node_spec.gpus);
        topo.nodes_.push_back(NodeInfo{.id = node_spec.id,
                                       .site = site_index,
                                       .pod = pod_index,
                                       .cell = topo.num_cells() - 1,
                                       .model = model,
                                       .gpus = node_spec.gpus});
        topo.node_gpus_.push_back(node_spec.gpus);
        pod.gpus += node_spec.gpus;
      }
      pod.end_node = topo.num_nodes();
      pod.end_cell = topo.num_cells();
      site.gpus += pod.gpus;
      topo.pods_.push_back(std::move(pod));
    }
    site.end_pod = topo.num_pods();
    site.end_node = topo.num_nodes();
    site.end_cell = topo.num_cells();
    topo.total_gpus_ += site.gpus;
    topo.sites_.push_back(std::move(site));
  }

  topo.node_indices_.resize(topo.nodes_.size());
  for (size_t n = 0; n < topo.nodes_.size(); ++n) topo.node_indices_[n] = static_cast<NodeIndex>(n);

  // Prices, one currency for the whole fleet so caps compare exactly.
  topo.prices_.assign(topo.sites_.size() * num_models, std::nullopt);
  for (size_t s = 0; s < spec.sites.size(); ++s) {
    for (size_t i = 0; i < spec.sites[s].prices.size(); ++i) {
      const SitePrice& price = spec.sites[s].prices[i];
      const std::string field =
          "sites[" + std::to_string(s) + "].prices[" + std::to_string(i) + "]";
      auto model_it = topo.model_by_id_.find(price.model.str());
      if (model_it == topo.model_by_id_.end()) {
        return InvalidArgument("price for unknown model " + Quote(price.model.str()),
                               field + ".model");
      }
      if (price.per_gpu_hour.minor_units() < 0) {
        return InvalidArgument("price must not be negative", field + ".per_gpu_hour");
      }
      if (topo.price_currency_ && !(*topo.price_currency_ == price.per_gpu_hour.currency())) {
        return InvalidArgument("all prices must be in one currency (" +
                                   std::string(topo.price_currency_->code()) + "), got " +
                                   std::string(price.per_gpu_hour.currency().code()),
                               field + ".per_gpu_hour");
      }
      topo.price_currency_ = price.per_gpu_hour.currency();
      auto& slot = topo.prices_[s * num_models + static_cast<size_t>(model_it->second)];
      if (slot) {
        return InvalidArgument("second price for model " + Quote(price.model.str()),
                               field + ".model");
      }
      slot = price.per_gpu_hour;
    }
  }

  // Site x model -> cells.
  topo.site_model_offsets_.assign(topo.sites_.size() * num_models + 1, 0);
  topo.site_model_gpus_.assign(topo.sites_.size() * num_models, 0);
  for (const CellInfo& cell : topo.cells_) {
    const size_t key =
        static_cast<size_t>(cell.site) * num_models + static_cast<size_t>(cell.model);
    ++topo.site_model_offsets_[key + 1];
    topo.site_model_gpus_[key] += cell.gpus;
  }
  for (size_t i = 1; i < topo.site_model_offsets_.size(); ++i) {
    topo.site_model_offsets_[i] += topo.site_model_offsets_[i - 1];
  }
  topo.site_model_cells_.resize(topo.cells_.size());
  std::vector<int32_t> fill(topo.site_model_offsets_.begin(), topo.site_model_offsets_.end() - 1);
  for (CellIndex c = 0; c < topo.num_cells(); ++c) {
    const CellInfo& cell = topo.cells_[static_cast<size_t>(c)];
    const size_t key =
        static_cast<size_t>(cell.site) * num_models + static_cast<size_t>(cell.model);
    topo.site_model_cells_[static_cast<size_t>(fill[key]++)] = c;
  }
  // Site x model -> nodes, built once: site-scoped searches take them whole.
  topo.site_model_node_offsets_.assign(topo.site_model_offsets_.size(), 0);
  topo.site_model_nodes_.reserve(topo.nodes_.size());
  for (size_t key = 0; key + 1 < topo.site_model_offsets_.size(); ++key) {
    for (int32_t i = topo.site_model_offsets_[key]; i < topo.site_model_offsets_[key + 1]; ++i) {
      const CellInfo& cell =
          topo.cells_[static_cast<size_t>(topo.site_model_cells_[static_cast<size_t>(i)])];
      for (NodeIndex n = cell.first_node; n < cell.end_node; ++n)
        topo.site_model_nodes_.push_back(n);
    }
    topo.site_model_node_offsets_[key + 1] = static_cast<int32_t>(topo.site_model_nodes_.size());
  }
  return topo;
}

std::span<const CellIndex> Topology::SiteModelCells(SiteIndex site, ModelIndex model) const {
  const size_t key = static_cast<size_t>(site) * models_.size() + static_cast<size_t>(model);
  const auto begin = static_cast<size_t>(site_model_offsets_[key]);
  const auto end = static_cast<size_t>(site_model_offsets_[key + 1]);
  return std::span<const CellIndex>(site_model_cells_).subspan(begin, end - begin);
}

std::span<const NodeIndex> Topology::SiteModelNodes(SiteIndex site, ModelIndex model) const {
  const size_t key = static_cast<size_t>(site) * models_.size() + static_cast<size_t>(model);
  const auto begin = static_cast<size_t>(site_model_node_offsets_[key]);
  const auto end = static_cast<size_t>(site_model_node_offsets_[key + 1]);
  return std::span<const NodeIndex>(site_model_nodes_).subspan(begin, end - begin);
}

int64_t Topology::SiteModelGpus(SiteIndex site, ModelIndex model) const {
  return site_model_gpus_[static_cast<size_t>(site) * models_.size() + static_cast<size_t>(model)];
}

std::optional<SiteIndex> Topology::FindSite(std::string_view id) const {
  auto it = site_by_id_.find(std::string(id));
  if (it == site_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeIndex> Topology::FindNode(std::string_view id) const {
  auto it = node_by_id_.find(std::string(id));
  if (it == node_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<ModelIndex> Topology::FindModel(std::string_view id) const {
  auto it = model_by_id_.find(std::string(id));
  if (it == model_by_id_.end()) return std::nullopt;
  return it->second;
}

}  // namespace straits::placement
