// The facts a compliance decision is made from, as plain values.
//
// The engine is pure: it never reads the store. Callers (CLI, API, lease
// service, what-if) fill a Transaction from their own data — the accelerator
// from the catalog (ItemFacts::FromSpec), parties from the organizations and
// their ownership chain, list status from screening (policy/screening.h) —
// and pass it with the date to Engine::Evaluate.
//
//   Transaction tx;
//   tx.kind = Kind::kExport;
//   tx.date = *Instant::Parse("2024-06-01");
//   tx.item = engine.FindItem(*ModelId::Parse("h100-sxm"));   // owned by the engine
//   tx.count = 8;
//   tx.from = *Country::Parse("US");
//   tx.to = *Country::Parse("MY");
//   tx.consignee.hq = *Country::Parse("CN");
//
// Unknown numbers are NaN (kUnknownNumber); the engine treats a comparison with an
// unknown value as undetermined, never as false (see engine.h).
//
// Thread-safety: plain values.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "catalog/classify.h"
#include "catalog/spec.h"
#include "catalog/tpp.h"
#include "core/country.h"
#include "core/time.h"
#include "policy/types.h"

namespace straits::policy {

inline constexpr double kUnknownNumber = std::numeric_limits<double>::quiet_NaN();

// An accelerator model as rules see it: `item.*` attributes.
struct ItemFacts {
  std::string model;  // catalog id (or display name of an ad-hoc spec)
  std::string vendor;
  std::optional<Country> origin;  // country of origin of the design
  double tpp = kUnknownNumber;
  double pd = kUnknownNumber;  // performance density
  double memory_bandwidth_gbps = kUnknownNumber;
  double interconnect_gbps = kUnknownNumber;  // aggregate bidirectional chip-to-chip rate
  catalog::Truth datacenter = catalog::Truth::kUnknown;
  catalog::ItemKind item_kind = catalog::ItemKind::kIntegratedCircuit;
  catalog::ChipFigures figures;  // what eccn() classifies

  static ItemFacts FromSpec(const catalog::AcceleratorSpec& spec);
};

// A party as rules see it: `tenant.*`, `consignee.*`, `operator.*`, and the
// functions listed(party) and affiliate_of_listed(party).
struct PartyFacts {
  std::string name;  // may be empty (not given)
  std::optional<Country> hq;
  // Headquarters of the ultimate parent; nullopt when the party has no parent,
  // in which case `parent_hq` reads as the party's own hq.
  std::optional<Country> parent_hq;
  // From screening: the party itself matches a restricted-party list entry
  // (not cleared), or an owner up its chain does.
  bool listed = false;
  bool affiliate_of_listed = false;
  std::string listed_entry;  // the entry that matched (for messages); empty if none

  std::optional<Country> UltimateParentHq() const { return parent_hq ? parent_hq : hq; }
};

struct Transaction {
  Kind kind = Kind::kExport;
  Instant date;
  const ItemFacts* item = nullptr;  // required; not owned
  int64_t count = 1;                // accelerators shipped or leased

  // export: shipped from a country to a site's country, to a consignee.
  std::optional<Country> from;
  std::optional<Country> to;
  PartyFacts consignee;

  // remote_access: a tenant leasing capacity at a site run by an operator.
  std::optional<Country> site_country;
  PartyFacts operator_party;
  PartyFacts tenant;
  EndUse end_use = EndUse::kUndeclared;
  double training_flop = kUnknownNumber;

  // Running totals for aggregate rules, excluding this transaction; NaN when
  // the caller does not know them.
  double country_total_tpp = kUnknownNumber;   // TPP recorded into the destination country
  double consignee_year_tpp = kUnknownNumber;  // TPP recorded to this consignee this calendar year
};

}  // namespace straits::policy
