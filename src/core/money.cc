#include "core/money.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "core/csv.h"
#include "core/embedded_data.h"

namespace straits {
namespace {

const std::map<std::string, int, std::less<>>& MinorUnitsByCode() {
  static const std::map<std::string, int, std::less<>> table = [] {
    std::map<std::string, int, std::less<>> t;
    Result<CsvTable> csv = ParseCsv(embedded::kCurrenciesCsv, "data/currencies.csv");
    if (!csv.ok()) {
      std::fprintf(stderr, "fatal: %s\n", csv.status().ToString().c_str());
      std::abort();
    }
    for (const CsvRow& row : csv->rows) t.emplace(row.fields.at(0), std::stoi(row.fields.at(1)));
    return t;
  }();
  return table;
}

Status MixedCurrencies(const Money& a, const Money& b) {
  return InvalidArgument("cannot combine " + std::string(a.currency().code()) + " and " +
                         std::string(b.currency().code()) + " amounts; convert first");
}

Status Overflow() { return InvalidArgument("amount out of range (int64 minor units)"); }

}  // namespace

Result<Currency> Currency::Parse(std::string_view code) {
  if (code.size() != 3) {
    return InvalidArgument("\"" + std::string(code) +
                           "\" is not a currency: expected an ISO 4217 code such as \"USD\"");
  }
  auto it = MinorUnitsByCode().find(code);
  if (it == MinorUnitsByCode().end()) {
    return InvalidArgument("unknown currency \"" + std::string(code) +
                           "\": expected an ISO 4217 code such as \"USD\"");
  }
  return Currency({code[0], code[1], code[2]}, it->second);
}

Result<Money> Money::Parse(std::string_view text) {
  auto bad = [&](std::string why) {
    return InvalidArgument("\"" + std::string(text) + "\" is not an amount: " + why +
                           " (expected e.g. \"12.50 USD\")");
  };
  const size_t space = text.rfind(' ');
  if (space == std::string_view::npos) return bad("missing currency");
  STRAITS_ASSIGN_OR_RETURN(Currency currency, Currency::Parse(text.substr(space + 1)));
  std::string_view number = text.substr(0, space);
  bool negative = false;
  if (!number.empty() && (number[0] == '-' || number[0] == '+')) {
    negative = number[0] == '-';
    number.remove_prefix(1);
  }
  if (number.empty()) return bad("missing number");
  int64_t minor = 0;
  int fraction_digits = -1;
  for (char c : number) {
    if (c == '.') {
      if (fraction_digits >= 0) return bad("two decimal points");
      fraction_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad("unexpected character");
    if (fraction_digits >= 0) ++fraction_digits;
    if (__builtin_mul_overflow(minor, 10, &minor) ||
        __builtin_add_overflow(minor, c - '0', &minor)) {
      return bad("out of range");
    }
  }
  if (fraction_digits == 0) return bad("no digits after the decimal point");
  if (fraction_digits > currency.minor_units()) {
    return bad(std::string(currency.code()) + " has " + std::to_string(currency.minor_units()) +
               " decimal places");
  }
  for (int i = std::max(fraction_digits, 0); i < currency.minor_units(); ++i) {
    if (__builtin_mul_overflow(minor, 10, &minor)) return bad("out of range");
  }
  return Money(negative ? -minor : minor, currency);
}

Result<Money> Money::Add(const Money& other) const {
  if (!(currency_ == other.currency_)) return MixedCurrencies(*this, other);
  int64_t sum = 0;
  if (__builtin_add_overflow(minor_, other.minor_, &sum)) return Overflow();
  return Money(sum, currency_);
}

Result<Money> Money::Subtract(const Money& other) const {
  if (!(currency_ == other.currency_)) return MixedCurrencies(*this, other);
  int64_t diff = 0;
  if (__builtin_sub_overflow(minor_, other.minor_, &diff)) return Overflow();
  return Money(diff, currency_);
}

Result<Money> Money::Multiply(int64_t factor) const {
  int64_t product = 0;
  if (__builtin_mul_overflow(minor_, factor, &product)) return Overflow();
  return Money(product, currency_);
}

std::string Money::AmountString() const {
  const int digits = currency_.minor_units();
  // Work in unsigned so that INT64_MIN prints correctly.
  const bool negative = minor_ < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor_) : static_cast<uint64_t>(minor_);
  std::string s = std::to_string(magnitude);
  if (digits > 0) {
    if (s.size() <= static_cast<size_t>(digits))
      s.insert(0, static_cast<size_t>(digits) + 1 - s.size(), '0');
    s.insert(s.size() - static_cast<size_t>(digits), ".");
  }
  return negative ? "-" + s : s;
}

std::string Money::ToString() const { return AmountString() + " " + std::string(currency_.code()); }

std::ostream& operator<<(std::ostream& os, const Money& m) { return os << m.ToString(); }

}  // namespace straits
