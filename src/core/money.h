// Money: an exact amount in integer minor units of one ISO 4217 currency.
//
// There is no floating point anywhere in money. Arithmetic refuses to mix
// currencies and reports overflow instead of wrapping.
//
//   Money a = *Money::Parse("12.50 USD");   // 1250 minor units
//   Result<Money> sum = a.Add(*Money::Parse("0.05 USD"));
//   a.Add(*Money::Parse("1 SGD"));         // invalid_argument: mixed currencies
//
// Thread-safety: immutable value types.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/status.h"

namespace straits {

class Currency {
 public:
  // Three upper-case letters naming a code in data/currencies.csv.
  static Result<Currency> Parse(std::string_view code);

  std::string_view code() const { return std::string_view(code_.data(), 3); }
  // Digits after the decimal point: 2 for USD, 0 for JPY, 3 for KWD.
  int minor_units() const { return minor_units_; }

  friend bool operator==(const Currency& a, const Currency& b) { return a.code_ == b.code_; }

 private:
  Currency(std::array<char, 3> code, int minor_units) : code_(code), minor_units_(minor_units) {}
  std::array<char, 3> code_;
  int minor_units_;
};

class Money {
 public:
  Money(int64_t minor_units, Currency currency) : minor_(minor_units), currency_(currency) {}

  // "12.50 USD", "-3 JPY", "0.125 KWD". More fraction digits than the currency
  // has is an error (no silent rounding).
  static Result<Money> Parse(std::string_view text);

  int64_t minor_units() const { return minor_; }
  const Currency& currency() const { return currency_; }

  Result<Money> Add(const Money& other) const;
  Result<Money> Subtract(const Money& other) const;
  Result<Money> Multiply(int64_t factor) const;
  Money Negated() const { return Money(-minor_, currency_); }

  // "12.50 USD".
  std::string ToString() const;
  // "12.50" (no currency).
  std::string AmountString() const;

  friend bool operator==(const Money&, const Money&) = default;

 private:
  int64_t minor_;
  Currency currency_;
};

std::ostream& operator<<(std::ostream& os, const Money& m);

}  // namespace straits
