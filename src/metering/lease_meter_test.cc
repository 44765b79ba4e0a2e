#include "metering/lease_meter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "backend/backend_store.h"
#include "billing_store/billing_service.h"
#include "billing_store/sqlite_billing_store.h"
#include "lease_store/sqlite_lease_store.h"
#include "metering/periodic_meter.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::metering {
namespace {

using lease::Lease;
using lease::State;

// 2026-10-05T00:00:00Z, a Monday: hours are counted from here.
Instant T(int64_t hours) { return Instant::FromUnixSeconds(1'791'158'400 + hours * 3600); }

// A fleet of one site with two 8-GPU nodes, a tenant billed in SG, a lease
// store, and the billing repository with a USD rate card of 2.50 per GPU-hour.
class LeaseMeterTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(testing::TempDir()) /
             ("straits-metering-" + std::to_string(getpid()) + "-" +
              testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    Remove();
    auto core = store::OpenSqliteStore(path_, {.create = true, .connections = 1});
    ASSERT_TRUE(core.ok()) << core.status();
    fleet_ = std::move(core).value();
    fleet::Fleet f;
    f.organizations.push_back(
        {*OrgId::Parse("op"), "Op", {}, *Country::Parse("US"), {}, {}, true, false});
    f.organizations.push_back({*OrgId::Parse("acme"),
                               "Acme",
                               {},
                               *Country::Parse("CN"),
                               *Country::Parse("SG"),
                               {},
                               false,
                               true});
    f.sites.push_back(
        {*SiteId::Parse("s1"), "S1", *Country::Parse("MY"), "Johor", *OrgId::Parse("op")});
    f.pods.push_back({*PodId::Parse("p1"), *SiteId::Parse("s1")});
    for (const char* node : {"n1", "n2"}) {
      f.nodes.push_back({*NodeId::Parse(node), *PodId::Parse("p1"), *SiteId::Parse("s1"),
                         *ModelId::Parse("h100-sxm"), 8});
    }
    ASSERT_TRUE(fleet_->ImportFleet(f).ok());
    auto leases = lease_store::OpenSqliteLeaseStore(path_, {.connections = 1});
    ASSERT_TRUE(leases.ok()) << leases.status();
    leases_ = std::move(leases).value();
    auto billing = billing_store::OpenSqliteBillingStore(path_);
    ASSERT_TRUE(billing.ok()) << billing.status();
    billing_ = std::move(billing).value();
    service_ = std::make_unique<billing_store::BillingService>(*fleet_, *billing_);
    auto cards = service_->ImportRateCards(
        "site,model,effective_from,currency,price_per_gpu_hour,term_discounts\n"
        "s1,h100-sxm,2026-01-01,USD,2.50,\n",
        "rates.csv");
    ASSERT_TRUE(cards.ok()) << cards.status();
    meter_ = std::make_unique<LeaseMeter>(*leases_, *billing_, *service_);
  }
  void TearDown() override {
    meter_.reset();
    service_.reset();
    billing_.reset();
    leases_.reset();
    fleet_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  // Creates a lease of `gpus` GPUs on n1 over [T(from), T(to)) in `state`.
  LeaseId AddLease(int gpus, int64_t from, int64_t to, State state) {
    Lease l;
    l.state = state;
    l.spec.tenant = *OrgId::Parse("acme");
    l.spec.gpus = gpus;
    l.spec.models = {*ModelId::Parse("h100-sxm")};
    l.spec.duration = T(to) - T(from);
    l.spec.earliest_start = T(from);
    l.spec.latest_end = T(to);
    lease::LeasePlacement p;
    p.site = *SiteId::Parse("s1");
    p.model = *ModelId::Parse("h100-sxm");
    p.start = T(from);
    p.end = T(to);
    p.allocations.push_back({*NodeId::Parse("n1"), gpus});
    l.placement = p;
    l.created_at = l.updated_at = T(-100);
    l.created_by = "test";
    std::vector<lease_store::LeaseWrite> writes(1);
    writes[0].lease = std::move(l);
    writes[0].create = true;
    writes[0].audit = {T(-100), "test", "lease.request", "{}"};
    auto written = leases_->Apply(writes);
    EXPECT_TRUE(written.front().ok()) << written.front().status();
    return written.front().ok() ? written.front()->lease.id : LeaseId();
  }

  std::string path_;
  std::unique_ptr<store::Store> fleet_;
  std::unique_ptr<lease_store::LeaseStore> leases_;
  std::unique_ptr<billing_store::BillingStore> billing_;
  std::unique_ptr<billing_store::BillingService> service_;
  std::unique_ptr<LeaseMeter> meter_;
};

TEST_F(LeaseMeterTest, ALeaseThatRanTenHoursYieldsTenHourlyRecords) {
  const LeaseId id = AddLease(4, 0, 10, State::kCompleted);
  Result<MeterRun> run = meter_->Run(T(12));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->leases, 1);
  EXPECT_EQ(run->records, 10);
  EXPECT_EQ(run->added, 10);
  EXPECT_EQ(run->until, T(12));

  auto usage = billing_->LoadUsage(T(-1000), T(1000));
  ASSERT_TRUE(usage.ok()) << usage.status();
  ASSERT_EQ(usage->size(), 10);
  auto count = billing_->CountUsage();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 10);
  auto terms = billing_->ListLeaseTerms();
  ASSERT_TRUE(terms.ok());
  ASSERT_EQ(terms->size(), 1u);
  EXPECT_EQ(terms->front().id, id);
  EXPECT_EQ(terms->front().account.str(), "acme");
  EXPECT_EQ(terms->front().gpus, 4);
}

TEST_F(LeaseMeterTest, MeteringTwiceYieldsNothingNew) {
  AddLease(4, 0, 10, State::kCompleted);
  ASSERT_TRUE(meter_->Run(T(12)).ok());
  Result<MeterRun> again = meter_->Run(T(12) + Duration::Minutes(30));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->records, 0);
  EXPECT_EQ(again->added, 0);
  // Re-metering the stretch explicitly finds only records already held.
  Result<MeterRun> redo = meter_->Run(T(12), T(0));
  ASSERT_TRUE(redo.ok()) << redo.status();
  EXPECT_EQ(redo->records, 10);
  EXPECT_EQ(redo->added, 0);
  EXPECT_EQ(redo->duplicates, 10);
  EXPECT_EQ(*billing_->CountUsage(), 10);
  // A start after the watermark is moved back to it, so no hours are skipped.
  Result<MeterRun> ahead = meter_->Run(T(30), T(20));
  ASSERT_TRUE(ahead.ok()) << ahead.status();
  EXPECT_EQ(ahead->from, T(12));
}

