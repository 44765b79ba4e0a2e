#include "billing/rating.h"

#include <algorithm>
#include <map>

namespace straits::billing {

Status CheckUsageLeases(std::span<const UsageRecord> records, const BillingCatalog& catalog,
                        std::string_view source) {
  const LeaseId* last_known = nullptr;
  for (size_t i = 0; i < records.size(); ++i) {
    const UsageRecord& r = records[i];
    if (last_known != nullptr && *last_known == r.lease) continue;
    if (catalog.Lease(r.lease) == nullptr) {
      return NotFound("unknown lease \"" + r.lease.str() + "\"",
                      r.line > 0 && !source.empty()
                          ? std::string(source) + ":" + std::to_string(r.line)
                          : "records[" + std::to_string(i) + "]");
    }
    last_known = &r.lease;
  }
  return Status::Ok();
}

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

  auto month_index = [&](Month m) {
    return static_cast<size_t>((m.year - first.year) * 12 + (m.month - first.month));
  };
  const size_t month_count = month_index(last) + 1;
  std::vector<Invoice> drafts;
  // (account, currency) -> per month, the index of its draft in `drafts` or -1;
  // looked up once per lease, since a lease has one account and one currency.
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> slots;
  std::vector<std::pair<Month, InvoiceLine>> lines;
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
    lines.clear();
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
    const std::string currency(site->currency.code());
    std::vector<int64_t>& slot = slots[{account->id.str(), currency}];
    if (slot.empty()) slot.assign(month_count, -1);
    for (auto& [month, line] : lines) {
      STRAITS_ASSIGN_OR_RETURN(int64_t amount, RateAmountMinor(line.usage.gpu_seconds,
                                                               line.usage.unit_price.minor_units(),
                                                               line.usage.discount_bp));
      line.amount = Money(amount, site->currency);
      int64_t& draft = slot[month_index(month)];
      if (draft < 0) {
        draft = static_cast<int64_t>(drafts.size());
        drafts.push_back(
            Invoice{"INV-" + month.ToString() + "-" + account->id.str() + "-" + currency,
                    DocumentKind::kInvoice,
                    account->id,
                    month,
                    month.End(),
                    site->currency,
                    {},
                    Money(0, site->currency),
                    "",
                    ""});
      }
      drafts[static_cast<size_t>(draft)].lines.push_back(std::move(line));
    }
  }

  for (Invoice& invoice : drafts) {
    std::sort(invoice.lines.begin(), invoice.lines.end(),
              [](const InvoiceLine& a, const InvoiceLine& b) {
                if (!(a.lease == b.lease)) return a.lease < b.lease;
                return a.usage.from < b.usage.from;
              });
    STRAITS_ASSIGN_OR_RETURN(invoice.total, SumLines(invoice.currency, invoice.lines));
  }
  std::sort(drafts.begin(), drafts.end(), [](const Invoice& a, const Invoice& b) {
    if (!(a.period == b.period)) return a.period < b.period;
    if (!(a.account == b.account)) return a.account < b.account;
    return a.currency.code() < b.currency.code();
  });
  return drafts;
}

}  // namespace straits::billing
