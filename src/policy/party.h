// A party to a transaction (tenant, consignee, operator) as screening sees it:
// its names, headquarters and ownership chain. Plain values: callers build it
// from fleet::Organization and its parents; the engine never reads the store.
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/country.h"

namespace straits::policy {

struct PartyName {
  std::string name;
  std::vector<std::string> aliases;
  std::optional<Country> hq;
};

struct Party : PartyName {
  // Owners from the direct parent up to the ultimate parent (last).
  std::vector<PartyName> owners;

  // Headquarters of the ultimate parent, nullopt without owners.
  std::optional<Country> UltimateParentHq() const {
    return owners.empty() ? std::nullopt : owners.back().hq;
  }
};

}  // namespace straits::policy
