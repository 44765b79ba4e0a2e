// How late a candidate may start and still reach a score: the engine searches a
// (site, model) pair only up to that start, which keeps decisions on large
// fleets cheap (engine.h).
#pragma once

#include "placement/calendar.h"

namespace straits::placement {

// The latest start in [earliest, latest] at which the earliest-start score
// (EarliestStartScore: 100 * d / (d + delay), delay counted from `earliest`)
// still reaches `needed`: exactly reaching it is enough when `ties`, else it
// must be exceeded. earliest - 1 when no start can. The exact delay is a
// rounded double, so the result is one second past it: a search may look one
// second further than it needs to, never less far, so a start that ties exactly
// is always seen.
Seconds LatestStartReaching(double needed, Seconds duration, Seconds earliest, Seconds latest,
                            bool ties);

}  // namespace straits::placement
