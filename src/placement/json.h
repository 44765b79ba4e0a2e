// JSON shapes of placement requests and decisions, shared by the CLI
// (`straits place --request FILE.json [--json]`) and the HTTP API, so both speak
// the same keys. Library target straits_placement_json (the only placement
// target that links Boost.JSON).
//
// Request (docs/placement.md):
//   {"id": "train-70b", "tenant": "qiantang-sg", "gpus": 64,
//    "models": ["h100-sxm", "h200-sxm"],
//    "constraints": {"min_tpp": 4800, "min_memory_gb": 80, "vendor": "nvidia"},
//    "duration": "72h",
//    "earliest_start": "2025-06-01", "latest_end": "2025-06-10T00:00:00Z",
//    "scope": "pod", "sites": ["sg-jurong-1", "my-johor-1"], "only_listed_sites": false,
//    "max_price_per_gpu_hour": "3.00 USD"}
// "gpus", "duration" and either "earliest_start" or "start" (a fixed start:
// the window is exactly the duration) are required; "models" or "constraints"
// must be given; "scope" defaults to "node".
//
// Decision:
//   {"placed": true,
//    "placement": {"site": "sg-jurong-1", "model": "h100-sxm", "pod": "sg-jurong-1-a",
//                  "start": "...Z", "end": "...Z", "gpus": 64,
//                  "nodes": [{"node": "sgj1-h100-001", "gpus": 8}, ...],
//                  "price_per_gpu_hour": "2.50 USD", "score": 1042.5},
//    "reasons": [{"site": "my-johor-1", "code": "capacity_short", "plugin": "FindWindow",
//                 "message": "...", "short_by_gpus": 8}, ...]}
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "placement/decision.h"
#include "placement/request.h"
#include "placement/topology.h"

namespace straits::placement {

// invalid_argument with the JSON path of the first bad value as the field
// ("constraints.min_tpp", "models[1]") for a non-object, unknown keys, wrong
// types, missing required keys, and malformed ids, times, durations or money.
// Semantic checks against a fleet (unknown models, window too short) are
// CompileRequest's.
Result<Request> RequestFromJson(const boost::json::value& json);
// Parses `text` first; a syntax error names "SOURCE:LINE:COL".
Result<Request> ParseRequestJson(std::string_view text, std::string_view source_name);

boost::json::object DecisionToJson(const Decision& decision, const Topology& topology);

// A few lines for people: where and when, or why not, site by site.
std::string FormatDecision(const Decision& decision, const Topology& topology);

}  // namespace straits::placement
