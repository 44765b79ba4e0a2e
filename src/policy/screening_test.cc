#include "policy/screening.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/csv.h"
#include "policy/shipped.h"

namespace straits::policy {
namespace {

const Screener& Shipped() {
  static const Screener* screener = [] {
    Result<Screener> loaded = LoadShippedScreener();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new Screener(std::move(loaded).value());
  }();
  return *screener;
}

TEST(Screening, NormalizesScriptsCaseAndLegalForms) {
  const Screener& screener = Shipped();
  EXPECT_EQ(screener.Normalize("Huawei Technologies Co., Ltd."), "huawei technologies");
  EXPECT_EQ(screener.Normalize("ＨＵＡＷＥＩ　TECHNOLOGIES  CO LTD"), "huawei technologies");
  EXPECT_EQ(screener.Normalize("华为技术有限公司"), "hua wei ji shu");
  EXPECT_EQ(screener.Normalize("Zhipu.AI, Inc."), "zhipu ai");
  EXPECT_EQ(screener.Normalize("Société Générale S.A."), "societe generale");
}

TEST(Screening, FuzzyLatinMatchReportsScoreEntryAndAlias) {
  std::vector<Match> matches = Shipped().Search("Beijing Zhipu Huazhang Tech Co Ltd");
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].entry->id, "EL-0016");
  EXPECT_GE(matches[0].score, Shipped().threshold());
  EXPECT_LT(matches[0].score, 1.0);
  EXPECT_EQ(matches[0].matched_name, "Beijing Zhipu Huazhang Technology Co., Ltd.");
  EXPECT_EQ(matches[0].query, "Beijing Zhipu Huazhang Tech Co Ltd");
  EXPECT_FALSE(matches[0].entry->citation.empty());
}

TEST(Screening, ChineseScriptMatchesTheChineseAlias) {
  std::vector<Match> matches = Shipped().Search("北京智谱华章科技有限公司");
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].entry->id, "EL-0016");
  EXPECT_EQ(matches[0].matched_name, "北京智谱华章科技有限公司");
  EXPECT_DOUBLE_EQ(matches[0].score, 1.0);
}

TEST(Screening, EntriesAddedAfterTheDateDoNotMatch) {
  EXPECT_TRUE(Shipped().Search("Zhipu AI", std::nullopt, *Instant::Parse("2025-01-15")).empty());
  EXPECT_FALSE(Shipped().Search("Zhipu AI", std::nullopt, *Instant::Parse("2025-01-16")).empty());
}

TEST(Screening, ListedParentFlagsTheSubsidiary) {
  Party party;
  party.name = "Lion City Cloud Pte Ltd";
  party.hq = *Country::Parse("SG");
  PartyName parent;
  parent.name = "Holding Vehicle Ltd";
  PartyName grandparent;
  grandparent.name = "华为技术有限公司";
  party.owners = {parent, grandparent};
  PartyScreening screening = Shipped().ScreenParty(party, *Instant::Parse("2025-06-01"));
  EXPECT_FALSE(screening.listed);
  EXPECT_TRUE(screening.affiliate_of_listed);
  ASSERT_EQ(screening.owners.size(), 1u);
  EXPECT_EQ(screening.owners[0].depth, 2u);
  EXPECT_EQ(screening.owners[0].matches[0].entry->id, "EL-0001");
  EXPECT_NE(screening.listed_entry.find("Huawei Technologies"), std::string::npos);
}

TEST(Screening, ClearanceKeepsTheMatchButClearsTheFlag) {
  Result<std::vector<ListEntry>> entries = LoadShippedListEntries();
  ASSERT_TRUE(entries.ok());
  Clearance clearance{"Sugon Sdn Bhd", "EL-0003",
                      "Different company: Sugon Sdn Bhd (MY) has no ownership link",
                      "officer@example.com", *Instant::Parse("2025-06-01")};
  Result<Screener> screener = Screener::Create(*entries, {clearance});
  ASSERT_TRUE(screener.ok()) << screener.status();
  Party party;
  party.name = "SUGON SDN. BHD.";
  PartyScreening screening = screener->ScreenParty(party, std::nullopt);
  ASSERT_FALSE(screening.matches.empty());
  EXPECT_EQ(screening.matches[0].entry->id, "EL-0003");
  ASSERT_NE(screening.matches[0].clearance, nullptr);
  EXPECT_EQ(screening.matches[0].clearance->cleared_by, "officer@example.com");
  EXPECT_FALSE(screening.listed);
  // Another party name is not covered by the clearance.
  party.name = "Dawning Information Industry";
  EXPECT_TRUE(screener->ScreenParty(party, std::nullopt).listed);
}

