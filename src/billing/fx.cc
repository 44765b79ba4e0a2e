#include "billing/fx.h"

#include "billing/csv_fields.h"
#include "billing/decimal.h"
#include "core/csv.h"

namespace straits::billing {
namespace {

constexpr int64_t kOneUsd = 10'000'000'000;  // 1.0 at kFxScale

}  // namespace

std::string FxRate::PerUsd() const {
  std::string s = FormatScaledDecimal(per_usd_scaled, kFxScale);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

Result<FxTable> FxTable::Parse(std::string_view text, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source));
  STRAITS_ASSIGN_OR_RETURN(ColumnMap cols,
                           ColumnMap::Make(table, {"date", "currency", "per_usd"}, source));
  FxTable fx;
  for (const CsvRow& row : table.rows) {
    FieldReader in(row, cols, source);
    STRAITS_ASSIGN_OR_RETURN(Instant date, in.Date("date"));
    STRAITS_ASSIGN_OR_RETURN(Currency currency, in.CurrencyCode("currency"));
    Result<int64_t> rate = ParseScaledDecimal(in.Text("per_usd"), kFxScale);
    if (!rate.ok()) return in.Error("per_usd", rate.status().message());
    if (*rate <= 0) return in.Error("per_usd", "the rate must be positive");
    const std::string code(currency.code());
    if (code == "USD" && *rate != kOneUsd) return in.Error("per_usd", "USD per USD must be 1");
    const int64_t day = date.unix_seconds();
    auto [it, inserted] = fx.origin_[code].emplace(day, in.Where());
    if (!inserted) {
      return in.Error("date", "a second " + code + " rate for " + date.DateString() +
                                  " (first at " + it->second + ")");
    }
    fx.rates_[code][day] = *rate;
  }
  return fx;
}

Status FxTable::Merge(const FxTable& other) {
  for (const auto& [code, by_day] : other.rates_) {
    for (const auto& [day, rate] : by_day) {
      auto& origins = origin_[code];
      const std::string& where = other.origin_.at(code).at(day);
      auto [it, inserted] = origins.emplace(day, where);
      if (!inserted) {
        return InvalidArgument("a second " + code + " rate for " +
                                   Instant::FromUnixSeconds(day).DateString() + " (first at " +
                                   it->second + ")",
                               where);
      }
      rates_[code][day] = rate;
    }
  }
  return Status::Ok();
}

size_t FxTable::size() const {
  size_t n = 0;
  for (const auto& [code, by_day] : rates_) n += by_day.size();
  return n;
}

Result<FxRate> FxTable::RateFor(const Currency& currency, Instant date, Duration max_age) const {
  const std::string code(currency.code());
  if (code == "USD") return FxRate{code, date.StartOfDay(), kOneUsd};
  auto table = rates_.find(code);
  if (table != rates_.end()) {
    auto after = table->second.upper_bound(date.unix_seconds());
    if (after != table->second.begin()) {
      auto it = std::prev(after);
      if (date.unix_seconds() - it->first <= max_age.seconds()) {
        return FxRate{code, Instant::FromUnixSeconds(it->first), it->second};
      }
    }
  }
  return NotFound("no " + code + " exchange rate on " + date.DateString() + " or in the " +
                  max_age.ToString() + " before it; add one to the FX table (data/fx/*.csv)");
}

Result<FxConversion> FxTable::Conversion(const Currency& from, const Currency& to, Instant date,
                                         FxRatesUsed* used, Duration max_age) const {
  if (from == to) return FxConversion{from, to, 1, 1};
  STRAITS_ASSIGN_OR_RETURN(FxRate from_rate, RateFor(from, date, max_age));
  STRAITS_ASSIGN_OR_RETURN(FxRate to_rate, RateFor(to, date, max_age));
  if (used != nullptr) {
    used->insert(from_rate);
    used->insert(to_rate);
  }
  return FxConversion{from, to,
                      static_cast<Int128>(to_rate.per_usd_scaled) * Pow10(to.minor_units()),
                      static_cast<Int128>(from_rate.per_usd_scaled) * Pow10(from.minor_units())};
}

Result<Money> FxConversion::Apply(const Money& amount) const {
  if (!(amount.currency() == from)) {
    return InvalidArgument("amount " + amount.ToString() + " is not in " +
                           std::string(from.code()));
  }
  if (numerator == denominator) return Money(amount.minor_units(), to);
  Int128 product = 0;
  if (__builtin_mul_overflow(static_cast<Int128>(amount.minor_units()), numerator, &product)) {
    return InvalidArgument("amount " + amount.ToString() + " is too large to convert");
  }
  STRAITS_ASSIGN_OR_RETURN(int64_t minor, RoundHalfEven(product, denominator));
  return Money(minor, to);
}

Result<Money> FxTable::Convert(const Money& amount, const Currency& to, Instant date,
                               FxRatesUsed* used, Duration max_age) const {
  STRAITS_ASSIGN_OR_RETURN(FxConversion conversion,
                           Conversion(amount.currency(), to, date, used, max_age));
  return conversion.Apply(amount);
}

}  // namespace straits::billing
