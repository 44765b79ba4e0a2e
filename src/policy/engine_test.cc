#include "policy/engine.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/shipped.h"

namespace straits::policy {
namespace {

const Engine& Shipped() {
  static const Engine* engine = [] {
    Result<Engine> loaded = LoadShippedEngine();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new Engine(std::move(loaded).value());
  }();
  return *engine;
}

Transaction Export(const char* model, const char* date, const char* to, const char* hq) {
  Transaction tx;
  tx.kind = Kind::kExport;
  tx.date = *Instant::Parse(date);
  tx.item = Shipped().FindItem(*ModelId::Parse(model));
  tx.count = 8;
  tx.from = *Country::Parse("US");
  tx.to = *Country::Parse(to);
  tx.consignee.name = "Example";
  tx.consignee.hq = *Country::Parse(hq);
  return tx;
}

std::vector<std::string> Fired(const Decision& decision) {
  std::vector<std::string> out;
  for (const Hit& hit : decision.hits()) out.push_back(hit.pack->id + "/" + hit.rule->id);
  return out;
}

TEST(Engine, PacksInForceByDate) {
  const Engine& engine = Shipped();
  auto ids = [&](const char* date) {
    std::vector<std::string> out;
    for (const Pack* pack : engine.PacksFor(*Instant::Parse(date), PackSelection{})) {
      out.push_back(pack->id);
    }
    return out;
  };
  std::vector<std::string> in_2025 = ids("2025-03-01");
  EXPECT_EQ(std::count(in_2025.begin(), in_2025.end(), "us-ear-2025-01-diffusion"), 0);
  EXPECT_EQ(std::count(in_2025.begin(), in_2025.end(), "us-ear-2023-10"), 1);
  std::vector<std::string> suspended = ids("2026-01-01");
  EXPECT_EQ(std::count(suspended.begin(), suspended.end(), "us-ear-2025-09-affiliates"), 0);
  std::vector<std::string> early = ids("2022-01-01");
  EXPECT_EQ(early, (std::vector<std::string>{"us-ear-entity-list"}));
}

TEST(Engine, SelectRejectsUnknownPacks) {
  std::vector<std::string> names = {"us-ear-2023-10", "no-such-pack"};
  Result<PackSelection> selection = Shipped().Select(names);
  ASSERT_FALSE(selection.ok());
  EXPECT_EQ(selection.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(selection.status().field(), "regimes");
  EXPECT_NE(selection.status().message().find("us-ear-2022-10"), std::string::npos);
}

TEST(Engine, OnlyNamedEvaluatesJustThosePacks) {
  const Engine& engine = Shipped();
  std::vector<std::string> names = {"us-ear-2022-10"};
  Result<PackSelection> only = engine.Select(names, true);
  ASSERT_TRUE(only.ok());
  Decision decision;
  Transaction tx = Export("a100-sxm", "2023-03-01", "CN", "CN");
  ASSERT_TRUE(engine.Evaluate(tx, *only, decision).ok());
  ASSERT_EQ(decision.packs().size(), 1u);
  EXPECT_EQ(decision.packs()[0]->id, "us-ear-2022-10");
  EXPECT_EQ(decision.verdict(), Verdict::kLicenseRequired);
  // Rule windows still apply to a named pack: the 2022 rules end on 2023-11-17.
  tx.date = *Instant::Parse("2024-06-01");
  ASSERT_TRUE(engine.Evaluate(tx, *only, decision).ok());
  EXPECT_EQ(decision.verdict(), Verdict::kAllowed);
  EXPECT_TRUE(decision.hits().empty());
}

TEST(Engine, StrictestVerdictWinsAndEveryHitIsReported) {
  Decision decision;
  Transaction tx = Export("h200-sxm", "2026-02-01", "CN", "CN");
  ASSERT_TRUE(Shipped().Evaluate(tx, PackSelection{}, decision).ok());
  EXPECT_EQ(decision.verdict(), Verdict::kLicenseRequired);
  EXPECT_EQ(decision.hits().size(), 4u);
  for (const Hit& hit : decision.hits()) {
    EXPECT_FALSE(hit.message.empty());
    EXPECT_FALSE(hit.rule->citation.empty());
  }
}

TEST(Engine, DecisionIsReusable) {
  Decision decision;
  Transaction strict = Export("h100-sxm", "2024-06-01", "CN", "CN");
  Transaction clear = Export("h100-sxm", "2024-06-01", "MY", "MY");
  ASSERT_TRUE(Shipped().Evaluate(strict, PackSelection{}, decision).ok());
  EXPECT_EQ(decision.hits().size(), 2u);
  ASSERT_TRUE(Shipped().Evaluate(clear, PackSelection{}, decision).ok());
  EXPECT_TRUE(decision.hits().empty());
  EXPECT_EQ(decision.verdict(), Verdict::kAllowed);
  ASSERT_TRUE(Shipped().Evaluate(strict, PackSelection{}, decision).ok());
  EXPECT_EQ(Fired(decision), (std::vector<std::string>{"us-ear-2023-10/destination-license",
                                                       "us-ear-2023-10/headquartered-in"}));
}

TEST(Engine, MissingItemIsInvalidArgument) {
  Transaction tx;
  Decision decision;
  Status status = Shipped().Evaluate(tx, PackSelection{}, decision);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "item");
}

TEST(Engine, UnknownFactsFailClosedAndSayWhich) {
  // MI308X: the catalog lacks its throughput, so the ECCN is undetermined.
  Decision decision;
  Transaction tx = Export("mi308x", "2024-06-01", "CN", "CN");
  ASSERT_NE(tx.item, nullptr);
  ASSERT_TRUE(Shipped().Evaluate(tx, PackSelection{}, decision).ok());
  EXPECT_TRUE(decision.undetermined());
  EXPECT_GE(decision.verdict(), Verdict::kConditions);
  bool named = false;
  for (const Hit& hit : decision.hits()) {
    if (hit.undetermined && hit.message.find("undetermined") != std::string::npos) named = true;
  }
  EXPECT_TRUE(named);
}

TEST(Engine, DuplicatePackIdsAreRejected) {
  Result<std::vector<Pack>> packs = LoadShippedPacks();
  ASSERT_TRUE(packs.ok());
  packs->push_back((*packs)[0]);
  Result<catalog::Catalog> catalog = catalog::Catalog::FromSpecs({});
  ASSERT_TRUE(catalog.ok());
  Result<Engine> engine = Engine::Create(std::move(packs).value(), *catalog);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace straits::policy
