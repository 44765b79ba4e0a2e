// An upper bound on the GPU-hours any placement could accept from a set of
// windowed lease requests: the optimum of a linear relaxation, solved with
// COIN-OR CLP. Replays report their accepted GPU-hours against it.
//
//   Result<LpBound> b = UpperBoundGpuHours(topology, requests);
//   double ratio = accepted_gpu_hours / b->gpu_hours;   // <= 1 for any strategy
//
// Relaxation. GPUs are pooled per (site, model) (pools that every request can use
// alike are merged); a request may go to any pool it may use (listed sites,
// model, price cap, a group big enough for its scope), without regard to nodes or
// pods. Time is cut into slots of width D. Variable x[j, p, t] in [0, 1] is the
// share of request j that starts in slot t in pool p (slots meeting its window
// of starts), with sum over p and t of x[j, p, t] <= 1. For every pool p and
// slot u:
//     sum over j, t of  g_j * m(j, t, u) * x[j, p, t]  <=  C_p,
// where m(j, t, u) is the *least* share of slot u that request j covers over all
// starts it may take within slot t (the overlap is piecewise linear in the start,
// so that least share sits at an end of the range). Any real placement gives a
// feasible x (its real slot shares are at least these), since on average over a
// slot no pool holds more than C_p GPUs; so the optimum of
//     maximize sum of g_j * d_j * x[j, p, t]
// bounds every placement from above. Requests without a deadline could always
// be placed after every other one, so they count in full.
//
// Size: about (window / D + 1) x (duration / D + 1) nonzeros per request and
// pool class; D starts at `slot` and doubles until the matrix has at most
// `max_nonzeros` (coarser slots give a looser bound).
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "placement/calendar.h"
#include "placement/request.h"
#include "placement/topology.h"

namespace straits::placement {

struct LpBoundOptions {
  Seconds slot = 3600;
  int64_t max_nonzeros = 6'000'000;
  Seconds max_slot = 7 * 86400;
};

struct LpBound {
  double gpu_hours = 0;            // the bound
  double requested_gpu_hours = 0;  // of every valid request
  double unbounded_gpu_hours = 0;  // of requests without a deadline (in the bound in full)
  int64_t unplaceable = 0;         // requests no pool can take (invalid or too big)
  Seconds slot = 0;                // slot width used
  int64_t pools = 0;
  int64_t variables = 0;
  int64_t constraints = 0;
  int64_t nonzeros = 0;
};

// resource_exhausted when even `max_slot` slots exceed `max_nonzeros`;
// internal if the solver fails. Requests that do not compile count as
// unplaceable, not as errors.
Result<LpBound> UpperBoundGpuHours(const Topology& topology, std::span<const Request> requests,
                                   const LpBoundOptions& options = {});

}  // namespace straits::placement
