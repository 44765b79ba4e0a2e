// JSON shapes of leases, shared by the HTTP API, the CLI (`--json`) and the
// store (which keeps the request as JSON text), so every surface prints the
// same keys.
//
// A lease request (POST /v1/leases, `straits lease request`):
//   {"tenant": "qiantang-sg", "gpus": 64,
//    "accelerators": ["h100-sxm", "h200-sxm"],      // and/or "min_tpp": 4800
//    "scope": "pod",                                 // node (default) | pod | site
//    "start": "2026-12-01T00:00:00Z", "duration": "72h"
//      | "earliest": "2026-12-01", "latest_end": "2026-12-20", "duration": "72h",
//    "sites": ["my-johor-1"],                        // only these, best first
//    "max_price": "3.50 USD",                        // per GPU-hour
//    "purpose": "training", "training_flop": 3e24}
// Neither start nor earliest: from now. A fixed start is a window of exactly the
// duration.
//
// A lease:
//   {"id": "lease-000042", "tenant": "...", "state": "scheduled", "version": 3,
//    "request": {... the request, normalized: earliest, latest_end, duration ...},
//    "placement": {"site", "model", "start", "end", "gpus",
//                  "nodes": [{"node": "myj1-h100-001", "gpus": 8}],
//                  "price_per_gpu_hour": "3.10 USD" | null} | null,
//    "verdict": "conditions", "accepted_verdict": "conditions",
//    "hold_until": "..." | null, "reason": "...", "license": "...",
//    "reviewed_by": "...", "created_by": "...", "created_at": "...", "updated_at": "..."}
//
// Parsers return invalid_argument whose field is the JSON key of the first bad
// value and say what is accepted.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>

#include "core/status.h"
#include "core/time.h"
#include "lease/lease.h"

namespace straits::lease {

// Parses a request body; `now` is the earliest start when none is given.
Result<LeaseSpec> SpecFromJson(const boost::json::object& body, Instant now);
// The normalized request (earliest, latest_end, duration; never start).
boost::json::object SpecToJson(const LeaseSpec& spec);

boost::json::object PlacementToJson(const LeasePlacement& placement);
Result<LeasePlacement> PlacementFromJson(const boost::json::object& json);

boost::json::object LeaseToJson(const Lease& lease);

// Reads a JSON number (integer or double) at `key`; nullopt when absent or null.
Result<std::optional<double>> OptionalNumber(const boost::json::object& object,
                                             std::string_view key);

}  // namespace straits::lease
