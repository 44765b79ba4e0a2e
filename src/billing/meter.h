// Metering for backends that do not report usage themselves (the simulated
// backend): turns scheduled allocations into hourly usage records.
//
// Records are cut at every UTC hour and at `from`/`to`, so metering
// consecutive windows [t0, t1), [t1, t2), ... as the clock passes yields
// disjoint records, and metering the same window twice yields identical
// records (which UsageLedger::Ingest skips as duplicates).
//
//   std::vector<UsageRecord> records = MeterAllocations(allocations, last_metered, now);
//
// Thread-safety: pure function.
#pragma once

#include <span>
#include <vector>

#include "billing/usage.h"

namespace straits::billing {

// `gpus` GPUs of `node` held by `lease` during `window`.
struct Allocation {
  LeaseId lease;
  NodeId node;
  int gpus = 0;
  Interval window;
};

// Records for the part of every allocation inside [from, to), ordered by
// allocation then time. Allocations with gpus < 1 are skipped.
std::vector<UsageRecord> MeterAllocations(std::span<const Allocation> allocations, Instant from,
                                          Instant to);

}  // namespace straits::billing
