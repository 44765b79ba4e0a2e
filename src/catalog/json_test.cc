#include "catalog/json.h"

#include <gtest/gtest.h>

#include "catalog/shipped.h"

namespace straits::catalog {
namespace {

namespace json = boost::json;

TEST(ReportToJson, HasTheDocumentedKeys) {
  Result<Catalog> catalog = LoadShippedCatalog();
  Result<std::vector<ClassificationRegime>> regimes = LoadShippedRegimes();
  ASSERT_TRUE(catalog.ok() && regimes.ok());
  const AcceleratorSpec* h20 = catalog->Find(*ModelId::Parse("h20"));
  ASSERT_NE(h20, nullptr);
  Result<ClassificationReport> report = ClassifyAll(*h20, *regimes, *Instant::Parse("2024-06-01"));
  ASSERT_TRUE(report.ok());

  json::object out = ReportToJson(*report);
  EXPECT_EQ(out.at("model"), "h20");
  EXPECT_EQ(out.at("tpp").as_double(), 2368.0);
  EXPECT_NEAR(out.at("performance_density").as_double(), 2.909, 0.001);
  EXPECT_EQ(out.at("date"), "2024-06-01");
  EXPECT_EQ(out.at("regime_in_force"), "us-ear-2023-10");
  EXPECT_EQ(out.at("eccn"), "not_3A090");
  const json::array& by_regime = out.at("by_regime").as_array();
  ASSERT_EQ(by_regime.size(), 4u);
  const json::object& r2023 = by_regime[1].as_object();
  EXPECT_EQ(r2023.at("regime"), "us-ear-2023-10");
  EXPECT_EQ(r2023.at("in_force"), true);
  EXPECT_EQ(r2023.at("eccn"), "not_3A090");
  EXPECT_TRUE(r2023.at("reason").as_string().starts_with("3A090.a.1: TPP 2368 < 4800"));
  const json::object& b1 = r2023.at("criteria").as_array()[2].as_object();
  EXPECT_EQ(b1.at("paragraph"), "3A090.b.1");
  EXPECT_EQ(b1.at("holds"), "false");
  const json::object& first = b1.at("inequalities").as_array()[0].as_object();
  EXPECT_EQ(first.at("quantity"), "tpp");
  EXPECT_EQ(first.at("relation"), ">=");
  EXPECT_EQ(first.at("threshold").as_double(), 2400.0);
  EXPECT_EQ(first.at("value").as_double(), 2368.0);
  EXPECT_EQ(first.at("holds"), "false");
  EXPECT_EQ(by_regime[0].as_object().at("in_force"), false);
}

TEST(ReportToJson, UnknownNumbersAreNull) {
  AcceleratorSpec spec;
  spec.name = "rumor";
  ClassificationReport report;
  report.model = spec.name;
  json::object out = ReportToJson(report);
  EXPECT_TRUE(out.at("tpp").is_null());
  EXPECT_TRUE(out.at("performance_density").is_null());
  EXPECT_TRUE(out.at("regime_in_force").is_null());
}

TEST(SpecToJson, CarriesFiguresAndSources) {
  Result<Catalog> catalog = LoadShippedCatalog();
  ASSERT_TRUE(catalog.ok());
  json::object out = SpecToJson(*catalog->Find(*ModelId::Parse("h100-sxm")));
  EXPECT_EQ(out.at("id"), "h100-sxm");
  EXPECT_EQ(out.at("tpp").as_double(), 15832.0);
  EXPECT_EQ(out.at("die_area_mm2").as_double(), 814.0);
  EXPECT_EQ(out.at("country_of_origin"), "US");
  EXPECT_FALSE(out.at("sources").as_object().at("die_area_mm2").as_string().empty());
  json::object b30a = SpecToJson(*catalog->Find(*ModelId::Parse("b30a")));
  EXPECT_TRUE(b30a.at("tpp").is_null());
  EXPECT_TRUE(b30a.at("die_area_mm2").is_null());
}

TEST(SummaryToJson, GivesTheEccnInForceOnTheDate) {
  Result<Catalog> catalog = LoadShippedCatalog();
  Result<std::vector<ClassificationRegime>> regimes = LoadShippedRegimes();
  ASSERT_TRUE(catalog.ok() && regimes.ok());
  const AcceleratorSpec& a800 = *catalog->Find(*ModelId::Parse("a800-sxm"));
  json::object in_2023 = SummaryToJson(a800, *regimes, *Instant::Parse("2023-06-01"));
  EXPECT_EQ(in_2023.at("regime"), "us-ear-2022-10");
  EXPECT_EQ(in_2023.at("eccn"), "not_3A090");
  json::object in_2024 = SummaryToJson(a800, *regimes, *Instant::Parse("2024-06-01"));
  EXPECT_EQ(in_2024.at("eccn"), "3A090.a");
  json::object in_2021 = SummaryToJson(a800, *regimes, *Instant::Parse("2021-06-01"));
  EXPECT_TRUE(in_2021.at("regime").is_null());
  EXPECT_EQ(in_2021.at("eccn"), "not_3A090");
}

TEST(SpecFromJson, ReadsTheSpecKeys) {
  json::value body = json::parse(R"({"vendor": "Example", "model": "X1", "datacenter": true,
      "die_area_mm2": 814.0, "interconnect_bidir_gbps": 900,
      "throughput": [{"format": "fp8", "bits": 8, "tops": 296.0}]})");
  Result<AcceleratorSpec> spec = SpecFromJson(body);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "X1");
  EXPECT_EQ(spec->die_area_mm2, 814.0);
  EXPECT_EQ(spec->interconnect_bidir_gbps, 900.0);
  EXPECT_DOUBLE_EQ(Tpp(*spec), 2368);
}

