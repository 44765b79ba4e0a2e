// Placement micro- and macro-benchmarks (docs/benchmarks.md, ## Placement).
//
// Scale: 100,000 GPUs (12,500 nodes x 8, 400 pods, 20 sites), a calendar
// pre-filled with a year of placements, lease requests of 8 to 1,024 GPUs with
// flexible windows; p50/p99 latency of one decision and decisions per second on
// one core, both in wall-clock time and in the thread's CPU time (what the
// decision costs, without the waits for a core on a busy machine).
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "placement/engine.h"
#include "scale_fleet.h"

namespace straits::placement::bench {
namespace {

constexpr int64_t kFill = 1'000'000;

struct World {
  Topology topology;
  Calendar calendar;
  FillStats fill;
};

const World& ScaleWorld() {
  static const World* world = [] {
    auto topo = Topology::Build(ScaleFleet());
    auto* w = new World{std::move(topo).value(), Calendar(std::vector<int32_t>{}), {}};
    w->calendar = Calendar(w->topology);
    w->fill = FillYear(w->topology, w->calendar, kFill, 42);
    size_t points = 0;
    for (NodeIndex n = 0; n < w->topology.num_nodes(); ++n) points += w->calendar.Points(n).size();
    std::fprintf(stderr,
                 "scale fleet: %d nodes, %lld GPUs; calendar: %lld placements, %.0f GPU-hours "
                 "(%.1f %% of the year), %zu change points, filled in %.1f s\n",
                 w->topology.num_nodes(), static_cast<long long>(w->topology.total_gpus()),
                 static_cast<long long>(w->fill.placements), w->fill.gpu_hours,
                 100.0 * w->fill.gpu_hours / (static_cast<double>(w->topology.total_gpus()) * 8760),
                 points, w->fill.seconds);
    return w;
  }();
  return *world;
}

// CPU time of this thread: on a shared machine, wall-clock latencies include
// time the thread spent waiting for a core, which is not the engine's cost.
double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double Percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

// One decision per iteration over a fixed request stream; reports p50/p99.
void BM_Decide(benchmark::State& state, const char* profile, int32_t only_gpus) {
  const World& world = ScaleWorld();
  Engine engine(world.topology, MakeProfile(profile).value());
  std::vector<Request> requests = RequestStream(world.topology, 2000, 7);
  if (only_gpus > 0) {
    for (Request& r : requests) {
      r.gpus = only_gpus;
      r.scope = only_gpus <= 8 ? Scope::kNode : only_gpus <= 256 ? Scope::kPod : Scope::kSite;
    }
  }
  std::vector<CompiledRequest> compiled;
  for (const Request& r : requests) compiled.push_back(CompileRequest(r, world.topology).value());
  std::vector<double> latencies, cpu_latencies;
  latencies.reserve(static_cast<size_t>(state.max_iterations));
  cpu_latencies.reserve(static_cast<size_t>(state.max_iterations));
  size_t i = 0;
  int64_t placed = 0;
  const DecideOptions options{.now = {}, .explain = false, .reasons = false};
  // STRAITS_BENCH_DECISIONS=FILE writes one CSV line per decision, to see
  // which requests make the tail.
  const char* dump_path = std::getenv("STRAITS_BENCH_DECISIONS");
  FILE* dump = dump_path != nullptr ? std::fopen(dump_path, "w") : nullptr;
  if (dump != nullptr) std::fprintf(dump, "gpus,scope,duration_h,slack_h,placed,cpu_us\n");
  for (auto _ : state) {
    const double c0 = ThreadCpuMicros();
    const auto t0 = std::chrono::steady_clock::now();
    Decision d = engine.Decide(compiled[i], world.calendar, options);
    const auto t1 = std::chrono::steady_clock::now();
    cpu_latencies.push_back(ThreadCpuMicros() - c0);
    latencies.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    placed += d.placed() ? 1 : 0;
    if (dump != nullptr) {
      const Request& r = requests[i];
      std::fprintf(
          dump, "%d,%s,%.1f,%.1f,%d,%.1f\n", static_cast<int>(r.gpus),
          std::string(ScopeName(r.scope)).c_str(),
          static_cast<double>(compiled[i].duration) / 3600.0,
          static_cast<double>(compiled[i].latest_start - compiled[i].earliest_start) / 3600.0,
          d.placed() ? 1 : 0, cpu_latencies.back());
    }
    benchmark::DoNotOptimize(d);
    i = (i + 1) % compiled.size();
  }
  if (dump != nullptr) std::fclose(dump);
  double total = 0, cpu_total = 0;
  for (double l : latencies) total += l;
  for (double l : cpu_latencies) cpu_total += l;
  state.counters["placed_%"] =
      100.0 * static_cast<double>(placed) / static_cast<double>(latencies.size());
  state.counters["decisions_per_s"] = 1e6 * static_cast<double>(latencies.size()) / total;
  state.counters["p50_us"] = Percentile(latencies, 0.50);
  state.counters["p99_us"] = Percentile(latencies, 0.99);
  state.counters["cpu_decisions_per_s"] =
      1e6 * static_cast<double>(cpu_latencies.size()) / cpu_total;
  state.counters["cpu_p50_us"] = Percentile(cpu_latencies, 0.50);
  state.counters["cpu_p99_us"] = Percentile(cpu_latencies, 0.99);
}
BENCHMARK_CAPTURE(BM_Decide, mixed_fragmentation_aware, "fragmentation-aware", 0)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(4000);
BENCHMARK_CAPTURE(BM_Decide, mixed_best_fit, "best-fit", 0)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(4000);
BENCHMARK_CAPTURE(BM_Decide, mixed_first_fit, "first-fit", 0)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(4000);
BENCHMARK_CAPTURE(BM_Decide, gpus_8, "fragmentation-aware", 8)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(2000);
BENCHMARK_CAPTURE(BM_Decide, gpus_64, "fragmentation-aware", 64)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(2000);
BENCHMARK_CAPTURE(BM_Decide, gpus_256, "fragmentation-aware", 256)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(2000);
BENCHMARK_CAPTURE(BM_Decide, gpus_1024, "fragmentation-aware", 1024)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(2000);

}  // namespace
}  // namespace straits::placement::bench

BENCHMARK_MAIN();
