#include "catalog/regime.h"

#include <gtest/gtest.h>

namespace straits::catalog {
namespace {

constexpr std::string_view kPack = R"(id = "test-2023"
jurisdiction = "US"
title = "Test rule"
status = "final"
published = 2023-10-25
effective = 2023-11-17
sources = ["88 FR 73458"]

[[country_group]]
id = "D:5"
members = ["CN"]

[classification]
sources = ["88 FR 73458"]

[[classification.criterion]]
paragraph = "3A090.b.1"
eccn = "3A090.b"
computer_eccn = "4A090.b"
scope = "datacenter"
tpp_at_least = 2400
tpp_below = 4800.0
pd_at_least = 1.6
pd_below = 5.92
source = "b.1"

[[classification.criterion]]
paragraph = "3A090.a.1"
eccn = "3A090.a"
computer_eccn = "4A090.a"
scope = "all"
tpp_at_least = 4800.0
source = "a.1"

[[rule]]
id = "some-rule"
when = "anything the compliance engine understands"
)";

Instant Date(std::string_view text) { return *Instant::Parse(text); }

TEST(ParseRegimeToml, ReadsHeaderAndCriteriaIgnoringOtherTables) {
  Result<ClassificationRegime> regime = ParseRegimeToml(kPack, "p.toml");
  ASSERT_TRUE(regime.ok()) << regime.status();
  EXPECT_EQ(regime->id, "test-2023");
  EXPECT_EQ(regime->jurisdiction, "US");
  EXPECT_EQ(regime->status, RegimeStatus::kFinal);
  EXPECT_EQ(regime->published, Date("2023-10-25"));
  EXPECT_EQ(regime->effective, Date("2023-11-17"));
  EXPECT_FALSE(regime->rescinded.has_value());
  ASSERT_EQ(regime->criteria.size(), 2u);
  // Sorted strictest first.
  EXPECT_EQ(regime->criteria[0].paragraph, "3A090.a.1");
  EXPECT_EQ(regime->criteria[1].paragraph, "3A090.b.1");
  const Criterion& b1 = regime->criteria[1];
  EXPECT_EQ(b1.scope, Scope::kDatacenter);
  EXPECT_EQ(b1.eccn, Eccn::k3A090b);
  EXPECT_EQ(b1.computer_eccn, Eccn::k4A090b);
  ASSERT_EQ(b1.Bounds().size(), 4u);
  EXPECT_EQ(b1.Bounds()[0].quantity, Quantity::kTpp);
  EXPECT_EQ(b1.Bounds()[0].relation, Relation::kAtLeast);
  EXPECT_EQ(b1.Bounds()[0].threshold, 2400);
  EXPECT_EQ(b1.Bounds()[3].quantity, Quantity::kPerformanceDensity);
  EXPECT_EQ(b1.Bounds()[3].relation, Relation::kBelow);
  EXPECT_EQ(b1.Bounds()[3].threshold, 5.92);
}

std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  out.replace(at, from.size(), to);
  return out;
}

