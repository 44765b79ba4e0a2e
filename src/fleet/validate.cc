#include "fleet/validate.h"

#include <set>

namespace straits::fleet {
namespace {

Status At(std::string_view source, int line, std::string message) {
  return InvalidArgument(std::move(message), std::string(source) + ":" + std::to_string(line));
}

}  // namespace

Result<OrgId> UltimateParent(
    const OrgId& org,
    const std::function<std::optional<std::optional<OrgId>>(const OrgId&)>& parent_of) {
  OrgId current = org;
  std::set<OrgId> seen{org};
  for (;;) {
    std::optional<std::optional<OrgId>> parent = parent_of(current);
    if (!parent) return NotFound("organization \"" + current.str() + "\" does not exist");
    if (!parent->has_value()) return current;
    current = **parent;
    if (!seen.insert(current).second) {
      return FailedPrecondition("ownership cycle through \"" + current.str() + "\"");
    }
  }
}

Status ValidateFleet(Fleet& fleet, const ExistingFleet& existing,
                     const std::function<bool(const ModelId&)>& is_known_model,
                     std::string_view source) {
  // Organizations: unique ids, then parents (file overrides what is stored).
  std::map<OrgId, std::optional<OrgId>> parents = existing.org_parents;
  std::map<OrgId, bool> is_operator = existing.org_is_operator;
  std::map<OrgId, int> org_line;
  for (size_t i = 0; i < fleet.organizations.size(); ++i) {
    const Organization& org = fleet.organizations[i];
    const int line = fleet.organization_lines[i];
    if (!org_line.emplace(org.id, line).second) {
      return At(source, line,
                "organization: duplicate id \"" + org.id.str() + "\" (first defined on line " +
                    std::to_string(org_line[org.id]) + ")");
    }
    parents[org.id] = org.parent;
    is_operator[org.id] = org.is_operator;
  }
  for (size_t i = 0; i < fleet.organizations.size(); ++i) {
    const Organization& org = fleet.organizations[i];
    if (org.parent && !parents.count(*org.parent)) {
      return At(source, fleet.organization_lines[i],
                "organization \"" + org.id.str() + "\": parent \"" + org.parent->str() +
                    "\" is not defined");
    }
    if (org.parent && *org.parent == org.id) {
      return At(source, fleet.organization_lines[i],
                "organization \"" + org.id.str() + "\" cannot be its own parent");
    }
    Result<OrgId> top =
        UltimateParent(org.id, [&](const OrgId& id) -> std::optional<std::optional<OrgId>> {
          auto it = parents.find(id);
          if (it == parents.end()) return std::nullopt;
          return it->second;
        });
    if (!top.ok()) {
      return At(source, fleet.organization_lines[i],
                "organization \"" + org.id.str() + "\": " + top.status().message());
    }
  }

  // Sites.
  std::map<SiteId, int> site_line;
  for (size_t i = 0; i < fleet.sites.size(); ++i) {
    const Site& site = fleet.sites[i];
    const int line = fleet.site_lines[i];
    if (!site_line.emplace(site.id, line).second) {
      return At(source, line, "site: duplicate id \"" + site.id.str() + "\"");
    }
    auto op = is_operator.find(site.operator_id);
    if (op == is_operator.end()) {
      return At(source, line,
                "site \"" + site.id.str() + "\": operator \"" + site.operator_id.str() +
                    "\" is not a defined organization");
    }
    if (!op->second) {
      return At(source, line,
                "site \"" + site.id.str() + "\": organization \"" + site.operator_id.str() +
                    "\" is not of kind \"operator\"");
    }
  }

  // Pods.
  std::map<PodId, SiteId> pod_site = existing.pods;
  std::map<PodId, int> pod_line;
  for (size_t i = 0; i < fleet.pods.size(); ++i) {
    const Pod& pod = fleet.pods[i];
    const int line = fleet.pod_lines[i];
    if (!pod_line.emplace(pod.id, line).second) {
      return At(source, line, "pod: duplicate id \"" + pod.id.str() + "\"");
    }
    if (!site_line.count(pod.site) && !existing.sites.count(pod.site)) {
      return At(source, line,
                "pod \"" + pod.id.str() + "\": site \"" + pod.site.str() + "\" is not defined");
    }
    pod_site[pod.id] = pod.site;
  }

  // Nodes.
  std::map<NodeId, int> node_line;
  for (size_t i = 0; i < fleet.nodes.size(); ++i) {
    Node& node = fleet.nodes[i];
    const int line = fleet.node_lines[i];
    auto [it, inserted] = node_line.emplace(node.hostname, line);
    if (!inserted) {
      return At(source, line,
                "node: duplicate hostname \"" + node.hostname.str() + "\" (first on line " +
                    std::to_string(it->second) + ")");
    }
    auto pod = pod_site.find(node.pod);
    if (pod == pod_site.end()) {
      return At(
          source, line,
          "node \"" + node.hostname.str() + "\": pod \"" + node.pod.str() + "\" is not defined");
    }
    node.site = pod->second;
    if (!is_known_model(node.model)) {
      return At(source, line,
                "node \"" + node.hostname.str() + "\": unknown accelerator model \"" +
                    node.model.str() + "\" (see `straits accelerators list`)");
    }
  }
  return Status::Ok();
}

}  // namespace straits::fleet
