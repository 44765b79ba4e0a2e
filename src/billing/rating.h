// Rating: usage x rate cards -> draft invoices per billing account, calendar
// month and currency.
//
// For each lease with usage in a month, GPU-seconds are summed per price in
// force (a record counts at its start instant), priced with the lease's term
// discount and rounded half-to-even once per line. Invoice ids are
// deterministic, `INV-<YYYY-MM>-<account>-<CUR>`, so re-rating the same
// usage gives identical drafts (and CorrectInvoice can compare them).
//
//   STRAITS_ASSIGN_OR_RETURN(std::vector<Invoice> drafts,
//       RateMonths(ledger, catalog, cards, {*Month::Parse("2026-10")}));
//
// Thread-safety: pure; the inputs are only read.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "billing/catalog.h"
#include "billing/invoice.h"
#include "billing/period.h"
#include "billing/rate_card.h"
#include "billing/usage.h"

namespace straits::billing {

// For `straits import usage`: not_found at `source:line` (or `records[i]`)
// for the first record whose lease the catalog does not know, so unknown
// leases are refused at import rather than at invoicing.
Status CheckUsageLeases(std::span<const UsageRecord> records, const BillingCatalog& catalog,
                        std::string_view source = "");

struct RatingOptions {
  int threads = 1;  // for the usage scan
};

// Drafts for every month in [first, last] (inclusive), sorted by (month,
// account, currency). Months without usage produce no invoice.
// Errors: not_found for usage of a lease the catalog does not know, or when no
// rate is in force for a lease's site and model on a day it has usage;
// failed_precondition if a rate card's currency is not its site's currency;
// invalid_argument if last < first or on overflow.
Result<std::vector<Invoice>> RateMonths(const UsageLedger& ledger, const BillingCatalog& catalog,
                                        const RateCards& cards, Month first, Month last,
                                        const RatingOptions& options = {});

}  // namespace straits::billing
