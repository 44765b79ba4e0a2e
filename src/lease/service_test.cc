#include "lease/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include "catalog/shipped.h"
#include "lease_store/sqlite_lease_store.h"
#include "policy/shipped.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::lease {
namespace {

using lease_store::LeaseFilter;

// A license requirement for DE-headquartered tenants: the shipped packs have no
// remote_access rule with that verdict, and the approval path needs one.
constexpr std::string_view kLicensePack = R"(id = "test-license"
jurisdiction = "operator"
title = "Test: a license for tenants headquartered in DE"
status = "operator_policy"
published = 2024-01-01
effective = 2024-01-01
sources = ["test"]

[[rule]]
id = "de-license"
citation = "test"
kinds = ["remote_access"]
when = 'tenant.hq == "DE"'
verdict = "license_required"
message = "tenant {tenant.name} needs a license"
)";

Instant Start() { return *Instant::Parse("2026-12-01T00:00:00Z"); }
Instant H(int64_t hours) { return Start() + Duration::Hours(hours); }

fleet::Organization Org(const char* id, const char* name, const char* hq, bool op,
                        std::optional<std::string> parent = std::nullopt) {
  fleet::Organization o{*OrgId::Parse(id), name, {}, *Country::Parse(hq), {}, {}, op, !op};
  if (parent) o.parent = *OrgId::Parse(*parent);
  return o;
}

class ServiceTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto catalog = catalog::LoadShippedCatalog();
    ASSERT_TRUE(catalog.ok());
    catalog_ = new catalog::Catalog(std::move(catalog).value());
    auto packs = policy::LoadShippedPacks();
    ASSERT_TRUE(packs.ok());
    policy::PackSource extra{"data/policy/test-license.toml", kLicensePack};
    auto more = policy::LoadPacks(std::span(&extra, 1), *packs);
    ASSERT_TRUE(more.ok()) << more.status();
    for (policy::Pack& p : *more) packs->push_back(std::move(p));
    auto engine = policy::Engine::Create(std::move(packs).value(), *catalog_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = new policy::Engine(std::move(engine).value());
    auto screener = policy::LoadShippedScreener();
    ASSERT_TRUE(screener.ok());
    screener_ = new policy::Screener(std::move(screener).value());
    auto util = UtilizationTable::Shipped();
    ASSERT_TRUE(util.ok()) << util.status();
    utilization_ = new UtilizationTable(std::move(util).value());
    std::vector<billing::RateCardEntry> entries;
    entries.push_back({*SiteId::Parse("s1"),
                       *ModelId::Parse("h100-sxm"),
                       *Instant::Parse("2026-01-01"),
                       *Money::Parse("2.50 USD"),
                       {},
                       0});
    entries.push_back({*SiteId::Parse("s2"),
                       *ModelId::Parse("h200-sxm"),
                       *Instant::Parse("2026-01-01"),
                       *Money::Parse("3.00 USD"),
                       {},
                       0});
    auto rates = billing::RateCards::Make(std::move(entries));
    ASSERT_TRUE(rates.ok()) << rates.status();
    rates_ = new billing::RateCards(std::move(rates).value());
  }

  void SetUp() override {
    path_ = (std::filesystem::path(testing::TempDir()) /
             ("straits-lease-service-" + std::to_string(getpid()) + "-" +
              testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    Remove();
    auto core = store::OpenSqliteStore(path_, {.create = true, .connections = 2});
    ASSERT_TRUE(core.ok()) << core.status();
    store_ = std::move(core).value();
    fleet_.organizations = {Org("op", "Meridian Compute Inc.", "US", true),
                            Org("acme", "Acme Labs Pte. Ltd.", "SG", false),
                            Org("lantau", "Lantau Model Labs", "CN", false),
                            Org("hw", "Huawei Technologies Co., Ltd.", "CN", false),
                            Org("rhein", "Rheinwerk KI GmbH", "DE", false)};
    fleet_.sites = {
        {*SiteId::Parse("s1"), "S1", *Country::Parse("MY"), "Johor", *OrgId::Parse("op")},
        {*SiteId::Parse("s2"), "S2", *Country::Parse("SG"), "Tuas", *OrgId::Parse("op")}};
    fleet_.pods = {{*PodId::Parse("p1"), *SiteId::Parse("s1")},
                   {*PodId::Parse("p2"), *SiteId::Parse("s2")}};
    for (int i = 1; i <= 4; ++i) {
      fleet_.nodes.push_back({*NodeId::Parse("n" + std::to_string(i)), *PodId::Parse("p1"),
                              *SiteId::Parse("s1"), *ModelId::Parse("h100-sxm"), 8});
    }
    for (int i = 5; i <= 6; ++i) {
      fleet_.nodes.push_back({*NodeId::Parse("n" + std::to_string(i)), *PodId::Parse("p2"),
                              *SiteId::Parse("s2"), *ModelId::Parse("h200-sxm"), 8});
    }
    ASSERT_TRUE(store_->ImportFleet(fleet_).ok());
    auto leases = lease_store::OpenSqliteLeaseStore(path_, {.connections = 2});
    ASSERT_TRUE(leases.ok()) << leases.status();
    leases_ = std::move(leases).value();
    service_ = NewService(*leases_);
    ASSERT_NE(service_, nullptr);
  }

  void TearDown() override {
    service_.reset();
    leases_.reset();
    store_.reset();
    Remove();
  }

  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  std::unique_ptr<LeaseService> NewService(lease_store::LeaseStore& leases,
                                           ServiceOptions options = {}) {
    ServiceDeps deps{*store_,   leases, clock_,  *catalog_,   *engine_,
                     screener_, rates_, nullptr, utilization_};
    auto service = LeaseService::Create(deps, options);
    EXPECT_TRUE(service.ok()) << service.status();
    return service.ok() ? std::move(service).value() : nullptr;
  }

  static LeaseSpec Spec(const char* tenant, int64_t gpus, int64_t start_h, int64_t hours,
                        const char* model = "h100-sxm") {
    LeaseSpec s;
    s.tenant = *OrgId::Parse(tenant);
    s.gpus = gpus;
    s.models = {*ModelId::Parse(model)};
    s.earliest_start = H(start_h);
    s.duration = Duration::Hours(hours);
    s.latest_end = H(start_h + hours);
    s.scope = placement::Scope::kSite;
    return s;
  }

  Lease Created(const Result<Outcome>& out) {
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return {};
    EXPECT_EQ(out->status, 201) << out->body;
    EXPECT_TRUE(out->lease.has_value()) << out->body;
    return out->lease ? *out->lease : Lease{};
  }

  State StateOf(const LeaseId& id) {
    auto l = service_->Get(id, officer_);
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? l->state : State::kRequested;
  }

  void ExpectAuditIntact() {
    auto v = leases_->VerifyAudit();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->message;
  }

  static catalog::Catalog* catalog_;
  static policy::Engine* engine_;
  static policy::Screener* screener_;
  static UtilizationTable* utilization_;
  static billing::RateCards* rates_;

  std::string path_;
  FakeClock clock_{Start()};
  fleet::Fleet fleet_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<lease_store::LeaseStore> leases_;
  std::unique_ptr<LeaseService> service_;
  Actor officer_{"test:officer", "officer", std::nullopt};
  Actor acme_{"test:acme", "acme-token", *OrgId::Parse("acme")};
};

catalog::Catalog* ServiceTest::catalog_ = nullptr;
policy::Engine* ServiceTest::engine_ = nullptr;
policy::Screener* ServiceTest::screener_ = nullptr;
UtilizationTable* ServiceTest::utilization_ = nullptr;
billing::RateCards* ServiceTest::rates_ = nullptr;

TEST_F(ServiceTest, AllowedLeaseIsScheduledThenActiveThenCompleted) {
  Lease lease = Created(service_->Request(Spec("acme", 16, 1, 2), acme_));
  EXPECT_EQ(lease.state, State::kScheduled);
  EXPECT_EQ(lease.verdict, policy::Verdict::kAllowed);
  ASSERT_TRUE(lease.placement);
  EXPECT_EQ(lease.placement->site.str(), "s1");
  EXPECT_EQ(lease.placement->gpus(), 16);
  EXPECT_EQ(lease.placement->start, H(1));
  EXPECT_EQ(lease.placement->price_per_gpu_hour, *Money::Parse("2.50 USD"));

  auto moved = service_->Tick();
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 0);
  clock_.Set(H(1));
  ASSERT_TRUE(service_->Tick().ok());
  EXPECT_EQ(StateOf(lease.id), State::kActive);
  clock_.Set(H(3));
  ASSERT_TRUE(service_->Tick().ok());
  EXPECT_EQ(StateOf(lease.id), State::kCompleted);

  auto decisions = service_->Decisions(lease.id, officer_);
  ASSERT_TRUE(decisions.ok());
  ASSERT_EQ(decisions->size(), 2u);
  EXPECT_EQ((*decisions)[0].stage, "request");
  EXPECT_EQ((*decisions)[1].stage, "activation");
  // Every decision names the packs and their content hashes.
  EXPECT_NE((*decisions)[0].body.find("\"hash\":\"sha256:"), std::string::npos);
  EXPECT_NE((*decisions)[0].body.find("\"input\""), std::string::npos);
  ExpectAuditIntact();
}