TEST_F(LeaseMeterTest, AnActiveLeaseIsMeteredUpToTheLastWholeHour) {
  AddLease(2, 0, 48, State::kActive);
  Result<MeterRun> first = meter_->Run(T(5) + Duration::Minutes(40));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->until, T(5));
  EXPECT_EQ(first->added, 5);
  Result<MeterRun> second = meter_->Run(T(7));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->from, T(5));
  EXPECT_EQ(second->added, 2);
  auto watermark = billing_->MeteredUntil();
  ASSERT_TRUE(watermark.ok());
  EXPECT_EQ(*watermark, T(7));
  // The watermark never moves back.
  EXPECT_EQ(billing_->SetMeteredUntil(T(6)).code(), StatusCode::kInvalidArgument);
}

TEST_F(LeaseMeterTest, LeasesWhoseGpusDidNotRunAreNotMetered) {
  AddLease(4, 0, 10, State::kPendingReview);
  AddLease(4, 0, 10, State::kComplianceHold);
  Result<MeterRun> run = meter_->Run(T(12));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->leases, 0);
  EXPECT_EQ(run->records, 0);
  EXPECT_EQ(*billing_->CountUsage(), 0);
}

TEST_F(LeaseMeterTest, ALeaseWhoseUsageComesFromElsewhereDoesNotHoldBackTheOthers) {
  const LeaseId reported = AddLease(4, 0, 10, State::kCompleted);
  AddLease(2, 0, 10, State::kCompleted);
  // The first lease's backend reported half an hour of its own first.
  ASSERT_TRUE(service_
                  ->RecordMeteredUsage(
                      std::vector<billing_store::ServiceLease>{
                          {reported, *OrgId::Parse("acme"), *SiteId::Parse("s1"),
                           *ModelId::Parse("h100-sxm"), 4, *Interval::Make(T(0), T(10))}},
                      std::vector<billing::UsageRecord>{{reported, *NodeId::Parse("n1"), T(0),
                                                         T(0) + Duration::Minutes(30), 7200, 0}},
                      "backend")
                  .ok());
  Result<MeterRun> run = meter_->Run(T(12));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->added, 10);  // the other lease's ten hours
  ASSERT_EQ(run->conflicts.size(), 1u);
  EXPECT_NE(run->conflicts[0].find(reported.str()), std::string::npos) << run->conflicts[0];
  EXPECT_EQ(*billing_->CountUsage(), 11);
}

