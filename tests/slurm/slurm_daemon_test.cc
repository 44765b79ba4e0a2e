// The Slurm backend against real daemons (scripts/slurm-up, started by the
// CTest fixture): leases become reservations Slurm shows as asked, jobs run in
// them and their usage comes back, an unreachable controller is reported as
// unavailable and recovers, and reconcile repairs what was changed behind
// Straits' back. Each run names its reservations and accounts with its own
// prefix, so runs against long-lived daemons do not meet.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "backend/env.h"
#include "backend/slurm/slurm_backend.h"
#include "core/clock.h"

namespace straits::backend::slurm {
namespace {

std::string Root() {
  const char* root = std::getenv("SLURM_TEST_ROOT");
  return root && *root ? root : "/tmp/straits-slurm";
}

std::string SourceDir() {
  const char* dir = std::getenv("STRAITS_SOURCE_DIR");
  return dir && *dir ? dir : ".";
}

SlurmSiteConfig Config(const std::string& cluster) {
  SlurmSiteConfig config;
  config.site = *SiteId::Parse(cluster == "sg1" ? "sg-jurong-1" : "my-cyberjaya-1");
  config.cluster = cluster;
  config.slurm_conf = Root() + "/" + cluster + "/slurm.conf";
  config.nodes = {{"node-a", cluster + "-n1"}, {"node-b", cluster + "-n2"}};
  config.name_prefix = "t" + std::to_string(getpid()) + "-";
  return config;
}

LeaseTarget Target(int seq, Instant start, Instant end,
                   std::vector<std::pair<std::string, int>> nodes) {
  LeaseTarget t;
  char id[32];
  std::snprintf(id, sizeof id, "lease-%06d", seq);
  t.lease = *LeaseId::Parse(id);
  t.tenant = *OrgId::Parse("lotus-ai-sg");
  t.site = *SiteId::Parse("sg-jurong-1");
  t.start = start;
  t.end = end;
  for (const auto& [node, gpus] : nodes) t.nodes.push_back({*NodeId::Parse(node), gpus});
  return t;
}

class SlurmDaemons : public ::testing::Test {
 protected:
  // A command against `cluster`, checked independently of the backend.
  ProcessResult Slurm(const std::string& cluster, std::vector<std::string> argv) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = {{"SLURM_CONF", Root() + "/" + cluster + "/slurm.conf"}, {"TZ", "UTC"}};
    Result<ProcessResult> r = env_.Run(spec);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ProcessResult{};
  }
  std::vector<ReservationInfo> Reservations(const std::string& cluster, const std::string& name) {
    ProcessResult shown = Slurm(cluster, {"scontrol", "-o", "show", "reservation", name});
    if (!shown.ok()) return {};
    Result<std::vector<ReservationInfo>> parsed = ParseReservations(shown.out);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *parsed : std::vector<ReservationInfo>{};
  }
  Instant Now() const { return clock_.Now(); }

  PosixEnv env_;
  SystemClock clock_;
};

TEST_F(SlurmDaemons, ReservationMatchesTheLeaseAndApplyingTwiceKeepsOne) {
  SlurmBackend backend(env_, Config("sg1"));
  Instant start = Now() + Duration::Hours(2);
  LeaseTarget target = Target(1, start, start + Duration::Hours(1), {{"node-a", 8}, {"node-b", 4}});
  ASSERT_TRUE(backend.Apply(target, Now()).ok());
  ASSERT_TRUE(backend.Apply(target, Now()).ok());  // a retry converges

  std::string name = backend.ReservationFor(target.lease);
  std::vector<ReservationInfo> found = Reservations("sg1", name);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].nodes, (std::vector<std::string>{"sg1-n1", "sg1-n2"}));
  EXPECT_EQ(found[0].start, target.start);
  EXPECT_EQ(found[0].end, target.end);
  EXPECT_EQ(found[0].accounts, (std::vector<std::string>{backend.AccountFor(target.lease)}));
  ProcessResult assoc = Slurm("sg1", {"sacctmgr", "-n", "-P", "list", "association", "where",
                                      "cluster=sg1", "account=" + backend.AccountFor(target.lease),
                                      "format=account,parentname,user,grptres"});
  EXPECT_NE(assoc.out.find(backend.ParentAccountFor(target.tenant)), std::string::npos)
      << assoc.out;
  EXPECT_NE(assoc.out.find("gres/gpu=12"), std::string::npos) << assoc.out;

  // Extend moves the end; release removes the reservation.
  target.end = target.end + Duration::Hours(1);
  ASSERT_TRUE(backend.Apply(target, Now()).ok());
  found = Reservations("sg1", name);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].end, target.end);
  ASSERT_TRUE(backend.Release(target.lease).ok());
  EXPECT_TRUE(Reservations("sg1", name).empty());
  ASSERT_TRUE(backend.Release(target.lease).ok());  // twice is fine
}