TEST(SpecFromJson, RejectsBadInputNamingTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"([1, 2])", ""},
      {R"({"throughput": [{"bits": 8, "tops": 1}]})", "model"},
      {R"({"model": "X"})", "throughput"},
      {R"({"model": "X", "throughput": []})", "throughput"},
      {R"({"model": "X", "throughput": {"bits": 8}})", "throughput"},
      {R"({"model": "X", "throughput": [7]})", "throughput[0]"},
      {R"({"model": "X", "throughput": [{"bits": 8, "tops": -1}]})", "throughput[0].tops"},
      {R"({"model": "X", "throughput": [{"bits": 8, "tops": "1"}]})", "throughput[0].tops"},
      {R"({"model": "X", "throughput": [{"bits": 8.5, "tops": 1}]})", "throughput[0].bits"},
      {R"({"model": "X", "throughput": [{"tops": 1}]})", "throughput[0].bits"},
      {R"({"model": "X", "throughput": [{"bits": 8, "tops": 1, "sparse": 2}]})",
       "throughput[0].sparse"},
      {R"({"model": "X", "die_area_mm2": 0, "throughput": [{"bits": 8, "tops": 1}]})",
       "die_area_mm2"},
      {R"({"model": "X", "die_area": 5, "throughput": [{"bits": 8, "tops": 1}]})", "die_area"},
      {R"({"model": "X", "datacenter": "yes", "throughput": [{"bits": 8, "tops": 1}]})",
       "datacenter"},
      {R"({"model": "", "throughput": [{"bits": 8, "tops": 1}]})", "model"},
      {R"({"model": 5, "throughput": [{"bits": 8, "tops": 1}]})", "model"},
  };
  for (const Case& c : cases) {
    Result<AcceleratorSpec> spec = SpecFromJson(json::parse(c.body));
    ASSERT_FALSE(spec.ok()) << c.body;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(spec.status().field(), c.field) << c.body << ": " << spec.status();
  }
}

}  // namespace
}  // namespace straits::catalog
