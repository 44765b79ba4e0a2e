// Traces: real GPU-cluster job logs turned into placement requests for replay.
// Parsers take the file's *contents*, so the engine does no I/O; the CLI or a
// test reads the file.
//
//   Result<Trace> t = LoadTrace(text, TraceFormat::kElasticFlow, "cluster04.csv");
//
// Formats (schemas in the traces' READMEs):
//   elasticflow  Microsoft ITP traces released with ElasticFlow (ASPLOS '23):
//                job_id,submission_time,duration,num_gpu. No GPU type.
//   openb        Alibaba GPU cluster trace v2023 (FGD, USENIX ATC '23) pod lists:
//                name,...,num_gpu,gpu_milli,gpu_spec,...,creation_time,
//                deletion_time,scheduled_time. Tasks without GPUs are skipped;
//                fractional GPUs are rounded up to one whole GPU (leases are whole
//                GPUs); the run time is deletion - scheduled (deletion - creation
//                for tasks never scheduled; tasks with a zero run time are skipped);
//                gpu_spec lists acceptable GPU types.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "placement/calendar.h"
#include "placement/topology.h"

namespace straits::placement {

enum class TraceFormat { kElasticFlow, kOpenB };
// "elasticflow" or "openb"; invalid_argument (field "format") otherwise.
Result<TraceFormat> ParseTraceFormat(std::string_view name);
std::string_view TraceFormatName(TraceFormat format);

struct TraceJob {
  std::string id;
  Seconds arrival = 0;   // seconds from the start of the trace
  Seconds duration = 0;  // run time, >= 1
  int32_t gpus = 0;
  // Acceptable GPU types as model ids (lower case, e.g. "v100m16"); empty = any.
  std::vector<std::string> gpu_types;
};

struct Trace {
  std::string source;
  std::vector<TraceJob> jobs;  // ascending by arrival, ties in file order
  int64_t skipped_without_gpu = 0;
  int64_t skipped_zero_duration = 0;  // openb tasks deleted the instant they were created
  int64_t rounded_up_fractional = 0;
};

// Parses `text`. Errors are invalid_argument with field "SOURCE:LINE" naming
// the column and value: a missing column, a non-integer or negative number, a
// zero or negative duration, GPUs outside 1..1,000,000.
Result<Trace> LoadTrace(std::string_view text, TraceFormat format, std::string_view source_name);

// One trace holding every job of `traces` (e.g. the ten ElasticFlow clusters,
// which share one time axis), ascending by arrival; the source names are joined.
Trace MergeTraces(std::vector<Trace> traces);

// The openb node list (openb_node_list_gpu_node.csv: sn,cpu_milli,memory_mib,gpu,
// model) as a one-site fleet "openb" with a pod per 32 nodes of one model;
// nodes without GPUs are left out. Model ids are the lower-cased GPU types.
Result<FleetSpec> LoadOpenbFleet(std::string_view text, std::string_view source_name);

}  // namespace straits::placement
