#include "billing_store/billing_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "billing/test_world.h"
#include "billing_store/sqlite_billing_store.h"
#include "fleet/fleet_file.h"
#include "fleet/validate.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::billing_store {
namespace {

using billing::testing::At;

// A Hangzhou group's Singapore subsidiary leasing in Johor, and a US lab
// invoiced in Singapore for GPUs in Singapore.
constexpr const char* kFleet = R"toml(
[[organization]]
id = "op-my"
name = "Johor Operator"
hq = "SG"
kinds = ["operator"]
[[organization]]
id = "op-us"
name = "US Operator"
hq = "US"
kinds = ["operator"]
[[organization]]
id = "hz-group"
name = "Hangzhou Group"
hq = "CN"
kinds = ["tenant"]
[[organization]]
id = "hz-sg"
name = "Hangzhou Group Singapore"
hq = "SG"
billing_country = "SG"
parent = "hz-group"
kinds = ["tenant"]
[[organization]]
id = "us-lab"
name = "US Lab"
hq = "US"
billing_country = "SG"
kinds = ["tenant"]
[[site]]
id = "jhb-1"
name = "Johor 1"
country = "MY"
city = "Johor"
operator = "op-my"
[[site]]
id = "sg-1"
name = "Singapore 1"
country = "SG"
city = "Singapore"
operator = "op-us"
[[pod]]
id = "jhb-1-a"
site = "jhb-1"
[[pod]]
id = "sg-1-a"
site = "sg-1"
[[node]]
hostname = "jhb1-[001-002]"
pod = "jhb-1-a"
model = "h100"
gpus = 8
[[node]]
hostname = "sg1-[001-002]"
pod = "sg-1-a"
model = "h100"
gpus = 8
)toml";

constexpr const char* kTerms =
    "lease,tenant,site,model,gpus,start,end\n"
    "L1,hz-sg,jhb-1,h100,8,2026-10-01,2027-04-01\n"
    "L2,us-lab,sg-1,h100,16,2026-10-05,2026-10-15\n";

std::string UsageCsv(const std::vector<billing::UsageRecord>& records) {
  std::string csv = "lease,node,start,end,gpu_seconds\n";
  for (const billing::UsageRecord& r : records) {
    csv += r.lease.str() + "," + r.node.str() + "," + r.start.ToString() + "," + r.end.ToString() +
           "," + std::to_string(r.gpu_seconds) + "\n";
  }
  return csv;
}

class BillingServiceTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(testing::TempDir()) /
             ("straits-billing-service-" + std::to_string(getpid()) + ".db"))
                .string();
    Remove();
    auto fleet_store = store::OpenSqliteStore(path_, {.create = true, .connections = 1});
    ASSERT_TRUE(fleet_store.ok()) << fleet_store.status();
    fleet_ = std::move(*fleet_store);
    auto parsed = fleet::ParseFleetToml(kFleet, "fleet.toml");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    auto existing = fleet_->LoadExistingFleet();
    ASSERT_TRUE(existing.ok());
    ASSERT_TRUE(fleet::ValidateFleet(
                    *parsed, *existing, [](const ModelId&) { return true; }, "fleet.toml")
                    .ok());
    ASSERT_TRUE(fleet_->ImportFleet(*parsed).ok());
    auto billing_store = OpenSqliteBillingStore(path_);
    ASSERT_TRUE(billing_store.ok()) << billing_store.status();
    billing_ = std::move(*billing_store);
    service_ = std::make_unique<BillingService>(*fleet_, *billing_, [](const ModelId& m) {
      return m.str() == "h100" || m.str() == "h200";
    });
  }
  void TearDown() override {
    service_.reset();
    billing_.reset();
    fleet_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  // Lease terms, rate cards and one day of usage for each lease.
  void LoadWorld() {
    ASSERT_TRUE(service_->ImportLeaseTerms(kTerms, "terms.csv").ok());
    ASSERT_TRUE(service_->ImportRateCards(billing::testing::kRatesCsv, "rates.csv").ok());
    auto l1 = billing::testing::Hourly("L1", "jhb1-001", "2026-10-01T00:00:00Z",
                                       "2026-10-02T00:00:00Z", 8);
    auto l2 = billing::testing::Hourly("L2", "sg1-002", "2026-10-05T00:00:00Z",
                                       "2026-10-06T00:00:00Z", 8);
    l1.insert(l1.end(), l2.begin(), l2.end());
    auto imported = service_->ImportUsage(UsageCsv(l1), "usage.csv");
    ASSERT_TRUE(imported.ok()) << imported.status();
    ASSERT_EQ(imported->added, 48);
  }

  std::string path_;
  std::unique_ptr<store::Store> fleet_;
  std::unique_ptr<BillingStore> billing_;
  std::unique_ptr<BillingService> service_;
};

