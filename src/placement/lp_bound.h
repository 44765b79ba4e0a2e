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
// pool class. The simplex (COIN-OR CLP) solves it when that fits in
// `max_nonzeros` at the requested slot width; larger instances (ElasticFlow
// with deadlines: 15.8 million at hourly slots) get the Lagrangian bound at the
// same width instead. Relaxing the capacity rows with prices y[p, u] >= 0 gives
//     L(y) = sum over p, u of C_p * y[p, u]
//          + sum over j of max(0, max over columns (p, t) of
//                                 g_j * d_j - sum over u of g_j * m(j, t, u) * y[p, u])
// which is at least the LP's optimum for *every* y >= 0 (weak duality: it is
// the dual objective of y with each request's row price set to its best
// column's reduced profit), so it is an upper bound on any placement whatever
// the prices; subgradient steps (Polyak's rule, Held-Wolfe-Crowder 1974) lower
// it and the smallest value seen is returned. A column's price is a prefix-sum
// lookup plus its few partly covered slots, so a step costs O(columns), and no
// matrix is built. (With `Method::kLp`, slots double instead until the matrix
// fits, which loosens the bound.)
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/status.h"
#include "placement/calendar.h"
#include "placement/request.h"
#include "placement/topology.h"

namespace straits::placement {

struct LpBoundOptions {
  Seconds slot = 3600;
  int64_t max_nonzeros = 6'000'000;
  Seconds max_slot = 7 * 86400;
  // kAuto: the LP when its matrix at `slot` fits in `max_nonzeros`, else the
  // Lagrangian bound at `slot` (never coarser slots, which loosen the bound).
  // kLp: the LP, coarsening slots until it fits (resource_exhausted past max_slot).
  enum class Method { kAuto, kLp, kLagrangian };
  Method method = Method::kAuto;
  int lagrangian_iterations = 400;
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
  std::string method;      // "lp" or "lagrangian"
  int64_t iterations = 0;  // subgradient steps of the Lagrangian bound
};

// resource_exhausted when even `max_slot` slots exceed `max_nonzeros`;
// internal if the solver fails. Requests that do not compile count as
// unplaceable, not as errors.
Result<LpBound> UpperBoundGpuHours(const Topology& topology, std::span<const Request> requests,
                                   const LpBoundOptions& options = {});

}  // namespace straits::placement