TEST_F(ServiceTest, ConditionsWaitForReviewAndApprovalSchedules) {
  Lease lease = Created(service_->Request(Spec("lantau", 8, 2, 4), officer_));
  EXPECT_EQ(lease.state, State::kPendingReview);
  EXPECT_EQ(lease.verdict, policy::Verdict::kConditions);
  ASSERT_TRUE(lease.hold_until);
  EXPECT_EQ(*lease.hold_until, Start() + Duration::Hours(72));
  EXPECT_NE(lease.reason.find("iaas-training-due-diligence"), std::string::npos) << lease.reason;
  // Capacity is held while pending: the node it took is busy.
  ASSERT_TRUE(lease.placement);
  EXPECT_EQ(service_->CalendarUse(lease.placement->allocations[0].node, H(3)), 8);

  EXPECT_EQ(service_->Approve(lease.id, "", "", officer_).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Approve(lease.id, "ok", "", acme_).status().code(),
            StatusCode::kPermissionDenied);
  auto approved =
      service_->Approve(lease.id, "due diligence done: KYC file 2026-118", "", officer_);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->lease->state, State::kScheduled);
  EXPECT_EQ(approved->lease->accepted_verdict, policy::Verdict::kConditions);
  EXPECT_EQ(approved->lease->reviewed_by, "test:officer");
  EXPECT_FALSE(approved->lease->hold_until);
  // Activation re-evaluates: still conditions, which is what was accepted.
  clock_.Set(H(2));
  ASSERT_TRUE(service_->Tick().ok());
  EXPECT_EQ(StateOf(lease.id), State::kActive);
  ExpectAuditIntact();
}

TEST_F(ServiceTest, LicenseRequiredNeedsTheLicenseNumber) {
  Lease lease = Created(service_->Request(Spec("rhein", 8, 2, 4), officer_));
  EXPECT_EQ(lease.state, State::kPendingReview);
  EXPECT_EQ(lease.verdict, policy::Verdict::kLicenseRequired);
  auto missing = service_->Approve(lease.id, "licensed", "", officer_);
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().field(), "license");
  auto approved = service_->Approve(lease.id, "licensed", "DE-BAFA-2026-0042", officer_);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->lease->license, "DE-BAFA-2026-0042");
  EXPECT_EQ(approved->lease->state, State::kScheduled);
}

TEST_F(ServiceTest, DeniedPendingLeaseReleasesItsCapacity) {
  Lease lease = Created(service_->Request(Spec("lantau", 32, 1, 4), officer_));
  ASSERT_EQ(lease.state, State::kPendingReview);
  // The whole site s1 is held: an allowed tenant goes to s2? Only h100 asked: refused.
  auto blocked = service_->Request(Spec("acme", 8, 1, 4), acme_);
  ASSERT_TRUE(blocked.ok());
  EXPECT_EQ(blocked->status, 409);
  auto denied = service_->Deny(lease.id, "end user could not be verified", officer_);
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_EQ(denied->lease->state, State::kDenied);
  EXPECT_EQ(denied->lease->reason, "end user could not be verified");
  Created(service_->Request(Spec("acme", 8, 1, 4), acme_));
}

