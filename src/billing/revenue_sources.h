// Revenue facts from the two sources attribution runs on: Straits' own
// invoices (source "leases") and an imported sales ledger (source "ledger").
//
// Every invoice line, credit notes included (negative), becomes one fact
// dated on its document's issue date and converted into the reporting
// currency at that date (fx.h; rounded half-to-even once per line). Its
// countries: the account's billing country, the organization's and its
// ultimate parent's headquarters, the site's country and its operator's
// headquarters.
//
// Thread-safety: pure functions.
#pragma once

#include <span>

#include "billing/attribution.h"
#include "billing/catalog.h"
#include "billing/fx.h"
#include "billing/invoice.h"
#include "billing/ledger.h"

namespace straits::billing {

// Errors: not_found for an account, organization, site or lease the catalog
// does not know (naming the invoice), or a missing FX rate (fx.h).
Result<RevenueFacts> FactsFromInvoices(std::span<const Invoice> documents,
                                       const BillingCatalog& catalog, const FxTable& fx,
                                       const Currency& reporting);

// Errors: a missing FX rate, naming the ledger line.
Result<RevenueFacts> FactsFromLedger(std::span<const LedgerInvoice> ledger, const FxTable& fx,
                                     const Currency& reporting, std::string_view source = "");

}  // namespace straits::billing
