#include "placement/sim.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <queue>

#include "placement/engine.h"

namespace straits::placement {
namespace {

// A replay needs only the placement: no explanations, no reasons per site.
DecideOptions ReplayDecideOptions(const SimOptions& options) {
  return DecideOptions{.now = {},
                       .explain = false,
                       .reasons = false,
                       .in_preference_order = false,
                       .max_tied_candidates = options.max_tied_candidates};
}

// Calendar history older than this behind the current time is dropped.
constexpr Seconds kForgetEvery = 6 * 3600;
constexpr Seconds kFragmentationSampleEvery = 3600;

// Times the decisions, if the caller gave a clock.
class DecisionTimer {
 public:
  explicit DecisionTimer(const std::function<double()>& clock) : clock_(clock) {}
  double Start() const { return clock_ ? clock_() : 0; }
  void Stop(double started, SimMetrics& m) const {
    ++m.decisions;
    if (clock_) m.decision_seconds += clock_() - started;
  }

 private:
  const std::function<double()>& clock_;
};

// Mean of the fragmentation rate sampled over the replay (FGD, fragmentation.h).
class FragmentationSampler {
 public:
  FragmentationSampler(const Topology& topology, const WorkloadMix& mix)
      : topology_(topology), mix_(mix) {}

  void MaybeSample(const Calendar& calendar, Seconds t) {
    if (t < next_) return;
    next_ = t + kFragmentationSampleEvery;
    Sample(calendar, t);
  }
  void Sample(const Calendar& calendar, Seconds t) {
    double fragmented = 0;
    int64_t free = 0;
    for (NodeIndex n = 0; n < topology_.num_nodes(); ++n) {
      const int32_t cap = calendar.capacity(n);
      const int32_t f = cap - calendar.UsedAt(n, t);
      fragmented += mix_.Fragmented(f, cap);
      free += f;
    }
    if (free > 0) {
      sum_ += fragmented / static_cast<double>(free);
      ++samples_;
    }
  }
  double Mean() const { return samples_ == 0 ? 0 : sum_ / static_cast<double>(samples_); }

 private:
  const Topology& topology_;
  const WorkloadMix& mix_;
  Seconds next_ = std::numeric_limits<Seconds>::min();
  double sum_ = 0;
  int64_t samples_ = 0;
};

// Accumulates waits and GPU-time, then fills the summary fields.
class Tally {
 public:
  void Placed(const Request& r, Seconds start) {
    waits_.push_back(static_cast<double>(start - r.earliest_start.unix_seconds()));
    gpu_seconds_ += static_cast<double>(r.gpus) * static_cast<double>(r.duration.seconds());
    last_end_ = std::max(last_end_, start + r.duration.seconds());
  }
  int64_t count() const { return static_cast<int64_t>(waits_.size()); }
  void Finish(const Topology& topology, Seconds first_arrival, SimMetrics& m) {
    m.placed = static_cast<int64_t>(waits_.size());
    m.placed_gpu_hours = gpu_seconds_ / 3600.0;
    m.acceptance = m.jobs == 0 ? 0 : static_cast<double>(m.placed) / static_cast<double>(m.jobs);
    m.first_arrival = first_arrival;
    m.last_end = std::max(last_end_, first_arrival);
    const double span = static_cast<double>(m.last_end - first_arrival);
    m.utilization = span <= 0 || topology.total_gpus() == 0
                        ? 0
                        : gpu_seconds_ / (static_cast<double>(topology.total_gpus()) * span);
    if (!waits_.empty()) {
      double sum = 0;
      for (double w : waits_) sum += w;
      m.mean_wait_s = sum / static_cast<double>(waits_.size());
      std::sort(waits_.begin(), waits_.end());
      // Nearest-rank percentile.
      const auto rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(waits_.size())));
      m.p95_wait_s = waits_[std::max<size_t>(rank, 1) - 1];
    }
    m.decisions_per_second =
        m.decision_seconds > 0 ? static_cast<double>(m.decisions) / m.decision_seconds : 0;
  }

