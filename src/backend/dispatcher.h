// Dispatcher: brings each site's backend in line with the lease store. It is
// a loop over the store, not a hook in the lease service, so a crash or an
// unreachable cluster loses nothing: the lease stays `scheduled` (or `active`)
// with backend status `pending`, the error is kept, and the next pass retries
// it after an exponential backoff (5 s, 10 s, ... at most 5 min).
//
// One pass (RunOnce):
//   - scheduled and active leases on Slurm sites whose current version is not
//     applied, and whose next attempt is due, are applied (account and
//     reservation created or updated: extension included);
//   - cancelled, terminated, completed, denied and expired leases that were
//     applied are released (jobs cancelled, reservation deleted).
// Leases on sites without a Slurm configuration are left to the simulated
// backend (usage metered from allocations) and get no status here.
//
//   Dispatcher dispatcher(*backend_store, leases, env, clock);
//   STRAITS_ASSIGN_OR_RETURN(PassReport r, dispatcher.RunOnce());
//
// Also: jobs in a lease (refused before Slurm sees them when outside the
// lease's window or over its GPUs), usage polling into the billing store, and
// reconcile against each cluster.
//
// Thread-safety: RunOnce, PollUsage and Reconcile may run concurrently with
// the job methods; the dispatcher holds no mutable state besides its backends.
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "backend/backend_store.h"
#include "backend/env.h"
#include "backend/slurm/slurm_backend.h"
#include "billing_store/billing_service.h"
#include "core/clock.h"
#include "lease_store/lease_store.h"

namespace straits::backend {

struct PassReport {
  int applied = 0;
  int released = 0;
  int failed = 0;  // left pending, retried later
};

struct UsageReport {
  int samples = 0;   // finished jobs' per-node samples seen
  int recorded = 0;  // new ones, ingested into the billing store
  int refused = 0;   // refused by billing (e.g. overlapping another record)
};

struct DispatcherOptions {
  Duration base_backoff = Duration::Seconds(5);
  Duration max_backoff = Duration::Minutes(5);
};

class Dispatcher {
 public:
  // Loads the site configurations; every argument must outlive the dispatcher.
  static Result<std::unique_ptr<Dispatcher>> Create(BackendStore& backends,
                                                    lease_store::LeaseStore& leases, Env& env,
                                                    const Clock& clock,
                                                    DispatcherOptions options = {});

  Result<PassReport> RunOnce();

  // The backend of `site`; nullptr when the site uses the simulated one.
  slurm::SlurmBackend* ForSite(const SiteId& site);
  // What the backend should hold for `lease`; failed_precondition when it has
  // no placement.
  static Result<LeaseTarget> TargetOf(const lease::Lease& lease);

  // Jobs. `lease` must be scheduled or active on a Slurm site, and applied.
  // invalid_argument / failed_precondition with the reason when the job falls
  // outside the lease's window or asks for more GPUs than leased.
  Result<std::string> SubmitJob(const lease::Lease& lease, JobRequest job);
  Result<std::vector<JobInfo>> ListJobs(const lease::Lease& lease);
  Status CancelJob(const lease::Lease& lease, const std::string& job_id);

  // Polls every Slurm site for finished jobs of its leases since `since` and
  // ingests the samples as usage records with their leases' billing terms, so
  // invoices rate them (`billing` may be null: samples are only recorded in
  // the backend store). A sample is marked recorded only once billing has it
  // or refused it (counted in `refused`: e.g. a job that outlived its
  // lease's term), so an ingest that failed otherwise is retried.
  Result<UsageReport> PollUsage(Instant since, billing_store::BillingService* billing);

  // Per site (all Slurm sites, or only `site`): the drift between leases and
  // the cluster, repaired with `fix`.
  Result<std::vector<std::pair<SiteId, Drift>>> Reconcile(const std::optional<SiteId>& site,
                                                          bool fix);

 private:
  Dispatcher(BackendStore& backends, lease_store::LeaseStore& leases, Env& env, const Clock& clock,
             DispatcherOptions options)
      : backends_(backends), leases_(leases), env_(env), clock_(clock), options_(options) {}
  Status Failed(LeaseBackendState state, const Status& error, Instant now);
  // Ingests `sample` with its lease's terms; true when billing refused it.
  Result<bool> Bill(const UsageSample& sample, billing_store::BillingService& billing);

  BackendStore& backends_;
  lease_store::LeaseStore& leases_;
  Env& env_;
  const Clock& clock_;
  DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<slurm::SlurmBackend>> by_site_;
};

}  // namespace straits::backend
