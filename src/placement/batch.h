// Batch placement: many pending requests at once, e.g. when re-planning after a
// site goes down or when a queue of quotes turns into leases together.
//
//   BatchOptions options;                     // order: kBest
//   Result<BatchResult> r = PlaceBatch(engine, pending, calendar, options);
//   r->decisions[i]                           // for pending[i]; placed ones are reserved
//
// Requests are placed one after another (each sees the reservations of the ones
// before it), in one of these orders:
//   kArrival       as given;
//   kDeadline      earliest latest-start first (EDF), then larger first;
//   kLargestFirst  most GPU-hours first, then earliest deadline;
//   kBest          each of the above on a copy of the calendar, keeping the order
//                  that places the most GPU-hours (then the most requests).
// Placed requests are reserved in `calendar` under first_id + their index.
//
// Thread-safety: uses `engine` and `calendar` exclusively for the call.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "placement/calendar.h"
#include "placement/decision.h"
#include "placement/engine.h"
#include "placement/request.h"

namespace straits::placement {

struct BatchOptions {
  enum class Order { kArrival, kDeadline, kLargestFirst, kBest };
  Order order = Order::kBest;
  ReservationId first_id = 1;
  DecideOptions decide{.now = {}, .explain = false, .reasons = true};
};

struct BatchResult {
  std::vector<Decision> decisions;                            // one per request, in the order given
  BatchOptions::Order order = BatchOptions::Order::kArrival;  // the order used
  int64_t placed = 0;
  double placed_gpu_hours = 0;
};

std::string_view BatchOrderName(BatchOptions::Order order);  // "arrival", "deadline", ...

// Validates every request first (errors as CompileRequest, field prefixed with
// "requests[i]"; nothing is reserved then); reservation failures are internal
// errors (the engine's decisions always fit the calendar they were made on).
Result<BatchResult> PlaceBatch(Engine& engine, std::span<const Request> requests,
                               Calendar& calendar, const BatchOptions& options = {});

}  // namespace straits::placement