 private:
  std::vector<double> waits_;
  double gpu_seconds_ = 0;
  Seconds last_end_ = 0;
};

// Calls the progress callback each time `done` passes a multiple of
// progress_every, and when forced (at the end).
class Progress {
 public:
  Progress(const SimOptions& options, std::string_view run) : options_(options), run_(run) {}
  void Update(int64_t done, int64_t total, int64_t placed, Seconds trace_time, bool force = false) {
    if (!options_.progress) return;
    if (!force) {
      if (options_.progress_every <= 0 || done / options_.progress_every == reported_) return;
      reported_ = done / options_.progress_every;
    }
    Report(options_, run_, done, total, placed, trace_time);
  }

 private:
  static void Report(const SimOptions& options, std::string_view run, int64_t done, int64_t total,
                     int64_t placed, Seconds trace_time);
  const SimOptions& options_;
  std::string run_;
  int64_t reported_ = 0;
};

void Progress::Report(const SimOptions& options, std::string_view run, int64_t done, int64_t total,
                      int64_t placed, Seconds trace_time) {
  options.progress(SimProgress{.run = run,
                               .done = done,
                               .total = total,
                               .placed = placed,
                               .trace_time = trace_time - options.epoch.unix_seconds()});
}

SimMetrics RunEngine(const Topology& topology, const Trace& trace, const TraceRequests& jobs,
                     const WorkloadMix& mix, const SimOptions& options, Profile profile) {
  SimMetrics m;
  m.name = profile.name;
  m.jobs = static_cast<int64_t>(jobs.requests.size());
  Calendar calendar(topology);
  Engine engine(topology, std::move(profile), nullptr, mix);
  FragmentationSampler sampler(topology, mix);
  DecisionTimer timer(options.monotonic_seconds);
  Tally tally;
  Progress progress(options, m.name);
  Seconds last_forget = 0;
  const Seconds first_arrival =
      trace.jobs.empty() ? 0 : jobs.requests.front().earliest_start.unix_seconds();
  for (size_t i = 0; i < jobs.requests.size(); ++i) {
    const Request& r = jobs.requests[i];
    m.requested_gpu_hours +=
        static_cast<double>(r.gpus) * static_cast<double>(r.duration.seconds()) / 3600.0;
    const Seconds now = r.earliest_start.unix_seconds();
    if (now - last_forget >= kForgetEvery) {
      calendar.ForgetBefore(now);
      last_forget = now;
    }
    if (options.mode == SimMode::kReplay) sampler.MaybeSample(calendar, now);
    if (!jobs.placeable[i]) {
      ++m.unplaceable;
    } else {
      Result<CompiledRequest> compiled = CompileRequest(r, topology);
      if (!compiled.ok()) {
        ++m.unplaceable;
      } else {
        const double started = timer.Start();
        Decision d = engine.Decide(*compiled, calendar, ReplayDecideOptions(options));
        if (d.placed()) {
          // A decision on the current calendar always fits it.
          if (engine.Reserve(static_cast<ReservationId>(i + 1), *d.placement, calendar).ok()) {
            tally.Placed(r, d.placement->start);
          }
        } else {
          ++m.rejected;
        }
        timer.Stop(started, m);
      }
    }
    progress.Update(static_cast<int64_t>(i + 1), m.jobs, tally.count(), now);
  }
  if (options.mode == SimMode::kFill) sampler.Sample(calendar, first_arrival);
  tally.Finish(topology, first_arrival, m);
  m.fragmentation = sampler.Mean();
  progress.Update(m.jobs, m.jobs, m.placed, m.last_end, true);
  return m;
}

