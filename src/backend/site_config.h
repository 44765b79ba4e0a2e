// From a fleet file's [[site_backend]] entries to execution backends: which
// sites run on Slurm and how to reach their clusters. Sites without an entry
// (or with backend = "sim") use the simulated backend and need nothing here.
//
//   STRAITS_ASSIGN_OR_RETURN(auto configs, SlurmSitesOf(fleet, "fleet.toml"));
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "backend/slurm/slurm_config.h"
#include "core/status.h"
#include "fleet/fleet.h"

namespace straits::backend {

// The Slurm sites of `fleet`, defaults filled in (user root, work_dir /tmp).
// invalid_argument with field "SOURCE:LINE" for a site named twice or a
// site_backend whose site the fleet does not define (when it defines sites).
Result<std::vector<slurm::SlurmSiteConfig>> SlurmSitesOf(const fleet::Fleet& fleet,
                                                         std::string_view source);

}  // namespace straits::backend
