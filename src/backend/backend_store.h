// BackendStore: what the execution side keeps in the fleet's database (schema
// family "backend"): the Slurm configuration of each site (from the fleet
// file's [[site_backend]] tables), where every lease stands on its site's
// backend, the usage samples already recorded (so polling is idempotent), and
// per lease and node how far its reserved-but-idle time has been billed.
//
// A lease's backend status is one of
//   pending  — not yet applied as it is now (new, changed, or the last try
//              failed: `last_error`, retried at `next_attempt`);
//   applied  — the cluster holds it as of lease version `applied_version`;
//   released — it ended and its reservation is gone.
//
// Error codes: not_found (no database), unavailable (busy), internal.
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/slurm/slurm_config.h"
#include "core/status.h"
#include "store/sqlite/db.h"

namespace straits::backend {

struct LeaseBackendState {
  LeaseId lease;
  SiteId site;
  std::string status = "pending";  // pending, applied, released
  int attempts = 0;                // failed tries since the last success
  Instant next_attempt;
  std::string last_error;
  int64_t applied_version = 0;
  Instant updated_at;
};

class BackendStore {
 public:
  static Result<std::unique_ptr<BackendStore>> Open(const std::string& db_path);

  // Replaces every site's configuration.
  Status SaveSites(const std::vector<slurm::SlurmSiteConfig>& sites);
  Result<std::vector<slurm::SlurmSiteConfig>> Sites();

  Result<std::optional<LeaseBackendState>> Get(const LeaseId& lease);
  Result<std::vector<LeaseBackendState>> List();
  Status Put(const LeaseBackendState& state);

  // Whether a sample with `key` is recorded.
  Result<bool> HasUsage(const std::string& key);
  // Records `sample` unless its key is known; true when it was new.
  Result<bool> RecordUsage(const UsageSample& sample);
  // Every recorded sample of `lease` (finished jobs), ordered by key.
  Result<std::vector<UsageSample>> UsageOf(const LeaseId& lease);

  // How far the reserved time of `lease` on `node` is billed (closed): none
  // when nothing is yet.
  Result<std::optional<Instant>> ReservedClosedUntil(const LeaseId& lease, const NodeId& node);
  // Moves that mark to `until`; never back (a later, smaller `until` is
  // ignored), so a closed window is never reopened.
  Status CloseReserved(const LeaseId& lease, const NodeId& node, Instant until);

 private:
  explicit BackendStore(std::unique_ptr<store::sqlite::ConnectionPool> pool)
      : pool_(std::move(pool)) {}
  std::unique_ptr<store::sqlite::ConnectionPool> pool_;
};

}  // namespace straits::backend
