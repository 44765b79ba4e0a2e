#include "metering/lease_meter.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "billing/meter.h"
#include "lease/lease.h"

namespace straits::metering {
namespace {

// The states in which a lease's GPUs ran (or run) for its tenant.
bool Metered(lease::State state) {
  switch (state) {
    case lease::State::kScheduled:
    case lease::State::kActive:
    case lease::State::kCompleted:
    case lease::State::kTerminated:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status LeaseMeter::MeterOneByOne(std::span<const billing_store::ServiceLease> leases,
                                 std::span<const billing::UsageRecord> records, MeterRun& run) {
  // `records` are grouped by lease in the order of `leases`.
  size_t begin = 0;
  for (const billing_store::ServiceLease& lease : leases) {
    size_t end = begin;
    while (end < records.size() && records[end].lease == lease.id) ++end;
    if (end == begin) continue;
    Result<billing::IngestStats> stats = service_.RecordMeteredUsage(
        std::span(&lease, 1), records.subspan(begin, end - begin), "metering");
    if (stats.ok()) {
      run.added += stats->added;
      run.duplicates += stats->duplicates;
    } else if (stats.status().code() == StatusCode::kInvalidArgument) {
      run.conflicts.push_back(lease.id.str() + ": " + stats.status().message());
    } else {
      return stats.status();
    }
    begin = end;
  }
  return Status::Ok();
}

Instant FloorToHour(Instant t) {
  constexpr int64_t kHour = 3600;
  const int64_t s = t.unix_seconds();
  return Instant::FromUnixSeconds((s >= 0 ? s : s - (kHour - 1)) / kHour * kHour);
}

Result<MeterRun> LeaseMeter::Run(Instant until, std::optional<Instant> from) {
  MeterRun run;
  run.until = FloorToHour(until);
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> watermark, billing_.MeteredUntil());
  // Before the first run everything kept in the store is metered; a lease
  // does not start before 1970.
  const bool first_run = !from && !watermark;
  run.from = from.value_or(watermark.value_or(Instant::FromUnixSeconds(0)));
  // Starting after the watermark would leave the hours between unmetered.
  if (watermark && *watermark < run.from) run.from = *watermark;
  if (watermark && run.until < *watermark) run.until = *watermark;
  if (run.until <= run.from) return run;

  std::set<std::string> self_metered;
  if (self_metered_) {
    STRAITS_ASSIGN_OR_RETURN(std::vector<SiteId> sites, self_metered_());
    for (const SiteId& site : sites) self_metered.insert(site.str());
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease_store::AllocationRow> rows,
                           leases_.LoadAllocations(run.from));
  // Allocations by lease, in lease order, so records come out grouped.
  std::map<int64_t, std::vector<const lease_store::AllocationRow*>> by_lease;
  for (const lease_store::AllocationRow& row : rows) {
    if (row.start < run.until && row.gpus > 0) by_lease[row.lease_seq].push_back(&row);
  }
  std::vector<billing::Allocation> allocations;
  std::vector<billing_store::ServiceLease> metered;
  for (const auto& [seq, lease_rows] : by_lease) {
    STRAITS_ASSIGN_OR_RETURN(lease::Lease l, leases_.GetLease(lease::LeaseIdFromSeq(seq)));
    if (!Metered(l.state) || !l.placement) continue;
    if (self_metered.count(l.placement->site.str()) > 0) continue;
    const lease::LeasePlacement& p = *l.placement;
    Instant start = p.start, end = p.end;
    for (const lease_store::AllocationRow* row : lease_rows) {
      start = std::min(start, row->start);
      end = std::max(end, row->end);
      STRAITS_ASSIGN_OR_RETURN(Interval window, Interval::Make(row->start, row->end));
      allocations.push_back(billing::Allocation{l.id, row->node, row->gpus, window});
    }
    STRAITS_ASSIGN_OR_RETURN(Interval term, Interval::Make(start, end));
    metered.push_back(billing_store::ServiceLease{l.id, l.spec.tenant, p.site, p.model,
                                                  static_cast<int>(p.gpus()), term});
  }
  std::vector<billing::UsageRecord> records =
      billing::MeterAllocations(allocations, run.from, run.until);
  if (first_run) {
    // Report where metering actually began rather than 1970.
    run.from = run.until;
    for (const billing::Allocation& a : allocations)
      run.from = std::min(run.from, a.window.start());
  }
  run.leases = static_cast<int64_t>(metered.size());
  run.records = static_cast<int64_t>(records.size());
  if (!records.empty()) {
    Result<billing::IngestStats> stats = service_.RecordMeteredUsage(metered, records, "metering");
    if (stats.ok()) {
      run.added = stats->added;
      run.duplicates = stats->duplicates;
    } else if (stats.status().code() != StatusCode::kInvalidArgument) {
      return stats.status();
    } else {
      // Some lease's usage conflicts with records from another source (its
      // execution backend reports it, e.g. Slurm accounting): meter lease by
      // lease so the others are not held back, and name the conflicting ones.
      STRAITS_RETURN_IF_ERROR(MeterOneByOne(metered, records, run));
    }
  }
  if (!watermark || *watermark < run.until) {
    STRAITS_RETURN_IF_ERROR(billing_.SetMeteredUntil(run.until));
  }
  return run;
}

}  // namespace straits::metering
