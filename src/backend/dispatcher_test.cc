#include "backend/dispatcher_test_fixture.h"

namespace straits::backend {
namespace {

using testing_fixture::DispatcherTest;
using testing_fixture::Fail;
using testing_fixture::Out;
using testing_fixture::T;

TEST_F(DispatcherTest, AppliesScheduledLeasesOnceAndReleasesEndedOnes) {
  lease::Lease l = CreateLease(4, 1, 3);
  env_.Respond("scontrol -o show reservation lease-000001",
               Fail("", "Reservation lease-000001 not found\n"));
  Result<PassReport> pass = dispatcher_->RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->applied, 1);
  EXPECT_NE(env_.commands().back().find("scontrol create reservation ReservationName=lease-000001"),
            std::string::npos);
  EXPECT_EQ(StateOf(l.id).status, "applied");
  EXPECT_EQ(StateOf(l.id).applied_version, l.version);

  env_.Clear();
  pass = dispatcher_->RunOnce();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->applied, 0);
  EXPECT_TRUE(env_.commands().empty());  // nothing changed, nothing asked

  Change(l, lease::State::kCancelled);
  pass = dispatcher_->RunOnce();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->released, 1);
  EXPECT_EQ(env_.commands().front(), "scancel --account=lease-000001");
  EXPECT_EQ(StateOf(l.id).status, "released");
}

TEST_F(DispatcherTest, UnreachableClusterLeavesTheLeasePendingAndRetriesWithBackoff) {
  lease::Lease l = CreateLease(4, 1, 3);
  ProcessResult down = Fail(
      "sacctmgr: error: slurm_persist_conn_open_without_init: failed to open persistent "
      "connection to host:localhost:16819: Connection refused\n");
  env_.Respond(
      "sacctmgr -n -P list association where cluster=sg1 account=acme format=account,user,grptres",
      down);
  Result<PassReport> pass = dispatcher_->RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->failed, 1);
  LeaseBackendState state = StateOf(l.id);
  EXPECT_EQ(state.status, "pending");
  EXPECT_EQ(state.attempts, 1);
  EXPECT_EQ(state.next_attempt, T(0) + Duration::Seconds(5));
  EXPECT_NE(state.last_error.find("unavailable"), std::string::npos) << state.last_error;
  auto stored = leases_->GetLease(l.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, lease::State::kScheduled);  // the lease itself is untouched

  env_.Clear();
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  EXPECT_TRUE(env_.commands().empty());  // backing off
  clock_.Advance(Duration::Seconds(5));
  pass = dispatcher_->RunOnce();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->applied, 1);
  EXPECT_EQ(StateOf(l.id).status, "applied");
  EXPECT_EQ(StateOf(l.id).attempts, 0);
}

TEST_F(DispatcherTest, RefusesJobsBeforeSlurmSeesThem) {
  lease::Lease l = CreateLease(4, 1, 3);
  JobRequest job;
  job.command = {"train"};
  job.gpus = 2;
  // Not applied yet: unavailable, nothing sent.
  EXPECT_EQ(dispatcher_->SubmitJob(l, job).status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  env_.Clear();

  job.gpus = 5;
  Result<std::string> over = dispatcher_->SubmitJob(l, job);
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(over.status().field(), "gpus");
  job.gpus = 2;
  job.time_limit = Duration::Hours(4);  // the lease ends 3 h from now
  Result<std::string> too_long = dispatcher_->SubmitJob(l, job);
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_long.status().field(), "time");
  clock_.Set(T(3));
  job.time_limit = Duration();
  EXPECT_EQ(dispatcher_->SubmitJob(l, job).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(env_.commands().empty());

  clock_.Set(T(0));
  env_.Respond(
      "sbatch --parsable --reservation=lease-000001 --account=lease-000001 --gpus=2 --time=120 "
      "--job-name=train --chdir=/tmp --output=/tmp/straits-%j.out /tmp/straits-job.sh train",
      Out("17\n"));
  Result<std::string> id = dispatcher_->SubmitJob(l, job);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "17");
}

