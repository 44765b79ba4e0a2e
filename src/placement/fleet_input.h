// The placement topology of a fleet file: sites, pods and nodes from
// fleet/fleet_file.h, with each model's vendor, TPP and memory taken from the
// accelerator catalog, so the engine itself never reads the catalog.
//
//   STRAITS_ASSIGN_OR_RETURN(fleet::Fleet f, fleet::ParseFleetToml(text, "fleet.toml"));
//   STRAITS_ASSIGN_OR_RETURN(catalog::Catalog c, catalog::LoadShippedCatalog());
//   STRAITS_ASSIGN_OR_RETURN(FleetSpec spec, FleetSpecFromFleet(f, c));
//   STRAITS_ASSIGN_OR_RETURN(Topology topo, Topology::Build(spec));
//
// Lives in its own library (straits_placement_fleet) so users of the engine
// need not link the fleet and catalog modules.
//
// Thread-safety: pure function.
#pragma once

#include "catalog/catalog.h"
#include "core/status.h"
#include "fleet/fleet.h"
#include "placement/topology.h"

namespace straits::placement {

// invalid_argument (field "nodes[i].model" / "nodes[i].pod" / "pods[i].site") for
// a node whose model is not in the catalog, a node in an unknown pod, or a pod in
// an unknown site. Prices are left empty (rate cards live in billing/).
Result<FleetSpec> FleetSpecFromFleet(const fleet::Fleet& fleet, const catalog::Catalog& catalog);

}  // namespace straits::placement