TEST_F(BillingServiceTest, CatalogJoinsFleetAndBilling) {
  LoadWorld();
  auto catalog = service_->LoadCatalog();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const billing::OrgProfile* sub = catalog->Org(*OrgId::Parse("hz-sg"));
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->ultimate_parent.str(), "hz-group");
  EXPECT_EQ(sub->parent_hq, billing::testing::C("CN"));
  const billing::BillingAccount* lab = catalog->Account(*billing::AccountId::Parse("us-lab"));
  ASSERT_NE(lab, nullptr);
  EXPECT_EQ(lab->billing_country, billing::testing::C("SG"));
  const billing::SiteProfile* jhb = catalog->Site(*SiteId::Parse("jhb-1"));
  ASSERT_NE(jhb, nullptr);
  EXPECT_EQ(jhb->currency.code(), "MYR");
  EXPECT_EQ(jhb->operator_hq, billing::testing::C("SG"));
  ASSERT_NE(catalog->Lease(*LeaseId::Parse("L2")), nullptr);
  EXPECT_EQ(catalog->Lease(*LeaseId::Parse("L2"))->gpus, 16);
}

TEST_F(BillingServiceTest, LeaseTermsErrorsNameLineAndColumn) {
  struct Case {
    const char* row;
    StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"L9,nobody,jhb-1,h100,8,2026-10-01,2026-11-01", StatusCode::kInvalidArgument,
       "column \"tenant\": unknown organization"},
      {"L9,op-my,jhb-1,h100,8,2026-10-01,2026-11-01", StatusCode::kInvalidArgument,
       "not of kind tenant"},
      {"L9,hz-sg,nowhere,h100,8,2026-10-01,2026-11-01", StatusCode::kInvalidArgument,
       "unknown site"},
      {"L9,hz-sg,jhb-1,tpu9,8,2026-10-01,2026-11-01", StatusCode::kInvalidArgument,
       "unknown accelerator model"},
      {"L9,hz-sg,jhb-1,h100,0,2026-10-01,2026-11-01", StatusCode::kInvalidArgument, "GPU count"},
      {"L9,hz-sg,jhb-1,h100,8,2026-11-01,2026-10-01", StatusCode::kInvalidArgument,
       "must be after start"},
      {"L9,hz-sg,jhb-1,h100,8,2026-13-01,2026-11-01", StatusCode::kInvalidArgument, "start"},
  };
  for (const Case& c : cases) {
    const std::string csv = std::string("lease,tenant,site,model,gpus,start,end\n") + c.row + "\n";
    auto result = service_->ImportLeaseTerms(csv, "terms.csv");
    ASSERT_FALSE(result.ok()) << c.row;
    EXPECT_EQ(result.status().code(), c.code) << c.row;
    EXPECT_EQ(result.status().field(), "terms.csv:2") << c.row;
    EXPECT_NE(result.status().message().find(c.message), std::string::npos)
        << c.row << ": " << result.status();
  }
  auto missing = service_->ImportLeaseTerms("lease,tenant,site\nL1,hz-sg,jhb-1\n", "terms.csv");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(billing_->ListLeaseTerms()->empty());
}

