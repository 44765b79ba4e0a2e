// What-if: every tenant x site x accelerator model combination evaluated as a
// remote_access transaction under a scenario (another date, and/or packs named
// explicitly) and against a baseline (today, packs chosen by date), listing
// what changes: the verdict, and the rules that fire.
//
//   WhatIfWorld world;                      // from the store: tenants, sites, models per site
//   WhatIfScenario scenario{.date = *Instant::Parse("2025-03-01"),
//                           .regimes = {"us-ear-2025-01-diffusion"}};
//   STRAITS_ASSIGN_OR_RETURN(WhatIfReport report,
//                            RunWhatIf(engine, &screener, world, today, scenario));
//
// Tenants are screened as of each date (so listings in between count).
// Leases, once they exist, are further combinations the caller adds to
// `world.combinations` with their own count, end use and training compute.
//
// Thread-safety: pure function.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/country.h"
#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "policy/engine.h"
#include "policy/party.h"
#include "policy/types.h"

namespace straits::policy {

class Screener;

struct WhatIfTenant {
  std::string id;  // org id
  Party party;     // name, aliases, hq, owners
};

struct WhatIfSite {
  std::string id;
  Country country = *Country::Parse("US");  // set by the caller
  PartyName operator_party;                 // hq required
  std::vector<ModelId> models;              // accelerator models installed at the site
};

// One extra combination, e.g. an existing lease.
struct WhatIfCombination {
  std::string label;  // "lease L-42"
  size_t tenant = 0;  // index into tenants
  size_t site = 0;    // index into sites
  ModelId model;
  int64_t count = 1;
  EndUse end_use = EndUse::kUndeclared;
  double training_flop = kUnknownNumber;
};

struct WhatIfWorld {
  std::vector<WhatIfTenant> tenants;
  std::vector<WhatIfSite> sites;
  std::vector<WhatIfCombination> combinations;  // beyond tenant x site x model
};

struct WhatIfScenario {
  std::optional<Instant> date;       // default: the baseline date
  std::vector<std::string> regimes;  // packs named explicitly
  bool only_regimes = false;
};

struct WhatIfChange {
  std::string tenant;
  std::string site;
  std::string model;
  std::string label;  // empty for tenant x site x model combinations
  Verdict baseline = Verdict::kAllowed;
  Verdict scenario = Verdict::kAllowed;
  std::vector<std::string> baseline_rules;  // "pack/rule"
  std::vector<std::string> scenario_rules;
  std::vector<std::string> scenario_messages;
  // "stricter", "looser" or "rules_changed" (same verdict, different rules).
  std::string change;
};

struct WhatIfReport {
  Instant baseline_date;
  Instant scenario_date;
  std::vector<std::string> scenario_regimes;
  size_t combinations = 0;
  size_t stricter = 0;
  size_t looser = 0;
  size_t rules_changed = 0;
  std::vector<WhatIfChange> changes;
};

// Called with (combinations evaluated, combinations in all) every
// kWhatIfProgressStep combinations and once at the end, from the caller's thread.
using WhatIfProgress = std::function<void(size_t done, size_t total)>;
inline constexpr size_t kWhatIfProgressStep = 4096;

// not_found (field "regimes") for an unknown pack; invalid_argument for a
// site without operator hq, a tenant without hq, an unknown model
// ("sites[2].models[0]") or a combination index out of range.
Result<WhatIfReport> RunWhatIf(const Engine& engine, const Screener* screener,
                               const WhatIfWorld& world, Instant baseline_date,
                               const WhatIfScenario& scenario, const WhatIfProgress& progress = {});

}  // namespace straits::policy