TEST_F(SlurmDaemons, JobRunsInTheLeaseFinishesAndReportsItsUsage) {
  SlurmBackend backend(env_, Config("sg1"));
  Instant begun = Now() - Duration::Minutes(1);
  LeaseTarget target = Target(2, begun, Now() + Duration::Minutes(20), {{"node-a", 2}});
  ASSERT_TRUE(backend.Apply(target, Now()).ok());
  JobRequest job;
  job.gpus = 2;
  job.command = {"sleep", "2"};
  job.name = "straits-test";
  job.time_limit = Duration::Minutes(5);
  Result<std::string> id = backend.SubmitJob(target, job);
  ASSERT_TRUE(id.ok()) << id.status();

  std::string state;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    Result<std::vector<JobInfo>> jobs = backend.ListJobs(target.lease);
    ASSERT_TRUE(jobs.ok()) << jobs.status();
    for (const JobInfo& j : *jobs) {
      if (j.id == *id) state = j.state;
    }
    if (state == "COMPLETED" || state == "FAILED" || state == "CANCELLED") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_EQ(state, "COMPLETED");

  std::vector<UsageSample> samples;
  std::vector<LeaseId> leases = {target.lease};
  while (std::chrono::steady_clock::now() < deadline && samples.empty()) {
    Result<std::vector<UsageSample>> polled = backend.PollUsage(leases, begun);
    ASSERT_TRUE(polled.ok()) << polled.status();
    // Until sacct has the job's end it reports it running, not yet usage.
    samples.clear();
    for (const UsageSample& u : *polled) {
      if (!u.running) samples.push_back(u);
    }
    if (samples.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].key, "sg1:" + *id + ":alloc:sg1-n1");
  EXPECT_EQ(samples[0].node.str(), "node-a");
  EXPECT_EQ(samples[0].lease, target.lease);
  int64_t seconds = samples[0].end.unix_seconds() - samples[0].start.unix_seconds();
  EXPECT_GE(seconds, 2);
  EXPECT_EQ(samples[0].gpu_seconds, 2 * seconds);
  ASSERT_TRUE(backend.Release(target.lease).ok());
}

TEST_F(SlurmDaemons, ReconcileFindsAndFixesAReservationDeletedBehindItsBack) {
  SlurmBackend backend(env_, Config("sg1"));
  Instant start = Now() + Duration::Hours(5);
  LeaseTarget target = Target(3, start, start + Duration::Hours(1), {{"node-b", 8}});
  ASSERT_TRUE(backend.Apply(target, Now()).ok());
  std::string name = backend.ReservationFor(target.lease);
  ASSERT_TRUE(Slurm("sg1", {"scontrol", "delete", "ReservationName=" + name}).ok());
  // And one Straits does not know, named like its own.
  std::string stray = backend.config().name_prefix + "lease-999999";
  ASSERT_TRUE(Slurm("sg1", {"scontrol", "create", "reservation", "ReservationName=" + stray,
                            "StartTime=" + FormatSlurmTime(start + Duration::Hours(3)),
                            "Duration=60", "Nodes=sg1-n1", "Accounts=root", "Flags=OVERLAP"})
                  .ok());

  std::vector<LeaseTarget> expected = {target};
  Result<std::vector<Drift>> report = backend.Reconcile(expected, Now(), false);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->size(), 2u);
  EXPECT_EQ((*report)[0].kind, Drift::Kind::kMissing);
  EXPECT_EQ((*report)[0].object, "reservation " + name);
  EXPECT_EQ((*report)[1].kind, Drift::Kind::kExtra);
  EXPECT_EQ((*report)[1].object, "reservation " + stray);

  Result<std::vector<Drift>> fixed = backend.Reconcile(expected, Now(), true);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  ASSERT_EQ(fixed->size(), 2u);
  EXPECT_TRUE((*fixed)[0].fixed);
  EXPECT_TRUE((*fixed)[1].fixed);
  std::vector<ReservationInfo> found = Reservations("sg1", name);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].start, target.start);
  EXPECT_TRUE(Reservations("sg1", stray).empty());
  Result<std::vector<Drift>> clean = backend.Reconcile(expected, Now(), false);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->empty());
  ASSERT_TRUE(backend.Release(target.lease).ok());
}

TEST_F(SlurmDaemons, UnreachableControllerIsUnavailableAndRecovers) {
  SlurmBackend backend(env_, Config("my1"));
  Instant start = Now() + Duration::Hours(2);
  LeaseTarget target = Target(4, start, start + Duration::Hours(1), {{"node-a", 8}});
  std::ifstream pid_file(Root() + "/my1/slurmctld.pid");
  pid_t pid = 0;
  ASSERT_TRUE(pid_file >> pid);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  while (kill(pid, 0) == 0 && Slurm("my1", {"scontrol", "ping"}).ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Status down = backend.Apply(target, Now());
  EXPECT_EQ(down.code(), StatusCode::kUnavailable) << down;

  // slurm-up restarts only what died; the controller keeps its saved state.
  ProcessSpec up;
  up.argv = {SourceDir() + "/scripts/slurm-up"};
  up.timeout_seconds = 120;
  Result<ProcessResult> restarted = env_.Run(up);
  ASSERT_TRUE(restarted.ok() && restarted->ok()) << (restarted.ok() ? restarted->err : "");
  ASSERT_TRUE(backend.Apply(target, Now()).ok());
  EXPECT_EQ(Reservations("my1", backend.ReservationFor(target.lease)).size(), 1u);
  ASSERT_TRUE(backend.Release(target.lease).ok());
}

}  // namespace
}  // namespace straits::backend::slurm
