// Tests over the shipped data: data/accelerators.toml and data/policy/*.toml,
// as embedded in the binary.
#include "catalog/shipped.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "catalog/classify.h"
#include "catalog/tpp.h"

namespace straits::embedded {
extern const std::string_view kAcceleratorsToml;
}  // namespace straits::embedded

namespace straits::catalog {
namespace {

const Catalog& Shipped() {
  static const Catalog catalog = [] {
    Result<Catalog> loaded = LoadShippedCatalog();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *loaded : Catalog();
  }();
  return catalog;
}

const std::vector<ClassificationRegime>& Regimes() {
  static const std::vector<ClassificationRegime> regimes = [] {
    Result<std::vector<ClassificationRegime>> loaded = LoadShippedRegimes();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *loaded : std::vector<ClassificationRegime>{};
  }();
  return regimes;
}

const AcceleratorSpec& Model(std::string_view id) {
  const AcceleratorSpec* spec = Shipped().Find(*ModelId::Parse(id));
  EXPECT_NE(spec, nullptr) << id;
  static const AcceleratorSpec kEmpty;
  return spec ? *spec : kEmpty;
}

TEST(ShippedCatalog, HasEveryReferenceRowInOrder) {
  const std::vector<std::string> expected = {
      "a100-sxm",    "a100-pcie", "a800-sxm", "a800-pcie", "h100-sxm", "h100-pcie", "h100-nvl",
      "h800-sxm",    "h800-pcie", "h20",      "h200-sxm",  "h200-nvl", "b200",      "gb200",
      "b300",        "b30a",      "l20",      "l2",        "l40s",     "l40",       "l4",
      "rtx-4090",    "rtx-4090d", "rtx-5090", "rtx-5090d", "rtx-4080", "a30",       "a10",
      "mi250x",      "mi210",     "mi300x",   "mi308x",    "mi325x",   "mi355x",    "ascend-910b",
      "ascend-910c", "gaudi2",    "gaudi3",   "mlu370-x8", "mlu590",   "br100"};
  std::vector<std::string> ids;
  for (const AcceleratorSpec& spec : Shipped().models()) ids.push_back(spec.id.str());
  EXPECT_EQ(ids, expected);
}

TEST(ShippedCatalog, OriginFollowsTheDesigner) {
  const std::map<std::string, std::string> origin = {{"Nvidia", "US"},    {"AMD", "US"},
                                                     {"Intel", "US"},     {"Huawei", "CN"},
                                                     {"Cambricon", "CN"}, {"Biren", "CN"}};
  for (const AcceleratorSpec& spec : Shipped().models()) {
    ASSERT_TRUE(origin.contains(spec.vendor)) << spec.id << " " << spec.vendor;
    ASSERT_TRUE(spec.country_of_origin.has_value()) << spec.id;
    EXPECT_EQ(spec.country_of_origin->code(), origin.at(spec.vendor)) << spec.id;
    EXPECT_FALSE(spec.name.empty()) << spec.id;
    EXPECT_TRUE(spec.datacenter.has_value()) << spec.id;
  }
}

TEST(ShippedCatalog, EveryNumberNamesItsSource) {
  for (const AcceleratorSpec& spec : Shipped().models()) {
    for (const Throughput& t : spec.throughputs) EXPECT_FALSE(t.source.empty()) << spec.id;
    const std::pair<const char*, const std::optional<double>*> fields[] = {
        {"die_area_mm2", &spec.die_area_mm2},
        {"memory_gb", &spec.memory_gb},
        {"memory_bandwidth_gbps", &spec.memory_bandwidth_gbps},
        {"interconnect_bidir_gbps", &spec.interconnect_bidir_gbps},
        {"host_link_bidir_gbps", &spec.host_link_bidir_gbps},
        {"published_tpp", &spec.published_tpp},
        {"published_pd", &spec.published_pd}};
    for (const auto& [key, value] : fields) {
      if (value->has_value()) {
        EXPECT_TRUE(spec.sources.contains(key)) << spec.id << " " << key;
      }
    }
  }
}

TEST(ShippedCatalog, UnpublishedSpecsStayAbsent) {
  for (const char* id : {"b30a", "mi308x", "mlu590"}) {
    const AcceleratorSpec& spec = Model(id);
    EXPECT_TRUE(spec.throughputs.empty()) << id;
    EXPECT_FALSE(spec.die_area_mm2.has_value()) << id;
    EXPECT_FALSE(spec.memory_gb.has_value()) << id;
  }
  EXPECT_FALSE(Model("mi300x").die_area_mm2.has_value());
  EXPECT_FALSE(Model("mi250x").interconnect_bidir_gbps.has_value());
  EXPECT_FALSE(Model("ascend-910b").die_area_mm2.has_value());
}

TEST(ShippedCatalog, ReproducesThePublishedFigures) {
  EXPECT_DOUBLE_EQ(Tpp(Model("h100-sxm")), 15832);
  EXPECT_DOUBLE_EQ(Tpp(Model("a100-sxm")), 4992);
  EXPECT_DOUBLE_EQ(Tpp(Model("h20")), 2368);
  EXPECT_NEAR(Tpp(Model("rtx-4090")), 5285, 1.5);
  EXPECT_NEAR(*PerformanceDensity(Model("h20")), 2.91, 0.005);

  // Every row with a published TPP or PD, within the rounding the sources use
  // (L4's 1936 takes FP16 242 for 242.5; MI210's 2896 skips the FP64 matrix rate).
  int tpp_checked = 0;
  int pd_checked = 0;
  for (const AcceleratorSpec& spec : Shipped().models()) {
    if (spec.published_tpp) {
      ++tpp_checked;
      EXPECT_NEAR(Tpp(spec), *spec.published_tpp, *spec.published_tpp * 0.0025) << spec.id;
    }
    std::optional<double> pd = PerformanceDensity(spec);
    if (spec.published_pd && pd) {
      ++pd_checked;
      EXPECT_NEAR(*pd, *spec.published_pd, 0.035) << spec.id;
    }
  }
  EXPECT_EQ(tpp_checked, 22);
  EXPECT_EQ(pd_checked, 16);
}

TEST(ShippedRegimes, AreTheFourUsRulesByEffectiveDate) {
  std::vector<std::string> ids;
  for (const ClassificationRegime& regime : Regimes()) {
    ids.push_back(regime.id);
    EXPECT_EQ(regime.jurisdiction, "US");
    EXPECT_FALSE(regime.sources.empty());
    for (const Criterion& criterion : regime.criteria) EXPECT_FALSE(criterion.source.empty());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"us-ear-2022-10", "us-ear-2023-10", "us-ear-2024-12",
                                           "us-ear-2025-01-diffusion"}));
  const ClassificationRegime* diffusion = FindRegime(Regimes(), "us-ear-2025-01-diffusion");
  ASSERT_NE(diffusion, nullptr);
  EXPECT_EQ(diffusion->rescinded, *Instant::Parse("2025-05-13"));
  EXPECT_EQ(diffusion->effective, *Instant::Parse("2025-01-13"));
  EXPECT_FALSE(diffusion->OperativeOn(*Instant::Parse("2025-03-01")));
  EXPECT_EQ(FindRegime(Regimes(), "us-ear-2023-10")->effective, *Instant::Parse("2023-11-17"));
  EXPECT_EQ(FindRegime(Regimes(), "us-ear-2022-10")->effective, *Instant::Parse("2022-10-07"));
  // Packs with compliance rules only (no [classification]) are skipped here.
  EXPECT_GE(ShippedPolicyPacks().size(), 4u);
}

