#include "billing/rating.h"

#include <gtest/gtest.h>

#include "billing/test_world.h"

namespace straits::billing {
namespace {

using testing::At;

class RatingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ledger_.Ingest(testing::Hourly("L1", "n1", "2026-10-01", "2026-11-01", 8)).ok());
    ASSERT_TRUE(ledger_.Ingest(testing::Hourly("L2", "s1", "2026-10-05", "2026-10-15", 8)).ok());
    ASSERT_TRUE(ledger_.Ingest(testing::Hourly("L2", "s2", "2026-10-05", "2026-10-15", 8)).ok());
  }
  Result<std::vector<Invoice>> Rate(const char* first, const char* last) {
    return RateMonths(ledger_, catalog_, cards_, *Month::Parse(first), *Month::Parse(last));
  }
  UsageLedger ledger_;
  BillingCatalog catalog_ = testing::World();
  RateCards cards_ = testing::Rates();
};

TEST_F(RatingTest, OneInvoicePerAccountMonthAndCurrency) {
  Result<std::vector<Invoice>> invoices = Rate("2026-10", "2026-10");
  ASSERT_TRUE(invoices.ok()) << invoices.status();
  ASSERT_EQ(invoices->size(), 2u);
  const Invoice& hz = (*invoices)[0];
  EXPECT_EQ(hz.id, "INV-2026-10-hz-sg-billing-MYR");
  EXPECT_EQ(hz.issue_date, At("2026-11-01"));
  // The price changed on the 16th: one line per price, 12.5% for a 182-day term.
  ASSERT_EQ(hz.lines.size(), 2u);
  EXPECT_EQ(hz.lines[0].usage.gpu_seconds, 2880 * 3600);
  EXPECT_EQ(hz.lines[0].usage.discount_bp, 1250);
  EXPECT_EQ(hz.lines[0].amount.ToString(), "37800.00 MYR");
  EXPECT_EQ(hz.lines[1].usage.from, At("2026-10-16"));
  EXPECT_EQ(hz.lines[1].amount.ToString(), "37632.00 MYR");
  EXPECT_EQ(hz.total.ToString(), "75432.00 MYR");
  const Invoice& us = (*invoices)[1];
  EXPECT_EQ(us.id, "INV-2026-10-us-lab-sg-SGD");
  ASSERT_EQ(us.lines.size(), 1u);
  EXPECT_EQ(us.total.ToString(), "15360.00 SGD");
}

TEST_F(RatingTest, InvoiceOfAFullyUsedLeaseEqualsItsQuote) {
  const LeaseTerms& l2 = *catalog_.Lease(*LeaseId::Parse("L2"));
  Result<Quote> quote = QuoteLease(cards_, l2.site, l2.model, l2.gpus, l2.term);
  ASSERT_TRUE(quote.ok()) << quote.status();
  EXPECT_EQ(quote->total, (*Rate("2026-10", "2026-10"))[1].total);
}