TEST_F(ServiceTest, ReviewHoldRunsOutAndReleasesCapacity) {
  Lease lease = Created(service_->Request(Spec("lantau", 32, 100, 4), officer_));
  ASSERT_EQ(lease.state, State::kPendingReview);
  clock_.Set(Start() + Duration::Hours(72));
  auto moved = service_->Tick();
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 1);
  auto after = service_->Get(lease.id, officer_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state, State::kExpired);
  EXPECT_NE(after->reason.find("hold ran out"), std::string::npos) << after->reason;
  EXPECT_EQ(service_->CalendarUse(*NodeId::Parse("n1"), H(101)), 0);
  Created(service_->Request(Spec("acme", 32, 100, 4), acme_));
  // Approving an expired lease is refused.
  EXPECT_EQ(service_->Approve(lease.id, "late", "", officer_).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ServiceTest, ProhibitedTenantIsDeniedWithReasons) {
  auto out = service_->Request(Spec("hw", 8, 1, 2), officer_);
  Lease lease = Created(out);
  EXPECT_EQ(lease.state, State::kDenied);
  EXPECT_EQ(lease.verdict, policy::Verdict::kProhibited);
  EXPECT_FALSE(lease.placement);
  EXPECT_NE(lease.reason.find("no-remote-access-listed"), std::string::npos) << lease.reason << "\n"
                                                                             << out->body;
  ASSERT_FALSE(out->reasons.empty());
  EXPECT_NE(out->body.find("Huawei"), std::string::npos);
  auto decisions = service_->Decisions(lease.id, officer_);
  ASSERT_TRUE(decisions.ok());
  ASSERT_FALSE(decisions->empty());
  EXPECT_EQ((*decisions)[0].verdict, policy::Verdict::kProhibited);
  EXPECT_NE((*decisions)[0].body.find("\"screening\""), std::string::npos);
  EXPECT_EQ(service_->CalendarUse(*NodeId::Parse("n1"), H(1)), 0);
}

TEST_F(ServiceTest, UnplaceableRequestIsARefusalWithAReasonPerSite) {
  auto out = service_->Request(Spec("acme", 64, 1, 2, "h100-sxm"), acme_);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->status, 409);
  EXPECT_FALSE(out->lease);
  EXPECT_EQ(out->reasons.size(), 2u);  // one per site
  EXPECT_NE(out->body.find("\"reasons\""), std::string::npos);
  auto page = service_->List({}, {}, officer_);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());  // nothing recorded

  LeaseSpec bad = Spec("acme", 8, 1, 2, "h100-sxm");
  bad.models = {*ModelId::Parse("no-such-chip")};
  auto invalid = service_->Request(bad, acme_);
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(invalid.status().field(), "accelerators[0]");
  EXPECT_EQ(service_->Request(Spec("nobody", 8, 1, 2), officer_).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(service_->Request(Spec("op", 8, 1, 2), officer_).status().code(),
            StatusCode::kInvalidArgument);  // an operator, not a tenant
}

TEST_F(ServiceTest, RefusesEveryTransitionTheLifecycleDoesNotAllow) {
  Lease scheduled = Created(service_->Request(Spec("acme", 8, 1, 2), acme_));
  Lease denied = Created(service_->Request(Spec("hw", 8, 1, 2), officer_));
  Lease pending = Created(service_->Request(Spec("lantau", 8, 1, 2), officer_));
  ASSERT_EQ(scheduled.state, State::kScheduled);
  ASSERT_EQ(pending.state, State::kPendingReview);

  auto code = [](const auto& r) { return r.status().code(); };
  constexpr StatusCode kRefused = StatusCode::kFailedPrecondition;
  // Approve and deny apply only to pending or held leases.
  EXPECT_EQ(code(service_->Approve(scheduled.id, "r", "", officer_)), kRefused);
  EXPECT_EQ(code(service_->Deny(scheduled.id, "r", officer_)), kRefused);
  EXPECT_EQ(code(service_->Approve(denied.id, "r", "", officer_)), kRefused);
  EXPECT_EQ(code(service_->Deny(denied.id, "r", officer_)), kRefused);
  // A denied lease cannot be cancelled or extended.
  EXPECT_EQ(code(service_->Cancel(denied.id, officer_)), kRefused);
  EXPECT_EQ(code(service_->Extend(denied.id, H(5), officer_)), kRefused);

  clock_.Set(H(3));
  ASSERT_TRUE(service_->Tick().ok());
  ASSERT_EQ(StateOf(scheduled.id), State::kCompleted);
  ASSERT_EQ(StateOf(pending.id), State::kExpired);  // its end passed unreviewed
  for (const LeaseId& id : {scheduled.id, pending.id}) {
    EXPECT_EQ(code(service_->Cancel(id, officer_)), kRefused);
    EXPECT_EQ(code(service_->Approve(id, "r", "", officer_)), kRefused);
    EXPECT_EQ(code(service_->Deny(id, "r", officer_)), kRefused);
    EXPECT_EQ(code(service_->Extend(id, H(9), officer_)), kRefused);
  }
  auto refused = service_->Cancel(scheduled.id, officer_);
  EXPECT_NE(refused.status().message().find("is completed"), std::string::npos);
  ExpectAuditIntact();
}

