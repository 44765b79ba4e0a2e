#include "billing/rate_card.h"

#include <algorithm>

#include "billing/csv_fields.h"
#include "billing/decimal.h"
#include "core/csv.h"

namespace straits::billing {
namespace {

constexpr int64_t kSecondsPerHour = 3600;
constexpr int kFullBasisPoints = 10000;

std::string EntryWhere(const RateCardEntry& entry, size_t index, std::string_view source) {
  if (entry.line > 0 && !source.empty())
    return std::string(source) + ":" + std::to_string(entry.line);
  return "entries[" + std::to_string(index) + "]";
}

// "30d:5%;180d:12.5%" -> tiers.
Result<std::vector<TermDiscount>> ParseDiscounts(std::string_view text) {
  std::vector<TermDiscount> tiers;
  auto bad = [&](std::string_view item) {
    return InvalidArgument("\"" + std::string(item) +
                           "\" is not a term discount: expected <days>d:<percent>% items "
                           "separated by ';', e.g. \"30d:5%;180d:12.5%\"");
  };
  while (!text.empty()) {
    const size_t semi = text.find(';');
    std::string_view item = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon < 2 || item[colon - 1] != 'd' ||
        item.size() < colon + 3 || item.back() != '%') {
      return bad(item);
    }
    Result<int64_t> days = ParseScaledDecimal(item.substr(0, colon - 1), 0);
    Result<int64_t> bp = ParseScaledDecimal(item.substr(colon + 1, item.size() - colon - 2), 2);
    if (!days.ok() || !bp.ok()) return bad(item);
    if (*bp > kFullBasisPoints) return bad(item);
    tiers.push_back(TermDiscount{*days, static_cast<int>(*bp)});
  }
  return tiers;
}

}  // namespace

int DiscountBasisPoints(const RateCardEntry& entry, Duration term) {
  int bp = 0;
  int64_t best_days = -1;
  for (const TermDiscount& tier : entry.discounts) {
    if (term.seconds() >= tier.min_term_days * 86400 && tier.min_term_days > best_days) {
      best_days = tier.min_term_days;
      bp = tier.basis_points;
    }
  }
  return bp;
}

Result<int64_t> RateAmountMinor(int64_t gpu_seconds, int64_t price_minor_per_hour,
                                int discount_bp) {
  const Int128 numerator =
      static_cast<Int128>(gpu_seconds) * price_minor_per_hour * (kFullBasisPoints - discount_bp);
  return RoundHalfEven(numerator, static_cast<Int128>(kSecondsPerHour) * kFullBasisPoints);
}

Result<int64_t> SegmentsAmountMinor(std::span<const PriceSegment> segments) {
  Int128 numerator = 0;
  for (const PriceSegment& s : segments) {
    numerator += static_cast<Int128>(s.gpu_seconds) * s.unit_price.minor_units() *
                 (kFullBasisPoints - s.discount_bp);
  }
  return RoundHalfEven(numerator, static_cast<Int128>(kSecondsPerHour) * kFullBasisPoints);
}

Result<RateCards> RateCards::Make(std::vector<RateCardEntry> entries, std::string_view source) {
  for (size_t i = 0; i < entries.size(); ++i) {
    RateCardEntry& e = entries[i];
    const std::string where = EntryWhere(e, i, source);
    if (e.site.empty() || e.model.empty()) {
      return InvalidArgument("site and model are required", where);
    }
    if (e.price_per_gpu_hour.minor_units() < 0) {
      return InvalidArgument(
          "price_per_gpu_hour " + e.price_per_gpu_hour.ToString() + " is negative", where);
    }
    std::sort(e.discounts.begin(), e.discounts.end(),
              [](const TermDiscount& a, const TermDiscount& b) {
                return a.min_term_days < b.min_term_days;
              });
    for (size_t t = 0; t < e.discounts.size(); ++t) {
      const TermDiscount& tier = e.discounts[t];
      if (tier.min_term_days < 0 || tier.basis_points < 0 || tier.basis_points > kFullBasisPoints) {
        return InvalidArgument("term discount must have a term >= 0 days and 0..100%", where);
      }
      if (t > 0 && e.discounts[t - 1].min_term_days == tier.min_term_days) {
        return InvalidArgument(
            "two discounts for a term of " + std::to_string(tier.min_term_days) + " days", where);
      }
    }
  }
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const RateCardEntry& x = entries[a];
    const RateCardEntry& y = entries[b];
    if (x.site != y.site) return x.site < y.site;
    if (x.model != y.model) return x.model < y.model;
    return x.effective_from < y.effective_from;
  });
  RateCards cards;
  cards.entries_.reserve(entries.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const RateCardEntry& e = entries[order[k]];
    if (!cards.entries_.empty()) {
      const RateCardEntry& prev = cards.entries_.back();
      if (prev.site == e.site && prev.model == e.model) {
        const std::string where = EntryWhere(e, order[k], source);
        if (prev.effective_from == e.effective_from) {
          return InvalidArgument("a second price for site " + e.site.str() + ", model " +
                                     e.model.str() + " effective " + e.effective_from.DateString(),
                                 where);
        }
        if (!(prev.price_per_gpu_hour.currency() == e.price_per_gpu_hour.currency())) {
          return InvalidArgument("site " + e.site.str() + ", model " + e.model.str() +
                                     " is priced in " +
                                     std::string(prev.price_per_gpu_hour.currency().code()) +
                                     " elsewhere; one site and model use one currency",
                                 where);
        }
      }
    }
    cards.entries_.push_back(e);
  }
  for (size_t i = 0; i < cards.entries_.size();) {
    size_t j = i;
    while (j < cards.entries_.size() && cards.entries_[j].site == cards.entries_[i].site &&
           cards.entries_[j].model == cards.entries_[i].model) {
      ++j;
    }
    cards.index_[cards.entries_[i].site.str()][cards.entries_[i].model.str()] = {i, j};
    i = j;
  }
  return cards;
}

