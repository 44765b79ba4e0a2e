// Rate cards: the price of one GPU-hour per site x accelerator model, in the
// site's currency, with effective dates and term discounts.
//
// An entry is in force from its `effective_from` (inclusive) until the next
// entry for the same site and model takes effect. Term discounts depend on the
// lease's booked term: the tier with the largest `min_term` not exceeding the
// term applies (e.g. >= 30 days 5%, >= 180 days 12%).
//
// Amounts are exact: GPU-seconds x price (minor units per GPU-hour) x
// (10000 - discount basis points), divided by 3600 x 10000 and rounded
// half-to-even once (billing/decimal.h). Quotes and invoices use the same rule.
//
// CSV (ParseRateCardsCsv):
//   site,model,effective_from,currency,price_per_gpu_hour,term_discounts
//   sg-jurong-1,nvidia-h100-sxm,2026-01-01,SGD,3.40,30d:5%;180d:12.5%
//
// Thread-safety: immutable after Make; const methods may run concurrently.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "billing/entities.h"
#include "core/money.h"
#include "core/status.h"

namespace straits::billing {

struct TermDiscount {
  int64_t min_term_days = 0;
  int basis_points = 0;  // 500 = 5%; 0..10000
};

struct RateCardEntry {
  SiteId site;
  ModelId model;
  Instant effective_from;
  Money price_per_gpu_hour;             // minor units of the site's currency
  std::vector<TermDiscount> discounts;  // any order; Make sorts them
  int line = 0;                         // source line, 0 if not from a file
};

// Basis points of discount that `entry` grants a lease booked for `term`.
int DiscountBasisPoints(const RateCardEntry& entry, Duration term);

// round_half_even(gpu_seconds x price x (10000 - bp) / (3600 x 10000)).
// invalid_argument on int64 overflow of the result.
Result<int64_t> RateAmountMinor(int64_t gpu_seconds, int64_t price_minor_per_hour, int discount_bp);

class RateCards {
 public:
  RateCards() = default;
  // Validates and indexes. invalid_argument (field `entries[i]` or `source:line`
  // for parsed entries) for a negative price, a discount outside 0..100% or
  // with a repeated term, two entries for the same site, model and date, or
  // entries of one site and model in different currencies.
  static Result<RateCards> Make(std::vector<RateCardEntry> entries, std::string_view source = "");

  // The entry in force at `t`; not_found naming site, model and date if none.
  Result<const RateCardEntry*> Find(const SiteId& site, const ModelId& model, Instant t) const;

  // Every distinct effective_from, sorted.
  std::vector<Instant> EffectiveDates() const;
  const std::vector<RateCardEntry>& entries() const { return entries_; }

 private:
  std::vector<RateCardEntry> entries_;  // sorted by (site, model, effective_from)
  // site -> model -> [first, last) in entries_ (looked up without allocating).
  std::map<std::string, std::map<std::string, std::pair<size_t, size_t>, std::less<>>, std::less<>>
      index_;
};

// Parses the CSV above. `term_discounts` is empty or `<days>d:<percent>%`
// items separated by ';' (percent with at most two decimals).
Result<RateCards> ParseRateCardsCsv(std::string_view text, std::string_view source);

// One stretch of a quote or invoice line priced by one rate-card entry.
struct PriceSegment {
  Instant from;
  Instant to;  // exclusive
  int64_t gpu_seconds = 0;
  Money unit_price;  // per GPU-hour
  int discount_bp = 0;
};

struct Quote {
  SiteId site;
  ModelId model;
  int gpus = 0;
  Interval term;
  std::vector<PriceSegment> segments;
  Money total;  // rounded once over all segments
};

// Prices `gpus` GPUs for the whole `term` at `site` with `model`, splitting
// the term where a new entry takes effect. invalid_argument for gpus < 1 or an
// empty term; not_found if no entry is in force at some point of the term.
Result<Quote> QuoteLease(const RateCards& cards, const SiteId& site, const ModelId& model, int gpus,
                         const Interval& term);

// The exact total of segments, rounded half-to-even once.
Result<int64_t> SegmentsAmountMinor(std::span<const PriceSegment> segments);

}  // namespace straits::billing
