// The fixture of the dispatcher's tests: a fleet with one site `s1` (node
// `n1`, 8 GPUs) run by Slurm cluster `sg1`, the lease and backend stores over
// a fresh SQLite file, a FakeEnv and a FakeClock at T(0).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "backend/dispatcher.h"
#include "backend/fake_env.h"
#include "billing_store/billing_service.h"
#include "billing_store/sqlite_billing_store.h"
#include "lease_store/sqlite_lease_store.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::backend::testing_fixture {

// 2027-01-15 08:00 UTC plus `hours`.
inline Instant T(int64_t hours) { return Instant::FromUnixSeconds(1'800'000'000 + hours * 3600); }

inline ProcessResult Out(std::string out) {
  return {.exit_code = 0, .out = std::move(out), .err = ""};
}
inline ProcessResult Fail(std::string err, std::string out = "") {
  return {.exit_code = 1, .out = std::move(out), .err = std::move(err)};
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(::testing::TempDir()) /
             ("straits-dispatcher-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    Remove();
    auto core = store::OpenSqliteStore(path_, {.create = true, .connections = 1});
    ASSERT_TRUE(core.ok()) << core.status();
    fleet::Fleet f;
    f.organizations.push_back(
        {*OrgId::Parse("op"), "Op", {}, *Country::Parse("US"), {}, {}, true, false});
    f.organizations.push_back(
        {*OrgId::Parse("acme"), "Acme", {}, *Country::Parse("SG"), {}, {}, false, true});
    f.sites.push_back(
        {*SiteId::Parse("s1"), "S1", *Country::Parse("SG"), "Jurong", *OrgId::Parse("op")});
    f.pods.push_back({*PodId::Parse("p1"), *SiteId::Parse("s1")});
    f.nodes.push_back({*NodeId::Parse("n1"), *PodId::Parse("p1"), *SiteId::Parse("s1"),
                       *ModelId::Parse("h100-sxm"), 8});
    f.nodes.push_back({*NodeId::Parse("n2"), *PodId::Parse("p1"), *SiteId::Parse("s1"),
                       *ModelId::Parse("h100-sxm"), 8});
    ASSERT_TRUE((*core)->ImportFleet(f).ok());
    core_ = std::move(core).value();
    auto leases = lease_store::OpenSqliteLeaseStore(path_, {.connections = 1});
    ASSERT_TRUE(leases.ok()) << leases.status();
    leases_ = std::move(leases).value();
    auto backends = BackendStore::Open(path_);
    ASSERT_TRUE(backends.ok()) << backends.status();
    backends_ = std::move(backends).value();
    slurm::SlurmSiteConfig config;
    config.site = *SiteId::Parse("s1");
    config.cluster = "sg1";
    config.nodes = {{"n1", "sg1-n1"}, {"n2", "sg1-n2"}};
    ASSERT_TRUE(backends_->SaveSites({config}).ok());
    auto dispatcher = Dispatcher::Create(*backends_, *leases_, env_, clock_);
    ASSERT_TRUE(dispatcher.ok()) << dispatcher.status();
    dispatcher_ = std::move(dispatcher).value();
  }
  void TearDown() override {
    dispatcher_.reset();
    backends_.reset();
    leases_.reset();
    core_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  lease::Lease CreateLease(int gpus, int64_t from, int64_t to) {
    return CreateLeaseOn({{*NodeId::Parse("n1"), gpus}}, T(from), T(to));
  }
  // A scheduled lease of `allocations` over [from, to) at s1.
  lease::Lease CreateLeaseOn(std::vector<lease::NodeAllocation> allocations, Instant from,
                             Instant to) {
    int gpus = 0;
    for (const lease::NodeAllocation& a : allocations) gpus += a.gpus;
    lease::Lease l;
    l.state = lease::State::kScheduled;
    l.spec.tenant = *OrgId::Parse("acme");
    l.spec.gpus = gpus;
    l.spec.models = {*ModelId::Parse("h100-sxm")};
    l.spec.duration = to - from;
    l.spec.earliest_start = from;
    l.spec.latest_end = to;
    lease::LeasePlacement p;
    p.site = *SiteId::Parse("s1");
    p.model = *ModelId::Parse("h100-sxm");
    p.start = from;
    p.end = to;
    p.allocations = std::move(allocations);
    l.placement = p;
    l.created_at = l.updated_at = T(-100);
    l.created_by = "test";
    lease_store::LeaseWrite w;
    w.lease = l;
    w.create = true;
    w.audit = {T(-100), "test", "lease.request", "{}"};
    auto written = leases_->Apply(std::span<const lease_store::LeaseWrite>(&w, 1));
    EXPECT_TRUE(written[0].ok()) << written[0].status();
    return written[0]->lease;
  }
  // `current` moved to `state`, its placement ending at `end` when given
  // (terminated, extended).
  lease::Lease Change(const lease::Lease& current, lease::State state,
                      std::optional<Instant> end = std::nullopt) {
    lease_store::LeaseWrite w;
    w.lease = current;
    w.lease.state = state;
    if (end) w.lease.placement->end = *end;
    w.expected_version = current.version;
    w.audit = {T(-50), "test", "lease.change", "{}"};
    auto written = leases_->Apply(std::span<const lease_store::LeaseWrite>(&w, 1));
    EXPECT_TRUE(written[0].ok()) << written[0].status();
    return written[0]->lease;
  }
  LeaseBackendState StateOf(const LeaseId& id) {
    auto state = backends_->Get(id);
    EXPECT_TRUE(state.ok() && state->has_value());
    return state.ok() && *state ? **state : LeaseBackendState{};
  }

  std::string path_;
  FakeEnv env_;
  FakeClock clock_{T(0)};
  std::unique_ptr<store::Store> core_;
  std::unique_ptr<lease_store::LeaseStore> leases_;
  std::unique_ptr<BackendStore> backends_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace straits::backend::testing_fixture
