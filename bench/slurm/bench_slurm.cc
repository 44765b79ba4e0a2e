// Slurm backend figures:
//   - leases applied per second (account + reservation, each looked up first)
//     on a live cluster, and the latency from "scheduled" (Apply called) to
//     the reservation visible in `scontrol show reservation`;
//   - releases per second;
//   - the metering poller's own cost per 10,000 finished jobs: parsing sacct's
//     output into usage samples (sacct's time is the cluster's, reported
//     separately for the jobs the cluster holds).
//
//   scripts/slurm-up && build/release/bench/slurm/bench_slurm [LEASES]
//
// Environment: SLURM_TEST_ROOT (default /tmp/straits-slurm); cluster sg1.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backend/env.h"
#include "backend/fake_env.h"
#include "backend/slurm/slurm_backend.h"
#include "core/clock.h"

namespace straits::backend::slurm {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

SlurmSiteConfig Config() {
  const char* root = std::getenv("SLURM_TEST_ROOT");
  SlurmSiteConfig config;
  config.site = *SiteId::Parse("sg-jurong-1");
  config.cluster = "sg1";
  config.slurm_conf = std::string(root && *root ? root : "/tmp/straits-slurm") + "/sg1/slurm.conf";
  config.nodes = {{"node-a", "sg1-n1"}, {"node-b", "sg1-n2"}};
  config.name_prefix = "b" + std::to_string(getpid()) + "-";
  return config;
}

LeaseTarget Target(int seq, Instant start) {
  LeaseTarget t;
  char id[32];
  std::snprintf(id, sizeof id, "lease-%06d", seq);
  t.lease = *LeaseId::Parse(id);
  t.tenant = *OrgId::Parse("bench-tenant");
  t.site = *SiteId::Parse("sg-jurong-1");
  t.start = start;
  t.end = start + Duration::Hours(1);
  t.nodes = {{*NodeId::Parse(seq % 2 ? "node-a" : "node-b"), 4}};
  return t;
}

int ApplyFigures(int count) {
  PosixEnv env;
  SlurmBackend backend(env, Config());
  SystemClock clock;
  Instant base = clock.Now() + Duration::Days(1);
  std::vector<double> visible_ms;
  auto t0 = Clock::now();
  for (int idx = 1; idx <= count; ++idx) {
    LeaseTarget target = Target(idx, base + Duration::Hours(idx));
    auto started = Clock::now();
    Status applied = backend.Apply(target, clock.Now());
    if (!applied.ok()) {
      std::fprintf(stderr, "apply: %s\n", applied.ToString().c_str());
      return 1;
    }
    Result<std::optional<ReservationInfo>> seen = backend.FindReservation(target.lease);
    if (!seen.ok() || !*seen) {
      std::fprintf(stderr, "reservation of %s not visible\n", target.lease.str().c_str());
      return 1;
    }
    visible_ms.push_back(Ms(Clock::now() - started));
  }
  double apply_s = std::chrono::duration<double>(Clock::now() - t0).count();
  auto t1 = Clock::now();
  for (int idx = 1; idx <= count; ++idx) {
    if (!backend.Release(Target(idx, base).lease).ok()) return 1;
  }
  double release_s = std::chrono::duration<double>(Clock::now() - t1).count();
  std::sort(visible_ms.begin(), visible_ms.end());
  std::printf(
      "leases applied:            %d in %.2f s = %.1f leases/s (new tenant account once, "
      "lease account, reservation)\n",
      count, apply_s, count / apply_s);
  std::printf("scheduled -> visible:      p50 %.0f ms, p95 %.0f ms, max %.0f ms\n",
              visible_ms[visible_ms.size() / 2], visible_ms[visible_ms.size() * 95 / 100],
              visible_ms.back());
  std::printf("leases released:           %d in %.2f s = %.1f leases/s\n", count, release_s,
              count / release_s);
  return 0;
}

void PollerFigures() {
  constexpr int kJobs = 10000;
  constexpr int kLeases = 100;
  std::string out;
  std::vector<LeaseId> leases;
  std::string accounts;
  for (int lease_idx = 1; lease_idx <= kLeases; ++lease_idx) {
    char id[32];
    std::snprintf(id, sizeof id, "lease-%06d", lease_idx);
    leases.push_back(*LeaseId::Parse(id));
    accounts += (accounts.empty() ? "" : ",") + std::string(id);
  }
  for (int job = 1; job <= kJobs; ++job) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "%d|lease-%06d|COMPLETED|2026-11-29T%02d:%02d:00|2026-11-29T%02d:%02d:30|"
                  "sg1-n[1-2]|billing=4,cpu=4,gres/gpu=8,node=2\n",
                  job, 1 + job % kLeases, job % 24, job % 60, job % 24, job % 60);
    out += line;
  }
  FakeEnv env;
  SlurmSiteConfig config = Config();
  config.name_prefix.clear();
  SlurmBackend backend(env, config);
  Instant since = *Instant::Parse("2026-11-29T00:00:00Z");
  std::string argv =
      "sacct -n -P -X --allusers --accounts=" + accounts +
      " --starttime=2026-11-29T00:00:00 --format=JobID,Account,State,Start,End,NodeList,AllocTRES";
  constexpr int kRounds = 5;
  double best = 1e9;
  size_t samples = 0;
  for (int round = 0; round < kRounds; ++round) {
    env.Respond(argv, ProcessResult{0, out, ""});
    auto t0 = Clock::now();
    Result<std::vector<UsageSample>> polled = backend.PollUsage(leases, since);
    best = std::min(best, Ms(Clock::now() - t0));
    samples = polled.ok() ? polled->size() : 0;
  }
  std::printf(
      "poller, 10,000 jobs:       %.1f ms to parse sacct output into %zu samples "
      "(2 nodes each; best of %d)\n",
      best, samples, kRounds);

  // sacct itself, on the live cluster (the jobs it holds).
  PosixEnv real;
  ProcessSpec spec;
  spec.argv = {"sacct",
               "-n",
               "-P",
               "-X",
               "--allusers",
               "--starttime=2000-01-01T00:00:00",
               "--format=JobID,Account,State,Start,End,NodeList,AllocTRES"};
  spec.env = {{"SLURM_CONF", Config().slurm_conf}, {"TZ", "UTC"}};
  auto t0 = Clock::now();
  Result<ProcessResult> r = real.Run(spec);
  if (r.ok() && r->ok()) {
    size_t lines = static_cast<size_t>(std::count(r->out.begin(), r->out.end(), '\n'));
    std::printf("sacct on the live cluster: %.0f ms for %zu jobs\n", Ms(Clock::now() - t0), lines);
  }
}

}  // namespace
}  // namespace straits::backend::slurm

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 100;
  if (count < 1) count = 100;
  int rc = straits::backend::slurm::ApplyFigures(count);
  straits::backend::slurm::PollerFigures();
  return rc;
}
