#include "billing/rating.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace straits::billing {

Result<std::vector<Invoice>> RateMonths(const UsageLedger& ledger, const BillingCatalog& catalog,
                                        const RateCards& cards, Month first, Month last,
                                        const RatingOptions& options) {
  if (last < first) {
    return InvalidArgument(
        "last month " + last.ToString() + " is before first month " + first.ToString(), "last");
  }
  // Buckets: every month start plus every date a new price takes effect, so
  // that one price and one month hold within each bucket.
  std::vector<Instant> bounds;
  for (Month m = first; m <= last; m = m.Next()) bounds.push_back(m.Start());
  const Instant range_end = last.End();
  bounds.push_back(range_end);
  for (const Instant& d : cards.EffectiveDates()) {
    if (first.Start() < d && d < range_end) bounds.push_back(d);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  const TimeBuckets buckets{bounds};
  STRAITS_ASSIGN_OR_RETURN(std::vector<int64_t> sums,
                           ledger.SumByLeaseAndBucket(buckets, options.threads));
  const auto bucket_count = static_cast<size_t>(buckets.size());

  // (month, account, currency) -> invoice under construction.
  std::map<std::tuple<Month, std::string, std::string>, Invoice> invoices;
  const std::vector<LeaseId>& leases = ledger.leases();
  for (size_t lease_idx = 0; lease_idx < leases.size(); ++lease_idx) {
    const int64_t* row = &sums[lease_idx * bucket_count];
    if (std::all_of(row, row + bucket_count, [](int64_t v) { return v == 0; })) continue;
    const LeaseTerms* lease = catalog.Lease(leases[lease_idx]);
    if (lease == nullptr) {
      return NotFound("usage recorded for lease \"" + leases[lease_idx].str() +
                      "\", which the catalog does not know");
    }
    const SiteProfile* site = catalog.Site(lease->site);
    const BillingAccount* account = catalog.Account(lease->account);
    // Lines of this lease, in bucket order: one per (month, price entry).
    std::vector<std::pair<Month, InvoiceLine>> lines;
    const RateCardEntry* line_entry = nullptr;
    for (size_t b = 0; b < bucket_count; ++b) {
      if (row[b] == 0) continue;
      const Instant from = bounds[b];
      const Instant to = bounds[b + 1];
      const Month month = Month::Of(from);
      STRAITS_ASSIGN_OR_RETURN(const RateCardEntry* entry,
                               cards.Find(lease->site, lease->model, from));
      if (!(entry->price_per_gpu_hour.currency() == site->currency)) {
        return FailedPrecondition("rate for site " + site->id.str() + ", model " +
                                  lease->model.str() + " is in " +
                                  std::string(entry->price_per_gpu_hour.currency().code()) +
                                  " but the site bills in " + std::string(site->currency.code()));
      }
      if (!lines.empty() && lines.back().first == month && line_entry == entry) {
        lines.back().second.usage.to = to;
        lines.back().second.usage.gpu_seconds += row[b];
        continue;
      }
      line_entry = entry;
      const int bp = DiscountBasisPoints(*entry, lease->term.length());
      lines.push_back(
          {month, InvoiceLine{lease->id, lease->site, lease->model,
                              PriceSegment{from, to, row[b], entry->price_per_gpu_hour, bp},
                              Money(0, site->currency), ""}});
    }
    for (auto& [month, line] : lines) {
      STRAITS_ASSIGN_OR_RETURN(int64_t amount, RateAmountMinor(line.usage.gpu_seconds,
                                                               line.usage.unit_price.minor_units(),
                                                               line.usage.discount_bp));
      line.amount = Money(amount, site->currency);
      line.description = "GPU time, " + lease->model.str() + " at " + lease->site.str();
      const std::string currency(site->currency.code());
      auto key = std::make_tuple(month, account->id.str(), currency);
      auto it = invoices.find(key);
      if (it == invoices.end()) {
        Invoice draft{"INV-" + month.ToString() + "-" + account->id.str() + "-" + currency,
                      DocumentKind::kInvoice,
                      account->id,
                      month,
                      month.End(),
                      site->currency,
                      {},
                      Money(0, site->currency),
                      "",
                      ""};
        it = invoices.emplace(key, std::move(draft)).first;
      }
      it->second.lines.push_back(std::move(line));
    }
  }

  std::vector<Invoice> out;
  out.reserve(invoices.size());
  for (auto& [key, invoice] : invoices) {
    std::sort(invoice.lines.begin(), invoice.lines.end(),
              [](const InvoiceLine& a, const InvoiceLine& b) {
                if (!(a.lease == b.lease)) return a.lease < b.lease;
                return a.usage.from < b.usage.from;
              });
    STRAITS_ASSIGN_OR_RETURN(invoice.total, SumLines(invoice.currency, invoice.lines));
    out.push_back(std::move(invoice));
  }
  return out;
}

}  // namespace straits::billing
