#include "placement/fleet_input.h"

#include <map>

#include "catalog/tpp.h"

namespace straits::placement {

Result<FleetSpec> FleetSpecFromFleet(const fleet::Fleet& fleet, const catalog::Catalog& catalog) {
  FleetSpec spec;
  std::map<std::string, size_t> site_index;
  for (const fleet::Site& site : fleet.sites) {
    site_index.emplace(site.id.str(), spec.sites.size());
    spec.sites.push_back(
        SiteSpec{.id = site.id, .country = site.country, .pods = {}, .prices = {}});
  }
  std::map<std::string, std::pair<size_t, size_t>> pod_index;  // pod -> (site, pod)
  for (size_t i = 0; i < fleet.pods.size(); ++i) {
    const fleet::Pod& pod = fleet.pods[i];
    auto site = site_index.find(pod.site.str());
    if (site == site_index.end()) {
      return InvalidArgument("pod " + pod.id.str() + " is in unknown site " + pod.site.str(),
                             "pods[" + std::to_string(i) + "].site");
    }
    std::vector<PodSpec>& pods = spec.sites[site->second].pods;
    pod_index.emplace(pod.id.str(), std::make_pair(site->second, pods.size()));
    pods.push_back(PodSpec{.id = pod.id, .nodes = {}});
  }
  std::map<std::string, size_t> model_index;
  for (size_t i = 0; i < fleet.nodes.size(); ++i) {
    const fleet::Node& node = fleet.nodes[i];
    const std::string field = "nodes[" + std::to_string(i) + "]";
    auto pod = pod_index.find(node.pod.str());
    if (pod == pod_index.end()) {
      return InvalidArgument("node " + node.hostname.str() + " is in unknown pod " + node.pod.str(),
                             field + ".pod");
    }
    if (!model_index.count(node.model.str())) {
      const catalog::AcceleratorSpec* accel = catalog.Find(node.model);
      if (accel == nullptr) {
        return InvalidArgument("model \"" + node.model.str() + "\" is not in the catalog",
                               field + ".model");
      }
      std::string vendor = accel->vendor;
      for (char& c : vendor) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      model_index.emplace(node.model.str(), spec.models.size());
      spec.models.push_back(ModelSpec{.id = node.model,
                                      .vendor = std::move(vendor),
                                      .tpp = catalog::Tpp(*accel),
                                      .memory_gb = accel->memory_gb.value_or(0)});
    }
    spec.sites[pod->second.first].pods[pod->second.second].nodes.push_back(
        NodeSpec{.id = node.hostname, .model = node.model, .gpus = node.gpus});
  }
  return spec;
}

}  // namespace straits::placement
