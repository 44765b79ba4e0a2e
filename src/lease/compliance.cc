#include "lease/compliance.h"

#include <cmath>

#include "policy/json.h"

namespace straits::lease {
namespace {

namespace json = boost::json;

json::value CountryOrNull(const std::optional<Country>& c) {
  if (!c) return nullptr;
  return json::value(std::string(c->code()));
}

json::object PartyJson(const policy::PartyFacts& p) {
  return {{"name", p.name},
          {"hq", CountryOrNull(p.hq)},
          {"parent_hq", CountryOrNull(p.parent_hq)},
          {"listed", p.listed},
          {"affiliate_of_listed", p.affiliate_of_listed},
          {"listed_entry", p.listed_entry}};
}

json::value Number(double v) {
  if (std::isnan(v)) return nullptr;
  return json::value(v);
}

}  // namespace

policy::PartyFacts PartyScreener::Facts(const World& world, const fleet::Organization& org,
                                        Instant date, std::string_view role,
                                        std::vector<policy::PartyScreening>* screenings) {
  policy::PartyFacts facts;
  facts.name = org.name;
  facts.hq = org.hq;
  const policy::Party party = world.PartyOf(org);
  if (!party.owners.empty()) facts.parent_hq = party.UltimateParentHq();
  if (!screener_) return facts;
  const std::string key = org.id.str() + "|" + date.DateString();
  policy::PartyScreening screening;
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      screening = it->second;
      cached = true;
    }
  }
  if (!cached) {
    screening = screener_->ScreenParty(party, date);
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() > 100'000) cache_.clear();
    cache_.emplace(key, screening);
  }
  screening.role = std::string(role);
  facts.listed = screening.listed;
  facts.affiliate_of_listed = screening.affiliate_of_listed;
  facts.listed_entry = screening.listed_entry;
  if (screenings) screenings->push_back(std::move(screening));
  return facts;
}

void PartyScreener::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
}

Status Evaluate(const policy::Engine& engine, PartyScreener& screener, const World& world,
                const LeaseSpec& spec, placement::SiteIndex site, placement::ModelIndex model,
                Instant date, Evaluated& out) {
  out.site = site;
  out.model = model;
  out.date = date;
  out.screenings.clear();
  const fleet::Organization* tenant = world.FindOrg(spec.tenant);
  if (!tenant) return NotFound("no organization \"" + spec.tenant.str() + "\"", "tenant");
  const fleet::Site& site_record = world.sites[static_cast<size_t>(site)];
  const fleet::Organization* op = world.FindOrg(site_record.operator_id);
  if (!op) {
    return NotFound("site " + site_record.id.str() + " names operator \"" +
                        site_record.operator_id.str() + "\", which is not an organization",
                    "site");
  }
  const policy::ItemFacts* item = world.items[static_cast<size_t>(model)];
  if (!item) {
    return NotFound("accelerator model \"" + world.topology.model(model).id.str() +
                        "\" is unknown to the compliance engine",
                    "model");
  }
  policy::Transaction& tx = out.tx;
  tx = policy::Transaction();
  tx.kind = policy::Kind::kRemoteAccess;
  tx.date = date;
  tx.item = item;
  tx.count = spec.gpus;
  tx.site_country = site_record.country;
  tx.tenant = screener.Facts(world, *tenant, date, "tenant", &out.screenings);
  tx.operator_party = screener.Facts(world, *op, date, "operator", &out.screenings);
  tx.end_use = spec.end_use;
  tx.training_flop = spec.training_flop ? *spec.training_flop : policy::kUnknownNumber;
  return engine.Evaluate(tx, policy::PackSelection{}, out.decision);
}

std::vector<std::string> HitSummaries(const policy::Decision& decision) {
  std::vector<std::string> out;
  for (const policy::Hit& hit : decision.hits()) {
    out.push_back(hit.pack->id + "/" + hit.rule->id + " (" +
                  std::string(policy::VerdictName(hit.verdict)) +
                  (hit.undetermined ? ", undetermined" : "") + "): " + hit.message);
  }
  return out;
}

