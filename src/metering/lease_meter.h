// LeaseMeter: meters the leases of the lease service into usage records, the
// way the simulated execution backend reports what ran.
//
// Every scheduled, active, completed or terminated lease with a placement
// used its allocated GPUs over [start, end) (a terminated lease's allocations
// end when it ended). A run meters the part of those allocations between the
// watermark (BillingStore::MeteredUntil; the beginning of time on the first
// run) and `until` rounded down to the UTC hour, as hourly records
// (billing::MeterAllocations), stores the leases' billing terms and ingests
// the records (BillingService::RecordMeteredUsage), then moves the watermark
// to that hour. Metering is idempotent: a second run up to the same time
// finds nothing new, and should a run stop between the ingest and the
// watermark, the next one re-meters the same hours, whose records the ingest
// skips as already held.
//
// Leases pending review, on compliance hold, denied, cancelled or expired are
// not metered: their GPUs did not run for the tenant. Neither are leases at
// sites whose execution backend reports usage itself (Slurm: jobs' GPU time
// from its accounting, `straits backend poll`): metering their allocations
// too would bill the same GPUs twice; their reserved-but-idle time is billed
// by the backend too, as records of series `reserved` (backend/reserved_time.h).
//
//   LeaseMeter meter(*lease_store, *billing_store, billing_service);
//   STRAITS_ASSIGN_OR_RETURN(MeterRun run, meter.Run(clock.Now()));
//
// Errors: those of the stores and of BillingService::RecordMeteredUsage; the
// watermark does not move when a run fails.
//
// Thread-safety: Run may be called from several threads; runs over the same
// hours produce the same records, so concurrent runs are harmless.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "billing_store/billing_service.h"
#include "billing_store/billing_store.h"
#include "core/status.h"
#include "core/time.h"
#include "lease_store/lease_store.h"

namespace straits::metering {

// What one run did.
struct MeterRun {
  Instant from;            // the watermark it started at
  Instant until;           // the new watermark (a whole UTC hour)
  int64_t leases = 0;      // leases with usage in [from, until)
  int64_t records = 0;     // records metered
  int64_t added = 0;       // records new to the billing repository
  int64_t duplicates = 0;  // records it already held
  // Leases left out because their usage conflicts with records from another
  // source (an execution backend that reports usage itself), with the reason.
  std::vector<std::string> conflicts;
};

class LeaseMeter {
 public:
  // The sites whose backend reports usage itself; asked once per run, so a
  // site configured while `straits serve` runs is left out from the next run.
  using SelfMeteredSites = std::function<Result<std::vector<SiteId>>()>;

  // All three must outlive the meter. `self_metered` may be null (every site
  // is metered here).
  LeaseMeter(lease_store::LeaseStore& leases, billing_store::BillingStore& billing,
             billing_store::BillingService& service, SelfMeteredSites self_metered = nullptr)
      : leases_(leases),
        billing_(billing),
        service_(service),
        self_metered_(std::move(self_metered)) {}

  // Meters up to `until` (rounded down to the hour). `from`, when given and
  // before the watermark, starts there instead (re-metering a past stretch:
  // records already held are skipped); the watermark never moves back.
  Result<MeterRun> Run(Instant until, std::optional<Instant> from = std::nullopt);

 private:
  Status MeterOneByOne(std::span<const billing_store::ServiceLease> leases,
                       std::span<const billing::UsageRecord> records, MeterRun& run);

  lease_store::LeaseStore& leases_;
  billing_store::BillingStore& billing_;
  billing_store::BillingService& service_;
  SelfMeteredSites self_metered_;
};

// `t` rounded down to its UTC hour.
Instant FloorToHour(Instant t);

}  // namespace straits::metering
