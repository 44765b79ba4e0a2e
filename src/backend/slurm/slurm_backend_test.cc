#include "backend/slurm/slurm_backend.h"

#include <gtest/gtest.h>

#include "backend/fake_env.h"

namespace straits::backend::slurm {
namespace {

const Instant kNow = *Instant::Parse("2026-11-29T10:00:00Z");

SlurmSiteConfig Config() {
  SlurmSiteConfig config;
  config.site = *SiteId::Parse("sg-jurong-1");
  config.cluster = "sg1";
  config.slurm_conf = "/tmp/straits-slurm/sg1/slurm.conf";
  config.nodes = {{"sgj1-h100-001", "sg1-n1"}, {"sgj1-h100-002", "sg1-n2"}};
  return config;
}

LeaseTarget Target() {
  LeaseTarget t;
  t.lease = *LeaseId::Parse("lease-000007");
  t.tenant = *OrgId::Parse("lotus-ai-sg");
  t.site = *SiteId::Parse("sg-jurong-1");
  t.start = *Instant::Parse("2026-11-29T12:00:00Z");
  t.end = *Instant::Parse("2026-11-29T14:00:00Z");
  t.nodes = {{*NodeId::Parse("sgj1-h100-001"), 8}, {*NodeId::Parse("sgj1-h100-002"), 4}};
  return t;
}

const std::string kShowLease = "scontrol -o show reservation lease-000007";
const std::string kParentAssoc =
    "sacctmgr -n -P list association where cluster=sg1 account=lotus-ai-sg "
    "format=account,user,grptres";
const std::string kLeaseAssoc =
    "sacctmgr -n -P list association where cluster=sg1 account=lease-000007 "
    "format=account,user,grptres";
const std::string kReservationLine =
    "ReservationName=lease-000007 StartTime=2026-11-29T12:00:00 EndTime=2026-11-29T14:00:00 "
    "Duration=02:00:00 Nodes=sg1-n[1-2] NodeCnt=2 Flags=OVERLAP,IGNORE_JOBS,SPEC_NODES "
    "Accounts=lease-000007 State=INACTIVE\n";

ProcessResult Out(std::string out) { return {.exit_code = 0, .out = std::move(out), .err = ""}; }
ProcessResult Fail(std::string err, std::string out = "") {
  return {.exit_code = 1, .out = std::move(out), .err = std::move(err)};
}

TEST(SlurmBackend, ApplyCreatesAccountsAndReservationWithExactArgv) {
  FakeEnv env;
  env.Respond(kShowLease, Fail("", "Reservation lease-000007 not found\n"));
  SlurmBackend backend(env, Config());
  ASSERT_TRUE(backend.Apply(Target(), kNow).ok());
  EXPECT_EQ(env.commands(),
            (std::vector<std::string>{
                kParentAssoc,
                "sacctmgr -i add account lotus-ai-sg cluster=sg1",
                kLeaseAssoc,
                "sacctmgr -i add account lease-000007 cluster=sg1 parent=lotus-ai-sg "
                "GrpTRES=gres/gpu=12",
                "sacctmgr -i add user root account=lease-000007 cluster=sg1",
                kShowLease,
                "scontrol create reservation ReservationName=lease-000007 "
                "StartTime=2026-11-29T12:00:00 EndTime=2026-11-29T14:00:00 "
                "Nodes=sg1-n1,sg1-n2 Accounts=lease-000007 Flags=OVERLAP,IGNORE_JOBS",
            }));
  for (const ProcessSpec& spec : env.specs()) {
    EXPECT_EQ(spec.env.at("SLURM_CONF"), "/tmp/straits-slurm/sg1/slurm.conf");
    EXPECT_EQ(spec.env.at("TZ"), "UTC");
  }
}

TEST(SlurmBackend, ApplyTwiceCreatesNothingTheSecondTime) {
  FakeEnv env;
  env.Respond(kParentAssoc, Out("lotus-ai-sg||\n"));
  env.Respond(kLeaseAssoc, Out("lease-000007||gres/gpu=12\nlease-000007|root|\n"));
  env.Respond(kShowLease, Out(kReservationLine));
  SlurmBackend backend(env, Config());
  ASSERT_TRUE(backend.Apply(Target(), kNow).ok());
  EXPECT_EQ(env.commands(), (std::vector<std::string>{kParentAssoc, kLeaseAssoc, kShowLease}));
}

TEST(SlurmBackend, ExtendUpdatesOnlyTheEnd) {
  FakeEnv env;
  env.Respond(kParentAssoc, Out("lotus-ai-sg||\n"));
  env.Respond(kLeaseAssoc, Out("lease-000007||gres/gpu=12\nlease-000007|root|\n"));
  env.Respond(kShowLease, Out(kReservationLine));
  SlurmBackend backend(env, Config());
  LeaseTarget extended = Target();
  extended.end = *Instant::Parse("2026-11-29T16:00:00Z");
  ASSERT_TRUE(backend.Apply(extended, kNow).ok());
  EXPECT_EQ(env.commands().back(),
            "scontrol update ReservationName=lease-000007 EndTime=2026-11-29T16:00:00");
}

TEST(SlurmBackend, StartedLeaseIsReservedFromNow) {
  FakeEnv env;
  env.Respond(kShowLease, Fail("", "Reservation lease-000007 not found\n"));
  SlurmBackend backend(env, Config());
  LeaseTarget started = Target();
  started.start = kNow - Duration::Hours(1);
  ASSERT_TRUE(backend.Apply(started, kNow).ok());
  EXPECT_NE(env.commands().back().find("StartTime=now EndTime=2026-11-29T14:00:00"),
            std::string::npos)
      << env.commands().back();
}

TEST(SlurmBackend, UnreachableControllerIsUnavailable) {
  FakeEnv env;
  env.Respond(kParentAssoc, Out("lotus-ai-sg||\n"));
  env.Respond(kLeaseAssoc, Out("lease-000007||gres/gpu=12\nlease-000007|root|\n"));
  env.Respond(kShowLease, Fail("slurm_load_reservations error: Unable to contact slurm "
                               "controller (connect failure)\n"));
  SlurmBackend backend(env, Config());
  Status status = backend.Apply(Target(), kNow);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
}

TEST(SlurmBackend, RefusalIsFailedPreconditionWithSlurmsReason) {
  FakeEnv env;
  env.Respond(kParentAssoc, Out("lotus-ai-sg||\n"));
  env.Respond(kLeaseAssoc, Out("lease-000007||gres/gpu=12\nlease-000007|root|\n"));
  env.Respond(kShowLease, Fail("", "Reservation lease-000007 not found\n"));
  env.Respond(
      "scontrol create reservation ReservationName=lease-000007 StartTime=2026-11-29T12:00:00 "
      "EndTime=2026-11-29T14:00:00 Nodes=sg1-n1,sg1-n2 Accounts=lease-000007 "
      "Flags=OVERLAP,IGNORE_JOBS",
      Fail("Error creating the reservation: Invalid node name specified\n"));
  SlurmBackend backend(env, Config());
  Status status = backend.Apply(Target(), kNow);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("Invalid node name"), std::string::npos);
}

TEST(SlurmBackend, ReleaseCancelsJobsThenDeletesTheReservation) {
  FakeEnv env;
  env.Respond(kShowLease, Out(kReservationLine));
  SlurmBackend backend(env, Config());
  ASSERT_TRUE(backend.Release(Target().lease).ok());
  EXPECT_EQ(env.commands(), (std::vector<std::string>{
                                "scancel --account=lease-000007",
                                kShowLease,
                                "scontrol delete ReservationName=lease-000007",
                            }));
}

TEST(SlurmBackend, ReleaseOfAGoneReservationIsANoOp) {
  FakeEnv env;
  env.Respond(kShowLease, Fail("", "Reservation lease-000007 not found\n"));
  SlurmBackend backend(env, Config());
  ASSERT_TRUE(backend.Release(Target().lease).ok());
  EXPECT_EQ(env.commands().size(), 2u);
}

TEST(SlurmBackend, SubmitPassesTheCommandAsArguments) {
  FakeEnv env;
  env.Respond(
      "sbatch --parsable --reservation=lease-000007 --account=lease-000007 --gpus=2 --time=30 "
      "--job-name=train --chdir=/tmp --output=/tmp/straits-%j.out /tmp/straits-job.sh python "
      "train.py --lr 0.1; rm -rf /",
      Out("1000003\n"));
  SlurmBackend backend(env, Config());
  JobRequest job{.gpus = 2,
                 .command = {"python", "train.py", "--lr", "0.1; rm -rf /"},
                 .name = "train",
                 .time_limit = Duration::Minutes(30)};
  Result<std::string> id = backend.SubmitJob(Target(), job);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "1000003");
  ASSERT_EQ(env.specs().size(), 1u);
  EXPECT_EQ(env.specs()[0].argv.back(), "0.1; rm -rf /");  // one argument, never a shell string
  EXPECT_NE(env.files().at("/tmp/straits-job.sh").find("exec \"$@\""), std::string::npos);
}

