#include "policy/json.h"

#include <gtest/gtest.h>

#include "policy/shipped.h"

namespace straits::policy {
namespace {

namespace json = boost::json;

TEST(CheckRequestJson, ParsesExport) {
  Result<CheckRequest> request = CheckRequestFromJson(json::parse(R"({
    "kind": "export", "date": "2024-06-01", "item": "h100-sxm", "count": 8,
    "from": "US", "to": "MY",
    "consignee": {"name": "Pantai", "hq": "MY", "owners": [{"name": "Parent", "hq": "CN"}]},
    "totals": {"country_tpp": 5, "consignee_year_tpp": 6},
    "regimes": ["us-ear-2025-01-diffusion"]})"));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->kind, Kind::kExport);
  EXPECT_EQ(request->count, 8);
  EXPECT_EQ(request->consignee.party.owners.size(), 1u);
  EXPECT_EQ(request->consignee.party.UltimateParentHq(), *Country::Parse("CN"));
  EXPECT_EQ(request->country_total_tpp, 5);
  EXPECT_EQ(request->regimes, (std::vector<std::string>{"us-ear-2025-01-diffusion"}));
}

// Declared training compute implies training unless another end use is given.
TEST(CheckRequestJson, TrainingFlopImpliesTraining) {
  const std::string base = R"({"kind": "remote_access", "date": "2025-11-01",
    "item": "h100-sxm", "count": 64, "site_country": "MY",
    "operator": {"name": "Op", "hq": "US"}, "tenant": {"name": "Lab", "hq": "CN"})";
  Result<CheckRequest> flop_only = CheckRequestFromJson(json::parse(base + R"(,
    "training_flop": 3e24})"));
  ASSERT_TRUE(flop_only.ok()) << flop_only.status();
  EXPECT_EQ(flop_only->end_use, EndUse::kTraining);
  Result<CheckRequest> inference = CheckRequestFromJson(json::parse(base + R"(,
    "end_use": "inference", "training_flop": 3e24})"));
  ASSERT_TRUE(inference.ok()) << inference.status();
  EXPECT_EQ(inference->end_use, EndUse::kInference);
  Result<CheckRequest> neither = CheckRequestFromJson(json::parse(base + "}"));
  ASSERT_TRUE(neither.ok()) << neither.status();
  EXPECT_EQ(neither->end_use, EndUse::kUndeclared);
}

TEST(CheckRequestJson, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"([])", ""},
      {R"({"date": "2024-06-01", "item": "h100-sxm"})", "kind"},
      {R"({"kind": "import", "date": "2024-06-01", "item": "h100-sxm"})", "kind"},
      {R"({"kind": "export", "item": "h100-sxm"})", "date"},
      {R"({"kind": "export", "date": "2024-13-01", "item": "h100-sxm"})", "date"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY"})",
       "consignee"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY",
           "consignee": {"name": "x"}})",
       "consignee.hq"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "XX",
           "consignee": {"hq": "MY"}})",
       "to"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY",
           "consignee": {"hq": "MY", "owners": [{"hq": 3}]}})",
       "consignee.owners[0].hq"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "count": 0, "from": "US",
           "to": "MY", "consignee": {"hq": "MY"}})",
       "count"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY",
           "consignee": {"hq": "MY"}, "regimes": ["a", 3]})",
       "regimes[1]"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY",
           "consignee": {"hq": "MY"}, "tenant": {"hq": "CN"}})",
       "tenant"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "colour": 1})", "colour"},
      {R"({"kind": "remote_access", "date": "2024-06-01", "item": "h100-sxm",
           "operator": {"hq": "US"}, "tenant": {"hq": "CN"}})",
       "site_country"},
      {R"({"kind": "remote_access", "date": "2024-06-01", "item": "h100-sxm", "site_country": "MY",
           "operator": {"hq": "US"}, "tenant": {"hq": "CN"}, "end_use": "mining"})",
       "end_use"},
      {R"({"kind": "remote_access", "date": "2024-06-01", "item": "h100-sxm", "site_country": "MY",
           "operator": {"hq": "US"}})",
       "tenant"},
  };
  for (const Case& c : cases) {
    Result<CheckRequest> request = CheckRequestFromJson(json::parse(c.body));
    ASSERT_FALSE(request.ok()) << c.body;
    EXPECT_EQ(request.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(request.status().field(), c.field) << c.body << ": " << request.status();
  }
}

