// Checks the references inside a fleet (and from it into what is already
// stored) before anything is written:
//   - ids are unique within the file (organizations, sites, pods, hostnames);
//   - a site's operator is an organization of kind operator;
//   - a pod's site, a node's pod and an organization's parent exist;
//   - a node's model is a known accelerator model;
//   - the ownership graph has no cycle.
// Fills in Node::site from the node's pod. Errors are invalid_argument with
// field "SOURCE:LINE" pointing at the offending entity.
//
// Thread-safety: pure function.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "fleet/fleet.h"

namespace straits::fleet {

// What the store already holds, so that an import may refer to it.
struct ExistingFleet {
  std::map<OrgId, std::optional<OrgId>> org_parents;  // every stored org -> its parent
  std::map<OrgId, bool> org_is_operator;
  std::map<SiteId, bool> sites;  // value unused; a set with map lookup
  std::map<PodId, SiteId> pods;
};

Status ValidateFleet(Fleet& fleet, const ExistingFleet& existing,
                     const std::function<bool(const ModelId&)>& is_known_model,
                     std::string_view source_name);

// Follows parent links from `org` to the top. Returns `org` itself when it has
// no parent; failed_precondition if the chain loops; not_found if a link dangles.
Result<OrgId> UltimateParent(
    const OrgId& org,
    const std::function<std::optional<std::optional<OrgId>>(const OrgId&)>& parent_of);

}  // namespace straits::fleet