TEST_F(ServiceTest, CancelBeforeStartTerminateAfter) {
  Lease a = Created(service_->Request(Spec("acme", 8, 2, 4), acme_));
  Lease b = Created(service_->Request(Spec("acme", 8, 1, 4), acme_));
  auto cancelled = service_->Cancel(a.id, acme_);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->lease->state, State::kCancelled);

  clock_.Set(H(1));
  ASSERT_TRUE(service_->Tick().ok());
  ASSERT_EQ(StateOf(b.id), State::kActive);
  clock_.Set(H(2));
  auto terminated = service_->Cancel(b.id, acme_);
  ASSERT_TRUE(terminated.ok()) << terminated.status();
  EXPECT_EQ(terminated->lease->state, State::kTerminated);
  EXPECT_EQ(terminated->lease->placement->end, H(2));
  const NodeId node = b.placement->allocations[0].node;
  EXPECT_EQ(service_->CalendarUse(node, H(3)), 0);
  auto rows = leases_->AllocationsOf(terminated->lease->seq);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].end, H(2));  // history of what ran
}

TEST_F(ServiceTest, ExtendNeedsTheSameNodesFree) {
  LeaseSpec whole = Spec("acme", 32, 1, 4);
  whole.scope = placement::Scope::kSite;
  Lease first = Created(service_->Request(whole, acme_));
  auto extended = service_->Extend(first.id, H(7), acme_);
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_EQ(extended->lease->placement->end, H(7));
  LeaseSpec next = Spec("acme", 32, 7, 2);
  next.scope = placement::Scope::kSite;
  Created(service_->Request(next, acme_));
  auto blocked = service_->Extend(first.id, H(8), acme_);
  EXPECT_EQ(blocked.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(service_->Extend(first.id, H(6), acme_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(StateOf(first.id), State::kScheduled);
  EXPECT_EQ(service_->CalendarUse(*NodeId::Parse("n1"), H(6)), 8);
}

TEST_F(ServiceTest, IdempotencyKeyCreatesOneLease) {
  Idempotency key{"retry-1", ""};
  auto first = service_->Request(Spec("acme", 8, 1, 2), acme_, key);
  Lease lease = Created(first);
  auto second = service_->Request(Spec("acme", 8, 1, 2), acme_, key);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->replayed);
  EXPECT_EQ(second->status, 201);
  EXPECT_EQ(second->body, first->body);
  auto page = service_->List({}, {}, officer_);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 1u);
  // The same key with another request is refused.
  auto other = service_->Request(Spec("acme", 16, 1, 2), acme_, key);
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  // Transitions too.
  Idempotency cancel_key{"cancel-1", ""};
  ASSERT_TRUE(service_->Cancel(lease.id, acme_, cancel_key).ok());
  auto again = service_->Cancel(lease.id, acme_, cancel_key);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
}

TEST_F(ServiceTest, TenantsSeeOnlyTheirOwnLeases) {
  Lease own = Created(service_->Request(Spec("acme", 8, 1, 2), acme_));
  Lease other = Created(service_->Request(Spec("lantau", 8, 1, 2), officer_));
  EXPECT_TRUE(service_->Get(own.id, acme_).ok());
  EXPECT_EQ(service_->Get(other.id, acme_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Cancel(other.id, acme_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Request(Spec("lantau", 8, 1, 2), acme_).status().code(),
            StatusCode::kPermissionDenied);
  auto mine = service_->List({}, {}, acme_);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].id, own.id);
  EXPECT_EQ(service_->List({.tenant = *OrgId::Parse("lantau"), .state = {}, .site = {}}, {}, acme_)
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->Holds(acme_).status().code(), StatusCode::kPermissionDenied);
  auto calendar = service_->Calendar(*SiteId::Parse("s1"), Start(), H(24), acme_);
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  int visible = 0, hidden = 0;
  for (const SiteCalendar::Node& n : calendar->nodes) {
    for (const SiteCalendar::Booking& b : n.bookings) (b.lease ? visible : hidden)++;
  }
  EXPECT_EQ(visible, 1);
  EXPECT_EQ(hidden, 1);
}

TEST_F(ServiceTest, OwnershipChangeHoldsScheduledLeasesUntilApproved) {
  Lease lease = Created(service_->Request(Spec("acme", 8, 24, 4), acme_));
  ASSERT_EQ(lease.state, State::kScheduled);
  // Acme is acquired by a group headquartered in China.
  fleet::Fleet change;
  change.organizations = {Org("qiantang", "Qiantang Intelligence Group", "CN", false),
                          Org("acme", "Acme Labs Pte. Ltd.", "SG", false, "qiantang")};
  ASSERT_TRUE(store_->ImportFleet(change).ok());
  clock_.Advance(Duration::Minutes(1));  // past the world check interval
  auto moved = service_->Tick();
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(StateOf(lease.id), State::kComplianceHold);
  auto holds = service_->Holds(officer_);
  ASSERT_TRUE(holds.ok());
  ASSERT_EQ(holds->size(), 1u);
  EXPECT_EQ((*holds)[0].id, lease.id);
  EXPECT_NE((*holds)[0].reason.find("stricter"), std::string::npos) << (*holds)[0].reason;
  auto decisions = service_->Decisions(lease.id, officer_);
  ASSERT_TRUE(decisions.ok());
  EXPECT_EQ(decisions->back().stage, "reevaluation");
  EXPECT_EQ(decisions->back().verdict, policy::Verdict::kConditions);
  // Capacity stays held during the review.
  EXPECT_EQ(service_->CalendarUse(lease.placement->allocations[0].node, H(25)), 8);

  auto approved = service_->Approve(lease.id, "parent screened; no D:5 end use", "", officer_);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->lease->state, State::kScheduled);
  EXPECT_EQ(approved->lease->accepted_verdict, policy::Verdict::kConditions);
  clock_.Set(H(24));
  ASSERT_TRUE(service_->Tick().ok());
  EXPECT_EQ(StateOf(lease.id), State::kActive);
  ExpectAuditIntact();
}

