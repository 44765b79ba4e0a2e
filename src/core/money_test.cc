#include "core/money.h"

#include <gtest/gtest.h>

#include <limits>

namespace straits {
namespace {

TEST(Currency, KnowsMinorUnits) {
  EXPECT_EQ(Currency::Parse("USD")->minor_units(), 2);
  EXPECT_EQ(Currency::Parse("JPY")->minor_units(), 0);
  EXPECT_EQ(Currency::Parse("KWD")->minor_units(), 3);
  for (const char* bad : {"usd", "US", "USDX", "ZZZ", ""}) {
    EXPECT_EQ(Currency::Parse(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(Money, ParsesExactAmounts) {
  EXPECT_EQ(Money::Parse("12.50 USD")->minor_units(), 1250);
  EXPECT_EQ(Money::Parse("12 USD")->minor_units(), 1200);
  EXPECT_EQ(Money::Parse("12.5 USD")->minor_units(), 1250);
  EXPECT_EQ(Money::Parse("-3 JPY")->minor_units(), -3);
  EXPECT_EQ(Money::Parse("0.125 KWD")->minor_units(), 125);
  EXPECT_EQ(Money::Parse("0.05 SGD")->ToString(), "0.05 SGD");
}

TEST(Money, RejectsInexactOrMalformed) {
  for (const char* bad : {"12.505 USD", "1.5 JPY", "12.50", "USD", "1..2 USD", "1. USD", "abc USD",
                          "12.50 usd", "99999999999999999999 USD", "- USD"}) {
    EXPECT_FALSE(Money::Parse(bad).ok()) << bad;
  }
}

TEST(Money, RefusesMixedCurrencies) {
  Money usd = *Money::Parse("1 USD"), sgd = *Money::Parse("1 SGD");
  EXPECT_EQ(usd.Add(sgd).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(usd.Subtract(sgd).ok());
  EXPECT_EQ(usd.Add(usd)->minor_units(), 200);
  EXPECT_EQ(usd.Subtract(*Money::Parse("3 USD"))->ToString(), "-2.00 USD");
}

TEST(Money, DetectsOverflow) {
  Money max(std::numeric_limits<int64_t>::max(), *Currency::Parse("USD"));
  EXPECT_FALSE(max.Add(Money(1, *Currency::Parse("USD"))).ok());
  EXPECT_FALSE(max.Multiply(2).ok());
  Money min(std::numeric_limits<int64_t>::min(), *Currency::Parse("USD"));
  EXPECT_EQ(min.ToString(), "-92233720368547758.08 USD");
}

TEST(Money, FormatsByMinorUnits) {
  EXPECT_EQ(Money(5, *Currency::Parse("USD")).ToString(), "0.05 USD");
  EXPECT_EQ(Money(-5, *Currency::Parse("USD")).ToString(), "-0.05 USD");
  EXPECT_EQ(Money(1234, *Currency::Parse("JPY")).ToString(), "1234 JPY");
  EXPECT_EQ(Money(1, *Currency::Parse("KWD")).ToString(), "0.001 KWD");
}

}  // namespace
}  // namespace straits