TEST(DecisionJson, HasTheDocumentedKeys) {
  Result<Engine> engine = LoadShippedEngine();
  ASSERT_TRUE(engine.ok());
  Result<CheckRequest> request = CheckRequestFromJson(json::parse(R"({
    "kind": "remote_access", "date": "2025-11-01", "item": "h100-sxm", "count": 64,
    "site_country": "MY", "operator": {"name": "Op", "hq": "US"},
    "tenant": {"name": "Lantau Model Labs", "hq": "CN"}})"));
  ASSERT_TRUE(request.ok()) << request.status();
  Transaction tx;
  ASSERT_TRUE(BuildTransaction(*engine, *request, nullptr, tx, nullptr).ok());
  Decision decision;
  ASSERT_TRUE(engine->Evaluate(tx, PackSelection{}, decision).ok());
  json::object out = DecisionToJson(decision);
  EXPECT_EQ(out.at("verdict").as_string(), "conditions");
  const json::array& hits = out.at("hits").as_array();
  ASSERT_EQ(hits.size(), 1u);
  for (const char* key : {"regime", "rule", "citation", "verdict", "message"}) {
    EXPECT_TRUE(hits[0].as_object().contains(key)) << key;
  }
  EXPECT_EQ(hits[0].at("regime").as_string(), "us-bis-2025-05-guidance");
  const json::array& regimes = out.at("regimes").as_array();
  ASSERT_FALSE(regimes.empty());
  EXPECT_TRUE(regimes[0].as_object().contains("id"));
  EXPECT_EQ(std::string(regimes[0].at("hash").as_string()).substr(0, 7), "sha256:");
}

TEST(PackJson, ShowsRulesGroupsAndState) {
  Result<Engine> engine = LoadShippedEngine();
  ASSERT_TRUE(engine.ok());
  const Pack* pack = engine->FindPack("us-ear-2025-09-affiliates");
  ASSERT_NE(pack, nullptr);
  json::object summary = PackSummaryToJson(*pack, *Instant::Parse("2026-01-01"));
  EXPECT_FALSE(summary.at("in_force").as_bool());
  EXPECT_NE(std::string(summary.at("state").as_string()).find("suspended"), std::string::npos);
  json::object shown =
      PackToJson(*engine->FindPack("us-ear-2023-10"), *Instant::Parse("2024-06-01"));
  EXPECT_EQ(shown.at("rules").as_array().size(), 5u);
  EXPECT_FALSE(shown.at("groups").as_array().empty());
  EXPECT_EQ(shown.at("thresholds").as_string(), "us-ear-2023-10");
  EXPECT_EQ(PackListToJson(*engine, *Instant::Parse("2024-06-01")).size(), engine->packs().size());
}

TEST(ScreenJson, ParsesAndPrints) {
  Result<ScreenRequest> request =
      ScreenRequestFromJson(json::parse(R"({"name": "Zhipu AI", "country": "CN", "limit": 3})"));
  ASSERT_TRUE(request.ok()) << request.status();
  Result<Screener> screener = LoadShippedScreener();
  ASSERT_TRUE(screener.ok());
  std::vector<Match> matches =
      screener->Search(request->name, request->country, request->date, request->limit);
  json::object out = ScreenResultToJson(*request, matches, screener->threshold());
  ASSERT_FALSE(out.at("matches").as_array().empty());
  const json::object& first = out.at("matches").as_array()[0].as_object();
  EXPECT_EQ(first.at("entry").at("id").as_string(), "EL-0016");
  EXPECT_TRUE(first.contains("score"));
  EXPECT_TRUE(first.contains("matched_name"));
  EXPECT_TRUE(first.at("cleared").is_null());
  EXPECT_EQ(ScreenRequestFromJson(json::parse(R"({"name": ""})")).status().field(), "name");
  EXPECT_EQ(ScreenRequestFromJson(json::parse(R"({"name": "x", "limit": 0})")).status().field(),
            "limit");
}

TEST(ClearanceJson, RoundTripsAndRequiresAReason) {
  Result<Clearance> clearance = ClearanceFromJson(json::parse(R"({
    "party_name": "Sugon Sdn Bhd", "entry_id": "EL-0003", "reason": "no ownership link",
    "cleared_by": "officer@example.com", "cleared_at": "2025-06-01T10:00:00Z"})"));
  ASSERT_TRUE(clearance.ok()) << clearance.status();
  EXPECT_EQ(ClearanceToJson(*clearance).at("cleared_at").as_string(), "2025-06-01T10:00:00Z");
  Result<Clearance> missing = ClearanceFromJson(json::parse(R"({
    "party_name": "x", "entry_id": "EL-0003", "reason": "", "cleared_by": "o",
    "cleared_at": "2025-06-01"})"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().field(), "reason");
}

TEST(WhatIfJson, ParsesScenario) {
  Result<WhatIfScenario> scenario = WhatIfScenarioFromJson(
      json::parse(R"({"date": "2025-03-01", "regimes": ["us-ear-2025-01-diffusion"]})"));
  ASSERT_TRUE(scenario.ok());
  EXPECT_EQ(scenario->regimes.size(), 1u);
  EXPECT_EQ(WhatIfScenarioFromJson(json::parse(R"({"only_regimes": true})")).status().field(),
            "only_regimes");
}

}  // namespace
}  // namespace straits::policy
