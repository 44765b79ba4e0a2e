// The fleet: organizations (operators and tenants), sites, pods and nodes.
//
// These are plain value types shared by the store, the fleet-file parser, the
// API and the CLI. Validation of references between them lives in
// fleet/validate.h; parsing of fleet files in fleet/fleet_file.h.
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/country.h"
#include "core/ids.h"

namespace straits::fleet {

struct Organization {
  OrgId id;
  std::string name;
  std::vector<std::string> aliases;
  Country hq;
  // The entity invoices are addressed to may sit elsewhere than the headquarters.
  std::optional<Country> billing_country;
  std::optional<OrgId> parent;
  bool is_operator = false;
  bool is_tenant = false;
};

struct Site {
  SiteId id;
  std::string name;
  Country country;
  std::string city;
  OrgId operator_id;
};

// One NVLink / InfiniBand domain inside a site.
struct Pod {
  PodId id;
  SiteId site;
};

struct Node {
  NodeId hostname;
  PodId pod;
  SiteId site;  // the pod's site, denormalized for listing by site
  ModelId model;
  int gpus = 0;
};

// How a site executes its leases ([[site_backend]] in a fleet file; see
// docs/slurm.md). Sites without one use the simulated backend.
struct SiteBackend {
  SiteId site;
  std::string backend = "sim";               // "sim" or "slurm"
  std::string cluster;                       // slurm: ClusterName
  std::string slurm_conf;                    // slurm: SLURM_CONF for its commands
  std::map<std::string, std::string> env;    // slurm: more environment for its commands
  std::map<std::string, std::string> nodes;  // Straits node -> Slurm node name
  std::string name_prefix;                   // slurm: prefix of reservation and account names
  std::string user;                          // slurm: Unix user jobs run as (default root)
  std::string work_dir;                      // slurm: job working directory (default /tmp)
};

// Where an entity was defined in a source file, for error messages.
struct SourceLine {
  int line = 0;
};

// The contents of one fleet file (or one import), in file order.
struct Fleet {
  std::vector<Organization> organizations;
  std::vector<Site> sites;
  std::vector<Pod> pods;
  std::vector<Node> nodes;
  // Parallel to the vectors above: the line each entity starts on (0 if unknown).
  std::vector<int> organization_lines;
  std::vector<int> site_lines;
  std::vector<int> pod_lines;
  std::vector<int> node_lines;
  std::vector<SiteBackend> site_backends;
  std::vector<int> site_backend_lines;
};

}  // namespace straits::fleet
