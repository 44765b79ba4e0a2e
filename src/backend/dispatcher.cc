#include "backend/dispatcher.h"

#include <algorithm>

namespace straits::backend {
namespace {

constexpr lease::State kLive[] = {lease::State::kScheduled, lease::State::kActive};
constexpr lease::State kEnded[] = {lease::State::kCancelled, lease::State::kTerminated,
                                   lease::State::kCompleted, lease::State::kDenied,
                                   lease::State::kExpired,   lease::State::kComplianceHold};

bool IsLive(lease::State s) { return s == lease::State::kScheduled || s == lease::State::kActive; }

}  // namespace

Result<std::unique_ptr<Dispatcher>> Dispatcher::Create(BackendStore& backends,
                                                       lease_store::LeaseStore& leases, Env& env,
                                                       const Clock& clock,
                                                       DispatcherOptions options) {
  std::unique_ptr<Dispatcher> d(new Dispatcher(backends, leases, env, clock, options));
  STRAITS_ASSIGN_OR_RETURN(std::vector<slurm::SlurmSiteConfig> sites, backends.Sites());
  for (slurm::SlurmSiteConfig& config : sites) {
    std::string key = config.site.str();
    d->by_site_[key] = std::make_unique<slurm::SlurmBackend>(env, std::move(config));
  }
  return d;
}

slurm::SlurmBackend* Dispatcher::ForSite(const SiteId& site) {
  auto it = by_site_.find(site.str());
  return it == by_site_.end() ? nullptr : it->second.get();
}

Result<LeaseTarget> Dispatcher::TargetOf(const lease::Lease& lease) {
  if (!lease.placement) {
    return FailedPrecondition("lease " + lease.id.str() + " has no placement", "placement");
  }
  LeaseTarget t;
  t.lease = lease.id;
  t.tenant = lease.spec.tenant;
  t.site = lease.placement->site;
  t.start = lease.placement->start;
  t.end = lease.placement->end;
  t.nodes = lease.placement->allocations;
  return t;
}

Status Dispatcher::Failed(LeaseBackendState state, const Status& error, Instant now) {
  state.status = "pending";
  state.attempts += 1;
  int64_t backoff = options_.base_backoff.seconds();
  for (int step = 1; step < state.attempts && backoff < options_.max_backoff.seconds(); ++step) {
    backoff *= 2;
  }
  backoff = std::min(backoff, options_.max_backoff.seconds());
  state.next_attempt = now + Duration::Seconds(backoff);
  state.last_error = error.ToString();
  state.updated_at = now;
  return backends_.Put(state);
}

Result<PassReport> Dispatcher::RunOnce() {
  PassReport report;
  if (by_site_.empty()) return report;
  Instant now = clock_.Now();
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease::Lease> live, leases_.ListInStates(kLive));
  for (const lease::Lease& l : live) {
    if (!l.placement) continue;
    slurm::SlurmBackend* backend = ForSite(l.placement->site);
    if (!backend) continue;
    STRAITS_ASSIGN_OR_RETURN(std::optional<LeaseBackendState> known, backends_.Get(l.id));
    LeaseBackendState state = known.value_or(LeaseBackendState{});
    state.lease = l.id;
    state.site = l.placement->site;
    if (state.status == "applied" && state.applied_version == l.version) continue;
    if (known && state.status == "pending" && state.attempts > 0 && state.next_attempt > now) {
      continue;
    }
    STRAITS_ASSIGN_OR_RETURN(LeaseTarget target, TargetOf(l));
    Status applied = backend->Apply(target, now);
    if (!applied.ok()) {
      ++report.failed;
      STRAITS_RETURN_IF_ERROR(Failed(state, applied, now));
      continue;
    }
    state.status = "applied";
    state.attempts = 0;
    state.last_error.clear();
    state.applied_version = l.version;
    state.updated_at = now;
    STRAITS_RETURN_IF_ERROR(backends_.Put(state));
    ++report.applied;
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease::Lease> ended, leases_.ListInStates(kEnded));
  for (const lease::Lease& l : ended) {
    STRAITS_ASSIGN_OR_RETURN(std::optional<LeaseBackendState> known, backends_.Get(l.id));
    if (!known || known->status == "released") continue;
    if (known->attempts > 0 && known->next_attempt > now) continue;  // backing off
    slurm::SlurmBackend* backend = ForSite(known->site);
    if (!backend) continue;
    Status released = backend->Release(l.id);
    LeaseBackendState state = *known;
    if (!released.ok()) {
      ++report.failed;
      STRAITS_RETURN_IF_ERROR(
          Failed(state, Status(released.code(), "release: " + released.message()), now));
      continue;
    }
    state.status = "released";
    state.attempts = 0;
    state.last_error.clear();
    state.updated_at = now;
    STRAITS_RETURN_IF_ERROR(backends_.Put(state));
    ++report.released;
  }
  return report;
}

