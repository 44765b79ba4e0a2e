#include "billing/ledger.h"

#include <gtest/gtest.h>

namespace straits::billing {
namespace {

const std::string kHeader =
    "invoice_id,date,customer,billing_country,hq_country,ship_to_country,amount,currency\n";

TEST(ParseLedgerCsv, ReadsInvoicesAndIgnoresExtraColumns) {
  const std::string text =
      "memo,invoice_id,date,customer,billing_country,hq_country,ship_to_country,amount,currency,"
      "parent_country\n"
      "\"a, b\",V1,2025-05-10,Lab,SG,US,TW,1250000.00,USD,\n"
      "x,V2,2025-05-11,Sub,SG,SG,MY,5,JPY,CN\n";
  Result<std::vector<LedgerInvoice>> r = ParseLedgerCsv(text, "ledger.csv");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].amount.ToString(), "1250000.00 USD");
  EXPECT_EQ((*r)[0].billing_country.code(), "SG");
  EXPECT_EQ((*r)[0].hq_country.code(), "US");
  EXPECT_FALSE((*r)[0].parent_country.has_value());
  EXPECT_EQ((*r)[1].parent_country->code(), "CN");
  EXPECT_EQ((*r)[1].amount.ToString(), "5 JPY");
  EXPECT_EQ((*r)[1].line, 3);
}

TEST(ParseLedgerCsv, NamesLineAndFieldOfBadInput) {
  struct Case {
    std::string text;
    const char* field;
    const char* needle;
  };
  for (const Case& c : std::vector<Case>{
           {"invoice_id,date,customer\nV1,2025-05-10,Lab\n", "l.csv:header", "billing_country"},
           {kHeader + "V1,2025-05-10,Lab,SG,US,TW,1.00,XYZ\n", "l.csv:2", "currency"},
           {kHeader + "V1,2025-05-10,Lab,SG,US,TW,-1.00,USD\n", "l.csv:2", "negative"},
           {kHeader + "V1,2025-05-10,Lab,SG,US,TW,1.001,USD\n", "l.csv:2", "amount"},
           {kHeader + "V1,2025-5-10,Lab,SG,US,TW,1.00,USD\n", "l.csv:2", "date"},
           {kHeader + "V1,10/05/2025,Lab,SG,US,TW,1.00,USD\n", "l.csv:2", "date"},
           {kHeader + "V1,2025-05-10,Lab,SGP,US,TW,1.00,USD\n", "l.csv:2", "billing_country"},
           {kHeader + "V1,2025-05-10,Lab,SG,us,TW,1.00,USD\n", "l.csv:2", "hq_country"},
           {kHeader + "V1,2025-05-10,,SG,US,TW,1.00,USD\n", "l.csv:2", "customer"},
           {kHeader + "V1,2025-05-10,Lab,SG,US,TW,1.00,USD\nV1,2025-05-11,Lab,SG,US,TW,2.00,USD\n",
            "l.csv:3", "duplicate invoice id \"V1\" (first at line 2)"},
           {kHeader + "V1,2025-05-10,Lab,SG,US,TW,1.00\n", "l.csv:2", "fields"},
       }) {
    Result<std::vector<LedgerInvoice>> r = ParseLedgerCsv(c.text, "l.csv");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().field(), c.field) << r.status();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status();
  }
}

}  // namespace
}  // namespace straits::billing
