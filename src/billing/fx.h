// Foreign exchange: exact conversion of amounts into a reporting currency.
//
// The FX table lists, per date, how many units of each currency one US dollar
// buys (`per_usd`), as exact decimals with up to 10 fraction digits
// (data/fx/*.csv, user-replaceable):
//   date,currency,per_usd
//   2026-10-30,SGD,1.2950
// USD itself is always 1. Converting X -> R at a date uses the latest rate of
// each currency published on or before that date, no older than `max_age`
// (7 days by default, so weekends and holidays are bridged but a stale table
// is an error). The amount is computed exactly and rounded half-to-even once:
//   minor_R = round(minor_X x per_usd_R x 10^digits_R / (per_usd_X x 10^digits_X))
// Every conversion can record the rates it used, so reports state them.
//
// Thread-safety: immutable after parsing; const methods may run concurrently.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "billing/decimal.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"

namespace straits::billing {

inline constexpr int kFxScale = 10;  // per_usd is stored x 10^10

struct FxRate {
  std::string currency;  // ISO 4217
  Instant date;          // the date the rate was published for
  int64_t per_usd_scaled = 0;

  std::string PerUsd() const;  // "1.2950000000" trimmed to "1.295"
  friend auto operator<=>(const FxRate&, const FxRate&) = default;
};

// Rates used by a set of conversions (deduplicated, sorted).
using FxRatesUsed = std::set<FxRate>;

// An exact conversion factor from one currency into another at one date:
// minor_to = round_half_even(minor_from x numerator / denominator).
struct FxConversion {
  Currency from;
  Currency to;
  Int128 numerator = 1;
  Int128 denominator = 1;

  // invalid_argument if `amount` is not in `from` or the result overflows.
  Result<Money> Apply(const Money& amount) const;
};

class FxTable {
 public:
  FxTable() = default;

  // Parses one CSV file. invalid_argument at `source:line` for an unknown
  // currency, a malformed date, a rate that is not a positive decimal, or a
  // second rate for the same date and currency.
  static Result<FxTable> Parse(std::string_view text, std::string_view source);
  // Adds another file's rates (several files under data/fx/). Same errors.
  Status Merge(const FxTable& other);

  // The rate in force for `currency` at `date`. not_found naming the currency,
  // date and window when no rate is within `max_age`. USD is always 1.
  Result<FxRate> RateFor(const Currency& currency, Instant date,
                         Duration max_age = Duration::Days(7)) const;

  // The factor converting `from` into `to` at `date`, for converting many
  // amounts of one invoice at once. Same errors as RateFor.
  Result<FxConversion> Conversion(const Currency& from, const Currency& to, Instant date,
                                  FxRatesUsed* used = nullptr,
                                  Duration max_age = Duration::Days(7)) const;

  // `amount` in `to` at `date` (see the file comment). Records the rates used
  // into `used` when non-null. Same errors as RateFor; invalid_argument on
  // overflow.
  Result<Money> Convert(const Money& amount, const Currency& to, Instant date,
                        FxRatesUsed* used = nullptr, Duration max_age = Duration::Days(7)) const;

  size_t size() const;

 private:
  // currency -> (unix day start -> scaled rate)
  std::map<std::string, std::map<int64_t, int64_t>, std::less<>> rates_;
  std::map<std::string, std::map<int64_t, std::string>, std::less<>> origin_;  // for duplicates
};

}  // namespace straits::billing