// The expected ECCN of every model under the 2022 and 2023 rules, from the
// thresholds and the worked examples of the reference sheet.
TEST(ShippedClassification, EveryModelUnder2022And2023) {
  struct Row {
    const char* id;
    const char* under_2022;
    const char* under_2023;
  };
  const Row rows[] = {
      {"a100-sxm", "3A090.a", "3A090.a"},
      {"a100-pcie", "3A090.a", "3A090.a"},
      {"a800-sxm", "not_3A090", "3A090.a"},  // cut to 400 GB/s for the 2022 rule
      {"a800-pcie", "not_3A090", "3A090.a"},
      {"h100-sxm", "3A090.a", "3A090.a"},
      {"h100-pcie", "3A090.a", "3A090.a"},
      {"h100-nvl", "3A090.a", "3A090.a"},
      {"h800-sxm", "not_3A090", "3A090.a"},
      {"h800-pcie", "not_3A090", "3A090.a"},
      {"h20", "not_3A090", "not_3A090"},  // designed under 2400 TPP and 3.2 PD
      {"h200-sxm", "3A090.a", "3A090.a"},
      {"h200-nvl", "3A090.a", "3A090.a"},
      {"b200", "3A090.a", "3A090.a"},
      {"gb200", "3A090.a", "3A090.a"},
      {"b300", "3A090.a", "3A090.a"},
      {"b30a", "undetermined", "undetermined"},
      {"l20", "not_3A090", "not_3A090"},
      {"l2", "not_3A090", "not_3A090"},
      {"l40s", "not_3A090", "3A090.a"},
      {"l40", "not_3A090", "3A090.b"},
      {"l4", "not_3A090", "3A090.a"},  // caught by density alone (a.2)
      {"rtx-4090", "not_3A090", "3A090.a"},
      {"rtx-4090d", "not_3A090", "not_3A090"},  // cut to land under 4800
      {"rtx-5090", "not_3A090", "3A090.a"},
      {"rtx-5090d", "not_3A090", "not_3A090"},
      {"rtx-4080", "not_3A090", "not_3A090"},
      {"a30", "not_3A090", "3A090.b"},
      {"a10", "not_3A090", "not_3A090"},
      {"mi250x", "undetermined", "3A090.a"},  // aggregate I/O unpublished
      {"mi210", "not_3A090", "3A090.b"},
      {"mi300x", "3A090.a", "3A090.a"},
      {"mi308x", "undetermined", "undetermined"},
      {"mi325x", "3A090.a", "3A090.a"},
      {"mi355x", "3A090.a", "3A090.a"},
      {"ascend-910b", "not_3A090", "3A090.a"},
      {"ascend-910c", "undetermined", "3A090.a"},
      {"gaudi2", "3A090.a", "3A090.a"},
      {"gaudi3", "3A090.a", "3A090.a"},
      {"mlu370-x8", "not_3A090", "undetermined"},  // die area unpublished
      {"mlu590", "undetermined", "undetermined"},
      {"br100", "3A090.a", "3A090.a"},
  };
  ASSERT_EQ(std::size(rows), Shipped().models().size());
  const ClassificationRegime* r2022 = FindRegime(Regimes(), "us-ear-2022-10");
  const ClassificationRegime* r2023 = FindRegime(Regimes(), "us-ear-2023-10");
  const ClassificationRegime* r2024 = FindRegime(Regimes(), "us-ear-2024-12");
  ASSERT_TRUE(r2022 && r2023 && r2024);
  for (const Row& row : rows) {
    const AcceleratorSpec& spec = Model(row.id);
    Classification c2022 = Classify(spec, *r2022);
    Classification c2023 = Classify(spec, *r2023);
    EXPECT_EQ(EccnName(c2022.eccn), row.under_2022) << row.id << ": " << c2022.reason;
    EXPECT_EQ(EccnName(c2023.eccn), row.under_2023) << row.id << ": " << c2023.reason;
    // The 2024 rule kept the 2023 processor thresholds.
    EXPECT_EQ(Classify(spec, *r2024).eccn, c2023.eccn) << row.id;
    for (const ClassificationRegime& regime : Regimes()) {
      EXPECT_EQ(DecideEccn(ComputeFigures(spec), regime).eccn, Classify(spec, regime).eccn)
          << row.id << " " << regime.id;
    }
  }
}

