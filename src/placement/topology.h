// Topology: the fleet as the placement engine sees it, an immutable snapshot of
// sites -> pods -> nodes, each node with one accelerator model and a GPU count,
// plus the per-model attributes that request constraints test (vendor, TPP,
// memory) and the per-site price of each model.
//
// The engine never reads the catalog: whoever builds the snapshot (the CLI from a
// fleet file, the lease service from the store) supplies the model attributes.
//
//   FleetSpec spec = ...;                       // plain data, e.g. from ParseFleetToml
//   Result<Topology> topo = Topology::Build(spec);
//   for (NodeIndex n = 0; n < topo->num_nodes(); ++n) topo->node(n).gpus;
//
// Layout: everything is indexed by dense 32-bit indices. Nodes are numbered so that
// every site, every pod and every *cell* (the nodes of one model inside one pod) is
// a contiguous range; pods of a site and cells of a pod are contiguous as well. The
// calendar and the search loop over these ranges without indirection.
//
// Thread-safety: immutable after Build; safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/country.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"

namespace straits::placement {

using SiteIndex = int32_t;
using PodIndex = int32_t;
using NodeIndex = int32_t;
using ModelIndex = int32_t;
using CellIndex = int32_t;  // one (pod, model) group of nodes

// Largest GPU count a single node may declare.
inline constexpr int32_t kMaxGpusPerNode = 1024;

// ---- Input (plain data; validated by Topology::Build) ----

struct ModelSpec {
  ModelId id;
  std::string vendor;    // lower case by convention, e.g. "nvidia", "huawei"
  double tpp = 0;        // Total Processing Performance (ECCN 3A090 definition)
  double memory_gb = 0;  // device memory per GPU
};

struct NodeSpec {
  NodeId id;
  ModelId model;
  int32_t gpus = 0;
};

struct PodSpec {
  PodId id;
  std::vector<NodeSpec> nodes;
};

struct SitePrice {
  ModelId model;
  Money per_gpu_hour;
};

struct SiteSpec {
  SiteId id;
  std::optional<Country> country;
  std::vector<PodSpec> pods;
  std::vector<SitePrice> prices;  // at most one per model
};

struct FleetSpec {
  std::vector<ModelSpec> models;
  std::vector<SiteSpec> sites;
};

// ---- Snapshot ----

struct SiteInfo {
  SiteId id;
  std::optional<Country> country;
  PodIndex first_pod = 0, end_pod = 0;
  NodeIndex first_node = 0, end_node = 0;
  CellIndex first_cell = 0, end_cell = 0;
  int64_t gpus = 0;
};

struct PodInfo {
  PodId id;
  SiteIndex site = 0;
  NodeIndex first_node = 0, end_node = 0;
  CellIndex first_cell = 0, end_cell = 0;
  int64_t gpus = 0;
};

struct CellInfo {
  SiteIndex site = 0;
  PodIndex pod = 0;
  ModelIndex model = 0;
  NodeIndex first_node = 0, end_node = 0;
  int64_t gpus = 0;           // sum over the cell's nodes
  int32_t max_node_gpus = 0;  // largest node in the cell
};

struct NodeInfo {
  NodeId id;
  SiteIndex site = 0;
  PodIndex pod = 0;
  CellIndex cell = 0;
  ModelIndex model = 0;
  int32_t gpus = 0;
};

class Topology {
 public:
  // Validates and indexes `spec`. Errors (invalid_argument, with the field path,
  // e.g. "sites[1].pods[0].nodes[3].model"): duplicate site/pod/node/model ids, a
  // node whose model is not in `models`, GPU counts outside 1..kMaxGpusPerNode,
  // negative TPP or memory, a price for an unknown model or twice for one model,
  // prices in more than one currency.
  static Result<Topology> Build(const FleetSpec& spec);

  int32_t num_sites() const { return static_cast<int32_t>(sites_.size()); }
  int32_t num_pods() const { return static_cast<int32_t>(pods_.size()); }
  int32_t num_cells() const { return static_cast<int32_t>(cells_.size()); }
  int32_t num_nodes() const { return static_cast<int32_t>(nodes_.size()); }
  int32_t num_models() const { return static_cast<int32_t>(models_.size()); }
  int64_t total_gpus() const { return total_gpus_; }

  const SiteInfo& site(SiteIndex s) const { return sites_[static_cast<size_t>(s)]; }
  const PodInfo& pod(PodIndex p) const { return pods_[static_cast<size_t>(p)]; }
  const CellInfo& cell(CellIndex c) const { return cells_[static_cast<size_t>(c)]; }
  const NodeInfo& node(NodeIndex n) const { return nodes_[static_cast<size_t>(n)]; }
  const ModelSpec& model(ModelIndex m) const { return models_[static_cast<size_t>(m)]; }
  std::span<const NodeInfo> nodes() const { return nodes_; }

  // The node indices [first, end) as a span (nodes of a cell, pod or site).
  std::span<const NodeIndex> NodeSpan(NodeIndex first, NodeIndex end) const {
    return std::span<const NodeIndex>(node_indices_)
        .subspan(static_cast<size_t>(first), static_cast<size_t>(end - first));
  }

  // GPU count of every node, indexed by NodeIndex.
  const std::vector<int32_t>& node_gpus() const { return node_gpus_; }

  // The cells of `site` holding `model` (one per pod that has such nodes).
  std::span<const CellIndex> SiteModelCells(SiteIndex site, ModelIndex model) const;
  // The nodes of those cells, cell by cell (a site-scoped search's group).
  std::span<const NodeIndex> SiteModelNodes(SiteIndex site, ModelIndex model) const;
  // GPUs of `model` at `site`.
  int64_t SiteModelGpus(SiteIndex site, ModelIndex model) const;

  // Price per GPU-hour of `model` at `site`, if the fleet gives one.
  const std::optional<Money>& Price(SiteIndex site, ModelIndex model) const {
    return prices_[static_cast<size_t>(site) * models_.size() + static_cast<size_t>(model)];
  }
  // The one currency all prices are in; empty when the fleet has no prices.
  const std::optional<Currency>& price_currency() const { return price_currency_; }

  std::optional<SiteIndex> FindSite(std::string_view id) const;
  std::optional<NodeIndex> FindNode(std::string_view id) const;
  std::optional<ModelIndex> FindModel(std::string_view id) const;

 private:
  Topology() = default;

  std::vector<SiteInfo> sites_;
  std::vector<PodInfo> pods_;
  std::vector<CellInfo> cells_;
  std::vector<NodeInfo> nodes_;
  std::vector<ModelSpec> models_;
  std::vector<int32_t> node_gpus_;
  std::vector<NodeIndex> node_indices_;       // 0, 1, 2, ...: backs NodeSpan
  std::vector<std::optional<Money>> prices_;  // site-major, num_sites * num_models
  std::optional<Currency> price_currency_;
  // site-major (num_sites * num_models) offsets into site_model_cells_.
  std::vector<int32_t> site_model_offsets_;
  std::vector<CellIndex> site_model_cells_;
  // site-major offsets into site_model_nodes_, which lists the nodes of
  // site_model_cells_ in order.
  std::vector<int32_t> site_model_node_offsets_;
  std::vector<NodeIndex> site_model_nodes_;
  std::vector<int64_t> site_model_gpus_;
  int64_t total_gpus_ = 0;
  std::unordered_map<std::string, SiteIndex> site_by_id_;
  std::unordered_map<std::string, NodeIndex> node_by_id_;
  std::unordered_map<std::string, ModelIndex> model_by_id_;
};

}  // namespace straits::placement