TEST_F(BillingServiceTest, RateCardsNeedKnownSitesAndModels) {
  const std::string header =
      "site,model,effective_from,currency,price_per_gpu_hour,term_discounts\n";
  auto site = service_->ImportRateCards(header + "nowhere,h100,2026-01-01,SGD,4.00,\n", "r.csv");
  EXPECT_EQ(site.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(site.status().field(), "r.csv:2");
  auto model = service_->ImportRateCards(header + "sg-1,tpu9,2026-01-01,SGD,4.00,\n", "r.csv");
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  auto currency = service_->ImportRateCards(header + "sg-1,h100,2026-01-01,QQQ,4.00,\n", "r.csv");
  EXPECT_EQ(currency.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(billing_->LoadRateCards()->entries().empty());
}

TEST_F(BillingServiceTest, UsageIsCheckedAgainstLeasesAndNodes) {
  LoadWorld();
  struct Case {
    const char* row;
    StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"L7,jhb1-001,2026-10-03T00:00:00Z,2026-10-03T01:00:00Z,3600", StatusCode::kNotFound,
       "unknown lease"},
      {"L1,sg1-001,2026-10-03T00:00:00Z,2026-10-03T01:00:00Z,3600", StatusCode::kInvalidArgument,
       "not a node of site jhb-1"},
      {"L2,sg1-001,2026-10-16T00:00:00Z,2026-10-16T01:00:00Z,3600", StatusCode::kInvalidArgument,
       "outside the term"},
      {"L1,jhb1-001,2026-10-03T00:00:00Z,2026-10-03T01:00:00Z,32400", StatusCode::kInvalidArgument,
       "exceed"},
      {"L1,jhb1-001,2026-10-01T00:30:00Z,2026-10-01T01:30:00Z,3600", StatusCode::kInvalidArgument,
       "overlap"},
      {"L1,jhb1-001,2026-10-03T00:00:00Z,2026-10-03T01:00:00Z,-5", StatusCode::kInvalidArgument,
       "negative"},
  };
  for (const Case& c : cases) {
    const std::string csv = std::string("lease,node,start,end,gpu_seconds\n") +
                            "L1,jhb1-002,2026-10-03T00:00:00Z,2026-10-03T01:00:00Z,3600\n" + c.row +
                            "\n";
    auto result = service_->ImportUsage(csv, "u.csv");
    ASSERT_FALSE(result.ok()) << c.row;
    EXPECT_EQ(result.status().code(), c.code) << c.row << ": " << result.status();
    EXPECT_EQ(result.status().field().substr(0, 7), "u.csv:3") << c.row << ": " << result.status();
    EXPECT_NE(result.status().ToString().find(c.message), std::string::npos)
        << c.row << ": " << result.status();
  }
  // Nothing of the failed batches was written.
  EXPECT_EQ(*billing_->CountUsage(), 48);
}

TEST_F(BillingServiceTest, GeneratesInvoicesOnceAndCorrectsWithCreditNotes) {
  LoadWorld();
  const billing::Month october = *billing::Month::Parse("2026-10");
  auto early = service_->GenerateInvoices(october, At("2026-10-31T23:00:00Z"), {});
  EXPECT_EQ(early.status().code(), StatusCode::kFailedPrecondition);

  auto first = service_->GenerateInvoices(october, At("2026-11-03T10:00:00Z"), {});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->issued.size(), 2u);
  EXPECT_EQ(first->issued[0].id, "INV-2026-10-hz-sg-MYR");
  // 24 h x 8 GPUs x 15.00 MYR, 12.5% off for a 182-day lease.
  EXPECT_EQ(first->issued[0].total.ToString(), "2520.00 MYR");
  EXPECT_EQ(first->issued[1].id, "INV-2026-10-us-lab-SGD");

  auto again = service_->GenerateInvoices(october, At("2026-11-04"), {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->issued.empty());
  EXPECT_EQ(again->unchanged.size(), 2u);

  // Late usage: the issued invoice no longer matches.
  auto late =
      billing::testing::Hourly("L1", "jhb1-002", "2026-10-20T00:00:00Z", "2026-10-20T02:00:00Z", 8);
  ASSERT_TRUE(service_->ImportUsage(UsageCsv(late), "late.csv").ok());
  auto differing = service_->GenerateInvoices(october, At("2026-11-05"), {});
  ASSERT_TRUE(differing.ok());
  EXPECT_TRUE(differing->issued.empty());
  ASSERT_EQ(differing->differing.size(), 1u);
  EXPECT_EQ(differing->differing[0], "INV-2026-10-hz-sg-MYR");
  EXPECT_EQ(service_->GenerateInvoices(october, At("2026-11-05"), {.correct = true, .reason = ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);

  auto corrected = service_->GenerateInvoices(october, At("2026-11-05T09:00:00Z"),
                                              {.correct = true, .reason = "late usage"});
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  ASSERT_EQ(corrected->issued.size(), 2u);
  EXPECT_EQ(corrected->issued[0].id, "CN-INV-2026-10-hz-sg-MYR-R1");
  EXPECT_EQ(corrected->issued[0].total.ToString(), "-2520.00 MYR");
  EXPECT_EQ(corrected->issued[0].issue_date, At("2026-11-05"));
  EXPECT_EQ(corrected->issued[1].id, "INV-2026-10-hz-sg-MYR-R1");

  // A second correction reverses the first replacement.
  auto later =
      billing::testing::Hourly("L1", "jhb1-002", "2026-10-21T00:00:00Z", "2026-10-21T01:00:00Z", 8);
  ASSERT_TRUE(service_->ImportUsage(UsageCsv(later), "later.csv").ok());
  auto second = service_->GenerateInvoices(october, At("2026-11-06"),
                                           {.correct = true, .reason = "more late usage"});
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->issued.size(), 2u);
  EXPECT_EQ(second->issued[0].id, "CN-INV-2026-10-hz-sg-MYR-R2");
  EXPECT_EQ(second->issued[0].corrects, "INV-2026-10-hz-sg-MYR-R1");
  EXPECT_EQ(second->issued[1].id, "INV-2026-10-hz-sg-MYR-R2");

  auto all = service_->ListInvoices({}, october, std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 6u);
  int64_t net = 0;
  for (const billing::Invoice& d : *all) {
    if (d.currency.code() == "MYR") net += d.total.minor_units();
  }
  EXPECT_EQ(net, second->issued[1].total.minor_units());
}

TEST_F(BillingServiceTest, TenantsSeeOnlyTheirOwnInvoices) {
  LoadWorld();
  ASSERT_TRUE(
      service_->GenerateInvoices(*billing::Month::Parse("2026-10"), At("2026-11-03"), {}).ok());
  const Scope lab{*OrgId::Parse("us-lab")};
  auto mine = service_->ListInvoices(lab, std::nullopt, std::nullopt);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].id, "INV-2026-10-us-lab-SGD");
  EXPECT_TRUE(service_->GetInvoice(lab, "INV-2026-10-us-lab-SGD").ok());
  EXPECT_EQ(service_->GetInvoice(lab, "INV-2026-10-hz-sg-MYR").status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(
      service_->ListInvoices(lab, std::nullopt, *billing::AccountId::Parse("hz-sg"))->empty());
  auto report = service_->Revenue(lab, ReportQuery{}, billing::Method::kHq);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->periods.size(), 1u);
  ASSERT_EQ(report->periods[0].groups.size(), 1u);
  EXPECT_EQ(report->periods[0].groups[0].key, "US");
  ReportQuery ledger;
  ledger.source = RevenueSource::kLedger;
  EXPECT_EQ(service_->Revenue(lab, ledger, billing::Method::kHq).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, RevenueIsConservedAcrossMethods) {
  LoadWorld();
  ASSERT_TRUE(
      service_->GenerateInvoices(*billing::Month::Parse("2026-10"), At("2026-11-03"), {}).ok());
  auto query = ParseReportParams({.period = "month", .currency = "USD"});
  ASSERT_TRUE(query.ok());
  int64_t total = -1;
  for (billing::Method method : billing::kAllMethods) {
    auto report = service_->Revenue({}, *query, method);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->periods.size(), 1u);
    EXPECT_EQ(report->periods[0].period, "2026-11");  // invoices are dated 2026-11-01
    if (total < 0) total = report->periods[0].total_minor;
    EXPECT_EQ(report->periods[0].total_minor, total) << billing::MethodName(method);
    EXPECT_FALSE(report->rates_used.empty());
  }
  EXPECT_GT(total, 0);
  auto by_billing = service_->Revenue({}, *query, billing::Method::kBilling);
  EXPECT_EQ(by_billing->periods[0].groups[0].key, "SG");
  EXPECT_EQ(by_billing->periods[0].groups.size(), 1u);
  auto reconciliation =
      service_->Reconcile({}, *query, billing::Method::kBilling, billing::Method::kParent);
  ASSERT_TRUE(reconciliation.ok());
  ASSERT_EQ(reconciliation->periods[0].rows.size(), 1u);
  EXPECT_DOUBLE_EQ(reconciliation->periods[0].rows[0].other_share, 1.0);  // CN and US parents
}

