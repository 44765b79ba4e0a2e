#include "billing/fx.h"

#include <gtest/gtest.h>

#include "billing/default_fx.h"
#include "billing/period.h"
#include "billing/test_world.h"

namespace straits::billing {
namespace {

using testing::At;
using testing::Cur;

constexpr const char* kRates =
    "date,currency,per_usd\n"
    "2026-10-26,SGD,1.30\n"
    "2026-11-02,SGD,1.25\n"
    "2026-11-02,JPY,150\n"
    "2026-11-02,MYR,4.20\n"
    "2026-11-02,KWD,0.3\n";

TEST(FxTable, ConvertsExactlyAtTheInvoiceDate) {
  FxTable fx = *FxTable::Parse(kRates, "fx.csv");
  EXPECT_EQ(fx.size(), 5u);
  FxRatesUsed used;
  // 125.00 SGD at 1.25 per USD = 100.00 USD.
  EXPECT_EQ(
      fx.Convert(*Money::Parse("125.00 SGD"), Cur("USD"), At("2026-11-02"), &used)->ToString(),
      "100.00 USD");
  ASSERT_EQ(used.size(), 2u);  // SGD and USD
  EXPECT_EQ(used.begin()->currency, "SGD");
  EXPECT_EQ(used.begin()->PerUsd(), "1.25");
  // The latest rate on or before the date: 2026-11-01 still uses 1.30.
  EXPECT_EQ(fx.Convert(*Money::Parse("130.00 SGD"), Cur("USD"), At("2026-11-01"))->ToString(),
            "100.00 USD");
  // Cross rates through USD, into a currency with no minor units and one with three.
  EXPECT_EQ(fx.Convert(*Money::Parse("1.25 SGD"), Cur("JPY"), At("2026-11-03"))->ToString(),
            "150 JPY");
  EXPECT_EQ(fx.Convert(*Money::Parse("4.20 MYR"), Cur("KWD"), At("2026-11-03"))->ToString(),
            "0.300 KWD");
  EXPECT_EQ(fx.Convert(*Money::Parse("5 USD"), Cur("USD"), At("2000-01-01"))->ToString(),
            "5.00 USD");
}

TEST(FxTable, RoundsHalfEvenOnce) {
  FxTable fx = *FxTable::Parse("date,currency,per_usd\n2026-11-02,SGD,2\n", "fx.csv");
  // 0.01 SGD / 2 = 0.005 USD -> 0.00; 0.03 SGD / 2 = 0.015 -> 0.02; -0.03 -> -0.02.
  EXPECT_EQ(fx.Convert(Money(1, Cur("SGD")), Cur("USD"), At("2026-11-02"))->minor_units(), 0);
  EXPECT_EQ(fx.Convert(Money(3, Cur("SGD")), Cur("USD"), At("2026-11-02"))->minor_units(), 2);
  EXPECT_EQ(fx.Convert(Money(-3, Cur("SGD")), Cur("USD"), At("2026-11-02"))->minor_units(), -2);
}

TEST(FxTable, MissingOrStaleRateIsNotFound) {
  FxTable fx = *FxTable::Parse(kRates, "fx.csv");
  EXPECT_EQ(fx.Convert(*Money::Parse("1.00 EUR"), Cur("USD"), At("2026-11-02")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(fx.RateFor(Cur("SGD"), At("2026-10-25")).status().code(), StatusCode::kNotFound);
  Result<FxRate> stale = fx.RateFor(Cur("SGD"), At("2026-11-10"));
  EXPECT_EQ(stale.status().code(), StatusCode::kNotFound);
  EXPECT_NE(stale.status().message().find("2026-11-10"), std::string::npos);
  EXPECT_TRUE(fx.RateFor(Cur("SGD"), At("2026-11-09")).ok());
}

TEST(FxTable, RejectsBadFiles) {
  struct Case {
    const char* text;
    const char* field;
    const char* needle;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"date,currency\n2026-11-02,SGD\n", "fx.csv:header", "per_usd"},
           {"date,currency,per_usd\n2026-11-02,XYZ,1\n", "fx.csv:2", "currency"},
           {"date,currency,per_usd\n2026-11-31,SGD,1\n", "fx.csv:2", "date"},
           {"date,currency,per_usd\n2026-11-02T10:00Z,SGD,1\n", "fx.csv:2", "date"},
           {"date,currency,per_usd\n2026-11-02,SGD,0\n", "fx.csv:2", "positive"},
           {"date,currency,per_usd\n2026-11-02,SGD,-1.3\n", "fx.csv:2", "negative"},
           {"date,currency,per_usd\n2026-11-02,SGD,1.3x\n", "fx.csv:2", "per_usd"},
           {"date,currency,per_usd\n2026-11-02,USD,2\n", "fx.csv:2", "USD"},
           {"date,currency,per_usd\n2026-11-02,SGD,1.3\n2026-11-02,SGD,1.31\n", "fx.csv:3",
            "second"},
       }) {
    Result<FxTable> r = FxTable::Parse(c.text, "fx.csv");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().field(), c.field) << r.status();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status();
  }
}

TEST(FxTable, MergesFilesAndRefusesConflicts) {
  FxTable a = *FxTable::Parse("date,currency,per_usd\n2026-11-02,SGD,1.3\n", "a.csv");
  FxTable b = *FxTable::Parse("date,currency,per_usd\n2026-11-09,SGD,1.31\n", "b.csv");
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.size(), 2u);
  Status conflict = a.Merge(b);
  EXPECT_EQ(conflict.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(conflict.field(), "b.csv:2");
}

TEST(FxTable, ShippedTableParsesAndCoversInvoiceDates) {
  Result<FxTable> fx = FxTable::Parse(DefaultFxCsv(), "data/fx/usd-rates.csv");
  ASSERT_TRUE(fx.ok()) << fx.status();
  for (const char* code : {"SGD", "MYR", "EUR", "JPY", "CNY", "TWD"}) {
    for (Month m = *Month::Parse("2025-01"); m <= *Month::Parse("2026-12"); m = m.Next()) {
      EXPECT_TRUE(fx->RateFor(Cur(code), m.End()).ok()) << code << " " << m.ToString();
    }
  }
}

}  // namespace
}  // namespace straits::billing
