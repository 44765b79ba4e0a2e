#include "placement/lp_bound.h"

#include <gtest/gtest.h>

#include "placement/sim.h"

namespace straits::placement {
namespace {

constexpr Seconds kHour = 3600;

Topology OneNode(int32_t gpus) {
  FleetSpec spec;
  spec.models = {ModelSpec{.id = *ModelId::Parse("m"), .vendor = "v", .tpp = 1, .memory_gb = 1}};
  spec.sites.push_back(
      SiteSpec{.id = *SiteId::Parse("s"),
               .country = {},
               .pods = {PodSpec{.id = *PodId::Parse("p"),
                                .nodes = {{*NodeId::Parse("n"), *ModelId::Parse("m"), gpus}}}},
               .prices = {}});
  return *Topology::Build(spec);
}

Request Job(int64_t gpus, Seconds start, Seconds duration, Seconds slack) {
  Request r;
  r.gpus = gpus;
  r.models = {*ModelId::Parse("m")};
  r.duration = Duration::Seconds(duration);
  r.earliest_start = Instant::FromUnixSeconds(start);
  r.latest_end = r.earliest_start + Duration::Seconds(duration + slack);
  return r;
}

TEST(LpBound, TwoJobsThatCannotBothRun) {
  const Topology topo = OneNode(8);
  // Two fixed 10-hour jobs of all 8 GPUs at the same time: only one fits.
  std::vector<Request> jobs = {Job(8, 0, 10 * kHour, 0), Job(8, 0, 10 * kHour, 0)};
  Result<LpBound> b = UpperBoundGpuHours(topo, jobs);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NEAR(b->gpu_hours, 80, 1e-6);
  EXPECT_NEAR(b->requested_gpu_hours, 160, 1e-6);
  // With 10 hours of slack both fit, one after the other.
  jobs[1] = Job(8, 0, 10 * kHour, 10 * kHour);
  b = UpperBoundGpuHours(topo, jobs);
  ASSERT_TRUE(b.ok());
  EXPECT_NEAR(b->gpu_hours, 160, 1e-6);
}

TEST(LpBound, RequestsWithoutDeadlineCountInFull) {
  const Topology topo = OneNode(8);
  Request open = Job(8, 0, 10 * kHour, 0);
  open.latest_end.reset();
  std::vector<Request> jobs = {Job(8, 0, 10 * kHour, 0), open, Job(16, 0, kHour, 0)};
  Result<LpBound> b = UpperBoundGpuHours(topo, jobs);
  ASSERT_TRUE(b.ok());
  EXPECT_NEAR(b->gpu_hours, 160, 1e-6);
  EXPECT_NEAR(b->unbounded_gpu_hours, 80, 1e-6);
  EXPECT_EQ(b->unplaceable, 1);  // 16 GPUs on an 8-GPU node
}

TEST(LpBound, BoundsEveryStrategyOnARandomTrace) {
  // One pod of four 8-GPU nodes, a burst of jobs with tight deadlines.
  FleetSpec spec;
  spec.models = {ModelSpec{.id = *ModelId::Parse("m"), .vendor = "v", .tpp = 1, .memory_gb = 1}};
  PodSpec pod{.id = *PodId::Parse("p"), .nodes = {}};
  for (int n = 0; n < 4; ++n)
    pod.nodes.push_back({*NodeId::Parse("n" + std::to_string(n)), *ModelId::Parse("m"), 8});
  spec.sites.push_back(
      SiteSpec{.id = *SiteId::Parse("s"), .country = {}, .pods = {pod}, .prices = {}});
  const Topology topo = *Topology::Build(spec);
  Trace trace;
  trace.source = "burst";
  uint64_t x = 12345;
  auto next = [&x](uint64_t mod) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % mod;
  };
  for (int i = 0; i < 120; ++i) {
    static const int32_t kSizes[] = {1, 2, 4, 8, 16};
    trace.jobs.push_back(TraceJob{.id = "j" + std::to_string(i),
                                  .arrival = static_cast<Seconds>(next(48)) * kHour,
                                  .duration = static_cast<Seconds>(1 + next(12)) * kHour,
                                  .gpus = kSizes[next(5)],
                                  .gpu_types = {}});
  }
  std::stable_sort(trace.jobs.begin(), trace.jobs.end(),
                   [](const TraceJob& a, const TraceJob& b) { return a.arrival < b.arrival; });
  SimOptions options;
  options.window_slack = 0.5;
  const TraceRequests requests = MakeTraceRequests(trace, topo, options);
  Result<LpBound> bound = UpperBoundGpuHours(topo, requests.requests);
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_LT(bound->gpu_hours, bound->requested_gpu_hours);  // the burst cannot all fit
  for (const char* strategy : {"first-fit", "best-fit", "fragmentation-aware"}) {
    options.strategy = strategy;
    Result<SimReport> report = Simulate(topo, trace, options);
    ASSERT_TRUE(report.ok());
    EXPECT_LE(report->engine.placed_gpu_hours, bound->gpu_hours + 1e-6) << strategy;
    EXPECT_LE(report->baseline->placed_gpu_hours, bound->gpu_hours + 1e-6);
    EXPECT_GT(report->engine.placed_gpu_hours, 0.5 * bound->gpu_hours) << strategy;
  }
}

TEST(LpBound, CoarsensSlotsToFit) {
  const Topology topo = OneNode(8);
  std::vector<Request> jobs;
  for (int i = 0; i < 50; ++i) jobs.push_back(Job(1, i * kHour, 100 * kHour, 100 * kHour));
  LpBoundOptions options;
  options.method = LpBoundOptions::Method::kLp;
  options.max_nonzeros = 20'000;
  Result<LpBound> b = UpperBoundGpuHours(topo, jobs, options);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_GT(b->slot, 3600);
  EXPECT_LE(b->nonzeros, 20'000);
  // Each GPU runs two of the 100-hour jobs before their deadlines: 16 jobs, 1,600
  // GPU-hours; the bound may not be below that, nor above the 8 GPUs' 250 hours.
  EXPECT_GE(b->gpu_hours, 1600 - 1e-6);
  EXPECT_LE(b->gpu_hours, 2000 + 1e-6);
  options.max_slot = 3600;
  EXPECT_EQ(UpperBoundGpuHours(topo, jobs, options).status().code(),
            StatusCode::kResourceExhausted);
}

// The Lagrangian bound is an upper bound whatever its prices: never below the
// LP's optimum, and close to it after its subgradient steps.
TEST(LpBound, LagrangianBoundsTheLpFromAbove) {
  FleetSpec spec;
  spec.models = {ModelSpec{.id = *ModelId::Parse("m"), .vendor = "v", .tpp = 1, .memory_gb = 1}};
  for (int s = 0; s < 2; ++s) {
    PodSpec pod{.id = *PodId::Parse("p" + std::to_string(s)), .nodes = {}};
    for (int n = 0; n < 2 + s; ++n) {
      pod.nodes.push_back(
          {*NodeId::Parse("n" + std::to_string(s) + std::to_string(n)), *ModelId::Parse("m"), 8});
    }
    spec.sites.push_back(SiteSpec{
        .id = *SiteId::Parse("s" + std::to_string(s)), .country = {}, .pods = {pod}, .prices = {}});
  }
  const Topology topo = *Topology::Build(spec);
  uint64_t x = 777;
  auto next = [&x](uint64_t mod) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % mod;
  };
  for (int instance = 0; instance < 6; ++instance) {
    std::vector<Request> jobs;
    for (int i = 0; i < 150; ++i) {
      static const int32_t kSizes[] = {1, 2, 4, 8, 16};
      Request r =
          Job(kSizes[next(5)], static_cast<Seconds>(next(40 * kHour)),
              static_cast<Seconds>(1 + next(10 * kHour)), static_cast<Seconds>(next(8 * kHour)));
      r.scope = r.gpus > 8 ? Scope::kSite : Scope::kNode;
      if (i % 7 == 0) r.sites = {*SiteId::Parse("s1")};
      if (i % 7 == 0) r.only_listed_sites = true;
      jobs.push_back(std::move(r));
    }
    LpBoundOptions lp;
    lp.method = LpBoundOptions::Method::kLp;
    LpBoundOptions lagrangian;
    lagrangian.method = LpBoundOptions::Method::kLagrangian;
    Result<LpBound> exact = UpperBoundGpuHours(topo, jobs, lp);
    Result<LpBound> dual = UpperBoundGpuHours(topo, jobs, lagrangian);
    ASSERT_TRUE(exact.ok()) << exact.status();
    ASSERT_TRUE(dual.ok()) << dual.status();
    EXPECT_EQ(exact->method, "lp");
    EXPECT_EQ(dual->method, "lagrangian");
    EXPECT_EQ(exact->slot, dual->slot);
    EXPECT_GE(dual->gpu_hours, exact->gpu_hours - 1e-6 * exact->gpu_hours) << instance;
    EXPECT_LE(dual->gpu_hours, 1.03 * exact->gpu_hours) << instance;
    EXPECT_LT(exact->gpu_hours, exact->requested_gpu_hours) << instance;  // a real constraint
    // A single price step already gives a valid (looser) bound.
    lagrangian.lagrangian_iterations = 1;
    Result<LpBound> first = UpperBoundGpuHours(topo, jobs, lagrangian);
    ASSERT_TRUE(first.ok());
    EXPECT_GE(first->gpu_hours, dual->gpu_hours - 1e-9);
  }
}

// Without a method named, an instance too large for the simplex gets the
// Lagrangian bound at the requested slot width instead of coarser slots.
TEST(LpBound, LargeInstancesGetTheLagrangianBound) {
  const Topology topo = OneNode(8);
  std::vector<Request> jobs;
  for (int i = 0; i < 50; ++i) jobs.push_back(Job(1, i * kHour, 100 * kHour, 100 * kHour));
  LpBoundOptions options;
  options.max_nonzeros = 20'000;
  Result<LpBound> b = UpperBoundGpuHours(topo, jobs, options);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->method, "lagrangian");
  EXPECT_EQ(b->slot, 3600);
  EXPECT_GE(b->gpu_hours, 1600 - 1e-6);
  EXPECT_LE(b->gpu_hours, 2000 + 1e-6);
}

}  // namespace
}  // namespace straits::placement
