#include "policy/store_facts.h"

#include <cmath>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace straits::policy {
namespace {

template <typename T, typename Fetch>
Result<std::vector<T>> AllPages(Fetch fetch) {
  std::vector<T> out;
  store::PageRequest page{.limit = 1000, .cursor = {}};
  while (true) {
    STRAITS_ASSIGN_OR_RETURN(store::Page<T> batch, fetch(page));
    for (T& item : batch.items) out.push_back(std::move(item));
    if (batch.next_cursor.empty()) return out;
    page.cursor = batch.next_cursor;
  }
}

PartyName NameOf(const fleet::Organization& org) {
  return PartyName{.name = org.name, .aliases = org.aliases, .hq = org.hq};
}

// TPP installed at `detail` (NaN when a model's TPP is not published).
double InstalledTpp(const Engine& engine, const store::SiteDetail& detail) {
  double total = 0;
  for (const auto& [model, gpus] : detail.gpus_by_model) {
    const ItemFacts* item = engine.FindItem(model);
    if (!item || std::isnan(item->tpp)) return kUnknownNumber;
    total += item->tpp * gpus;
  }
  return total;
}

bool NamesOrg(const std::string& name, const fleet::Organization& org) {
  if (name == org.name) return true;
  for (const std::string& alias : org.aliases) {
    if (alias == name) return true;
  }
  return false;
}

}  // namespace

Result<Party> PartyFromStore(store::Store& store, const fleet::Organization& org) {
  Party party;
  static_cast<PartyName&>(party) = NameOf(org);
  std::set<std::string> seen{org.id.str()};
  std::optional<OrgId> next = org.parent;
  while (next && seen.insert(next->str()).second) {
    STRAITS_ASSIGN_OR_RETURN(fleet::Organization owner, store.GetOrg(*next));
    party.owners.push_back(NameOf(owner));
    next = owner.parent;
  }
  return party;
}

Status ResolveFromStore(store::Store& store, CheckRequest& request) {
  if (request.tenant.id) {
    Result<fleet::Organization> org = store.GetOrg(*request.tenant.id);
    if (!org.ok()) {
      if (org.status().code() != StatusCode::kNotFound) return org.status();
      return NotFound("no organization \"" + request.tenant.id->str() +
                          "\" in the database (`straits orgs list` shows the ids)",
                      "tenant_id");
    }
    STRAITS_ASSIGN_OR_RETURN(request.tenant.party, PartyFromStore(store, *org));
    request.tenant.parent_hq.reset();
  }
  if (request.site_id) {
    Result<store::SiteDetail> site = store.GetSite(*request.site_id);
    if (!site.ok()) {
      if (site.status().code() != StatusCode::kNotFound) return site.status();
      return NotFound("no site \"" + request.site_id->str() +
                          "\" in the database (`straits sites list` shows the ids)",
                      "site_id");
    }
    request.site_country = site->site.country;
    STRAITS_ASSIGN_OR_RETURN(fleet::Organization op, store.GetOrg(site->site.operator_id));
    STRAITS_ASSIGN_OR_RETURN(request.operator_party.party, PartyFromStore(store, op));
    request.operator_party.parent_hq.reset();
  }
  return Status::Ok();
}

Status FillRunningTotals(store::Store& store, const Engine& engine, CheckRequest& request) {
  if (request.kind != Kind::kExport) return Status::Ok();
  const bool need_country = std::isnan(request.country_total_tpp) && request.to.has_value();
  const bool need_consignee =
      std::isnan(request.consignee_year_tpp) && !request.consignee.party.name.empty();
  if (!need_country && !need_consignee) return Status::Ok();

  STRAITS_ASSIGN_OR_RETURN(
      std::vector<fleet::Site> sites,
      AllPages<fleet::Site>([&](const store::PageRequest& page) { return store.ListSites(page); }));
  std::optional<OrgId> consignee;
  if (need_consignee) {
    STRAITS_ASSIGN_OR_RETURN(std::vector<fleet::Organization> orgs,
                             AllPages<fleet::Organization>([&](const store::PageRequest& page) {
                               return store.ListOrgs(page);
                             }));
    for (const fleet::Organization& org : orgs) {
      if (NamesOrg(request.consignee.party.name, org)) consignee = org.id;
    }
  }
  double country_total = 0;
  double consignee_total = 0;
  for (const fleet::Site& site : sites) {
    const bool in_country = need_country && site.country == *request.to;
    const bool of_consignee = consignee && site.operator_id == *consignee;
    if (!in_country && !of_consignee) continue;
    STRAITS_ASSIGN_OR_RETURN(store::SiteDetail detail, store.GetSite(site.id));
    const double tpp = InstalledTpp(engine, detail);
    if (in_country) country_total += tpp;
    if (of_consignee) consignee_total += tpp;
  }
  if (need_country) request.country_total_tpp = country_total;
  if (consignee) request.consignee_year_tpp = consignee_total;
  return Status::Ok();
}

Result<WhatIfWorld> WhatIfWorldFromStore(store::Store& store, lease_store::LeaseStore* leases) {
  WhatIfWorld world;
  STRAITS_ASSIGN_OR_RETURN(std::vector<fleet::Organization> orgs,
                           AllPages<fleet::Organization>([&](const store::PageRequest& page) {
                             return store.ListOrgs(page);
                           }));
  std::unordered_map<std::string, size_t> tenant_index;
  for (const fleet::Organization& org : orgs) {
    if (!org.is_tenant) continue;
    STRAITS_ASSIGN_OR_RETURN(Party party, PartyFromStore(store, org));
    tenant_index[org.id.str()] = world.tenants.size();
    world.tenants.push_back({.id = org.id.str(), .party = std::move(party)});
  }
  STRAITS_ASSIGN_OR_RETURN(
      std::vector<fleet::Site> sites,
      AllPages<fleet::Site>([&](const store::PageRequest& page) { return store.ListSites(page); }));
  std::unordered_map<std::string, size_t> site_index;
  for (const fleet::Site& site : sites) {
    STRAITS_ASSIGN_OR_RETURN(store::SiteDetail detail, store.GetSite(site.id));
    STRAITS_ASSIGN_OR_RETURN(fleet::Organization op, store.GetOrg(site.operator_id));
    WhatIfSite out;
    out.id = site.id.str();
    out.country = site.country;
    out.operator_party = NameOf(op);
    for (const auto& [model, gpus] : detail.gpus_by_model) {
      if (gpus > 0) out.models.push_back(model);
    }
    site_index[out.id] = world.sites.size();
    world.sites.push_back(std::move(out));
  }
  if (!leases) return world;
  const lease::State kHolding[] = {lease::State::kPendingReview, lease::State::kScheduled,
                                   lease::State::kActive, lease::State::kComplianceHold};
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease::Lease> held, leases->ListInStates(kHolding));
  for (const lease::Lease& l : held) {
    if (!l.placement) continue;
    auto tenant = tenant_index.find(l.spec.tenant.str());
    auto site = site_index.find(l.placement->site.str());
    if (tenant == tenant_index.end() || site == site_index.end()) continue;
    WhatIfCombination combination;
    combination.label = "lease " + l.id.str();
    combination.tenant = tenant->second;
    combination.site = site->second;
    combination.model = l.placement->model;
    const int64_t gpus = l.placement->gpus();
    combination.count = gpus > 0 ? gpus : l.spec.gpus;
    combination.end_use = l.spec.end_use;
    combination.training_flop = l.spec.training_flop ? *l.spec.training_flop : kUnknownNumber;
    world.combinations.push_back(std::move(combination));
  }
  return world;
}

}  // namespace straits::policy
