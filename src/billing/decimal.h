// Exact decimal helpers for billing: parsing decimal text into scaled
// integers and the one rounding rule used everywhere money is divided.
//
// Rounding rule (docs/billing.md): a quotient is rounded half-to-even
// ("banker's rounding") exactly once, at the end of a computation that was
// carried out exactly in 128-bit integers. 2.5 -> 2, 3.5 -> 4, -2.5 -> -2.
//
//   RoundHalfEven(5, 2)   -> 2      RoundHalfEven(7, 2) -> 4
//   ParseScaledDecimal("1.2897", 10) -> 12'897'000'000
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace straits::billing {

// GCC and Clang provide 128-bit integers; __extension__ marks the deliberate use.
__extension__ typedef __int128 Int128;

// numerator / denominator rounded half-to-even. `denominator` must be > 0.
// invalid_argument if the result does not fit in int64.
Result<int64_t> RoundHalfEven(Int128 numerator, Int128 denominator);

// Parses a non-negative decimal such as "1250000.00", "0.05" or "7" into an
// integer scaled by 10^scale ("1.5" with scale 2 -> 150). More than `scale`
// fraction digits, signs, exponents, empty text and values beyond int64 are
// invalid_argument; the message says what is accepted. A leading '-' is
// accepted only when `allow_negative`.
Result<int64_t> ParseScaledDecimal(std::string_view text, int scale, bool allow_negative = false);

// The inverse of ParseScaledDecimal, trailing zeros kept: (150, 2) -> "1.50".
std::string FormatScaledDecimal(int64_t value, int scale);

// 10^exponent for 0 <= exponent <= 18.
int64_t Pow10(int exponent);

}  // namespace straits::billing
