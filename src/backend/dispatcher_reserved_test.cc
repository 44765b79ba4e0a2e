// Reserved-but-idle time billed by Dispatcher::PollUsage (dispatcher_reserved.cc).
#include <gtest/gtest.h>

#include "backend/dispatcher_test_fixture.h"

namespace straits::backend {
namespace {

using testing_fixture::DispatcherTest;
using testing_fixture::Fail;
using testing_fixture::Out;
using testing_fixture::T;

constexpr char kSacct[] =
    "sacct -n -P -X --allusers --accounts=lease-000001 --starttime=2027-01-15T08:00:00 "
    "--format=JobID,Account,State,Start,End,NodeList,AllocTRES";

class ReservedTimeTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    auto opened = billing_store::OpenSqliteBillingStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    billing_store_ = std::move(opened).value();
    billing_ = std::make_unique<billing_store::BillingService>(*core_, *billing_store_);
  }
  void TearDown() override {
    billing_.reset();
    billing_store_.reset();
    DispatcherTest::TearDown();
  }
  // A poll at `now` with sacct answering `jobs`.
  UsageReport PollAt(Instant now, const std::string& jobs) {
    clock_.Set(now);
    env_.Respond(kSacct, Out(jobs));
    Result<UsageReport> polled = dispatcher_->PollUsage(T(0), billing_.get());
    EXPECT_TRUE(polled.ok()) << polled.status();
    return polled.ok() ? *polled : UsageReport{};
  }
  // GPU-seconds billed for the lease's `series` records on `node` ("" for any
  // node), and how many records.
  std::pair<int64_t, int> Billed(std::string_view series, std::string_view node = "") {
    auto usage = billing_store_->LoadUsage(T(-100), T(100));
    EXPECT_TRUE(usage.ok()) << usage.status();
    std::pair<int64_t, int> out{0, 0};
    if (!usage.ok()) return out;
    for (int64_t i = 0; i < usage->size(); ++i) {
      billing::UsageRecord r = usage->Get(i);
      bool reserved = r.series == kReservedSeries;
      if ((series == kReservedSeries) != reserved) continue;
      if (!node.empty() && r.node.str() != node) continue;
      out.first += r.gpu_seconds;
      ++out.second;
    }
    return out;
  }
  std::unique_ptr<billing_store::BillingStore> billing_store_;
  std::unique_ptr<billing_store::BillingService> billing_;
};

const Duration kAfter = Duration::Minutes(2);  // past the poll grace

TEST_F(ReservedTimeTest, IdleIsReservedMinusUsedPerNodeAndWindow) {
  // 4 GPUs on n1 and 2 on n2, 09:00 to 11:00.
  lease::Lease l =
      CreateLeaseOn({{*NodeId::Parse("n1"), 4}, {*NodeId::Parse("n2"), 2}}, T(1), T(3));
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  // Job 5: 2 GPUs on n1, 09:00-09:30. Job 6: one GPU on each node, 09:45-10:15,
  // across the 10:00 window edge.
  const std::string jobs =
      "5|lease-000001|COMPLETED|2027-01-15T09:00:00|2027-01-15T09:30:00|sg1-n1|gres/gpu=2\n"
      "6|lease-000001|COMPLETED|2027-01-15T09:45:00|2027-01-15T10:15:00|sg1-n[1-2]|gres/gpu=2\n";
  UsageReport r = PollAt(T(3) + kAfter, jobs);
  EXPECT_EQ(r.recorded, 3);
  EXPECT_EQ(r.idle_records, 4);
  EXPECT_EQ(r.idle_refused, 0);
  EXPECT_EQ(Billed(kReservedSeries, "n1").first, (4 * 3600 - 2 * 1800 - 900) + (4 * 3600 - 900));
  EXPECT_EQ(Billed(kReservedSeries, "n2").first, (2 * 3600 - 900) + (2 * 3600 - 900));
  // Used plus idle is the reserved time: 6 GPUs × 2 h.
  EXPECT_EQ(r.idle_gpu_seconds, Billed(kReservedSeries).first);
  EXPECT_EQ(Billed("jobs").first + Billed(kReservedSeries).first, 6 * 2 * 3600);

  // Polled again: every window is closed, nothing is billed twice.
  r = PollAt(T(4), jobs);
  EXPECT_EQ(r.recorded, 0);
  EXPECT_EQ(r.idle_records, 0);
  EXPECT_EQ(*billing_store_->CountUsage(), 3 + 4);
  auto terms = billing_store_->ListLeaseTerms();
  ASSERT_TRUE(terms.ok());
  ASSERT_EQ(terms->size(), 1u);
  EXPECT_EQ(terms->front().id, l.id);
}

