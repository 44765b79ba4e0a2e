#include "lease_store/sqlite_lease_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::lease_store {
namespace {

using lease::Lease;
using lease::State;

Instant T(int64_t hours) { return Instant::FromUnixSeconds(1'800'000'000 + hours * 3600); }

class LeaseStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(testing::TempDir()) /
             ("straits-lease-store-" + std::to_string(getpid()) + "-" +
              testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
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
        {*SiteId::Parse("s1"), "S1", *Country::Parse("MY"), "Johor", *OrgId::Parse("op")});
    f.pods.push_back({*PodId::Parse("p1"), *SiteId::Parse("s1")});
    for (int i = 1; i <= 3; ++i) {
      f.nodes.push_back({*NodeId::Parse("n" + std::to_string(i)), *PodId::Parse("p1"),
                         *SiteId::Parse("s1"), *ModelId::Parse("h100-sxm"), 8});
    }
    ASSERT_TRUE((*core)->ImportFleet(f).ok());
    auto leases = OpenSqliteLeaseStore(path_, {.connections = 2});
    ASSERT_TRUE(leases.ok()) << leases.status();
    store_ = std::move(leases).value();
  }
  void TearDown() override {
    store_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  static Lease NewLease(std::vector<std::pair<std::string, int>> nodes, int64_t from, int64_t to,
                        State state = State::kScheduled) {
    Lease l;
    l.state = state;
    l.spec.tenant = *OrgId::Parse("acme");
    l.spec.gpus = 0;
    l.spec.models = {*ModelId::Parse("h100-sxm")};
    l.spec.duration = T(to) - T(from);
    l.spec.earliest_start = T(from);
    l.spec.latest_end = T(to);
    lease::LeasePlacement p;
    p.site = *SiteId::Parse("s1");
    p.model = *ModelId::Parse("h100-sxm");
    p.start = T(from);
    p.end = T(to);
    for (auto& [node, gpus] : nodes) {
      p.allocations.push_back({*NodeId::Parse(node), gpus});
      l.spec.gpus += gpus;
    }
    l.placement = p;
    l.created_at = l.updated_at = T(-100);
    l.created_by = "test";
    return l;
  }

  static LeaseWrite Create(Lease l) {
    LeaseWrite w;
    w.lease = std::move(l);
    w.create = true;
    w.audit = {T(-100), "test", "lease.request", R"({"note":"x"})"};
    return w;
  }

  static LeaseWrite Update(const Lease& l, std::string action) {
    LeaseWrite w;
    w.lease = l;
    w.expected_version = l.version;
    w.audit = {T(-99), "test", std::move(action), "{}"};
    return w;
  }

  Result<Written> ApplyOne(LeaseWrite w) {
    std::vector<LeaseWrite> ws;
    ws.push_back(std::move(w));
    return std::move(store_->Apply(ws).front());
  }

  void Sql(const std::string& sql) {
    auto conn = store::sqlite::Connection::Open(path_, false);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Exec(sql).ok()) << sql;
  }

  std::string path_;
  std::unique_ptr<LeaseStore> store_;
};

TEST_F(LeaseStoreTest, CreatesAndReadsBackALease) {
  Lease l = NewLease({{"n1", 4}, {"n2", 8}}, 0, 10);
  l.verdict = policy::Verdict::kConditions;
  l.accepted_verdict = policy::Verdict::kConditions;
  l.spec.max_price_per_gpu_hour = *Money::Parse("3.10 USD");
  l.spec.training_flop = 3e24;
  l.spec.end_use = policy::EndUse::kTraining;
  LeaseWrite w = Create(l);
  w.decisions.push_back({0,
                         {},
                         T(-100),
                         "request",
                         policy::Verdict::kConditions,
                         *SiteId::Parse("s1"),
                         *ModelId::Parse("h100-sxm"),
                         T(0),
                         R"({"v":1})"});
  Result<Written> written = ApplyOne(w);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->lease.id.str(), "lease-000001");
  EXPECT_EQ(written->lease.version, 1);
  EXPECT_GT(written->capacity_change, 0);

  Result<Lease> read = store_->GetLease(written->lease.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, written->lease);

  auto decisions = store_->Decisions(written->lease.id);
  ASSERT_TRUE(decisions.ok());
  ASSERT_EQ(decisions->size(), 1u);
  EXPECT_EQ((*decisions)[0].verdict, policy::Verdict::kConditions);
  EXPECT_EQ((*decisions)[0].body, R"({"v":1})");

  auto allocations = store_->AllocationsOf(written->lease.seq);
  ASSERT_TRUE(allocations.ok());
  ASSERT_EQ(allocations->size(), 2u);
  EXPECT_EQ((*allocations)[1], (AllocationRow{1, 0, *NodeId::Parse("n2"), T(0), T(10), 8}));
}