std::string Summary(const policy::Decision& decision) {
  std::vector<std::string> hits = HitSummaries(decision);
  if (hits.empty()) return std::string(policy::VerdictName(decision.verdict())) + ": no rule fired";
  std::string out;
  for (const std::string& h : hits) out += (out.empty() ? "" : "; ") + h;
  return out;
}

lease_store::DecisionRecord ToRecord(const World& world, const Evaluated& e, std::string_view stage,
                                     Instant at) {
  const policy::Transaction& tx = e.tx;
  json::object input{{"kind", "remote_access"},
                     {"date", tx.date.ToString()},
                     {"site", world.sites[static_cast<size_t>(e.site)].id.str()},
                     {"site_country", CountryOrNull(tx.site_country)},
                     {"model", world.topology.model(e.model).id.str()},
                     {"count", tx.count},
                     {"tenant", PartyJson(tx.tenant)},
                     {"operator", PartyJson(tx.operator_party)},
                     {"end_use", policy::EndUseName(tx.end_use)},
                     {"training_flop", Number(tx.training_flop)}};
  if (tx.item) {
    input["item"] = json::object{{"model", tx.item->model},
                                 {"vendor", tx.item->vendor},
                                 {"tpp", Number(tx.item->tpp)},
                                 {"pd", Number(tx.item->pd)}};
  }
  lease_store::DecisionRecord record;
  record.at = at;
  record.stage = std::string(stage);
  record.verdict = e.decision.verdict();
  record.site = world.sites[static_cast<size_t>(e.site)].id;
  record.model = world.topology.model(e.model).id;
  record.date = e.date;
  record.body = json::serialize(json::object{
      {"decision", policy::DecisionToJson(e.decision, e.screenings)}, {"input", std::move(input)}});
  return record;
}

void VerdictOracle::Reset(int32_t num_sites, int32_t num_models) {
  num_models_ = num_models;
  entries_.assign(static_cast<size_t>(num_sites) * static_cast<size_t>(num_models), Entry{});
  threshold_ = policy::Verdict::kAllowed;
  allow_all_ = false;
}

void VerdictOracle::Set(placement::SiteIndex site, placement::ModelIndex model,
                        policy::Verdict verdict, std::string summary) {
  Entry& e = entries_[static_cast<size_t>(site) * static_cast<size_t>(num_models_) +
                      static_cast<size_t>(model)];
  e.evaluated = true;
  e.verdict = verdict;
  e.summary = std::move(summary);
}

placement::SiteVerdict VerdictOracle::Check(const placement::Request&,
                                            const placement::Topology& topology,
                                            placement::SiteIndex site) const {
  if (allow_all_) return placement::SiteVerdict::Allow();
  const Entry* strictest = nullptr;
  for (placement::ModelIndex m = 0; m < topology.num_models(); ++m) {
    const Entry& e = At(site, m);
    if (!e.evaluated) continue;
    if (e.verdict <= threshold_) return placement::SiteVerdict::Allow();
    if (!strictest || e.verdict > strictest->verdict) strictest = &e;
  }
  if (!strictest) return placement::SiteVerdict::Allow();
  return placement::SiteVerdict::Deny(strictest->summary);
}

placement::SiteVerdict VerdictOracle::CheckModel(const placement::Request&,
                                                 const placement::Topology&,
                                                 placement::SiteIndex site,
                                                 placement::ModelIndex model) const {
  if (allow_all_) return placement::SiteVerdict::Allow();
  const Entry& e = At(site, model);
  if (!e.evaluated || e.verdict <= threshold_) return placement::SiteVerdict::Allow();
  return placement::SiteVerdict::Deny(e.summary);
}

}  // namespace straits::lease