SimMetrics RunEasyBackfill(const Topology& topology, const Trace& trace, const TraceRequests& jobs,
                           const WorkloadMix& mix, const SimOptions& options) {
  SimMetrics m;
  m.name = "slurm-easy";
  m.jobs = static_cast<int64_t>(jobs.requests.size());
  Calendar calendar(topology);
  Engine engine(topology, MakeProfile("first-fit").value(), nullptr, mix);
  FragmentationSampler sampler(topology, mix);
  DecisionTimer timer(options.monotonic_seconds);
  Tally tally;
  Progress progress(options, m.name);
  const Seconds first_arrival =
      trace.jobs.empty() ? 0 : jobs.requests.front().earliest_start.unix_seconds();

  std::vector<CompiledRequest> compiled(jobs.requests.size());
  std::vector<bool> valid(jobs.requests.size(), false);
  for (size_t i = 0; i < jobs.requests.size(); ++i) {
    const Request& r = jobs.requests[i];
    m.requested_gpu_hours +=
        static_cast<double>(r.gpus) * static_cast<double>(r.duration.seconds()) / 3600.0;
    if (!jobs.placeable[i]) continue;
    Result<CompiledRequest> c = CompileRequest(r, topology);
    if (!c.ok()) continue;
    compiled[i] = std::move(c).value();
    valid[i] = true;
  }

  constexpr ReservationId kHeadReservation = 0;
  const int64_t fleet_gpus = topology.total_gpus();
  int64_t running_gpus = 0;
  // (end, gpus) of running jobs, earliest end first.
  std::priority_queue<std::pair<Seconds, int64_t>, std::vector<std::pair<Seconds, int64_t>>,
                      std::greater<>>
      running;
  std::deque<size_t> queue;
  size_t next_arrival = 0;
  int64_t done = 0;
  Seconds last_forget = 0;

  // Tries to start job i at t for its whole duration; the calendar holds the
  // running jobs and, during backfill, the head's reservation.
  auto try_start_now = [&](size_t i, Seconds t) {
    const CompiledRequest& c = compiled[i];
    if (c.gpus > fleet_gpus - running_gpus) return false;  // cannot fit anywhere now
    CompiledRequest now_only = c;
    now_only.earliest_start = t;
    now_only.latest_start = t;
    const double started = timer.Start();
    Decision d = engine.Decide(now_only, calendar, ReplayDecideOptions(options));
    bool ok = d.placed() &&
              engine.Reserve(static_cast<ReservationId>(i + 1), *d.placement, calendar).ok();
    timer.Stop(started, m);
    if (!ok) return false;
    running.emplace(t + c.duration, c.gpus);
    running_gpus += c.gpus;
    tally.Placed(jobs.requests[i], t);
    return true;
  };

  while (next_arrival < jobs.requests.size() || !queue.empty()) {
    // The next event: an arrival or a completion.
    Seconds t = kFarFuture;
    if (next_arrival < jobs.requests.size()) {
      t = jobs.requests[next_arrival].earliest_start.unix_seconds();
    }
    if (!running.empty()) t = std::min(t, running.top().first);
    if (t >= kFarFuture) break;
    while (!running.empty() && running.top().first <= t) {
      running_gpus -= running.top().second;
      running.pop();
    }
    while (next_arrival < jobs.requests.size() &&
           jobs.requests[next_arrival].earliest_start.unix_seconds() <= t) {
      const size_t i = next_arrival++;
      if (!valid[i]) {
        ++m.unplaceable;
        ++done;
        continue;
      }
      queue.push_back(i);
    }
    if (t - last_forget >= kForgetEvery) {
      calendar.ForgetBefore(t);
      last_forget = t;
    }
    if (options.mode == SimMode::kReplay) sampler.MaybeSample(calendar, t);

    // Jobs whose latest start has passed leave the queue.
    for (auto it = queue.begin(); it != queue.end();) {
      if (compiled[*it].latest_start < t) {
        ++m.rejected;
        ++done;
        it = queue.erase(it);
      } else {
        ++it;
      }
    }
    while (!queue.empty()) {
      // FCFS: start the head if it fits now.
      if (try_start_now(queue.front(), t)) {
        queue.pop_front();
        ++done;
        continue;
      }
      // EASY: reserve the head at its earliest start, backfill behind it.
      const size_t head = queue.front();
      CompiledRequest from_now = compiled[head];
      from_now.earliest_start = t;
      const double started = timer.Start();
      Decision d = engine.Decide(from_now, calendar, ReplayDecideOptions(options));
      timer.Stop(started, m);
      if (!d.placed()) {  // can never start inside its window
        ++m.rejected;
        ++done;
        queue.pop_front();
        continue;
      }
      (void)engine.Reserve(kHeadReservation, *d.placement, calendar);
      int32_t tried = 0;
      // Within one pass nothing is freed, so a job that needs at least as many
      // GPUs for at least as long as one that did not fit (same scope and models)
      // cannot fit either.
      std::vector<size_t> failed;
      auto dominated = [&](size_t i) {
        const CompiledRequest& c = compiled[i];
        for (size_t f : failed) {
          const CompiledRequest& g = compiled[f];
          if (g.gpus <= c.gpus && g.duration <= c.duration && g.scope == c.scope &&
              g.models == c.models) {
            return true;
          }
        }
        return false;
      };
      for (auto it = std::next(queue.begin());
           it != queue.end() && tried < options.backfill_depth;) {
        ++tried;
        if (dominated(*it)) {
          ++it;
          continue;
        }
        if (try_start_now(*it, t)) {
          it = queue.erase(it);
          ++done;
        } else {
          failed.push_back(*it);
          ++it;
        }
      }
      engine.Unreserve(kHeadReservation, calendar);
      break;
    }
    progress.Update(done, m.jobs, tally.count(), t);
  }
  if (options.mode == SimMode::kFill) sampler.Sample(calendar, first_arrival);
  tally.Finish(topology, first_arrival, m);
  m.fragmentation = sampler.Mean();
  progress.Update(m.jobs, m.jobs, m.placed, m.last_end, true);
  return m;
}

