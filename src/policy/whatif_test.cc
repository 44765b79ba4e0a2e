#include "policy/whatif.h"

#include <gtest/gtest.h>

#include "policy/screening.h"
#include "policy/shipped.h"

namespace straits::policy {
namespace {

WhatIfWorld World() {
  WhatIfWorld world;
  WhatIfTenant local;
  local.id = "pantai";
  local.party.name = "Pantai Labs";
  local.party.hq = *Country::Parse("MY");
  WhatIfTenant chinese;
  chinese.id = "lantau";
  chinese.party.name = "Lantau Model Labs";
  chinese.party.hq = *Country::Parse("CN");
  WhatIfTenant listed;
  listed.id = "zhipu";
  listed.party.name = "Zhipu AI";
  listed.party.hq = *Country::Parse("CN");
  world.tenants = {local, chinese, listed};
  WhatIfSite site;
  site.id = "my-johor-1";
  site.country = *Country::Parse("MY");
  site.operator_party.name = "Straits Compute Inc";
  site.operator_party.hq = *Country::Parse("US");
  site.models = {*ModelId::Parse("h100-sxm"), *ModelId::Parse("h20")};
  world.sites = {site};
  return world;
}

TEST(WhatIf, ListsWhatChangesAgainstToday) {
  Result<Engine> engine = LoadShippedEngine();
  ASSERT_TRUE(engine.ok());
  Result<Screener> screener = LoadShippedScreener();
  ASSERT_TRUE(screener.ok());
  // Today 2025-11-01 against 2024-06-01: the May 2025 guidance and Zhipu's
  // listing (2025-01-16) did not exist yet, so the scenario is looser.
  WhatIfScenario scenario;
  scenario.date = *Instant::Parse("2024-06-01");
  Result<WhatIfReport> report =
      RunWhatIf(*engine, &*screener, World(), *Instant::Parse("2025-11-01"), scenario);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->combinations, 6u);
  EXPECT_EQ(report->stricter, 0u);
  EXPECT_GE(report->looser, 2u);
  bool zhipu_h100 = false;
  for (const WhatIfChange& change : report->changes) {
    EXPECT_NE(change.tenant, "pantai");
    if (change.tenant == "zhipu" && change.model == "h100-sxm") {
      zhipu_h100 = true;
      EXPECT_EQ(change.baseline, Verdict::kProhibited);
      EXPECT_EQ(change.scenario, Verdict::kAllowed);
      EXPECT_EQ(change.change, "looser");
    }
  }
  EXPECT_TRUE(zhipu_h100);
}

TEST(WhatIf, NamedPackOnTheSameDate) {
  Result<Engine> engine = LoadShippedEngine();
  ASSERT_TRUE(engine.ok());
  WhatIfScenario scenario;
  scenario.regimes = {"us-doc-2024-01-iaas-kyc"};
  Result<WhatIfReport> report =
      RunWhatIf(*engine, nullptr, World(), *Instant::Parse("2025-11-01"), scenario);
  ASSERT_TRUE(report.ok()) << report.status();
  // The proposed KYC rule adds a condition for every foreign tenant of a US
  // operator: stricter where nothing fired before (every H20 lease, since the
  // H20 is not 3A090, and the Malaysian tenant's H100), a changed rule set
  // where the May 2025 guidance already gave conditions (CN tenants' H100).
  EXPECT_EQ(report->stricter, 4u);
  EXPECT_EQ(report->rules_changed, 2u);
}

TEST(WhatIf, RejectsBadInput) {
  Result<Engine> engine = LoadShippedEngine();
  ASSERT_TRUE(engine.ok());
  WhatIfScenario scenario;
  scenario.regimes = {"nope"};
  EXPECT_EQ(RunWhatIf(*engine, nullptr, World(), Instant(), scenario).status().code(),
            StatusCode::kNotFound);
  WhatIfWorld world = World();
  world.sites[0].models.push_back(*ModelId::Parse("no-such-gpu"));
  Result<WhatIfReport> report = RunWhatIf(*engine, nullptr, world, Instant(), WhatIfScenario{});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().field(), "sites[0].models[2]");
}

}  // namespace
}  // namespace straits::policy
