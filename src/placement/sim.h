// Trace replay: turns a trace's jobs into lease requests (arrival -> earliest
// start, run time -> duration, GPUs -> gpus, GPU types -> acceptable models) and
// replays them against a fleet, once through the placement engine and once through
// a Slurm-like baseline, then reports both side by side.
//
//   Result<Trace> trace = LoadTrace(text, TraceFormat::kElasticFlow, "cluster04.csv");
//   SimOptions options;
//   options.strategy = "best-fit";
//   options.window_slack = 1.0;          // latest_end = arrival + 2 x duration
//   options.progress = [](const SimProgress& p) { ... };   // e.g. to stderr
//   options.monotonic_seconds = [] { ... };                // for decisions/s
//   Result<SimReport> report = Simulate(topology, *trace, options);
//   std::cout << FormatReport(*report);
//
// Engine replay: requests arrive in order; each is placed at once (an advance
// reservation at the earliest start the strategy picks inside its window) or
// rejected when no start fits the window. Leases run for exactly their duration.
//
// Baseline, "slurm-easy": FCFS with EASY backfill, as Slurm's sched/backfill with
// exact run-time estimates: jobs start in arrival order when they fit now; when
// the head of the queue does not fit, it gets a reservation at its earliest start
// and later jobs may start now only if they leave that reservation intact (at
// most `backfill_depth` jobs are tried per pass, like bf_max_job_test). Jobs
// whose latest start passes while queued are rejected. Nodes are chosen first-fit.
//
// Metrics: acceptance (placed / jobs), utilization (placed GPU-time over fleet
// GPUs x the span from the first arrival to the last end; in fill mode, the
// share of GPUs allocated), mean and p95 wait (start - arrival), fragmentation
// (mean over hourly samples of the fraction of free GPUs that are fragmented
// for the workload mix, FGD; in fill mode, once at the end), decisions per second.
//
// The simulator is pure: no clock (the caller may inject `monotonic_seconds`),
// no I/O (progress goes to a callback). The LP bound lives in placement/lp_bound.h
// (separate library); callers attach it to the report.
//
// Thread-safety: Simulate is reentrant.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "placement/engine.h"
#include "placement/fragmentation.h"
#include "placement/profile.h"
#include "placement/request.h"
#include "placement/topology.h"
#include "placement/trace.h"

namespace straits::placement {

struct SimProgress {
  std::string_view run;  // strategy name or "slurm-easy"
  int64_t done = 0;
  int64_t total = 0;
  int64_t placed = 0;
  Seconds trace_time = 0;  // seconds from the start of the trace
};

enum class SimMode {
  // Arrival -> earliest start, run time -> duration: the trace as it happened.
  kReplay,
  // FGD's packing experiment (USENIX ATC '23, section 6): every job arrives at
  // once, in trace order, must start immediately and never leaves (a lease of
  // `fill_duration`); what counts is how many GPUs get allocated before
  // fragmentation stops the rest. Suits traces like openb whose real load is
  // light (under 1 % of its cluster over time).
  kFill,
};
Result<SimMode> ParseSimMode(std::string_view name);  // "replay" or "fill"

struct SimOptions {
  std::string strategy = std::string(kDefaultProfile);
  SimMode mode = SimMode::kReplay;
  Duration fill_duration = Duration::Days(30);
  // Deadline slack: latest_end = arrival + duration * (1 + slack). None: no
  // deadline, every job that fits the fleet is eventually placed.
  std::optional<double> window_slack;
  // Scope of jobs larger than the fleet's largest node (smaller jobs: node).
  Scope multi_node_scope = Scope::kPod;
  // Trace time 0 is this instant.
  Instant epoch = Instant::FromUnixSeconds(1'614'816'000);  // 2021-03-04, ElasticFlow's start
  bool run_baseline = true;
  int32_t backfill_depth = 100;
  // DecideOptions::max_tied_candidates for the engine's decisions (0: all).
  int32_t max_tied_candidates = DecideOptions{}.max_tied_candidates;
  // Progress callback, every `progress_every` jobs and at the end of each run.
  std::function<void(const SimProgress&)> progress;
  int64_t progress_every = 5000;
  // Monotonic seconds, to measure time spent deciding; without it decisions/s is 0.
  std::function<double()> monotonic_seconds;
};

struct SimMetrics {
  std::string name;
  int64_t jobs = 0;
  int64_t placed = 0;
  int64_t rejected = 0;     // no start inside the window (or never, for the baseline)
  int64_t unplaceable = 0;  // no model of the fleet, or larger than any node/pod
  double requested_gpu_hours = 0;
  double placed_gpu_hours = 0;
  double acceptance = 0;   // placed / jobs
  double utilization = 0;  // placed GPU-time / (fleet GPUs x span)
  double mean_wait_s = 0;
  double p95_wait_s = 0;
  double fragmentation = 0;  // mean fraction of free GPUs that are fragmented
  int64_t decisions = 0;
  double decision_seconds = 0;
  double decisions_per_second = 0;
  Seconds first_arrival = 0;
  Seconds last_end = 0;
};

struct SimReport {
  std::string trace;
  SimMode mode = SimMode::kReplay;
  int64_t fleet_gpus = 0;
  std::optional<double> window_slack;
  int32_t max_tied_candidates = 0;  // as in SimOptions
  std::string mix;                  // the workload mix used for fragmentation
  SimMetrics engine;
  std::optional<SimMetrics> baseline;
  // Upper bound on acceptable GPU-hours (placement/lp_bound.h), if computed.
  std::optional<double> lp_bound_gpu_hours;
};

// The lease requests for `trace` on `topology` (one per job, in trace order);
// `placeable[i]` is false when no fleet model matches job i's GPU types or the
// job is larger than any node (node scope) / pod / site.
struct TraceRequests {
  std::vector<Request> requests;
  std::vector<bool> placeable;
};
TraceRequests MakeTraceRequests(const Trace& trace, const Topology& topology,
                                const SimOptions& options);

// Replays `trace`. invalid_argument for an unknown strategy or a negative slack.
Result<SimReport> Simulate(const Topology& topology, const Trace& trace, const SimOptions& options);

// Both runs side by side, one metric per line.
std::string FormatReport(const SimReport& report);
// The report as a JSON object.
std::string ReportJson(const SimReport& report);

}  // namespace straits::placement