TEST(ShippedClassification, HistoryOfTheChipsDesignedAroundTheLines) {
  const ClassificationRegime& r2022 = *FindRegime(Regimes(), "us-ear-2022-10");
  const ClassificationRegime& r2023 = *FindRegime(Regimes(), "us-ear-2023-10");
  EXPECT_EQ(Classify(Model("a800-sxm"), r2022).reason, "3A090.a: I/O 464 GB/s < 600 GB/s");
  EXPECT_EQ(Classify(Model("a800-sxm"), r2023).reason,
            "3A090.a.1: TPP 4992 >= 4800; 3A090.a.2: TPP 4992 >= 1600 and PD 6.04 >= 5.92 and "
            "datacenter IC");
  EXPECT_EQ(Classify(Model("h20"), r2023).reason,
            "3A090.a.1: TPP 2368 < 4800; 3A090.a.2: PD 2.91 < 5.92; 3A090.b.1: TPP 2368 < 2400; "
            "3A090.b.2: PD 2.91 < 3.2");
  EXPECT_EQ(Classify(Model("rtx-4090"), r2023).reason, "3A090.a.1: TPP 5284.8 >= 4800");
  EXPECT_EQ(Classify(Model("rtx-4090d"), r2023).reason,
            "3A090.a.1: TPP 4707.2 < 4800; 3A090.a.2: applies only to ICs designed or marketed "
            "for data centers; 3A090.b.1: applies only to ICs designed or marketed for data "
            "centers; 3A090.b.2: applies only to ICs designed or marketed for data centers");

  Result<ClassificationReport> h20 =
      ClassifyAll(Model("h20"), Regimes(), *Instant::Parse("2024-06-01"));
  ASSERT_TRUE(h20.ok());
  EXPECT_EQ(h20->model, "h20");
  EXPECT_EQ(h20->tpp, 2368);
  EXPECT_EQ(h20->eccn, Eccn::kNot3A090);
  EXPECT_EQ(h20->regime_in_force, "us-ear-2023-10");
  EXPECT_TRUE(h20->reason.starts_with("us-ear-2023-10: 3A090.a.1: TPP 2368 < 4800")) << h20->reason;
}

// Cut anywhere, the shipped files give an error or a smaller valid result,
// never a crash.
TEST(ShippedData, TruncatedFilesFailCleanly) {
  const std::string_view catalog_text = embedded::kAcceleratorsToml;
  for (size_t length = 0; length < catalog_text.size(); length += 1013) {
    Result<Catalog> catalog = Catalog::FromToml(catalog_text.substr(0, length), "cut.toml");
    if (!catalog.ok()) {
      EXPECT_EQ(catalog.status().code(), StatusCode::kInvalidArgument) << length;
    } else {
      EXPECT_LE(catalog->models().size(), Shipped().models().size());
    }
  }
  for (const ShippedFile& pack : ShippedPolicyPacks()) {
    for (size_t length = 0; length < pack.text.size(); length += 97) {
      Result<ClassificationRegime> regime = ParseRegimeToml(pack.text.substr(0, length), "cut");
      if (!regime.ok()) {
        EXPECT_TRUE(regime.status().code() == StatusCode::kInvalidArgument ||
                    regime.status().code() == StatusCode::kFailedPrecondition)
            << regime.status();
      }
    }
  }
}

}  // namespace
}  // namespace straits::catalog
