#include "billing/decimal.h"

#include <gtest/gtest.h>

#include <limits>

namespace straits::billing {
namespace {

TEST(RoundHalfEven, RoundsTiesToEven) {
  struct Case {
    int64_t num, den, want;
  };
  for (const Case& c : std::initializer_list<Case>{{5, 2, 2},
                                                   {7, 2, 4},
                                                   {-5, 2, -2},
                                                   {-7, 2, -4},
                                                   {1, 3, 0},
                                                   {2, 3, 1},
                                                   {-2, 3, -1},
                                                   {10, 5, 2},
                                                   {0, 7, 0},
                                                   {25, 10, 2},
                                                   {35, 10, 4},
                                                   {26, 10, 3}}) {
    EXPECT_EQ(*RoundHalfEven(c.num, c.den), c.want) << c.num << "/" << c.den;
  }
}

TEST(RoundHalfEven, ReportsOverflow) {
  const Int128 big = static_cast<Int128>(std::numeric_limits<int64_t>::max()) * 4;
  EXPECT_EQ(RoundHalfEven(big, 2).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*RoundHalfEven(big, 4), std::numeric_limits<int64_t>::max());
}

TEST(ParseScaledDecimal, ParsesExactly) {
  EXPECT_EQ(*ParseScaledDecimal("1250000.00", 2), 125000000);
  EXPECT_EQ(*ParseScaledDecimal("1.5", 2), 150);
  EXPECT_EQ(*ParseScaledDecimal("7", 0), 7);
  EXPECT_EQ(*ParseScaledDecimal("1.2897", 10), 12'897'000'000);
  EXPECT_EQ(*ParseScaledDecimal("-3.25", 2, true), -325);
}

TEST(ParseScaledDecimal, RejectsMalformed) {
  for (const char* bad :
       {"", "1.", ".", "1.234", "1e5", "abc", "1,5", "-1", "1..2", "99999999999999999999", "+1"}) {
    EXPECT_EQ(ParseScaledDecimal(bad, 2).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(FormatScaledDecimal, KeepsScale) {
  EXPECT_EQ(FormatScaledDecimal(150, 2), "1.50");
  EXPECT_EQ(FormatScaledDecimal(-5, 2), "-0.05");
  EXPECT_EQ(FormatScaledDecimal(7, 0), "7");
  EXPECT_EQ(FormatScaledDecimal(1250, 2), "12.50");
}

}  // namespace
}  // namespace straits::billing