TEST_F(RatingTest, RatingIsDeterministicAndMonthsWithoutUsageAreEmpty) {
  std::vector<Invoice> a = *Rate("2026-09", "2026-11");
  std::vector<Invoice> b = *Rate("2026-09", "2026-11");
  ASSERT_EQ(a.size(), 2u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_TRUE(SameCharges(a[i], b[i]));
  }
  EXPECT_EQ(Rate("2026-11", "2026-10").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RatingTest, UnknownLeaseOrMissingRateIsNotFound) {
  ASSERT_TRUE(ledger_.Ingest(testing::Hourly("L9", "n9", "2026-10-01", "2026-10-02", 1)).ok());
  Result<std::vector<Invoice>> r = Rate("2026-10", "2026-10");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("L9"), std::string::npos);
  // L1 before any rate card entry existed.
  UsageLedger early;
  ASSERT_TRUE(early.Ingest(testing::Hourly("L1", "n1", "2025-12-31", "2026-01-01", 1)).ok());
  EXPECT_EQ(RateMonths(early, catalog_, cards_, *Month::Parse("2025-12"), *Month::Parse("2025-12"))
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_F(RatingTest, ImportRefusesUnknownLeases) {
  std::vector<UsageRecord> records =
      testing::Hourly("L1", "n1", "2026-10-01", "2026-10-01T02:00:00Z", 1);
  EXPECT_TRUE(CheckUsageLeases(records, catalog_, "usage.csv").ok());
  records.push_back(testing::Hourly("L7", "n1", "2026-10-01", "2026-10-01T01:00:00Z", 1)[0]);
  records.back().line = 4;
  Status status = CheckUsageLeases(records, catalog_, "usage.csv");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.field(), "usage.csv:4");
}

TEST_F(RatingTest, CorrectionsReverseAndReplaceWithoutTouchingIssuedInvoices) {
  std::vector<Invoice> issued = *Rate("2026-10", "2026-10");
  InvoiceRegister reg;
  for (const Invoice& inv : issued) ASSERT_TRUE(reg.Add(inv).ok());
  EXPECT_EQ(reg.Add(issued[0]).code(), StatusCode::kAlreadyExists);

  // Late usage arrives for L1 on a second node.
  ASSERT_TRUE(ledger_.Ingest(testing::Hourly("L1", "n2", "2026-10-30", "2026-10-31", 1)).ok());
  std::vector<Invoice> rerated = *Rate("2026-10", "2026-10");
  EXPECT_FALSE(SameCharges(issued[0], rerated[0]));
  EXPECT_EQ(
      CorrectInvoice(issued[1], rerated[1], At("2026-11-20"), 1, "late usage").status().code(),
      StatusCode::kFailedPrecondition);  // nothing changed for the US lab
  Result<Correction> fix =
      CorrectInvoice(issued[0], rerated[0], At("2026-11-20"), 1, "late usage from n2");
  ASSERT_TRUE(fix.ok()) << fix.status();
  EXPECT_EQ(fix->credit_note.kind, DocumentKind::kCreditNote);
  EXPECT_EQ(fix->credit_note.total, issued[0].total.Negated());
  EXPECT_EQ(fix->credit_note.id, "CN-INV-2026-10-hz-sg-billing-MYR-R1");
  EXPECT_EQ(fix->replacement.id, "INV-2026-10-hz-sg-billing-MYR-R1");
  // 24 GPU-hours at 14.00 MYR less 12.5% = 294.00 MYR more.
  EXPECT_EQ(fix->replacement.total.minor_units() - issued[0].total.minor_units(), 29400);
  ASSERT_TRUE(reg.Add(fix->credit_note).ok());
  ASSERT_TRUE(reg.Add(fix->replacement).ok());
  EXPECT_EQ(reg.Find(issued[0].id)->total, issued[0].total);  // unchanged
  EXPECT_EQ(reg.CreditsFor(issued[0].id).size(), 1u);
  // The original is fully credited: no further credit fits.
  Result<Invoice> more =
      PartialCredit(issued[0], Money(100, issued[0].currency), At("2026-11-21"), "CN-x", "sla");
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(reg.Add(*more).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reg.List().size(), 4u);
  EXPECT_EQ(reg.List(*AccountId::Parse("us-lab-sg")).size(), 1u);
}

TEST_F(RatingTest, PartialCreditsAreBounded) {
  const Invoice us = (*Rate("2026-10", "2026-10"))[1];
  InvoiceRegister reg;
  ASSERT_TRUE(reg.Add(us).ok());
  EXPECT_EQ(
      PartialCredit(us, Money(0, us.currency), At("2026-11-02"), "CN-1", "sla").status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(PartialCredit(us, Money(100, testing::Cur("USD")), At("2026-11-02"), "CN-1", "sla")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  Result<Invoice> credit =
      PartialCredit(us, *Money::Parse("1000.00 SGD"), At("2026-11-02"), "CN-1", "SLA breach");
  ASSERT_TRUE(credit.ok()) << credit.status();
  EXPECT_EQ(credit->total.ToString(), "-1000.00 SGD");
  ASSERT_TRUE(reg.Add(*credit).ok());
  Invoice orphan = *credit;
  orphan.id = "CN-2";
  orphan.corrects = "INV-nope";
  EXPECT_EQ(reg.Add(orphan).code(), StatusCode::kNotFound);
  Invoice other_account = *credit;
  other_account.id = "CN-4";
  other_account.account = *AccountId::Parse("hz-sg-billing");
  EXPECT_EQ(reg.Add(other_account).code(), StatusCode::kInvalidArgument);
  Invoice wrong_total = *credit;
  wrong_total.id = "CN-3";
  wrong_total.total = Money(1, us.currency);
  EXPECT_EQ(reg.Add(wrong_total).code(), StatusCode::kInvalidArgument);
}

TEST_F(RatingTest, ExportsCsvAndJson) {
  std::vector<Invoice> invoices = *Rate("2026-10", "2026-10");
  const std::string csv = InvoicesToCsv(invoices);
  EXPECT_EQ(csv.rfind("invoice_id,kind,account,period,issue_date,currency,lease", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);  // header + 3 lines
  EXPECT_NE(csv.find("INV-2026-10-hz-sg-billing-MYR,invoice,hz-sg-billing,2026-10,2026-11-01,MYR,"
                     "L1,jhb-1,h100,2026-10-01T00:00:00Z,2026-10-16T00:00:00Z,10368000,15.00,"
                     "12.50,37800.00,"),
            std::string::npos)
      << csv;
  const std::string json = InvoiceToJson(invoices[1]);
  EXPECT_NE(json.find("\"id\":\"INV-2026-10-us-lab-sg-SGD\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"total_minor\":1536000"), std::string::npos) << json;
  EXPECT_EQ(InvoicesToJson(invoices).front(), '[');
}

}  // namespace
}  // namespace straits::billing
