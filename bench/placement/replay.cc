// placement_replay: replays real GPU-cluster traces through the placement engine
// and the Slurm-like baseline, for docs/benchmarks.md. (The product's entry
// point is `straits sim`; this tool exists so the replay runs from this folder.)
//
//   placement_replay --fleet data/sim/elasticflow.toml
//       --trace ../shared/data/traces/microsoft-elasticflow-itp-2021/cluster*.csv
//       --format elasticflow --strategy best-fit --window-slack 1
//   placement_replay --openb-nodes .../openb_node_list_gpu_node.csv
//       --trace .../openb_pod_list_default.csv --format openb
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "catalog/shipped.h"
#include "fleet/fleet_file.h"
#include "placement/fleet_input.h"
#include "placement/lp_bound.h"
#include "placement/sim.h"
#include "placement/trace.h"

namespace {

using namespace straits;
using namespace straits::placement;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<Topology> LoadTopology(const std::string& fleet_path, const std::string& openb_nodes) {
  if (!openb_nodes.empty()) {
    STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(openb_nodes));
    STRAITS_ASSIGN_OR_RETURN(FleetSpec spec, LoadOpenbFleet(text, BaseName(openb_nodes)));
    return Topology::Build(spec);
  }
  STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(fleet_path));
  STRAITS_ASSIGN_OR_RETURN(fleet::Fleet fleet, fleet::ParseFleetToml(text, BaseName(fleet_path)));
  STRAITS_ASSIGN_OR_RETURN(catalog::Catalog catalog, catalog::LoadShippedCatalog());
  STRAITS_ASSIGN_OR_RETURN(FleetSpec spec, FleetSpecFromFleet(fleet, catalog));
  return Topology::Build(spec);
}

int Run(int argc, char** argv) {
  CLI::App app{"Replay GPU-cluster traces through the placement engine"};
  std::string fleet_path, openb_nodes, format_name = "elasticflow";
  std::vector<std::string> trace_paths;
  std::vector<std::string> strategies = {std::string(kDefaultProfile)};
  std::optional<double> slack;
  bool json = false, no_baseline = false, lp = false;
  std::string mode_name = "replay";
  auto* fleet_opt =
      app.add_option("--fleet", fleet_path, "fleet file (TOML, docs/fleet-format.md)");
  app.add_option("--openb-nodes", openb_nodes, "openb node list CSV as the fleet")
      ->excludes(fleet_opt);
  app.add_option("--trace", trace_paths, "trace file(s); several are merged")->required();
  app.add_option("--format", format_name, "elasticflow or openb");
  app.add_option("--strategy", strategies, "strategy (repeatable)");
  app.add_option("--window-slack", slack, "latest_end = arrival + duration x (1 + X)");
  app.add_option("--mode", mode_name, "replay (as it happened) or fill (FGD packing)");
  app.add_flag("--json", json, "one JSON report per strategy");
  app.add_flag("--no-baseline", no_baseline, "skip the Slurm-like baseline");
  app.add_flag("--lp-bound", lp, "compute the LP upper bound on accepted GPU-hours");
  CLI11_PARSE(app, argc, argv);

  Result<TraceFormat> format = ParseTraceFormat(format_name);
  if (!format.ok()) {
    std::cerr << format.status() << "\n";
    return 2;
  }
  Result<SimMode> mode = ParseSimMode(mode_name);
  if (!mode.ok()) {
    std::cerr << mode.status() << "\n";
    return 2;
  }
  Result<Topology> topo = LoadTopology(fleet_path, openb_nodes);
  if (!topo.ok()) {
    std::cerr << topo.status() << "\n";
    return 2;
  }
  std::vector<Trace> traces;
  for (const std::string& path : trace_paths) {
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) {
      std::cerr << text.status() << "\n";
      return 2;
    }
    Result<Trace> t = LoadTrace(*text, *format, BaseName(path));
    if (!t.ok()) {
      std::cerr << t.status() << "\n";
      return 2;
    }
    traces.push_back(std::move(t).value());
  }
  const Trace trace = MergeTraces(std::move(traces));
  std::optional<double> bound;
  if (lp) {
    SimOptions options;
    options.window_slack = slack;
    options.mode = *mode;
    const auto started = std::chrono::steady_clock::now();
    Result<LpBound> b =
        UpperBoundGpuHours(*topo, MakeTraceRequests(trace, *topo, options).requests);
    if (!b.ok()) {
      std::cerr << "LP bound: " << b.status() << "\n";
    } else {
      bound = b->gpu_hours;
      std::fprintf(
          stderr,
          "LP bound (%s%s): %.0f of %.0f GPU-hours requested (%lld pools, slot %lld s, %lld "
          "variables, %lld rows, %lld nonzeros) in %.1f s\n",
          b->method.c_str(),
          b->method == "lagrangian"
              ? (", " + std::to_string(b->iterations) + " subgradient steps").c_str()
              : "",
          b->gpu_hours, b->requested_gpu_hours, static_cast<long long>(b->pools),
          static_cast<long long>(b->slot), static_cast<long long>(b->variables),
          static_cast<long long>(b->constraints), static_cast<long long>(b->nonzeros),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  }
  bool baseline_done = no_baseline;
  for (const std::string& strategy : strategies) {
    SimOptions options;
    options.strategy = strategy;
    options.window_slack = slack;
    options.mode = *mode;
    options.run_baseline = !baseline_done;
    options.progress_every = 10000;
    options.progress = [](const SimProgress& p) {
      std::fprintf(stderr, "\r%-20s %7lld / %lld jobs, %lld placed, day %.1f   ",
                   std::string(p.run).c_str(), static_cast<long long>(p.done),
                   static_cast<long long>(p.total), static_cast<long long>(p.placed),
                   static_cast<double>(p.trace_time) / 86400.0);
      if (p.done == p.total) std::fprintf(stderr, "\n");
    };
    options.monotonic_seconds = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
    const double started = options.monotonic_seconds();
    Result<SimReport> report = Simulate(*topo, trace, options);
    const double wall = options.monotonic_seconds() - started;
    if (!report.ok()) {
      std::cerr << report.status() << "\n";
      return 2;
    }
    baseline_done = true;
    report->lp_bound_gpu_hours = bound;
    if (json) {
      std::cout << ReportJson(*report) << "\n";
    } else {
      std::cout << FormatReport(*report);
      std::printf("replay wall time        %.2f s (%zu jobs, %s)\n\n", wall, trace.jobs.size(),
                  report->baseline ? "engine + baseline" : "engine only");
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
