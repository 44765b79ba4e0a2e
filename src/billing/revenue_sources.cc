#include "billing/revenue_sources.h"

namespace straits::billing {

Result<RevenueFacts> FactsFromInvoices(std::span<const Invoice> documents,
                                       const BillingCatalog& catalog, const FxTable& fx,
                                       const Currency& reporting) {
  RevenueFacts out{std::string(reporting.code()), {}, {}};
  size_t line_count = 0;
  for (const Invoice& doc : documents) line_count += doc.lines.size();
  out.facts.reserve(line_count);
  for (const Invoice& doc : documents) {
    const BillingAccount* account = catalog.Account(doc.account);
    if (account == nullptr) {
      return NotFound("invoice " + doc.id + " is for unknown billing account \"" +
                      doc.account.str() + "\"");
    }
    const OrgProfile* org = catalog.Org(account->org);
    if (org == nullptr) {
      return NotFound("invoice " + doc.id + ": unknown organization \"" + account->org.str() +
                      "\"");
    }
    // One currency and one date per document: one conversion factor.
    Result<FxConversion> conversion =
        fx.Conversion(doc.currency, reporting, doc.issue_date, &out.rates_used);
    if (!conversion.ok()) {
      return Status(conversion.status().code(),
                    "invoice " + doc.id + ": " + conversion.status().message());
    }
    const SiteProfile* site = nullptr;
    for (const InvoiceLine& line : doc.lines) {
      if (site == nullptr || !(site->id == line.site)) site = catalog.Site(line.site);
      if (site == nullptr) {
        return NotFound("invoice " + doc.id + ": unknown site \"" + line.site.str() + "\"");
      }
      Result<Money> amount = conversion->Apply(line.amount);
      if (!amount.ok()) {
        return Status(amount.status().code(),
                      "invoice " + doc.id + ": " + amount.status().message());
      }
      RevenueFact fact;
      fact.date = doc.issue_date;
      fact.amount_minor = amount->minor_units();
      fact.keys[static_cast<size_t>(Method::kBilling)] = KeyOf(account->billing_country);
      fact.keys[static_cast<size_t>(Method::kHq)] = KeyOf(org->hq);
      fact.keys[static_cast<size_t>(Method::kParent)] = KeyOf(org->parent_hq);
      fact.keys[static_cast<size_t>(Method::kSite)] = KeyOf(site->country);
      fact.keys[static_cast<size_t>(Method::kOperator)] = KeyOf(site->operator_hq);
      out.facts.push_back(fact);
    }
  }
  return out;
}

Result<RevenueFacts> FactsFromLedger(std::span<const LedgerInvoice> ledger, const FxTable& fx,
                                     const Currency& reporting, std::string_view source) {
  RevenueFacts out{std::string(reporting.code()), {}, {}};
  out.facts.reserve(ledger.size());
  for (const LedgerInvoice& inv : ledger) {
    Result<Money> amount = fx.Convert(inv.amount, reporting, inv.date, &out.rates_used);
    if (!amount.ok()) {
      const std::string where = inv.line > 0 && !source.empty()
                                    ? std::string(source) + ":" + std::to_string(inv.line)
                                    : "invoice " + inv.invoice_id;
      return Status(amount.status().code(), amount.status().message(), where);
    }
    RevenueFact fact;
    fact.date = inv.date;
    fact.amount_minor = amount->minor_units();
    fact.keys[static_cast<size_t>(Method::kBilling)] = KeyOf(inv.billing_country);
    fact.keys[static_cast<size_t>(Method::kHq)] = KeyOf(inv.hq_country);
    fact.keys[static_cast<size_t>(Method::kParent)] =
        KeyOf(inv.parent_country ? *inv.parent_country : inv.hq_country);
    fact.keys[static_cast<size_t>(Method::kSite)] = KeyOf(inv.ship_to_country);
    fact.keys[static_cast<size_t>(Method::kOperator)] = KeyOf(inv.operator_country);
    out.facts.push_back(fact);
  }
  return out;
}

}  // namespace straits::billing
