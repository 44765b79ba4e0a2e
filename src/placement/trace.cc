#include "placement/trace.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "core/csv.h"

namespace straits::placement {
namespace {

std::string Where(std::string_view source, int line) {
  return std::string(source) + ":" + std::to_string(line);
}

Result<int> RequireColumn(const CsvTable& table, std::string_view name, std::string_view source) {
  const int col = table.Column(name);
  if (col < 0) {
    return InvalidArgument("missing column \"" + std::string(name) + "\"", Where(source, 1));
  }
  return col;
}

Result<int64_t> ParseInt(const CsvRow& row, int col, std::string_view name,
                         std::string_view source) {
  const std::string& text = row.fields[static_cast<size_t>(col)];
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return InvalidArgument(std::string(name) + " must be an integer, got \"" + text + "\"",
                           Where(source, row.line));
  }
  if (value < 0) {
    return InvalidArgument(std::string(name) + " must not be negative, got " + text,
                           Where(source, row.line));
  }
  return value;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr int64_t kMaxTraceGpus = 1'000'000;

Status CheckGpus(int64_t gpus, const CsvRow& row, std::string_view source) {
  if (gpus < 1 || gpus > kMaxTraceGpus) {
    return InvalidArgument("num_gpu must be between 1 and 1000000, got " + std::to_string(gpus),
                           Where(source, row.line));
  }
  return Status::Ok();
}

Result<Trace> LoadElasticFlow(const CsvTable& table, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(int id_col, RequireColumn(table, "job_id", source));
  STRAITS_ASSIGN_OR_RETURN(int sub_col, RequireColumn(table, "submission_time", source));
  STRAITS_ASSIGN_OR_RETURN(int dur_col, RequireColumn(table, "duration", source));
  STRAITS_ASSIGN_OR_RETURN(int gpu_col, RequireColumn(table, "num_gpu", source));
  Trace trace;
  trace.jobs.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    STRAITS_ASSIGN_OR_RETURN(int64_t arrival, ParseInt(row, sub_col, "submission_time", source));
    STRAITS_ASSIGN_OR_RETURN(int64_t duration, ParseInt(row, dur_col, "duration", source));
    STRAITS_ASSIGN_OR_RETURN(int64_t gpus, ParseInt(row, gpu_col, "num_gpu", source));
    if (duration < 1) {
      return InvalidArgument("duration must be at least 1 second", Where(source, row.line));
    }
    STRAITS_RETURN_IF_ERROR(CheckGpus(gpus, row, source));
    trace.jobs.push_back(TraceJob{.id = row.fields[static_cast<size_t>(id_col)],
                                  .arrival = arrival,
                                  .duration = duration,
                                  .gpus = static_cast<int32_t>(gpus),
                                  .gpu_types = {}});
  }
  return trace;
}

Result<Trace> LoadOpenB(const CsvTable& table, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(int name_col, RequireColumn(table, "name", source));
  STRAITS_ASSIGN_OR_RETURN(int gpu_col, RequireColumn(table, "num_gpu", source));
  STRAITS_ASSIGN_OR_RETURN(int milli_col, RequireColumn(table, "gpu_milli", source));
  STRAITS_ASSIGN_OR_RETURN(int spec_col, RequireColumn(table, "gpu_spec", source));
  STRAITS_ASSIGN_OR_RETURN(int create_col, RequireColumn(table, "creation_time", source));
  STRAITS_ASSIGN_OR_RETURN(int delete_col, RequireColumn(table, "deletion_time", source));
  STRAITS_ASSIGN_OR_RETURN(int sched_col, RequireColumn(table, "scheduled_time", source));
  Trace trace;
  for (const CsvRow& row : table.rows) {
    STRAITS_ASSIGN_OR_RETURN(int64_t gpus, ParseInt(row, gpu_col, "num_gpu", source));
    if (gpus == 0) {
      ++trace.skipped_without_gpu;
      continue;
    }
    STRAITS_RETURN_IF_ERROR(CheckGpus(gpus, row, source));
    STRAITS_ASSIGN_OR_RETURN(int64_t milli, ParseInt(row, milli_col, "gpu_milli", source));
    if (gpus == 1 && milli < 1000) ++trace.rounded_up_fractional;
    STRAITS_ASSIGN_OR_RETURN(int64_t created, ParseInt(row, create_col, "creation_time", source));
    STRAITS_ASSIGN_OR_RETURN(int64_t deleted, ParseInt(row, delete_col, "deletion_time", source));
    int64_t started = created;
    if (!row.fields[static_cast<size_t>(sched_col)].empty()) {
      STRAITS_ASSIGN_OR_RETURN(started, ParseInt(row, sched_col, "scheduled_time", source));
    }
    if (deleted < started) {
      return InvalidArgument("deletion_time must not be before scheduled_time (or creation_time)",
                             Where(source, row.line));
    }
    if (deleted == started) {  // deleted while pending: never held a GPU
      ++trace.skipped_zero_duration;
      continue;
    }
    TraceJob job{.id = row.fields[static_cast<size_t>(name_col)],
                 .arrival = created,
                 .duration = deleted - started,
                 .gpus = static_cast<int32_t>(gpus),
                 .gpu_types = {}};
    std::string_view spec = row.fields[static_cast<size_t>(spec_col)];
    while (!spec.empty()) {
      const size_t bar = spec.find('|');
      std::string type = Lower(spec.substr(0, bar));
      if (!type.empty() &&
          std::find(job.gpu_types.begin(), job.gpu_types.end(), type) == job.gpu_types.end()) {
        job.gpu_types.push_back(std::move(type));
      }
      if (bar == std::string_view::npos) break;
      spec.remove_prefix(bar + 1);
    }
    trace.jobs.push_back(std::move(job));
  }
  return trace;
}

// Public attributes of the openb GPU types where they are known (memory from
// the vendors' data sheets); G2 and G3 are undisclosed in the trace.
ModelSpec OpenbModel(const std::string& type) {
  static const std::map<std::string, double> kMemoryGb = {
      {"p100", 16}, {"t4", 16}, {"v100m16", 16}, {"v100m32", 32}, {"a10", 24}};
  ModelSpec spec{.id = *ModelId::Parse(type), .vendor = "", .tpp = 0, .memory_gb = 0};
  if (auto it = kMemoryGb.find(type); it != kMemoryGb.end()) {
    spec.vendor = "nvidia";
    spec.memory_gb = it->second;
  }
  return spec;
}

}  // namespace

