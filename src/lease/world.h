// World: the snapshot of the fleet and the organizations that lease decisions
// run on, loaded from the store: the placement topology (with prices from the
// rate cards), the site records (country, operator) and every organization
// (for the tenant's and operator's parties and ownership chains).
//
// Fingerprints of the fleet and of the organizations let the service notice a
// re-import (a new node, a changed owner) and reload.
//
// Thread-safety: a World is immutable once loaded; share it through
// shared_ptr<const World>.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "billing/fx.h"
#include "billing/rate_card.h"
#include "catalog/catalog.h"
#include "core/status.h"
#include "fleet/fleet.h"
#include "placement/topology.h"
#include "policy/engine.h"
#include "policy/party.h"
#include "store/store.h"

namespace straits::lease {

struct World {
  explicit World(placement::Topology t) : topology(std::move(t)) {}

  placement::Topology topology;
  std::vector<fleet::Site> sites;  // by SiteIndex
  std::unordered_map<std::string, fleet::Organization> orgs;
  std::vector<const policy::ItemFacts*> items;  // by ModelIndex; owned by the policy engine
  std::string fleet_fingerprint;
  std::string org_fingerprint;

  const fleet::Organization* FindOrg(const OrgId& id) const {
    auto it = orgs.find(id.str());
    return it == orgs.end() ? nullptr : &it->second;
  }
  // The organization as screening sees it: names, headquarters and its owners
  // from the direct parent up (a loop in the chain stops where it closes).
  policy::Party PartyOf(const fleet::Organization& org) const;
};

// Loads the fleet and organizations. Placement compares prices in one
// currency, so the price of each site and model is that of `rates` in force at
// `now`, converted into USD with `fx` at `now` (rates up to a year old are
// accepted: the figure only ranks sites and checks caps, it bills nothing).
// Prices that cannot be converted (no fx, no rate) are left out: such a site
// never passes a price cap.
Result<std::shared_ptr<const World>> LoadWorld(store::Store& store, const catalog::Catalog& catalog,
                                               const policy::Engine& policy,
                                               const billing::RateCards* rates,
                                               const billing::FxTable* fx, Instant now);

// `price` in USD at `now` via `fx` (see LoadWorld); nullopt when it cannot be converted.
std::optional<Money> PriceInUsd(const Money& price, const billing::FxTable* fx, Instant now);

// {fleet, organizations} fingerprints as LoadWorld would compute them.
Result<std::pair<std::string, std::string>> WorldFingerprints(store::Store& store);

}  // namespace straits::lease