TEST_F(LeaseStoreTest, UnknownLeaseIsNotFound) {
  EXPECT_EQ(store_->GetLease(*LeaseId::Parse("lease-000009")).status().code(),
            StatusCode::kNotFound);
  Lease l = NewLease({{"n1", 1}}, 0, 1);
  l.seq = 9;
  l.id = *LeaseId::Parse("lease-000009");
  EXPECT_EQ(ApplyOne(Update(l, "lease.cancel")).status().code(), StatusCode::kNotFound);
}

TEST_F(LeaseStoreTest, RefusesOversubscriptionAgainstCommittedAllocations) {
  ASSERT_TRUE(ApplyOne(Create(NewLease({{"n1", 6}}, 0, 10))).ok());
  // Overlaps [5, 15) with 3 GPUs: 6 + 3 > 8.
  Result<Written> over = ApplyOne(Create(NewLease({{"n1", 3}}, 5, 15)));
  EXPECT_EQ(over.status().code(), StatusCode::kAborted) << over.status();
  // Touching intervals are fine (half-open), and so is what still fits.
  EXPECT_TRUE(ApplyOne(Create(NewLease({{"n1", 8}}, 10, 20))).ok());
  EXPECT_TRUE(ApplyOne(Create(NewLease({{"n1", 2}}, 0, 10))).ok());
  // Unknown node.
  EXPECT_EQ(ApplyOne(Create(NewLease({{"n9", 1}}, 0, 1))).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(LeaseStoreTest, OneRefusedWriteInABatchLeavesTheOthers) {
  std::vector<LeaseWrite> batch;
  batch.push_back(Create(NewLease({{"n1", 8}}, 0, 10)));
  batch.push_back(Create(NewLease({{"n1", 1}}, 5, 6)));  // conflicts with the first
  batch.push_back(Create(NewLease({{"n2", 8}}, 0, 10)));
  auto results = store_->Apply(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].status().code(), StatusCode::kAborted);
  EXPECT_TRUE(results[2].ok());
  auto page = store_->ListLeases({}, {});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 2u);
  auto verify = store_->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->message;
  EXPECT_EQ(verify->entries, 2);  // the refused write left no audit entry
}

TEST_F(LeaseStoreTest, StaleVersionIsAborted) {
  Result<Written> w = ApplyOne(Create(NewLease({{"n1", 1}}, 0, 10)));
  ASSERT_TRUE(w.ok());
  Lease l = w->lease;
  l.state = State::kCancelled;
  ASSERT_TRUE(ApplyOne(Update(l, "lease.cancel")).ok());
  Lease stale = w->lease;  // version 1 again
  stale.state = State::kActive;
  EXPECT_EQ(ApplyOne(Update(stale, "lease.activate")).status().code(), StatusCode::kAborted);
}

TEST_F(LeaseStoreTest, AllocationsFollowTheState) {
  Result<Written> w = ApplyOne(Create(NewLease({{"n1", 8}}, 0, 10)));
  ASSERT_TRUE(w.ok());
  Lease l = w->lease;
  // Terminated at hour 4: the lease keeps [0, 4) as history; [4, 10) is free again.
  l.state = State::kTerminated;
  l.placement->end = T(4);
  Result<Written> ended = ApplyOne(Update(l, "lease.terminate"));
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_GT(ended->capacity_change, w->capacity_change);
  EXPECT_TRUE(ApplyOne(Create(NewLease({{"n1", 8}}, 4, 10))).ok());
  EXPECT_EQ(ApplyOne(Create(NewLease({{"n1", 1}}, 3, 4))).status().code(), StatusCode::kAborted);

  // Cancelled leases hold nothing.
  Result<Written> other = ApplyOne(Create(NewLease({{"n2", 8}}, 0, 10)));
  ASSERT_TRUE(other.ok());
  Lease cancelled = other->lease;
  cancelled.state = State::kCancelled;
  ASSERT_TRUE(ApplyOne(Update(cancelled, "lease.cancel")).ok());
  auto rows = store_->AllocationsOf(cancelled.seq);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
  EXPECT_TRUE(ApplyOne(Create(NewLease({{"n2", 8}}, 0, 10))).ok());
}