TEST_F(ReservedTimeTest, OnlyWindowsOverAndSeenAreClosedAndARunningJobIsApportioned) {
  CreateLease(4, 1, 3);  // 09:00 to 11:00 on n1
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  // 09:50: no window is over yet.
  UsageReport r = PollAt(T(1) + Duration::Minutes(50), "");
  EXPECT_EQ(r.idle_records, 0);
  // 10:00:30: the window is over but within the grace: still open.
  r = PollAt(T(2) + Duration::Seconds(30), "");
  EXPECT_EQ(r.idle_records, 0);
  // 10:02, job 7 running on 2 GPUs since 09:30: [09:00, 10:00) is closed with
  // the job's half hour in it.
  r = PollAt(T(2) + kAfter,
             "7|lease-000001|RUNNING|2027-01-15T09:30:00|Unknown|sg1-n1|gres/gpu=2\n");
  EXPECT_EQ(r.running, 1);
  EXPECT_EQ(r.recorded, 0);
  EXPECT_EQ(r.idle_records, 1);
  EXPECT_EQ(r.idle_gpu_seconds, 4 * 3600 - 2 * 1800);
  // The job ends at 10:30 and is billed whole; [10:00, 11:00) holds its other half.
  r = PollAt(T(3) + kAfter,
             "7|lease-000001|COMPLETED|2027-01-15T09:30:00|2027-01-15T10:30:00|sg1-n1|"
             "gres/gpu=2\n");
  EXPECT_EQ(r.recorded, 1);
  EXPECT_EQ(r.idle_records, 1);
  EXPECT_EQ(r.idle_gpu_seconds, 4 * 3600 - 2 * 1800);
  EXPECT_EQ(Billed("jobs").first, 2 * 3600);
  EXPECT_EQ(Billed("jobs").first + Billed(kReservedSeries).first, 4 * 2 * 3600);
}

TEST_F(ReservedTimeTest, AFailedPollClosesNothingSoALateJobIsNotCountedTwice) {
  CreateLease(4, 1, 3);
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  clock_.Set(T(3) + kAfter);
  env_.Respond(kSacct, Fail("sacct: error: Problem talking to the database: Connection refused"));
  Result<UsageReport> failed = dispatcher_->PollUsage(T(0), billing_.get());
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(*billing_store_->CountUsage(), 0);
  // The database is back: the job that ran meanwhile is found before any
  // window closes, so it is not billed as idle as well.
  UsageReport r = PollAt(T(3) + kAfter + Duration::Minutes(1),
                         "9|lease-000001|COMPLETED|2027-01-15T09:10:00|2027-01-15T10:10:00|sg1-n1|"
                         "gres/gpu=4\n");
  EXPECT_EQ(r.recorded, 1);
  EXPECT_EQ(Billed("jobs").first + Billed(kReservedSeries).first, 4 * 2 * 3600);
  // A later poll that no longer lists the job (sacct's window moved on)
  // changes nothing: closed windows are never reopened.
  r = PollAt(T(5), "");
  EXPECT_EQ(r.idle_records, 0);
  EXPECT_EQ(Billed("jobs").first + Billed(kReservedSeries).first, 4 * 2 * 3600);
}

TEST_F(ReservedTimeTest, ATerminatedOrCancelledLeaseIsReservedUntilItEnded) {
  lease::Lease ended = CreateLease(4, 1, 3);
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  Change(ended, lease::State::kTerminated, T(1) + Duration::Minutes(30));
  lease::Lease cancelled = CreateLease(2, 2, 4);
  Change(cancelled, lease::State::kCancelled);  // before its start
  // Cancelled at 09:10 after its 09:00 start, before any sweep made it active.
  lease::Lease late = CreateLeaseOn({{*NodeId::Parse("n2"), 1}}, T(1), T(3));
  late.updated_at = T(1) + Duration::Minutes(10);
  Change(late, lease::State::kCancelled);
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  UsageReport r = PollAt(T(5), "");
  EXPECT_EQ(r.idle_records, 2);
  EXPECT_EQ(r.idle_gpu_seconds, 4 * 1800 + 1 * 600);
  EXPECT_EQ(Billed(kReservedSeries, "n1").first, 4 * 1800);
  EXPECT_EQ(Billed(kReservedSeries, "n2").first, 600);
}

TEST_F(ReservedTimeTest, AnExtensionIsReservedFromWhereTheLastPollStopped) {
  lease::Lease l = CreateLease(4, 1, 2);  // 09:00 to 10:00
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  UsageReport r = PollAt(T(2) + kAfter, "");
  EXPECT_EQ(r.idle_gpu_seconds, 4 * 3600);
  auto current = leases_->GetLease(l.id);
  ASSERT_TRUE(current.ok());
  Change(*current, lease::State::kActive, T(2) + Duration::Minutes(30));  // extended to 10:30
  r = PollAt(T(3), "");
  EXPECT_EQ(r.idle_records, 1);
  EXPECT_EQ(r.idle_gpu_seconds, 4 * 1800);
  EXPECT_EQ(Billed(kReservedSeries).first, 4 * 5400);
}

}  // namespace
}  // namespace straits::backend
