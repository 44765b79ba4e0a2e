#include "billing/decimal.h"

#include <limits>

namespace straits::billing {

int64_t Pow10(int exponent) {
  int64_t value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

Result<int64_t> RoundHalfEven(Int128 numerator, Int128 denominator) {
  if (denominator <= 0) return Internal("RoundHalfEven: denominator must be positive");
  const bool negative = numerator < 0;
  const Int128 magnitude = negative ? -numerator : numerator;
  Int128 quotient = magnitude / denominator;
  const Int128 remainder = magnitude % denominator;
  const Int128 twice = remainder * 2;
  // Half-to-even on the magnitude is symmetric, so the sign is applied after.
  if (twice > denominator || (twice == denominator && (quotient & 1) != 0)) ++quotient;
  if (quotient > static_cast<Int128>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgument("amount out of range (int64 minor units)");
  }
  const auto result = static_cast<int64_t>(quotient);
  return negative ? -result : result;
}

Result<int64_t> ParseScaledDecimal(std::string_view text, int scale, bool allow_negative) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("\"" + std::string(text) + "\" is not a decimal number: " +
                           std::string(why) + " (expected digits with at most " +
                           std::to_string(scale) + " after a '.', e.g. \"1250000.00\")");
  };
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && digits[0] == '-') {
    if (!allow_negative) return bad("negative values are not accepted here");
    negative = true;
    digits.remove_prefix(1);
  }
  if (digits.empty()) return bad("empty");
  int64_t value = 0;
  int fraction_digits = -1;
  for (char c : digits) {
    if (c == '.') {
      if (fraction_digits >= 0) return bad("two decimal points");
      fraction_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad("unexpected character");
    if (fraction_digits >= 0 && ++fraction_digits > scale) return bad("too many decimal places");
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, c - '0', &value)) {
      return bad("out of range");
    }
  }
  if (fraction_digits == 0) return bad("no digits after the decimal point");
  for (int i = fraction_digits < 0 ? 0 : fraction_digits; i < scale; ++i) {
    if (__builtin_mul_overflow(value, 10, &value)) return bad("out of range");
  }
  return negative ? -value : value;
}

std::string FormatScaledDecimal(int64_t value, int scale) {
  const bool negative = value < 0;
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string s = std::to_string(magnitude);
  if (scale > 0) {
    const auto width = static_cast<size_t>(scale);
    if (s.size() <= width) s.insert(0, width + 1 - s.size(), '0');
    s.insert(s.size() - width, ".");
  }
  return negative ? "-" + s : s;
}

}  // namespace straits::billing
