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
  int running = 0;   // per-node samples of jobs still running (not usage yet)
  // Reserved-but-idle time closed by this poll (backend/reserved_time.h):
  int idle_records = 0;          // new `reserved` usage records billed
  int64_t idle_gpu_seconds = 0;  // their GPU-seconds
  int idle_refused = 0;          // refused by billing (see docs/slurm.md)
};

struct DispatcherOptions {
  Duration base_backoff = Duration::Seconds(5);
  Duration max_backoff = Duration::Minutes(5);
  // Reserved time is billed in pieces of this length (UTC-aligned; must
  // divide a day, else 1 h), closed once the poll has seen past their end.
  Duration reserved_window = Duration::Hours(1);
  // How long before a poll a job's start must lie for the poll to be trusted
  // to know it: Slurm's accounting (slurmdbd) learns of a job start a moment
  // after the controller. Reserved time is closed only up to poll − grace.
  Duration poll_grace = Duration::Seconds(60);
};

// The series key of reserved-but-idle usage records in the billing ledger.
inline constexpr std::string_view kReservedSeries = "reserved";

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
  //
  // Then, when `billing` is given and every site was polled, bills the
  // reserved-but-idle time of leases at Slurm sites (scheduled, active,
  // completed or terminated: only their actual interval) per node, in closed
  // windows: up to the poll's time minus `poll_grace`, rounded down to
  // `reserved_window` (or the lease's end when it lies before), from where the
  // last poll stopped (BackendStore::ReservedClosedUntil). Each window's idle
  // GPU-seconds (reserved − used by finished and running jobs, at least 0) is
  // one usage record of series `reserved` with the lease's terms, so it is
  // rated like usage and used + idle = reserved. A closed window is never
  // reopened: a job Slurm reports only after its window closed is billed as
  // usage but does not reduce that window's idle time (docs/slurm.md).
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
  // Bills reserved-but-idle time up to `seen` (dispatcher_reserved.cc);
  // `running` are the running jobs the poll saw.
  Status BillReservedTime(Instant seen, const std::vector<UsageSample>& running,
                          billing_store::BillingService& billing, UsageReport& report);
  // The lease's billing terms, as every usage record of it carries them.
  static Result<billing_store::ServiceLease> TermsOf(const lease::Lease& lease);

  BackendStore& backends_;
  lease_store::LeaseStore& leases_;
  Env& env_;
  const Clock& clock_;
  DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<slurm::SlurmBackend>> by_site_;
};

}  // namespace straits::backend
