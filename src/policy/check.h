// A compliance check request, as the CLI (`straits check`) and the API
// (`POST /v1/compliance/check`) receive it, and its conversion into a
// Transaction for the engine.
//
// The request names the accelerator model by id and the parties by their
// facts; tenant and site may instead be named by id (tenant_id, site_id), in
// which case the caller resolves them from the store (FillFromOrganization)
// before BuildTransaction. Parties are screened against the restricted-party
// lists when a Screener is given (policy/screening.h).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/country.h"
#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "policy/engine.h"
#include "policy/party.h"
#include "policy/transaction.h"

namespace straits::policy {

class Screener;
struct PartyScreening;

struct PartyInput {
  Party party;  // name, aliases, hq, owners (direct parent first)
  // Headquarters of the ultimate parent when the owners are not named.
  std::optional<Country> parent_hq;
  // Asserted by the caller (e.g. a compliance officer's finding); screening
  // can only add to these, never clear them.
  bool listed = false;
  bool affiliate_of_listed = false;
  std::optional<OrgId> id;  // tenant_id: resolve from the store
};

struct CheckRequest {
  Kind kind = Kind::kExport;
  Instant date;
  ModelId item;
  int64_t count = 1;
  std::vector<std::string> regimes;  // packs named explicitly
  bool only_regimes = false;         // only the named packs

  // export
  std::optional<Country> from;
  std::optional<Country> to;
  PartyInput consignee;

  // remote_access
  std::optional<Country> site_country;
  std::optional<SiteId> site_id;  // resolve from the store
  PartyInput operator_party;
  PartyInput tenant;
  EndUse end_use = EndUse::kUndeclared;
  double training_flop = kUnknownNumber;

  // Running totals for aggregate rules; NaN when not given (the store
  // computes them).
  double country_total_tpp = kUnknownNumber;
  double consignee_year_tpp = kUnknownNumber;
};

// Builds the transaction and, with a screener, screens every named party and
// its owners as of the request date (appending one PartyScreening per party
// to `screenings` when non-null). `tx.item` points into the engine. Returns
// invalid_argument naming the field for a missing required fact ("to",
// "consignee.hq", "tenant.hq", "site_country", "operator.hq"), not_found
// (field "item") for an unknown model.
Status BuildTransaction(const Engine& engine, const CheckRequest& request, const Screener* screener,
                        Transaction& tx, std::vector<PartyScreening>* screenings);

}  // namespace straits::policy
