#include "billing/rate_card.h"

#include <gtest/gtest.h>

#include "billing/test_world.h"

namespace straits::billing {
namespace {

using testing::At;

TEST(RateAmountMinor, RoundsHalfEvenOncePerLine) {
  EXPECT_EQ(*RateAmountMinor(9, 200, 0), 0);            // 0.5 -> 0
  EXPECT_EQ(*RateAmountMinor(27, 200, 0), 2);           // 1.5 -> 2
  EXPECT_EQ(*RateAmountMinor(45, 200, 0), 2);           // 2.5 -> 2
  EXPECT_EQ(*RateAmountMinor(3600, 1500, 1250), 1312);  // 1312.5 -> 1312
}

TEST(RateCards, FindsThePriceInForce) {
  RateCards cards = testing::Rates();
  const SiteId jhb = *SiteId::Parse("jhb-1");
  const ModelId h100 = *ModelId::Parse("h100");
  EXPECT_EQ((*cards.Find(jhb, h100, At("2026-10-15T23:59:59Z")))->price_per_gpu_hour.ToString(),
            "15.00 MYR");
  EXPECT_EQ((*cards.Find(jhb, h100, At("2026-10-16")))->price_per_gpu_hour.ToString(), "14.00 MYR");
  EXPECT_EQ(cards.Find(jhb, h100, At("2025-12-31")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cards.Find(jhb, *ModelId::Parse("b200"), At("2026-11-01")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(cards.EffectiveDates().size(), 2u);
}

TEST(RateCards, PicksTheLargestTermDiscountReached) {
  RateCards cards = testing::Rates();
  const RateCardEntry& e =
      **cards.Find(*SiteId::Parse("jhb-1"), *ModelId::Parse("h100"), At("2026-06-01"));
  EXPECT_EQ(DiscountBasisPoints(e, Duration::Days(29)), 0);
  EXPECT_EQ(DiscountBasisPoints(e, Duration::Days(30)), 500);
  EXPECT_EQ(DiscountBasisPoints(e, Duration::Days(179)), 500);
  EXPECT_EQ(DiscountBasisPoints(e, Duration::Days(180)), 1250);
}

TEST(ParseRateCardsCsv, RejectsBadRows) {
  const std::string header =
      "site,model,effective_from,currency,price_per_gpu_hour,term_discounts\n";
  struct Case {
    std::string row;
    const char* field;
    const char* needle;
  };
  for (const Case& c : std::vector<Case>{
           {"s,m,2026-01-01,XYZ,1.00,\n", "r.csv:2", "currency"},
           {"s,m,2026-01-01,USD,-1.00,\n", "r.csv:2", "negative"},
           {"s,m,2026-01-01,USD,1.001,\n", "r.csv:2", "decimal places"},
           {"s,m,2026-02-30,USD,1.00,\n", "r.csv:2", "effective_from"},
           {"s,m,2026-01-01,USD,1.00,30d:101%\n", "r.csv:2", "term_discounts"},
           {"s,m,2026-01-01,USD,1.00,30:5%\n", "r.csv:2", "term_discounts"},
           {"s,m,2026-01-01,USD,1.00,30d:5%;30d:6%\n", "r.csv:2", "two discounts"},
           {"s,m,2026-01-01,USD,1.00,\ns,m,2026-01-01,USD,2.00,\n", "r.csv:3", "second price"},
           {"s,m,2026-01-01,USD,1.00,\ns,m,2026-02-01,SGD,2.00,\n", "r.csv:3", "one currency"},
       }) {
    Result<RateCards> r = ParseRateCardsCsv(header + c.row, "r.csv");
    ASSERT_FALSE(r.ok()) << c.row;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().field(), c.field) << r.status();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status();
  }
}

TEST(QuoteLease, PricesTheWholeTermWithDiscount) {
  RateCards cards = testing::Rates();
  Result<Quote> q = QuoteLease(cards, *SiteId::Parse("sg-1"), *ModelId::Parse("h100"), 8,
                               *Interval::Make(At("2026-11-01"), At("2026-12-01")));
  ASSERT_TRUE(q.ok()) << q.status();
  // 8 GPUs x 720 h x 4.00 SGD x 0.90.
  EXPECT_EQ(q->total.ToString(), "20736.00 SGD");
  ASSERT_EQ(q->segments.size(), 1u);
  EXPECT_EQ(q->segments[0].discount_bp, 1000);
}

TEST(QuoteLease, SplitsAtPriceChanges) {
  RateCards cards = testing::Rates();
  Result<Quote> q = QuoteLease(cards, *SiteId::Parse("jhb-1"), *ModelId::Parse("h100"), 8,
                               *Interval::Make(At("2026-10-01"), At("2026-11-01")));
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->segments.size(), 2u);
  EXPECT_EQ(q->segments[0].to, At("2026-10-16"));
  // (2880 h x 15.00 + 3072 h x 14.00) x 0.95.
  EXPECT_EQ(q->total.ToString(), "81897.60 MYR");
}

TEST(QuoteLease, RejectsBadRequests) {
  RateCards cards = testing::Rates();
  const SiteId sg = *SiteId::Parse("sg-1");
  const ModelId h100 = *ModelId::Parse("h100");
  const Interval month = *Interval::Make(At("2026-11-01"), At("2026-12-01"));
  EXPECT_EQ(QuoteLease(cards, sg, h100, 0, month).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QuoteLease(cards, sg, h100, 1, *Interval::Make(At("2026-11-01"), At("2026-11-01")))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(QuoteLease(cards, sg, h100, 1, *Interval::Make(At("2025-12-01"), At("2026-01-02")))
                .status()
                .code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace straits::billing