TEST_F(LeaseStoreTest, ExtendingChecksOnlyTheNewStretch) {
  Result<Written> a = ApplyOne(Create(NewLease({{"n1", 8}}, 0, 10)));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(ApplyOne(Create(NewLease({{"n1", 8}}, 12, 20))).ok());
  Lease l = a->lease;
  l.placement->end = T(12);
  Result<Written> ok = ApplyOne(Update(l, "lease.extend"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  l = ok->lease;
  l.placement->end = T(13);
  EXPECT_EQ(ApplyOne(Update(l, "lease.extend")).status().code(), StatusCode::kAborted);
}

TEST_F(LeaseStoreTest, IdempotencyKeyReplaysTheFirstAnswer) {
  LeaseWrite w = Create(NewLease({{"n1", 1}}, 0, 10));
  w.idempotency = IdempotencyInput{"tok_1", "key-1", "fp-A", 201};
  w.render = [](const Lease& l) { return "{\"id\":\"" + l.id.str() + "\"}"; };
  Result<Written> first = ApplyOne(w);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replay);
  Result<Written> again = ApplyOne(w);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->replay);
  EXPECT_EQ(again->replay->status, 201);
  EXPECT_EQ(again->replay->body, R"({"id":"lease-000001"})");
  auto page = store_->ListLeases({}, {});
  EXPECT_EQ(page->items.size(), 1u);

  // The same key for another request is refused; another scope is independent.
  LeaseWrite other = w;
  other.idempotency->fingerprint = "fp-B";
  EXPECT_EQ(ApplyOne(other).status().code(), StatusCode::kInvalidArgument);
  other.idempotency->scope = "tok_2";
  EXPECT_TRUE(ApplyOne(other).ok());
  auto found = store_->FindIdempotent("tok_1", "key-1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->first, "fp-A");
}

TEST_F(LeaseStoreTest, ListsByFilterAndPages) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ApplyOne(Create(NewLease({{"n3", 1}}, i, i + 1))).ok());
  Lease pending = NewLease({{"n2", 1}}, 0, 1, State::kPendingReview);
  ASSERT_TRUE(ApplyOne(Create(pending)).ok());
  auto first = store_->ListLeases({}, {.limit = 4, .cursor = ""});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.size(), 4u);
  EXPECT_EQ(first->next_cursor, "lease-000004");
  auto second = store_->ListLeases({}, {.limit = 4, .cursor = first->next_cursor});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->items.size(), 2u);
  EXPECT_TRUE(second->next_cursor.empty());
  auto by_state =
      store_->ListLeases({.tenant = {}, .state = State::kPendingReview, .site = {}}, {});
  ASSERT_TRUE(by_state.ok());
  ASSERT_EQ(by_state->items.size(), 1u);
  EXPECT_EQ(by_state->items[0].id.str(), "lease-000006");
  auto by_tenant =
      store_->ListLeases({.tenant = *OrgId::Parse("nobody"), .state = {}, .site = {}}, {});
  EXPECT_TRUE(by_tenant->items.empty());
  EXPECT_EQ(store_->ListLeases({}, {.limit = 1, .cursor = "garbage"}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(LeaseStoreTest, ListsWhatATickMustMove) {
  ASSERT_TRUE(ApplyOne(Create(NewLease({{"n1", 1}}, 0, 10, State::kScheduled))).ok());
  ASSERT_TRUE(ApplyOne(Create(NewLease({{"n1", 1}}, -10, 5, State::kActive))).ok());
  ASSERT_TRUE(ApplyOne(Create(NewLease({{"n1", 1}}, 20, 30, State::kScheduled))).ok());
  Lease pending = NewLease({{"n1", 1}}, 20, 30, State::kPendingReview);
  pending.hold_until = T(3);
  ASSERT_TRUE(ApplyOne(Create(pending)).ok());
  auto due = store_->ListDue(T(4));
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);  // lease 1 started; lease 4's hold ran out
  EXPECT_EQ((*due)[0].id.str(), "lease-000001");
  EXPECT_EQ((*due)[1].id.str(), "lease-000004");
  due = store_->ListDue(T(5));
  EXPECT_EQ(due->size(), 3u);  // and lease 2 ended
}

TEST_F(LeaseStoreTest, CapacityLogNamesChangedLeases) {
  auto none = store_->CapacityChangesSince(0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->latest, 0);
  ASSERT_TRUE(ApplyOne(Create(NewLease({{"n1", 1}}, 0, 10))).ok());
  ASSERT_TRUE(ApplyOne(Create(NewLease({{"n2", 1}}, 0, 10))).ok());
  auto all = store_->CapacityChangesSince(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->latest, 2);
  using Changes = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(all->changes, (Changes{{1, 1}, {2, 2}}));
  auto later = store_->CapacityChangesSince(1);
  EXPECT_EQ(later->changes, (Changes{{2, 2}}));
  auto rows = store_->LoadAllocations(T(5));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);
  EXPECT_TRUE(store_->LoadAllocations(T(10))->empty());
  auto site = store_->SiteAllocations(*SiteId::Parse("s1"), T(9), T(11));
  ASSERT_TRUE(site.ok());
  ASSERT_EQ(site->size(), 2u);
  EXPECT_EQ((*site)[0].first.str(), "lease-000001");
}

