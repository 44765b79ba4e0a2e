#include "core/csv.h"

#include <gtest/gtest.h>

namespace straits {
namespace {

TEST(Csv, ParsesQuotedFieldsAndComments) {
  Result<CsvTable> t = ParseCsv(
      "# comment\ncode,name\nKR,\"Korea, Republic of\"\nXQ,\"say \"\"hi\"\"\"\r\n\n", "t.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fields[1], "Korea, Republic of");
  EXPECT_EQ(t->rows[0].line, 3);
  EXPECT_EQ(t->rows[1].fields[1], "say \"hi\"");
  EXPECT_EQ(t->Column("name"), 1);
  EXPECT_EQ(t->Column("nope"), -1);
}

TEST(Csv, ReportsFileAndLineOfBadRows) {
  Result<CsvTable> t = ParseCsv("a,b\n1,2\n3\n", "usage.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().field(), "usage.csv:3");
  Result<CsvTable> q = ParseCsv("a,b\n1,\"open\n", "q.csv");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().field(), "q.csv:2");
  EXPECT_FALSE(ParseCsv("", "e.csv").ok());
}

}  // namespace
}  // namespace straits
