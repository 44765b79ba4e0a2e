// `straits sim` and `straits place`: the placement engine run against a fleet
// file, without a database. `sim` replays a GPU-cluster trace as lease requests
// (docs/placement.md); `place` answers one-off what-ifs for request files.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>

#include "catalog/shipped.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "fleet/fleet_file.h"
#include "placement/engine.h"
#include "placement/fleet_input.h"
#include "placement/json.h"
#include "placement/lp_bound.h"
#include "placement/sim.h"
#include "placement/trace.h"

namespace straits::cli {
namespace {

namespace json = boost::json;
using namespace straits::placement;

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A fleet file (TOML, docs/fleet-format.md) or, for the openb trace whose GPU
// types are not in the accelerator catalog, its node list CSV (one site "openb").
Result<Topology> LoadFleetTopology(const std::string& path) {
  STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  if (EndsWith(path, ".csv")) {
    STRAITS_ASSIGN_OR_RETURN(FleetSpec spec, LoadOpenbFleet(text, BaseName(path)));
    return Topology::Build(spec);
  }
  STRAITS_ASSIGN_OR_RETURN(fleet::Fleet fleet, fleet::ParseFleetToml(text, BaseName(path)));
  STRAITS_ASSIGN_OR_RETURN(catalog::Catalog catalog, catalog::LoadShippedCatalog());
  STRAITS_ASSIGN_OR_RETURN(FleetSpec spec, FleetSpecFromFleet(fleet, catalog));
  return Topology::Build(spec);
}

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct SimFlags {
  std::string fleet;
  std::vector<std::string> traces;
  std::string format;
  std::string strategy = std::string(kDefaultProfile);
  std::optional<double> window_slack;
  std::string mode = "replay";
  int32_t max_tied = DecideOptions{}.max_tied_candidates;
  bool no_baseline = false;
  bool no_bound = false;
  bool json = false;
};

// The help text of --max-tied, shared by sim and place.
std::string MaxTiedHelp() {
  return "Once this many candidates start when the window opens, sites that could only tie "
         "with them are not compared (default " +
         std::to_string(DecideOptions{}.max_tied_candidates) +
         ", as for leases; 0 compares every site)";
}

Status CheckMaxTied(int32_t max_tied) {
  if (max_tied < 0) return InvalidArgument("must be a number >= 0", "--max-tied");
  return Status::Ok();
}

// Progress on stderr: one line rewritten in place on a terminal, plain lines
// otherwise (logs, CI).
void ReportProgress(const SimProgress& p) {
  static const bool tty = isatty(STDERR_FILENO) == 1;
  std::fprintf(stderr, "%s%-20s %7lld / %lld jobs, %lld placed, trace day %.1f%s", tty ? "\r" : "",
               std::string(p.run).c_str(), static_cast<long long>(p.done),
               static_cast<long long>(p.total), static_cast<long long>(p.placed),
               static_cast<double>(p.trace_time) / 86400.0, tty && p.done < p.total ? "   " : "\n");
  std::fflush(stderr);
}

Status Sim(const SimFlags& f) {
  Result<TraceFormat> format = ParseTraceFormat(f.format);
  if (!format.ok()) return Status(format.status().code(), format.status().message(), "--format");
  Result<SimMode> mode = ParseSimMode(f.mode);
  if (!mode.ok()) return Status(mode.status().code(), mode.status().message(), "--mode");
  if (f.window_slack && !(*f.window_slack >= 0)) {
    return InvalidArgument("must be a number >= 0", "--window-slack");
  }
  if (Result<Profile> p = MakeProfile(f.strategy); !p.ok()) {
    return Status(p.status().code(), p.status().message(), "--strategy");
  }
  STRAITS_RETURN_IF_ERROR(CheckMaxTied(f.max_tied));
  STRAITS_ASSIGN_OR_RETURN(Topology topology, LoadFleetTopology(f.fleet));
  std::vector<Trace> traces;
  for (const std::string& path : f.traces) {
    STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    STRAITS_ASSIGN_OR_RETURN(Trace trace, LoadTrace(text, *format, BaseName(path)));
    traces.push_back(std::move(trace));
  }
  const Trace trace = MergeTraces(std::move(traces));
  std::fprintf(stderr, "%zu jobs from %s on %lld GPUs\n", trace.jobs.size(), trace.source.c_str(),
               static_cast<long long>(topology.total_gpus()));

  SimOptions options;
  options.strategy = f.strategy;
  options.window_slack = f.window_slack;
  options.mode = *mode;
  options.run_baseline = !f.no_baseline;
  options.max_tied_candidates = f.max_tied;
  options.progress_every = 10000;
  options.progress = ReportProgress;
  options.monotonic_seconds = MonotonicSeconds;

  std::optional<LpBound> bound;
  if (!f.no_bound) {
    // Large traces with deadlines make LPs of millions of nonzeros: say why it waits.
    std::fprintf(stderr, "LP bound: solving (--no-bound skips it)\n");
    const double started = MonotonicSeconds();
    Result<LpBound> b =
        UpperBoundGpuHours(topology, MakeTraceRequests(trace, topology, options).requests);
    if (b.ok()) {
      bound = *b;
      std::fprintf(stderr,
                   "LP bound (%s): %.0f of %.0f GPU-hours requested (slot %lld s) in %.1f s\n",
                   b->method.c_str(), b->gpu_hours, b->requested_gpu_hours,
                   static_cast<long long>(b->slot), MonotonicSeconds() - started);
    } else {
      // Too large an instance is not a failure of the replay: say so and go on.
      std::fprintf(stderr, "LP bound not computed: %s\n", b.status().message().c_str());
    }
  }
  const double started = MonotonicSeconds();
  STRAITS_ASSIGN_OR_RETURN(SimReport report, Simulate(topology, trace, options));
  const double wall = MonotonicSeconds() - started;
  if (bound) report.lp_bound_gpu_hours = bound->gpu_hours;
  if (f.json) {
    std::printf("%s\n", ReportJson(report).c_str());
  } else {
    std::printf("%s", FormatReport(report).c_str());
    std::printf("replay time             %.2f s (%zu jobs, %s)\n", wall, trace.jobs.size(),
                report.baseline ? "engine and baseline" : "engine only");
  }
  return Status::Ok();
}

struct PlaceFlags {
  std::string fleet;
  std::string request;
  std::string strategy = std::string(kDefaultProfile);
  int32_t max_tied = DecideOptions{}.max_tied_candidates;
  bool json = false;
};

// The request file holds one request object, or an array of them placed in
// order, each seeing the GPUs the ones before it took.
Result<std::vector<Request>> LoadRequests(const std::string& path, bool* is_array) {
  STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_array()) {
    // ParseRequestJson reports syntax errors as FILE:LINE:COL.
    *is_array = false;
    STRAITS_ASSIGN_OR_RETURN(Request request, ParseRequestJson(text, BaseName(path)));
    return std::vector<Request>{std::move(request)};
  }
  *is_array = true;
  std::vector<Request> requests;
  for (size_t i = 0; i < doc.as_array().size(); ++i) {
    Result<Request> r = RequestFromJson(doc.as_array()[i]);
    if (!r.ok()) {
      const std::string field = r.status().field();
      return Status(r.status().code(), r.status().message(),
                    "[" + std::to_string(i) + "]" + (field.empty() ? "" : "." + field));
    }
    requests.push_back(std::move(r).value());
  }
  if (requests.empty()) return InvalidArgument("no requests in " + path, "--request");
  return requests;
}

Status Place(const PlaceFlags& f) {
  Result<Profile> profile = MakeProfile(f.strategy);
  if (!profile.ok()) {
    return Status(profile.status().code(), profile.status().message(), "--strategy");
  }
  STRAITS_RETURN_IF_ERROR(CheckMaxTied(f.max_tied));
  STRAITS_ASSIGN_OR_RETURN(Topology topology, LoadFleetTopology(f.fleet));
  bool is_array = false;
  STRAITS_ASSIGN_OR_RETURN(std::vector<Request> requests, LoadRequests(f.request, &is_array));
  Calendar calendar(topology);
  Engine engine(topology, std::move(profile).value());
  json::array decisions;
  std::string text;
  for (size_t i = 0; i < requests.size(); ++i) {
    DecideOptions options;
    options.max_tied_candidates = f.max_tied;
    Result<Decision> d = engine.Decide(requests[i], calendar, options);
    if (!d.ok()) {
      const std::string field = d.status().field();
      return Status(
          d.status().code(), d.status().message(),
          is_array ? "[" + std::to_string(i) + "]" + (field.empty() ? "" : "." + field) : field);
    }
    if (d->placed()) {
      STRAITS_RETURN_IF_ERROR(
          engine.Reserve(static_cast<ReservationId>(i + 1), *d->placement, calendar));
    }
    json::object o = DecisionToJson(*d, topology);
    if (!requests[i].id.empty()) o["id"] = requests[i].id;
    decisions.push_back(std::move(o));
    if (is_array) {
      text += (requests[i].id.empty() ? "request " + std::to_string(i) : requests[i].id) + ": ";
    }
    text += FormatDecision(*d, topology);
  }
  if (f.json) {
    std::printf(
        "%s\n",
        json::serialize(is_array ? json::value(std::move(decisions)) : decisions[0]).c_str());
  } else {
    std::printf("%s", text.c_str());
  }
  return Status::Ok();
}

std::string StrategyList() {
  std::string out;
  for (const std::string& name : ProfileNames()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

void RegisterPlacementCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  (void)options;  // both commands work on files, not on the database
  auto s = std::make_shared<SimFlags>();
  CLI::App* sim = app.add_subcommand(
      "sim",
      "Replay a GPU-cluster trace as lease requests through the placement engine and a "
      "Slurm-like baseline (FCFS + EASY backfill); utilization, waits, acceptance, "
      "fragmentation, decisions/s and the LP bound, side by side");
  sim->add_option("--fleet", s->fleet,
                  "Fleet file (TOML), or the openb node list CSV for the openb trace")
      ->required();
  sim->add_option("--trace", s->traces, "Trace file (repeatable: several share one time axis)")
      ->required();
  sim->add_option("--format", s->format, "elasticflow or openb")->required();
  sim->add_option("--strategy", s->strategy,
                  "One of: " + StrategyList() + " (default " + std::string(kDefaultProfile) + ")");
  sim->add_option("--window-slack", s->window_slack,
                  "Deadlines: latest_end = arrival + duration x (1 + X); default none");
  sim->add_option("--mode", s->mode, "replay (as it happened, default) or fill (FGD packing)");
  sim->add_option("--max-tied", s->max_tied, MaxTiedHelp());
  sim->add_flag("--no-baseline", s->no_baseline, "Skip the Slurm-like baseline");
  sim->add_flag("--no-bound", s->no_bound, "Skip the LP upper bound");
  sim->add_flag("--json", s->json, "Machine-readable JSON");
  sim->callback([&exit_code, s] {
    Status st = Sim(*s);
    exit_code = st.ok() ? kExitOk : ReportError(st);
  });

  auto p = std::make_shared<PlaceFlags>();
  CLI::App* place = app.add_subcommand(
      "place",
      "Where and when a lease request would run on a fleet file, or why not, site by site");
  place->add_option("--fleet", p->fleet, "Fleet file (TOML), or an openb node list CSV")
      ->required();
  place
      ->add_option("--request", p->request,
                   "Request JSON (docs/placement.md); an array is placed in order")
      ->required();
  place->add_option("--strategy", p->strategy, "One of: " + StrategyList());
  place->add_option("--max-tied", p->max_tied, MaxTiedHelp());
  place->add_flag("--json", p->json, "Machine-readable JSON");
  place->callback([&exit_code, p] {
    Status st = Place(*p);
    exit_code = st.ok() ? kExitOk : ReportError(st);
  });
}

}  // namespace straits::cli