std::string Hours(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f h", seconds / 3600.0);
  return buf;
}

std::string Fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string Percent(double v) { return Fixed(100.0 * v, 1) + " %"; }

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

Result<SimMode> ParseSimMode(std::string_view name) {
  if (name == "replay") return SimMode::kReplay;
  if (name == "fill") return SimMode::kFill;
  return InvalidArgument("unknown mode \"" + std::string(name) + "\": expected replay or fill",
                         "mode");
}

TraceRequests MakeTraceRequests(const Trace& trace, const Topology& topology,
                                const SimOptions& options) {
  TraceRequests out;
  out.requests.reserve(trace.jobs.size());
  out.placeable.reserve(trace.jobs.size());
  int32_t largest_node = 0;
  for (const NodeInfo& n : topology.nodes()) largest_node = std::max(largest_node, n.gpus);
  std::vector<ModelId> all_models;
  for (ModelIndex m = 0; m < topology.num_models(); ++m) all_models.push_back(topology.model(m).id);
  // Per model, the largest node, pod cell and site: a job larger than every
  // group of its scope can never be placed.
  const auto num_models = static_cast<size_t>(topology.num_models());
  std::vector<int64_t> max_node(num_models, 0), max_cell(num_models, 0), max_site(num_models, 0);
  for (CellIndex c = 0; c < topology.num_cells(); ++c) {
    const CellInfo& cell = topology.cell(c);
    const auto m = static_cast<size_t>(cell.model);
    max_node[m] = std::max<int64_t>(max_node[m], cell.max_node_gpus);
    max_cell[m] = std::max(max_cell[m], cell.gpus);
    max_site[m] = std::max(max_site[m], topology.SiteModelGpus(cell.site, cell.model));
  }
  auto fits_some_group = [&](const Request& r) {
    for (const ModelId& id : r.models) {
      const auto m = static_cast<size_t>(*topology.FindModel(id.str()));
      const int64_t largest = r.scope == Scope::kNode  ? max_node[m]
                              : r.scope == Scope::kPod ? max_cell[m]
                                                       : max_site[m];
      if (largest >= r.gpus) return true;
    }
    return false;
  };
  for (const TraceJob& job : trace.jobs) {
    Request r;
    r.id = job.id;
    r.gpus = job.gpus;
    r.duration = Duration::Seconds(job.duration);
    r.earliest_start = options.epoch + Duration::Seconds(job.arrival);
    if (options.mode == SimMode::kFill) {
      r.duration = options.fill_duration;
      r.earliest_start = options.epoch;
      r.latest_end = r.earliest_start + r.duration;
    } else if (options.window_slack) {
      const auto slack = static_cast<Seconds>(
          std::llround(static_cast<double>(job.duration) * *options.window_slack));
      r.latest_end = r.earliest_start + Duration::Seconds(job.duration + slack);
    }
    r.scope = job.gpus <= largest_node ? Scope::kNode : options.multi_node_scope;
    bool placeable = true;
    if (job.gpu_types.empty()) {
      r.models = all_models;
    } else {
      for (const std::string& type : job.gpu_types) {
        if (topology.FindModel(type)) r.models.push_back(*ModelId::Parse(type));
      }
      placeable = !r.models.empty();
    }
    placeable = placeable && fits_some_group(r);
    out.requests.push_back(std::move(r));
    out.placeable.push_back(placeable);
  }
  return out;
}

