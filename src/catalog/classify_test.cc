#include "catalog/classify.h"

#include <gtest/gtest.h>

#include "catalog/shipped.h"

namespace straits::catalog {
namespace {

Instant Date(std::string_view text) { return *Instant::Parse(text); }

const std::vector<ClassificationRegime>& Regimes() {
  static const std::vector<ClassificationRegime> regimes = [] {
    Result<std::vector<ClassificationRegime>> loaded = LoadShippedRegimes();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *loaded : std::vector<ClassificationRegime>{};
  }();
  return regimes;
}

const ClassificationRegime& Regime(std::string_view id) {
  const ClassificationRegime* regime = FindRegime(Regimes(), id);
  EXPECT_NE(regime, nullptr) << id;
  static const ClassificationRegime kEmpty;
  return regime ? *regime : kEmpty;
}

// A chip with exactly `tpp` (one 1-bit precision, so no rounding) and the
// given die area; nullopt leaves the number missing.
AcceleratorSpec Chip(std::optional<double> tpp, std::optional<double> area,
                     std::optional<bool> datacenter = true,
                     std::optional<double> interconnect = std::nullopt) {
  AcceleratorSpec spec;
  spec.name = "chip";
  if (tpp) spec.throughputs.push_back(Throughput::Dense("test", 1, *tpp));
  spec.die_area_mm2 = area;
  spec.datacenter = datacenter;
  spec.interconnect_bidir_gbps = interconnect;
  return spec;
}

struct EdgeCase {
  const char* label;
  AcceleratorSpec spec;
  Eccn expected;
};

void ExpectEccns(std::string_view regime_id, const std::vector<EdgeCase>& cases) {
  const ClassificationRegime& regime = Regime(regime_id);
  for (const EdgeCase& c : cases) {
    Classification classification = Classify(c.spec, regime);
    EXPECT_EQ(EccnName(classification.eccn), EccnName(c.expected))
        << regime_id << " / " << c.label << ": " << classification.reason;
    EXPECT_EQ(DecideEccn(ComputeFigures(c.spec), regime).eccn, classification.eccn) << c.label;
  }
}

TEST(Classify2023, ThresholdEdges) {
  ExpectEccns(
      "us-ear-2023-10",
      {
          {"TPP exactly 4800, tiny PD", Chip(4800, 1e6), Eccn::k3A090a},
          {"TPP just below 4800, tiny PD", Chip(4799.99, 1e6), Eccn::kNot3A090},
          {"TPP just below 4800, PD exactly 1.6", Chip(4799.2, 2999.5), Eccn::k3A090b},
          {"PD exactly 5.92 (a.2)", Chip(2368, 400), Eccn::k3A090a},
          {"PD just below 5.92 (b.2)", Chip(2368, 400.01), Eccn::k3A090b},
          {"PD exactly 3.2 (b.2)", Chip(2000, 625), Eccn::k3A090b},
          {"PD just below 3.2, TPP below 2400", Chip(2000, 625.01), Eccn::kNot3A090},
          {"PD exactly 1.6 with TPP 4000 (b.1)", Chip(4000, 2500), Eccn::k3A090b},
          {"PD just below 1.6 with TPP 4000", Chip(4000, 2500.01), Eccn::kNot3A090},
          {"TPP exactly 2400 and PD 1.6 (b.1)", Chip(2400, 1500), Eccn::k3A090b},
          {"TPP just below 2400, PD below 3.2", Chip(2399.9, 1500), Eccn::kNot3A090},
          {"TPP exactly 1600, high PD (a.2)", Chip(1600, 250), Eccn::k3A090a},
          {"TPP just below 1600, high PD", Chip(1599.9, 250), Eccn::kNot3A090},
          {"TPP 1600, PD 3.2 (b.2)", Chip(1600, 500), Eccn::k3A090b},
          {"non-datacenter, TPP 4800", Chip(4800, 100, false), Eccn::k3A090a},
          {"non-datacenter, PD 5.92", Chip(2368, 400, false), Eccn::kNot3A090},
          {"non-datacenter, b.1 numbers", Chip(4000, 2500, false), Eccn::kNot3A090},
          {"no die area, TPP >= 4800 decides", Chip(20919, std::nullopt), Eccn::k3A090a},
          {"no die area, TPP below 1600 decides", Chip(1500, std::nullopt), Eccn::kNot3A090},
      });
}

TEST(Classify2022, InterconnectProng) {
  ExpectEccns(
      "us-ear-2022-10",
      {
          {"TPP 4800 and I/O 600", Chip(4800, 1e6, true, 600), Eccn::k3A090a},
          {"TPP 4800 and I/O just below 600", Chip(4800, 1e6, true, 599.9), Eccn::kNot3A090},
          {"TPP just below 4800, I/O 900", Chip(4799.9, 1e6, true, 900), Eccn::kNot3A090},
          {"consumer parts count too", Chip(4800, 100, false, 600), Eccn::k3A090a},
          {"density does not matter", Chip(2368, 400, true, 900), Eccn::kNot3A090},
          {"I/O unknown, TPP decides", Chip(2000, 400, true), Eccn::kNot3A090},
      });
}

TEST(Classify2022, HostLinkCountsTowardsAggregateIo) {
  AcceleratorSpec spec = Chip(4992, 826, true, 536);
  EXPECT_EQ(Classify(spec, Regime("us-ear-2022-10")).eccn, Eccn::kNot3A090);
  spec.host_link_bidir_gbps = 64;  // 536 + 64 = 600
  Classification classification = Classify(spec, Regime("us-ear-2022-10"));
  EXPECT_EQ(classification.eccn, Eccn::k3A090a);
  EXPECT_EQ(classification.reason, "3A090.a: TPP 4992 >= 4800 and I/O 600 GB/s >= 600 GB/s");
}

TEST(Classify, ComputersTakeThe4A090Paragraph) {
  AcceleratorSpec a = Chip(4800, 100);
  a.item = ItemKind::kComputer;
  EXPECT_EQ(Classify(a, Regime("us-ear-2023-10")).eccn, Eccn::k4A090a);
  AcceleratorSpec b = Chip(4000, 2500);
  b.item = ItemKind::kComputer;
  EXPECT_EQ(Classify(b, Regime("us-ear-2023-10")).eccn, Eccn::k4A090b);
  AcceleratorSpec none = Chip(100, 2500);
  none.item = ItemKind::kComputer;
  EXPECT_EQ(Classify(none, Regime("us-ear-2023-10")).eccn, Eccn::kNot3A090);
}

TEST(Classify, MissingDieAreaSaysWhatItCouldBe) {
  // MLU370-X8-like: TPP 2048, datacenter, die area unpublished.
  Classification classification = Classify(Chip(2048, std::nullopt), Regime("us-ear-2023-10"));
  EXPECT_EQ(classification.eccn, Eccn::kUndetermined);
  EXPECT_EQ(classification.possible_eccns,
            (std::vector<Eccn>{Eccn::k3A090a, Eccn::k3A090b, Eccn::kNot3A090}));
  EXPECT_EQ(classification.missing, std::vector<std::string>{"die_area_mm2"});
  EXPECT_NE(
      classification.reason.find(
          "3A090.a.2: holds if PD >= 5.92, i.e. die area <= 345.9 mm2 (die_area_mm2 missing)"),
      std::string::npos)
      << classification.reason;
  EXPECT_NE(classification.reason.find("3A090.b.1: TPP 2048 < 2400"), std::string::npos)
      << classification.reason;
  EXPECT_NE(classification.reason.find("die area > 345.9 mm2"), std::string::npos)
      << classification.reason;
}

TEST(Classify, MissingThroughputIsUndetermined) {
  Classification classification = Classify(Chip(std::nullopt, 800), Regime("us-ear-2023-10"));
  EXPECT_EQ(classification.eccn, Eccn::kUndetermined);
  EXPECT_EQ(classification.missing, std::vector<std::string>{"throughput"});
  EXPECT_TRUE(classification.reason.starts_with("throughput missing, TPP unknown; "))
      << classification.reason;
}

TEST(Classify, MissingInterconnectUnder2022) {
  Classification classification =
      Classify(Chip(6128, 1580, true, std::nullopt), Regime("us-ear-2022-10"));
  EXPECT_EQ(classification.eccn, Eccn::kUndetermined);
  EXPECT_EQ(classification.possible_eccns, (std::vector<Eccn>{Eccn::k3A090a, Eccn::kNot3A090}));
  EXPECT_EQ(classification.missing, std::vector<std::string>{"interconnect_bidir_gbps"});
  EXPECT_EQ(classification.reason,
            "3A090.a: holds if I/O >= 600 GB/s (interconnect_bidir_gbps missing)");
}

TEST(Classify, UnknownDatacenterFlag) {
  Classification classification = Classify(Chip(2368, 400, std::nullopt), Regime("us-ear-2023-10"));
  EXPECT_EQ(classification.eccn, Eccn::kUndetermined);
  EXPECT_EQ(classification.possible_eccns, (std::vector<Eccn>{Eccn::k3A090a, Eccn::kNot3A090}));
  EXPECT_EQ(classification.missing, std::vector<std::string>{"datacenter"});
}

TEST(Classify, ReportsEveryInequalityWithItsNumbers) {
  Classification classification = Classify(Chip(2368, 814), Regime("us-ear-2023-10"));
  ASSERT_EQ(classification.criteria.size(), 4u);
  const CriterionResult& a2 = classification.criteria[1];
  EXPECT_EQ(a2.paragraph, "3A090.a.2");
  EXPECT_EQ(a2.holds, Truth::kFalse);
  ASSERT_EQ(a2.Inequalities().size(), 2u);
  EXPECT_EQ(a2.inequalities[0].quantity, Quantity::kTpp);
  EXPECT_EQ(a2.inequalities[0].holds, Truth::kTrue);
  EXPECT_EQ(a2.inequalities[1].quantity, Quantity::kPerformanceDensity);
  EXPECT_EQ(a2.inequalities[1].threshold, 5.92);
  EXPECT_NEAR(*a2.inequalities[1].value, 2368.0 / 814, 1e-12);
  EXPECT_EQ(a2.inequalities[1].holds, Truth::kFalse);
  EXPECT_FALSE(a2.source.empty());
}

TEST(Classify, ReasonNeverPrintsAValueEqualToAThresholdItMisses) {
  Classification classification = Classify(Chip(2368, 400.01), Regime("us-ear-2023-10"));
  EXPECT_NE(classification.reason.find("3A090.a.2: PD 5.9199 < 5.92"), std::string::npos)
      << classification.reason;
}

TEST(ClassifyAll, BeforeTheFirstRegimeNothingIsControlled) {
  Result<ClassificationReport> report =
      ClassifyAll(Chip(15832, 814, true, 900), Regimes(), Date("2022-01-01"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->eccn, Eccn::kNot3A090);
  EXPECT_EQ(report->regime_in_force, "");
  EXPECT_EQ(report->reason,
            "no classification regime is in force on 2022-01-01: the first, us-ear-2022-10, "
            "took effect on 2022-10-07");
  ASSERT_EQ(report->by_regime.size(), 4u);
  for (const Classification& classification : report->by_regime) {
    EXPECT_FALSE(classification.in_force);
    EXPECT_EQ(classification.eccn, Eccn::k3A090a) << classification.regime_id;
  }
}

TEST(ClassifyAll, ListsRegimesByEffectiveDateAndMarksTheOneInForce) {
  struct Case {
    const char* date;
    const char* in_force;
  };
  const Case cases[] = {{"2022-10-07", "us-ear-2022-10"}, {"2023-11-16", "us-ear-2022-10"},
                        {"2023-11-17", "us-ear-2023-10"}, {"2024-12-02", "us-ear-2024-12"},
                        {"2025-03-01", "us-ear-2024-12"},  // the diffusion rule never applied
                        {"2026-06-01", "us-ear-2024-12"}};
  for (const Case& c : cases) {
    Result<ClassificationReport> report = ClassifyAll(Chip(2368, 814), Regimes(), Date(c.date));
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->regime_in_force, c.in_force) << c.date;
    std::vector<std::string> order;
    for (const Classification& classification : report->by_regime) {
      order.push_back(classification.regime_id);
      EXPECT_EQ(classification.in_force, classification.regime_id == c.in_force) << c.date;
    }
    EXPECT_EQ(order, (std::vector<std::string>{"us-ear-2022-10", "us-ear-2023-10", "us-ear-2024-12",
                                               "us-ear-2025-01-diffusion"}));
  }
}

TEST(ClassifyAll, NamedRegimesOnly) {
  const std::vector<std::string> ids = {"us-ear-2025-01-diffusion", "us-ear-2022-10"};
  Result<ClassificationReport> report =
      ClassifyAll(Chip(4800, 100), Regimes(), Date("2025-03-01"), ids);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->by_regime.size(), 2u);
  EXPECT_EQ(report->by_regime[0].regime_id, "us-ear-2022-10");
  EXPECT_EQ(report->by_regime[1].regime_id, "us-ear-2025-01-diffusion");
  EXPECT_FALSE(report->by_regime[1].in_force);
  EXPECT_EQ(report->by_regime[1].eccn, Eccn::k3A090a);
  // The date's ECCN still follows the regime in force among all of them.
  EXPECT_EQ(report->regime_in_force, "us-ear-2024-12");
}

TEST(ClassifyAll, UnknownRegimeIsNotFound) {
  const std::vector<std::string> ids = {"us-ear-1999"};
  Result<ClassificationReport> report =
      ClassifyAll(Chip(4800, 100), Regimes(), Date("2025-03-01"), ids);
  EXPECT_EQ(report.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(report.status().field(), "regime");
  EXPECT_NE(report.status().message().find("us-ear-2023-10"), std::string::npos);
}

}  // namespace
}  // namespace straits::catalog