Result<TraceFormat> ParseTraceFormat(std::string_view name) {
  if (name == "elasticflow") return TraceFormat::kElasticFlow;
  if (name == "openb") return TraceFormat::kOpenB;
  return InvalidArgument(
      "unknown trace format \"" + std::string(name) + "\": expected \"elasticflow\" or \"openb\"",
      "format");
}

std::string_view TraceFormatName(TraceFormat format) {
  return format == TraceFormat::kElasticFlow ? "elasticflow" : "openb";
}

Result<Trace> LoadTrace(std::string_view text, TraceFormat format, std::string_view source_name) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source_name));
  Result<Trace> trace = format == TraceFormat::kElasticFlow ? LoadElasticFlow(table, source_name)
                                                            : LoadOpenB(table, source_name);
  if (!trace.ok()) return trace;
  trace->source = std::string(source_name);
  std::stable_sort(trace->jobs.begin(), trace->jobs.end(),
                   [](const TraceJob& a, const TraceJob& b) { return a.arrival < b.arrival; });
  return trace;
}

Trace MergeTraces(std::vector<Trace> traces) {
  Trace out;
  for (Trace& t : traces) {
    out.source += (out.source.empty() ? "" : "+") + t.source;
    out.skipped_without_gpu += t.skipped_without_gpu;
    out.skipped_zero_duration += t.skipped_zero_duration;
    out.rounded_up_fractional += t.rounded_up_fractional;
    for (TraceJob& job : t.jobs) out.jobs.push_back(std::move(job));
  }
  std::stable_sort(out.jobs.begin(), out.jobs.end(),
                   [](const TraceJob& a, const TraceJob& b) { return a.arrival < b.arrival; });
  return out;
}

Result<FleetSpec> LoadOpenbFleet(std::string_view text, std::string_view source_name) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source_name));
  STRAITS_ASSIGN_OR_RETURN(int sn_col, RequireColumn(table, "sn", source_name));
  STRAITS_ASSIGN_OR_RETURN(int gpu_col, RequireColumn(table, "gpu", source_name));
  STRAITS_ASSIGN_OR_RETURN(int model_col, RequireColumn(table, "model", source_name));
  std::map<std::string, std::vector<NodeSpec>> by_model;
  for (const CsvRow& row : table.rows) {
    STRAITS_ASSIGN_OR_RETURN(int64_t gpus, ParseInt(row, gpu_col, "gpu", source_name));
    if (gpus == 0) continue;
    if (gpus > kMaxGpusPerNode) {
      return InvalidArgument("gpu must be at most " + std::to_string(kMaxGpusPerNode),
                             Where(source_name, row.line));
    }
    const std::string type = Lower(row.fields[static_cast<size_t>(model_col)]);
    Result<ModelId> model = ModelId::Parse(type);
    if (!model.ok()) {
      return InvalidArgument("model: " + model.status().message(), Where(source_name, row.line));
    }
    Result<NodeId> node = NodeId::Parse(row.fields[static_cast<size_t>(sn_col)]);
    if (!node.ok()) {
      return InvalidArgument("sn: " + node.status().message(), Where(source_name, row.line));
    }
    by_model[type].push_back(
        NodeSpec{.id = *node, .model = *model, .gpus = static_cast<int32_t>(gpus)});
  }
  FleetSpec fleet;
  SiteSpec site{.id = *SiteId::Parse("openb"), .country = {}, .pods = {}, .prices = {}};
  for (auto& [type, nodes] : by_model) {
    fleet.models.push_back(OpenbModel(type));
    constexpr size_t kPodNodes = 32;
    for (size_t first = 0; first < nodes.size(); first += kPodNodes) {
      PodSpec pod{.id = *PodId::Parse("openb-" + type + "-" + std::to_string(first / kPodNodes)),
                  .nodes = {}};
      const size_t last = std::min(nodes.size(), first + kPodNodes);
      pod.nodes.assign(nodes.begin() + static_cast<ptrdiff_t>(first),
                       nodes.begin() + static_cast<ptrdiff_t>(last));
      site.pods.push_back(std::move(pod));
    }
  }
  fleet.sites.push_back(std::move(site));
  return fleet;
}

}  // namespace straits::placement