TEST_F(DispatcherTest, PolledUsageReachesBillingWithTheLeasesTerms) {
  lease::Lease l = CreateLease(4, 1, 3);  // 2027-01-15 09:00 to 11:00 on n1
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  auto billing_store = billing_store::OpenSqliteBillingStore(path_);
  ASSERT_TRUE(billing_store.ok()) << billing_store.status();
  billing_store::BillingService billing(*core_, **billing_store);
  const std::string sacct =
      "sacct -n -P -X --allusers --accounts=lease-000001 --starttime=2027-01-15T08:00:00 "
      "--format=JobID,Account,State,Start,End,NodeList,AllocTRES";
  // One job inside the lease; one that ran past its end (refused by billing).
  const std::string jobs =
      "5|lease-000001|COMPLETED|2027-01-15T09:00:00|2027-01-15T09:10:00|sg1-n1|gres/gpu=2\n"
      "6|lease-000001|TIMEOUT|2027-01-15T10:50:00|2027-01-15T11:05:00|sg1-n1|gres/gpu=1\n";
  env_.Respond(sacct, Out(jobs));
  Result<UsageReport> polled = dispatcher_->PollUsage(T(0), &billing);
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(polled->samples, 2);
  EXPECT_EQ(polled->recorded, 2);
  EXPECT_EQ(polled->refused, 1);
  auto usage = (*billing_store)->LoadUsage(T(-10), T(10));
  ASSERT_TRUE(usage.ok()) << usage.status();
  ASSERT_EQ(usage->size(), 1);
  auto terms = (*billing_store)->ListLeaseTerms();
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 1u);
  EXPECT_EQ(terms->front().id, l.id);
  EXPECT_EQ(terms->front().account.str(), "acme");
  EXPECT_EQ(terms->front().gpus, 4);

  // Polling again finds the same jobs and bills nothing twice.
  env_.Respond(sacct, Out(jobs));
  polled = dispatcher_->PollUsage(T(0), &billing);
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(polled->samples, 2);
  EXPECT_EQ(polled->recorded, 0);
  EXPECT_EQ(polled->refused, 0);
  EXPECT_EQ(*(*billing_store)->CountUsage(), 1);
}

TEST_F(DispatcherTest, TwoJobsOfALeaseAtOnceOnOneNodeAreBothBilledOnce) {
  CreateLease(4, 1, 3);  // 2027-01-15 09:00 to 11:00 on n1, 4 GPUs
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  auto billing_store = billing_store::OpenSqliteBillingStore(path_);
  ASSERT_TRUE(billing_store.ok()) << billing_store.status();
  billing_store::BillingService billing(*core_, **billing_store);
  const std::string sacct =
      "sacct -n -P -X --allusers --accounts=lease-000001 --starttime=2027-01-15T08:00:00 "
      "--format=JobID,Account,State,Start,End,NodeList,AllocTRES";
  // Jobs 5 and 8 share n1 from 09:05 to 09:10, 2 GPUs each.
  const std::string jobs =
      "5|lease-000001|COMPLETED|2027-01-15T09:00:00|2027-01-15T09:10:00|sg1-n1|gres/gpu=2\n"
      "8|lease-000001|COMPLETED|2027-01-15T09:05:00|2027-01-15T09:20:00|sg1-n1|gres/gpu=2\n";
  env_.Respond(sacct, Out(jobs));
  Result<UsageReport> polled = dispatcher_->PollUsage(T(0), &billing);
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(polled->samples, 2);
  EXPECT_EQ(polled->recorded, 2);
  EXPECT_EQ(polled->refused, 0);
  auto usage = (*billing_store)->LoadUsage(T(-10), T(10));
  ASSERT_TRUE(usage.ok()) << usage.status();
  ASSERT_EQ(usage->size(), 2);
  EXPECT_EQ(usage->Get(0).series, "sg1:5:alloc");
  EXPECT_EQ(usage->Get(1).series, "sg1:8:alloc");
  auto sums = usage->SumByLeaseAndBucket(billing::TimeBuckets{{T(-10), T(10)}});
  ASSERT_TRUE(sums.ok()) << sums.status();
  EXPECT_EQ(*sums, std::vector<int64_t>{2 * 600 + 2 * 900});

  // Polled again: nothing new, nothing refused, nothing billed twice.
  env_.Respond(sacct, Out(jobs));
  polled = dispatcher_->PollUsage(T(0), &billing);
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(polled->recorded, 0);
  EXPECT_EQ(polled->refused, 0);
  EXPECT_EQ(*(*billing_store)->CountUsage(), 2);
}

}  // namespace
}  // namespace straits::backend