Result<const RateCardEntry*> RateCards::Find(const SiteId& site, const ModelId& model,
                                             Instant t) const {
  const auto by_site = index_.find(site.str());
  if (by_site != index_.end()) {
    const auto by_model = by_site->second.find(model.str());
    if (by_model != by_site->second.end()) {
      const auto [first, last] = by_model->second;
      auto begin = entries_.begin() + static_cast<std::ptrdiff_t>(first);
      auto end = entries_.begin() + static_cast<std::ptrdiff_t>(last);
      auto after = std::upper_bound(begin, end, t, [](Instant when, const RateCardEntry& e) {
        return when < e.effective_from;
      });
      if (after != begin) return &*(after - 1);
    }
  }
  return NotFound("no rate card entry for site " + site.str() + ", model " + model.str() +
                  " in force on " + t.DateString());
}

std::vector<Instant> RateCards::EffectiveDates() const {
  std::vector<Instant> dates;
  for (const RateCardEntry& e : entries_) dates.push_back(e.effective_from);
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  return dates;
}

Result<RateCards> ParseRateCardsCsv(std::string_view text, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source));
  STRAITS_ASSIGN_OR_RETURN(ColumnMap cols,
                           ColumnMap::Make(table,
                                           {"site", "model", "effective_from", "currency",
                                            "price_per_gpu_hour", "term_discounts"},
                                           source));
  std::vector<RateCardEntry> entries;
  for (const CsvRow& row : table.rows) {
    FieldReader in(row, cols, source);
    STRAITS_ASSIGN_OR_RETURN(SiteId site, in.Parse<SiteId>("site"));
    STRAITS_ASSIGN_OR_RETURN(ModelId model, in.Parse<ModelId>("model"));
    STRAITS_ASSIGN_OR_RETURN(Instant from, in.Date("effective_from"));
    STRAITS_ASSIGN_OR_RETURN(Currency currency, in.CurrencyCode("currency"));
    Result<int64_t> price =
        ParseScaledDecimal(in.Text("price_per_gpu_hour"), currency.minor_units());
    if (!price.ok()) return in.Error("price_per_gpu_hour", price.status().message());
    Result<std::vector<TermDiscount>> discounts = ParseDiscounts(in.Text("term_discounts"));
    if (!discounts.ok()) return in.Error("term_discounts", discounts.status().message());
    entries.push_back(RateCardEntry{std::move(site), std::move(model), from,
                                    Money(*price, currency), std::move(*discounts), row.line});
  }
  return RateCards::Make(std::move(entries), source);
}

Result<Quote> QuoteLease(const RateCards& cards, const SiteId& site, const ModelId& model, int gpus,
                         const Interval& term) {
  if (gpus < 1) return InvalidArgument("gpus must be at least 1", "gpus");
  if (term.empty()) return InvalidArgument("the term is empty", "term");
  std::vector<Instant> cuts = {term.start()};
  for (const Instant& d : cards.EffectiveDates()) {
    if (term.start() < d && d < term.end()) cuts.push_back(d);
  }
  cuts.push_back(term.end());
  std::vector<PriceSegment> segments;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    STRAITS_ASSIGN_OR_RETURN(const RateCardEntry* entry, cards.Find(site, model, cuts[i]));
    const int64_t gpu_seconds = (cuts[i + 1] - cuts[i]).seconds() * gpus;
    const int bp = DiscountBasisPoints(*entry, term.length());
    if (!segments.empty() && segments.back().unit_price == entry->price_per_gpu_hour &&
        segments.back().discount_bp == bp) {
      segments.back().to = cuts[i + 1];
      segments.back().gpu_seconds += gpu_seconds;
      continue;
    }
    segments.push_back(
        PriceSegment{cuts[i], cuts[i + 1], gpu_seconds, entry->price_per_gpu_hour, bp});
  }
  STRAITS_ASSIGN_OR_RETURN(int64_t total, SegmentsAmountMinor(segments));
  const Currency currency = segments.front().unit_price.currency();
  return Quote{site, model, gpus, term, std::move(segments), Money(total, currency)};
}

}  // namespace straits::billing