TEST_F(LeaseMeterTest, LeasesAtASiteWhoseBackendReportsUsageAreNotMetered) {
  AddLease(4, 0, 10, State::kCompleted);
  int asked = 0;
  LeaseMeter meter(*leases_, *billing_, *service_, [&asked]() -> Result<std::vector<SiteId>> {
    ++asked;
    return std::vector<SiteId>{*SiteId::Parse("s1")};
  });
  Result<MeterRun> run = meter.Run(T(12));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(run->leases, 0);
  EXPECT_EQ(run->records, 0);
  EXPECT_EQ(*billing_->CountUsage(), 0);

  // Should the sites not be known, nothing is metered and the watermark stays.
  LeaseMeter failing(*leases_, *billing_, *service_,
                     []() -> Result<std::vector<SiteId>> { return Unavailable("busy"); });
  EXPECT_EQ(failing.Run(T(20)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(*billing_->MeteredUntil(), T(12));
}

TEST_F(LeaseMeterTest, TheRuntimeLeavesSlurmSitesToTheirBackend) {
  AddLease(4, 0, 10, State::kCompleted);
  auto backends = backend::BackendStore::Open(path_);
  ASSERT_TRUE(backends.ok()) << backends.status();
  backend::slurm::SlurmSiteConfig slurm_site;
  slurm_site.site = *SiteId::Parse("s1");
  slurm_site.cluster = "c1";
  ASSERT_TRUE((*backends)->SaveSites({slurm_site}).ok());
  auto runtime = MeteringRuntime::Open(path_, *fleet_);
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  Result<MeterRun> run = (*runtime)->meter().Run(T(12));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->records, 0);

  // Once the site is back on the simulated backend, its leases are metered.
  ASSERT_TRUE((*backends)->SaveSites({}).ok());
  run = (*runtime)->meter().Run(T(12), T(0));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->added, 10);
}

TEST_F(LeaseMeterTest, TheInvoiceLineIsHoursTimesGpusTimesTheRate) {
  const LeaseId id = AddLease(4, 0, 10, State::kCompleted);
  ASSERT_TRUE(meter_->Run(T(12)).ok());
  auto generated = service_->GenerateInvoices(*billing::Month::Parse("2026-10"),
                                              *Instant::Parse("2026-11-02T00:00:00Z"), {});
  ASSERT_TRUE(generated.ok()) << generated.status();
  ASSERT_EQ(generated->issued.size(), 1u);
  const billing::Invoice& invoice = generated->issued.front();
  EXPECT_EQ(invoice.account.str(), "acme");
  ASSERT_EQ(invoice.lines.size(), 1u);
  EXPECT_EQ(invoice.lines[0].lease, id);
  EXPECT_EQ(invoice.lines[0].usage.gpu_seconds, 10 * 4 * 3600);
  // 10 hours x 4 GPUs x USD 2.50 = USD 100.00.
  EXPECT_EQ(invoice.lines[0].amount, *Money::Parse("100.00 USD"));
  EXPECT_EQ(invoice.total, *Money::Parse("100.00 USD"));
}

TEST_F(LeaseMeterTest, ThePeriodicMeterRunsAtOnceOnItsClock) {
  AddLease(4, 0, 10, State::kCompleted);
  FakeClock clock(T(3));
  std::promise<Result<MeterRun>> first;
  bool reported = false;
  {
    PeriodicMeter timer(*meter_, clock, Duration::Hours(1), [&](const Result<MeterRun>& run) {
      if (!reported) first.set_value(run);
      reported = true;
    });
    Result<MeterRun> run = first.get_future().get();
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->added, 3);
  }
  EXPECT_EQ(*billing_->CountUsage(), 3);
}

}  // namespace
}  // namespace straits::metering