TEST(SlurmBackend, CancelRefusesJobsOfOtherAccounts) {
  FakeEnv env;
  env.Respond("squeue -h --jobs=42 --format=%a", Out("lease-000008\n"));
  SlurmBackend backend(env, Config());
  EXPECT_EQ(backend.CancelJob(Target().lease, "42").code(), StatusCode::kNotFound);
  EXPECT_EQ(backend.CancelJob(Target().lease, "42; x").code(), StatusCode::kInvalidArgument);
  env.Respond("squeue -h --jobs=43 --format=%a", Out("lease-000007\n"));
  ASSERT_TRUE(backend.CancelJob(Target().lease, "43").ok());
  EXPECT_EQ(env.commands().back(), "scancel 43");
}

TEST(SlurmBackend, PollUsageSplitsGpusPerNodeAndMarksRunningJobs) {
  FakeEnv env;
  env.Respond(
      "sacct -n -P -X --allusers --accounts=lease-000007 --starttime=2026-11-29T00:00:00 "
      "--format=JobID,Account,State,Start,End,NodeList,AllocTRES",
      Out("5|lease-000007|COMPLETED|2026-11-29T12:00:00|2026-11-29T12:10:00|sg1-n[1-2]|"
          "billing=2,cpu=2,gres/gpu=3,node=2\n"
          "6|lease-000007|RUNNING|2026-11-29T12:00:00|Unknown|sg1-n1|gres/gpu=1\n"
          "7|lease-000007|CANCELLED by 0|2026-11-29T12:00:00|2026-11-29T12:00:30|sg1-n2|"
          "cpu=1,gres/gpu=1\n"));
  SlurmBackend backend(env, Config());
  std::vector<LeaseId> leases = {Target().lease};
  Result<std::vector<UsageSample>> samples =
      backend.PollUsage(leases, *Instant::Parse("2026-11-29T00:00:00Z"));
  ASSERT_TRUE(samples.ok()) << samples.status();
  ASSERT_EQ(samples->size(), 4u);
  EXPECT_EQ((*samples)[0].key, "sg1:5:alloc:sg1-n1");
  EXPECT_EQ((*samples)[0].series, "sg1:5:alloc");
  EXPECT_EQ((*samples)[1].series, "sg1:5:alloc");
  EXPECT_EQ((*samples)[0].node.str(), "sgj1-h100-001");
  EXPECT_EQ((*samples)[0].gpu_seconds, 2 * 600);
  EXPECT_EQ((*samples)[1].node.str(), "sgj1-h100-002");
  EXPECT_EQ((*samples)[1].gpu_seconds, 1 * 600);
  EXPECT_FALSE((*samples)[0].running);
  // A running job: its start and GPUs, no usage yet.
  EXPECT_TRUE((*samples)[2].running);
  EXPECT_EQ((*samples)[2].key, "sg1:6:alloc:sg1-n1");
  EXPECT_EQ((*samples)[2].start, *Instant::Parse("2026-11-29T12:00:00Z"));
  EXPECT_EQ((*samples)[2].gpus, 1);
  EXPECT_EQ((*samples)[2].gpu_seconds, 0);
  EXPECT_EQ((*samples)[3].key, "sg1:7:alloc:sg1-n2");
  EXPECT_EQ((*samples)[3].gpu_seconds, 30);
  EXPECT_FALSE((*samples)[3].running);
}