TEST(Screening, InvalidClearancesAreRejected) {
  Result<std::vector<ListEntry>> entries = LoadShippedListEntries();
  ASSERT_TRUE(entries.ok());
  Clearance no_reason{"x", "EL-0003", "", "officer", Instant()};
  Result<Screener> screener = Screener::Create(*entries, {no_reason});
  ASSERT_FALSE(screener.ok());
  EXPECT_EQ(screener.status().field(), "reason");
  Clearance unknown{"x", "EL-9999", "r", "officer", Instant()};
  screener = Screener::Create(*entries, {unknown});
  ASSERT_FALSE(screener.ok());
  EXPECT_EQ(screener.status().field(), "entry_id");
}

TEST(Screening, ParseListCsvErrorsNameTheLine) {
  const char* header =
      "id,source,name,alt_names,country,start_date,federal_register_notice,remarks\n";
  struct Case {
    std::string body;
    const char* message_part;
  };
  const Case cases[] = {
      {"X-1,EL,Name,,XX,2024-01-01,cite,\n", "country"},
      {"X-1,EL,Name,,CN,2024-13-01,cite,\n", "start_date"},
      {"X-1,EL,,,CN,2024-01-01,cite,\n", "must not be empty"},
      {"X-1,EL,Name,,CN,2024-01-01,,\n", "must cite"},
      {"X-1,EL,Name,,CN,2024-01-01,cite,\nX-1,EL,Other,,CN,2024-01-01,cite,\n", "duplicate id"},
  };
  for (const Case& c : cases) {
    Result<std::vector<ListEntry>> entries = ParseListCsv(header + c.body, "l.csv");
    ASSERT_FALSE(entries.ok()) << c.body;
    EXPECT_EQ(entries.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(entries.status().field().substr(0, 6), "l.csv:");
    EXPECT_NE(entries.status().message().find(c.message_part), std::string::npos)
        << entries.status();
  }
  Result<std::vector<ListEntry>> missing = ParseListCsv("id,name\n", "l.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing column"), std::string::npos);
}

// Precision and recall on the labelled set must stay above floors; the
// benchmark reports the measured figures.
TEST(Screening, LabelledSetPrecisionAndRecall) {
  const char* root = std::getenv("STRAITS_SOURCE_DIR");
  std::ifstream file(std::string(root ? root : STRAITS_SOURCE_DIR_FALLBACK) +
                     "/tests/scenarios/policy/screening_labels.csv");
  ASSERT_TRUE(file.good());
  std::stringstream buffer;
  buffer << file.rdbuf();
  Result<CsvTable> table = ParseCsv(buffer.str(), "screening_labels.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  int true_positive = 0;
  int false_positive = 0;
  int false_negative = 0;
  std::string misses;
  for (const CsvRow& row : table->rows) {
    std::optional<Country> country;
    if (!row.fields[1].empty()) country = *Country::Parse(row.fields[1]);
    std::vector<Match> matches = Shipped().Search(row.fields[0], country);
    const std::string& expected = row.fields[2];
    std::string got = matches.empty() ? "" : matches[0].entry->id;
    if (!expected.empty() && got == expected) {
      ++true_positive;
    } else if (!(expected.empty() && got.empty())) {
      if (!got.empty()) ++false_positive;
      if (!expected.empty()) ++false_negative;
      misses += row.fields[0] + " -> " + (got.empty() ? "none" : got) + " (expected " +
                (expected.empty() ? "none" : expected) + ")\n";
    }
  }
  double precision = true_positive / double(true_positive + false_positive);
  double recall = true_positive / double(true_positive + false_negative);
  EXPECT_GE(precision, 0.95) << misses;
  EXPECT_GE(recall, 0.90) << misses;
  std::cout << "precision " << precision << " recall " << recall << "\n" << misses;
}

}  // namespace
}  // namespace straits::policy
