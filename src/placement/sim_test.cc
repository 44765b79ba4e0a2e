#include "placement/sim.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace straits::placement {
namespace {

// One site, one pod of two 8-GPU nodes.
Topology TinyFleet() {
  FleetSpec spec;
  spec.models = {
      ModelSpec{.id = *ModelId::Parse("h100-sxm"), .vendor = "nvidia", .tpp = 1, .memory_gb = 80}};
  SiteSpec site{.id = *SiteId::Parse("s"), .country = {}, .pods = {}, .prices = {}};
  PodSpec pod{.id = *PodId::Parse("p"), .nodes = {}};
  for (const char* n : {"n0", "n1"}) {
    pod.nodes.push_back({*NodeId::Parse(n), *ModelId::Parse("h100-sxm"), 8});
  }
  site.pods.push_back(pod);
  spec.sites.push_back(site);
  return *Topology::Build(spec);
}

Trace MakeTrace(std::vector<TraceJob> jobs) {
  Trace t;
  t.source = "synthetic";
  t.jobs = std::move(jobs);
  return t;
}

TEST(Simulate, ReplaysAndComparesWithBaseline) {
  const Topology topo = TinyFleet();
  // Job 0 fills n0 for 100 s; job 1 (16 GPUs) must wait for it; job 2 (8 GPUs,
  // 50 s) fits n1 at once only if it does not push job 1 back.
  const Trace trace = MakeTrace({{"j0", 0, 100, 8, {}},
                                 {"j1", 10, 100, 16, {}},
                                 {"j2", 20, 50, 8, {}},
                                 {"j3", 30, 10, 32, {}}});
  SimOptions options;
  options.strategy = "first-fit";
  int progress_calls = 0;
  options.progress = [&](const SimProgress& p) {
    ++progress_calls;
    EXPECT_LE(p.done, p.total);
  };
  Result<SimReport> report = Simulate(topo, trace, options);
  ASSERT_TRUE(report.ok()) << report.status();
  const SimMetrics& e = report->engine;
  EXPECT_EQ(e.jobs, 4);
  EXPECT_EQ(e.placed, 3);
  EXPECT_EQ(e.unplaceable, 1);  // 32 GPUs: bigger than the pod
  // j1 starts at 100 (wait 90); j2 backfills at 20 on n1 (ends 70 < 100).
  EXPECT_DOUBLE_EQ(e.mean_wait_s, 30.0);
  EXPECT_DOUBLE_EQ(e.p95_wait_s, 90.0);
  // GPU-time 800 + 1600 + 400 = 2800 over 16 GPUs x (200 - 0).
  EXPECT_DOUBLE_EQ(e.utilization, 2800.0 / (16.0 * 200.0));
  ASSERT_TRUE(report->baseline.has_value());
  const SimMetrics& b = *report->baseline;
  EXPECT_EQ(b.name, "slurm-easy");
  EXPECT_EQ(b.placed, 3);
  EXPECT_DOUBLE_EQ(b.mean_wait_s, 30.0);  // EASY backfills j2 the same way
  EXPECT_GT(progress_calls, 0);
  const std::string text = FormatReport(*report);
  EXPECT_NE(text.find("slurm-easy"), std::string::npos);
  EXPECT_NE(text.find("mean wait"), std::string::npos);
  EXPECT_NE(ReportJson(*report).find("\"baseline\":{\"name\":\"slurm-easy\""), std::string::npos);
}

TEST(Simulate, DeadlinesRejectLateJobs) {
  const Topology topo = TinyFleet();
  const Trace trace = MakeTrace({{"j0", 0, 100, 16, {}}, {"j1", 10, 100, 16, {}}});
  SimOptions options;
  options.window_slack = 0.5;  // j1 must start by 60, the fleet is full until 100
  Result<SimReport> report = Simulate(topo, trace, options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->engine.placed, 1);
  EXPECT_EQ(report->engine.rejected, 1);
  EXPECT_DOUBLE_EQ(report->engine.acceptance, 0.5);
  EXPECT_EQ(report->baseline->rejected, 1);
  options.window_slack = 1.0;  // by 110: fits at 100
  report = Simulate(topo, trace, options);
  EXPECT_EQ(report->engine.placed, 2);
  EXPECT_EQ(report->baseline->placed, 2);
  options.window_slack = -1;
  EXPECT_EQ(Simulate(topo, trace, options).status().code(), StatusCode::kInvalidArgument);
  options.window_slack = {};
  options.max_tied_candidates = -1;
  EXPECT_EQ(Simulate(topo, trace, options).status().field(), "max_tied_candidates");
  options.max_tied_candidates = 2;
  report = Simulate(topo, trace, options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->max_tied_candidates, 2);
  EXPECT_NE(ReportJson(*report).find("\"max_tied_candidates\":2,"), std::string::npos);
  EXPECT_NE(FormatReport(*report).find("up to 2 candidates tied"), std::string::npos);
  options.max_tied_candidates = 0;
  report = Simulate(topo, trace, options);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(FormatReport(*report).find("every tied candidate compared"), std::string::npos);
  options.strategy = "random";
  EXPECT_EQ(Simulate(topo, trace, options).status().field(), "strategy");
}

TEST(Simulate, FillModePacksUntilFull) {
  const Topology topo = TinyFleet();
  // 6 + 6 fill most of both nodes; the 4-GPU job finds no node with 4 free; the
  // 2-GPU jobs fill the rest.
  const Trace trace = MakeTrace({{"a", 0, 10, 6, {}},
                                 {"b", 50, 10, 6, {}},
                                 {"c", 60, 10, 4, {}},
                                 {"d", 70, 10, 2, {}},
                                 {"e", 80, 10, 2, {}},
                                 {"f", 90, 10, 1, {}}});
  SimOptions options;
  options.mode = SimMode::kFill;
  options.strategy = "best-fit";
  Result<SimReport> report = Simulate(topo, trace, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->engine.placed, 4);
  EXPECT_EQ(report->engine.rejected, 2);
  EXPECT_DOUBLE_EQ(report->engine.utilization, 1.0);
  EXPECT_DOUBLE_EQ(report->engine.mean_wait_s, 0.0);
  EXPECT_EQ(report->baseline->placed, 4);
  EXPECT_NE(FormatReport(*report).find("fill"), std::string::npos);
  EXPECT_EQ(ParseSimMode("fill").value(), SimMode::kFill);
  EXPECT_EQ(ParseSimMode("pack").status().field(), "mode");
}

// EASY backfill must not delay the head of the queue; the engine's advance
// reservations can place a later small job before an earlier big one.
TEST(Simulate, BaselineNeverDelaysTheHead) {
  const Topology topo = TinyFleet();
  // j0 holds 12 GPUs until 100. j1 (16) is the head from 10 on and will start
  // at 100. j2 (4 GPUs for 200 s) fits now but would push j1 back: not
  // backfilled, it runs after j1.
  const Trace trace =
      MakeTrace({{"j0", 0, 100, 12, {}}, {"j1", 10, 100, 16, {}}, {"j2", 20, 200, 4, {}}});
  SimOptions options;
  options.strategy = "first-fit";
  Result<SimReport> report = Simulate(topo, trace, options);
  ASSERT_TRUE(report.ok());
  // Baseline: j1 at 100 (wait 90), j2 at 200 (wait 180).
  EXPECT_DOUBLE_EQ(report->baseline->mean_wait_s, (0 + 90 + 180) / 3.0);
  EXPECT_DOUBLE_EQ(report->engine.mean_wait_s, (0 + 90 + 180) / 3.0);
}

std::string ReadShared(const std::string& relative) {
  const char* root = std::getenv("STRAITS_SOURCE_DIR");
  if (root == nullptr) return {};
  std::ifstream in(std::string(root) + "/../shared/data/traces/" + relative);
  if (!in) return {};
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The smallest real ElasticFlow cluster, on a 64-GPU fleet.
TEST(SimulateRealTrace, ElasticFlowCluster10) {
  const std::string text = ReadShared("microsoft-elasticflow-itp-2021/cluster10.csv");
  if (text.empty()) GTEST_SKIP() << "trace not available";
  Result<Trace> trace = LoadTrace(text, TraceFormat::kElasticFlow, "cluster10.csv");
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_EQ(trace->jobs.size(), 260u);
  FleetSpec spec;
  spec.models = {
      ModelSpec{.id = *ModelId::Parse("v100"), .vendor = "nvidia", .tpp = 1, .memory_gb = 32}};
  SiteSpec site{.id = *SiteId::Parse("itp"), .country = {}, .pods = {}, .prices = {}};
  PodSpec pod{.id = *PodId::Parse("itp-p0"), .nodes = {}};
  for (int n = 0; n < 8; ++n) {
    pod.nodes.push_back({*NodeId::Parse("n" + std::to_string(n)), *ModelId::Parse("v100"), 8});
  }
  site.pods.push_back(pod);
  spec.sites.push_back(site);
  const Topology topo = *Topology::Build(spec);
  for (const char* strategy : {"first-fit", "best-fit", "fragmentation-aware"}) {
    SimOptions options;
    options.strategy = strategy;
    Result<SimReport> report = Simulate(topo, *trace, options);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->engine.placed, 260) << strategy;
    EXPECT_EQ(report->baseline->placed, 260);
    EXPECT_GT(report->engine.utilization, 0.0);
    EXPECT_LE(report->engine.utilization, 1.0);
    EXPECT_NEAR(report->engine.placed_gpu_hours, report->baseline->placed_gpu_hours, 1e-6);
  }
}

TEST(SimulateRealTrace, OpenbDefaultOnItsOwnCluster) {
  const std::string nodes = ReadShared("alibaba-gpu-v2023-openb/openb_node_list_gpu_node.csv");
  const std::string pods = ReadShared("alibaba-gpu-v2023-openb/openb_pod_list_gpuspec33.csv");
  if (nodes.empty() || pods.empty()) GTEST_SKIP() << "trace not available";
  Result<FleetSpec> fleet = LoadOpenbFleet(nodes, "openb_node_list_gpu_node.csv");
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  const Topology topo = *Topology::Build(*fleet);
  EXPECT_EQ(topo.total_gpus(), 6212);
  Result<Trace> trace = LoadTrace(pods, TraceFormat::kOpenB, "openb_pod_list_gpuspec33.csv");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->jobs.size() + static_cast<size_t>(trace->skipped_without_gpu) +
                static_cast<size_t>(trace->skipped_zero_duration),
            8152u);
  SimOptions options;
  options.window_slack = 1.0;
  options.run_baseline = false;
  Result<SimReport> report = Simulate(topo, *trace, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->engine.acceptance, 0.9);
  EXPECT_EQ(report->engine.unplaceable, 0);
}

}  // namespace
}  // namespace straits::placement