Result<std::string> Dispatcher::SubmitJob(const lease::Lease& lease, JobRequest job) {
  if (!IsLive(lease.state) || !lease.placement) {
    return FailedPrecondition("lease " + lease.id.str() + " is " +
                                  std::string(lease::StateName(lease.state)) +
                                  "; jobs run only in scheduled or active leases",
                              "lease");
  }
  slurm::SlurmBackend* backend = ForSite(lease.placement->site);
  if (!backend) {
    return FailedPrecondition("site " + lease.placement->site.str() +
                                  " has no Slurm backend; jobs need one (docs/slurm.md)",
                              "lease");
  }
  Instant now = clock_.Now();
  if (now >= lease.placement->end) {
    return FailedPrecondition(
        "lease " + lease.id.str() + " ended at " + lease.placement->end.ToString(), "lease");
  }
  if (job.gpus < 1 || job.gpus > lease.placement->gpus()) {
    return InvalidArgument("asks for " + std::to_string(job.gpus) + " GPUs; lease " +
                               lease.id.str() + " holds " +
                               std::to_string(lease.placement->gpus()) + " (accepted: 1 to " +
                               std::to_string(lease.placement->gpus()) + ")",
                           "gpus");
  }
  Instant from = std::max(now, lease.placement->start);
  Duration window = Duration::Seconds(lease.placement->end.unix_seconds() - from.unix_seconds());
  if (job.time_limit.seconds() == 0) job.time_limit = window;
  if (job.time_limit > window) {
    return InvalidArgument("time limit " + job.time_limit.ToString() +
                               " runs past the lease's end " + lease.placement->end.ToString() +
                               " (at most " + window.ToString() + ")",
                           "time");
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<LeaseBackendState> state, backends_.Get(lease.id));
  if (!state || state->status != "applied") {
    return Unavailable("lease " + lease.id.str() +
                       " is not yet applied on its cluster (backend: pending); retry shortly");
  }
  STRAITS_ASSIGN_OR_RETURN(LeaseTarget target, TargetOf(lease));
  return backend->SubmitJob(target, job);
}

Result<std::vector<JobInfo>> Dispatcher::ListJobs(const lease::Lease& lease) {
  if (!lease.placement) return std::vector<JobInfo>{};
  slurm::SlurmBackend* backend = ForSite(lease.placement->site);
  if (!backend) return std::vector<JobInfo>{};
  return backend->ListJobs(lease.id);
}

Status Dispatcher::CancelJob(const lease::Lease& lease, const std::string& job_id) {
  slurm::SlurmBackend* backend = lease.placement ? ForSite(lease.placement->site) : nullptr;
  if (!backend) return NotFound("job " + job_id + " is not in lease " + lease.id.str());
  return backend->CancelJob(lease.id, job_id);
}

