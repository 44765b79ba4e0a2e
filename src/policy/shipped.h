// The rule packs and restricted-party lists shipped inside the binary.
//
// Packs are the data/policy/*.toml files embedded by the catalog
// (catalog::ShippedPolicyPacks()); lists are data/lists/*.csv. Each call
// parses the embedded text afresh (a few milliseconds); callers load once at
// startup and keep the result.
//
// Thread-safety: pure functions over immutable embedded data.
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "policy/engine.h"
#include "policy/pack.h"
#include "policy/screening.h"

namespace straits::policy {

// Every shipped pack, parsed and compiled. internal when one does not load
// (the tests load the same files, so that is a build defect).
Result<std::vector<Pack>> LoadShippedPacks();

// An engine over the shipped packs and catalog.
Result<Engine> LoadShippedEngine();

// Every entry of the shipped lists (data/lists/*.csv), in file order.
Result<std::vector<ListEntry>> LoadShippedListEntries();

// A screener over the shipped lists with the given clearances.
Result<Screener> LoadShippedScreener(std::vector<Clearance> clearances = {},
                                     double threshold = Screener::kDefaultThreshold);

}  // namespace straits::policy