Result<SimReport> Simulate(const Topology& topology, const Trace& trace,
                           const SimOptions& options) {
  STRAITS_ASSIGN_OR_RETURN(Profile profile, MakeProfile(options.strategy));
  if (options.mode == SimMode::kFill && options.fill_duration.seconds() <= 0) {
    return InvalidArgument("fill duration must be positive", "fill_duration");
  }
  if (options.window_slack && !(*options.window_slack >= 0)) {
    return InvalidArgument("window slack must be >= 0", "window_slack");
  }
  if (options.max_tied_candidates < 0) {
    return InvalidArgument("must be >= 0 (0 compares every candidate)", "max_tied_candidates");
  }
  SimReport report;
  report.trace = trace.source;
  report.mode = options.mode;
  report.fleet_gpus = topology.total_gpus();
  report.window_slack = options.window_slack;
  report.max_tied_candidates = options.max_tied_candidates;
  std::vector<int32_t> demands;
  demands.reserve(trace.jobs.size());
  for (const TraceJob& job : trace.jobs) demands.push_back(job.gpus);
  const WorkloadMix mix = WorkloadMix::FromDemands(demands);
  report.mix = mix.ToString();
  const TraceRequests jobs = MakeTraceRequests(trace, topology, options);
  report.engine = RunEngine(topology, trace, jobs, mix, options, std::move(profile));
  if (options.run_baseline) report.baseline = RunEasyBackfill(topology, trace, jobs, mix, options);
  return report;
}