Result<UsageReport> Dispatcher::PollUsage(Instant since, billing_store::BillingService* billing) {
  UsageReport report;
  // Taken before asking any cluster: every job that started before it is in
  // this poll's answers (give or take the grace), finished or running.
  const Instant seen = clock_.Now() - options_.poll_grace;
  std::vector<UsageSample> running;
  std::map<std::string, std::vector<LeaseId>> by_site;
  STRAITS_ASSIGN_OR_RETURN(std::vector<LeaseBackendState> states, backends_.List());
  for (const LeaseBackendState& s : states) {
    if (s.status != "pending" || s.applied_version > 0) by_site[s.site.str()].push_back(s.lease);
  }
  for (const auto& [site, leases] : by_site) {
    slurm::SlurmBackend* backend = ForSite(*SiteId::Parse(site));
    if (!backend) continue;
    STRAITS_ASSIGN_OR_RETURN(std::vector<UsageSample> samples, backend->PollUsage(leases, since));
    for (UsageSample& sample : samples) {
      if (sample.running) {
        ++report.running;
        running.push_back(std::move(sample));
        continue;
      }
      ++report.samples;
      STRAITS_ASSIGN_OR_RETURN(bool known, backends_.HasUsage(sample.key));
      if (known) continue;
      // Billed before it is marked recorded: should billing fail (busy, not
      // a refusal), the next poll tries the sample again.
      if (billing) {
        STRAITS_ASSIGN_OR_RETURN(bool refused, Bill(sample, *billing));
        if (refused) ++report.refused;
      }
      STRAITS_ASSIGN_OR_RETURN(bool fresh, backends_.RecordUsage(sample));
      if (fresh) ++report.recorded;
    }
  }
  if (billing) STRAITS_RETURN_IF_ERROR(BillReservedTime(seen, running, *billing, report));
  return report;
}

Result<billing_store::ServiceLease> Dispatcher::TermsOf(const lease::Lease& l) {
  if (!l.placement) {
    return FailedPrecondition("lease " + l.id.str() + " has no placement", "placement");
  }
  const lease::LeasePlacement& p = *l.placement;
  STRAITS_ASSIGN_OR_RETURN(Interval term, Interval::Make(p.start, p.end));
  return billing_store::ServiceLease{
      l.id, l.spec.tenant, p.site, p.model, static_cast<int>(p.gpus()), term};
}

Result<bool> Dispatcher::Bill(const UsageSample& sample, billing_store::BillingService& billing) {
  STRAITS_ASSIGN_OR_RETURN(lease::Lease l, leases_.GetLease(sample.lease));
  if (!l.placement) return true;
  // The lease's billing terms go with its usage, so invoices rate it by them
  // (the simulated metering does the same for the leases it meters).
  STRAITS_ASSIGN_OR_RETURN(billing_store::ServiceLease terms, TermsOf(l));
  billing::UsageRecord record;
  record.lease = sample.lease;
  record.node = sample.node;
  record.start = sample.start;
  record.end = sample.end;
  record.gpu_seconds = sample.gpu_seconds;
  // Each job and step is its own series in the ledger, so two jobs of the
  // lease on one node at the same time are both billed, and a job polled
  // again is a duplicate.
  record.series = sample.series;
  // One record per ingest: a refused one must not hold back the others. A
  // record already held is a duplicate, so a poll that stopped between the
  // ingest and marking the sample is simply repeated.
  Result<billing::IngestStats> ingested = billing.RecordMeteredUsage(
      std::span<const billing_store::ServiceLease>(&terms, 1),
      std::span<const billing::UsageRecord>(&record, 1), "slurm:" + sample.key);
  if (ingested.ok()) return false;
  if (ingested.status().code() == StatusCode::kInvalidArgument) return true;
  return ingested.status();
}

Result<std::vector<std::pair<SiteId, Drift>>> Dispatcher::Reconcile(
    const std::optional<SiteId>& site, bool fix) {
  std::vector<std::pair<SiteId, Drift>> out;
  Instant now = clock_.Now();
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease::Lease> live, leases_.ListInStates(kLive));
  for (const auto& [site_id, backend] : by_site_) {
    if (site && site->str() != site_id) continue;
    std::vector<LeaseTarget> expected;
    for (const lease::Lease& l : live) {
      if (!l.placement || l.placement->site.str() != site_id) continue;
      STRAITS_ASSIGN_OR_RETURN(LeaseTarget t, TargetOf(l));
      expected.push_back(std::move(t));
    }
    STRAITS_ASSIGN_OR_RETURN(std::vector<Drift> drifts, backend->Reconcile(expected, now, fix));
    for (Drift& d : drifts) out.emplace_back(backend->config().site, std::move(d));
  }
  if (site && by_site_.count(site->str()) == 0) {
    return NotFound("site " + site->str() + " has no Slurm backend", "site");
  }
  return out;
}

}  // namespace straits::backend
