#include "policy/whatif.h"

#include <algorithm>

#include "policy/screening.h"

namespace straits::policy {
namespace {

PartyFacts FactsFor(const Party& party, const Screener* screener, Instant date) {
  PartyFacts facts;
  facts.name = party.name;
  facts.hq = party.hq;
  facts.parent_hq = party.UltimateParentHq();
  if (screener) {
    PartyScreening screening = screener->ScreenParty(party, date);
    facts.listed = screening.listed;
    facts.affiliate_of_listed = screening.affiliate_of_listed;
    facts.listed_entry = screening.listed_entry;
  }
  return facts;
}

std::vector<std::string> RuleIds(const Decision& decision) {
  std::vector<std::string> out;
  for (const Hit& hit : decision.hits()) out.push_back(hit.pack->id + "/" + hit.rule->id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<WhatIfReport> RunWhatIf(const Engine& engine, const Screener* screener,
                               const WhatIfWorld& world, Instant baseline_date,
                               const WhatIfScenario& scenario, const WhatIfProgress& progress) {
  STRAITS_ASSIGN_OR_RETURN(PackSelection selection,
                           engine.Select(scenario.regimes, scenario.only_regimes));
  WhatIfReport report;
  report.baseline_date = baseline_date;
  report.scenario_date = scenario.date.value_or(baseline_date);
  report.scenario_regimes = scenario.regimes;

  std::vector<PartyFacts> baseline_tenants;
  std::vector<PartyFacts> scenario_tenants;
  for (size_t idx = 0; idx < world.tenants.size(); ++idx) {
    const WhatIfTenant& tenant = world.tenants[idx];
    if (!tenant.party.hq) {
      return InvalidArgument("tenant has no headquarters country",
                             "tenants[" + std::to_string(idx) + "].hq");
    }
    baseline_tenants.push_back(FactsFor(tenant.party, screener, baseline_date));
    scenario_tenants.push_back(FactsFor(tenant.party, screener, report.scenario_date));
  }
  std::vector<std::vector<const ItemFacts*>> site_items(world.sites.size());
  for (size_t site_idx = 0; site_idx < world.sites.size(); ++site_idx) {
    const WhatIfSite& site = world.sites[site_idx];
    if (!site.operator_party.hq) {
      return InvalidArgument("site's operator has no headquarters country",
                             "sites[" + std::to_string(site_idx) + "].operator.hq");
    }
    for (size_t model_idx = 0; model_idx < site.models.size(); ++model_idx) {
      const ItemFacts* item = engine.FindItem(site.models[model_idx]);
      if (!item) {
        return InvalidArgument(
            "unknown accelerator model \"" + site.models[model_idx].str() + "\"",
            "sites[" + std::to_string(site_idx) + "].models[" + std::to_string(model_idx) + "]");
      }
      site_items[site_idx].push_back(item);
    }
  }

  size_t total = world.combinations.size();
  for (const std::vector<const ItemFacts*>& items : site_items) {
    total += world.tenants.size() * items.size();
  }

  Decision baseline;
  Decision changed;
  PackSelection by_date;
  auto evaluate = [&](size_t tenant_idx, size_t site_idx, const ItemFacts* item, int64_t count,
                      EndUse end_use, double flop, const std::string& label) -> Status {
    const WhatIfSite& site = world.sites[site_idx];
    Transaction tx;
    tx.kind = Kind::kRemoteAccess;
    tx.item = item;
    tx.count = count;
    tx.site_country = site.country;
    tx.operator_party.name = site.operator_party.name;
    tx.operator_party.hq = site.operator_party.hq;
    tx.end_use = end_use;
    tx.training_flop = flop;
    tx.date = baseline_date;
    tx.tenant = baseline_tenants[tenant_idx];
    STRAITS_RETURN_IF_ERROR(engine.Evaluate(tx, by_date, baseline));
    tx.date = report.scenario_date;
    tx.tenant = scenario_tenants[tenant_idx];
    STRAITS_RETURN_IF_ERROR(engine.Evaluate(tx, selection, changed));
    ++report.combinations;
    if (progress && report.combinations % kWhatIfProgressStep == 0) {
      progress(report.combinations, total);
    }
    std::vector<std::string> before = RuleIds(baseline);
    std::vector<std::string> after = RuleIds(changed);
    if (baseline.verdict() == changed.verdict() && before == after) return Status::Ok();
    WhatIfChange change;
    change.tenant = world.tenants[tenant_idx].id;
    change.site = site.id;
    change.model = item->model;
    change.label = label;
    change.baseline = baseline.verdict();
    change.scenario = changed.verdict();
    change.baseline_rules = std::move(before);
    change.scenario_rules = std::move(after);
    for (const Hit& hit : changed.hits()) change.scenario_messages.push_back(hit.message);
    if (changed.verdict() > baseline.verdict()) {
      change.change = "stricter";
      ++report.stricter;
    } else if (changed.verdict() < baseline.verdict()) {
      change.change = "looser";
      ++report.looser;
    } else {
      change.change = "rules_changed";
      ++report.rules_changed;
    }
    report.changes.push_back(std::move(change));
    return Status::Ok();
  };

  for (size_t tenant_idx = 0; tenant_idx < world.tenants.size(); ++tenant_idx) {
    for (size_t site_idx = 0; site_idx < world.sites.size(); ++site_idx) {
      for (const ItemFacts* item : site_items[site_idx]) {
        STRAITS_RETURN_IF_ERROR(
            evaluate(tenant_idx, site_idx, item, 1, EndUse::kUndeclared, kUnknownNumber, ""));
      }
    }
  }
  for (size_t idx = 0; idx < world.combinations.size(); ++idx) {
    const WhatIfCombination& combination = world.combinations[idx];
    std::string path = "combinations[" + std::to_string(idx) + "]";
    if (combination.tenant >= world.tenants.size()) {
      return InvalidArgument("tenant index out of range", path + ".tenant");
    }
    if (combination.site >= world.sites.size()) {
      return InvalidArgument("site index out of range", path + ".site");
    }
    const ItemFacts* item = engine.FindItem(combination.model);
    if (!item) {
      return InvalidArgument("unknown accelerator model \"" + combination.model.str() + "\"",
                             path + ".model");
    }
    STRAITS_RETURN_IF_ERROR(evaluate(combination.tenant, combination.site, item, combination.count,
                                     combination.end_use, combination.training_flop,
                                     combination.label));
  }
  if (progress) progress(report.combinations, total);
  return report;
}

}  // namespace straits::policy
