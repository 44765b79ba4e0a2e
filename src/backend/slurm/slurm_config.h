// How Straits reaches one site's Slurm cluster (from the fleet file's
// [[site_backend]] table, see docs/fleet-format.md and docs/slurm.md).
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <string>

#include "core/ids.h"

namespace straits::backend::slurm {

struct SlurmSiteConfig {
  SiteId site;
  std::string cluster;                     // ClusterName in slurm.conf
  std::string slurm_conf;                  // SLURM_CONF for every command; empty: Slurm's default
  std::map<std::string, std::string> env;  // more environment for the commands
  // Straits node name -> Slurm node name; nodes not listed keep their name.
  std::map<std::string, std::string> nodes;
  // Prepended to lease ids and tenant ids to name reservations and accounts,
  // so several Straits installations can share one cluster.
  std::string name_prefix;
  std::string user = "root";      // the Unix user jobs are submitted as
  std::string work_dir = "/tmp";  // job working directory and output files
};

}  // namespace straits::backend::slurm
