#include "billing/meter.h"

#include <algorithm>

namespace straits::billing {

std::vector<UsageRecord> MeterAllocations(std::span<const Allocation> allocations, Instant from,
                                          Instant to) {
  constexpr int64_t kHour = 3600;
  std::vector<UsageRecord> out;
  for (const Allocation& a : allocations) {
    if (a.gpus < 1) continue;
    const Instant start = std::max(a.window.start(), from);
    const Instant end = std::min(a.window.end(), to);
    for (Instant t = start; t < end;) {
      const int64_t s = t.unix_seconds();
      // Floor division, so hours before 1970 are cut at their boundaries too.
      const int64_t hour_start = (s >= 0 ? s : s - (kHour - 1)) / kHour * kHour;
      const Instant next = std::min(end, Instant::FromUnixSeconds(hour_start + kHour));
      out.push_back(UsageRecord{a.lease, a.node, t, next, (next - t).seconds() * a.gpus, 0});
      t = next;
    }
  }
  return out;
}

}  // namespace straits::billing
