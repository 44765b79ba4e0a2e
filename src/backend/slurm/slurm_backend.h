// SlurmBackend: the execution interface (backend/backend.h) on one Slurm 22.05
// cluster, driven with Slurm's own commands through Env (argv vectors, never a
// shell string): scontrol, sacctmgr, sbatch, squeue, scancel, sacct.
//
// A scheduled lease becomes, on the site's cluster:
//   - an account named <prefix><lease id> under the tenant's parent account
//     <prefix><tenant id>, with GrpTRES=gres/gpu=<leased GPUs>, and an
//     association for the submitting user. One account per lease keeps usage
//     exact: Straits meters raw TRES seconds itself;
//   - an advance reservation named <prefix><lease id> on exactly the placed
//     nodes (mapped to Slurm names) for exactly [start, end), restricted to
//     that account. Slurm 22.05 reserves whole nodes or cores, never GPUs, so
//     the reservation carries Flags=OVERLAP (two leases may share a node) and
//     the GPU count is bounded by the account's GrpTRES and by Straits, which
//     refuses jobs over the leased GPUs before Slurm sees them.
// Every step looks up before it creates, so a retry after a crash converges.
//
//   PosixEnv env;
//   SlurmBackend backend(env, config);
//   STRAITS_RETURN_IF_ERROR(backend.Apply(target, clock.Now()));
//
// Every command runs with SLURM_CONF (from the config) and TZ=UTC, so times
// are written and read as UTC. Errors: unavailable when the controller or the
// accounting daemon cannot be reached (retry later), failed_precondition with
// Slurm's message when the cluster refuses, not_found for unknown jobs.
//
// Thread-safety: safe for concurrent use (no mutable state besides Env).
#pragma once

#include "backend/backend.h"
#include "backend/env.h"
#include "backend/slurm/scontrol_parse.h"
#include "backend/slurm/slurm_config.h"

namespace straits::backend::slurm {

class SlurmBackend final : public ExecutionBackend {
 public:
  // `env` must outlive the backend.
  SlurmBackend(Env& env, SlurmSiteConfig config);

  std::string_view kind() const override { return "slurm"; }
  Status Apply(const LeaseTarget& target, Instant now) override;
  Status Release(const LeaseId& lease) override;
  Result<std::string> SubmitJob(const LeaseTarget& target, const JobRequest& job) override;
  Result<std::vector<JobInfo>> ListJobs(const LeaseId& lease) override;
  Status CancelJob(const LeaseId& lease, const std::string& job_id) override;
  Result<std::vector<UsageSample>> PollUsage(std::span<const LeaseId> leases,
                                             Instant since) override;
  Result<std::vector<Drift>> Reconcile(std::span<const LeaseTarget> expected, Instant now,
                                       bool fix) override;

  // Names on the cluster.
  std::string AccountFor(const LeaseId& lease) const;
  std::string ParentAccountFor(const OrgId& tenant) const;
  std::string ReservationFor(const LeaseId& lease) const { return AccountFor(lease); }
  std::string SlurmNode(const NodeId& node) const;
  // The Straits name of a Slurm node (the reverse of the mapping).
  std::string StraitsNode(const std::string& slurm_node) const;

  // The reservation of `lease`, or nullopt when the cluster has none.
  Result<std::optional<ReservationInfo>> FindReservation(const LeaseId& lease);

  const SlurmSiteConfig& config() const { return config_; }

 private:
  // Runs a Slurm command; a non-zero exit becomes the Status Slurm's message
  // maps to (unavailable for an unreachable daemon).
  Result<ProcessResult> Run(std::vector<std::string> argv, bool allow_failure = false);
  Status EnsureAccount(const std::string& account, const std::string& parent,
                       std::optional<int64_t> gpu_limit);
  Status EnsureReservation(const LeaseTarget& target, Instant now);
  // What differs between the cluster's reservation and the target (empty: nothing).
  std::string Differences(const ReservationInfo& have, const LeaseTarget& target,
                          Instant now) const;
  std::vector<std::string> SlurmNodesOf(const LeaseTarget& target) const;

  Env& env_;
  SlurmSiteConfig config_;
};

// The Status for a failed Slurm command: unavailable when its message says the
// controller or slurmdbd cannot be reached, failed_precondition otherwise.
Status SlurmCommandError(const std::vector<std::string>& argv, const ProcessResult& result);

}  // namespace straits::backend::slurm
