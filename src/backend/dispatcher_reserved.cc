// Dispatcher::BillReservedTime: reserved-but-idle time of leases at Slurm
// sites, billed as usage records of series `reserved` (backend/reserved_time.h).
#include <algorithm>

#include "backend/dispatcher.h"
#include "backend/reserved_time.h"

namespace straits::backend {
namespace {

// The states whose placement is time the tenant held: a terminated lease's
// end is the time it ended. A cancelled lease held it only if it was
// cancelled after its start while still `scheduled` (before a sweep made it
// active): until it was cancelled (ReservedEnd). Denied and expired leases
// never started; leases on hold or awaiting review do not run for the tenant.
constexpr lease::State kReserving[] = {lease::State::kScheduled, lease::State::kActive,
                                       lease::State::kCompleted, lease::State::kTerminated,
                                       lease::State::kCancelled};

// The end of the time `l` held its GPUs: its placement's end, or for a
// cancelled lease the time of the cancellation (its last change), if earlier.
Instant ReservedEnd(const lease::Lease& l) {
  const lease::LeasePlacement& p = *l.placement;
  if (l.state != lease::State::kCancelled) return p.end;
  return std::max(p.start, std::min(p.end, l.updated_at));
}

// What the lease's jobs held on `node`: finished ones from the samples
// recorded, running ones from this poll.
std::vector<JobSpan> JobsOn(const NodeId& node, const LeaseId& lease,
                            const std::vector<UsageSample>& finished,
                            const std::vector<UsageSample>& running) {
  std::vector<JobSpan> jobs;
  for (const UsageSample& u : finished) {
    const int64_t seconds = (u.end - u.start).seconds();
    if (u.node != node || seconds <= 0) continue;
    jobs.push_back({u.start, u.end, u.gpu_seconds / seconds});
  }
  for (const UsageSample& u : running) {
    if (u.lease == lease && u.node == node) jobs.push_back({u.start, std::nullopt, u.gpus});
  }
  return jobs;
}

// Ingests `records` of one lease, as one batch when billing takes them all,
// else one by one so that a refused record holds back no other.
Status Ingest(const billing_store::ServiceLease& terms,
              const std::vector<billing::UsageRecord>& records,
              billing_store::BillingService& billing, UsageReport& report) {
  const std::string source = "slurm:reserved:" + terms.id.str();
  std::span<const billing_store::ServiceLease> lease(&terms, 1);
  Result<billing::IngestStats> batch = billing.RecordMeteredUsage(lease, records, source);
  if (batch.ok() && batch->duplicates == 0) {
    report.idle_records += static_cast<int>(records.size());
    for (const billing::UsageRecord& r : records) report.idle_gpu_seconds += r.gpu_seconds;
    return Status::Ok();
  }
  if (!batch.ok() && batch.status().code() != StatusCode::kInvalidArgument) return batch.status();
  for (const billing::UsageRecord& r : records) {
    Result<billing::IngestStats> one =
        billing.RecordMeteredUsage(lease, std::span<const billing::UsageRecord>(&r, 1), source);
    if (!one.ok()) {
      if (one.status().code() != StatusCode::kInvalidArgument) return one.status();
      ++report.idle_refused;
      continue;
    }
    if (one->added > 0) {
      ++report.idle_records;
      report.idle_gpu_seconds += r.gpu_seconds;
    }
  }
  return Status::Ok();
}

}  // namespace

Status Dispatcher::BillReservedTime(Instant seen, const std::vector<UsageSample>& running,
                                    billing_store::BillingService& billing, UsageReport& report) {
  if (by_site_.empty()) return Status::Ok();
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease::Lease> leases, leases_.ListInStates(kReserving));
  for (const lease::Lease& l : leases) {
    if (!l.placement || !ForSite(l.placement->site)) continue;
    const lease::LeasePlacement& p = *l.placement;
    const Instant until = ClosableUntil(p.start, ReservedEnd(l), seen, options_.reserved_window);
    if (until <= p.start) continue;
    std::vector<billing::UsageRecord> records;
    std::vector<NodeId> closing;
    std::optional<std::vector<UsageSample>> finished;  // read once, when a node needs it
    for (const lease::NodeAllocation& alloc : p.allocations) {
      STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> closed,
                               backends_.ReservedClosedUntil(l.id, alloc.node));
      const Instant from = std::max(p.start, closed.value_or(p.start));
      if (from >= until) continue;
      if (!finished) {
        STRAITS_ASSIGN_OR_RETURN(std::vector<UsageSample> samples, backends_.UsageOf(l.id));
        finished = std::move(samples);
      }
      const std::vector<JobSpan> jobs = JobsOn(alloc.node, l.id, *finished, running);
      for (const ReservedPiece& piece :
           ReservedPieces(alloc.gpus, from, until, options_.reserved_window, jobs)) {
        if (piece.idle == 0) continue;
        billing::UsageRecord record;
        record.lease = l.id;
        record.node = alloc.node;
        record.start = piece.start;
        record.end = piece.end;
        record.gpu_seconds = piece.idle;
        record.series = std::string(kReservedSeries);
        records.push_back(std::move(record));
      }
      closing.push_back(alloc.node);
    }
    if (closing.empty()) continue;
    if (!records.empty()) {
      STRAITS_ASSIGN_OR_RETURN(billing_store::ServiceLease terms, TermsOf(l));
      STRAITS_RETURN_IF_ERROR(Ingest(terms, records, billing, report));
    }
    // Marked closed only after billing has the records: a crash in between
    // computes the same records again, which the ledger skips as duplicates.
    for (const NodeId& node : closing) {
      STRAITS_RETURN_IF_ERROR(backends_.CloseReserved(l.id, node, until));
    }
  }
  return Status::Ok();
}

}  // namespace straits::backend