TEST_F(BillingServiceTest, LedgerImportNeedsFxForEveryRow) {
  const std::string header =
      "invoice_id,date,customer,billing_country,hq_country,ship_to_country,amount,currency\n";
  auto stale = service_->ImportLedger(header +
                                          "V-1,2025-05-12,Acme,SG,US,TW,100.00,USD\n"
                                          "V-2,2019-05-12,Acme,SG,US,TW,100.00,SGD\n",
                                      "v.csv");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(stale.status().field(), "v.csv:3");
  EXPECT_TRUE(billing_->LoadLedger()->rows.empty());

  auto ok = service_->ImportLedger(header + "V-1,2025-05-12,Acme,SG,US,TW,100.00,USD\n", "v.csv");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ReportQuery query;
  query.source = RevenueSource::kLedger;
  auto report = service_->Revenue({}, query, billing::Method::kSite);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->periods[0].period, "2025-Q2");
  EXPECT_EQ(report->periods[0].groups[0].key, "TW");
  EXPECT_EQ(report->periods[0].total_minor, 10000);
}

TEST_F(BillingServiceTest, ImportedFxTablesReplaceTheShippedOne) {
  auto shipped = service_->LoadFx();
  ASSERT_TRUE(shipped.ok());
  EXPECT_TRUE(shipped->RateFor(*Currency::Parse("SGD"), At("2026-11-02")).ok());
  ASSERT_TRUE(
      service_->ImportFx("date,currency,per_usd\n2026-11-02,MYR,4.2\n", "treasury.csv").ok());
  auto table = service_->LoadFx();
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->RateFor(*Currency::Parse("MYR"), At("2026-11-03"))->PerUsd(), "4.2");
  EXPECT_EQ(table->RateFor(*Currency::Parse("SGD"), At("2026-11-02")).status().code(),
            StatusCode::kNotFound);
}