TEST(SlurmBackend, ReconcileFindsMissingMismatchedAndExtra) {
  FakeEnv env;
  env.Respond("scontrol -o show reservation",
              Out("ReservationName=lease-000007 StartTime=2026-11-29T12:00:00 "
                  "EndTime=2026-11-29T13:00:00 Nodes=sg1-n[1-2] Accounts=lease-000007\n"
                  "ReservationName=lease-000099 StartTime=2026-11-29T12:00:00 "
                  "EndTime=2026-11-29T13:00:00 Nodes=sg1-n1 Accounts=lease-000099\n"
                  "ReservationName=maintenance StartTime=2026-11-29T12:00:00 "
                  "EndTime=2026-11-29T13:00:00 Nodes=sg1-n1 Accounts=ops\n"));
  env.Respond("sacctmgr -n -P list association where cluster=sg1 format=account,user",
              Out("root||\nlotus-ai-sg||\nlease-000007||\nlease-000007|root\n"));
  SlurmBackend backend(env, Config());
  LeaseTarget other = Target();
  other.lease = *LeaseId::Parse("lease-000008");
  std::vector<LeaseTarget> expected = {Target(), other};
  Result<std::vector<Drift>> drifts = backend.Reconcile(expected, kNow, false);
  ASSERT_TRUE(drifts.ok()) << drifts.status();
  ASSERT_EQ(drifts->size(), 4u);
  EXPECT_EQ((*drifts)[0].kind, Drift::Kind::kMismatched);
  EXPECT_EQ((*drifts)[0].detail, "end: want 2026-11-29T14:00:00Z, have 2026-11-29T13:00:00Z");
  EXPECT_EQ((*drifts)[1].kind, Drift::Kind::kMissing);
  EXPECT_EQ((*drifts)[1].object, "account lease-000008");
  EXPECT_EQ((*drifts)[2].object, "reservation lease-000008");
  EXPECT_EQ((*drifts)[3].kind, Drift::Kind::kExtra);
  EXPECT_EQ((*drifts)[3].object, "reservation lease-000099");
  EXPECT_EQ(env.commands().size(), 2u);  // looking changes nothing
}

TEST(SlurmBackend, ReconcileWithFixDeletesExtraReservations) {
  FakeEnv env;
  env.Respond("scontrol -o show reservation",
              Out("ReservationName=lease-000099 StartTime=2026-11-29T12:00:00 "
                  "EndTime=2026-11-29T13:00:00 Nodes=sg1-n1 Accounts=lease-000099\n"));
  SlurmBackend backend(env, Config());
  Result<std::vector<Drift>> drifts = backend.Reconcile({}, kNow, true);
  ASSERT_TRUE(drifts.ok());
  ASSERT_EQ(drifts->size(), 1u);
  EXPECT_TRUE((*drifts)[0].fixed);
  EXPECT_EQ(env.commands().back(), "scontrol delete ReservationName=lease-000099");
}

}  // namespace
}  // namespace straits::backend::slurm