TEST_F(LeaseStoreTest, AuditChainVerifiesAndNamesTheAlteredEntry) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ApplyOne(Create(NewLease({{"n3", 1}}, i, i + 1))).ok());
  ASSERT_TRUE(store_->AppendAudit({T(1), "system", "audit.note", R"({"k":"v"})"}, "world").ok());
  auto verify = store_->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->message;
  EXPECT_EQ(verify->entries, 6);

  std::vector<AuditEntry> entries;
  ASSERT_TRUE(store_
                  ->ListAudit(std::nullopt, std::nullopt,
                              [&](const AuditEntry& e) {
                                entries.push_back(e);
                                return true;
                              })
                  .ok());
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries[0].prev_hash, kGenesisHash);
  for (size_t i = 1; i < entries.size(); ++i) EXPECT_EQ(entries[i].prev_hash, entries[i - 1].hash);
  EXPECT_EQ(entries[5].subject, "world");

  Sql("UPDATE audit_log SET detail = '{\"note\":\"y\"}' WHERE seq = 3");
  verify = store_->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_FALSE(verify->ok);
  EXPECT_EQ(verify->first_bad, 3);
  EXPECT_NE(verify->message.find("audit entry 3"), std::string::npos) << verify->message;
  EXPECT_NE(verify->message.find("altered"), std::string::npos) << verify->message;
}

TEST_F(LeaseStoreTest, AuditVerifyNamesRemovedEntries) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ApplyOne(Create(NewLease({{"n3", 1}}, i, i + 1))).ok());
  Sql("DELETE FROM audit_log WHERE seq = 2");
  auto verify = store_->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_FALSE(verify->ok);
  EXPECT_EQ(verify->first_bad, 2);
  EXPECT_NE(verify->message.find("missing"), std::string::npos) << verify->message;

  // Renumbering after the removal still breaks the chain at the same place.
  Sql("UPDATE audit_log SET seq = seq - 1 WHERE seq > 2");
  verify = store_->VerifyAudit();
  EXPECT_EQ(verify->first_bad, 2);

  // Removing the newest entry is caught by the chain head.
  Sql("DELETE FROM audit_log WHERE seq = 3");
  verify = store_->VerifyAudit();
  EXPECT_FALSE(verify->ok);
}

TEST_F(LeaseStoreTest, AuditVerifyNamesATruncatedTail) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ApplyOne(Create(NewLease({{"n3", 1}}, i, i + 1))).ok());
  Sql("DELETE FROM audit_log WHERE seq >= 3");
  auto verify = store_->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_FALSE(verify->ok);
  EXPECT_EQ(verify->first_bad, 3);
  EXPECT_NE(verify->message.find("removed"), std::string::npos) << verify->message;
}

// Two stores over one file behave like two processes. Threads race for the
// same node with random overlapping windows; afterwards no instant of the node
// holds more than its 8 GPUs, and every acknowledged lease is in the database.
TEST_F(LeaseStoreTest, RacingWritersNeverOversubscribe) {
  auto second = OpenSqliteLeaseStore(path_, {.connections = 2});
  ASSERT_TRUE(second.ok());
  std::vector<LeaseStore*> stores = {store_.get(), second->get()};
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(t + 1));
      for (int i = 0; i < 40; ++i) {
        const int64_t start = std::uniform_int_distribution<int64_t>(0, 20)(rng);
        const int64_t len = std::uniform_int_distribution<int64_t>(1, 6)(rng);
        const int gpus = std::uniform_int_distribution<int>(1, 5)(rng);
        auto results = stores[static_cast<size_t>(t % 2)]->Apply(
            std::vector<LeaseWrite>{Create(NewLease({{"n1", gpus}}, start, start + len))});
        if (results[0].ok()) {
          acknowledged.fetch_add(1);
        } else {
          EXPECT_TRUE(results[0].status().code() == StatusCode::kAborted ||
                      results[0].status().code() == StatusCode::kUnavailable)
              << results[0].status();
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  auto rows = store_->LoadAllocations(T(-1000));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(static_cast<int>(rows->size()), acknowledged.load());
  EXPECT_GT(acknowledged.load(), 0);
  for (int64_t hour = 0; hour < 30; ++hour) {
    int used = 0;
    for (const AllocationRow& r : *rows) {
      if (r.start <= T(hour) && T(hour) < r.end) used += r.gpus;
    }
    EXPECT_LE(used, 8) << "hour " << hour;
  }
}

}  // namespace
}  // namespace straits::lease_store
