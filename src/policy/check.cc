#include "policy/check.h"

#include "policy/screening.h"

namespace straits::policy {
namespace {

Status FillParty(const PartyInput& input, std::string_view role, Instant date,
                 const Screener* screener, PartyFacts& facts,
                 std::vector<PartyScreening>* screenings) {
  facts = PartyFacts();
  facts.name = input.party.name;
  facts.hq = input.party.hq;
  facts.parent_hq = input.parent_hq ? input.parent_hq : input.party.UltimateParentHq();
  facts.listed = input.listed;
  facts.affiliate_of_listed = input.affiliate_of_listed;
  if (input.listed || input.affiliate_of_listed) facts.listed_entry = "asserted by the requester";
  if (screener && !input.party.name.empty()) {
    PartyScreening screening = screener->ScreenParty(input.party, date);
    screening.role = std::string(role);
    if (screening.listed || screening.affiliate_of_listed) {
      facts.listed = facts.listed || screening.listed;
      facts.affiliate_of_listed = facts.affiliate_of_listed || screening.affiliate_of_listed;
      facts.listed_entry = screening.listed_entry;
    }
    if (screenings) screenings->push_back(std::move(screening));
  }
  return Status::Ok();
}

}  // namespace

Status BuildTransaction(const Engine& engine, const CheckRequest& request, const Screener* screener,
                        Transaction& tx, std::vector<PartyScreening>* screenings) {
  tx = Transaction();
  tx.kind = request.kind;
  tx.date = request.date;
  tx.item = engine.FindItem(request.item);
  if (!tx.item) {
    return NotFound("unknown accelerator model \"" + request.item.str() +
                        "\" (see `straits accelerators list`)",
                    "item");
  }
  if (request.count < 1) return InvalidArgument("count must be 1 or more", "count");
  tx.count = request.count;
  tx.country_total_tpp = request.country_total_tpp;
  tx.consignee_year_tpp = request.consignee_year_tpp;
  if (request.kind == Kind::kExport) {
    if (!request.from) return InvalidArgument("an export needs the country shipped from", "from");
    if (!request.to) return InvalidArgument("an export needs the destination country", "to");
    if (!request.consignee.party.hq) {
      return InvalidArgument("an export needs the consignee's headquarters country",
                             "consignee.hq");
    }
    tx.from = request.from;
    tx.to = request.to;
    return FillParty(request.consignee, "consignee", request.date, screener, tx.consignee,
                     screenings);
  }
  if (!request.site_country) {
    return InvalidArgument("remote access needs the site's country (or site_id)", "site_country");
  }
  if (!request.operator_party.party.hq) {
    return InvalidArgument("remote access needs the operator's headquarters country",
                           "operator.hq");
  }
  if (!request.tenant.party.hq) {
    return InvalidArgument("remote access needs the tenant's headquarters country (or tenant_id)",
                           "tenant.hq");
  }
  tx.site_country = request.site_country;
  tx.end_use = request.end_use;
  tx.training_flop = request.training_flop;
  STRAITS_RETURN_IF_ERROR(
      FillParty(request.tenant, "tenant", request.date, screener, tx.tenant, screenings));
  return FillParty(request.operator_party, "operator", request.date, screener, tx.operator_party,
                   screenings);
}

}  // namespace straits::policy
