// External invoices: a sales ledger imported from CSV, so that a finance team
// can run the same attribution over a vendor's own invoices.
//
// Header (any order; extra columns are ignored):
//   invoice_id,date,customer,billing_country,hq_country,ship_to_country,amount,currency
// Optional columns `parent_country` (HQ of the ultimate parent; defaults to
// hq_country) and `operator_country` (defaults to unknown). `date` is
// YYYY-MM-DD, `amount` a non-negative decimal in major units ("1250000.00")
// with at most the currency's decimal places, countries ISO 3166-1 alpha-2.
// `ship_to_country` is where the goods went, the ledger's stand-in for the
// site country.
//
// Parsing is all-or-nothing: the first bad line fails the whole file with
// invalid_argument at `source:line` naming the column; duplicate invoice ids
// fail too (naming both lines).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/country.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"

namespace straits::billing {

struct LedgerInvoice {
  std::string invoice_id;
  Instant date;
  std::string customer;
  Country billing_country;
  Country hq_country;
  Country ship_to_country;
  std::optional<Country> parent_country;
  std::optional<Country> operator_country;
  Money amount;
  int line = 0;
};

Result<std::vector<LedgerInvoice>> ParseLedgerCsv(std::string_view text, std::string_view source);

}  // namespace straits::billing