TEST_F(ServiceTest, CalendarRebuiltOnRestartEqualsTheLiveOne) {
  std::mt19937 rng(7);
  for (int i = 0; i < 30; ++i) {
    const char* tenant = (i % 3 == 0) ? "lantau" : "acme";
    const int64_t gpus = std::uniform_int_distribution<int64_t>(1, 16)(rng);
    const int64_t start = std::uniform_int_distribution<int64_t>(0, 48)(rng);
    LeaseSpec spec = Spec(tenant, gpus, start, 6, i % 2 ? "h100-sxm" : "h200-sxm");
    spec.latest_end = H(start + 72);
    spec.scope = placement::Scope::kSite;
    ASSERT_TRUE(service_->Request(spec, officer_).ok());
    if (i % 7 == 0) {
      auto page = service_->List({}, {}, officer_);
      ASSERT_TRUE(page.ok());
      (void)service_->Cancel(page->items.back().id, officer_);
    }
  }
  clock_.Set(H(10));
  ASSERT_TRUE(service_->Tick().ok());
  auto live = service_->CalendarPoints(H(10));
  EXPECT_FALSE(live.empty());
  std::unique_ptr<LeaseService> restarted = NewService(*leases_);
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(restarted->CalendarPoints(H(10)), live);
}

// 8 threads request overlapping leases at once through one service; then a
// second service over the same file (another process) keeps requesting with
// a calendar that knows nothing of them until it synchronizes.
TEST_F(ServiceTest, ConcurrentRequestsNeverOversubscribe) {
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(t));
      for (int i = 0; i < 12; ++i) {
        const int64_t gpus = std::uniform_int_distribution<int64_t>(1, 8)(rng);
        const int64_t start = std::uniform_int_distribution<int64_t>(0, 6)(rng);
        auto out = service_->Request(Spec("acme", gpus, start, 4), acme_);
        ASSERT_TRUE(out.ok()) << out.status();
        if (out->status == 201) {
          created.fetch_add(1);
        } else {
          EXPECT_EQ(out->status, 409);
          EXPECT_FALSE(out->reasons.empty());
          refused.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_GT(created.load(), 0);
  EXPECT_GT(refused.load(), 0);

  auto second_store = lease_store::OpenSqliteLeaseStore(path_, {.connections = 2});
  ASSERT_TRUE(second_store.ok());
  std::unique_ptr<LeaseService> second = NewService(**second_store);
  ASSERT_NE(second, nullptr);
  for (int i = 0; i < 10; ++i) {
    auto& svc = (i % 2) ? service_ : second;
    auto out = svc->Request(Spec("acme", 8, 20 + i % 3, 2), acme_);
    ASSERT_TRUE(out.ok()) << out.status();
    if (out->status == 201) created.fetch_add(1);
  }

  auto rows = leases_->LoadAllocations(Start());
  ASSERT_TRUE(rows.ok());
  std::map<int64_t, bool> leases;
  for (const auto& r : *rows) leases[r.lease_seq] = true;
  EXPECT_EQ(static_cast<int>(leases.size()), created.load());
  for (const fleet::Node& node : fleet_.nodes) {
    for (int64_t minute = 0; minute < 30 * 60; minute += 30) {
      const Instant t = Start() + Duration::Minutes(minute);
      int used = 0;
      for (const auto& r : *rows) {
        if (r.node == node.hostname && r.start <= t && t < r.end) used += r.gpus;
      }
      ASSERT_LE(used, node.gpus) << node.hostname << " at " << t;
    }
  }
  // Both calendars agree with the store.
  std::unique_ptr<LeaseService> fresh = NewService(*leases_);
  EXPECT_EQ(service_->CalendarPoints(Start()), fresh->CalendarPoints(Start()));
  EXPECT_EQ(second->CalendarPoints(Start()), fresh->CalendarPoints(Start()));
  ExpectAuditIntact();
}

TEST_F(ServiceTest, QuoteListsEveryOptionWithItsVerdict) {
  QuoteRequest q;
  q.tenant = *OrgId::Parse("acme");
  q.training_flop = 1e20;
  q.gpus = 16;
  q.earliest = Start();
  q.scope = placement::Scope::kSite;
  auto result = service_->Quote(q, acme_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->options.size(), 2u);
  for (const QuoteOption& o : result->options) {
    EXPECT_TRUE(o.available()) << o.unavailable;
    EXPECT_EQ(o.verdict, policy::Verdict::kAllowed);
    ASSERT_TRUE(o.start);
    EXPECT_NEAR(o.mfu, 0.40, 1e-9);
    // 1e20 / (16 x 989.5e12 x 0.4) s = 4.4 h -> 5 h (h100 and h200 have the same BF16 peak).
    EXPECT_EQ(o.time_to_train, Duration::Hours(5));
    ASSERT_TRUE(o.total);
  }
  // Both start now and end together; the cheaper one first: 16 x 5 h x 2.50.
  EXPECT_EQ(result->options[0].total, *Money::Parse("200.00 USD"));
  EXPECT_EQ(result->options[1].total, *Money::Parse("240.00 USD"));

  q.tenant = *OrgId::Parse("hw");
  auto listed = service_->Quote(q, officer_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->options.size(), 2u);
  for (const QuoteOption& o : listed->options) {
    EXPECT_FALSE(o.available());
    EXPECT_EQ(o.verdict, policy::Verdict::kProhibited);
    EXPECT_NE(o.unavailable.find("prohibited"), std::string::npos);
  }
  q.tenant = *OrgId::Parse("acme");
  q.max_price = *Money::Parse("2.75 USD");
  q.order = QuoteOrder::kCheapest;
  auto capped = service_->Quote(q, acme_);
  ASSERT_TRUE(capped.ok());
  EXPECT_TRUE(capped->options[0].available());
  EXPECT_FALSE(capped->options[1].available());
  EXPECT_NE(capped->options[1].unavailable.find("price cap"), std::string::npos);
}

}  // namespace
}  // namespace straits::lease