TEST(ReportParams, ParsesAndNamesTheFlag) {
  auto defaults = ParseReportParams({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->spec.kind, billing::PeriodKind::kQuarter);
  EXPECT_EQ(defaults->currency, "USD");
  EXPECT_EQ(defaults->source, RevenueSource::kLeases);

  auto full = ParseReportParams({.period = "fiscal-quarter",
                                 .fiscal_year_start = "02",
                                 .from = "2025-02",
                                 .to = "2025-11-01",
                                 .currency = "SGD",
                                 .source = "ledger"});
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->spec.fiscal_year_start_month, 2);
  EXPECT_EQ(*full->range.from, At("2025-02-01"));
  EXPECT_EQ(*full->range.to, At("2025-11-01"));
  EXPECT_EQ(full->source, RevenueSource::kLedger);

  auto flag = [](std::string_view name) {
    std::string out = "--" + std::string(name);
    std::replace(out.begin(), out.end(), '_', '-');
    return out;
  };
  struct Case {
    ReportParams params;
    const char* field;
  };
  const Case cases[] = {
      {{.period = "week"}, "--period"},
      {{.fiscal_year_start = "13"}, "--fiscal-year-start"},
      {{.fiscal_year_start = "x"}, "--fiscal-year-start"},
      {{.from = "2025-13"}, "--from"},
      {{.from = "2025-02-30"}, "--from"},
      {{.from = "2025-06", .to = "2025-06"}, "--to"},
      {{.currency = "usd"}, "--currency"},
      {{.source = "sap"}, "--source"},
  };
  for (const Case& c : cases) {
    auto result = ParseReportParams(c.params, flag);
    ASSERT_FALSE(result.ok()) << c.field;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().field(), c.field);
  }
}

}  // namespace
}  // namespace straits::billing_store