TEST(ParseRegimeToml, RejectsBadClassificationTables) {
  struct Case {
    const char* label;
    std::string text;
    StatusCode code;
    const char* location;
    const char* in_message;
  };
  const Case cases[] = {
      {"unknown criterion key", Replace(kPack, "tpp_below =", "tpp_under ="),
       StatusCode::kInvalidArgument, "p.toml:22:1",
       "classification.criterion[0].tpp_under: unknown key"},
      {"unknown classification key",
       Replace(kPack, "[classification]\n", "[classification]\nx = 1\n"),
       StatusCode::kInvalidArgument, "p.toml:14:5", "classification.x: unknown key"},
      {"bad eccn", Replace(kPack, "eccn = \"3A090.b\"", "eccn = \"3A090.c\""),
       StatusCode::kInvalidArgument, "p.toml:18:8", "must be \"3A090.a\" or \"3A090.b\""},
      {"mismatched computer eccn",
       Replace(kPack, "computer_eccn = \"4A090.b\"", "computer_eccn = \"4A090.a\""),
       StatusCode::kInvalidArgument, "p.toml:19:17", "computer_eccn"},
      {"bad scope", Replace(kPack, "scope = \"datacenter\"", "scope = \"cloud\""),
       StatusCode::kInvalidArgument, "p.toml:20:9", "scope: must be \"all\" or \"datacenter\""},
      {"threshold as string", Replace(kPack, "tpp_at_least = 2400", "tpp_at_least = \"2400\""),
       StatusCode::kInvalidArgument, "p.toml:21:16", "tpp_at_least: must be a number"},
      {"negative threshold", Replace(kPack, "tpp_at_least = 2400", "tpp_at_least = -1"),
       StatusCode::kInvalidArgument, "p.toml:21:16", "must be 0 or more"},
      {"no source", Replace(kPack, "source = \"a.1\"\n", ""), StatusCode::kInvalidArgument,
       "p.toml:27:1", "source: missing required key"},
      {"bad status", Replace(kPack, "status = \"final\"", "status = \"draft\""),
       StatusCode::kInvalidArgument, "p.toml:4:", "status: must be \"final\""},
      {"bad date", Replace(kPack, "effective = 2023-11-17", "effective = \"2023-13-01\""),
       StatusCode::kInvalidArgument, "p.toml:6:", "effective"},
      {"missing effective", Replace(kPack, "effective = 2023-11-17\n", ""),
       StatusCode::kInvalidArgument, "p.toml:1:1", "effective: missing required key"},
      {"rescinded before effective",
       Replace(kPack, "effective = 2023-11-17\n",
               "effective = 2023-11-17\nrescinded = 2023-01-01\n"),
       StatusCode::kInvalidArgument, "p.toml:7:", "rescinded: must not be before effective"},
      {"no classification", std::string(kPack.substr(0, kPack.find("[classification]"))),
       StatusCode::kFailedPrecondition, "p.toml", "no [classification] table"},
      {"no bounds", Replace(kPack, "tpp_at_least = 4800.0\n", ""), StatusCode::kInvalidArgument,
       "p.toml:27:1", "needs at least one bound"},
  };
  for (const Case& c : cases) {
    Result<ClassificationRegime> regime = ParseRegimeToml(c.text, "p.toml");
    ASSERT_FALSE(regime.ok()) << c.label;
    EXPECT_EQ(regime.status().code(), c.code) << c.label << ": " << regime.status();
    EXPECT_TRUE(regime.status().field().starts_with(c.location))
        << c.label << ": " << regime.status();
    EXPECT_NE(regime.status().message().find(c.in_message), std::string::npos)
        << c.label << ": " << regime.status();
  }
}

ClassificationRegime Regime(std::string id, std::string_view effective,
                            std::optional<std::string_view> rescinded = std::nullopt,
                            std::optional<std::string_view> compliance = std::nullopt,
                            RegimeStatus status = RegimeStatus::kFinal) {
  ClassificationRegime regime;
  regime.id = std::move(id);
  regime.effective = Date(effective);
  regime.published = regime.effective;
  if (rescinded) regime.rescinded = Date(*rescinded);
  if (compliance) regime.compliance = Date(*compliance);
  regime.status = status;
  return regime;
}

TEST(RegimeInForce, FollowsEffectiveRescindedAndComplianceDates) {
  const std::vector<ClassificationRegime> regimes = {
      Regime("r2022", "2022-10-07"),
      Regime("r2023", "2023-11-17"),
      Regime("r2024", "2024-12-02"),
      // Effective but rescinded before compliance was required: never operative.
      Regime("diffusion", "2025-01-13", "2025-05-13", "2025-05-15"),
      Regime("proposed", "2025-02-01", std::nullopt, std::nullopt, RegimeStatus::kProposed),
      Regime("short-lived", "2026-01-01", "2026-02-01"),
  };
  struct Case {
    const char* date;
    const char* expected;  // "" for none
  };
  const Case cases[] = {
      {"2022-10-06", ""},      {"2022-10-07", "r2022"},       {"2023-11-16", "r2022"},
      {"2023-11-17", "r2023"}, {"2024-12-01", "r2023"},       {"2024-12-02", "r2024"},
      {"2025-01-13", "r2024"}, {"2025-03-01", "r2024"},       {"2025-05-14", "r2024"},
      {"2025-06-01", "r2024"}, {"2026-01-01", "short-lived"}, {"2026-02-01", "r2024"},
  };
  for (const Case& c : cases) {
    const ClassificationRegime* regime = RegimeInForce(regimes, Date(c.date));
    EXPECT_EQ(regime ? regime->id : "", c.expected) << c.date;
  }
  EXPECT_FALSE(regimes[3].OperativeOn(Date("2025-05-14")));
  EXPECT_EQ(regimes[3].OperativeFrom(), Date("2025-05-15"));
  EXPECT_EQ(FindRegime(regimes, "r2023"), &regimes[1]);
  EXPECT_EQ(FindRegime(regimes, "nope"), nullptr);
}

TEST(Eccn, NamesRoundTrip) {
  for (Eccn eccn : {Eccn::kNot3A090, Eccn::k3A090a, Eccn::k3A090b, Eccn::k4A090a, Eccn::k4A090b}) {
    EXPECT_EQ(ParseEccn(EccnName(eccn)), eccn);
  }
  EXPECT_FALSE(ParseEccn("undetermined").has_value());
  EXPECT_FALSE(ParseEccn("3a090.a").has_value());
}

}  // namespace
}  // namespace straits::catalog
