// JSON shapes of the compliance engine, shared by the CLI (`straits check
// --json`, `screen --json`, `policy list|show --json`, `whatif --json`) and
// the HTTP API (POST /v1/compliance/check, POST /v1/screening/search,
// GET /v1/policy/regimes[/{id}], POST /v1/compliance/whatif), so both print
// exactly the same keys. Library target straits_policy_json (the only policy
// target that links Boost.JSON).
//
//   DecisionToJson(decision) ->
//     {"verdict": "conditions", "undetermined": false, "date": "2025-11-01",
//      "kind": "remote_access",
//      "hits": [{"regime": "us-bis-2025-05-guidance", "rule": "iaas-training-due-diligence",
//                "citation": "...", "verdict": "conditions", "message": "...",
//                "status": "final", "jurisdiction": "US", "undetermined": false}],
//      "regimes": [{"id": "us-ear-2023-10", "hash": "sha256:...", "status": "final"}],
//      "screening": [...]}            // present when parties were screened
//
// Request parsers return invalid_argument whose field is the JSON path of the
// first bad value ("consignee.hq", "regimes[1]") for a non-object body,
// unknown keys, wrong types and invalid values, saying what is accepted.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "policy/check.h"
#include "policy/engine.h"
#include "policy/pack.h"
#include "policy/screening.h"
#include "policy/whatif.h"

namespace straits::policy {

// POST /v1/compliance/check body; see docs/compliance.md for every key:
//   {"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "count": 8,
//    "from": "US", "to": "MY",
//    "consignee": {"name": "...", "aliases": [], "hq": "MY", "parent_hq": "CN",
//                  "owners": [{"name": "...", "hq": "CN"}]},
//    "totals": {"country_tpp": 0, "consignee_year_tpp": 0},
//    "regimes": ["us-ear-2025-01-diffusion"], "only_regimes": false}
//   {"kind": "remote_access", "date": "...", "item": "...", "count": 64,
//    "site_country": "MY" | "site_id": "...", "operator": {"name": "...", "hq": "US"},
//    "tenant": {"name": "...", "hq": "CN"} | "tenant_id": "...",
//    "end_use": "training", "training_flop": 3e24}
Result<CheckRequest> CheckRequestFromJson(const boost::json::value& body);

// The decision, with the screening of each party when given.
boost::json::object DecisionToJson(const Decision& decision,
                                   std::span<const PartyScreening> screenings = {});

// One match: {"score", "entry": {...}, "matched_name", "query", "cleared": null|{...}}.
boost::json::object MatchToJson(const Match& match);
boost::json::object ListEntryToJson(const ListEntry& entry);
boost::json::object PartyScreeningToJson(const PartyScreening& screening);

// POST /v1/screening/search body: {"name": "...", "country": "CN", "date":
// "2025-06-01", "limit": 10}; only name is required.
struct ScreenRequest {
  std::string name;
  std::optional<Country> country;
  std::optional<Instant> date;
  size_t limit = 10;
};
Result<ScreenRequest> ScreenRequestFromJson(const boost::json::value& body);
// {"name", "threshold", "matches": [...]}.
boost::json::object ScreenResultToJson(const ScreenRequest& request, std::span<const Match> matches,
                                       double threshold);

// A compliance officer's clearance of a false positive, as the store records
// it: {"party_name", "entry_id", "reason", "cleared_by", "cleared_at"}
// (cleared_at an ISO 8601 instant). invalid_argument naming the field, as
// ValidateClearance.
Result<Clearance> ClearanceFromJson(const boost::json::value& body);
boost::json::object ClearanceToJson(const Clearance& clearance);

// GET /v1/policy/regimes?date=D: one summary per pack with its status on `date`:
// {"id", "jurisdiction", "title", "status", "published", "effective",
//  "compliance", "rescinded", "suspended_from", "suspended_until",
//  "in_force": bool, "state": "in force" | "suspended ..." | ..., "hash", "rule_count": N}.
boost::json::object PackSummaryToJson(const Pack& pack, Instant date);
boost::json::array PackListToJson(const Engine& engine, Instant date);
// GET /v1/policy/regimes/{id}: the summary plus "sources", "source_file",
// "thresholds", "groups": [{"id", "source", "members_on_date": [...],
// "memberships": [{"country", "from", "until", "source"}]}] and "rules":
// [{"id", "citation", "kinds", "from", "until", "when", "verdict", "message"}].
boost::json::object PackToJson(const Pack& pack, Instant date);

// POST /v1/compliance/whatif body: {"date": "2025-03-01", "regimes": [...],
// "only_regimes": false}; every key optional.
Result<WhatIfScenario> WhatIfScenarioFromJson(const boost::json::value& body);
// {"baseline_date", "scenario_date", "scenario_regimes", "combinations",
//  "stricter", "looser", "rules_changed", "changes": [{"tenant", "site",
//  "model", "label", "change", "baseline": {"verdict", "rules"},
//  "scenario": {"verdict", "rules", "messages"}}]}.
boost::json::object WhatIfReportToJson(const WhatIfReport& report);

}  // namespace straits::policy
