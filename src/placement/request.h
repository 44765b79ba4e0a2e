// Request: what a tenant asks the placement engine for, and its validation
// against a topology into a CompiledRequest the pipeline works on.
//
//   Request r;
//   r.gpus = 64;
//   r.models = {*ModelId::Parse("h100-sxm"), *ModelId::Parse("h200-sxm")};
//   r.duration = Duration::Hours(72);
//   r.earliest_start = *Instant::Parse("2025-06-01");
//   r.latest_end = *Instant::Parse("2025-06-10");   // none: no deadline
//   r.scope = Scope::kPod;                           // all 64 GPUs in one NVLink/IB domain
//   Result<CompiledRequest> c = CompileRequest(r, topology);
//
// A fixed start is a window of exactly the duration (latest_end = earliest_start +
// duration). A lease uses one accelerator model throughout.
//
// Thread-safety: plain values and a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "placement/calendar.h"
#include "placement/topology.h"

namespace straits::placement {

// How tightly the GPUs of one lease are kept together.
enum class Scope {
  kNode,  // all on one node
  kPod,   // inside one pod (one NVLink / InfiniBand domain)
  kSite,  // anywhere inside one site
};
std::string_view ScopeName(Scope scope);  // "node", "pod", "site"
Result<Scope> ParseScope(std::string_view text);

// Constraints a model must meet, in addition to (or instead of) a list of ids.
struct ModelConstraints {
  std::optional<double> min_tpp;
  std::optional<double> min_memory_gb;
  std::optional<std::string> vendor;  // compared exactly, e.g. "nvidia"
  bool empty() const { return !min_tpp && !min_memory_gb && !vendor; }
};

struct Request {
  std::string id;               // the caller's name for it, echoed in results
  std::optional<OrgId> tenant;  // for compliance oracles
  int64_t gpus = 0;
  std::vector<ModelId> models;  // acceptable models; empty = any meeting `constraints`
  ModelConstraints constraints;
  Duration duration;
  Instant earliest_start;
  std::optional<Instant> latest_end;  // none = no deadline
  Scope scope = Scope::kNode;
  // Preferred sites, best first. With `only_listed_sites`, no other site is used;
  // otherwise the order is a preference that scoring weighs.
  std::vector<SiteId> sites;
  bool only_listed_sites = false;
  std::optional<Money> max_price_per_gpu_hour;
};

// A request checked against a topology, with ids resolved to indices.
struct CompiledRequest {
  const Request* source = nullptr;  // not owned; must outlive the compiled form
  int32_t gpus = 0;
  Seconds duration = 0;
  Seconds earliest_start = 0;
  Seconds latest_start = kFarFuture;  // latest_end - duration, or kFarFuture
  Scope scope = Scope::kNode;
  // Models allowed by the request (ids and constraints), ascending.
  std::vector<ModelIndex> models;
  // Per site: 0 for the first preferred site, 1 for the next, ...; -1 if not listed.
  std::vector<int32_t> site_rank;
  bool only_listed_sites = false;
  std::optional<int64_t> max_price_minor;  // in the topology's price currency
};

// Validates `request` against `topology`. Errors are invalid_argument naming the
// field: "gpus" (< 1 or too large), "duration" (<= 0, or longer than the window
// from earliest_start to latest_end), "models" (empty list and no constraints, or
// no model of the fleet meets the constraints), "models[i]" (unknown or repeated
// model), "sites[i]" (unknown or repeated site), "max_price_per_gpu_hour"
// (negative, or in another currency than the fleet's prices).
//
// A request that is valid but cannot be placed (too big for every site, over
// every price) is not an error: the engine answers "not placed" with reasons.
Result<CompiledRequest> CompileRequest(const Request& request, const Topology& topology);

}  // namespace straits::placement