std::string FormatReport(const SimReport& report) {
  std::vector<const SimMetrics*> runs = {&report.engine};
  if (report.baseline) runs.push_back(&*report.baseline);
  std::string out =
      "trace " + report.trace + ", fleet " + std::to_string(report.fleet_gpus) + " GPUs, " +
      (report.mode == SimMode::kFill
           ? std::string("fill (all at once, start now, never leave)")
           : "deadlines " + (report.window_slack
                                 ? "arrival + duration x " + Fixed(1 + *report.window_slack, 2)
                                 : std::string("none"))) +
      (report.max_tied_candidates > 0 ? ", up to " + std::to_string(report.max_tied_candidates) +
                                            " candidates tied at the window's start compared"
                                      : std::string(", every tied candidate compared")) +
      "\n";
  char line[256];
  auto row = [&](const char* label, auto value_of) {
    std::snprintf(line, sizeof(line), "%-24s", label);
    out += line;
    for (const SimMetrics* m : runs) {
      std::snprintf(line, sizeof(line), "%22s", value_of(*m).c_str());
      out += line;
    }
    out += "\n";
  };
  row("", [](const SimMetrics& m) { return m.name; });
  row("jobs", [](const SimMetrics& m) { return std::to_string(m.jobs); });
  row("placed", [](const SimMetrics& m) { return std::to_string(m.placed); });
  row("rejected (window)", [](const SimMetrics& m) { return std::to_string(m.rejected); });
  row("unplaceable", [](const SimMetrics& m) { return std::to_string(m.unplaceable); });
  row("acceptance", [](const SimMetrics& m) { return Percent(m.acceptance); });
  row("placed GPU-hours", [](const SimMetrics& m) { return Fixed(m.placed_gpu_hours, 0); });
  row("utilization", [](const SimMetrics& m) { return Percent(m.utilization); });
  row("mean wait", [](const SimMetrics& m) { return Hours(m.mean_wait_s); });
  row("p95 wait", [](const SimMetrics& m) { return Hours(m.p95_wait_s); });
  row("fragmentation", [](const SimMetrics& m) { return Percent(m.fragmentation); });
  row("decisions", [](const SimMetrics& m) { return std::to_string(m.decisions); });
  row("decisions/s", [](const SimMetrics& m) { return Fixed(m.decisions_per_second, 0); });
  if (report.lp_bound_gpu_hours) {
    const double bound = *report.lp_bound_gpu_hours;
    row("LP bound GPU-hours", [&](const SimMetrics&) { return Fixed(bound, 0); });
    row("placed / LP bound", [&](const SimMetrics& m) {
      return bound > 0 ? Percent(m.placed_gpu_hours / bound) : std::string("-");
    });
  }
  out += "fragmentation mix (GPUs:share): " + report.mix + "\n";
  return out;
}

std::string ReportJson(const SimReport& report) {
  auto metrics = [](const SimMetrics& m) {
    std::string o = "{\"name\":" + JsonString(m.name);
    auto num = [&o](const char* key, double v) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), ",\"%s\":%.6g", key, v);
      o += buf;
    };
    num("jobs", static_cast<double>(m.jobs));
    num("placed", static_cast<double>(m.placed));
    num("rejected", static_cast<double>(m.rejected));
    num("unplaceable", static_cast<double>(m.unplaceable));
    num("acceptance", m.acceptance);
    num("requested_gpu_hours", m.requested_gpu_hours);
    num("placed_gpu_hours", m.placed_gpu_hours);
    num("utilization", m.utilization);
    num("mean_wait_s", m.mean_wait_s);
    num("p95_wait_s", m.p95_wait_s);
    num("fragmentation", m.fragmentation);
    num("decisions", static_cast<double>(m.decisions));
    num("decisions_per_second", m.decisions_per_second);
    return o + "}";
  };
  std::string out =
      "{\"trace\":" + JsonString(report.trace) + ",\"mode\":\"" +
      (report.mode == SimMode::kFill ? "fill" : "replay") +
      "\",\"fleet_gpus\":" + std::to_string(report.fleet_gpus) + ",\"window_slack\":" +
      (report.window_slack ? Fixed(*report.window_slack, 6) : std::string("null")) +
      ",\"max_tied_candidates\":" + std::to_string(report.max_tied_candidates) +
      ",\"mix\":" + JsonString(report.mix) + ",\"engine\":" + metrics(report.engine) +
      ",\"baseline\":" + (report.baseline ? metrics(*report.baseline) : "null") +
      ",\"lp_bound_gpu_hours\":" +
      (report.lp_bound_gpu_hours ? Fixed(*report.lp_bound_gpu_hours, 3) : std::string("null")) +
      "}";
  return out;
}

}  // namespace straits::placement
