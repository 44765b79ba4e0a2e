#include "lease/world.h"

#include <map>
#include <set>

#include "auth/tokens.h"
#include "placement/fleet_input.h"

namespace straits::lease {
namespace {

template <typename T, typename Fetch>
Result<std::vector<T>> All(Fetch fetch) {
  std::vector<T> out;
  store::PageRequest page{.limit = 1000, .cursor = ""};
  for (;;) {
    STRAITS_ASSIGN_OR_RETURN(store::Page<T> result, fetch(page));
    for (T& item : result.items) out.push_back(std::move(item));
    if (result.next_cursor.empty()) return out;
    page.cursor = result.next_cursor;
  }
}

struct Loaded {
  std::vector<fleet::Organization> orgs;
  std::vector<fleet::Site> sites;
  std::vector<fleet::Node> nodes;
};

Result<Loaded> Load(store::Store& store) {
  Loaded out;
  STRAITS_ASSIGN_OR_RETURN(out.orgs, All<fleet::Organization>([&](const store::PageRequest& p) {
                             return store.ListOrgs(p);
                           }));
  STRAITS_ASSIGN_OR_RETURN(
      out.sites, All<fleet::Site>([&](const store::PageRequest& p) { return store.ListSites(p); }));
  STRAITS_ASSIGN_OR_RETURN(out.nodes, All<fleet::Node>([&](const store::PageRequest& p) {
                             return store.ListNodes(std::nullopt, p);
                           }));
  return out;
}

std::string FleetFingerprint(const Loaded& l) {
  std::string text;
  for (const fleet::Site& s : l.sites) {
    text += s.id.str() + "|" + std::string(s.country.code()) + "|" + s.operator_id.str() + "\n";
  }
  for (const fleet::Node& n : l.nodes) {
    text += n.hostname.str() + "|" + n.pod.str() + "|" + n.site.str() + "|" + n.model.str() + "|" +
            std::to_string(n.gpus) + "\n";
  }
  return auth::Sha256Hex(text);
}

std::string OrgFingerprint(const Loaded& l) {
  std::string text;
  for (const fleet::Organization& o : l.orgs) {
    text += o.id.str() + "|" + o.name + "|" + std::string(o.hq.code()) + "|" +
            (o.parent ? o.parent->str() : "-") + "|" + (o.is_tenant ? "t" : "") +
            (o.is_operator ? "o" : "");
    for (const std::string& alias : o.aliases) text += "|" + alias;
    text += "\n";
  }
  return auth::Sha256Hex(text);
}

}  // namespace

policy::Party World::PartyOf(const fleet::Organization& org) const {
  policy::Party party;
  party.name = org.name;
  party.aliases = org.aliases;
  party.hq = org.hq;
  std::set<std::string> seen = {org.id.str()};
  std::optional<OrgId> parent = org.parent;
  while (parent && seen.insert(parent->str()).second) {
    const fleet::Organization* owner = FindOrg(*parent);
    if (!owner) break;
    party.owners.push_back(policy::PartyName{owner->name, owner->aliases, owner->hq});
    parent = owner->parent;
  }
  return party;
}

std::optional<Money> PriceInUsd(const Money& price, const billing::FxTable* fx, Instant now) {
  static const Currency kUsd = *Currency::Parse("USD");
  if (price.currency() == kUsd) return price;
  if (!fx) return std::nullopt;
  Result<Money> usd = fx->Convert(price, kUsd, now, nullptr, Duration::Days(366));
  if (!usd.ok()) return std::nullopt;
  return *usd;
}

Result<std::shared_ptr<const World>> LoadWorld(store::Store& store, const catalog::Catalog& catalog,
                                               const policy::Engine& policy,
                                               const billing::RateCards* rates,
                                               const billing::FxTable* fx, Instant now) {
  STRAITS_ASSIGN_OR_RETURN(Loaded loaded, Load(store));
  fleet::Fleet f;
  f.organizations = loaded.orgs;
  f.sites = loaded.sites;
  std::set<std::string> pods;
  for (const fleet::Node& n : loaded.nodes) {
    if (pods.insert(n.pod.str()).second) f.pods.push_back(fleet::Pod{n.pod, n.site});
  }
  f.nodes = loaded.nodes;
  STRAITS_ASSIGN_OR_RETURN(placement::FleetSpec spec, placement::FleetSpecFromFleet(f, catalog));
  if (rates) {
    for (placement::SiteSpec& site : spec.sites) {
      for (const placement::ModelSpec& model : spec.models) {
        Result<const billing::RateCardEntry*> entry = rates->Find(site.id, model.id, now);
        if (!entry.ok()) continue;
        std::optional<Money> usd = PriceInUsd((*entry)->price_per_gpu_hour, fx, now);
        if (usd) site.prices.push_back({model.id, *usd});
      }
    }
  }
  STRAITS_ASSIGN_OR_RETURN(placement::Topology topology, placement::Topology::Build(spec));
  auto world = std::make_shared<World>(std::move(topology));
  world->fleet_fingerprint = FleetFingerprint(loaded);
  world->org_fingerprint = OrgFingerprint(loaded);
  std::map<std::string, const fleet::Site*> by_id;
  for (const fleet::Site& site : loaded.sites) by_id[site.id.str()] = &site;
  for (placement::SiteIndex s = 0; s < world->topology.num_sites(); ++s) {
    world->sites.push_back(*by_id.at(world->topology.site(s).id.str()));
  }
  for (fleet::Organization& org : loaded.orgs) {
    std::string id = org.id.str();
    world->orgs.emplace(std::move(id), std::move(org));
  }
  world->items.resize(static_cast<size_t>(world->topology.num_models()), nullptr);
  for (placement::ModelIndex m = 0; m < world->topology.num_models(); ++m) {
    world->items[static_cast<size_t>(m)] = policy.FindItem(world->topology.model(m).id);
  }
  return std::shared_ptr<const World>(std::move(world));
}

Result<std::pair<std::string, std::string>> WorldFingerprints(store::Store& store) {
  STRAITS_ASSIGN_OR_RETURN(Loaded loaded, Load(store));
  return std::make_pair(FleetFingerprint(loaded), OrgFingerprint(loaded));
}

}  // namespace straits::lease
